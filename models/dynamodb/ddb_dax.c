/* cirrus — DynamoDB Accelerator (DAX) in front of a table (see
 * docs/models/dynamodb.md, "DAX").
 *
 *   dax: {nodes: 3, node_type: dax.r5.large, item_ttl: 5m, query_ttl: 5m}
 *
 * As AWS documents DAX: an item cache serves eventually consistent
 * GetItem by key; a query cache serves eventually consistent Query by its
 * parameters (here, its partition key); strongly consistent reads pass
 * through to the table and are not cached; writes go through to the table
 * and, once it has taken them, update the item cache (PutItem and
 * UpdateItem set the item, DeleteItem removes it) but not the query cache,
 * whose results stay until their TTL.  Both caches evict the least
 * recently used entry (DAX: "DAX also uses a least recently used (LRU)
 * algorithm") and hold the node's memory in items of the table's
 * item_size each (every node holds the whole cache: nodes add read
 * throughput and availability, not capacity).  Batch, transaction and
 * Scan operations pass through.  A hit answers after DAX's own latency
 * without touching the table (no capacity consumed, no throttle); every
 * other request pays that hop on top of the table's latency.
 *
 * The shared cache store (models/cache/cache_store.h) keeps the entries. */
#include "models/dynamodb/dynamodb-private.h"
#include "models/cache/cache_store.h"
#include "sim/loader/config.h"
#include "sim/loader/suggest.h"

/* DAX node types and their memory (GiB): "DAX node types" in the
 * DynamoDB developer guide. */
static const struct { const char *name; double gib; } dax_types[] = {
    {"dax.t3.small", 2}, {"dax.t3.medium", 4}, {"dax.r5.large", 16}, {"dax.r5.xlarge", 32}, {"dax.r5.2xlarge", 64},
};

typedef struct DdbDax {
    gint64 nodes;
    guint type;
    const CirrusNode *type_at;
    CirrusTime item_ttl, query_ttl;
    CirrusDist latency;
    CirrusCacheStore *items, *queries;
    CirrusRng rng;
    guint m_item_hits, m_item_misses, m_query_hits, m_query_misses;
    double usd_node_hour;
} DdbDax;

gboolean ddb_dax_read(CirrusComponent *self, Ddb *t, CirrusNode *cfg, GError **error)
{
    CirrusNode *map;
    CirrusDist default_latency;
    const char *type, *names[G_N_ELEMENTS(dax_types)];
    if (!cirrus_cfg_map(cfg, "dax", &map, error)) return FALSE;
    if (!map) return TRUE;
    DdbDax *x = t->dax = g_new0(DdbDax, 1);
    /* A cache hit's round trip inside a VPC: lognormal, mean 0.3 ms, cv
     * 0.5 (an assumption; AWS: "microsecond" response times for hits). */
    if (!cirrus_dist_set(&default_latency, CIRRUS_DIST_LOGNORMAL, 0.0003, 0.5, error)) return FALSE;
    gboolean ok = cirrus_cfg_int(map, "nodes", 3, 1, 11, &x->nodes, error) &&
                  cirrus_cfg_string(map, "node_type", "dax.r5.large", &type, error) &&
                  cirrus_cfg_duration(map, "item_ttl", 5 * CIRRUS_MIN, 0, 365 * CIRRUS_DAY, &x->item_ttl, error) &&
                  cirrus_cfg_duration(map, "query_ttl", 5 * CIRRUS_MIN, 0, 365 * CIRRUS_DAY, &x->query_ttl, error) &&
                  cirrus_cfg_dist(map, "latency", &default_latency, &x->latency, error);
    cirrus_dist_clear(&default_latency);
    if (!ok) return FALSE;
    x->type_at = cirrus_node_peek(map, "node_type");
    x->type = G_N_ELEMENTS(dax_types);
    for (guint i = 0; i < G_N_ELEMENTS(dax_types); i++) {
        names[i] = dax_types[i].name;
        if (strcmp(type, dax_types[i].name) == 0) x->type = i;
    }
    if (x->type == G_N_ELEMENTS(dax_types)) {
        GString *msg = g_string_new(NULL);
        g_string_printf(msg, "unknown DAX node_type '%s'", type);
        cirrus_suggest_append(msg, type, names, G_N_ELEMENTS(dax_types));
        g_string_append(msg, "; cirrus knows dax.t3.small, dax.t3.medium and dax.r5.large to dax.r5.2xlarge");
        cirrus_node_error(x->type_at, error, "%s", msg->str);
        g_string_free(msg, TRUE);
        return FALSE;
    }
    x->m_item_hits = cirrus_metric_add(self, "ItemCacheHits", CIRRUS_METRIC_COUNT, "Count");
    x->m_item_misses = cirrus_metric_add(self, "ItemCacheMisses", CIRRUS_METRIC_COUNT, "Count");
    x->m_query_hits = cirrus_metric_add(self, "QueryCacheHits", CIRRUS_METRIC_COUNT, "Count");
    x->m_query_misses = cirrus_metric_add(self, "QueryCacheMisses", CIRRUS_METRIC_COUNT, "Count");
    return TRUE;
}

gboolean ddb_dax_link(Ddb *t, const CirrusPrices *prices, GError **error)
{
    DdbDax *x = t->dax;
    if (!x) return TRUE;
    char *key = g_strdup_printf("%s.hour", dax_types[x->type].name);
    gboolean priced = cirrus_prices_has(prices, key);
    if (priced) x->usd_node_hour = cirrus_price(prices, key);
    else cirrus_prices_unknown(prices, x->type_at, key, "dax.", error);
    g_free(key);
    return priced;
}

void ddb_dax_start(CirrusComponent *self, Ddb *t)
{
    DdbDax *x = t->dax;
    if (!x) return;
    guint64 capacity = (guint64)(dax_types[x->type].gib * 1024 * 1024 * 1024 / (double)t->item_size);
    x->items = cirrus_cache_store_new(t->keys.count, capacity, x->item_ttl, CIRRUS_EVICT_ALLKEYS_LRU);
    x->queries = cirrus_cache_store_new(t->keys.count, capacity, x->query_ttl, CIRRUS_EVICT_ALLKEYS_LRU);
    cirrus_component_substream(self, "dax", &x->rng);
}

/* The cache that serves `op` (eventually consistent), or NULL. */
static CirrusCacheStore *serving(DdbDax *x, DdbOp op, gboolean consistent, guint *hits, guint *misses)
{
    if (consistent) return NULL;
    if (op == DDB_GET_ITEM) {
        *hits = x->m_item_hits;
        *misses = x->m_item_misses;
        return x->items;
    }
    if (op == DDB_QUERY) {
        *hits = x->m_query_hits;
        *misses = x->m_query_misses;
        return x->queries;
    }
    return NULL;
}

gboolean ddb_dax_hit(CirrusComponent *self, Ddb *t, DdbOp op, guint key, gboolean consistent)
{
    guint hits, misses;
    CirrusCacheStore *cache = t->dax ? serving(t->dax, op, consistent, &hits, &misses) : NULL;
    if (!cache) return FALSE;
    gboolean hit = cirrus_cache_get(cache, key, cirrus_now(self), &t->dax->rng);
    cirrus_metric_count(self, hit ? hits : misses, 1);
    return hit;
}

void ddb_dax_served(CirrusComponent *self, Ddb *t, DdbOp op, guint key, gboolean consistent)
{
    DdbDax *x = t->dax;
    guint hits, misses;
    if (!x) return;
    CirrusTime now = cirrus_now(self);
    CirrusCacheStore *cache = serving(x, op, consistent, &hits, &misses);
    if (cache) cirrus_cache_set(cache, key, now, &x->rng);   /* a miss filled */
    else if (op == DDB_PUT_ITEM || op == DDB_UPDATE_ITEM) cirrus_cache_set(x->items, key, now, &x->rng);
    else if (op == DDB_DELETE_ITEM) cirrus_cache_delete(x->items, key, now);
}

double ddb_dax_seconds(Ddb *t)
{
    return t->dax ? cirrus_dist_sample(&t->dax->latency, &t->dax->rng) : 0.0;
}

double ddb_dax_cost(const Ddb *t, double hours)
{
    return t->dax ? hours * (double)t->dax->nodes * t->dax->usd_node_hour : 0.0;
}

void ddb_dax_clear(Ddb *t)
{
    if (!t->dax) return;
    cirrus_cache_store_free(t->dax->items);
    cirrus_cache_store_free(t->dax->queries);
    cirrus_dist_clear(&t->dax->latency);
    g_free(t->dax);
    t->dax = NULL;
}
