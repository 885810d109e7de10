/* cirrus — the event kinds of every protocol, in one enum.
 *
 * A model numbers its own kinds in an enum of its own from
 * CIRRUS_EVENT_MODEL (sim/kernel/kernel.h); the kinds that travel between
 * models are here, numbered by the compiler from CIRRUS_EVENT_PROTOCOL, so
 * that no two protocols can ever share a number and none is allocated by
 * a comment.  Each protocol's header says what its kinds carry and has the
 * typed functions that post and read them. */
#ifndef CIRRUS_PROTOCOL_EVENTS_H
#define CIRRUS_PROTOCOL_EVENTS_H

#include "sim/kernel/kernel.h"

typedef enum {
    /* target group / load balancer (targets.h) */
    CIRRUS_TARGETS_ATTACH = CIRRUS_EVENT_PROTOCOL,
    CIRRUS_TARGETS_REGISTER,
    CIRRUS_TARGETS_DEREGISTER,
    CIRRUS_TARGETS_DRAINED,
    CIRRUS_TARGETS_HEALTH_PROBE,
    CIRRUS_TARGETS_HEALTH_RESULT,
    CIRRUS_TARGETS_UNHEALTHY,
    CIRRUS_LB_WATCH,
    CIRRUS_LB_HEALTHY_TARGETS,
    /* queue (queue.h) */
    CIRRUS_QUEUE_RECEIVE,
    CIRRUS_QUEUE_MESSAGES,
    CIRRUS_QUEUE_CANCEL,
    CIRRUS_QUEUE_DELETE,
    CIRRUS_QUEUE_CHANGE_VISIBILITY,
    CIRRUS_QUEUE_QUERY,
    CIRRUS_QUEUE_ATTRIBUTE,
    CIRRUS_QUEUE_REDRIVE,
    CIRRUS_QUEUE_MOVE,
    CIRRUS_QUEUE_DELETE_BATCH,
    /* stream (stream.h) */
    CIRRUS_STREAM_REGISTER,
    CIRRUS_STREAM_SHARD,
    CIRRUS_STREAM_GET_RECORDS,
    CIRRUS_STREAM_SUBSCRIBE,
    CIRRUS_STREAM_RECORDS,
    CIRRUS_STREAM_CANCEL,
    /* calls (calls.h): a compute component's own timers for its calls */
    CIRRUS_CALL_TIMEOUT,
    CIRRUS_CALL_RETRY,
} CirrusProtocolEvent;

#endif
