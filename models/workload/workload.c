/* cirrus — the workload model (see workload.h, docs/models/workload.md).
 *
 * Each arrival creates a request from one of `clients` callers (chosen
 * uniformly) and hands it to `target`.  A sync caller waits for the reply
 * and measures the end-to-end latency; with `client.timeout` it gives up
 * after that long, counts TimedOut and discards the late reply.  An async
 * caller (a Lambda Event invocation, an SQS SendMessage) is done when the
 * target accepts or refuses.
 *
 * With `client.retries`, a throttle, a 5xx (rejected or failed) or a
 * timeout is retried after an exponential backoff with jitter (retry.h),
 * up to `max` retries, each a new request (new id, attempt + 1, the
 * call's creation time), and only while the optional retry quota allows.
 * The counts then describe calls (Requests, Succeeded, Failed, TimedOut by
 * the last attempt's outcome) and Retries the extra attempts. */
#include "models/workload/workload.h"
#include "models/workload/arrivals.h"
#include "models/workload/cloudwatch.h"
#include "models/protocol/attributes.h"
#include "models/protocol/invoke.h"
#include "models/aws/globals.h"
#include "models/protocol/client.h"
#include "models/aws/retry.h"
#include "sim/loader/config.h"
#include "sim/loader/scenario.h"
#include <math.h>

enum { WORKLOAD_ARRIVAL = CIRRUS_EVENT_MODEL, WORKLOAD_TIMEOUT, WORKLOAD_RETRY };

enum {
    M_REQUESTS, M_SUCCEEDED, M_FAILED, M_TIMED_OUT, M_RETRIES, M_THROTTLED, M_REJECTED,
    M_OUTSTANDING, M_LATENCY, M_QUOTA_EXCEEDED, M_AFTER_RETRY,
};

static const CirrusMetricDef workload_metrics[] = {
    [M_REQUESTS]    = {"Requests", CIRRUS_METRIC_COUNT, "Count"},
    [M_SUCCEEDED]   = {"Succeeded", CIRRUS_METRIC_COUNT, "Count"},
    [M_FAILED]      = {"Failed", CIRRUS_METRIC_COUNT, "Count"},
    [M_TIMED_OUT]   = {"TimedOut", CIRRUS_METRIC_COUNT, "Count"},
    [M_RETRIES]     = {"Retries", CIRRUS_METRIC_COUNT, "Count"},
    [M_THROTTLED]   = {"Throttled", CIRRUS_METRIC_COUNT, "Count"},
    [M_REJECTED]    = {"Rejected", CIRRUS_METRIC_COUNT, "Count"},
    [M_OUTSTANDING] = {"Outstanding", CIRRUS_METRIC_GAUGE, "Count"},
    [M_LATENCY]     = {"Latency", CIRRUS_METRIC_LATENCY, "Seconds"},
    [M_QUOTA_EXCEEDED] = {"RetryQuotaExceeded", CIRRUS_METRIC_COUNT, "Count"},
    [M_AFTER_RETRY] = {"SucceededAfterRetry", CIRRUS_METRIC_COUNT, "Count"},
    {NULL, 0, NULL},
};

typedef enum { ARRIVAL_POISSON, ARRIVAL_CONSTANT, ARRIVAL_TRACE } ArrivalProcess;

typedef struct {
    const CirrusNode *target_node;  /* for link() messages */
    char *target_name;
    CirrusComponent *target;
    CirrusInvocation invocation;
    ArrivalProcess process;
    CirrusRateProfile profile;      /* poisson, constant */
    double next_s;                  /* exact next arrival time, seconds */
    GArray *trace;                  /* trace: arrival times, seconds */
    guint trace_next;
    gint64 size, clients;
    CirrusRequestKeysSpec keys;     /* request.operation, items, consistent, messages (invoke.h) */
    gboolean size_given;            /* request.size written out (else a table's item_size applies) */
    CirrusTime timeout;             /* 0: wait for ever */
    CirrusRng client_rng;           /* which client calls: apart from arrival times */
    gint64 outstanding;
    /* message attributes: per attribute, its values' numbers and
     * cumulative probabilities (what is left above the last: absent) */
    guint n_attrs;
    gboolean no_attributes;          /* the target keeps sessions: no attributes sent (link) */
    GArray *attr_ids[CIRRUS_ATTR_SLOTS];   /* guint */
    GArray *attr_cum[CIRRUS_ATTR_SLOTS];   /* double */
    CirrusRng attr_rng;             /* apart from arrivals and clients */
    CirrusRetryPolicy retry;        /* client.retries; max_retries 0: none */
    gboolean partial;               /* the target may leave a batch's items unprocessed (invoke.h) */
    CirrusRng retry_rng;            /* backoff jitter */
    GHashTable *retrying;           /* request id -> RetryAttempt, for attempts > 0 in flight */
    CirrusNode *region_keys[CIRRUS_CLIENT_REGIONS_MAX];   /* for link() messages */
    CirrusClientRegions regions;    /* client.region(s): where the callers are */
    CirrusClientNetworks networks;  /* client.networks */
} Workload;

/* What a retry in flight remembers beyond its request: the wait before it
 * (decorrelated jitter grows from it) and the quota tokens it took. */
typedef struct {
    gint64 id;                      /* the key */
    CirrusTime wait;
    gint64 taken;
} RetryAttempt;

static gboolean read_schedule(Workload *w, CirrusNode *list, GError **error)
{
    guint n = cirrus_node_len(list);
    if (n == 0) {
        cirrus_node_error(list, error, "'schedule' needs at least one [time, rate] point");
        return FALSE;
    }
    w->profile.n = n;
    w->profile.t = g_new(double, n);
    w->profile.rate = g_new(double, n);
    for (guint i = 0; i < n; i++) {
        CirrusNode *pt = cirrus_node_item(list, i);
        CirrusTime t;
        if (cirrus_node_kind(pt) != CIRRUS_NODE_SEQ || cirrus_node_len(pt) != 2) {
            cirrus_node_error(pt, error, "each schedule point must be [time, rate], e.g. [30m, 800/s]");
            return FALSE;
        }
        if (!cirrus_node_to_duration(cirrus_node_item(pt, 0), &t, error) ||
            !cirrus_node_to_rate(cirrus_node_item(pt, 1), &w->profile.rate[i], error))
            return FALSE;
        w->profile.t[i] = cirrus_time_to_s(t);
        /* Two points at one time make a step; a third would be ambiguous. */
        if (i > 0 && w->profile.t[i] < w->profile.t[i - 1]) {
            cirrus_node_error(pt, error, "schedule times must not decrease");
            return FALSE;
        }
        if (i > 1 && w->profile.t[i] == w->profile.t[i - 2]) {
            cirrus_node_error(pt, error, "at most two schedule points may share a time (a step)");
            return FALSE;
        }
    }
    return TRUE;
}

/* `trace: FILE` (one time per line) or `trace: {file: FILE, column: NAME}`
 * (a CSV with a header, such as a measured log of requests). */
static gboolean read_trace(Workload *w, CirrusNode *trace, GError **error)
{
    const char *file, *column;
    w->trace = g_array_new(FALSE, FALSE, sizeof(double));
    if (cirrus_node_kind(trace) == CIRRUS_NODE_SCALAR)
        return cirrus_read_numbers(trace, cirrus_node_scalar(trace), TRUE, w->trace, error);
    if (cirrus_node_kind(trace) != CIRRUS_NODE_MAP) {
        cirrus_node_error(trace, error, "'trace' must be a file name or {file: FILE, column: NAME}, not %s",
                          cirrus_node_kind_name(cirrus_node_kind(trace)));
        return FALSE;
    }
    if (!cirrus_cfg_require(trace, "file", "the trace file, a CSV with a header", error) ||
        !cirrus_cfg_require(trace, "column", "the header's name of the column of arrival times", error) ||
        !cirrus_cfg_string(trace, "file", NULL, &file, error) ||
        !cirrus_cfg_string(trace, "column", NULL, &column, error))
        return FALSE;
    return cirrus_read_csv_column(cirrus_node_peek(trace, "file"), cirrus_node_peek(trace, "column"), file, column,
                                  TRUE, w->trace, error);
}

/* `cloudwatch: FILE` (with `scale`, `period`): a CloudWatch export of a
 * request-count metric (Sum per period) as the rate schedule. */
static gboolean read_cloudwatch(Workload *w, CirrusNode *arrival, const char *file, GError **error)
{
    double scale;
    CirrusTime period;
    CirrusCloudWatchSeries series;
    const CirrusNode *at = cirrus_node_peek(arrival, "cloudwatch");
    if (!cirrus_cfg_double(arrival, "scale", 1.0, 0.0, 1e6, &scale, error) ||
        !cirrus_cfg_duration(arrival, "period", 0, 0, CIRRUS_DAY, &period, error) ||
        !cirrus_cloudwatch_read(at, file, &series, error))
        return FALSE;
    gboolean ok = cirrus_cloudwatch_profile(at, &series, cirrus_time_to_s(period), scale, &w->profile, error);
    cirrus_cloudwatch_series_clear(&series);
    return ok;
}

static gboolean read_arrival(Workload *w, CirrusNode *cfg, GError **error)
{
    static const char *const processes[] = {"poisson", "constant", "trace", NULL};
    CirrusNode *arrival, *schedule;
    const char *cloudwatch;
    double rate;
    int process;
    if (!cirrus_cfg_require(cfg, "arrival", "how requests arrive, e.g. {process: poisson, rate: 100/s}", error) ||
        !cirrus_cfg_map(cfg, "arrival", &arrival, error) ||
        !cirrus_cfg_enum(arrival, "process", processes, ARRIVAL_POISSON, &process, error) ||
        !cirrus_cfg_rate(arrival, "rate", -1, &rate, error) ||
        !cirrus_cfg_list(arrival, "schedule", &schedule, error) ||
        !cirrus_cfg_string(arrival, "cloudwatch", NULL, &cloudwatch, error))
        return FALSE;
    CirrusNode *trace = cirrus_cfg_node(arrival, "trace");
    w->process = (ArrivalProcess)process;
    if (w->process == ARRIVAL_TRACE) {
        if (!trace || rate >= 0 || schedule || cloudwatch) {
            cirrus_node_error(arrival, error, "process 'trace' needs 'trace: FILE' (one arrival time in "
                              "seconds per line, or {file: FILE, column: NAME} for a CSV with a header) "
                              "and takes no 'rate', 'schedule' or 'cloudwatch'");
            return FALSE;
        }
        return read_trace(w, trace, error);
    }
    if ((rate >= 0) + (schedule != NULL) + (cloudwatch != NULL) != 1 || trace) {
        cirrus_node_error(arrival, error, "process '%s' needs exactly one of 'rate' (e.g. 100/s), "
                          "'schedule' ([[0s, 100/s], [30m, 800/s]]) or 'cloudwatch' (a CloudWatch export)",
                          processes[process]);
        return FALSE;
    }
    if (cloudwatch) return read_cloudwatch(w, arrival, cloudwatch, error);
    if (schedule) return read_schedule(w, schedule, error);
    w->profile.n = 1;
    w->profile.t = g_new0(double, 1);
    w->profile.rate = g_new(double, 1);
    w->profile.rate[0] = rate;
    return TRUE;
}

/* `attributes: {type: {order: 0.7, refund: 0.3}, ...}`: each request gets
 * one value of each attribute, drawn with these probabilities; when they
 * add up to less than 1, the rest is the chance that the request lacks the
 * attribute.  For SNS filter policies (models/protocol/attributes.h). */
static gboolean read_attributes(CirrusComponent *self, Workload *w, CirrusNode *cfg, GError **error)
{
    CirrusNode *map;
    if (!cirrus_cfg_map(cfg, "attributes", &map, error)) return FALSE;
    if (!map) return TRUE;
    if (cirrus_node_len(map) > CIRRUS_ATTR_SLOTS) {
        cirrus_node_error(map, error, "at most %d message attributes per workload", CIRRUS_ATTR_SLOTS);
        return FALSE;
    }
    for (guint a = 0; a < cirrus_node_len(map); a++) {
        const char *name = cirrus_node_key(map, a);
        CirrusNode *values;
        if (!cirrus_cfg_map(map, name, &values, error)) return FALSE;
        if (cirrus_node_len(values) == 0) {
            cirrus_node_error(cirrus_node_key_node(map, a), error, "attribute '%s' needs its values with their "
                              "probabilities, e.g. {order: 0.7, refund: 0.3}", name);
            return FALSE;
        }
        w->attr_ids[a] = g_array_new(FALSE, FALSE, sizeof(guint));
        w->attr_cum[a] = g_array_new(FALSE, FALSE, sizeof(double));
        w->n_attrs = a + 1;
        double cum = 0;
        for (guint v = 0; v < cirrus_node_len(values); v++) {
            const char *value = cirrus_node_key(values, v);
            double p;
            if (!cirrus_cfg_double(values, value, 0, 0, 1, &p, error)) return FALSE;
            guint id = cirrus_attr_intern(self, cirrus_node_key_node(values, v), name, value, error);
            if (!id) return FALSE;
            cum += p;
            g_array_append_val(w->attr_ids[a], id);
            g_array_append_val(w->attr_cum[a], cum);
        }
        if (cum > 1 + 1e-9) {
            cirrus_node_error(values, error, "the probabilities of attribute '%s' add up to %g, more than 1",
                              name, cum);
            return FALSE;
        }
    }
    return TRUE;
}

/* One value per attribute (or none), packed one per slot. */
static guint64 draw_attributes(Workload *w)
{
    guint64 attrs = 0;
    for (guint a = 0; a < w->n_attrs; a++) {
        double u = cirrus_rng_uniform(&w->attr_rng);
        const GArray *cum = w->attr_cum[a];
        for (guint v = 0; v < cum->len; v++)
            if (u < g_array_index(cum, double, v)) {
                attrs = cirrus_attr_set_slot(attrs, a, g_array_index(w->attr_ids[a], guint, v));
                break;
            }
    }
    return attrs;
}

/* client.retries (models/aws/retry.h). */
static gboolean read_retries(Workload *w, CirrusNode *client, GError **error)
{
    CirrusNode *retries;
    return cirrus_cfg_map(client, "retries", &retries, error) && cirrus_retry_policy_read(retries, &w->retry, error);
}

/* A map of NAME: share into cumulative shares (they need not add up to 1):
 * 1 to `max` entries; what each is called in the messages: `what`. */
static gboolean read_shares(CirrusNode *map, guint max, const char *what, const char *example, double *cum,
                            GError **error)
{
    guint n = cirrus_node_len(map);
    if (n == 0 || n > max) {
        cirrus_node_error(map, error, "it holds 1 to %u %s with their shares, e.g. %s", max, what, example);
        return FALSE;
    }
    double total = 0;
    for (guint k = 0; k < n; k++) {
        double share;
        if (!cirrus_cfg_double(map, cirrus_node_key(map, k), 0, 0, 1e12, &share, error)) return FALSE;
        total += share;
        cum[k] = total;
    }
    if (total <= 0) {
        cirrus_node_error(map, error, "the %s shares add up to 0", what);
        return FALSE;
    }
    for (guint k = 0; k < n; k++) cum[k] /= total;
    return TRUE;
}

/* client.networks: {CIDR: share, ...}: the clients' IPv4 networks, for
 * Route 53's IP-based routing; assigned by id as regions are. */
static gboolean read_client_networks(Workload *w, CirrusNode *client, GError **error)
{
    CirrusNode *map;
    if (!cirrus_cfg_map(client, "networks", &map, error)) return FALSE;
    if (!map) return TRUE;
    CirrusClientNetworks *cn = &w->networks;
    if (!read_shares(map, CIRRUS_CLIENT_NETWORKS_MAX, "networks", "{10.0.0.0/8: 0.5, 192.168.0.0/16: 0.5}",
                     cn->cum, error))
        return FALSE;
    guint n = cirrus_node_len(map);
    for (guint k = 0; k < n; k++) {
        const CirrusNode *at = cirrus_node_key_node(map, k);
        if (!cirrus_cidr_read(at, cirrus_node_key(map, k), &cn->net[k], error)) return FALSE;
        for (guint j = 0; j < k; j++)
            if (cn->net[j].addr == cn->net[k].addr && cn->net[j].len == cn->net[k].len) {
                cirrus_node_error(at, error, "network '%s' is listed twice", cirrus_node_key(map, k));
                return FALSE;
            }
    }
    cn->n = n;
    cn->clients = w->clients;
    return TRUE;
}

/* client.region: NAME, or client.regions: {NAME: share, ...}: where the
 * clients are (for Route 53's latency and geographic routing).  Clients
 * are assigned in order of id, so the shares are exact; the table goes
 * where Route 53 finds it (regions.h). */
static gboolean read_client_regions(Workload *w, CirrusNode *client, GError **error)
{
    const char *one;
    CirrusNode *map;
    if (!cirrus_cfg_string(client, "region", NULL, &one, error) ||
        !cirrus_cfg_map(client, "regions", &map, error))
        return FALSE;
    if (one && map) {
        cirrus_node_error(map, error, "give either 'region' or 'regions' (shares), not both");
        return FALSE;
    }
    CirrusClientRegions *cr = &w->regions;
    cr->clients = w->clients;
    if (one) {
        cr->n = 1;
        cr->name[0] = g_intern_string(one);
        cr->cum[0] = 1;
        w->region_keys[0] = cirrus_node_peek(client, "region");
        return TRUE;
    }
    if (!map) return TRUE;
    if (!read_shares(map, CIRRUS_CLIENT_REGIONS_MAX, "regions", "{us-east-1: 0.6, eu-west-1: 0.4}", cr->cum, error))
        return FALSE;
    guint n = cirrus_node_len(map);
    for (guint k = 0; k < n; k++) {
        cr->name[k] = g_intern_string(cirrus_node_key(map, k));
        w->region_keys[k] = cirrus_node_key_node(map, k);
    }
    cr->n = n;
    return TRUE;
}

static gboolean workload_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    static const char *const invocations[] = {"sync", "async", NULL};
    Workload *w = state;
    CirrusNode *request, *client;
    const char *target;
    int invocation;
    if (!cirrus_cfg_require(cfg, "target", "the component that receives the requests", error) ||
        !cirrus_cfg_string(cfg, "target", NULL, &target, error) ||
        !cirrus_cfg_enum(cfg, "invocation", invocations, CIRRUS_INVOKE_SYNC, &invocation, error) ||
        !read_arrival(w, cfg, error) ||
        !cirrus_cfg_map(cfg, "request", &request, error) ||
        !cirrus_cfg_size(request, "size", 1024, &w->size, error) ||
        !cirrus_request_keys_read(request, &w->keys, error) ||
        !cirrus_cfg_int(cfg, "clients", 1, 1, G_MAXINT64, &w->clients, error) ||
        !cirrus_cfg_map(cfg, "client", &client, error) ||
        !cirrus_cfg_duration(client, "timeout", 0, 0, CIRRUS_TIME_NEVER, &w->timeout, error) ||
        !read_attributes(self, w, cfg, error) ||
        !read_retries(w, client, error) ||
        !read_client_regions(w, client, error) ||
        !read_client_networks(w, client, error))
        return FALSE;
    if (w->retry.max_retries > 0 && invocation == CIRRUS_INVOKE_ASYNC) {
        cirrus_node_error(cirrus_node_peek(client, "retries"), error,
                          "'retries' applies to sync invocations (an async caller retries a refusal the same way: "
                          "use sync to model it)");
        return FALSE;
    }
    if (w->timeout > 0 && invocation == CIRRUS_INVOKE_ASYNC) {
        cirrus_node_error(cirrus_node_peek(client, "timeout"), error,
                          "'timeout' applies to sync invocations; an async caller is answered on acceptance");
        return FALSE;
    }
    w->size_given = request && cirrus_node_peek(request, "size");
    w->target_node = cirrus_node_peek(cfg, "target");
    w->target_name = g_strdup(target);
    w->invocation = (CirrusInvocation)invocation;
    cirrus_metric_set_level(self, M_OUTSTANDING, 1, 1);
    return TRUE;
}

static gboolean workload_link(CirrusComponent *self, void *state, CirrusScenario *sc, GError **error)
{
    (void)self;
    Workload *w = state;
    w->target = cirrus_scenario_lookup(sc, w->target_node, w->target_name, error);
    if (!w->target) return FALSE;
    if (!cirrus_speaks(w->target, CIRRUS_SPEAKS_INVOKE)) {
        cirrus_node_error(w->target_node, error, "target '%s' is %s; a workload sends to a component",
                          w->target_name, cirrus_component_noun(w->target));
        return FALSE;
    }
    if (!cirrus_request_keys_link(&w->keys, w->target, "target", w->size_given ? w->size : -1, error)) return FALSE;
    const CirrusInvokeSpec *inv = cirrus_component_protocols(w->target)->invoke;
    w->partial = inv && inv->partial_batches;
    /* A target that keeps callers' sessions reads that word, not message
     * attributes (request.h): a workload's clients connect per request. */
    w->no_attributes = inv && inv->sessions;
    cirrus_retry_policy_default(&w->retry, inv ? inv->retry_defaults : NULL);
    /* Client regions must be known regions with a location. */
    const CirrusClientRegions *cr = &w->regions;
    for (guint k = 0; k < cr->n; k++)
        if (!cirrus_region_check(cirrus_globals(sc)->regions, w->region_keys[k], cr->name[k], TRUE, error))
            return FALSE;
    return TRUE;
}

/* The next arrival's delay from now, drawn; -1 when there is none. */
static CirrusTime next_arrival(CirrusComponent *self, Workload *w)
{
    double next;
    if (w->process == ARRIVAL_TRACE) {
        if (w->trace_next >= w->trace->len) return -1;
        next = g_array_index(w->trace, double, w->trace_next++);
    } else {
        double amount = w->process == ARRIVAL_POISSON ? cirrus_rng_exp1(cirrus_component_rng(self)) : 1.0;
        next = cirrus_rate_profile_advance(&w->profile, w->next_s, amount);
        if (!isfinite(next)) return -1;
        w->next_s = next;
    }
    CirrusTime at = cirrus_time_from_s(next), now = cirrus_now(self);
    return at > now ? at - now : 0;
}

/* Schedule the next arrival, if there is one. */
static void schedule_next(CirrusComponent *self, Workload *w)
{
    CirrusTime delay = next_arrival(self, w);
    if (delay >= 0) cirrus_schedule(self, delay, WORKLOAD_ARRIVAL, NULL, 0);
}

static void workload_start(CirrusComponent *self, void *state)
{
    Workload *w = state;
    cirrus_component_substream(self, "clients", &w->client_rng);
    cirrus_component_substream(self, "attributes", &w->attr_rng);
    cirrus_component_substream(self, "retries", &w->retry_rng);
    if (w->retry.max_retries > 0) w->retrying = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
    schedule_next(self, w);
}

static void set_outstanding(CirrusComponent *self, Workload *w, gint64 delta)
{
    w->outstanding += delta;
    cirrus_metric_level(self, M_OUTSTANDING, w->outstanding);
}

/* A sync caller's timer for attempt `req`, when it has a timeout (per
 * attempt, as an SDK's attempt timeout). */
static void set_attempt_timer(CirrusComponent *self, Workload *w, CirrusRequest *req)
{
    if (w->timeout > 0 && w->invocation == CIRRUS_INVOKE_SYNC)
        cirrus_schedule(self, w->timeout, WORKLOAD_TIMEOUT, req, req->id);
}

/* One attempt, the handler's last act: its timer, and the hand-over
 * (handled at once when nothing else is due now: cirrus_send_last). */
static void send_attempt_last(CirrusComponent *self, Workload *w, CirrusRequest *req)
{
    set_attempt_timer(self, w, req);
    cirrus_send_last(self, w->target, req);
}

static void on_arrival(CirrusComponent *self, Workload *w)
{
    CirrusRequest *req = cirrus_request_new(self);
    req->client = w->clients > 1 ? cirrus_rng_below(&w->client_rng, (guint64)w->clients) : 0;
    req->size = w->size;
    req->invocation = (guint8)w->invocation;
    cirrus_request_keys_apply(&w->keys, req);
    if (!w->no_attributes) cirrus_request_data(req)->attributes = draw_attributes(w);
    cirrus_metric_count(self, M_REQUESTS, 1);
    set_outstanding(self, w, +1);
    CirrusTime next = next_arrival(self, w);
    if (G_UNLIKELY(next == 0)) {
        /* The next arrival is due now too: posted after the request, in
         * the order the two are handled. */
        cirrus_send(self, w->target, req, 0);
        set_attempt_timer(self, w, req);
        cirrus_schedule(self, 0, WORKLOAD_ARRIVAL, NULL, 0);
        return;
    }
    /* A later next arrival is posted before the hand-over, so that the
     * hand-over is the last act; the timers keep their order (the
     * attempt's, then the arrival's). */
    set_attempt_timer(self, w, req);
    if (next > 0) cirrus_schedule(self, next, WORKLOAD_ARRIVAL, NULL, 0);
    cirrus_send_last(self, w->target, req);
}

/* The attempt `req` is over (answered or given up): what its retry state
 * was — for a first attempt, the base wait and no tokens taken. */
static RetryAttempt conclude_retry(Workload *w, const CirrusRequest *req);

static inline RetryAttempt conclude_attempt(Workload *w, const CirrusRequest *req)
{
    if (req->attempt == 0 || !w->retrying) return (RetryAttempt){ (gint64)req->id, w->retry.backoff.base, 0 };
    return conclude_retry(w, req);
}

/* conclude_attempt for a retry (attempt > 0, retries on). */
G_GNUC_NO_INLINE static RetryAttempt conclude_retry(Workload *w, const CirrusRequest *req)
{
    RetryAttempt a = { (gint64)req->id, w->retry.backoff.base, 0 };
    RetryAttempt *kept = g_hash_table_lookup(w->retrying, &a.id);
    g_assert(kept);
    a = *kept;
    g_hash_table_remove(w->retrying, &a.id);
    return a;
}

static gboolean retryable(CirrusOutcome outcome)
{
    return outcome == CIRRUS_OUTCOME_THROTTLED || outcome == CIRRUS_OUTCOME_REJECTED ||
           outcome == CIRRUS_OUTCOME_FAILED || outcome == CIRRUS_OUTCOME_TIMED_OUT;
}

/* After attempt `req` failed (`after_timeout`: by a timeout), schedule the
 * next one if retries and the quota allow.  `req` itself is left to the
 * caller (a timed-out attempt lives on until its late reply). */
static gboolean try_retry(CirrusComponent *self, Workload *w, const CirrusRequest *req,
                          const RetryAttempt *done, CirrusOutcome outcome)
{
    if ((gint64)req->attempt >= w->retry.max_retries) return FALSE;
    gint64 taken = 0;
    if (w->retry.has_quota &&
        (taken = cirrus_retry_quota_acquire(&w->retry.quota, outcome == CIRRUS_OUTCOME_TIMED_OUT)) == 0) {
        cirrus_metric_count(self, M_QUOTA_EXCEEDED, 1);
        return FALSE;
    }
    CirrusRequest *next = cirrus_request_copy(self, req);   /* same caller, creation time, size */
    /* The copy keeps the target's answer: its memo (request.h), and for a
     * batch the items left unprocessed, which are all the retry carries. */
    if (w->partial) {
        CirrusRequestData *d = cirrus_request_data(next);
        if (d->ref.answer.unprocessed) d->keys.items = d->ref.answer.unprocessed;
    }
    next->attempt = req->attempt + 1;
    next->abandoned = 0;
    RetryAttempt *a = g_new(RetryAttempt, 1);
    a->id = (gint64)next->id;
    a->wait = cirrus_retry_delay(&w->retry, outcome == CIRRUS_OUTCOME_THROTTLED, req->attempt, done->wait,
                                 &w->retry_rng);
    a->taken = taken;
    g_hash_table_insert(w->retrying, &a->id, a);
    cirrus_schedule(self, a->wait, WORKLOAD_RETRY, next, 0);
    return TRUE;
}

static void on_retry_due(CirrusComponent *self, Workload *w, CirrusRequest *req)
{
    cirrus_metric_count(self, M_RETRIES, 1);
    send_attempt_last(self, w, req);
}

static void on_reply(CirrusComponent *self, Workload *w, CirrusRequest *req)
{
    if (req->abandoned) {     /* it was given up at its timeout */
        cirrus_request_free(self, req);
        return;
    }
    CirrusOutcome outcome = (CirrusOutcome)req->outcome;
    RetryAttempt done = conclude_attempt(w, req);
    /* A batch answered with items unprocessed is not done: retried, or
     * throttled in the end, as a throttled request is. */
    if (w->partial && outcome == CIRRUS_OUTCOME_OK && cirrus_request_data(req)->ref.answer.unprocessed)
        outcome = CIRRUS_OUTCOME_THROTTLED;
    if (retryable(outcome) && try_retry(self, w, req, &done, outcome)) {
        cirrus_request_free(self, req);
        return;
    }
    set_outstanding(self, w, -1);
    switch (outcome) {
    case CIRRUS_OUTCOME_OK:
        cirrus_metric_count(self, M_SUCCEEDED, 1);
        cirrus_metric_latency(self, M_LATENCY, cirrus_now(self) - req->created);
        if (req->attempt > 0) cirrus_metric_count(self, M_AFTER_RETRY, 1);
        if (w->retry.has_quota) cirrus_retry_quota_success(&w->retry.quota, done.taken);
        break;
    case CIRRUS_OUTCOME_THROTTLED:
        cirrus_metric_count(self, M_THROTTLED, 1);
        cirrus_metric_count(self, M_FAILED, 1);
        break;
    case CIRRUS_OUTCOME_REJECTED:
        cirrus_metric_count(self, M_REJECTED, 1);
        cirrus_metric_count(self, M_FAILED, 1);
        break;
    case CIRRUS_OUTCOME_FAILED:
        cirrus_metric_count(self, M_FAILED, 1);
        break;
    case CIRRUS_OUTCOME_TIMED_OUT:
        cirrus_metric_count(self, M_TIMED_OUT, 1);
        break;
    case CIRRUS_OUTCOME_PENDING:
        g_assert_not_reached();
    }
    cirrus_request_free(self, req);
}

static void on_timeout(CirrusComponent *self, Workload *w, CirrusRequest *req, guint64 id)
{
    /* The request may have been answered (and its slot reused) meanwhile:
     * only the same id still waiting counts. */
    if (req->id != id || req->abandoned || req->outcome != CIRRUS_OUTCOME_PENDING) return;
    req->abandoned = 1;
    RetryAttempt done = conclude_attempt(w, req);
    if (try_retry(self, w, req, &done, CIRRUS_OUTCOME_TIMED_OUT)) return;
    set_outstanding(self, w, -1);
    cirrus_metric_count(self, M_TIMED_OUT, 1);
}

static void workload_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    Workload *w = state;
    switch (ev->kind) {
    case WORKLOAD_ARRIVAL: on_arrival(self, w); break;
    case CIRRUS_EVENT_REPLY: on_reply(self, w, ev->request); break;
    case WORKLOAD_TIMEOUT: on_timeout(self, w, ev->request, ev->data); break;
    case WORKLOAD_RETRY: on_retry_due(self, w, ev->request); break;
    default: g_assert_not_reached();
    }
}

static void workload_destroy(CirrusComponent *self, void *state)
{
    Workload *w = state;
    (void)self;
    g_free(w->target_name);
    g_free(w->profile.t);
    g_free(w->profile.rate);
    if (w->trace) g_array_free(w->trace, TRUE);
    for (guint a = 0; a < w->n_attrs; a++) {
        if (w->attr_ids[a]) g_array_free(w->attr_ids[a], TRUE);
        if (w->attr_cum[a]) g_array_free(w->attr_cum[a], TRUE);
    }
    if (w->retrying) g_hash_table_destroy(w->retrying);
}

static const CirrusClientRegions *workload_regions(const CirrusComponent *self, const void *state)
{
    (void)self;
    return &((const Workload *)state)->regions;
}

static const CirrusClientNetworks *workload_networks(const CirrusComponent *self, const void *state)
{
    (void)self;
    return &((const Workload *)state)->networks;
}

static const CirrusClientOps workload_client = {
    .regions = workload_regions,
    .networks = workload_networks,
};

static const struct CirrusProtocols workload_protocols = {
    .noun = "a workload",
    .speaks = CIRRUS_SPEAKS_CLIENT,
    .client = &workload_client,
};

const CirrusModelType cirrus_workload_type = {
    .name = "workload",
    .state_size = sizeof(Workload),
    .configure = workload_configure,
    .link = workload_link,
    .start = workload_start,
    .handle = workload_handle,
    .destroy = workload_destroy,
    .metrics = workload_metrics,
    .protocols = &workload_protocols,
};
