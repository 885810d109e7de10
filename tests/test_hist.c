/* Tests for sim/kernel/hist.c: the bucket layout, exactness where promised, the
 * quantile error bound against true sample quantiles, merge and reset. */
#include <glib.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/kernel/dist.h"
#include "sim/kernel/hist.h"

/* A histogram is ~30 KB: keep them off the stack. */
static CirrusHist *hist_new(void)
{
    CirrusHist *h = g_new(CirrusHist, 1);
    cirrus_hist_init(h);
    return h;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The sample quantile the histogram approximates: the ceil(q n)-th smallest
 * value (at least the first). */
static int64_t true_quantile(const int64_t *sorted, gsize n, double q)
{
    double r = ceil(q * (double)n);
    gsize rank = r < 1.0 ? 1 : (gsize)r;
    if (rank > n) rank = n;
    return sorted[rank - 1];
}

static void assert_same_hist(const CirrusHist *a, const CirrusHist *b)
{
    g_assert_cmpuint(a->count, ==, b->count);
    g_assert_cmpfloat(a->sum, ==, b->sum);
    g_assert_cmpint(a->min, ==, b->min);
    g_assert_cmpint(a->max, ==, b->max);
    g_assert_cmpmem(a->buckets, sizeof a->buckets, b->buckets, sizeof b->buckets);
}

/* ---- layout ----------------------------------------------------------- */

static void test_exact_small(void)
{
    CirrusHist *h = hist_new();
    for (int64_t v = 0; v < CIRRUS_HIST_SUB; v++) {
        int64_t lo, hi;
        g_assert_cmpint(cirrus_hist_bucket_of(v), ==, (int)v);
        cirrus_hist_bucket_bounds((int)v, &lo, &hi);
        g_assert_cmpint(lo, ==, v);
        g_assert_cmpint(hi, ==, v + 1);
        cirrus_hist_add(h, v);
    }
    /* Each value once: the k-th smallest is k - 1, reported exactly. */
    for (int k = 1; k <= CIRRUS_HIST_SUB; k++)
        g_assert_cmpfloat(cirrus_hist_quantile(h, (double)k / CIRRUS_HIST_SUB), ==, (double)(k - 1));
    g_assert_cmpfloat(cirrus_hist_quantile(h, 0.0), ==, 0.0);

    /* A single small value is exact at every q. */
    cirrus_hist_reset(h);
    for (int i = 0; i < 10; i++) cirrus_hist_add(h, 37);
    for (double q = 0.0; q <= 1.0; q += 0.125) g_assert_cmpfloat(cirrus_hist_quantile(h, q), ==, 37.0);
    g_free(h);
}

static void check_value(int64_t v)
{
    int b = cirrus_hist_bucket_of(v);
    int64_t lo, hi;
    g_assert_cmpint(b, >=, 0);
    g_assert_cmpint(b, <, CIRRUS_HIST_BUCKETS);
    cirrus_hist_bucket_bounds(b, &lo, &hi);
    g_assert_cmpint(lo, <=, v);
    if (b == CIRRUS_HIST_BUCKETS - 1) g_assert_cmpint(v, <=, hi); /* saturated bound */
    else g_assert_cmpint(v, <, hi);
}

static void test_bucket_bounds(void)
{
    /* The array is exactly as large as the layout needs: INT64_MAX lands in
     * the very last bucket. */
    g_assert_cmpint(cirrus_hist_bucket_of(INT64_MAX), ==, CIRRUS_HIST_BUCKETS - 1);
    g_assert_cmpint(CIRRUS_HIST_BUCKETS, ==, 128 + 56 * 64);
    g_assert_cmpint(cirrus_hist_bucket_of(-1), ==, 0);
    g_assert_cmpint(cirrus_hist_bucket_of(INT64_MIN), ==, 0);

    /* Every bucket: contiguous with the next, its end points map back to it,
     * and its width is at most 1/64 of its lower bound (1 below 128). */
    int64_t prev_hi = 0;
    for (int i = 0; i < CIRRUS_HIST_BUCKETS; i++) {
        int64_t lo, hi;
        cirrus_hist_bucket_bounds(i, &lo, &hi);
        g_assert_cmpint(lo, ==, prev_hi);
        g_assert_cmpint(hi, >, lo);
        g_assert_cmpint(cirrus_hist_bucket_of(lo), ==, i);
        g_assert_cmpint(cirrus_hist_bucket_of(hi - 1), ==, i);
        if (i < CIRRUS_HIST_BUCKETS - 1) {
            g_assert_cmpint(cirrus_hist_bucket_of(hi), ==, i + 1);
            g_assert_cmpint(hi - lo, <=, lo < 128 ? 1 : lo / 64);
        }
        prev_hi = hi;
    }
    g_assert_cmpint(prev_hi, ==, INT64_MAX);

    /* Powers of two and their neighbours, and random values of every
     * magnitude. */
    for (int e = 0; e < 63; e++) {
        int64_t p = (int64_t)1 << e;
        check_value(p - 1);
        check_value(p);
        check_value(p + 1);
        check_value(p + p / 2);
    }
    check_value(INT64_MAX);
    check_value(INT64_MAX - 1);
    CirrusRng rng;
    cirrus_rng_seed(&rng, 77);
    for (int i = 0; i < 1000000; i++)
        check_value((int64_t)(cirrus_rng_next(&rng) >> (1 + cirrus_rng_below(&rng, 63))));
    /* Monotone: a larger value never lands in a lower bucket. */
    for (int i = 0; i < 100000; i++) {
        int64_t a = (int64_t)(cirrus_rng_next(&rng) >> (1 + cirrus_rng_below(&rng, 63)));
        int64_t b = (int64_t)(cirrus_rng_next(&rng) >> (1 + cirrus_rng_below(&rng, 63)));
        if (a > b) { int64_t t = a; a = b; b = t; }
        g_assert_cmpint(cirrus_hist_bucket_of(a), <=, cirrus_hist_bucket_of(b));
    }
}

/* ---- quantiles -------------------------------------------------------- */

/* 100000 lognormal values against their exact sorted quantiles.  The bound
 * the layout guarantees is 1/128 (0.78%); DESIGN.md asks for 1%. */
static void check_quantile_error(double mean_ns, double cv, guint64 seed)
{
    enum { N = 100000 };
    CirrusDist d;
    g_assert_true(cirrus_dist_set(&d, CIRRUS_DIST_LOGNORMAL, mean_ns, cv, NULL));
    CirrusRng rng;
    cirrus_rng_seed(&rng, seed);
    int64_t *v = g_new(int64_t, N);
    CirrusHist *h = hist_new();
    for (int i = 0; i < N; i++) {
        v[i] = (int64_t)llround(cirrus_dist_sample(&d, &rng));
        cirrus_hist_add(h, v[i]);
    }
    qsort(v, N, sizeof v[0], cmp_i64);

    static const double qs[] = {0.5, 0.9, 0.99, 0.999};
    for (gsize i = 0; i < G_N_ELEMENTS(qs); i++) {
        double want = (double)true_quantile(v, N, qs[i]);
        double got = cirrus_hist_quantile(h, qs[i]);
        if (g_test_verbose())
            g_test_message("mean %g cv %g: q%g = %.1f vs true %.0f (%.3f%%)", mean_ns, cv, qs[i],
                           got, want, 100.0 * (got - want) / want);
        g_assert_cmpfloat(fabs(got - want), <=, 0.01 * want);
        g_assert_cmpfloat(fabs(got - want), <=, want / 128.0);
    }
    /* ... and at every permille, including the extremes. */
    for (int k = 0; k <= 1000; k++) {
        double q = k / 1000.0;
        double want = (double)true_quantile(v, N, q);
        double got = cirrus_hist_quantile(h, q);
        g_assert_cmpfloat(fabs(got - want), <=, want / 128.0);
    }
    g_assert_cmpfloat(cirrus_hist_quantile(h, 1.0), ==, (double)v[N - 1]);
    g_free(v);
    g_free(h);
}

static void test_quantile_error(void)
{
    check_quantile_error(1e6, 1.0, 1);   /* ~1 ms, the common case */
    check_quantile_error(5e4, 3.0, 2);   /* heavy tail */
    check_quantile_error(300.0, 0.5, 3); /* straddles the exact range */
    check_quantile_error(1e15, 2.0, 4);  /* ~12 days in ns: high buckets */
}

static void test_quantile_edges(void)
{
    CirrusHist *h = hist_new();
    /* Clamping: one value in a wide bucket is reported exactly. */
    cirrus_hist_add(h, 1000003);
    g_assert_cmpfloat(cirrus_hist_quantile(h, 0.5), ==, 1000003.0);
    g_assert_cmpfloat(cirrus_hist_quantile(h, 0.0), ==, 1000003.0);

    /* Extremes of the range, and negatives counting as 0. */
    cirrus_hist_reset(h);
    cirrus_hist_add(h, -5);
    cirrus_hist_add(h, INT64_MAX);
    g_assert_cmpint(h->min, ==, 0);
    g_assert_cmpint(h->max, ==, INT64_MAX);
    g_assert_cmpfloat(cirrus_hist_quantile(h, 0.5), ==, 0.0);
    double top = cirrus_hist_quantile(h, 0.51); /* midpoint of the last bucket */
    g_assert_cmpfloat(fabs(top - (double)INT64_MAX), <=, (double)INT64_MAX / 128.0);
    g_assert_cmpfloat(cirrus_hist_quantile(h, 1.0), ==, (double)INT64_MAX);
    g_assert_cmpfloat(cirrus_hist_quantile(h, 2.0), ==, (double)INT64_MAX);

    /* Two values in the last bucket: the midpoint is within 1/128. */
    cirrus_hist_reset(h);
    int64_t big = INT64_MAX - (INT64_MAX >> 8);
    cirrus_hist_add(h, big);
    cirrus_hist_add(h, INT64_MAX);
    double q = cirrus_hist_quantile(h, 0.5);
    g_assert_cmpfloat(fabs(q - (double)big), <=, (double)big / 128.0);
    g_assert_cmpfloat(q, >=, (double)big);
    g_free(h);
}

/* ---- aggregate operations --------------------------------------------- */

static void test_mean(void)
{
    CirrusHist *h = hist_new();
    for (int64_t v = 1; v <= 1000; v++) cirrus_hist_add(h, v * 1000003);
    /* Sum of 1..1000 is 500500: the mean is exact, not bucketed. */
    g_assert_cmpfloat(cirrus_hist_mean(h), ==, 500.5 * 1000003.0);
    g_assert_cmpuint(h->count, ==, 1000);
    g_assert_cmpint(h->min, ==, 1000003);
    g_assert_cmpint(h->max, ==, 1000003000);
    g_free(h);
}

static void test_merge(void)
{
    CirrusHist *a = hist_new(), *b = hist_new(), *all = hist_new(), *empty = hist_new();
    CirrusRng rng;
    cirrus_rng_seed(&rng, 5);
    for (int i = 0; i < 5000; i++) {
        int64_t v = (int64_t)cirrus_rng_below(&rng, 1000);
        cirrus_hist_add(a, v);
        cirrus_hist_add(all, v);
    }
    for (int i = 0; i < 7000; i++) {
        int64_t v = 500000 + (int64_t)cirrus_rng_below(&rng, 10000000);
        cirrus_hist_add(b, v);
        cirrus_hist_add(all, v);
    }
    /* Merging an empty histogram changes nothing; merging into an empty
     * one copies. */
    CirrusHist *copy = hist_new();
    cirrus_hist_merge(copy, b);
    assert_same_hist(copy, b);
    cirrus_hist_merge(copy, empty);
    assert_same_hist(copy, b);

    /* b into a (a's range lies below b's) equals adding everything. */
    cirrus_hist_merge(a, b);
    assert_same_hist(a, all);
    /* And the other way round (copy holds b; its range must grow down). */
    cirrus_hist_reset(a);
    cirrus_rng_seed(&rng, 5);
    for (int i = 0; i < 5000; i++) cirrus_hist_add(a, (int64_t)cirrus_rng_below(&rng, 1000));
    cirrus_hist_merge(copy, a);
    g_assert_cmpuint(copy->count, ==, all->count);
    g_assert_cmpmem(copy->buckets, sizeof copy->buckets, all->buckets, sizeof all->buckets);
    g_assert_cmpfloat(cirrus_hist_quantile(copy, 0.9), ==, cirrus_hist_quantile(all, 0.9));
    g_assert_cmpint(copy->min, ==, all->min);
    g_assert_cmpint(copy->max, ==, all->max);
    /* Sums of integers this size are exact in a double, in any order. */
    g_assert_cmpfloat(copy->sum, ==, all->sum);
    g_free(a);
    g_free(b);
    g_free(all);
    g_free(empty);
    g_free(copy);
}

static void test_reset(void)
{
    CirrusHist *h = hist_new(), *fresh = hist_new();
    for (int64_t v = 0; v < 100000; v += 7) cirrus_hist_add(h, v * v);
    cirrus_hist_reset(h);
    g_assert_cmpuint(h->count, ==, 0);
    g_assert_cmpint(h->min, ==, INT64_MAX);
    g_assert_cmpint(h->max, ==, INT64_MIN);
    for (int i = 0; i < CIRRUS_HIST_BUCKETS; i++) g_assert_cmpuint(h->buckets[i], ==, 0);
    g_assert_true(isnan(cirrus_hist_mean(h)));
    g_assert_true(isnan(cirrus_hist_quantile(h, 0.5)));
    /* After a reset it behaves exactly as a new histogram. */
    for (int64_t v = 5; v < 5000; v += 3) {
        cirrus_hist_add(h, v);
        cirrus_hist_add(fresh, v);
    }
    assert_same_hist(h, fresh);
    g_free(h);
    g_free(fresh);
}

static void test_empty(void)
{
    CirrusHist *h = hist_new();
    g_assert_cmpuint(h->count, ==, 0);
    g_assert_cmpint(h->min, ==, INT64_MAX);
    g_assert_true(isnan(cirrus_hist_mean(h)));
    g_assert_true(isnan(cirrus_hist_quantile(h, 0.0)));
    g_assert_true(isnan(cirrus_hist_quantile(h, 0.5)));
    g_assert_true(isnan(cirrus_hist_quantile(h, 1.0)));
    cirrus_hist_reset(h); /* resetting an empty one is fine */
    g_assert_true(isnan(cirrus_hist_mean(h)));
    g_free(h);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sim/hist/exact-small", test_exact_small);
    g_test_add_func("/sim/hist/bucket-bounds", test_bucket_bounds);
    g_test_add_func("/sim/hist/quantile-error", test_quantile_error);
    g_test_add_func("/sim/hist/quantile-edges", test_quantile_edges);
    g_test_add_func("/sim/hist/mean", test_mean);
    g_test_add_func("/sim/hist/merge", test_merge);
    g_test_add_func("/sim/hist/reset", test_reset);
    g_test_add_func("/sim/hist/empty", test_empty);
    return g_test_run();
}
