/* cirrus — the `service` model (see service.h, docs/models/service.md).
 *
 * A request that finds a free worker starts at once; otherwise it waits in
 * FIFO order, unless `queue_limit` requests already wait, in which case it
 * is refused at once (an HTTP 503).  A sync request is answered when its
 * service ends; an async one is answered as soon as it is accepted.
 *
 * Faults: during an `outage` every request is refused at once, and what
 * was queued or in service when it began fails (the process died with
 * them).  During a `slowdown` each service that starts takes `factor`
 * times longer (overlapping slowdowns multiply). */
#include "models/service/service.h"
#include "models/protocol/protocol.h"
#include "sim/loader/config.h"
#include "sim/kernel/fifo.h"

enum { SERVICE_DONE = CIRRUS_EVENT_MODEL };

enum {
    M_REQUESTS, M_COMPLETED, M_REJECTED, M_QUEUED, M_UTILIZATION, M_QUEUE_LENGTH,
    M_LATENCY, M_WAIT_TIME, M_FAILED,
};

static const CirrusMetricDef service_metrics[] = {
    [M_REQUESTS]     = {"Requests", CIRRUS_METRIC_COUNT, "Count"},
    [M_COMPLETED]    = {"Completed", CIRRUS_METRIC_COUNT, "Count"},
    [M_REJECTED]     = {"Rejected", CIRRUS_METRIC_COUNT, "Count"},
    [M_QUEUED]       = {"Queued", CIRRUS_METRIC_COUNT, "Count"},
    [M_UTILIZATION]  = {"Utilization", CIRRUS_METRIC_GAUGE, "Percent"},
    [M_QUEUE_LENGTH] = {"QueueLength", CIRRUS_METRIC_GAUGE, "Count"},
    [M_LATENCY]      = {"Latency", CIRRUS_METRIC_LATENCY, "Seconds"},
    [M_WAIT_TIME]    = {"WaitTime", CIRRUS_METRIC_LATENCY, "Seconds"},
    [M_FAILED]       = {"Failed", CIRRUS_METRIC_COUNT, "Count"},
    {NULL, 0, NULL},
};

typedef struct {
    gint64     workers;
    gint64     queue_limit;   /* -1: unlimited */
    CirrusDist service_time;  /* seconds */
    gint64     busy;
    CirrusFifo waiting;
    gint       outages;       /* outages in force (they may overlap) */
    guint64    epoch;         /* +1 at each outage: work begun before it fails */
    double     slow_factor;   /* product of the slowdowns in force */
} Service;

static gboolean service_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    Service *s = state;
    (void)self;
    s->slow_factor = 1.0;
    return cirrus_cfg_int(cfg, "workers", 1, 1, 10000000, &s->workers, error) &&
           cirrus_cfg_int(cfg, "queue_limit", -1, -1, G_MAXINT64, &s->queue_limit, error) &&
           cirrus_cfg_dist(cfg, "service_time", NULL, &s->service_time, error);
}

static void update_gauges(CirrusComponent *self, const Service *s)
{
    cirrus_metric_gauge(self, M_UTILIZATION, 100.0 * (double)s->busy / (double)s->workers);
    cirrus_metric_gauge(self, M_QUEUE_LENGTH, (double)cirrus_fifo_len(&s->waiting));
}

static void begin_service(CirrusComponent *self, Service *s, CirrusRequest *req)
{
    CirrusTime now = cirrus_now(self);
    cirrus_metric_latency(self, M_WAIT_TIME, now - req->arrived);
    s->busy++;
    double seconds = cirrus_dist_sample(&s->service_time, cirrus_component_rng(self)) * s->slow_factor;
    cirrus_schedule(self, cirrus_time_from_s(seconds), SERVICE_DONE, req, s->epoch);
}

static void on_request(CirrusComponent *self, Service *s, CirrusRequest *req)
{
    cirrus_metric_count(self, M_REQUESTS, 1);
    gboolean free_worker = s->busy < s->workers;
    if (s->outages > 0 || (!free_worker && s->queue_limit >= 0 && (gint64)cirrus_fifo_len(&s->waiting) >= s->queue_limit)) {
        cirrus_metric_count(self, M_REJECTED, 1);
        cirrus_reply(self, req, CIRRUS_OUTCOME_REJECTED);
        return;
    }
    if (req->invocation == CIRRUS_INVOKE_ASYNC) {
        /* Accepted: the caller hears so now; the work goes on with a copy. */
        CirrusRequest *work = cirrus_request_copy(self, req);
        work->arrived = req->arrived;
        cirrus_reply(self, req, CIRRUS_OUTCOME_OK);
        req = work;
    }
    if (free_worker) {
        begin_service(self, s, req);
    } else {
        cirrus_metric_count(self, M_QUEUED, 1);
        cirrus_fifo_push(&s->waiting, req);
    }
    update_gauges(self, s);
}

/* Finish a request: answer a sync caller with `outcome`, drop async work. */
static void finish(CirrusComponent *self, CirrusRequest *req, CirrusOutcome outcome)
{
    if (req->invocation == CIRRUS_INVOKE_ASYNC) cirrus_request_free(self, req);
    else cirrus_reply(self, req, outcome);
}

static void on_done(CirrusComponent *self, Service *s, CirrusRequest *req, guint64 epoch)
{
    s->busy--;
    if (epoch != s->epoch) {
        /* Begun before an outage that has since struck: it died with it. */
        cirrus_metric_count(self, M_FAILED, 1);
        finish(self, req, CIRRUS_OUTCOME_FAILED);
    } else {
        cirrus_metric_count(self, M_COMPLETED, 1);
        cirrus_metric_latency(self, M_LATENCY, cirrus_now(self) - req->arrived);
        finish(self, req, CIRRUS_OUTCOME_OK);
    }
    CirrusRequest *next = cirrus_fifo_pop(&s->waiting);
    if (next) begin_service(self, s, next);
    update_gauges(self, s);
}

static void on_fault(CirrusComponent *self, Service *s, const CirrusFault *f, gboolean begin)
{
    if (f->kind == CIRRUS_FAULT_SLOWDOWN) {
        s->slow_factor = begin ? s->slow_factor * f->factor : s->slow_factor / f->factor;
        return;
    }
    g_assert(f->kind == CIRRUS_FAULT_OUTAGE);
    if (!begin) {
        s->outages--;
        return;
    }
    s->outages++;
    s->epoch++;   /* what is in service now fails when its time comes */
    CirrusRequest *req;
    while ((req = cirrus_fifo_pop(&s->waiting))) {
        cirrus_metric_count(self, M_FAILED, 1);
        finish(self, req, CIRRUS_OUTCOME_FAILED);
    }
    update_gauges(self, s);
}

static void service_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    Service *s = state;
    switch (ev->kind) {
    case CIRRUS_EVENT_REQUEST: on_request(self, s, ev->request); break;
    case SERVICE_DONE: on_done(self, s, ev->request, ev->data); break;
    case CIRRUS_EVENT_FAULT_BEGIN: on_fault(self, s, cirrus_event_fault(self, ev), TRUE); break;
    case CIRRUS_EVENT_FAULT_END: on_fault(self, s, cirrus_event_fault(self, ev), FALSE); break;
    default: g_assert_not_reached();  /* a service sends nothing, so gets no replies */
    }
}

static void service_destroy(CirrusComponent *self, void *state)
{
    Service *s = state;
    (void)self;
    cirrus_dist_clear(&s->service_time);
    cirrus_fifo_clear(&s->waiting);
}

static const struct CirrusProtocols service_protocols = {
    .noun = "a service",
    .speaks = CIRRUS_SPEAKS_INVOKE | CIRRUS_SPEAKS_COMPUTE,
};

const CirrusModelType cirrus_service_type = {
    .name = "service",
    .state_size = sizeof(Service),
    .configure = service_configure,
    .handle = service_handle,
    .destroy = service_destroy,
    .metrics = service_metrics,
    .faults = CIRRUS_FAULT_BIT(CIRRUS_FAULT_OUTAGE) | CIRRUS_FAULT_BIT(CIRRUS_FAULT_SLOWDOWN),
    .protocols = &service_protocols,
};
