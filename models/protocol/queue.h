/* cirrus — the protocol between a queue (an `sqs` component) and whatever
 * consumes it or watches it: an Auto Scaling group whose instances
 * long-poll it (asg `instance.consumes`), a scaling policy that reads its
 * depth (asg `metric: {metric: ApproximateNumberOfMessagesVisible, ...}`),
 * a Lambda event source mapping, another queue redriving to it.
 *
 * Components never reach into each other's state: everything below is an
 * event sent with cirrus_post() (ev->source says who sent it), except
 * SendMessage, which is an ordinary request handed over with cirrus_send().
 *
 * SendMessage
 *   producer -> queue  request (cirrus_send)   one message of request->size
 *                                              bytes.  Answered at once with
 *                                              cirrus_reply, whatever the
 *                                              request's invocation (the
 *                                              queue never holds a caller):
 *                                              OK accepted (or, FIFO, a
 *                                              duplicate accepted and
 *                                              dropped); REJECTED larger than
 *                                              max_message_size; THROTTLED
 *                                              over a FIFO queue's rate;
 *                                              FAILED during an outage.  The
 *                                              request stays the producer's;
 *                                              the queue keeps its own copy
 *                                              of what it needs.  FIFO: the
 *                                              message group is (request->
 *                                              origin, request->client); a
 *                                              non-zero request->tag is an
 *                                              explicit deduplication id.
 *
 *   SendMessageBatch: request->messages = n (2 to 10) carries n messages
 *   of request->size / n bytes each, answered once for all (AWS answers
 *   per entry; here the batch is accepted or refused whole: REJECTED when
 *   n > 10 or the total is over max_message_size, as AWS limits the sum
 *   of a batch's messages; a FIFO batch is one call against the 300
 *   calls/s and shares one group and one deduplication id).
 *
 * ReceiveMessage
 *   consumer -> queue  QUEUE_RECEIVE           request = a "poll": a request
 *                                              the consumer made with
 *                                              cirrus_request_new(), lent to
 *                                              the queue until it comes back
 *                                              in QUEUE_MESSAGES.  poll->tag is
 *                                              the consumer's (e.g. which
 *                                              worker asked); the queue does
 *                                              not touch it.  data =
 *                                              CIRRUS_QUEUE_RECEIVE_ARGS(max
 *                                              messages 1-10, wait in ms
 *                                              0-20000 or
 *                                              CIRRUS_QUEUE_WAIT_DEFAULT: the
 *                                              queue's receive_wait)
 *   queue -> consumer  QUEUE_MESSAGES          exactly one per QUEUE_RECEIVE:
 *                                              request = the same poll, now
 *                                              the consumer's again (it frees
 *                                              it); poll->parent = the first
 *                                              message or NULL, each
 *                                              message's ->parent the next
 *                                              (NULL-terminated, in delivery
 *                                              order); data =
 *                                              CIRRUS_QUEUE_MESSAGES_INFO(count,
 *                                              flags).  Sent at once when a
 *                                              message is visible (or the
 *                                              wait is 0: possibly empty),
 *                                              else as soon as one becomes
 *                                              visible (with what is visible
 *                                              then, up to the maximum), else
 *                                              empty when the wait runs out
 *                                              (long polling).
 *   consumer -> queue  QUEUE_CANCEL            data = poll->id: give up a
 *                                              waiting receive (the consumer
 *                                              failed or is shutting down).
 *                                              A receive still waiting is
 *                                              answered at once, empty, with
 *                                              CIRRUS_QUEUE_CANCELLED; one
 *                                              already answered is left alone
 *
 * Messages
 *   A delivered message is a CirrusRequest the queue made for the
 *   consumer, and the consumer's to free (or to hand on): created, origin,
 *   client and size are the producer's; arrived = the delivery time;
 *   attempt = ApproximateReceiveCount - 1 (0 on the first receive);
 *   invocation async; reply_to NULL (it is not to be answered); tag = its
 *   receipt handle (48 bits; keep it: DELETE and CHANGE_VISIBILITY need
 *   it).  The consumer must clear ->parent before reusing the request.
 *   Until deleted, the message is invisible for the queue's
 *   visibility_timeout from the delivery, then visible again and received
 *   again (a duplicate delivery).
 *
 *   consumer -> queue  QUEUE_DELETE            data = receipt handle.  Deletes
 *                                              the message, with its latest
 *                                              or an earlier handle (AWS: "even
 *                                              if the message is locked by
 *                                              another reader ... it is still
 *                                              deleted"); a handle of a message
 *                                              already gone is ignored
 *   consumer -> queue  QUEUE_DELETE_BATCH      DeleteMessageBatch: request = the
 *                                              messages themselves, as
 *                                              delivered (chained by ->parent,
 *                                              NULL-terminated), each deleted
 *                                              by its receipt handle as
 *                                              QUEUE_DELETE would; the queue
 *                                              frees them
 *   consumer -> queue  QUEUE_CHANGE_VISIBILITY data = CIRRUS_QUEUE_VISIBILITY(
 *                                              handle, seconds 0-43200): the
 *                                              message, in flight under this
 *                                              (latest) handle, becomes
 *                                              visible that long from now; 0
 *                                              releases it at once.  Refused
 *                                              (ignored) beyond 12 h after the
 *                                              receive, for an older handle, or
 *                                              a message not in flight
 *
 * Attributes (GetQueueAttributes / the CloudWatch gauges)
 *   anyone -> queue    QUEUE_QUERY             data = a CIRRUS_QUEUE_ATTR_*
 *   queue -> asker     QUEUE_ATTRIBUTE         at once: data =
 *                                              CIRRUS_QUEUE_ATTRIBUTE_PACK(attr,
 *                                              value), the value now
 *
 * Redrive (between queues only)
 *   queue -> DLQ       QUEUE_REDRIVE           request = the message (made for
 *                                              the purpose; the DLQ frees it),
 *                                              data = its original enqueue time
 *                                              (ns).  Never refused, throttled
 *                                              or deduplicated.
 *   queue -> queue     QUEUE_MOVE              request = the message (the
 *                                              receiver frees it): moved by a
 *                                              message move task (dead-letter
 *                                              queue redrive); a new message
 *                                              there (enqueued now, never
 *                                              received).  Never refused.
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
#define CIRRUS_QUEUE_WAIT_DEFAULT 0xFFFFFu

#define CIRRUS_QUEUE_RECEIVE_ARGS(max, wait_ms) \
    ((guint64)((max) & 0xFFu) | ((guint64)((wait_ms) & 0xFFFFFu) << 8))
#define CIRRUS_QUEUE_RECEIVE_MAX(data) ((guint)((data) & 0xFFu))
#define CIRRUS_QUEUE_RECEIVE_WAIT_MS(data) ((guint)(((data) >> 8) & 0xFFFFFu))

/* QUEUE_MESSAGES flags.  A consumer that gets an empty answer marked
 * SHORT or FAILED should pause before it asks again (a short poll, or a
 * queue that is down, answers at once). */
#define CIRRUS_QUEUE_SHORT     0x1u   /* the receive did not wait (wait 0) */
#define CIRRUS_QUEUE_CANCELLED 0x2u   /* answered because of QUEUE_CANCEL */
#define CIRRUS_QUEUE_FAILED    0x4u   /* the queue is down (an outage): an error */
#define CIRRUS_QUEUE_MORE      0x8u   /* messages were still visible after this answer (a backlog) */

#define CIRRUS_QUEUE_MESSAGES_INFO(count, flags) ((guint64)((count) & 0xFFu) | ((guint64)((flags) & 0xFFu) << 8))
#define CIRRUS_QUEUE_MESSAGES_COUNT(data) ((guint)((data) & 0xFFu))
#define CIRRUS_QUEUE_MESSAGES_FLAGS(data) ((guint)(((data) >> 8) & 0xFFu))

/* Receipt handles are 48 bits; ChangeMessageVisibility takes whole
 * seconds, 0 to 43,200 (12 h). */
#define CIRRUS_QUEUE_HANDLE_MASK ((G_GUINT64_CONSTANT(1) << 48) - 1)
#define CIRRUS_QUEUE_MAX_VISIBILITY_S 43200u
#define CIRRUS_QUEUE_VISIBILITY(handle, seconds) \
    (((guint64)(handle) & CIRRUS_QUEUE_HANDLE_MASK) | ((guint64)((seconds) & 0xFFFFu) << 48))
#define CIRRUS_QUEUE_VISIBILITY_HANDLE(data) ((data) & CIRRUS_QUEUE_HANDLE_MASK)
#define CIRRUS_QUEUE_VISIBILITY_SECONDS(data) ((guint)((data) >> 48))

typedef enum {
    CIRRUS_QUEUE_ATTR_VISIBLE,         /* ApproximateNumberOfMessagesVisible */
    CIRRUS_QUEUE_ATTR_NOT_VISIBLE,     /* ApproximateNumberOfMessagesNotVisible */
    CIRRUS_QUEUE_ATTR_DELAYED,         /* ApproximateNumberOfMessagesDelayed */
    CIRRUS_QUEUE_ATTR_OLDEST_AGE_MS,   /* ApproximateAgeOfOldestMessage, in ms */
} CirrusQueueAttr;

#define CIRRUS_QUEUE_ATTRIBUTE_PACK(attr, value) \
    (((guint64)(attr) << 56) | ((guint64)(value) & ((G_GUINT64_CONSTANT(1) << 56) - 1)))
#define CIRRUS_QUEUE_ATTRIBUTE_ATTR(data) ((CirrusQueueAttr)((data) >> 56))
#define CIRRUS_QUEUE_ATTRIBUTE_VALUE(data) ((data) & ((G_GUINT64_CONSTANT(1) << 56) - 1))

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
