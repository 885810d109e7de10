/* cirrus — the `service` model (see service.h, docs/models/service.md).
 *
 * A request that finds a free worker starts at once; otherwise it waits in
 * FIFO order, unless `queue_limit` requests already wait, in which case it
 * is refused at once (an HTTP 503).  A sync request is answered when its
 * service ends; an async one is answered as soon as it is accepted.
 *
 * With `calls` (models/protocol/calls.h), a request makes them when its
 * service time ends, still holding its worker: sync calls add their
 * response times to its Latency, and a failed one fails it (a 5xx).
 *
 * Faults: during an `outage` every request is refused at once, and what
 * was queued, in service or in its calls when it began fails (the process
 * died with them).  During a `slowdown` each service that starts takes
 * `factor` times longer (overlapping slowdowns multiply). */
#include "models/service/service.h"
#include "models/protocol/calls.h"
#include "sim/loader/config.h"
#include "sim/kernel/station.h"

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
    CirrusStation station;       /* workers, the FIFO queue, queue_limit */
    CirrusDist    service_time;  /* seconds */
    const CirrusFaultState *faults;   /* the kernel's: outages, slowdowns */
    CirrusCalls  *calls;         /* NULL: none */
} Service;

static void calls_done(CirrusComponent *self, void *state, CirrusRequest *req, CirrusOutcome outcome);

static gboolean service_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    Service *s = state;
    gint64 workers, queue_limit;
    s->faults = cirrus_component_faults(self);
    if (!cirrus_cfg_int(cfg, "workers", 1, 1, 10000000, &workers, error) ||
        !cirrus_cfg_int(cfg, "queue_limit", -1, -1, G_MAXINT64, &queue_limit, error) ||
        !cirrus_cfg_dist(cfg, "service_time", NULL, &s->service_time, error) ||
        !cirrus_calls_read(self, cfg, "calls", "a service", calls_done, NULL, &s->calls, error))
        return FALSE;
    cirrus_station_init(&s->station, workers, queue_limit);
    /* Utilization: busy workers as a percentage of the workers. */
    cirrus_metric_set_level(self, M_UTILIZATION, 100, workers);
    cirrus_metric_set_level(self, M_QUEUE_LENGTH, 1, 1);
    return TRUE;
}

/* Forced inline: two calls a request, and gcc kept it out of line
 * (11 Ir of an M/M/100 request, docs/performance.md). */
static inline __attribute__((always_inline)) void update_gauges(CirrusComponent *self, const Service *s)
{
    cirrus_metric_level(self, M_UTILIZATION, s->station.busy);
    cirrus_metric_level(self, M_QUEUE_LENGTH, (gint64)cirrus_station_waiting(&s->station));
}

/* `req` holds a worker: its service time begins, in this outage epoch. */
static inline void begin_service(CirrusComponent *self, Service *s, CirrusRequest *req)
{
    CirrusTime now = cirrus_now(self);
    cirrus_metric_latency(self, M_WAIT_TIME, now - req->arrived);
    double seconds = cirrus_dist_sample(&s->service_time, cirrus_component_rng(self)) * s->faults->slowdown;
    cirrus_schedule(self, cirrus_time_from_s(seconds), SERVICE_DONE, req, s->faults->epoch);
}

static void on_request(CirrusComponent *self, Service *s, CirrusRequest *req)
{
    cirrus_metric_count(self, M_REQUESTS, 1);
    if (cirrus_fault_down(s->faults) || cirrus_station_full(&s->station)) {
        cirrus_metric_count(self, M_REJECTED, 1);
        cirrus_reply_last(self, req, CIRRUS_OUTCOME_REJECTED);
        return;
    }
    req = cirrus_station_accept_async(self, req);
    if (cirrus_station_admit(&s->station, req) == CIRRUS_STATION_STARTED) begin_service(self, s, req);
    else cirrus_metric_count(self, M_QUEUED, 1);
    update_gauges(self, s);
}

/* The request leaves its worker with `outcome` (its calls made, if any):
 * counted, the worker takes the next one waiting, and it is answered —
 * last, so that the answer may be handled at once.  `epoch`: the outage
 * epoch its service began in. */
static inline void complete(CirrusComponent *self, Service *s, CirrusRequest *req, guint64 epoch, CirrusOutcome outcome)
{
    if (epoch != s->faults->epoch || outcome != CIRRUS_OUTCOME_OK) {
        /* Begun before an outage that has since struck: it died with it;
         * or a sync call failed: the application's 5xx. */
        cirrus_metric_count(self, M_FAILED, 1);
        outcome = CIRRUS_OUTCOME_FAILED;
    } else {
        cirrus_metric_count(self, M_COMPLETED, 1);
        cirrus_metric_latency(self, M_LATENCY, cirrus_now(self) - req->arrived);
    }
    CirrusRequest *next = cirrus_station_release(&s->station, TRUE);
    if (next) begin_service(self, s, next);
    update_gauges(self, s);
    cirrus_station_finish_last(self, req, outcome);
}

static void calls_done(CirrusComponent *self, void *state, CirrusRequest *req, CirrusOutcome outcome)
{
    complete(self, state, req, req->holder, outcome);
}

/* Its service time is over: its calls, or done. */
static void on_done(CirrusComponent *self, Service *s, CirrusRequest *req, guint64 epoch)
{
    if (s->calls && epoch == s->faults->epoch) {
        req->holder = epoch;   /* ours while we hold it: checked when the calls end */
        cirrus_calls_begin_last(s->calls, self, s, req);
        return;
    }
    complete(self, s, req, epoch, CIRRUS_OUTCOME_OK);
}

/* An outage began (the kernel counts it and starts a new epoch): what
 * waits fails now; what is in service fails when its time comes. */
static void on_fault(CirrusComponent *self, Service *s, const CirrusFault *f, gboolean begin)
{
    if (f->kind != CIRRUS_FAULT_OUTAGE || !begin) return;   /* slowdowns: the kernel's factor */
    CirrusRequest *req;
    while ((req = cirrus_station_take_waiting(&s->station))) {
        cirrus_metric_count(self, M_FAILED, 1);
        cirrus_station_finish(self, req, CIRRUS_OUTCOME_FAILED);
    }
    update_gauges(self, s);
}

static void service_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    Service *s = state;
    /* Its own kinds first: requests and completions, most of its events,
     * then take no test of the calls' kinds (~14 instructions a request
     * of a service with calls). */
    switch (ev->kind) {
    case CIRRUS_EVENT_REQUEST: on_request(self, s, ev->request); break;
    case SERVICE_DONE: on_done(self, s, ev->request, ev->data); break;
    case CIRRUS_EVENT_FAULT_BEGIN: on_fault(self, s, cirrus_event_fault(self, ev), TRUE); break;
    case CIRRUS_EVENT_FAULT_END: on_fault(self, s, cirrus_event_fault(self, ev), FALSE); break;
    default:   /* replies and timers: its calls' (the kinds tested there) */
        if (!s->calls || !cirrus_calls_handle_event(s->calls, self, ev)) g_assert_not_reached();
    }
}

static gboolean service_link(CirrusComponent *self, void *state, CirrusScenario *sc, GError **error)
{
    Service *s = state;
    return cirrus_calls_link(s->calls, self, sc, error);
}

static void service_start(CirrusComponent *self, void *state)
{
    Service *s = state;
    cirrus_calls_start(s->calls, self);
}

static void service_destroy(CirrusComponent *self, void *state)
{
    Service *s = state;
    (void)self;
    cirrus_dist_clear(&s->service_time);
    cirrus_station_clear(&s->station);
    cirrus_calls_free(s->calls);
}

static const struct CirrusProtocols service_protocols = {
    .noun = "a service",
    .speaks = CIRRUS_SPEAKS_INVOKE | CIRRUS_SPEAKS_COMPUTE,
};

const CirrusModelType cirrus_service_type = {
    .name = "service",
    .state_size = sizeof(Service),
    .configure = service_configure,
    .link = service_link,
    .start = service_start,
    .handle = service_handle,
    .destroy = service_destroy,
    .metrics = service_metrics,
    .faults = CIRRUS_FAULT_BIT(CIRRUS_FAULT_OUTAGE) | CIRRUS_FAULT_BIT(CIRRUS_FAULT_SLOWDOWN),
    .protocols = &service_protocols,
};
