/* cirrus — API Gateway's throttles and quotas (see apigateway-private.h,
 * docs/models/apigateway.md).
 *
 * AWS applies, in this order, "per-client or per-method throttling limits
 * that you set for an API stage in a usage plan; per-method throttling
 * limits that you set for an API stage; account-level throttling per
 * Region": each is a token bucket, and a request over any of them — or
 * over its API key's quota — is answered 429.  A request takes a token
 * from every bucket it passes, only when all have one (a refused request
 * takes nothing). */
#include "models/apigateway/apigateway-private.h"

void apigw_bucket_init(ApigwBucket *b, double rate, double burst)
{
    *b = (ApigwBucket){ .rate = rate, .burst = burst, .tokens = burst, .at = 0 };
}

gboolean apigw_bucket_has(ApigwBucket *b, CirrusTime now)
{
    if (now > b->at) {
        b->tokens = MIN(b->burst, b->tokens + b->rate * cirrus_time_to_s(now - b->at));
        b->at = now;
    }
    return b->tokens >= 1.0;
}

/* ---- reading --------------------------------------------------------------- */

/* `rate` and `burst` of the map `t` into `b`.  AWS: a rate of 0 blocks
 * every request, so a burst above 0 with it is refused (say burst: 0 to
 * block). */
static gboolean read_bucket(CirrusNode *t, ApigwBucket *b, GError **error)
{
    double rate;
    gint64 burst;
    if (!cirrus_cfg_require(t, "rate", "requests per second (steady state)", error) ||
        !cirrus_cfg_rate(t, "rate", 0, &rate, error) ||
        !cirrus_cfg_require(t, "burst", "the bucket's capacity (requests)", error) ||
        !cirrus_cfg_int(t, "burst", 0, 0, 100000000, &burst, error))
        return FALSE;
    if (rate == 0 && burst > 0) {
        cirrus_node_error(cirrus_node_peek(t, "burst"), error, "a rate of 0 blocks every request: AWS refuses a "
                          "burst above 0 with it (give a rate, or burst: 0 to block)");
        return FALSE;
    }
    apigw_bucket_init(b, rate, (double)burst);
    return TRUE;
}

static gboolean read_method_throttles(Apigw *g, CirrusNode *cfg, GError **error)
{
    CirrusNode *list;
    int m;
    if (!cirrus_cfg_list(cfg, "method_throttles", &list, error)) return FALSE;
    g->n_methods = list ? cirrus_node_len(list) : 0;
    g->methods = g_new0(ApigwMethodThrottle, MAX(g->n_methods, 1));
    for (guint i = 0; i < g->n_methods; i++) {
        CirrusNode *item = cirrus_node_item(list, i);
        if (cirrus_node_kind(item) != CIRRUS_NODE_MAP) {
            cirrus_node_error(item, error, "each method throttle is a map such as {method: POST, rate: 100/s, burst: 50}");
            return FALSE;
        }
        if (!cirrus_cfg_require(item, "method", "the HTTP method (GET, POST ...)", error) ||
            !cirrus_cfg_enum(item, "method", apigw_methods, 0, &m, error) ||
            !read_bucket(item, &g->methods[i].bucket, error))
            return FALSE;
        g->methods[i].method = (guint8)m;
        for (guint j = 0; j < i; j++)
            if (g->methods[j].method == g->methods[i].method) {
                cirrus_node_error(cirrus_node_peek(item, "method"), error, "method %s is throttled twice",
                                  apigw_methods[m]);
                return FALSE;
            }
    }
    return TRUE;
}

static gboolean read_plan(CirrusNode *item, ApigwPlan *p, double *shares, GError **error)
{
    static const char *const periods[] = {"day", "week", "month", NULL};
    static const CirrusTime period_length[] = {CIRRUS_DAY, 7 * CIRRUS_DAY, 30 * CIRRUS_DAY};
    const char *name;
    CirrusNode *quota;
    gint64 limit = 0;
    int period = 0;
    if (cirrus_node_kind(item) != CIRRUS_NODE_MAP) {
        cirrus_node_error(item, error, "each usage plan is a map such as {name: free, rate: 10/s, burst: 20, "
                          "quota: {limit: 1000, period: day}, share: 0.2, keys: 1}");
        return FALSE;
    }
    ApigwBucket per_key;
    if (!cirrus_cfg_require(item, "name", "the plan's name", error) ||
        !cirrus_cfg_string(item, "name", NULL, &name, error) || !read_bucket(item, &per_key, error) ||
        !cirrus_cfg_map(item, "quota", &quota, error) ||
        !cirrus_cfg_require(item, "share", "the share of the workloads' clients in the plan", error) ||
        !cirrus_cfg_double(item, "share", 0, 0, 1, &p->share, error) ||
        !cirrus_cfg_int(item, "keys", 1, 1, 10000000, &p->keys, error))
        return FALSE;
    if (quota && (!cirrus_cfg_require(quota, "limit", "requests per period", error) ||
                  !cirrus_cfg_int(quota, "limit", 0, 1, G_MAXINT64 / 2, &limit, error) ||
                  !cirrus_cfg_enum(quota, "period", periods, 0, &period, error)))
        return FALSE;
    p->name = g_strdup(name);
    p->quota = limit;
    p->period = period_length[period];
    p->from = *shares;
    *shares += p->share;
    if (*shares > 1 + 1e-9) {
        cirrus_node_error(cirrus_node_peek(item, "share"), error,
                          "the plans' shares add up to %.3g: at most 1 (each client is in one plan or none)", *shares);
        return FALSE;
    }
    p->buckets = g_new(ApigwBucket, p->keys);
    p->used = g_new0(gint64, p->keys);
    p->period_of = g_new0(gint64, p->keys);
    for (gint64 k = 0; k < p->keys; k++) p->buckets[k] = per_key;
    return TRUE;
}

gboolean apigw_limits_read(CirrusComponent *self, Apigw *g, CirrusNode *cfg, GError **error)
{
    CirrusNode *plans;
    double shares = 0;
    (void)self;
    CirrusNode *throttle;
    if (!cirrus_cfg_map(cfg, "throttle", &throttle, error) || (throttle && !read_bucket(throttle, &g->stage, error)) ||
        !read_method_throttles(g, cfg, error) || !cirrus_cfg_list(cfg, "usage_plans", &plans, error))
        return FALSE;
    g->has_throttle = throttle != NULL;
    g->n_plans = plans ? cirrus_node_len(plans) : 0;
    g->plans = g_new0(ApigwPlan, MAX(g->n_plans, 1));
    for (guint i = 0; i < g->n_plans; i++)
        if (!read_plan(cirrus_node_item(plans, i), &g->plans[i], &shares, error)) return FALSE;
    return TRUE;
}

/* ---- the account's bucket, per region ------------------------------------------ */

void apigw_limits_link(CirrusComponent *self, Apigw *g, double account_rate, double account_burst)
{
    ApigwAccount *a = cirrus_component_type_state(self);
    const char *region = cirrus_component_region(self);
    for (guint i = 0; i < a->n; i++)
        if (a->regions[i].region == region) {
            g->account = &a->regions[i].bucket;
            return;
        }
    g_assert(a->n < APIGW_MAX_REGIONS);   /* the regions table is far smaller */
    a->regions[a->n].region = region;
    apigw_bucket_init(&a->regions[a->n].bucket, account_rate, account_burst);
    g->account = &a->regions[a->n++].bucket;
}

/* ---- admission ----------------------------------------------------------------- */

/* FNV-1a of the workload's name, so that identities do not depend on
 * where components sit in memory (runs are bit-identical). */
static guint64 name_hash(const char *s)
{
    guint64 h = 0xcbf29ce484222325ull;
    for (; *s; s++) h = (h ^ (guint8)*s) * 0x100000001b3ull;
    return h;
}

static guint64 mix64(guint64 z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

guint64 apigw_identity(const CirrusRequest *req)
{
    guint64 origin = req->origin ? name_hash(cirrus_component_name(req->origin)) : 0;
    return mix64(origin ^ mix64(req->client + 0x9E3779B97F4A7C15ull));
}

gboolean apigw_admit(Apigw *g, const CirrusRequest *req, guint8 method, CirrusTime now, gboolean *quota)
{
    ApigwPlan *plan = NULL;
    gint64 key = 0;
    *quota = FALSE;
    if (g->n_plans > 0) {
        double u = (double)(mix64(apigw_identity(req)) >> 11) * 0x1.0p-53;
        for (guint i = 0; i < g->n_plans && !plan; i++)
            if (u >= g->plans[i].from && u < g->plans[i].from + g->plans[i].share) plan = &g->plans[i];
        if (plan) key = MIN((gint64)((u - plan->from) / plan->share * (double)plan->keys), plan->keys - 1);
    }
    ApigwBucket *method_bucket = NULL;
    for (guint i = 0; i < g->n_methods; i++)
        if (g->methods[i].method == method) method_bucket = &g->methods[i].bucket;
    if (plan) {
        gint64 period = now / plan->period;
        if (plan->period_of[key] != period) {
            plan->period_of[key] = period;
            plan->used[key] = 0;
        }
        if (!apigw_bucket_has(&plan->buckets[key], now)) return FALSE;
        if (plan->quota > 0 && plan->used[key] >= plan->quota) {
            *quota = TRUE;
            return FALSE;
        }
    }
    if ((method_bucket && !apigw_bucket_has(method_bucket, now)) ||
        (g->has_throttle && !apigw_bucket_has(&g->stage, now)) || !apigw_bucket_has(g->account, now))
        return FALSE;
    if (plan) {
        apigw_bucket_take(&plan->buckets[key]);
        plan->used[key]++;
    }
    if (method_bucket) apigw_bucket_take(method_bucket);
    if (g->has_throttle) apigw_bucket_take(&g->stage);
    apigw_bucket_take(g->account);
    return TRUE;
}

void apigw_limits_clear(Apigw *g)
{
    for (guint i = 0; i < g->n_plans; i++) {
        g_free(g->plans[i].name);
        g_free(g->plans[i].buckets);
        g_free(g->plans[i].used);
        g_free(g->plans[i].period_of);
    }
    g_free(g->plans);
    g_free(g->methods);
}
