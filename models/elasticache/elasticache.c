/* cirrus — the `elasticache` model: an ElastiCache cluster (Redis OSS,
 * Valkey or Memcached) of `nodes` shards, each a primary with `replicas`
 * (docs/models/elasticache.md).
 *
 * Keys are spread over the shards as Redis Cluster does: a key hashes to
 * one of 16,384 slots and each shard owns an equal, contiguous range of
 * slots (Memcached clients hash keys over the nodes; the same rule stands
 * for it).  Each shard's contents are a cache store
 * (models/cache/cache_store.h) holding `memory / item_size` entries.
 *
 * A request is a GET, SET or DELETE of one key (models/protocol/cache.h).
 * Its answer comes after a network latency draw plus the shard's engine
 * time: each shard's engine is one thread (Redis executes commands on one
 * thread) taking `op_time` per command, first come first served, kept as
 * the time its engine is next free — a FIFO single-server queue that
 * needs no event of its own.
 *
 * Faults: an `outage` fails every request; a `slowdown` multiplies the
 * latency; an `instance_failure` fails `count` shard primaries chosen at
 * random: with a replica, the shard answers FAILED until a replica is
 * promoted (`failover_time`; AWS: "This process should usually take about
 * 30 seconds") and keeps its keys; without one, the node is replaced
 * empty (`replacement_time`; AWS: a failed node is "replaced in a few
 * minutes"). */
#include "models/elasticache/elasticache.h"
#include "models/aws/globals.h"
#include "models/aws/keys.h"
#include "models/aws/prices.h"
#include "models/cache/cache_store.h"
#include "models/protocol/cache.h"
#include "models/protocol/invoke.h"
#include "sim/loader/config.h"
#include "sim/loader/suggest.h"

enum { EC_DONE = CIRRUS_EVENT_MODEL, EC_RECOVERED };

enum {
    M_GETS, M_SETS, M_HITS, M_MISSES, M_HIT_RATE, M_EVICTIONS, M_RECLAIMED, M_FILL_FAILURES, M_ITEMS, M_MEMORY,
    M_ENGINE_CPU, M_CONNECTIONS, M_READ_LATENCY, M_WRITE_LATENCY, M_FAILED, M_FAILOVERS, M_STALE_HITS,
};

static const CirrusMetricDef ec_metrics[] = {
    [M_GETS]          = {"GetTypeCmds", CIRRUS_METRIC_COUNT, "Count"},
    [M_SETS]          = {"SetTypeCmds", CIRRUS_METRIC_COUNT, "Count"},
    [M_HITS]          = {"CacheHits", CIRRUS_METRIC_COUNT, "Count"},
    [M_MISSES]        = {"CacheMisses", CIRRUS_METRIC_COUNT, "Count"},
    [M_HIT_RATE]      = {"CacheHitRate", CIRRUS_METRIC_GAUGE, "Percent"},
    [M_EVICTIONS]     = {"Evictions", CIRRUS_METRIC_COUNT, "Count"},
    [M_RECLAIMED]     = {"Reclaimed", CIRRUS_METRIC_COUNT, "Count"},
    [M_FILL_FAILURES] = {"FillFailures", CIRRUS_METRIC_COUNT, "Count"},
    [M_ITEMS]         = {"CurrItems", CIRRUS_METRIC_GAUGE, "Count"},
    [M_MEMORY]        = {"DatabaseMemoryUsagePercentage", CIRRUS_METRIC_GAUGE, "Percent"},
    [M_ENGINE_CPU]    = {"EngineCPUUtilization", CIRRUS_METRIC_GAUGE, "Percent"},
    [M_CONNECTIONS]   = {"CurrConnections", CIRRUS_METRIC_GAUGE, "Count"},
    [M_READ_LATENCY]  = {"SuccessfulReadRequestLatency", CIRRUS_METRIC_LATENCY, "Seconds"},
    [M_WRITE_LATENCY] = {"SuccessfulWriteRequestLatency", CIRRUS_METRIC_LATENCY, "Seconds"},
    [M_FAILED]        = {"FailedRequests", CIRRUS_METRIC_COUNT, "Count"},
    [M_FAILOVERS]     = {"FailoverCount", CIRRUS_METRIC_COUNT, "Count"},
    [M_STALE_HITS]    = {"StaleHits", CIRRUS_METRIC_COUNT, "Count"},
    {NULL, 0, NULL},
};

/* Redis Cluster's hash slots. */
#define SLOTS 16384
/* AWS's default reserved-memory-percent for Redis OSS and Valkey
 * parameter groups: 25% of a node's memory is kept for the engine's
 * overhead (backups, replication buffers), not data. */
#define RESERVED_SHARE 0.25
/* Memcached's default memcached_connections_overhead: 100 MB of each
 * node's memory is kept for connections. */
#define MEMCACHED_OVERHEAD (100LL * 1024 * 1024)

/* Node types: AWS's published memory per node (GiB), "Supported node
 * types" in the ElastiCache user guide. */
typedef struct {
    const char *name;
    double gib;
} NodeType;

static const NodeType node_types[] = {
    {"cache.t3.micro", 0.5},    {"cache.t3.small", 1.37},   {"cache.t3.medium", 3.09},
    {"cache.t4g.micro", 0.5},   {"cache.t4g.small", 1.37},  {"cache.t4g.medium", 3.09},
    {"cache.m5.large", 6.38},   {"cache.m5.xlarge", 12.93}, {"cache.m5.2xlarge", 26.04},
    {"cache.m6g.large", 6.38},  {"cache.m6g.xlarge", 12.93}, {"cache.m6g.2xlarge", 26.04},
    {"cache.m7g.large", 6.38},  {"cache.m7g.xlarge", 12.93}, {"cache.m7g.2xlarge", 26.04},
    {"cache.r5.large", 13.07},  {"cache.r5.xlarge", 26.32}, {"cache.r5.2xlarge", 52.82},
    {"cache.r6g.large", 13.07}, {"cache.r6g.xlarge", 26.32}, {"cache.r6g.2xlarge", 52.82},
    {"cache.r7g.large", 13.07}, {"cache.r7g.xlarge", 26.32}, {"cache.r7g.2xlarge", 52.82},
};

typedef enum { ENGINE_REDIS, ENGINE_VALKEY, ENGINE_MEMCACHED } Engine;

typedef struct {
    CirrusCacheStore *store;
    CirrusTime down_until;       /* failed: FAILED answers until then; 0: up */
    CirrusTime engine_free;      /* when its engine thread is next free */
    CirrusTime busy;             /* engine time spent this interval */
} Shard;

typedef struct {
    Engine engine;
    const NodeType *node_type;
    const CirrusNode *node_type_at;
    gint64 nodes, replicas;
    gint64 memory;               /* bytes for data per node */
    gint64 item_size;
    CirrusTime ttl, op_time, failover_time, replacement_time;
    CirrusEviction eviction;
    CirrusKeys keys;
    CirrusDist latency;
    const CirrusFaultState *faults;
    Shard *shards;
    guint32 *local;              /* per key: its index in its shard's store */
    CirrusTime *written;         /* per key: the data store's last write around the cache; NULL: none yet */
    guint8 *shard_of;            /* per key, when nodes <= 256 */
    guint32 *shard_of_wide;      /* per key, when more */
    gint64 in_flight;
    guint64 interval_gets, interval_hits;
    CirrusTime interval_start;
    CirrusTime busiest;          /* the most engine time of a shard this interval */
    CirrusRng key_rng, latency_rng, store_rng, failure_rng;
    double usd_node_hour;
} Cache;

/* ---- configuration ----------------------------------------------------------- */

static gboolean read_node_type(Cache *c, CirrusNode *cfg, GError **error)
{
    const char *name;
    if (!cirrus_cfg_string(cfg, "node_type", "cache.r7g.large", &name, error)) return FALSE;
    const char *names[G_N_ELEMENTS(node_types)];
    for (guint i = 0; i < G_N_ELEMENTS(node_types); i++) {
        names[i] = node_types[i].name;
        if (strcmp(name, node_types[i].name) == 0) c->node_type = &node_types[i];
    }
    c->node_type_at = cirrus_node_peek(cfg, "node_type");
    if (c->node_type) return TRUE;
    GString *msg = g_string_new(NULL);
    g_string_printf(msg, "unknown node_type '%s'", name);
    cirrus_suggest_append(msg, name, names, G_N_ELEMENTS(node_types));
    g_string_append(msg, "; cirrus knows the t3, t4g, m5, m6g, m7g, r5, r6g and r7g node types, large to 2xlarge "
                          "(and micro to medium for t3/t4g)");
    cirrus_node_error(c->node_type_at, error, "%s", msg->str);
    g_string_free(msg, TRUE);
    return FALSE;
}

static gboolean ec_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    static const char *const engines[] = {"redis", "valkey", "memcached", NULL};
    Cache *c = state;
    CirrusDist default_latency;
    int engine, eviction;
    c->faults = cirrus_component_faults(self);
    cirrus_metric_set_level(self, M_CONNECTIONS, 1, 1);   /* operations in flight: a level gauge */
    if (!cirrus_cfg_enum(cfg, "engine", engines, ENGINE_REDIS, &engine, error) || !read_node_type(c, cfg, error))
        return FALSE;
    c->engine = (Engine)engine;
    gboolean memcached = c->engine == ENGINE_MEMCACHED;
    double node_bytes = c->node_type->gib * 1024 * 1024 * 1024;
    gint64 derived = memcached ? (gint64)node_bytes - MEMCACHED_OVERHEAD : (gint64)(node_bytes * (1 - RESERVED_SHARE));
    /* Redis's and Memcached's round trip inside a VPC: "sub-millisecond";
     * lognormal, mean 0.5 ms, cv 0.5 (an assumption, docs). */
    if (!cirrus_dist_set(&default_latency, CIRRUS_DIST_LOGNORMAL, 0.0005, 0.5, error)) return FALSE;
    gboolean ok =
        cirrus_cfg_int(cfg, "nodes", 1, 1, 500, &c->nodes, error) &&
        cirrus_cfg_int(cfg, "replicas", 0, 0, 5, &c->replicas, error) &&
        cirrus_cfg_size(cfg, "memory", derived, &c->memory, error) &&
        cirrus_cfg_size(cfg, "item_size", 1024, &c->item_size, error) &&
        cirrus_cfg_duration(cfg, "ttl", 0, 0, 365 * CIRRUS_DAY, &c->ttl, error) &&
        cirrus_cfg_enum(cfg, "eviction", cirrus_eviction_names,
                        memcached ? CIRRUS_EVICT_ALLKEYS_LRU : CIRRUS_EVICT_VOLATILE_LRU, &eviction, error) &&
        cirrus_keys_read(cfg, "keys", 100000, CIRRUS_KEYS_MAX, &c->keys, error) &&
        cirrus_cfg_dist(cfg, "latency", &default_latency, &c->latency, error) &&
        cirrus_cfg_duration(cfg, "op_time", 10 * CIRRUS_US, 0, CIRRUS_SEC, &c->op_time, error) &&
        cirrus_cfg_duration(cfg, "failover_time", 30 * CIRRUS_SEC, 0, CIRRUS_HOUR, &c->failover_time, error) &&
        cirrus_cfg_duration(cfg, "replacement_time", 5 * CIRRUS_MIN, 0, CIRRUS_DAY, &c->replacement_time, error);
    cirrus_dist_clear(&default_latency);
    if (!ok) return FALSE;
    c->eviction = (CirrusEviction)eviction;
    if (memcached && c->replicas > 0) {
        cirrus_node_error(cirrus_node_peek(cfg, "replicas"), error,
                          "memcached has no replicas (each node holds its own keys); use engine: redis or valkey");
        return FALSE;
    }
    if (memcached && c->eviction != CIRRUS_EVICT_ALLKEYS_LRU) {
        cirrus_node_error(cirrus_node_peek(cfg, "eviction"), error,
                          "memcached always evicts the least recently used item: its eviction is allkeys-lru");
        return FALSE;
    }
    if (c->item_size < 1 || c->memory < 0) {
        cirrus_node_error(cirrus_node_peek(cfg, c->item_size < 1 ? "item_size" : "memory"), error,
                          "'%s' must be positive", c->item_size < 1 ? "item_size" : "memory");
        return FALSE;
    }
    if (c->memory > (gint64)node_bytes) {
        cirrus_node_error(cirrus_node_peek(cfg, "memory"), error,
                          "'memory' (for data, per node) exceeds the %.2f GiB of a %s", c->node_type->gib,
                          c->node_type->name);
        return FALSE;
    }
    return TRUE;
}

static gboolean ec_link(CirrusComponent *self, void *state, CirrusScenario *sc, GError **error)
{
    Cache *c = state;
    (void)self;
    const CirrusPrices *prices = cirrus_globals(sc)->prices;
    char *key = g_strdup_printf("elasticache.%s.hour", c->node_type->name);
    gboolean priced = cirrus_prices_has(prices, key);
    if (priced) c->usd_node_hour = cirrus_price(prices, key);
    else cirrus_prices_unknown(prices, c->node_type_at, key, "elasticache.", error);
    g_free(key);
    return priced;
}

/* ---- keys and shards ---------------------------------------------------------- */

/* A key's hash slot: a fixed mix of the key (splitmix64's finaliser), as
 * Redis's CRC16 of the key's name spreads names over the slots. */
static guint slot_of(guint key)
{
    guint64 z = (guint64)key + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (guint)((z ^ (z >> 31)) % SLOTS);
}

static guint shard_of(const Cache *c, guint key)
{
    return c->shard_of ? c->shard_of[key] : c->shard_of_wide[key];
}

static void ec_start(CirrusComponent *self, void *state)
{
    Cache *c = state;
    guint n = c->keys.count;
    guint *per_shard = g_new0(guint, c->nodes);
    c->local = g_new(guint32, n);
    if (c->nodes <= 256) c->shard_of = g_new(guint8, n);
    else c->shard_of_wide = g_new(guint32, n);
    for (guint k = 0; k < n; k++) {
        guint s = (guint)((guint64)slot_of(k) * (guint64)c->nodes / SLOTS);
        if (c->shard_of) c->shard_of[k] = (guint8)s;
        else c->shard_of_wide[k] = s;
        c->local[k] = per_shard[s]++;
    }
    c->shards = g_new0(Shard, c->nodes);
    guint64 capacity = (guint64)(c->memory / c->item_size);
    for (gint64 s = 0; s < c->nodes; s++)
        c->shards[s].store = cirrus_cache_store_new(per_shard[s], capacity, c->ttl, c->eviction);
    g_free(per_shard);
    cirrus_component_substream(self, "keys", &c->key_rng);
    cirrus_component_substream(self, "latency", &c->latency_rng);
    cirrus_component_substream(self, "store", &c->store_rng);
    cirrus_component_substream(self, "failures", &c->failure_rng);
}

/* ---- requests --------------------------------------------------------------- */

static void count_store(CirrusComponent *self, Shard *sh)
{
    CirrusCacheCounts n = cirrus_cache_take_counts(sh->store);
    if (n.evictions) cirrus_metric_count(self, M_EVICTIONS, (gint64)n.evictions);
    if (n.expirations) cirrus_metric_count(self, M_RECLAIMED, (gint64)n.expirations);
    if (n.fill_failures) cirrus_metric_count(self, M_FILL_FAILURES, (gint64)n.fill_failures);
}

/* EngineCPUUtilization: the busiest shard's engine time so far in this
 * interval over the time elapsed (a running ratio: its time-weighted mean
 * over an interval is within a few commands of the interval's own);
 * CurrConnections: the requests in progress. */
static void update_gauges(CirrusComponent *self, Cache *c)
{
    CirrusTime elapsed = MAX(cirrus_now(self) - c->interval_start, CIRRUS_MS);
    double cpu = 100.0 * cirrus_time_to_s(c->busiest) / cirrus_time_to_s(elapsed);
    cirrus_metric_gauge(self, M_ENGINE_CPU, MIN(cpu, 100.0));
    cirrus_metric_level(self, M_CONNECTIONS, c->in_flight);
}

static void update_items(CirrusComponent *self, Cache *c)
{
    guint64 items = 0;
    CirrusTime now = cirrus_now(self);
    for (gint64 s = 0; s < c->nodes; s++) items += cirrus_cache_items(c->shards[s].store, now);
    cirrus_metric_gauge(self, M_ITEMS, (double)items);
    cirrus_metric_gauge(self, M_MEMORY, 100.0 * (double)items * (double)c->item_size /
                                            ((double)c->memory * (double)c->nodes));
}

static void on_request(CirrusComponent *self, Cache *c, CirrusRequest *req)
{
    CirrusRequestData *d = cirrus_request_data(req);
    CirrusTime now = cirrus_now(self);
    CirrusCacheOp op = d->keys.given & CIRRUS_KEYS_OPERATION ? (CirrusCacheOp)d->keys.operation : CIRRUS_CACHE_GET;
    guint key = d->ref.cache.key_plus_1 ? (d->ref.cache.key_plus_1 - 1) % c->keys.count
                                        : cirrus_keys_draw(&c->keys, &c->key_rng);
    guint s = shard_of(c, key);
    Shard *sh = &c->shards[s];
    if (op == CIRRUS_CACHE_WRITTEN) {   /* instrumentation, not a command: answered at once */
        if (!c->written) c->written = g_new0(CirrusTime, c->keys.count);
        c->written[key] = now;
        cirrus_reply(self, req, CIRRUS_OUTCOME_OK);
        return;
    }
    cirrus_metric_count(self, op == CIRRUS_CACHE_GET ? M_GETS : M_SETS, 1);
    d->ref.cache.hit = 0;
    if (cirrus_fault_down(c->faults) || now < sh->down_until) {
        cirrus_metric_count(self, M_FAILED, 1);
        cirrus_reply(self, req, CIRRUS_OUTCOME_FAILED);
        return;
    }
    switch (op) {
    case CIRRUS_CACHE_GET: {
        gboolean hit = cirrus_cache_get(sh->store, c->local[key], now, &c->store_rng);
        d->ref.cache.hit = hit;
        cirrus_metric_count(self, hit ? M_HITS : M_MISSES, 1);
        /* A hit on an entry filled before the data store's last write of
         * the key (written around the cache) answers stale data. */
        if (hit && c->written && c->written[key] > cirrus_cache_filled_at(sh->store, c->local[key]))
            cirrus_metric_count(self, M_STALE_HITS, 1);
        c->interval_gets++;
        c->interval_hits += hit;
        cirrus_metric_gauge(self, M_HIT_RATE, 100.0 * (double)c->interval_hits / (double)c->interval_gets);
        break;
    }
    case CIRRUS_CACHE_SET: cirrus_cache_set(sh->store, c->local[key], now, &c->store_rng); break;
    case CIRRUS_CACHE_DELETE: cirrus_cache_delete(sh->store, c->local[key], now); break;
    case CIRRUS_CACHE_WRITTEN: g_assert_not_reached();
    }
    count_store(self, sh);
    if (op != CIRRUS_CACHE_GET) update_items(self, c);
    /* The shard's engine: one command at a time, first come first served. */
    CirrusTime start = MAX(now, sh->engine_free);
    sh->engine_free = start + c->op_time;
    sh->busy += c->op_time;
    c->busiest = MAX(c->busiest, sh->busy);
    double seconds = cirrus_dist_sample(&c->latency, &c->latency_rng) * c->faults->slowdown;
    c->in_flight++;
    update_gauges(self, c);
    req->holder = op == CIRRUS_CACHE_GET;
    cirrus_schedule(self, cirrus_time_from_s(seconds) + (sh->engine_free - now), EC_DONE, req, 0);
}

static void on_done(CirrusComponent *self, Cache *c, CirrusRequest *req)
{
    c->in_flight--;
    cirrus_metric_latency(self, req->holder ? M_READ_LATENCY : M_WRITE_LATENCY, cirrus_now(self) - req->arrived);
    cirrus_metric_level(self, M_CONNECTIONS, c->in_flight);
    cirrus_reply_last(self, req, CIRRUS_OUTCOME_OK);
}

/* `count` primaries fail, on distinct shards drawn at random among those
 * up (a shard already failing over or being replaced is not failed again;
 * with fewer up, all of them fail). */
static void fail_primaries(CirrusComponent *self, Cache *c, gint64 count)
{
    CirrusTime now = cirrus_now(self);
    guint *up = g_new(guint, c->nodes), n_up = 0;
    for (gint64 s = 0; s < c->nodes; s++)
        if (c->shards[s].down_until <= now) up[n_up++] = (guint)s;
    for (gint64 n = 0; n < count && n_up > 0; n++) {
        guint pick = (guint)cirrus_rng_below(&c->failure_rng, n_up), s = up[pick];
        up[pick] = up[--n_up];
        Shard *sh = &c->shards[s];
        if (c->replicas > 0) {
            /* A replica is promoted and keeps the shard's keys. */
            sh->down_until = now + c->failover_time;
            cirrus_metric_count(self, M_FAILOVERS, 1);
        } else {
            /* Replaced by an empty node. */
            sh->down_until = now + c->replacement_time;
            cirrus_cache_flush(sh->store);
        }
        cirrus_schedule(self, sh->down_until - now, EC_RECOVERED, NULL, s);
    }
    g_free(up);
    update_items(self, c);
}

static void ec_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    Cache *c = state;
    switch (ev->kind) {
    case CIRRUS_EVENT_REQUEST: on_request(self, c, ev->request); break;
    case EC_DONE: on_done(self, c, ev->request); break;
    case EC_RECOVERED: break;   /* down_until has passed: the shard answers again */
    case CIRRUS_EVENT_FAULT_BEGIN: {
        const CirrusFault *f = cirrus_event_fault(self, ev);
        if (f->kind == CIRRUS_FAULT_INSTANCE_FAILURE) fail_primaries(self, c, MAX(f->count, 1));
        break;
    }
    case CIRRUS_EVENT_FAULT_END: break;   /* outages and slowdowns: the kernel's state */
    default: g_assert_not_reached();
    }
}

/* A new interval: the hit rate and engine time start again. */
static void ec_sample(CirrusComponent *self, void *state)
{
    Cache *c = state;
    if (!c->shards) return;
    c->interval_gets = c->interval_hits = 0;
    c->interval_start = cirrus_now(self);
    for (gint64 s = 0; s < c->nodes; s++) c->shards[s].busy = 0;
    c->busiest = 0;
    update_items(self, c);
}

static void ec_destroy(CirrusComponent *self, void *state)
{
    Cache *c = state;
    (void)self;
    if (c->shards)
        for (gint64 s = 0; s < c->nodes; s++) cirrus_cache_store_free(c->shards[s].store);
    g_free(c->shards);
    g_free(c->local);
    g_free(c->written);
    g_free(c->shard_of);
    g_free(c->shard_of_wide);
    cirrus_keys_clear(&c->keys);
    cirrus_dist_clear(&c->latency);
}

/* ElastiCache on-demand pricing (https://aws.amazon.com/elasticache/pricing/):
 * every node — each shard's primary and its replicas — per node-hour;
 * Valkey's nodes are "20% lower" than Redis OSS's. */
static double ec_cost(CirrusComponent *self, void *state)
{
    const Cache *c = state;
    double hours = cirrus_time_to_s(cirrus_now(self)) / 3600.0;
    double discount = c->engine == ENGINE_VALKEY ? 0.8 : 1.0;
    return hours * (double)(c->nodes * (1 + c->replicas)) * c->usd_node_hour * discount;
}

static const CirrusKeys *ec_keys(const CirrusComponent *self, void *state)
{
    (void)self;
    return &((const Cache *)state)->keys;
}

static const CirrusInvokeSpec ec_invoke = {
    .operations = cirrus_cache_op_names,
};

static const CirrusCacheOps ec_cache_ops = {
    .keys = ec_keys,
};

static const struct CirrusProtocols ec_protocols = {
    .noun = "an elasticache cluster",
    .speaks = CIRRUS_SPEAKS_INVOKE | CIRRUS_SPEAKS_CACHE,
    .invoke = &ec_invoke,
    .cache = &ec_cache_ops,
};

const CirrusModelType cirrus_elasticache_type = {
    .name = "elasticache",
    .state_size = sizeof(Cache),
    .configure = ec_configure,
    .link = ec_link,
    .start = ec_start,
    .handle = ec_handle,
    .sample = ec_sample,
    .destroy = ec_destroy,
    .metrics = ec_metrics,
    .faults = CIRRUS_FAULT_BIT(CIRRUS_FAULT_OUTAGE) | CIRRUS_FAULT_BIT(CIRRUS_FAULT_SLOWDOWN) |
              CIRRUS_FAULT_BIT(CIRRUS_FAULT_INSTANCE_FAILURE),
    .cost = ec_cost,
    .protocols = &ec_protocols,
};
