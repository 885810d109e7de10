/* Tests of the elasticache model and of cache calls (cache-aside): hit
 * ratios against theory, the backend seeing exactly the misses, memory
 * from the node type, eviction rules, the engine thread as a queue,
 * failover, staleness and cost. */
#include "testutil.h"
#include "models/registry.h"

/* Zipf shares p_i ∝ 1/(i+1)^skew over n keys, as models/aws/keys.c. */
static double *zipf_shares(guint n, double skew)
{
    double *p = g_new(double, n), sum = 0;
    for (guint i = 0; i < n; i++) sum += p[i] = pow(i + 1.0, -skew);
    for (guint i = 0; i < n; i++) p[i] /= sum;
    return p;
}

/* users -> app (a cache call to kv, on_miss db) with the cache's keys and
 * configuration in `cache` (a YAML flow map's inside). */
static TestRun *run_cache_aside(const char *duration, const char *warmup, const char *interval, double rate,
                                const char *cache, const char *call_extra)
{
    char *text = g_strdup_printf(
        "name: t\nduration: %s\nwarmup: %s\nsample_interval: %s\nseed: 5\n"
        "workloads:\n  - {name: users, target: app, arrival: {process: poisson, rate: %g/s}}\n"
        "components:\n"
        "  - name: app\n    type: service\n    workers: 100000\n    service_time: {dist: constant, value: 1us}\n"
        "    calls:\n      - {cache: kv, on_miss: [{target: db}]%s}\n"
        "  - {name: kv, type: elasticache, latency: {dist: constant, value: 1us}, op_time: 0s, %s}\n"
        "  - {name: db, type: service, workers: 100000, service_time: {dist: constant, value: 1us}}\n",
        duration, warmup, interval, rate, call_extra, cache);
    TestRun *r = test_run_text(text, NULL);
    g_free(text);
    return r;
}

/* The hit ratio of rows after `skip`, and its SE by batch means (each
 * row a batch). */
static double hit_ratio(TestRun *r, guint skip, double *se)
{
    double sum = 0, sum2 = 0, hits = 0, all = 0;
    guint n = 0;
    for (guint i = skip; i < test_n_rows(r); i++) {
        double h = test_component_value(r, i, "kv", "CacheHits"), m = test_component_value(r, i, "kv", "CacheMisses");
        double x = h / (h + m);
        sum += x;
        sum2 += x * x;
        hits += h;
        all += h + m;
        n++;
    }
    double mean = sum / n;
    *se = sqrt((sum2 / n - mean * mean) / (n - 1));
    return hits / all;
}

/* No evictions; an entry lives `ttl` from its fill: key i, requested at
 * Poisson rate λi, is hit with probability λiT/(1+λiT).  The data store
 * sees exactly the misses. */
static void test_ttl_hit_ratio(void)
{
    const guint n = 20000;
    const double rate = 200, ttl = 30;
    TestRun *r = run_cache_aside("5100s", "100s", "100s", rate,
                                 "node_type: cache.t3.micro, ttl: 30s, keys: {count: 20000, distribution: zipf, skew: 0.9}",
                                 "");
    double *p = zipf_shares(n, 0.9), theory = 0;
    for (guint i = 0; i < n; i++) theory += p[i] * rate * p[i] * ttl / (1 + rate * p[i] * ttl);
    double se, sim = hit_ratio(r, 0, &se);
    g_test_message("TTL cache: hit ratio %.5f, theory %.5f, 4 SE %.5f", sim, theory, 4 * se);
    g_assert_cmpfloat(fabs(sim - theory), <=, 4 * se);
    g_assert_cmpfloat(4 * se, <, 0.01);
    g_assert_cmpfloat(test_sum(r, "db", "Requests"), ==, test_sum(r, "kv", "CacheMisses"));
    g_assert_cmpfloat(test_sum(r, "kv", "Evictions"), ==, 0);
    /* Every miss fills: SETs = misses. */
    g_assert_cmpfloat(test_sum(r, "kv", "SetTypeCmds"), ==, test_sum(r, "kv", "CacheMisses"));
    g_free(p);
    test_run_free(r);
}

/* LRU holding C items, no TTL: Che's approximation, key i hit with
 * probability 1 - exp(-λi tC), Σ (1 - exp(-λi tC)) = C. */
static void test_lru_che(void)
{
    const guint n = 50000, capacity = 1000;
    const double rate = 1000;
    TestRun *r = run_cache_aside("1200s", "200s", "20s", rate,
                                 "node_type: cache.t3.micro, memory: 1000KB, item_size: 1KB, eviction: allkeys-lru, "
                                 "keys: {count: 50000, distribution: zipf, skew: 0.8}",
                                 "");
    double *p = zipf_shares(n, 0.8), lo = 0, hi = 1e6;
    for (int it = 0; it < 200; it++) {
        double t = (lo + hi) / 2, occupied = 0;
        for (guint i = 0; i < n; i++) occupied += 1 - exp(-rate * p[i] * t);
        if (occupied < capacity) lo = t;
        else hi = t;
    }
    double che = 0;
    for (guint i = 0; i < n; i++) che += p[i] * (1 - exp(-rate * p[i] * lo));
    double se, sim = hit_ratio(r, 0, &se);
    g_test_message("LRU of %u items: hit ratio %.5f, Che %.5f (tC %.3f s, 4 SE %.5f)", capacity, sim, che, lo, 4 * se);
    g_assert_cmpfloat(fabs(sim - che), <, 0.02);
    g_assert_cmpfloat(test_summary(r, "kv", "CurrItems").max, ==, capacity);
    g_assert_cmpfloat(test_sum(r, "db", "Requests"), ==, test_sum(r, "kv", "CacheMisses"));
    g_assert_cmpfloat(test_sum(r, "kv", "Evictions"), >, 0);
    g_free(p);
    test_run_free(r);
}

/* SETs straight to a cache of 1,000,000 uniform keys until it is full. */
static TestRun *run_fill(const char *cache)
{
    char *text = g_strdup_printf(
        "name: t\nduration: 30s\nwarmup: 0s\nsample_interval: 10s\nseed: 2\n"
        "workloads:\n  - {name: w, target: kv, request: {operation: SET}, arrival: {process: poisson, rate: 50000/s}}\n"
        "components:\n  - {name: kv, type: elasticache, keys: {count: 1000000}, %s}\n", cache);
    TestRun *r = test_run_text(text, NULL);
    g_free(text);
    return r;
}

/* Memory from the node type: cache.t3.micro's 0.5 GiB less the 25%
 * reserved (Redis) = 402,653,184 bytes = 393,216 items of 1 KB; less
 * memcached's 100 MB connection overhead = 421,888. */
static void test_memory_from_node_type(void)
{
    TestRun *r = run_fill("node_type: cache.t3.micro, eviction: allkeys-lru");
    g_assert_cmpfloat(test_summary(r, "kv", "CurrItems").max, ==, 393216);
    g_assert_cmpfloat(test_summary(r, "kv", "DatabaseMemoryUsagePercentage").max, ==, 100);
    g_assert_cmpfloat(test_sum(r, "kv", "Evictions"), >, 0);
    test_run_free(r);
    r = run_fill("engine: memcached, node_type: cache.t3.micro");
    g_assert_cmpfloat(test_summary(r, "kv", "CurrItems").max, ==, 421888);
    test_run_free(r);
    /* Two shards: each holds its own. */
    r = run_fill("node_type: cache.t3.micro, nodes: 2, memory: 100MB, item_size: 1KB, eviction: allkeys-lru");
    g_assert_cmpfloat(test_summary(r, "kv", "CurrItems").max, ==, 2 * 102400);
    test_run_free(r);
}

/* volatile-lru (the default) with no TTL has nothing to evict: a full
 * node refuses new entries (FillFailures), as does noeviction;
 * allkeys-lru evicts instead. */
static void test_eviction_rules(void)
{
    const char *refusing[] = {"node_type: cache.t3.micro, memory: 100KB", "node_type: cache.t3.micro, memory: 100KB, "
                              "eviction: noeviction, ttl: 1h"};
    for (guint i = 0; i < G_N_ELEMENTS(refusing); i++) {
        TestRun *r = run_fill(refusing[i]);
        g_assert_cmpfloat(test_summary(r, "kv", "CurrItems").max, ==, 100);
        g_assert_cmpfloat(test_sum(r, "kv", "Evictions"), ==, 0);
        /* 1.5 M SETs of 1 M keys, of which 100 are held: nearly all refused. */
        g_assert_cmpfloat(test_sum(r, "kv", "FillFailures"), >, 0.99 * test_sum(r, "kv", "SetTypeCmds"));
        test_run_free(r);
    }
    TestRun *r = run_fill("node_type: cache.t3.micro, memory: 100KB, ttl: 1h");   /* volatile-lru, every key volatile */
    g_assert_cmpfloat(test_sum(r, "kv", "FillFailures"), ==, 0);
    /* Every SET of a key not held evicts one (a SET of one of the 100 held
     * keys, 1 in 10,000, refreshes it instead). */
    g_assert_cmpfloat(test_sum(r, "kv", "Evictions"), <=, test_sum(r, "kv", "SetTypeCmds") - 100);
    g_assert_cmpfloat(test_sum(r, "kv", "Evictions"), >, 0.999 * test_sum(r, "kv", "SetTypeCmds"));
    test_run_free(r);
}

/* One shard's engine is a FIFO single server: GETs at Poisson rate λ
 * taking op_time S each wait as in an M/D/1 queue, W = ρS / (2(1 - ρ)):
 * at 8,000/s and 100 µs, ρ = 0.8, W = 200 µs, response 300 µs. */
static void test_engine_queue(void)
{
    TestRun *r = test_run_text(
        "name: t\nduration: 220s\nwarmup: 20s\nsample_interval: 4s\nseed: 3\n"
        "workloads:\n  - {name: w, target: kv, arrival: {process: poisson, rate: 8000/s}}\n"
        "components:\n  - {name: kv, type: elasticache, node_type: cache.t3.micro, op_time: 100us, "
        "latency: {dist: constant, value: 0s}}\n", NULL);
    double mean, se;
    test_batch_means(r, test_series(r, "/components/kv", "SuccessfulReadRequestLatency.mean"),
                     test_series(r, "/components/kv", "GetTypeCmds"), 0, &mean, &se);
    test_assert_agrees("M/D/1 response time (s)", mean, 300e-6, se);
    double cpu = test_summary(r, "kv", "EngineCPUUtilization").mean;
    g_test_message("EngineCPUUtilization %.2f%% (rho 80%%)", cpu);
    g_assert_cmpfloat(fabs(cpu - 80), <, 2);
    test_run_free(r);
}

/* instance_failure at 60 s: with a replica, FAILED answers for exactly
 * the 30-s failover and the keys kept (no misses after); without one,
 * 5 minutes and the node comes back empty.  Failed GETs fall back to the
 * data store. */
static void test_failover(void)
{
    for (int replicas = 1; replicas >= 0; replicas--) {
        char *cache = g_strdup_printf("node_type: cache.t3.micro, replicas: %d, keys: {count: 100}", replicas);
        char *text = g_strdup_printf(
            "name: t\nduration: 420s\nwarmup: 0s\nsample_interval: 1s\nseed: 4\n"
            "workloads:\n  - {name: users, target: app, arrival: {process: poisson, rate: 200/s}}\n"
            "components:\n"
            "  - {name: app, type: service, workers: 1000, service_time: 1ms, calls: [{cache: kv, on_miss: [{target: db}]}]}\n"
            "  - {name: kv, type: elasticache, %s}\n"
            "  - {name: db, type: service, workers: 1000, service_time: 5ms}\n"
            "faults: [{at: 60s, kind: instance_failure, component: kv}]\n", cache);
        TestRun *r = test_run_text(text, NULL);
        gint first = test_first_row_above(r, "kv", "FailedRequests", 0);
        gint after = test_first_row_above(r, "kv", "CacheHits", (guint)first);
        double down = replicas ? 30 : 300;
        g_test_message("replicas %d: first failure in the second ending %.0f s, hits again from %.0f s", replicas,
                       test_row_time(r, (guint)first), test_row_time(r, (guint)after));
        g_assert_cmpfloat(test_row_time(r, (guint)first), ==, 61);
        g_assert_cmpfloat(test_row_time(r, (guint)after), ==, 61 + down);
        g_assert_cmpfloat(test_sum(r, "kv", "FailoverCount"), ==, replicas);
        g_assert_cmpfloat(test_sum(r, "app", "Failed"), ==, 0);   /* the data store answered */
        double misses_after = test_sum_rows(r, "kv", "CacheMisses", (guint)after, (guint)after + 1);
        if (replicas) g_assert_cmpfloat(misses_after, ==, 0);     /* promoted with its keys */
        else g_assert_cmpfloat(misses_after, >, 0);               /* replaced empty */
        g_free(cache);
        g_free(text);
        test_run_free(r);
    }
}

/* A failure asking for more shards than are up fails those up (once
 * each): 2 shards, one failing over, then count 2 -> one more failover. */
static void test_failure_count(void)
{
    TestRun *r = test_run_text(
        "name: t\nduration: 200s\nworkloads:\n  - {name: w, target: kv, arrival: {process: poisson, rate: 10/s}}\n"
        "components:\n  - {name: kv, type: elasticache, node_type: cache.t3.micro, nodes: 2, replicas: 1, "
        "keys: {count: 100}}\n"
        "faults:\n  - {at: 60s, kind: instance_failure, component: kv}\n"
        "  - {at: 70s, kind: instance_failure, component: kv, count: 2}\n", NULL);
    g_assert_cmpfloat(test_sum(r, "kv", "FailoverCount"), ==, 2);
    test_run_free(r);
}

/* Writes: through SETs the key after each write, invalidate DELETEs it,
 * around leaves it (and a later hit before the TTL is stale). */
static void test_writes(void)
{
    static const char *const modes[] = {"through", "invalidate", "around"};
    for (guint m = 0; m < G_N_ELEMENTS(modes); m++) {
        char *extra = g_strdup_printf(", writes: 0.2, on_write: [{target: db}], write: %s", modes[m]);
        TestRun *r = run_cache_aside("200s", "0s", "10s", 500,
                                     "node_type: cache.t3.micro, ttl: 10s, keys: {count: 100}", extra);
        double gets = test_sum(r, "kv", "GetTypeCmds"), sets = test_sum(r, "kv", "SetTypeCmds");
        double misses = test_sum(r, "kv", "CacheMisses"), db = test_sum(r, "db", "Requests");
        double requests = test_sum(r, "app", "Requests"), writes = requests - gets;
        g_test_message("%s: %.0f requests, %.0f writes (%.4f), %.0f misses, %.0f stale hits", modes[m], requests,
                       writes, writes / requests, misses, test_sum(r, "kv", "StaleHits"));
        g_assert_cmpfloat(fabs(writes / requests - 0.2), <=, 4 * sqrt(0.2 * 0.8 / requests));
        g_assert_cmpfloat(db, ==, misses + writes);
        g_assert_cmpfloat(sets, ==, misses + (m < 2 ? writes : 0));
        if (m < 2) g_assert_cmpfloat(test_sum(r, "kv", "StaleHits"), ==, 0);
        else g_assert_cmpfloat(test_sum(r, "kv", "StaleHits"), >, 0.2 * test_sum(r, "kv", "CacheHits"));
        g_free(extra);
        test_run_free(r);
    }
}

/* Node-hours: 2 shards × (1 primary + 1 replica) cache.r7g.large for an
 * hour at $0.219; Valkey 20% less. */
static void test_cost(void)
{
    static const char *const engines[] = {"redis", "valkey"};
    for (guint e = 0; e < 2; e++) {
        char *text = g_strdup_printf("name: t\nduration: 1h\n"
                                     "workloads:\n  - {name: w, target: kv, arrival: {process: poisson, rate: 1/s}}\n"
                                     "components:\n  - {name: kv, type: elasticache, engine: %s, node_type: "
                                     "cache.r7g.large, nodes: 2, replicas: 1}\n", engines[e]);
        TestRun *r = test_run_text(text, NULL);
        g_assert_cmpfloat(fabs(test_cost_of(r, "kv") - 4 * 0.219 * (e ? 0.8 : 1.0)), <, 1e-9);
        g_free(text);
        test_run_free(r);
    }
}

static void bad(const char *cache, const char *what)
{
    char *text = g_strdup_printf("name: bad\nduration: 1m\n"
                                 "workloads:\n  - {name: w, target: kv, arrival: {process: poisson, rate: 1/s}}\n"
                                 "components:\n  - {name: kv, type: elasticache, %s}\n", cache);
    test_assert_scenario_error(text, NULL, "bad.yaml:6:", what);
    g_free(text);
}

static void test_bad_input(void)
{
    bad("eviction: volatile-lr", "did you mean 'volatile-lru'?");
    bad("replicas: 6", "'replicas'");
    bad("node_type: cache.r7g.larg", "did you mean 'cache.r7g.large'?");
    bad("engine: memcached, replicas: 1", "memcached has no replicas");
    bad("engine: memcached, eviction: allkeys-lfu", "memcached always evicts the least recently used");
    bad("node_type: cache.t3.micro, memory: 1GB", "exceeds the 0.50 GiB of a cache.t3.micro");
    bad("ttl: -1s", "ttl");
    bad("keys: {count: 0}", "count");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/models/elasticache/ttl-hit-ratio", test_ttl_hit_ratio);
    g_test_add_func("/models/elasticache/lru-che", test_lru_che);
    g_test_add_func("/models/elasticache/memory-from-node-type", test_memory_from_node_type);
    g_test_add_func("/models/elasticache/eviction-rules", test_eviction_rules);
    g_test_add_func("/models/elasticache/engine-queue", test_engine_queue);
    g_test_add_func("/models/elasticache/failover", test_failover);
    g_test_add_func("/models/elasticache/failure-count", test_failure_count);
    g_test_add_func("/models/elasticache/writes", test_writes);
    g_test_add_func("/models/elasticache/cost", test_cost);
    g_test_add_func("/models/elasticache/bad-input", test_bad_input);
    return g_test_run();
}
