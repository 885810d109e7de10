/* cirrus — the queue protocol (CIRRUS_SPEAKS_QUEUE): between a queue (an
 * `sqs` component) and whatever consumes or watches it — an Auto Scaling
 * group whose instances long-poll it (asg `instance.consumes`), a scaling
 * policy that reads its depth, a Lambda event source mapping, another
 * queue redriving to it.
 *
 * SendMessage is an ordinary request handed over with cirrus_send() (a
 * workload's or a call's); everything else is an event posted and read
 * with the typed functions below, the only code that knows how an event
 * carries its arguments.
 *
 * SendMessage (producer -> queue, cirrus_send)
 *   One message of request->size bytes, answered at once whatever the
 *   request's invocation (the queue never holds a caller): OK accepted
 *   (or, FIFO, a duplicate accepted and dropped); REJECTED larger than
 *   max_message_size; THROTTLED over a FIFO queue's rate; FAILED during an
 *   outage.  The request stays the producer's; the queue keeps its own
 *   copy of what it needs.  FIFO: the message group is (request->origin,
 *   request->client); a non-zero ref.dedup_id (request.h) is an explicit
 *   deduplication id.
 *   SendMessageBatch: keys.messages = n (2 to 10) carries n messages of
 *   request->size / n bytes each, answered once for all (AWS answers per
 *   entry; here the batch is accepted or refused whole: REJECTED when
 *   n > 10 or the total is over max_message_size, as AWS limits the sum of
 *   a batch's messages; a FIFO batch is one call against the 300 calls/s
 *   and shares one group and one deduplication id).
 *
 * ReceiveMessage (cirrus_queue_receive -> cirrus_queue_received)
 *   The consumer lends the queue a poll; exactly one answer comes back
 *   with it: at once when a message is visible (or the wait is 0: possibly
 *   empty, flagged SHORT), else as soon as one becomes visible (with what
 *   is visible then, up to the maximum), else empty when the wait runs out
 *   (long polling).  cirrus_queue_cancel() gives up a waiting receive (the
 *   consumer failed or is shutting down): it is answered at once, empty,
 *   CANCELLED; one already answered is left alone.
 *
 * Messages
 *   A delivered message is a CirrusRequest the queue made for the
 *   consumer, and the consumer's to free (or to hand on): created, origin,
 *   client and size are the producer's; arrived = the delivery time;
 *   attempt = ApproximateReceiveCount - 1 (0 on the first receive);
 *   invocation async; reply_to NULL (not to be answered); its receipt
 *   handle in ref.receipt (cirrus_queue_receipt: 48 bits).  A batch is a
 *   chain (cirrus_batch_next).  Until deleted, the message is invisible
 *   for the queue's visibility_timeout from the delivery, then visible and
 *   received again (a duplicate delivery).
 *   - cirrus_queue_delete(receipt) deletes it, with its latest or an
 *     earlier handle (AWS: "even if the message is locked by another
 *     reader ... it is still deleted"); a handle of a message already gone
 *     is ignored.  cirrus_queue_delete_batch() hands the messages
 *     themselves over (DeleteMessageBatch); the queue frees them.
 *   - cirrus_queue_change_visibility(receipt, seconds 0-43,200): the
 *     message, in flight under this (latest) handle, becomes visible that
 *     long from now; 0 releases it at once.  Ignored beyond 12 h after the
 *     receive, for an older handle, or a message not in flight.
 *   - cirrus_queue_abandon(): messages the consumer drops unprocessed;
 *     they come back after the visibility timeout (at-least-once delivery).
 *
 * Attributes (GetQueueAttributes, the CloudWatch gauges)
 *   cirrus_queue_query(attr) -> cirrus_queue_attribute(): the value now.
 *
 * Redrive (between queues only; never refused, throttled or deduplicated)
 *   cirrus_queue_redrive(): a message past maxReceiveCount, to the
 *   dead-letter queue with its original enqueue time.  cirrus_queue_move():
 *   a message moved back by a message move task, a new message there.
 *
 * The event kinds are in models/protocol/events.h. */
#ifndef CIRRUS_MODEL_QUEUES_H
#define CIRRUS_MODEL_QUEUES_H

#include "models/protocol/protocol.h"
#include "models/protocol/events.h"
#include "models/protocol/request.h"

/* AWS: ReceiveMessage returns 1 to 10 messages and waits at most 20 s. */
#define CIRRUS_QUEUE_MAX_BATCH 10
#define CIRRUS_QUEUE_MAX_WAIT_MS 20000
/* A receive's `wait` meaning "the queue's receive_wait". */
#define CIRRUS_QUEUE_WAIT_DEFAULT ((CirrusTime)-1)

/* QUEUE_MESSAGES flags.  A consumer that gets an empty answer marked
 * SHORT or FAILED should pause before it asks again (a short poll, or a
 * queue that is down, answers at once): cirrus_queue_should_pause(). */
#define CIRRUS_QUEUE_SHORT     0x1u   /* the receive did not wait (wait 0) */
#define CIRRUS_QUEUE_CANCELLED 0x2u   /* answered because of QUEUE_CANCEL */
#define CIRRUS_QUEUE_FAILED    0x4u   /* the queue is down (an outage): an error */
#define CIRRUS_QUEUE_MORE      0x8u   /* messages were still visible after this answer (a backlog) */

/* Receipt handles are 48 bits; ChangeMessageVisibility takes whole
 * seconds, 0 to 43,200 (12 h). */
#define CIRRUS_QUEUE_HANDLE_MASK ((G_GUINT64_CONSTANT(1) << 48) - 1)
#define CIRRUS_QUEUE_MAX_VISIBILITY_S 43200u

typedef enum {
    CIRRUS_QUEUE_ATTR_VISIBLE,         /* ApproximateNumberOfMessagesVisible */
    CIRRUS_QUEUE_ATTR_NOT_VISIBLE,     /* ApproximateNumberOfMessagesNotVisible */
    CIRRUS_QUEUE_ATTR_DELAYED,         /* ApproximateNumberOfMessagesDelayed */
    CIRRUS_QUEUE_ATTR_OLDEST_AGE_MS,   /* ApproximateAgeOfOldestMessage, in ms */
} CirrusQueueAttr;

/* ---- the consumer's side: the SQS client every consumer shares (an Auto
 * Scaling group's workers, a Lambda event source mapping's pollers) ---- */

/* ReceiveMessage: lend `queue` a new poll for at most `max` (1-10)
 * messages, waiting at most `wait` (0-20 s, or CIRRUS_QUEUE_WAIT_DEFAULT:
 * the queue's receive_wait).  `who` comes back with the answer (which
 * worker asked).  Returns the poll's id, for cirrus_queue_cancel. */
guint64 cirrus_queue_receive(CirrusComponent *consumer, CirrusComponent *queue, guint64 who, guint max,
                             CirrusTime wait);

/* An answer to a receive (a QUEUE_MESSAGES event), its poll freed. */
typedef struct {
    guint64 who;                  /* as given to cirrus_queue_receive */
    CirrusRequest *messages;      /* a batch chain (request.h), the consumer's now; NULL: none */
    guint count;
    guint flags;                  /* CIRRUS_QUEUE_SHORT ... */
} CirrusQueueReceived;

CirrusQueueReceived cirrus_queue_received(CirrusComponent *consumer, const CirrusEvent *ev);

/* An empty answer that did not wait (a short poll) or an error: pause
 * before asking again. */
static inline gboolean cirrus_queue_should_pause(const CirrusQueueReceived *r)
{
    return r->count == 0 && (r->flags & (CIRRUS_QUEUE_SHORT | CIRRUS_QUEUE_FAILED)) != 0;
}

/* Give up a waiting receive (the consumer stops). */
void  cirrus_queue_cancel(CirrusComponent *consumer, CirrusComponent *queue, guint64 poll_id);
/* A delivered message's receipt handle (DeleteMessage and
 * ChangeMessageVisibility name the message by it). */
static inline guint64 cirrus_queue_receipt(const CirrusRequest *message)
{
    return cirrus_request_data_const(message)->ref.receipt;
}
/* DeleteMessage by receipt handle. */
void  cirrus_queue_delete(CirrusComponent *consumer, CirrusComponent *queue, guint64 receipt);
/* DeleteMessageBatch: the messages (a batch chain) go to the queue, which
 * frees them. */
void  cirrus_queue_delete_batch(CirrusComponent *consumer, CirrusComponent *queue, CirrusRequest *messages);
/* ChangeMessageVisibility: visible again `seconds` (0-43,200) from now. */
void  cirrus_queue_change_visibility(CirrusComponent *consumer, CirrusComponent *queue, guint64 receipt,
                                     guint seconds);
/* Messages the consumer will not process, freed: not deleted, they come
 * back when their visibility timeout ends.  How many there were. */
guint cirrus_queue_abandon(CirrusComponent *consumer, CirrusRequest *messages);

/* GetQueueAttributes: ask, and read the answer (a QUEUE_ATTRIBUTE event). */
void  cirrus_queue_query(CirrusComponent *asker, CirrusComponent *queue, CirrusQueueAttr attr);
typedef struct {
    CirrusQueueAttr attr;
    guint64 value;
} CirrusQueueAttribute;
CirrusQueueAttribute cirrus_queue_attribute(const CirrusEvent *ev);

/* ---- the queue's side ---- */

typedef struct {
    guint max;
    CirrusTime wait;              /* CIRRUS_QUEUE_WAIT_DEFAULT: the queue's receive_wait */
} CirrusQueueReceive;

CirrusQueueReceive cirrus_queue_receive_args(const CirrusEvent *ev);
/* Answer a receive: QUEUE_MESSAGES to `consumer` with its poll. */
void    cirrus_queue_answer(CirrusComponent *queue, CirrusComponent *consumer, CirrusRequest *poll,
                            CirrusRequest *messages, guint count, guint flags);
/* QUEUE_CANCEL: the poll id; QUEUE_DELETE: the receipt handle. */
guint64 cirrus_queue_event_id(const CirrusEvent *ev);
typedef struct {
    guint64 receipt;
    guint seconds;
} CirrusQueueVisibility;
CirrusQueueVisibility cirrus_queue_visibility_args(const CirrusEvent *ev);
/* QUEUE_QUERY: the attribute asked for. */
CirrusQueueAttr cirrus_queue_query_attr(const CirrusEvent *ev);
void    cirrus_queue_attribute_answer(CirrusComponent *queue, CirrusComponent *asker, CirrusQueueAttr attr,
                                      guint64 value);
/* Between queues: a message moved to a dead-letter queue (with its first
 * enqueue time), or moved back by a redrive task; the receiver frees it. */
void    cirrus_queue_redrive(CirrusComponent *queue, CirrusComponent *dlq, CirrusRequest *message, CirrusTime enqueued);
CirrusTime cirrus_queue_redrive_enqueued(const CirrusEvent *ev);
void    cirrus_queue_move(CirrusComponent *queue, CirrusComponent *dest, CirrusRequest *message);

/* Link-time facts about a queue, for the components that must check them
 * before the run: a dead-letter queue must be of its source's kind, and a
 * Lambda event source mapping refuses a queue whose visibility timeout is
 * shorter than the function's timeout, as AWS does.  The queue fixes them
 * in its configure(); every component is configured before any is
 * linked, so a link() may ask. */
typedef struct {
    gboolean   fifo;
    CirrusTime visibility_timeout;
    CirrusTime receive_wait;
} CirrusQueueSettings;

/* The queue protocol's slots (CIRRUS_SPEAKS_QUEUE, protocol.h). */
struct CirrusQueueOps {
    /* Its settings, as configure() fixed them. */
    void (*settings)(const CirrusComponent *queue, const void *state, CirrusQueueSettings *out);
};

/* The settings of `queue`, which speaks CIRRUS_SPEAKS_QUEUE. */
CirrusQueueSettings cirrus_queue_settings(const CirrusComponent *queue);

#endif
