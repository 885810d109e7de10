/* cirrus — the queue protocol's link-time questions (see queue.h). */
#include "models/protocol/queue.h"

/* What the events of this protocol carry in their 64-bit data word: the
 * typed functions below are the only code that packs or unpacks it. */
typedef union {
    guint64 word;
    struct { guint32 wait_ms; guint8 max; } receive;     /* wait_ms WAIT_ANY: the queue's */
    struct { guint16 count; guint16 flags; } messages;
    struct { guint64 receipt : 48, seconds : 16; } visibility;
    struct { guint64 value : 56, attr : 8; } attribute;
} QueueWord;

G_STATIC_ASSERT(sizeof(QueueWord) == sizeof(guint64));

#define WAIT_ANY G_MAXUINT32

static guint64 word_of(QueueWord w) { return w.word; }
static QueueWord word_from(guint64 data) { return (QueueWord){ .word = data }; }

CirrusQueueSettings cirrus_queue_settings(const CirrusComponent *queue)
{
    void *state;
    CirrusQueueSettings s;
    cirrus_protocols_of(queue, CIRRUS_SPEAKS_QUEUE, &state)->queue->settings(queue, state, &s);
    return s;
}

/* ---- the consumer's side ---- */

guint64 cirrus_queue_receive(CirrusComponent *consumer, CirrusComponent *queue, guint64 who, guint max,
                             CirrusTime wait)
{
    g_assert(max >= 1 && max <= CIRRUS_QUEUE_MAX_BATCH);
    g_assert(wait == CIRRUS_QUEUE_WAIT_DEFAULT || (wait >= 0 && wait <= CIRRUS_QUEUE_MAX_WAIT_MS * CIRRUS_MS));
    CirrusRequest *poll = cirrus_request_new(consumer);
    poll->caller.word = who;
    QueueWord w = { .word = 0 };
    w.receive.max = (guint8)max;
    w.receive.wait_ms = wait < 0 ? WAIT_ANY : (guint32)(wait / CIRRUS_MS);
    cirrus_post(consumer, queue, 0, CIRRUS_QUEUE_RECEIVE, poll, word_of(w));
    return poll->id;
}

CirrusQueueReceived cirrus_queue_received(CirrusComponent *consumer, const CirrusEvent *ev)
{
    g_assert(ev->kind == CIRRUS_QUEUE_MESSAGES);
    CirrusRequest *poll = ev->request;
    QueueWord w = word_from(ev->data);
    CirrusQueueReceived r = { poll->caller.word, cirrus_batch_next(poll), w.messages.count, w.messages.flags };
    cirrus_request_free(consumer, poll);
    return r;
}

void cirrus_queue_cancel(CirrusComponent *consumer, CirrusComponent *queue, guint64 poll_id)
{
    cirrus_post(consumer, queue, 0, CIRRUS_QUEUE_CANCEL, NULL, poll_id);
}

void cirrus_queue_delete(CirrusComponent *consumer, CirrusComponent *queue, guint64 receipt)
{
    cirrus_post(consumer, queue, 0, CIRRUS_QUEUE_DELETE, NULL, receipt);
}

void cirrus_queue_delete_batch(CirrusComponent *consumer, CirrusComponent *queue, CirrusRequest *messages)
{
    cirrus_post(consumer, queue, 0, CIRRUS_QUEUE_DELETE_BATCH, messages, 0);
}

void cirrus_queue_change_visibility(CirrusComponent *consumer, CirrusComponent *queue, guint64 receipt,
                                    guint seconds)
{
    QueueWord w = { .word = 0 };
    w.visibility.receipt = receipt & CIRRUS_QUEUE_HANDLE_MASK;
    w.visibility.seconds = MIN(seconds, 0xFFFFu);
    cirrus_post(consumer, queue, 0, CIRRUS_QUEUE_CHANGE_VISIBILITY, NULL, word_of(w));
}

guint cirrus_queue_abandon(CirrusComponent *consumer, CirrusRequest *messages)
{
    guint n = 0;
    for (CirrusRequest *next; messages; messages = next, n++) {
        next = cirrus_batch_next(messages);
        cirrus_request_free(consumer, messages);
    }
    return n;
}

void cirrus_queue_query(CirrusComponent *asker, CirrusComponent *queue, CirrusQueueAttr attr)
{
    cirrus_post(asker, queue, 0, CIRRUS_QUEUE_QUERY, NULL, (guint64)attr);
}

CirrusQueueAttribute cirrus_queue_attribute(const CirrusEvent *ev)
{
    g_assert(ev->kind == CIRRUS_QUEUE_ATTRIBUTE);
    QueueWord w = word_from(ev->data);
    return (CirrusQueueAttribute){ (CirrusQueueAttr)w.attribute.attr, w.attribute.value };
}

/* ---- the queue's side ---- */

CirrusQueueReceive cirrus_queue_receive_args(const CirrusEvent *ev)
{
    g_assert(ev->kind == CIRRUS_QUEUE_RECEIVE);
    QueueWord w = word_from(ev->data);
    CirrusTime wait = w.receive.wait_ms == WAIT_ANY ? CIRRUS_QUEUE_WAIT_DEFAULT : (CirrusTime)w.receive.wait_ms * CIRRUS_MS;
    return (CirrusQueueReceive){ w.receive.max, wait };
}

void cirrus_queue_answer(CirrusComponent *queue, CirrusComponent *consumer, CirrusRequest *poll,
                         CirrusRequest *messages, guint count, guint flags)
{
    QueueWord w = { .word = 0 };
    w.messages.count = (guint16)count;
    w.messages.flags = (guint16)flags;
    cirrus_batch_link(poll, messages);
    cirrus_post(queue, consumer, 0, CIRRUS_QUEUE_MESSAGES, poll, word_of(w));
}

guint64 cirrus_queue_event_id(const CirrusEvent *ev)
{
    g_assert(ev->kind == CIRRUS_QUEUE_CANCEL || ev->kind == CIRRUS_QUEUE_DELETE);
    return ev->data;
}

CirrusQueueVisibility cirrus_queue_visibility_args(const CirrusEvent *ev)
{
    g_assert(ev->kind == CIRRUS_QUEUE_CHANGE_VISIBILITY);
    QueueWord w = word_from(ev->data);
    return (CirrusQueueVisibility){ w.visibility.receipt, w.visibility.seconds };
}

CirrusQueueAttr cirrus_queue_query_attr(const CirrusEvent *ev)
{
    g_assert(ev->kind == CIRRUS_QUEUE_QUERY);
    return (CirrusQueueAttr)ev->data;
}

void cirrus_queue_attribute_answer(CirrusComponent *queue, CirrusComponent *asker, CirrusQueueAttr attr, guint64 value)
{
    QueueWord w = { .word = 0 };
    w.attribute.attr = attr;
    w.attribute.value = value & ((G_GUINT64_CONSTANT(1) << 56) - 1);
    cirrus_post(queue, asker, 0, CIRRUS_QUEUE_ATTRIBUTE, NULL, word_of(w));
}

void cirrus_queue_redrive(CirrusComponent *queue, CirrusComponent *dlq, CirrusRequest *message, CirrusTime enqueued)
{
    cirrus_post(queue, dlq, 0, CIRRUS_QUEUE_REDRIVE, message, (guint64)enqueued);
}

CirrusTime cirrus_queue_redrive_enqueued(const CirrusEvent *ev)
{
    g_assert(ev->kind == CIRRUS_QUEUE_REDRIVE);
    return (CirrusTime)ev->data;
}

void cirrus_queue_move(CirrusComponent *queue, CirrusComponent *dest, CirrusRequest *message)
{
    cirrus_post(queue, dest, 0, CIRRUS_QUEUE_MOVE, message, 0);
}
