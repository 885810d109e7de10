/* cirrus — the `route53` model (see route53.h, docs/models/route53.md).
 *
 * A route53 component is one record set (one name) that workloads and
 * instances send their requests to.  It acts as a forwarding hop with no
 * latency: each caller — a (workload, client) pair — resolves the name,
 * caches the answer for `ttl`, and sends to the cached record's target
 * until the entry expires, even when Route 53 would now answer otherwise.
 * Only a caller whose entry has expired asks again (DNSQueries), and the
 * answer is chosen by the routing policy among the healthy records
 * (route53_health.c), or among all of them when none is healthy, as AWS
 * answers "as if all were healthy". */
#include "models/route53/route53-private.h"
#include "models/aws/globals.h"
#include "models/protocol/client.h"
#include "models/protocol/targets.h"
#include "sim/loader/scenario.h"


static const CirrusMetricDef r53_metrics[] = {
    [R53_M_QUERIES]  = {"DNSQueries", CIRRUS_METRIC_COUNT, "Count"},
    [R53_M_STATUS]   = {"HealthCheckStatus", CIRRUS_METRIC_GAUGE, "None"},
    [R53_M_REQUESTS] = {"Requests", CIRRUS_METRIC_COUNT, "Count"},
    {NULL, 0, NULL},
};

/* A caller's cached answer.  Zeroed means never asked: expires = 0 is
 * never after now, so the first request is a query. */
typedef struct {
    CirrusTime expires;
    guint32    record;
    guint32    rtt;      /* network_latency: index into r->rtts, the caller-record round trip */
} R53Cached;

/* A workload of up to this many clients has its callers' answers in a
 * flat array by client id: 16 B each, where a hash table entry and a
 * malloc'd value cost ~70 and a cache miss more per request
 * (docs/performance.md, "Region scale").  The array is calloc'd, so a
 * large one's pages are mapped only as its clients ask; the bound keeps
 * its address space at 256 MiB (`clients` goes to 2^63). */
#define R53_FLAT_CLIENTS (G_GUINT64_CONSTANT(1) << 24)

/* An answer outside the flat array. */
typedef struct {
    guint64   client;    /* the key */
    R53Cached answer;
} R53Sparse;

/* The answers of one origin's callers: flat below its workload's client
 * count, in a hash table for other ids (a stream's partition keys, the
 * callers of a component that is no workload, more clients than
 * R53_FLAT_CLIENTS). */
typedef struct R53Callers {
    R53Cached  *flat;
    guint64     n_flat;
    GHashTable *sparse;  /* client id -> R53Sparse */
} R53Callers;

static void callers_free(R53Callers *c)
{
    g_free(c->flat);
    g_hash_table_destroy(c->sparse);
    g_free(c);
}

/* ---- configuration ------------------------------------------------------- */

static gboolean read_record(CirrusComponent *self, R53 *r, CirrusNode *item, guint index, GError **error)
{
    R53Record *rec = r53_record(r, index);
    static const char *const roles[] = {"primary", "secondary", NULL};
    const char *target, *id;
    int role = 0;
    if (cirrus_node_kind(item) != CIRRUS_NODE_MAP) {
        cirrus_node_error(item, error, "each record is a map, e.g. {target: alb-east, weight: 3}");
        return FALSE;
    }
    if (!cirrus_cfg_require(item, "target", "the component this record answers with", error) ||
        !cirrus_cfg_string(item, "target", NULL, &target, error) ||
        !cirrus_cfg_string(item, "id", target, &id, error))
        return FALSE;
    /* Ids name metrics: they must differ. */
    for (guint j = 0; j < index; j++)
        if (strcmp(r53_record(r, j)->id, id) == 0) {
            cirrus_node_error(item, error, "two records with id '%s': give each an 'id' of its own", id);
            return FALSE;
        }
    rec->target_name = g_strdup(target);
    rec->target_at = cirrus_node_peek(item, "target");
    rec->id = g_strdup(id);
    char *name = g_strconcat("Answers.", id, NULL);
    rec->m_answers = cirrus_metric_add(self, name, CIRRUS_METRIC_COUNT, "Count");
    g_free(name);
    rec->check = -1;
    /* Only the keys of the policy are read: any other is reported unknown. */
    if (r->policy != POLICY_SIMPLE && !r53_read_record_check(self, r, rec, item, error)) return FALSE;
    if (r->policy == POLICY_WEIGHTED &&
        (!cirrus_cfg_require(item, "weight", "a weight from 0 to 255", error) ||
         !cirrus_cfg_int(item, "weight", 0, 0, 255, &rec->weight, error)))
        return FALSE;
    if (r->policy == POLICY_FAILOVER &&
        (!cirrus_cfg_require(item, "failover", "primary or secondary", error) ||
         !cirrus_cfg_enum(item, "failover", roles, 0, &role, error)))
        return FALSE;
    rec->failover = r->policy == POLICY_FAILOVER ? (R53Failover)(role + 1) : FAILOVER_NONE;
    if (!r53_read_geo(r, rec, item, error) || !r53_read_ip(r, rec, item, error) ||
        !r53_read_alias(r, rec, item, error))
        return FALSE;
    /* AWS: the primary of a failover pair must have a health check (or,
     * for an alias, evaluate its target's health). */
    if (rec->failover == FAILOVER_PRIMARY && rec->check < 0 && !rec->evaluate) {
        cirrus_node_error(item, error, "a failover primary needs 'health_check: true' (or a named check, or "
                          "for an alias 'evaluate_target_health: true')");
        return FALSE;
    }
    return TRUE;
}

/* Failover needs one primary and at most one secondary. */
static gboolean check_records(R53 *r, CirrusNode *list, GError **error)
{
    guint roles[3] = {0, 0, 0};
    for (guint i = 0; i < r->records->len; i++) roles[r53_record(r, i)->failover]++;
    if (r->policy == POLICY_FAILOVER && (roles[FAILOVER_PRIMARY] != 1 || roles[FAILOVER_SECONDARY] > 1)) {
        cirrus_node_error(list, error, "failover records are one 'failover: primary' and at most one "
                          "'failover: secondary'");
        return FALSE;
    }
    return r53_check_geo(r, list, error) && r53_check_ip(r, list, error);
}

static gboolean r53_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    static const char *const policies[] = {"simple", "weighted", "failover", "multivalue",
                                           "latency", "geolocation", "geoproximity", "ip", NULL};
    R53 *r = state;
    CirrusNode *list;
    int policy;
    r->records = g_array_new(FALSE, TRUE, sizeof(R53Record));
    /* AWS's console proposes 300 s for a new record's TTL. */
    if (!cirrus_cfg_duration(cfg, "ttl", 300 * CIRRUS_SEC, 0, 2147483647LL * CIRRUS_SEC, &r->ttl, error) ||
        !cirrus_cfg_enum(cfg, "policy", policies, POLICY_SIMPLE, &policy, error) ||
        !cirrus_cfg_require(cfg, "records", "a list of records, e.g. [{target: alb-east}]", error) ||
        !cirrus_cfg_list(cfg, "records", &list, error) ||
        !cirrus_cfg_bool(cfg, "network_latency", FALSE, &r->network_latency, error))
        return FALSE;
    r->policy = (R53Policy)policy;
    guint n = cirrus_node_len(list);
    if (n == 0 || n > R53_MAX_RECORDS) {
        cirrus_node_error(list, error, "a record set holds 1 to %d records", R53_MAX_RECORDS);
        return FALSE;
    }
    /* Named health checks first: records refer to them. */
    if (!r53_read_health(self, r, cfg, error)) return FALSE;
    g_array_set_size(r->records, n);
    for (guint i = 0; i < n; i++)
        if (!read_record(self, r, cirrus_node_item(list, i), i, error)) return FALSE;
    return check_records(r, list, error) && r53_check_alias(r, cfg, error) &&
           r53_read_changes(self, r, cfg, error);
}

static gboolean r53_link(CirrusComponent *self, void *state, CirrusScenario *sc, GError **error)
{
    R53 *r = state;
    const CirrusPrices *prices = cirrus_globals(sc)->prices;
    r->usd_query = cirrus_price(prices, r->policy == POLICY_LATENCY ? "route53.query.latency"
                                        : r->policy == POLICY_IP ? "route53.query.ip"
                                        : r->policy == POLICY_GEOLOCATION || r->policy == POLICY_GEOPROXIMITY
                                            ? "route53.query.geo" : "route53.query.standard");
    r->usd_zone_month = cirrus_price(prices, "route53.hosted_zone_month");
    r->usd_check_month = cirrus_price(prices, "route53.health_check_month");
    for (guint i = 0; i < r->records->len; i++) {
        R53Record *rec = r53_record(r, i);
        rec->target = cirrus_scenario_lookup(sc, rec->target_at, rec->target_name, error);
        if (!rec->target) return FALSE;
        if (!cirrus_speaks(rec->target, CIRRUS_SPEAKS_INVOKE) || rec->target == self) {
            cirrus_node_error(rec->target_at, error, "a record's target must be another component, not %s '%s'",
                              cirrus_component_type(rec->target), rec->target_name);
            return FALSE;
        }
        if (!r53_link_geo(r, rec, sc, error) || !r53_link_alias(rec, error)) return FALSE;
        /* The caller's request waits for the target's reply (on_request). */
        cirrus_scenario_sync_call(sc, self, rec->target, rec->target_at);
    }
    return r53_link_health(self, r, sc, error);
}

static void r53_start(CirrusComponent *self, void *state)
{
    R53 *r = state;
    cirrus_component_substream(self, "answers", &r->pick_rng);
    r->caches = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, (GDestroyNotify)callers_free);
    r->rtts = g_array_new(FALSE, FALSE, sizeof(CirrusTime));
    r->pending = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
    r53_health_start(self, r);
    r53_alias_start(self, r);
    r53_changes_start(self, r);
}

/* ---- answering a query --------------------------------------------------- */

static guint pick_uniform(R53 *r, const guint *set, guint n)
{
    return set[n > 1 ? cirrus_rng_below(&r->pick_rng, n) : 0];
}

/* weight / sum of the weights in the set (all > 0). */
static guint pick_weighted(R53 *r, const guint *set, guint n)
{
    gint64 total = 0;
    for (guint k = 0; k < n; k++) total += r53_record(r, set[k])->weight;
    gint64 u = (gint64)cirrus_rng_below(&r->pick_rng, (guint64)total);
    for (guint k = 0; k < n; k++) {
        u -= r53_record(r, set[k])->weight;
        if (u < 0) return set[k];
    }
    g_assert_not_reached();
    return set[0];
}

/* Into `set`, the records of a weight class (ANY_WEIGHT for every one),
 * healthy ones only unless `any_health`; returns how many. */
static guint candidates(const R53 *r, guint *set, gboolean any_health, int weight_class)
{
    guint n = 0;
    for (guint i = 0; i < r->records->len; i++) {
        const R53Record *rec = r53_record(r, i);
        if (!any_health && !rec->healthy) continue;
        if (weight_class > 0 && rec->weight == 0) continue;
        if (weight_class == 0 && rec->weight != 0) continue;
        set[n++] = i;
    }
    return n;
}

enum { ANY_WEIGHT = -1, ZERO_WEIGHT = 0, NONZERO_WEIGHT = 1 };

static guint resolve(R53 *r, const CirrusRequest *req, const CirrusRegion *caller)
{
    guint set[R53_MAX_RECORDS], n;
    switch (r->policy) {
    case POLICY_IP:
        return r53_resolve_ip(r, req);
    case POLICY_LATENCY: case POLICY_GEOLOCATION: case POLICY_GEOPROXIMITY:
        return r53_resolve_geo(r, caller);
    case POLICY_SIMPLE:   /* every value in the answer; the client takes one at random */
        return pick_uniform(r, set, candidates(r, set, TRUE, ANY_WEIGHT));
    case POLICY_MULTIVALUE:
        /* Up to 8 healthy records at random, the client taking one of them:
         * each healthy record equally likely, whatever their number. */
        n = candidates(r, set, FALSE, ANY_WEIGHT);
        return n ? pick_uniform(r, set, n) : pick_uniform(r, set, candidates(r, set, TRUE, ANY_WEIGHT));
    case POLICY_FAILOVER: {
        guint primary = 0, secondary = G_MAXUINT;
        for (guint i = 0; i < r->records->len; i++) {
            if (r53_record(r, i)->failover == FAILOVER_PRIMARY) primary = i;
            else secondary = i;
        }
        if (r53_record(r, primary)->healthy) return primary;
        if (secondary != G_MAXUINT && r53_record(r, secondary)->healthy) return secondary;
        return primary;   /* both unhealthy: as if both were healthy */
    }
    case POLICY_WEIGHTED:
        /* AWS: healthy non-zero weights first; then healthy zero weights
         * (equally); all unhealthy: as if all healthy, the same order. */
        if ((n = candidates(r, set, FALSE, NONZERO_WEIGHT))) return pick_weighted(r, set, n);
        if ((n = candidates(r, set, FALSE, ZERO_WEIGHT))) return pick_uniform(r, set, n);
        if ((n = candidates(r, set, TRUE, NONZERO_WEIGHT))) return pick_weighted(r, set, n);
        return pick_uniform(r, set, candidates(r, set, TRUE, ZERO_WEIGHT));
    }
    g_assert_not_reached();
    return 0;
}

/* The index in r->rtts of `rtt`, added when new: the round trips between
 * callers' regions and records' are few, so each cache entry holds an
 * index of 32 bits rather than a time of 64. */
static guint32 rtt_index(R53 *r, CirrusTime rtt)
{
    for (guint k = 0; k < r->rtts->len; k++)
        if (g_array_index(r->rtts, CirrusTime, k) == rtt) return k;
    g_array_append_val(r->rtts, rtt);
    return r->rtts->len - 1;
}

static R53Callers *callers_new(R53 *r, CirrusComponent *origin)
{
    /* A workload's client count comes with its regions' table (set even
     * when it names no region); NULL for a component that is no workload. */
    const CirrusClientRegions *cr = origin ? cirrus_client_regions(origin) : NULL;
    R53Callers *c = g_new0(R53Callers, 1);
    if (cr && (guint64)cr->clients <= R53_FLAT_CLIENTS) {
        c->n_flat = (guint64)cr->clients;
        c->flat = g_new0(R53Cached, c->n_flat);
    }
    c->sparse = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
    g_hash_table_insert(r->caches, origin, c);
    return c;
}

/* The cache entry of the caller (req->origin, req->client). */
static R53Cached *cache_entry(R53 *r, const CirrusRequest *req)
{
    /* Most sets have one origin: the last one's answers save a hash
     * lookup per request. */
    R53Callers *c = r->last_callers;
    if (!c || req->origin != r->last_origin) {
        c = g_hash_table_lookup(r->caches, req->origin);
        if (!c) c = callers_new(r, req->origin);
        r->last_origin = req->origin;
        r->last_callers = c;
    }
    if (req->client < c->n_flat) return &c->flat[req->client];
    R53Sparse *s = g_hash_table_lookup(c->sparse, &req->client);
    if (!s) {
        s = g_new0(R53Sparse, 1);
        s->client = req->client;
        g_hash_table_insert(c->sparse, &s->client, s);
    }
    return &s->answer;
}

/* The record this caller uses now: its cached answer while the TTL runs,
 * else a fresh one (a DNS query). */
static const R53Cached *lookup(CirrusComponent *self, R53 *r, const CirrusRequest *req)
{
    R53Cached *e = cache_entry(r, req);
    CirrusTime now = cirrus_now(self);
    if (now < e->expires) return e;
    const CirrusRegion *caller = r53_caller_region(r, req);
    e->record = resolve(r, req, caller);
    const CirrusRegion *there = r53_record(r, e->record)->region;
    e->rtt = rtt_index(r, r->network_latency && caller && there ? cirrus_region_rtt(r->regions, caller, there) : 0);
    CirrusTime ttl = r53_record_ttl(r, r53_record(r, e->record));
    e->expires = ttl > CIRRUS_TIME_NEVER - now ? CIRRUS_TIME_NEVER : now + ttl;
    cirrus_metric_count(self, R53_M_QUERIES, 1);
    cirrus_metric_count(self, r53_record(r, e->record)->m_answers, 1);
    return e;
}

static void on_request(CirrusComponent *self, R53 *r, CirrusRequest *req)
{
    cirrus_metric_count(self, R53_M_REQUESTS, 1);
    const R53Cached *e = lookup(self, r, req);
    /* The caller's request waits here; the target gets a copy, which
     * finds the caller's again in its `caller` word (a health check's
     * probe has none: route53_health.c). */
    CirrusRequest *fwd = cirrus_request_copy(self, req);
    fwd->abandoned = 0;
    fwd->caller.ptr = req;
    /* With network_latency, the round trip is paid on the way there. */
    cirrus_send(self, r53_record(r, e->record)->target, fwd, g_array_index(r->rtts, CirrusTime, e->rtt));
}

static void on_reply(CirrusComponent *self, R53 *r, CirrusRequest *sent)
{
    CirrusRequest *caller = sent->caller.ptr;
    guint64 id = sent->id;
    CirrusOutcome outcome = (CirrusOutcome)sent->outcome;
    cirrus_request_free(self, sent);
    if (caller) cirrus_reply(self, caller, outcome);
    else r53_on_check_reply(self, r, id, outcome);
}

static void r53_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    R53 *r = state;
    switch (ev->kind) {
    case CIRRUS_EVENT_REQUEST: on_request(self, r, ev->request); break;
    case CIRRUS_EVENT_REPLY: on_reply(self, r, ev->request); break;
    case R53_CHECK: r53_on_check(self, r, ev->data); break;
    case R53_CHECK_TIMEOUT: r53_on_check_timeout(self, r, ev->data); break;
    case R53_CHANGE: r53_on_change(self, r, ev->data); break;
    case R53_ALARM_PERIOD: r53_on_alarm_period(self, r, (guint)ev->data); break;
    case CIRRUS_LB_HEALTHY_TARGETS: r53_on_lb_healthy(self, r, ev->source, cirrus_lb_healthy_count(ev)); break;
    default: g_assert_not_reached();
    }
}

static void r53_destroy(CirrusComponent *self, void *state)
{
    R53 *r = state;
    (void)self;
    for (guint i = 0; r->records && i < r->records->len; i++) {
        R53Record *rec = r53_record(r, i);
        g_free(rec->id);
        g_free(rec->target_name);
        if (rec->cidrs) g_array_free(rec->cidrs, TRUE);
    }
    if (r->records) g_array_free(r->records, TRUE);
    r53_health_destroy(r);
    if (r->changes) g_array_free(r->changes, TRUE);
    if (r->caches) g_hash_table_destroy(r->caches);
    if (r->rtts) g_array_free(r->rtts, TRUE);
    if (r->pending) g_hash_table_destroy(r->pending);
    cirrus_regions_unref(r->regions);
}

/* Route 53 pricing (https://aws.amazon.com/route53/pricing/): queries by
 * the routing policy's rate; the record set's hosted zone and each health
 * check by the month, prorated over the run (AWS bills a zone's whole
 * month; one zone per route53 component is assumed).  Endpoint health
 * checks are priced as basic checks of AWS endpoints, and so are alarm
 * ones (our assumption; the CloudWatch alarm's own price is not counted);
 * calculated ones are not counted. */
static double r53_cost(CirrusComponent *self, void *state)
{
    const R53 *r = state;
    double months = cirrus_time_to_s(cirrus_now(self)) / (CIRRUS_HOURS_PER_MONTH * 3600.0);
    guint checks = 0;
    for (guint i = 0; r->checks && i < r->checks->len; i++) checks += !r53_check(r, i)->calculated;   /* endpoint and alarm checks */
    /* Route 53 pricing: "Alias queries to AWS resources (ELB load
     * balancers, CloudFront ...) are free"; the queries still count in
     * DNSQueries, as in CloudWatch. */
    double billed = cirrus_metric_run_total(self, R53_M_QUERIES);
    for (guint i = 0; i < r->records->len; i++)
        if (r53_record(r, i)->alias) billed -= cirrus_metric_run_total(self, r53_record(r, i)->m_answers);
    return billed * r->usd_query + months * (r->usd_zone_month + checks * r->usd_check_month);
}

static const struct CirrusProtocols route53_protocols = {
    .noun = "a route53 record set",
    .speaks = CIRRUS_SPEAKS_INVOKE,
};

const CirrusModelType cirrus_route53_type = {
    .name = "route53",
    .state_size = sizeof(R53),
    .configure = r53_configure,
    .link = r53_link,
    .start = r53_start,
    .handle = r53_handle,
    .destroy = r53_destroy,
    .metrics = r53_metrics,
    .cost = r53_cost,
    .protocols = &route53_protocols,
};
