/* Tests of the shared cache store (models/cache/cache_store.h): hit ratios
 * against the TTL-cache formula and Che's approximation for LRU, and each
 * eviction policy's rule. */
#include "models/cache/cache_store.h"
#include <math.h>

/* A zipf population of n keys with exponent `skew`: p[i] ∝ 1/(i+1)^skew,
 * drawn by inversion of the cumulative table. */
typedef struct {
    guint n;
    double *p, *cdf;
} Zipf;

static Zipf zipf_new(guint n, double skew)
{
    Zipf z = {n, g_new(double, n), g_new(double, n)};
    double sum = 0;
    for (guint i = 0; i < n; i++) sum += z.p[i] = pow(i + 1.0, -skew);
    double acc = 0;
    for (guint i = 0; i < n; i++) {
        z.p[i] /= sum;
        z.cdf[i] = acc += z.p[i];
    }
    return z;
}

static guint zipf_draw(const Zipf *z, CirrusRng *rng)
{
    double u = cirrus_rng_uniform(rng);
    guint lo = 0, hi = z->n - 1;
    while (lo < hi) {
        guint mid = (lo + hi) / 2;
        if (z->cdf[mid] > u) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

static void zipf_free(Zipf *z)
{
    g_free(z->p);
    g_free(z->cdf);
}

/* Requests at Poisson `rate` for `n` requests after `warm` ones, each a
 * get and, on a miss, a fill at once: the hit ratio, and its standard
 * error by batch means over 50 batches. */
static double hit_ratio(CirrusCacheStore *s, const Zipf *z, double rate, guint warm, guint n, double *se)
{
    CirrusRng rng, lfu;
    cirrus_rng_seed(&rng, 42);
    cirrus_rng_seed(&lfu, 43);
    double t = 0;
    const guint batches = 50;
    double sum = 0, sum2 = 0;
    guint hits = 0, in_batch = 0;
    for (guint i = 0; i < warm + n; i++) {
        t += cirrus_rng_exp1(&rng) / rate;
        CirrusTime now = cirrus_time_from_s(t);
        guint key = zipf_draw(z, &rng);
        gboolean hit = cirrus_cache_get(s, key, now, &lfu);
        if (!hit) cirrus_cache_set(s, key, now, &lfu);
        if (i < warm) continue;
        hits += hit;
        if (++in_batch == n / batches) {
            double x = (double)hits / in_batch;
            sum += x;
            sum2 += x * x;
            hits = in_batch = 0;
        }
    }
    double mean = sum / batches;
    *se = sqrt((sum2 / batches - mean * mean) / (batches - 1));
    return mean;
}

/* No evictions, TTL T started at the fill after a miss: key i with
 * Poisson rate λi is hit with probability λiT / (1 + λiT) (a renewal
 * cycle: one miss, then λiT hits on average until the entry expires). */
static void test_ttl_formula(void)
{
    const double rate = 200, ttl = 30;
    Zipf z = zipf_new(20000, 0.9);
    CirrusCacheStore *s = cirrus_cache_store_new(z.n, z.n, cirrus_time_from_s(ttl), CIRRUS_EVICT_VOLATILE_LRU);
    double theory = 0;
    for (guint i = 0; i < z.n; i++) {
        double lt = rate * z.p[i] * ttl;
        theory += z.p[i] * lt / (1 + lt);
    }
    double se, sim = hit_ratio(s, &z, rate, 20000, 1000000, &se);
    g_test_message("TTL cache: hit ratio %.5f, theory %.5f, 4 SE %.5f", sim, theory, 4 * se);
    g_assert_cmpfloat(fabs(sim - theory), <=, 4 * se);
    g_assert_cmpfloat(4 * se, <, 0.01);
    CirrusCacheCounts c = cirrus_cache_take_counts(s);
    g_assert_cmpuint(c.evictions, ==, 0);
    g_assert_cmpuint(c.expirations, >, 0);
    cirrus_cache_store_free(s);
    zipf_free(&z);
}

/* LRU of capacity C under independent requests (IRM): Che's
 * approximation, key i hit with probability 1 - exp(-p_i tC) where tC
 * solves Σ (1 - exp(-p_i tC)) = C (time counted in requests). */
static double che_hit_ratio(const Zipf *z, double capacity)
{
    double lo = 0, hi = 1e3;
    while (1) {   /* bracket */
        double occ = 0;
        for (guint i = 0; i < z->n; i++) occ += 1 - exp(-z->p[i] * hi);
        if (occ >= capacity) break;
        hi *= 2;
    }
    for (int it = 0; it < 100; it++) {
        double mid = (lo + hi) / 2, occ = 0;
        for (guint i = 0; i < z->n; i++) occ += 1 - exp(-z->p[i] * mid);
        if (occ < capacity) lo = mid;
        else hi = mid;
    }
    double h = 0;
    for (guint i = 0; i < z->n; i++) h += z->p[i] * (1 - exp(-z->p[i] * lo));
    return h;
}

static void test_lru_che(void)
{
    const guint capacities[] = {100, 1000, 5000};
    Zipf z = zipf_new(50000, 0.8);
    for (guint c = 0; c < G_N_ELEMENTS(capacities); c++) {
        CirrusCacheStore *s = cirrus_cache_store_new(z.n, capacities[c], 0, CIRRUS_EVICT_ALLKEYS_LRU);
        double se, sim = hit_ratio(s, &z, 1000, 200000, 1000000, &se);
        double che = che_hit_ratio(&z, capacities[c]);
        g_test_message("LRU C=%u: hit ratio %.5f, Che %.5f (4 SE %.5f)", capacities[c], sim, che, 4 * se);
        g_assert_cmpfloat(fabs(sim - che), <, 0.02);
        g_assert_cmpuint(cirrus_cache_items(s, 0), ==, capacities[c]);
        cirrus_cache_store_free(s);
    }
    zipf_free(&z);
}

/* An entry lives exactly its TTL from its fill; hits do not extend it; a
 * refill starts it again. */
static void test_expiry_exact(void)
{
    CirrusRng rng;
    cirrus_rng_seed(&rng, 1);
    CirrusCacheStore *s = cirrus_cache_store_new(10, 10, 10 * CIRRUS_SEC, CIRRUS_EVICT_VOLATILE_LRU);
    g_assert_false(cirrus_cache_get(s, 3, 0, &rng));
    g_assert_true(cirrus_cache_set(s, 3, 0, &rng));
    g_assert_true(cirrus_cache_get(s, 3, 5 * CIRRUS_SEC, &rng));
    g_assert_true(cirrus_cache_get(s, 3, 10 * CIRRUS_SEC - 1, &rng));
    g_assert_false(cirrus_cache_get(s, 3, 10 * CIRRUS_SEC, &rng));
    g_assert_true(cirrus_cache_set(s, 3, 12 * CIRRUS_SEC, &rng));
    g_assert_true(cirrus_cache_set(s, 3, 15 * CIRRUS_SEC, &rng));   /* refreshed: lives to 25 s */
    g_assert_cmpuint(cirrus_cache_items(s, 24 * CIRRUS_SEC), ==, 1);
    g_assert_cmpuint(cirrus_cache_items(s, 25 * CIRRUS_SEC), ==, 0);
    CirrusCacheCounts c = cirrus_cache_take_counts(s);
    g_assert_cmpuint(c.expirations, ==, 2);
    g_assert_cmpuint(c.evictions, ==, 0);
    cirrus_cache_store_free(s);
}

/* Fill keys 0..n-1 at times 0..n-1 s into a store of capacity 3. */
static CirrusCacheStore *filled(CirrusEviction policy, CirrusTime ttl, CirrusRng *rng)
{
    CirrusCacheStore *s = cirrus_cache_store_new(100, 3, ttl, policy);
    for (guint k = 0; k < 3; k++) g_assert_true(cirrus_cache_set(s, k, k * CIRRUS_SEC, rng));
    return s;
}

static void test_policies(void)
{
    CirrusRng rng;
    cirrus_rng_seed(&rng, 7);
    /* LRU: key 0 used at 3 s, so key 1 is the least recently used. */
    CirrusCacheStore *s = filled(CIRRUS_EVICT_ALLKEYS_LRU, 0, &rng);
    g_assert_true(cirrus_cache_get(s, 0, 3 * CIRRUS_SEC, &rng));
    g_assert_true(cirrus_cache_set(s, 50, 4 * CIRRUS_SEC, &rng));
    g_assert_false(cirrus_cache_get(s, 1, 5 * CIRRUS_SEC, &rng));
    g_assert_true(cirrus_cache_get(s, 0, 5 * CIRRUS_SEC, &rng));
    g_assert_true(cirrus_cache_get(s, 2, 5 * CIRRUS_SEC, &rng));
    g_assert_cmpuint(cirrus_cache_take_counts(s).evictions, ==, 1);
    cirrus_cache_store_free(s);

    /* volatile-lru with no TTL: nothing is evictable, the fill is refused
     * (Redis's OOM), as is every fill under noeviction. */
    const CirrusEviction refusing[] = {CIRRUS_EVICT_VOLATILE_LRU, CIRRUS_EVICT_VOLATILE_LFU, CIRRUS_EVICT_VOLATILE_TTL,
                                       CIRRUS_EVICT_VOLATILE_RANDOM, CIRRUS_EVICT_NOEVICTION};
    for (guint i = 0; i < G_N_ELEMENTS(refusing); i++) {
        s = filled(refusing[i], 0, &rng);
        g_assert_false(cirrus_cache_set(s, 50, 4 * CIRRUS_SEC, &rng));
        g_assert_true(cirrus_cache_set(s, 1, 4 * CIRRUS_SEC, &rng));   /* a held key is still refreshed */
        CirrusCacheCounts c = cirrus_cache_take_counts(s);
        g_assert_cmpuint(c.fill_failures, ==, 1);
        g_assert_cmpuint(c.evictions, ==, 0);
        cirrus_cache_store_free(s);
    }

    /* volatile-ttl: 5 samples of 3 keys nearly always include the one
     * nearest expiry (key 0, filled first): (2/3)^5 = 13% of the time not. */
    guint evicted_first = 0;
    for (int trial = 0; trial < 1000; trial++) {
        s = filled(CIRRUS_EVICT_VOLATILE_TTL, CIRRUS_HOUR, &rng);
        cirrus_cache_set(s, 50, 4 * CIRRUS_SEC, &rng);
        evicted_first += !cirrus_cache_get(s, 0, 5 * CIRRUS_SEC, &rng);
        cirrus_cache_store_free(s);
    }
    double expected = 1 - pow(2.0 / 3, 5), se = sqrt(expected * (1 - expected) / 1000);
    g_test_message("volatile-ttl evicts the nearest expiry %.3f of the time, expected %.3f", evicted_first / 1000.0,
                   expected);
    g_assert_cmpfloat(fabs(evicted_first / 1000.0 - expected), <=, 4 * se);

    /* allkeys-random: each of the 3 held keys a third of the time. */
    guint evicted[3] = {0};
    for (int trial = 0; trial < 3000; trial++) {
        s = filled(CIRRUS_EVICT_ALLKEYS_RANDOM, 0, &rng);
        cirrus_cache_set(s, 50, 4 * CIRRUS_SEC, &rng);
        for (guint k = 0; k < 3; k++) evicted[k] += !cirrus_cache_get(s, k, 5 * CIRRUS_SEC, &rng);
        cirrus_cache_store_free(s);
    }
    for (guint k = 0; k < 3; k++) {
        g_test_message("allkeys-random evicted key %u %u times of 3000", k, evicted[k]);
        g_assert_cmpfloat(fabs(evicted[k] - 1000.0), <=, 4 * sqrt(3000 * (1.0 / 3) * (2.0 / 3)));
    }
}

/* A scan of one-off keys: LRU loses a key used 100 times a minute ago;
 * LFU keeps it (its counter is far above a new key's 5). */
static void test_lfu_resists_scan(void)
{
    CirrusRng rng;
    cirrus_rng_seed(&rng, 9);
    for (int lfu = 0; lfu <= 1; lfu++) {
        CirrusCacheStore *s =
            cirrus_cache_store_new(10000, 100, 0, lfu ? CIRRUS_EVICT_ALLKEYS_LFU : CIRRUS_EVICT_ALLKEYS_LRU);
        cirrus_cache_set(s, 0, 0, &rng);
        for (int i = 0; i < 1000; i++) cirrus_cache_get(s, 0, i * CIRRUS_MS, &rng);
        for (guint k = 1; k <= 5000; k++) cirrus_cache_set(s, k, 2 * CIRRUS_SEC + k * CIRRUS_MS, &rng);
        gboolean kept = cirrus_cache_get(s, 0, 10 * CIRRUS_SEC, &rng);
        g_assert_true(lfu ? kept : !kept);
        g_assert_cmpuint(cirrus_cache_take_counts(s).evictions, ==, 4901);
        cirrus_cache_store_free(s);
    }
}

/* Flush empties; capacity 0 refuses everything. */
static void test_flush_and_zero(void)
{
    CirrusRng rng;
    cirrus_rng_seed(&rng, 3);
    CirrusCacheStore *s = filled(CIRRUS_EVICT_ALLKEYS_LRU, CIRRUS_MIN, &rng);
    cirrus_cache_flush(s);
    g_assert_cmpuint(cirrus_cache_items(s, 4 * CIRRUS_SEC), ==, 0);
    g_assert_false(cirrus_cache_get(s, 2, 4 * CIRRUS_SEC, &rng));
    g_assert_true(cirrus_cache_set(s, 2, 4 * CIRRUS_SEC, &rng));
    g_assert_true(cirrus_cache_delete(s, 2, 5 * CIRRUS_SEC));
    g_assert_false(cirrus_cache_delete(s, 2, 5 * CIRRUS_SEC));
    cirrus_cache_store_free(s);
    s = cirrus_cache_store_new(10, 0, 0, CIRRUS_EVICT_ALLKEYS_LRU);
    g_assert_false(cirrus_cache_set(s, 1, 0, &rng));
    g_assert_cmpuint(cirrus_cache_take_counts(s).fill_failures, ==, 1);
    cirrus_cache_store_free(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/models/cache/store/ttl-formula", test_ttl_formula);
    g_test_add_func("/models/cache/store/lru-che", test_lru_che);
    g_test_add_func("/models/cache/store/expiry-exact", test_expiry_exact);
    g_test_add_func("/models/cache/store/policies", test_policies);
    g_test_add_func("/models/cache/store/lfu-resists-scan", test_lfu_resists_scan);
    g_test_add_func("/models/cache/store/flush-and-zero", test_flush_and_zero);
    return g_test_run();
}
