/* cirrus — `sqs`: an Amazon SQS queue, standard or FIFO.  SendMessage is a
 * request answered on acceptance (or refused: too large, throttled);
 * consumers receive through models/protocol/queue.h (short or long polling,
 * batches of up to 10), each delivery hides the message for the
 * visibility timeout, a message received max_receive_count times moves to
 * the dead-letter queue, messages expire after the retention period and
 * can be delayed before their first delivery.  FIFO queues deliver one
 * message group in order, one batch in flight at a time, deduplicate
 * within 5 minutes and limit SendMessage to 300 calls/s (high throughput:
 * 300/s per group).  See docs/models/sqs.md. */
#ifndef CIRRUS_MODEL_SQS_H
#define CIRRUS_MODEL_SQS_H

#include "sim/kernel/model.h"

extern const CirrusModelType cirrus_sqs_type;

/* What another model's link() may ask of a queue (FIFO or not, its
 * visibility timeout): cirrus_queue_settings() in models/protocol/queue.h. */

#endif
