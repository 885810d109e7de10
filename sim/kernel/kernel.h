/* cirrus — the event kernel, as seen by component models.
 *
 * A simulation (CirrusSim) holds components; each is an instance of a model
 * type (model.h) with its own state, RNG stream and metrics.  Components
 * talk only through the kernel: they schedule events for themselves or hand
 * requests to each other, and every event is delivered to its target's
 * handle() slot in (time, insertion order).
 *
 * Kernel types are opaque to models; only CirrusEvent and CirrusRequest are
 * open, because models read them. */
#ifndef CIRRUS_KERNEL_H
#define CIRRUS_KERNEL_H

#include <glib.h>
#include "sim/kernel/clock.h"
#include "sim/kernel/rng.h"

typedef struct CirrusSim CirrusSim;
typedef struct CirrusComponent CirrusComponent;

/* How a request was finished, as the one who handed it over sees it. */
typedef enum {
    CIRRUS_OUTCOME_PENDING = 0,
    CIRRUS_OUTCOME_OK,         /* done (sync) or accepted (async) */
    CIRRUS_OUTCOME_THROTTLED,  /* 429: over a rate or concurrency limit */
    CIRRUS_OUTCOME_REJECTED,   /* 503: no capacity, full queue */
    CIRRUS_OUTCOME_FAILED,     /* 5xx / function error */
    CIRRUS_OUTCOME_TIMED_OUT,
} CirrusOutcome;

const char *cirrus_outcome_name(CirrusOutcome outcome);

/* sync: the caller waits for the reply when the work is done.  async: the
 * reply comes as soon as the target accepts or refuses the work. */
typedef enum { CIRRUS_INVOKE_SYNC = 0, CIRRUS_INVOKE_ASYNC = 1 } CirrusInvocation;

/* A unit of work, pooled by the kernel.  Whoever holds it last frees it.
 *
 * The fields are what every request has (DESIGN.md §1, "How a request
 * flows"); what a request carries for the protocol it travels under (a
 * queue's receipt handle, a stream record's position, a call's `operation`)
 * is in CIRRUS_REQUEST_DATA_BYTES bytes that follow it, which the kernel
 * zeroes and copies but never reads: models/protocol/request.h gives them
 * their types. */
typedef struct CirrusRequest {
    CirrusTime       created;     /* when the client first sent it */
    guint64          id;          /* unique within a run, never reused; 0 once freed */
    CirrusTime       arrived;     /* when the current holder received it */
    CirrusComponent *reply_to;    /* who handed it to the current holder */
    CirrusComponent *origin;      /* the workload it came from */
    guint64          client;      /* client (caller) id within the workload */
    gint64           size;        /* bytes */
    /* The sender's own: set by whoever hands the request over (or lends it
     * to another component, as a consumer lends a queue its receive) and
     * found again with the reply; the receiver never reads or changes it.
     * E.g. the request a downstream call serves, or which worker polls. */
    union { gpointer ptr; guint64 word; } caller;
    /* The current holder's own; zeroed by cirrus_send and cirrus_reply, so
     * that it never carries meaning from one component to another. */
    guint64          holder;
    guint32          attempt;     /* 0 for the first try */
    guint8           invocation;  /* CirrusInvocation */
    guint8           outcome;     /* CirrusOutcome, set by cirrus_reply */
    guint8           abandoned;   /* the caller gave up (timeout); reply is discarded */
} CirrusRequest;

/* Bytes of protocol data after each request (models/protocol/request.h). */
#define CIRRUS_REQUEST_DATA_BYTES 32

/* The protocol data of `r`: CIRRUS_REQUEST_DATA_BYTES bytes, 8-aligned,
 * zeroed by cirrus_request_new, copied by cirrus_request_copy. */
static inline void *cirrus_request_protocol_data(CirrusRequest *r) { return r + 1; }
static inline const void *cirrus_request_protocol_data_const(const CirrusRequest *r) { return r + 1; }

/* Event kinds.  The kernel delivers REQUEST (a request handed over: ev->request)
 * and REPLY (the answer to a request this component handed over:
 * ev->request->outcome).  A model numbers its own kinds from CIRRUS_EVENT_MODEL. */
enum {
    CIRRUS_EVENT_REQUEST     = 1,
    CIRRUS_EVENT_REPLY       = 2,
    CIRRUS_EVENT_FAULT_BEGIN = 3,   /* cirrus_event_fault(ev) says which */
    CIRRUS_EVENT_FAULT_END   = 4,
    CIRRUS_EVENT_MODEL       = 16,  /* a model's own kinds start here */
    CIRRUS_EVENT_PROTOCOL    = 1000 /* kinds shared between models (models/protocol/events.h) */
};

typedef struct CirrusEvent {
    CirrusTime       time;
    CirrusComponent *target;
    CirrusComponent *source;   /* who scheduled it (the target itself for timers) */
    int              kind;
    CirrusRequest   *request;  /* may be NULL */
    guint64          data;     /* free for the model */
} CirrusEvent;

/* ---- time, identity, randomness ---- */
CirrusTime  cirrus_now(const CirrusComponent *c);
#define cirrus_now(c) cirrus_now_inline_(c)   /* inline: metric-inline.h */
const char *cirrus_component_name(const CirrusComponent *c);
const char *cirrus_component_type(const CirrusComponent *c);
/* The component's `region:` (interned: compare pointers), NULL when it has
 * none.  A region_outage fault reaches the components of its region. */
const char *cirrus_component_region(const CirrusComponent *c);
CirrusRng  *cirrus_component_rng(CirrusComponent *c);
#define cirrus_component_rng(c) cirrus_component_rng_inline_(c)   /* inline: metric-inline.h */
/* Seed `out` as a further stream of this component's, for one `purpose`,
 * independent of its main stream: drawing for one thing (which client
 * calls) then never shifts the numbers of another (when it calls). */
void        cirrus_component_substream(const CirrusComponent *c, const char *purpose, CirrusRng *out);

/* The block of state shared by the whole simulation under `key`, made
 * with cirrus_sim_shared_new() (sim.h) before the components were
 * configured, or NULL when there is none: looking a block up never makes
 * one.  For state that belongs to the simulated world rather than to one
 * component, such as the account's concurrency shared by every Lambda
 * function. */
gpointer    cirrus_component_shared(const CirrusComponent *c, const char *key);
/* The block shared by every component of c's model type in this
 * simulation (CirrusModelType.type_state_size bytes, zeroed when the first
 * was added); NULL when the type asks for none. */
gpointer    cirrus_component_type_state(const CirrusComponent *c);
/* What the component's model speaks (CirrusModelType.protocols): opaque to
 * the kernel, read by models/protocol/. */
const struct CirrusProtocols *cirrus_component_protocols(const CirrusComponent *c);

/* ---- events ----
 * Schedule an event for `target` after `delay` (>= 0) from now. */
void cirrus_schedule(CirrusComponent *target, CirrusTime delay, int kind,
                     CirrusRequest *request, guint64 data);
/* The same, for another component: `to` sees ev->source == from.  This is
 * how components that cooperate (a load balancer and its targets) send each
 * other notices that are not requests. */
void cirrus_post(CirrusComponent *from, CirrusComponent *to, CirrusTime delay, int kind,
                 CirrusRequest *request, guint64 data);

/* ---- requests ---- */
CirrusRequest *cirrus_request_new(CirrusComponent *origin);
void           cirrus_request_free(CirrusComponent *holder, CirrusRequest *request);
/* A new request (new id) with the same workload fields and protocol data
 * as `request` (but no caller or holder word, and pending): for a component
 * that accepts async work, replies to the caller at once and keeps working
 * on the copy, or that makes a downstream call on behalf of a request. */
CirrusRequest *cirrus_request_copy(CirrusComponent *holder, const CirrusRequest *request);
/* Hand `request` from `from` to `to` after `delay` (network latency); `to`
 * gets a CIRRUS_EVENT_REQUEST, and its reply will come back to `from`. */
void cirrus_send(CirrusComponent *from, CirrusComponent *to, CirrusRequest *request, CirrusTime delay);
/* Answer a request that `self` was handed: `request->reply_to` gets a
 * CIRRUS_EVENT_REPLY now, with request->outcome set. */
void cirrus_reply(CirrusComponent *self, CirrusRequest *request, CirrusOutcome outcome);
/* cirrus_send (no delay) and cirrus_reply as the calling handler's last
 * act.  The contract: after it the handler returns, with nothing posted,
 * scheduled, sent, answered, made or freed (debug builds assert it).
 * When the hand-over would be the next event — the caller is a handler
 * the run loop called and nothing else due now is pending — the
 * receiver's handler runs at once, inside this call, as that event would
 * have: the same order and results, counted as an event, without the
 * event's trip through the run loop (issue 22).  Else exactly
 * cirrus_send / cirrus_reply. */
/* How many hand-overs deep receivers run at once (each inside the
 * last's handler); deeper, the hand-over is posted as an event. */
#define CIRRUS_AT_ONCE_MAX_DEPTH 8
void cirrus_send_last(CirrusComponent *from, CirrusComponent *to, CirrusRequest *request);
void cirrus_reply_last(CirrusComponent *self, CirrusRequest *request, CirrusOutcome outcome);

/* ---- metrics ----
 * Metric indices are those of the model type's `metrics` table, followed by
 * any added with cirrus_metric_add() (during configure or link). */
typedef enum {
    CIRRUS_METRIC_COUNT,    /* events per interval; summary sum = total after warm-up */
    CIRRUS_METRIC_GAUGE,    /* a level; interval series = time-weighted mean (+ .max) */
    CIRRUS_METRIC_LATENCY,  /* durations; series .p50 .p90 .p99 .mean */
} CirrusMetricKind;

typedef struct CirrusMetricDef {
    const char      *name;   /* CloudWatch's name where one exists */
    CirrusMetricKind kind;
    const char      *unit;   /* "Count", "Percent", "Seconds", ... for plots/docs */
} CirrusMetricDef;

guint cirrus_metric_add(CirrusComponent *c, const char *name, CirrusMetricKind kind, const char *unit);
/* cirrus_metric_count (n events), cirrus_metric_gauge (the level is now
 * `value`) and cirrus_metric_latency (one duration) are inline, in
 * metric-inline.h (included at the end of this header). */
/* A count that is not a number of events: an amount per interval, such as
 * DynamoDB's ConsumedReadCapacityUnits (an eventually consistent read of
 * 4 KB is 0.5).  Summed like a count. */
void  cirrus_metric_count_amount(CirrusComponent *c, guint metric, double amount);
/* Gauge `metric` of c counts whole things (busy workers, requests in
 * flight, instances): from now on it is set with cirrus_metric_level (an
 * integer level, inline in metric-inline.h), never cirrus_metric_gauge,
 * and its value is level x num / den (num 100, den the workers: busy
 * workers as a percentage; 1 and 1: the level itself).  Its time-weighted
 * area is then kept in integers, exactly and more cheaply.  Before the
 * first update: in the model's configure(). */
void  cirrus_metric_set_level(CirrusComponent *c, guint metric, gint64 num, gint64 den);
/* What a metric amounted to since time 0, warm-up included, for the bill
 * (the model type's cost slot): a count's events, a gauge's level x
 * seconds (its integral over time up to now), a latency's values summed in
 * seconds.  AWS bills the whole period a resource runs, not the part after
 * a simulation's warm-up. */
double cirrus_metric_run_total(CirrusComponent *c, guint metric);
/* How many values a latency metric has recorded since time 0, warm-up
 * included (with cirrus_metric_run_total: their mean over a stretch of
 * time); a count's events; 0 for a gauge. */
guint64 cirrus_metric_run_samples(CirrusComponent *c, guint metric);
/* Index of the component's metric `name` (the metric, "Latency", not a
 * series such as "Latency.p99"), or -1.  With cirrus_metric_kind, for a
 * model that watches another component's metric as a CloudWatch alarm
 * does (Route 53's alarm health checks). */
gint  cirrus_component_metric_index(const CirrusComponent *c, const char *name);
guint cirrus_component_n_metrics(const CirrusComponent *c);
CirrusMetricKind cirrus_metric_kind(const CirrusComponent *c, guint metric);
const char *cirrus_metric_name(const CirrusComponent *c, guint metric);

/* ---- faults (the scenario's `faults:` list) ----
 * A fault is delivered as FAULT_BEGIN at `at` and, when it has a duration,
 * FAULT_END at at + duration, to the component it names, or for zone
 * faults to every component whose model lists that kind.  A region fault
 * goes to the components whose `region:` it names: as a region_outage to a
 * model that lists that kind, else as an `outage` (kind OUTAGE, `region`
 * set) to a model that lists outage. */
typedef enum {
    CIRRUS_FAULT_OUTAGE,            /* the component stops serving */
    CIRRUS_FAULT_SLOWDOWN,          /* service times x factor */
    CIRRUS_FAULT_INSTANCE_FAILURE,  /* `count` instances die (no end) */
    CIRRUS_FAULT_ZONE_OUTAGE,       /* everything in `zone` stops */
    CIRRUS_FAULT_REGION_OUTAGE,     /* everything in `region` stops */
} CirrusFaultKind;

typedef struct CirrusFault {
    CirrusFaultKind kind;
    CirrusTime at, duration;   /* duration 0: no end */
    const char *component;     /* NULL for zone/region faults */
    const char *zone, *region; /* for zone/region outages */
    gint64 count;              /* instance_failure */
    double factor;             /* slowdown */
} CirrusFault;

const char *cirrus_fault_kind_name(CirrusFaultKind kind);

/* What faults of kind outage and slowdown have done to a component.  The
 * kernel keeps it as it delivers their FAULT_BEGIN and FAULT_END events,
 * before the model's handle() sees them (a model reacts there: fails what
 * it holds, say), so no model counts outages or multiplies factors itself.
 * Read-only for models: keep the pointer (it lives as long as the
 * component) and read it on hot paths without a call. */
typedef struct CirrusFaultState {
    gint    outages;     /* outages in force (they may overlap); > 0: down */
    guint32 epoch;       /* +1 at the start of each outage: work begun in an
                          * earlier epoch died with the outage */
    guint   slowdowns;   /* slowdowns in force */
    double  slowdown;    /* the product of their factors; exactly 1 with none */
} CirrusFaultState;

const CirrusFaultState *cirrus_component_faults(const CirrusComponent *c);
static inline gboolean cirrus_fault_down(const CirrusFaultState *s) { return s->outages > 0; }
/* The fault behind a FAULT_BEGIN / FAULT_END event. */
const CirrusFault *cirrus_event_fault(const CirrusComponent *self, const CirrusEvent *ev);

#include "sim/kernel/metric-inline.h"

#endif
