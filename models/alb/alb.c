/* cirrus — the `alb` and `nlb` models (see alb.h, docs/models/alb.md).
 *
 * The load balancer keeps a table of the instances its target group
 * provider (an asg) has registered, in the protocol of models/protocol/targets.h.
 * Each request that arrives is forwarded, as a new request whose parent is
 * the caller's, to one instance chosen among the routable ones; when the
 * instance answers, the caller gets that answer.  With no instance to send
 * to, the caller gets a 503 at once (HTTPCode_ELB_5XX_Count).
 *
 * Which instances are routable (the ELB rules cited are in the docs page):
 *   - registered and not draining, and healthy;
 *   - when none is healthy but some are unhealthy, the unhealthy ones: the
 *     load balancer "fails open" rather than refuse everything;
 *   - instances still in their initial checks get nothing until they pass.
 * Without cross-zone load balancing each zone's load balancer node takes
 * an equal share of the requests (DNS spreads clients over the nodes'
 * addresses) and routes only to its own zone's instances.
 *
 * Health checks: every `interval`, one probe per instance; an answer within
 * `timeout` passes, a negative answer or none fails.  A newly registered
 * instance is healthy after its first passing check (AWS: "after your
 * target is registered, it must pass one health check to be considered
 * healthy"); an unhealthy one needs healthy_threshold passes in a row to
 * come back; unhealthy_threshold failures in a row make an instance
 * unhealthy (and the provider is told, for ELB health checks).
 *
 * Deregistration: a draining instance gets no new requests; the provider
 * hears TARGETS_DRAINED when its last in-flight request is answered, or
 * `deregistration_delay` after the deregistration, whichever is first. */
#include "models/alb/alb.h"
#include "models/alb/min_tree.h"
#include "models/aws/globals.h"
#include "models/protocol/protocol.h"
#include "models/protocol/targets.h"
#include "sim/loader/config.h"
#include "sim/loader/scenario.h"
#include <string.h>

enum { LB_PROBE = CIRRUS_EVENT_MODEL, LB_PROBE_TIMEOUT, LB_DRAIN_TIMEOUT };

enum {
    M_REQUESTS, M_ELB_5XX, M_TARGET_5XX, M_RESPONSE_TIME, M_HEALTHY, M_UNHEALTHY, M_ACTIVE,
    M_NON_STICKY,
};

static const CirrusMetricDef lb_metrics[] = {
    [M_REQUESTS]      = {"RequestCount", CIRRUS_METRIC_COUNT, "Count"},
    [M_ELB_5XX]       = {"HTTPCode_ELB_5XX_Count", CIRRUS_METRIC_COUNT, "Count"},
    [M_TARGET_5XX]    = {"HTTPCode_Target_5XX_Count", CIRRUS_METRIC_COUNT, "Count"},
    [M_RESPONSE_TIME] = {"TargetResponseTime", CIRRUS_METRIC_LATENCY, "Seconds"},
    [M_HEALTHY]       = {"HealthyHostCount", CIRRUS_METRIC_GAUGE, "Count"},
    [M_UNHEALTHY]     = {"UnHealthyHostCount", CIRRUS_METRIC_GAUGE, "Count"},
    [M_ACTIVE]        = {"ActiveConnectionCount", CIRRUS_METRIC_GAUGE, "Count"},
    [M_NON_STICKY]    = {"NonStickyRequestCount", CIRRUS_METRIC_COUNT, "Count"},
    {NULL, 0, NULL},
};

typedef enum { ALGO_ROUND_ROBIN, ALGO_LEAST_OUTSTANDING, ALGO_RANDOM } Algorithm;
static const char *const algorithm_names[] = {"round_robin", "least_outstanding_requests", "random", NULL};

/* The ELB target health states (DescribeTargetHealth); `draining` is a
 * flag beside them because a draining instance keeps its last health. */
typedef enum { HEALTH_INITIAL, HEALTH_HEALTHY, HEALTH_UNHEALTHY } Health;

/* What differs between an ALB and an NLB: AWS's defaults and rules. */
typedef struct {
    Algorithm  algorithm;             /* ALB round robin; NLB hashes flows: random */
    gboolean   has_least_outstanding; /* an ALB routing algorithm only */
    gboolean   cross_zone;            /* ALB on, NLB off */
    CirrusTime timeout;               /* ALB (HTTP) 5 s, NLB (TCP) 10 s */
    gboolean   timeout_may_equal_interval;  /* NLB's TCP checks: 10 s every 10 s */
    gboolean   sticky_needs_cross_zone;     /* ALB: no stickiness with cross-zone off */
    /* Elastic Load Balancing pricing (https://aws.amazon.com/elasticloadbalancing/pricing/):
     * an LCU is 25 new connections/s, 3,000 active connections or 1 GB/h
     * processed (EC2 targets); an NLCU 800 new flows/s, 100,000 active or
     * 1 GB/h.  Rule evaluations (free for the first 10 rules) are left out. */
    const char *price_hour, *price_lcu_hour;
    double     lcu_new_per_s, lcu_active;
} LbFlavour;

static const LbFlavour alb_flavour = {
    .algorithm = ALGO_ROUND_ROBIN, .has_least_outstanding = TRUE, .cross_zone = TRUE,
    .timeout = 5 * CIRRUS_SEC, .timeout_may_equal_interval = FALSE, .sticky_needs_cross_zone = TRUE,
    .price_hour = "alb.hour", .price_lcu_hour = "alb.lcu_hour", .lcu_new_per_s = 25, .lcu_active = 3000,
};

static const LbFlavour nlb_flavour = {
    .algorithm = ALGO_RANDOM, .has_least_outstanding = FALSE, .cross_zone = FALSE,
    .timeout = 10 * CIRRUS_SEC, .timeout_may_equal_interval = TRUE, .sticky_needs_cross_zone = FALSE,
    .price_hour = "nlb.hour", .price_lcu_hour = "nlb.nlcu_hour", .lcu_new_per_s = 800, .lcu_active = 100000,
};

typedef struct {
    guint32 id;
    guint8  zone;
    guint8  health;         /* Health */
    gboolean draining;
    gboolean probe_pending; /* the latest probe is neither answered nor timed out */
    guint32 gen;            /* +1 at each (de)registration: older timers are stale */
    guint32 probe_seq;      /* number of the latest probe */
    gint64  passes, failures;   /* consecutive check results */
    gint64  outstanding;    /* forwarded requests not yet answered */
    /* Its leaf in the least-outstanding trees (rebuild_candidates):
     * across zones, and in its zone's; NOT_A_CANDIDATE when not routable. */
    guint   cand_pos, zone_pos;
} Target;

#define NOT_A_CANDIDATE G_MAXUINT

/* A client's duration-based stickiness cookie. */
typedef struct {
    guint64    client;      /* the hash table's key points here */
    guint32    target;
    CirrusTime expires;
} Cookie;

typedef struct {
    const CirrusNode *targets_node;  /* for link() messages */
    char *targets_name;
    CirrusComponent *provider;
    Algorithm algorithm;
    gboolean cross_zone, sticky;
    CirrusTime sticky_duration, deregistration_delay;
    CirrusTime interval, timeout;
    gint64 healthy_threshold, unhealthy_threshold;

    GPtrArray  *targets;      /* Target *, in registration order (owned) */
    GHashTable *by_id;        /* id -> Target * */
    gint64 n_healthy, n_unhealthy;  /* among the registered, not draining */
    GPtrArray *watchers;      /* CirrusComponent *: told n_healthy (CIRRUS_LB_WATCH) */
    gint64 told_healthy;      /* the count they were last told */
    /* The routable targets, rebuilt only when routability changes (a health
     * change, a registration, a deregistration), not per request; and, for
     * cross_zone off, the same split by zone, zones in first-seen order. */
    GPtrArray  *candidates;
    gboolean    cand_dirty;
    GPtrArray  *zone_cands[256];
    /* least_outstanding_requests: the candidates keyed by (outstanding,
     * id), the same across zones and per zone (min_tree.h). */
    CirrusMinTree lor_all, *lor_zone[256];
    guint8      cand_zones[256];
    guint       n_cand_zones;
    guint64 cursor, zone_cursor[256];  /* round robin, across zones / per zone */
    CirrusRng zone_rng;       /* which zone's node takes a request */
    GHashTable *cookies;      /* client -> Cookie * (owned) */
    guint sweep_at;           /* sweep expired cookies when the table reaches this size */
    gint64 in_flight;
    const CirrusFaultState *faults;   /* the kernel's: outages in force */
    /* prices (link): per load-balancer hour and per (N)LCU-hour, and what
     * one (N)LCU holds in each dimension; bytes of requests since time 0 */
    double usd_hour, usd_lcu_hour;
    double lcu_new_per_s, lcu_active, lcu_bytes_per_hour;
    double bytes;
    const LbFlavour *flavour;
} Lb;

/* ---- configuration ----------------------------------------------------- */

static gboolean lb_configure(CirrusComponent *self, Lb *lb, CirrusNode *cfg, const LbFlavour *f, GError **error)
{
    CirrusNode *stickiness, *hc;
    const char *targets;
    int algorithm;
    lb->flavour = f;
    lb->faults = cirrus_component_faults(self);
    cirrus_metric_set_level(self, M_ACTIVE, 1, 1);   /* requests in flight: a level gauge */
    if (!cirrus_cfg_require(cfg, "targets", "the Auto Scaling group (asg) whose instances it balances", error) ||
        !cirrus_cfg_string(cfg, "targets", NULL, &targets, error) ||
        !cirrus_cfg_enum(cfg, "algorithm", algorithm_names, f->algorithm, &algorithm, error) ||
        !cirrus_cfg_bool(cfg, "cross_zone", f->cross_zone, &lb->cross_zone, error) ||
        !cirrus_cfg_map(cfg, "stickiness", &stickiness, error) ||
        !cirrus_cfg_bool(stickiness, "enabled", FALSE, &lb->sticky, error) ||
        /* stickiness.lb_cookie.duration_seconds: 1 s to 7 days, default 1 day. */
        !cirrus_cfg_duration(stickiness, "duration", CIRRUS_DAY, CIRRUS_SEC, 7 * CIRRUS_DAY,
                             &lb->sticky_duration, error) ||
        /* deregistration_delay.timeout_seconds: 0 to 3600 s, default 300 s. */
        !cirrus_cfg_duration(cfg, "deregistration_delay", 300 * CIRRUS_SEC, 0, 3600 * CIRRUS_SEC,
                             &lb->deregistration_delay, error) ||
        !cirrus_cfg_map(cfg, "health_check", &hc, error) ||
        /* HealthCheckIntervalSeconds 5-300 (default 30), HealthCheckTimeoutSeconds
         * 2-120, Healthy/UnhealthyThresholdCount 2-10 (defaults 5 and 2). */
        !cirrus_cfg_duration(hc, "interval", 30 * CIRRUS_SEC, 5 * CIRRUS_SEC, 300 * CIRRUS_SEC,
                             &lb->interval, error) ||
        !cirrus_cfg_duration(hc, "timeout", f->timeout, 2 * CIRRUS_SEC, 120 * CIRRUS_SEC, &lb->timeout, error) ||
        !cirrus_cfg_int(hc, "healthy_threshold", 5, 2, 10, &lb->healthy_threshold, error) ||
        !cirrus_cfg_int(hc, "unhealthy_threshold", 2, 2, 10, &lb->unhealthy_threshold, error))
        return FALSE;
    const char *type = cirrus_component_type(self);
    lb->algorithm = (Algorithm)algorithm;
    if (lb->algorithm == ALGO_LEAST_OUTSTANDING && !f->has_least_outstanding) {
        cirrus_node_error(cirrus_node_peek(cfg, "algorithm"), error,
                          "an %s hashes each flow to a target and offers no least_outstanding_requests "
                          "(an alb routing algorithm); use random or round_robin", type);
        return FALSE;
    }
    /* One probe must be decided before the next starts: ELB wants the
     * timeout below the interval (its classic health checks say so); an
     * NLB's former fixed TCP checks were 10 s every 10 s. */
    if (lb->timeout > lb->interval || (lb->timeout == lb->interval && !f->timeout_may_equal_interval)) {
        CirrusNode *at = cirrus_node_peek(hc, "timeout");
        cirrus_node_error(at ? at : cirrus_node_peek(hc, "interval"), error,
                          "health check timeout (%gs) must be %s the interval (%gs)",
                          cirrus_time_to_s(lb->timeout), f->timeout_may_equal_interval ? "at most" : "shorter than",
                          cirrus_time_to_s(lb->interval));
        return FALSE;
    }
    if (lb->sticky && !lb->cross_zone && f->sticky_needs_cross_zone) {
        cirrus_node_error(cirrus_node_peek(stickiness, "enabled"), error,
                          "an %s does not support stickiness with cross_zone: false", type);
        return FALSE;
    }
    lb->targets_node = cirrus_node_peek(cfg, "targets");
    lb->targets_name = g_strdup(targets);
    lb->targets = g_ptr_array_new_with_free_func(g_free);
    lb->by_id = g_hash_table_new(g_direct_hash, g_direct_equal);
    lb->candidates = g_ptr_array_new();
    lb->cookies = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
    lb->sweep_at = 1024;
    return TRUE;
}

static gboolean alb_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    return lb_configure(self, state, cfg, &alb_flavour, error);
}

static gboolean nlb_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    return lb_configure(self, state, cfg, &nlb_flavour, error);
}

static gboolean lb_link(CirrusComponent *self, void *state, CirrusScenario *sc, GError **error)
{
    Lb *lb = state;
    const LbFlavour *f = lb->flavour;
    const CirrusPrices *prices = cirrus_globals(sc)->prices;
    lb->usd_hour = cirrus_price(prices, f->price_hour);
    lb->usd_lcu_hour = cirrus_price(prices, f->price_lcu_hour);
    lb->lcu_new_per_s = f->lcu_new_per_s;
    lb->lcu_active = f->lcu_active;
    lb->lcu_bytes_per_hour = 1e9;
    lb->provider = cirrus_scenario_lookup(sc, lb->targets_node, lb->targets_name, error);
    if (!lb->provider) return FALSE;
    if (!cirrus_speaks(lb->provider, CIRRUS_SPEAKS_TARGET_GROUP)) {
        char *types = cirrus_protocol_types(cirrus_scenario_registry(sc), CIRRUS_SPEAKS_TARGET_GROUP);
        cirrus_node_error(lb->targets_node, error,
                          "'targets' of %s '%s' must be an Auto Scaling group (type %s); '%s' is %s",
                          cirrus_component_type(self), cirrus_component_name(self), types, lb->targets_name,
                          cirrus_component_noun(lb->provider));
        g_free(types);
        return FALSE;
    }
    /* A forwarded request holds the client's until the target replies. */
    cirrus_scenario_sync_call(sc, self, lb->provider, lb->targets_node);
    return TRUE;
}

/* ---- the target table -------------------------------------------------- */

static Target *find_target(const Lb *lb, guint32 id)
{
    return g_hash_table_lookup(lb->by_id, GUINT_TO_POINTER(id));
}

/* Add (+1) or remove (-1) a target's contribution to the health counts. */
static void count_health(Lb *lb, const Target *t, gint64 sign)
{
    lb->cand_dirty = TRUE;   /* every change of routability passes here */
    if (t->draining) return;
    if (t->health == HEALTH_HEALTHY) lb->n_healthy += sign;
    else if (t->health == HEALTH_UNHEALTHY) lb->n_unhealthy += sign;
}

static void update_host_gauges(CirrusComponent *self, Lb *lb)
{
    cirrus_metric_gauge(self, M_HEALTHY, (double)lb->n_healthy);
    cirrus_metric_gauge(self, M_UNHEALTHY, (double)lb->n_unhealthy);
    if (lb->n_healthy == lb->told_healthy) return;
    lb->told_healthy = lb->n_healthy;
    for (guint i = 0; i < lb->watchers->len; i++)
        cirrus_lb_report_healthy(self, lb->watchers->pdata[i], lb->n_healthy);
}

/* A watcher (a Route 53 alias record evaluating target health) subscribes:
 * it hears the count now and at every change. */
static void on_watch(CirrusComponent *self, Lb *lb, CirrusComponent *from)
{
    for (guint i = 0; i < lb->watchers->len; i++)
        if (lb->watchers->pdata[i] == from) return;
    g_ptr_array_add(lb->watchers, from);
    cirrus_lb_report_healthy(self, from, lb->n_healthy);
}

/* Can a new request go to `t` now? */
static gboolean routable(const Lb *lb, const Target *t)
{
    if (t->draining) return FALSE;
    if (lb->n_healthy > 0) return t->health == HEALTH_HEALTHY;
    /* No healthy target: fail open to the unhealthy ones.  Targets still in
     * their initial checks are not "unhealthy" and stay out. */
    return t->health == HEALTH_UNHEALTHY;
}

static guint64 timer_data(guint32 id, guint32 seq) { return (guint64)id | ((guint64)seq << 32); }

/* The first probe comes one interval after registration, and the next
 * ones every interval after that: a new target passes its first check, and
 * gets traffic, exactly one interval after it registers.  Targets registered at
 * different times are checked at different instants; targets registered
 * together are checked together and come into service together.  (A phase
 * spread by id would make them healthy up to an interval apart, and with
 * sticky sessions every client would stick to whichever came first.) */
static void start_probes(CirrusComponent *self, const Lb *lb, const Target *t)
{
    cirrus_schedule(self, lb->interval, LB_PROBE, NULL, timer_data(t->id, t->gen));
}

static void on_register(CirrusComponent *self, Lb *lb, CirrusTarget named)
{
    guint32 id = named.id;
    Target *t = find_target(lb, id);
    if (t) {
        /* RegisterTargets is idempotent; a draining target registered again
         * is back in service with the health it had. */
        if (!t->draining) return;
        t->draining = FALSE;
        t->gen++;   /* cancels the drain timer */
        count_health(lb, t, +1);
    } else {
        t = g_new0(Target, 1);
        t->id = id;
        t->zone = (guint8)named.zone;
        t->health = HEALTH_INITIAL;
        g_ptr_array_add(lb->targets, t);
        g_hash_table_insert(lb->by_id, GUINT_TO_POINTER(id), t);
    }
    start_probes(self, lb, t);
    update_host_gauges(self, lb);
}

/* Tell the provider the instance may go, and forget it.  Replies still to
 * come from it are passed on as usual. */
static void drained(CirrusComponent *self, Lb *lb, Target *t)
{
    cirrus_targets_drained(self, lb->provider, (CirrusTarget){ t->id, t->zone });
    g_hash_table_remove(lb->by_id, GUINT_TO_POINTER(t->id));
    g_ptr_array_remove(lb->targets, t);   /* frees it */
    lb->cand_dirty = TRUE;
}

static void on_deregister(CirrusComponent *self, Lb *lb, CirrusTarget named)
{
    Target *t = find_target(lb, named.id);
    if (!t || t->draining) return;   /* DeregisterTargets is idempotent too */
    count_health(lb, t, -1);
    t->draining = TRUE;
    t->gen++;                 /* stops its health checks */
    t->probe_pending = FALSE;
    update_host_gauges(self, lb);
    if (t->outstanding == 0 || lb->deregistration_delay == 0) drained(self, lb, t);
    else cirrus_schedule(self, lb->deregistration_delay, LB_DRAIN_TIMEOUT, NULL, timer_data(t->id, t->gen));
}

static void on_drain_timeout(CirrusComponent *self, Lb *lb, guint64 data)
{
    Target *t = find_target(lb, (guint32)data);
    if (t && t->draining && t->gen == (guint32)(data >> 32)) drained(self, lb, t);
}

/* ---- health checks ----------------------------------------------------- */

static void set_health(CirrusComponent *self, Lb *lb, Target *t, Health health)
{
    count_health(lb, t, -1);
    t->health = (guint8)health;
    count_health(lb, t, +1);
    update_host_gauges(self, lb);
}

static void check_result(CirrusComponent *self, Lb *lb, Target *t, gboolean passed)
{
    t->probe_pending = FALSE;
    if (passed) {
        t->failures = 0;
        /* Initial: one pass suffices; back from unhealthy: the threshold. */
        gint64 needed = t->health == HEALTH_INITIAL ? 1 : lb->healthy_threshold;
        if (++t->passes >= needed && t->health != HEALTH_HEALTHY)
            set_health(self, lb, t, HEALTH_HEALTHY);
    } else {
        t->passes = 0;
        if (++t->failures >= lb->unhealthy_threshold && t->health != HEALTH_UNHEALTHY) {
            set_health(self, lb, t, HEALTH_UNHEALTHY);
            /* For a group that uses ELB health checks: it replaces the instance. */
            cirrus_targets_unhealthy(self, lb->provider, (CirrusTarget){ t->id, t->zone });
        }
    }
}

/* Every interval, whatever became of the previous probe (each check is
 * independent; a slow answer does not delay the next). */
static void on_probe(CirrusComponent *self, Lb *lb, guint64 data)
{
    Target *t = find_target(lb, (guint32)data);
    if (!t || t->gen != (guint32)(data >> 32)) return;   /* deregistered since */
    t->probe_seq++;
    t->probe_pending = TRUE;
    cirrus_targets_probe(self, lb->provider, (CirrusTarget){ t->id, t->zone });
    /* The timeout is scheduled before the next probe, so with timeout ==
     * interval it is decided first. */
    cirrus_schedule(self, lb->timeout, LB_PROBE_TIMEOUT, NULL, timer_data(t->id, t->probe_seq));
    cirrus_schedule(self, lb->interval, LB_PROBE, NULL, data);
}

static void on_probe_timeout(CirrusComponent *self, Lb *lb, guint64 data)
{
    Target *t = find_target(lb, (guint32)data);
    if (t && t->probe_pending && t->probe_seq == (guint32)(data >> 32)) check_result(self, lb, t, FALSE);
}

/* The provider's answer to the probe in flight; one that comes after the
 * timeout has already counted as a failure and is ignored. */
static void on_health_result(CirrusComponent *self, Lb *lb, CirrusTarget named)
{
    Target *t = find_target(lb, named.id);
    if (t && t->probe_pending) check_result(self, lb, t, TRUE);
}

/* ---- routing ----------------------------------------------------------- */

/* A target's place among the least-outstanding ones: fewest outstanding
 * requests first, ties to the lowest id (ids are unique, so one is
 * least). */
static guint64 lor_key(const Target *t)
{
    g_assert(t->outstanding >= 0 && t->outstanding <= G_MAXUINT32);
    return (guint64)t->outstanding << 32 | t->id;
}

/* The trees over `c` (the candidates across zones, or one zone's), with
 * each target's leaf kept in *pos's field. */
static void lor_build(CirrusMinTree *tree, GPtrArray *c, gboolean zone)
{
    guint64 *keys = g_new(guint64, MAX(c->len, 1u));
    for (guint i = 0; i < c->len; i++) {
        Target *t = c->pdata[i];
        keys[i] = lor_key(t);
        if (zone) t->zone_pos = i;
        else t->cand_pos = i;
    }
    cirrus_min_tree_build(tree, keys, c->len);
    g_free(keys);
}

/* Target t's outstanding count changed: its leaves follow (the trees are
 * rebuilt anyway when the candidates are). */
static void lor_changed(Lb *lb, const Target *t)
{
    if (lb->algorithm != ALGO_LEAST_OUTSTANDING || lb->cand_dirty || t->cand_pos == NOT_A_CANDIDATE) return;
    guint64 key = lor_key(t);
    cirrus_min_tree_set(&lb->lor_all, t->cand_pos, key);
    if (!lb->cross_zone) cirrus_min_tree_set(lb->lor_zone[t->zone], t->zone_pos, key);
}

static void rebuild_candidates(Lb *lb)
{
    GPtrArray *c = lb->candidates;
    g_ptr_array_set_size(c, 0);
    for (guint i = 0; i < lb->targets->len; i++) {
        Target *t = lb->targets->pdata[i];
        t->cand_pos = t->zone_pos = NOT_A_CANDIDATE;
        if (routable(lb, t)) g_ptr_array_add(c, t);
    }
    for (guint z = 0; z < lb->n_cand_zones; z++) g_ptr_array_set_size(lb->zone_cands[lb->cand_zones[z]], 0);
    lb->n_cand_zones = 0;
    if (!lb->cross_zone) {
        for (guint i = 0; i < c->len; i++) {
            guint8 z = ((Target *)c->pdata[i])->zone;
            if (!lb->zone_cands[z]) lb->zone_cands[z] = g_ptr_array_new();
            if (lb->zone_cands[z]->len == 0) lb->cand_zones[lb->n_cand_zones++] = z;
            g_ptr_array_add(lb->zone_cands[z], c->pdata[i]);
        }
    }
    if (lb->algorithm == ALGO_LEAST_OUTSTANDING) {
        lor_build(&lb->lor_all, c, FALSE);
        for (guint k = 0; k < lb->n_cand_zones; k++) {
            guint8 z = lb->cand_zones[k];
            if (!lb->lor_zone[z]) lb->lor_zone[z] = g_new0(CirrusMinTree, 1);
            lor_build(lb->lor_zone[z], lb->zone_cands[z], TRUE);
        }
    }
    lb->cand_dirty = FALSE;
}

/* Choose a target by the algorithm among the routable ones, or NULL. */
static Target *pick(CirrusComponent *self, Lb *lb)
{
    if (lb->cand_dirty) rebuild_candidates(lb);
    GPtrArray *c = lb->candidates;
    if (c->len == 0) return NULL;
    guint64 *cursor = &lb->cursor;
    const CirrusMinTree *least = &lb->lor_all;
    if (!lb->cross_zone) {
        /* The request lands on one of the nodes whose zone has a routable
         * target (a node without one is out of DNS), each equally likely,
         * and that node routes within its zone only. */
        guint n = lb->n_cand_zones;
        guint8 zone = lb->cand_zones[n > 1 ? cirrus_rng_below(&lb->zone_rng, n) : 0];
        c = lb->zone_cands[zone];
        cursor = &lb->zone_cursor[zone];
        least = lb->lor_zone[zone];   /* NULL unless least_outstanding_requests */
    }
    switch (lb->algorithm) {
    case ALGO_ROUND_ROBIN: return c->pdata[(*cursor)++ % c->len];
    case ALGO_LEAST_OUTSTANDING: return c->pdata[cirrus_min_tree_least(least)];
    case ALGO_RANDOM: return c->pdata[cirrus_rng_below(cirrus_component_rng(self), c->len)];
    }
    g_assert_not_reached();
    return NULL;
}

static gboolean cookie_expired(gpointer key, gpointer value, gpointer now)
{
    (void)key;
    return ((Cookie *)value)->expires <= *(CirrusTime *)now;
}

/* Duration-based stickiness: a client's cookie names its target until the
 * cookie expires or the target stops being routable. */
static Target *pick_sticky(CirrusComponent *self, Lb *lb, guint64 client)
{
    CirrusTime now = cirrus_now(self);
    Cookie *cookie = g_hash_table_lookup(lb->cookies, &client);
    if (cookie && now < cookie->expires) {
        Target *t = find_target(lb, cookie->target);
        if (t && routable(lb, t)) return t;
    }
    cirrus_metric_count(self, M_NON_STICKY, 1);
    Target *t = pick(self, lb);
    if (!t) return NULL;
    if (!cookie) {
        /* Expired cookies go lazily: when the table has doubled since the
         * last sweep, so it stays within twice the live ones. */
        if (g_hash_table_size(lb->cookies) >= lb->sweep_at) {
            g_hash_table_foreach_remove(lb->cookies, cookie_expired, &now);
            lb->sweep_at = MAX(1024u, 2 * g_hash_table_size(lb->cookies));
        }
        cookie = g_new(Cookie, 1);
        cookie->client = client;
        g_hash_table_insert(lb->cookies, &cookie->client, cookie);
    }
    cookie->target = t->id;
    cookie->expires = now + lb->sticky_duration;
    return t;
}

static void set_in_flight(CirrusComponent *self, Lb *lb, gint64 delta)
{
    lb->in_flight += delta;
    cirrus_metric_level(self, M_ACTIVE, lb->in_flight);
}

static void on_request(CirrusComponent *self, Lb *lb, CirrusRequest *req)
{
    cirrus_metric_count(self, M_REQUESTS, 1);
    lb->bytes += (double)MAX(req->size, (gint64)0);
    Target *t = NULL;
    if (!cirrus_fault_down(lb->faults)) t = lb->sticky ? pick_sticky(self, lb, req->client) : pick(self, lb);
    if (!t) {
        cirrus_metric_count(self, M_ELB_5XX, 1);
        cirrus_reply_last(self, req, CIRRUS_OUTCOME_REJECTED);
        return;
    }
    /* The caller's request waits here; the instance gets a child request
     * naming it (the target group protocol), which finds the caller's again
     * in its `caller` word.  The caller's `holder` word (ours while we hold
     * it) remembers the instance, and its `arrived` is the forwarding time. */
    CirrusRequest *fwd = cirrus_request_new(self);
    fwd->created = req->created;
    fwd->origin = req->origin;
    fwd->client = req->client;
    fwd->size = req->size;
    fwd->attempt = req->attempt;
    fwd->invocation = req->invocation;
    fwd->caller.ptr = req;
    cirrus_request_data(fwd)->ref.instance = t->id;
    req->holder = t->id;
    t->outstanding++;
    lor_changed(lb, t);
    set_in_flight(self, lb, +1);
    cirrus_send_last(self, lb->provider, fwd);
}

static void on_reply(CirrusComponent *self, Lb *lb, CirrusRequest *fwd)
{
    CirrusRequest *req = fwd->caller.ptr;
    CirrusOutcome outcome = (CirrusOutcome)fwd->outcome;
    Target *t = find_target(lb, (guint32)req->holder);   /* NULL once drained */
    cirrus_request_free(self, fwd);
    set_in_flight(self, lb, -1);
    cirrus_metric_latency(self, M_RESPONSE_TIME, cirrus_now(self) - req->arrived);
    if (outcome == CIRRUS_OUTCOME_REJECTED || outcome == CIRRUS_OUTCOME_FAILED)
        cirrus_metric_count(self, M_TARGET_5XX, 1);
    else if (outcome == CIRRUS_OUTCOME_TIMED_OUT)
        cirrus_metric_count(self, M_ELB_5XX, 1);   /* a 504 comes from the load balancer */
    if (t && t->draining && t->outstanding == 1) {
        /* Its last request: the answer, then the target drained (which
         * tells the group, after the answer, as it always has). */
        cirrus_reply(self, req, outcome);
        t->outstanding--;   /* draining: no longer a candidate */
        drained(self, lb, t);
        return;
    }
    if (t) {
        t->outstanding--;
        lor_changed(lb, t);
    }
    cirrus_reply_last(self, req, outcome);   /* last: it may be handled at once */
}

/* ---- the rest ---------------------------------------------------------- */

static void lb_start(CirrusComponent *self, void *state)
{
    Lb *lb = state;
    cirrus_component_substream(self, "zones", &lb->zone_rng);
    if (!lb->watchers) lb->watchers = g_ptr_array_new();
    update_host_gauges(self, lb);
    set_in_flight(self, lb, 0);
    cirrus_targets_attach(self, lb->provider);
}

static void lb_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    Lb *lb = state;
    if (ev->kind >= CIRRUS_EVENT_PROTOCOL && ev->kind != CIRRUS_LB_WATCH) g_assert(ev->source == lb->provider);
    switch (ev->kind) {
    case CIRRUS_EVENT_REQUEST: on_request(self, lb, ev->request); break;
    case CIRRUS_EVENT_REPLY: on_reply(self, lb, ev->request); break;
    case CIRRUS_EVENT_FAULT_BEGIN: case CIRRUS_EVENT_FAULT_END: break;   /* outages: the kernel counts them */
    case LB_PROBE: on_probe(self, lb, ev->data); break;
    case LB_PROBE_TIMEOUT: on_probe_timeout(self, lb, ev->data); break;
    case LB_DRAIN_TIMEOUT: on_drain_timeout(self, lb, ev->data); break;
    case CIRRUS_TARGETS_REGISTER: on_register(self, lb, cirrus_target_of(ev)); break;
    case CIRRUS_TARGETS_DEREGISTER: on_deregister(self, lb, cirrus_target_of(ev)); break;
    case CIRRUS_TARGETS_HEALTH_RESULT: on_health_result(self, lb, cirrus_target_of(ev)); break;
    case CIRRUS_LB_WATCH: on_watch(self, lb, ev->source); break;
    default: g_assert_not_reached();
    }
}

static void lb_destroy(CirrusComponent *self, void *state)
{
    Lb *lb = state;
    (void)self;
    g_free(lb->targets_name);
    if (lb->targets) g_ptr_array_free(lb->targets, TRUE);
    if (lb->by_id) g_hash_table_destroy(lb->by_id);
    if (lb->candidates) g_ptr_array_free(lb->candidates, TRUE);
    for (guint z = 0; z < G_N_ELEMENTS(lb->zone_cands); z++) {
        if (lb->zone_cands[z]) g_ptr_array_free(lb->zone_cands[z], TRUE);
        if (lb->lor_zone[z]) cirrus_min_tree_clear(lb->lor_zone[z]);
        g_free(lb->lor_zone[z]);
    }
    cirrus_min_tree_clear(&lb->lor_all);
    if (lb->cookies) g_hash_table_destroy(lb->cookies);
    if (lb->watchers) g_ptr_array_free(lb->watchers, TRUE);
}

/* The load balancer's hours (prorated: AWS bills a partial hour as a whole
 * one, which would skew a month extrapolated from a short run) and its
 * LCU-hours.  AWS takes each hour's largest dimension; we take the largest
 * of the run's averages, each request counted as a new connection (no
 * keep-alive) and its request bytes as processed (responses are not
 * modelled): an approximation that under-states bursty hours
 * (docs/cost.md). */
static double lb_cost(CirrusComponent *self, void *state)
{
    const Lb *lb = state;
    double run_s = cirrus_time_to_s(cirrus_now(self));
    if (run_s <= 0) return 0;
    double hours = run_s / 3600.0;
    double lcu = MAX(cirrus_metric_run_total(self, M_REQUESTS) / run_s / lb->lcu_new_per_s,
                     cirrus_metric_run_total(self, M_ACTIVE) / run_s / lb->lcu_active);
    lcu = MAX(lcu, lb->bytes / hours / lb->lcu_bytes_per_hour);
    return hours * (lb->usd_hour + lcu * lb->usd_lcu_hour);
}

static const struct CirrusProtocols alb_protocols = {
    .noun = "an alb",
    .speaks = CIRRUS_SPEAKS_INVOKE | CIRRUS_SPEAKS_LOAD_BALANCER,
};

static const struct CirrusProtocols nlb_protocols = {
    .noun = "an nlb",
    .speaks = CIRRUS_SPEAKS_INVOKE | CIRRUS_SPEAKS_LOAD_BALANCER,
};

const CirrusModelType cirrus_alb_type = {
    .name = "alb",
    .state_size = sizeof(Lb),
    .configure = alb_configure,
    .link = lb_link,
    .start = lb_start,
    .handle = lb_handle,
    .destroy = lb_destroy,
    .metrics = lb_metrics,
    .faults = CIRRUS_FAULT_BIT(CIRRUS_FAULT_OUTAGE),
    .cost = lb_cost,
    .protocols = &alb_protocols,
};

const CirrusModelType cirrus_nlb_type = {
    .name = "nlb",
    .state_size = sizeof(Lb),
    .configure = nlb_configure,
    .link = lb_link,
    .start = lb_start,
    .handle = lb_handle,
    .destroy = lb_destroy,
    .metrics = lb_metrics,
    .faults = CIRRUS_FAULT_BIT(CIRRUS_FAULT_OUTAGE),
    .cost = lb_cost,
    .protocols = &nlb_protocols,
};
