/* cirrus — the `apigateway` model: an API Gateway stage, REST or HTTP API
 * (docs/models/apigateway.md): its keys, metrics, cost and protocols.
 * The request path is apigw_flow.c; throttles, quotas and the account's
 * bucket are apigw_limits.c. */
#include "models/apigateway/apigateway-private.h"
#include "models/aws/globals.h"
#include "models/aws/prices.h"
#include "sim/loader/suggest.h"
#include <math.h>

static const CirrusMetricDef apigw_metrics[] = {
    [M_COUNT]                = {"Count", CIRRUS_METRIC_COUNT, "Count"},
    [M_4XX]                  = {"4XXError", CIRRUS_METRIC_COUNT, "Count"},
    [M_5XX]                  = {"5XXError", CIRRUS_METRIC_COUNT, "Count"},
    [M_LATENCY]              = {"Latency", CIRRUS_METRIC_LATENCY, "Seconds"},
    [M_INTEGRATION_LATENCY]  = {"IntegrationLatency", CIRRUS_METRIC_LATENCY, "Seconds"},
    [M_CACHE_HITS]           = {"CacheHitCount", CIRRUS_METRIC_COUNT, "Count"},
    [M_CACHE_MISSES]         = {"CacheMissCount", CIRRUS_METRIC_COUNT, "Count"},
    [M_THROTTLES]            = {"ThrottleCount", CIRRUS_METRIC_COUNT, "Count"},
    [M_QUOTA]                = {"QuotaExceeded", CIRRUS_METRIC_COUNT, "Count"},
    [M_AUTHORIZER_CALLS]     = {"AuthorizerCalls", CIRRUS_METRIC_COUNT, "Count"},
    [M_AUTHORIZER_CACHE_HITS] = {"AuthorizerCacheHits", CIRRUS_METRIC_COUNT, "Count"},
    [M_TIMEOUTS]             = {"IntegrationTimeouts", CIRRUS_METRIC_COUNT, "Count"},
    [M_CANARY]               = {"CanaryCount", CIRRUS_METRIC_COUNT, "Count"},
    [M_BILLED]               = {"BilledRequests", CIRRUS_METRIC_COUNT, "Count"},
    {NULL, 0, NULL},
};

/* AWS's stage cache sizes, GB ("Cache capacity"), and their price keys. */
static const double cache_sizes[] = {0.5, 1.6, 6.1, 13.5, 28.4, 58.2, 118, 237};
static const char *const cache_size_names[] = {"0.5GB", "1.6GB", "6.1GB", "13.5GB", "28.4GB", "58.2GB", "118GB",
                                               "237GB", NULL};

/* 10 MB: the payload limit of REST and HTTP APIs. */
#define MAX_PAYLOAD (10LL * 1024 * 1024)

/* ---- configuration --------------------------------------------------------- */

static gboolean read_integration(CirrusNode *map, ApigwIntegration *in, GError **error)
{
    static const char *const modes[] = {"sync", "async", NULL};
    static const char *const types[] = {"aws", "mock", NULL};
    const char *target;
    int mode, type;
    if (!cirrus_cfg_enum(map, "type", types, 0, &type, error)) return FALSE;
    if (type == 1) {   /* mock: no backend */
        if (cirrus_node_peek(map, "target")) {
            cirrus_node_error(cirrus_node_peek(map, "target"), error, "a mock integration has no target");
            return FALSE;
        }
        return TRUE;
    }
    if (!cirrus_cfg_require(map, "target", "the component requests go to (or type: mock)", error) ||
        !cirrus_cfg_string(map, "target", NULL, &target, error) ||
        !cirrus_cfg_enum(map, "mode", modes, -1, &mode, error) ||
        !cirrus_request_keys_read(map, &in->keys, error))
        return FALSE;
    in->target_name = g_strdup(target);
    in->target_at = cirrus_node_peek(map, "target");
    in->mode = mode < 0 ? (CirrusInvocation)-1 : (CirrusInvocation)mode;
    return TRUE;
}

static gboolean read_cache(Apigw *g, CirrusNode *cfg, GError **error)
{
    CirrusNode *c, *methods;
    gint64 bytes;
    if (!cirrus_cfg_map(cfg, "cache", &c, error)) return FALSE;
    if (!c) return TRUE;
    if (g->api == API_HTTP) {
        cirrus_node_error(cirrus_node_peek(cfg, "cache"), error, "HTTP APIs have no stage cache (a REST API's "
                          "feature): use api: rest, or a cache component behind the integration");
        return FALSE;
    }
    if (!cirrus_cfg_require(c, "size", "the cache's capacity: 0.5GB, 1.6GB, 6.1GB ... 237GB", error) ||
        !cirrus_cfg_size(c, "size", 0, &bytes, error) ||
        !cirrus_cfg_duration(c, "ttl", 300 * CIRRUS_SEC, 0, 3600 * CIRRUS_SEC, &g->cache_ttl, error) ||
        !cirrus_keys_read(c, "keys", 10000, CIRRUS_KEYS_MAX, &g->cache_keys, error) ||
        !cirrus_cfg_size(c, "item_size", 1024, &g->cache_item_size, error) ||
        !cirrus_cfg_list(c, "methods", &methods, error))
        return FALSE;
    double gb = (double)bytes / (1024.0 * 1024 * 1024);
    guint nearest = 0;
    for (guint i = 1; i < G_N_ELEMENTS(cache_sizes); i++)
        if (fabs(cache_sizes[i] - gb) < fabs(cache_sizes[nearest] - gb)) nearest = i;
    if (fabs(cache_sizes[nearest] - gb) > 0.001 * cache_sizes[nearest]) {
        cirrus_node_error(cirrus_node_peek(c, "size"), error, "a stage cache is one of AWS's sizes: 0.5GB, 1.6GB, "
                          "6.1GB, 13.5GB, 28.4GB, 58.2GB, 118GB or 237GB (did you mean '%s'?)",
                          cache_size_names[nearest]);
        return FALSE;
    }
    g->cache_gb = cache_sizes[nearest];
    g->cache_index = nearest;
    if (g->cache_item_size < 1) {
        cirrus_node_error(cirrus_node_peek(c, "item_size"), error, "'item_size' must be positive");
        return FALSE;
    }
    /* "Only GET methods have caching enabled by default"; `methods` lists
     * the cached ones (an empty list: none). */
    g->cache_methods = methods ? 0 : 1u << 0;
    for (guint i = 0; methods && i < cirrus_node_len(methods); i++) {
        CirrusNode *m = cirrus_node_item(methods, i);
        const char *name = cirrus_node_scalar(m);
        guint k = 0;
        while (apigw_methods[k] && g_strcmp0(apigw_methods[k], name) != 0) k++;
        if (!apigw_methods[k]) {
            GString *msg = g_string_new(NULL);
            g_string_printf(msg, "unknown method '%s' (GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS)",
                            name ? name : "");
            cirrus_suggest_append(msg, name ? name : "", apigw_methods, 7);
            cirrus_node_error(m, error, "%s", msg->str);
            g_string_free(msg, TRUE);
            return FALSE;
        }
        g->cache_methods |= 1u << k;
    }
    return TRUE;
}

static gboolean read_authorizer(Apigw *g, CirrusNode *cfg, GError **error)
{
    static const char *const types[] = {"token", "request", NULL};
    CirrusNode *a;
    const char *target;
    int type;
    if (!cirrus_cfg_map(cfg, "authorizer", &a, error)) return FALSE;
    if (!a) return TRUE;
    /* AWS: the authorizer's result TTL is 300 s by default, 0 to 3,600. */
    if (!cirrus_cfg_require(a, "target", "the Lambda function that authorizes", error) ||
        !cirrus_cfg_string(a, "target", NULL, &target, error) ||
        !cirrus_cfg_duration(a, "ttl", 300 * CIRRUS_SEC, 0, 3600 * CIRRUS_SEC, &g->authorizer_ttl, error) ||
        !cirrus_cfg_enum(a, "type", types, 0, &type, error))
        return FALSE;
    g->authorizer_name = g_strdup(target);
    g->authorizer_at = cirrus_node_peek(a, "target");
    g->policies = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    return TRUE;
}

static gboolean read_canary(Apigw *g, CirrusNode *cfg, GError **error)
{
    CirrusNode *c, *in;
    double percent;
    if (!cirrus_cfg_map(cfg, "canary", &c, error)) return FALSE;
    if (!c) return TRUE;
    if (!cirrus_cfg_require(c, "percent", "the share of requests (0-100) to the canary", error) ||
        !cirrus_cfg_double(c, "percent", 0, 0, 100, &percent, error) ||
        !cirrus_cfg_require(c, "integration", "the canary's integration ({target: fn-v2})", error) ||
        !cirrus_cfg_map(c, "integration", &in, error) || !read_integration(in, &g->canary, error))
        return FALSE;
    g->canary_share = percent / 100.0;
    g->has_canary = TRUE;
    return TRUE;
}

static gboolean apigw_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    static const char *const apis[] = {"rest", "http", "websocket", NULL};
    Apigw *g = state;
    CirrusNode *integration;
    CirrusDist default_overhead;
    int api;
    g->faults = cirrus_component_faults(self);
    if (!cirrus_cfg_enum(cfg, "api", apis, API_REST, &api, error)) return FALSE;
    if (api == 2) {
        cirrus_node_error(cirrus_node_peek(cfg, "api"), error, "WebSocket APIs (connections, messages, callbacks) "
                          "are not modelled; use api: rest or http");
        return FALSE;
    }
    g->api = (ApiKind)api;
    /* REST: an integration timeout of 50 ms to 29 s (29 s by default);
     * HTTP APIs: up to 30 s, 30 s by default. */
    CirrusTime max_timeout = g->api == API_REST ? 29 * CIRRUS_SEC : 30 * CIRRUS_SEC;
    /* The gateway's own time per request: an assumption (AWS publishes
     * none; HTTP APIs are documented as lower latency): lognormal, mean
     * 10 ms (REST) or 5 ms (HTTP), cv 0.5. */
    if (!cirrus_dist_set(&default_overhead, CIRRUS_DIST_LOGNORMAL, g->api == API_REST ? 0.010 : 0.005, 0.5, error))
        return FALSE;
    gboolean ok = cirrus_cfg_duration(cfg, "timeout", max_timeout, 0, G_MAXINT64, &g->timeout, error) &&
                  cirrus_cfg_dist(cfg, "overhead", &default_overhead, &g->overhead, error);
    cirrus_dist_clear(&default_overhead);
    if (!ok) return FALSE;
    if (g->timeout < 50 * CIRRUS_MS || g->timeout > max_timeout) {
        cirrus_node_error(cirrus_node_peek(cfg, "timeout"), error, "a%s API's integration timeout is 50ms to %ds",
                          g->api == API_REST ? " REST" : "n HTTP", g->api == API_REST ? 29 : 30);
        return FALSE;
    }
    g->max_payload = MAX_PAYLOAD;
    if (!cirrus_cfg_require(cfg, "integration", "where requests go ({target: fn}, or {type: mock})", error) ||
        !cirrus_cfg_map(cfg, "integration", &integration, error) ||
        !read_integration(integration, &g->integration, error) || !apigw_limits_read(self, g, cfg, error) ||
        !read_cache(g, cfg, error) || !read_authorizer(g, cfg, error) || !read_canary(g, cfg, error))
        return FALSE;
    if (g->api == API_HTTP && g->n_plans > 0) {
        cirrus_node_error(cirrus_node_peek(cfg, "usage_plans"), error,
                          "HTTP APIs have no usage plans or API keys (a REST API's feature): use api: rest");
        return FALSE;
    }
    g->ctxs = cirrus_pool_new(sizeof(ApigwCtx));
    return TRUE;
}

/* The integration's target, its keys and its mode (sync unless a queue:
 * it answers when it has the message, and its consumers' work never comes
 * back through API Gateway). */
static gboolean link_integration(CirrusComponent *self, ApigwIntegration *in, CirrusScenario *sc, GError **error)
{
    if (!in->target_name) return TRUE;   /* mock */
    in->target = cirrus_scenario_lookup(sc, in->target_at, in->target_name, error);
    if (!in->target) return FALSE;
    if (in->target == self || !cirrus_speaks(in->target, CIRRUS_SPEAKS_INVOKE)) {
        cirrus_node_error(in->target_at, error, "an integration goes to a component that takes requests ('%s' is %s)",
                          in->target_name, in->target == self ? "the API itself" : cirrus_component_noun(in->target));
        return FALSE;
    }
    gboolean hands_off = cirrus_speaks(in->target, CIRRUS_SPEAKS_QUEUE);
    if (hands_off && in->mode == CIRRUS_INVOKE_SYNC) {
        cirrus_node_error(in->target_at, error, "'%s' is %s: it answers when it has the message, not when it is "
                          "processed, so API Gateway cannot wait for the processing (drop mode: sync; the "
                          "integration is async)", in->target_name, cirrus_component_noun(in->target));
        return FALSE;
    }
    if ((int)in->mode < 0) in->mode = hands_off ? CIRRUS_INVOKE_ASYNC : CIRRUS_INVOKE_SYNC;
    if (!cirrus_request_keys_link(&in->keys, in->target, "integration target", -1, error)) return FALSE;
    if (in->mode == CIRRUS_INVOKE_SYNC) cirrus_scenario_sync_call(sc, self, in->target, in->target_at);
    return TRUE;
}

static gboolean apigw_link(CirrusComponent *self, void *state, CirrusScenario *sc, GError **error)
{
    Apigw *g = state;
    const CirrusGlobals *globals = cirrus_globals(sc);
    if (!link_integration(self, &g->integration, sc, error) ||
        (g->has_canary && !link_integration(self, &g->canary, sc, error)))
        return FALSE;
    if (g->authorizer_name) {
        g->authorizer = cirrus_protocol_lookup(sc, self, g->authorizer_at, g->authorizer_name,
                                               CIRRUS_SPEAKS_FUNCTION | CIRRUS_SPEAKS_INVOKE, "'authorizer'",
                                               "a Lambda function", error);
        if (!g->authorizer) return FALSE;
        cirrus_scenario_sync_call(sc, self, g->authorizer, g->authorizer_at);
    }
    apigw_limits_link(self, g, globals->apigateway_rate, globals->apigateway_burst);
    g->usd_per_request = cirrus_price(globals->prices, g->api == API_REST ? "apigateway.rest.request"
                                                                          : "apigateway.http.request");
    if (g->cache_gb > 0) {
        char *key = g_strdup_printf("apigateway.cache.%s.hour", cache_size_names[g->cache_index]);
        g->usd_cache_hour = cirrus_price(globals->prices, key);
        g_free(key);
    }
    return TRUE;
}

static void apigw_start(CirrusComponent *self, void *state)
{
    Apigw *g = state;
    cirrus_component_substream(self, "gateway", &g->rng);
    cirrus_component_substream(self, "cache", &g->cache_rng);
    if (g->cache_gb > 0) {
        guint64 capacity = (guint64)(g->cache_gb * 1024 * 1024 * 1024 / (double)g->cache_item_size);
        g->cache = cirrus_cache_store_new(g->cache_keys.count, capacity, g->cache_ttl, CIRRUS_EVICT_ALLKEYS_LRU);
    }
}

static void apigw_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    Apigw *g = state;
    switch (ev->kind) {
    case CIRRUS_EVENT_REQUEST: apigw_on_request(self, g, ev->request); break;
    case CIRRUS_EVENT_REPLY: apigw_on_reply(self, g, ev->request); break;
    case APIGW_TIMEOUT: apigw_on_timeout(self, g, ev->request, ev->data); break;
    case APIGW_ANSWER: apigw_on_answer(self, g, ev->request); break;
    case CIRRUS_EVENT_FAULT_BEGIN:
    case CIRRUS_EVENT_FAULT_END: break;   /* outages and slowdowns: the kernel's state */
    default: g_assert_not_reached();
    }
}

static void clear_integration(ApigwIntegration *in) { g_free(in->target_name); }

static void apigw_destroy(CirrusComponent *self, void *state)
{
    Apigw *g = state;
    (void)self;
    clear_integration(&g->integration);
    clear_integration(&g->canary);
    apigw_limits_clear(g);
    cirrus_cache_store_free(g->cache);
    cirrus_keys_clear(&g->cache_keys);
    cirrus_dist_clear(&g->overhead);
    g_free(g->authorizer_name);
    if (g->policies) g_hash_table_destroy(g->policies);
    if (g->ctxs) cirrus_pool_free(g->ctxs);
}

/* API Gateway pricing (https://aws.amazon.com/api-gateway/pricing/, first
 * tier): REST APIs per million requests; HTTP APIs per million requests
 * metered in 512-KB increments; throttled and unauthorized requests are
 * not billed; the stage cache per hour by its size. */
static double apigw_cost(CirrusComponent *self, void *state)
{
    const Apigw *g = state;
    double hours = cirrus_time_to_s(cirrus_now(self)) / 3600.0;
    return (double)g->billed * g->usd_per_request + hours * g->usd_cache_hour;
}

static const CirrusInvokeSpec apigw_invoke = {
    .operations = apigw_methods,
};

static const struct CirrusProtocols apigw_protocols = {
    .noun = "an apigateway API",
    .speaks = CIRRUS_SPEAKS_INVOKE,
    .invoke = &apigw_invoke,
};

const CirrusModelType cirrus_apigateway_type = {
    .name = "apigateway",
    .state_size = sizeof(Apigw),
    .type_state_size = sizeof(ApigwAccount),
    .configure = apigw_configure,
    .link = apigw_link,
    .start = apigw_start,
    .handle = apigw_handle,
    .destroy = apigw_destroy,
    .metrics = apigw_metrics,
    .faults = CIRRUS_FAULT_BIT(CIRRUS_FAULT_OUTAGE) | CIRRUS_FAULT_BIT(CIRRUS_FAULT_SLOWDOWN),
    .cost = apigw_cost,
    .protocols = &apigw_protocols,
};
