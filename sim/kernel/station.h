/* cirrus — a station: `workers` requests served at once, a FIFO queue of
 * those waiting, and a limit on that queue (a full queue refuses: the 503
 * of DESIGN.md §3's `queue_limit`).  The queueing core that every model
 * with workers shares — a `service`, each instance of an `asg`, and the
 * coming rds and ecs models — so that it is written once.
 *
 * The station only admits, queues and hands out workers; what a worker
 * does (draw a service time, make calls, count metrics) is the model's.
 * A request holds its worker from admission (or from leaving the queue)
 * until the model releases it.
 *
 * cirrus_station_accept_async() and cirrus_station_finish() are the other
 * half every such model repeats: an async request is answered "accepted"
 * at once and worked on as a copy, which is dropped when its work is
 * over; a sync one is answered then. */
#ifndef CIRRUS_STATION_H
#define CIRRUS_STATION_H

#include "sim/kernel/fifo.h"
#include "sim/kernel/hot-assert.h"
#include "sim/kernel/kernel.h"

typedef struct CirrusStation {
    gint64     workers;      /* requests served at once, >= 1 */
    gint64     queue_limit;  /* the most that may wait; -1: no limit */
    gint64     busy;         /* workers held */
    CirrusFifo waiting;      /* CirrusRequest *, first come first served */
} CirrusStation;

typedef enum {
    CIRRUS_STATION_STARTED,  /* a free worker took it: the model starts its work */
    CIRRUS_STATION_QUEUED,   /* it waits; cirrus_station_release hands it a worker */
    CIRRUS_STATION_FULL,     /* no worker and the queue is at its limit: refuse it */
} CirrusStationAdmit;

void cirrus_station_init(CirrusStation *s, gint64 workers, gint64 queue_limit);
void cirrus_station_clear(CirrusStation *s);

static inline gboolean cirrus_station_has_free_worker(const CirrusStation *s) { return s->busy < s->workers; }
static inline gsize    cirrus_station_waiting(const CirrusStation *s) { return cirrus_fifo_len(&s->waiting); }

/* Whether a request offered now would be refused (no worker, queue full). */
static inline gboolean cirrus_station_full(const CirrusStation *s)
{
    return s->busy >= s->workers && s->queue_limit >= 0 && (gint64)cirrus_fifo_len(&s->waiting) >= s->queue_limit;
}

/* Offer `req`: STARTED (it holds a worker now), QUEUED, or FULL (nothing
 * changed; the caller refuses it). */
static inline CirrusStationAdmit cirrus_station_admit(CirrusStation *s, CirrusRequest *req)
{
    if (s->busy < s->workers) {
        s->busy++;
        return CIRRUS_STATION_STARTED;
    }
    if (s->queue_limit >= 0 && (gint64)cirrus_fifo_len(&s->waiting) >= s->queue_limit) return CIRRUS_STATION_FULL;
    cirrus_fifo_push(&s->waiting, req);
    return CIRRUS_STATION_QUEUED;
}

/* A worker is free: the next waiting request, which holds it now, or NULL
 * (the worker is idle).  `next`: FALSE when the worker must not take
 * another (its instance is failing): it is freed and the queue left. */
static inline CirrusRequest *cirrus_station_release(CirrusStation *s, gboolean next)
{
    cirrus_hot_assert(s->busy > 0);
    CirrusRequest *req = next ? cirrus_fifo_pop(&s->waiting) : NULL;
    if (!req) s->busy--;
    return req;
}

/* Take the waiting requests one by one (to fail them): NULL at the end. */
static inline CirrusRequest *cirrus_station_take_waiting(CirrusStation *s) { return cirrus_fifo_pop(&s->waiting); }

/* An async request is accepted: answered OK now, and the work goes on
 * with the copy returned (arrived at the same time, holder word kept).  A
 * sync request is returned as it is. */
CirrusRequest *cirrus_station_accept_copy(CirrusComponent *self, CirrusRequest *req);
static inline CirrusRequest *cirrus_station_accept_async(CirrusComponent *self, CirrusRequest *req)
{
    return req->invocation == CIRRUS_INVOKE_ASYNC ? cirrus_station_accept_copy(self, req) : req;
}

/* The work on `req` is over, with `outcome`: a sync request is answered;
 * an async copy (its caller answered at acceptance) is dropped. */
static inline void cirrus_station_finish(CirrusComponent *self, CirrusRequest *req, CirrusOutcome outcome)
{
    if (req->invocation == CIRRUS_INVOKE_ASYNC) cirrus_request_free(self, req);
    else cirrus_reply(self, req, outcome);
}

/* The same as the handler's last act: the answer may be handled at once
 * (cirrus_reply_last's contract). */
static inline void cirrus_station_finish_last(CirrusComponent *self, CirrusRequest *req, CirrusOutcome outcome)
{
    if (req->invocation == CIRRUS_INVOKE_ASYNC) cirrus_request_free(self, req);
    else cirrus_reply_last(self, req, outcome);
}

#endif
