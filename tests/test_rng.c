/* Tests for sim/kernel/rng.c: known answers, determinism, stream independence and
 * the statistical shape of the derived variates.  All seeds are fixed, so
 * every run sees the same numbers; the statistical thresholds are chosen so
 * a correct generator fails with probability ~1e-6 or less for *any* seed,
 * while the bugs they target (bias, wrong scaling) miss them by far. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "sim/kernel/rng.h"

/* ---- helpers ---------------------------------------------------------- */

/* Upper tail P(X > x) of a chi-square with an even number of degrees of
 * freedom df = 2m, in closed form: e^(-x/2) * sum_{i<m} (x/2)^i / i!. */
static double chi2_sf_even(double x, int df)
{
    g_assert_cmpint(df % 2, ==, 0);
    double h = x / 2.0, term = 1.0, sum = 1.0;
    for (int i = 1; i < df / 2; i++) {
        term *= h / i;
        sum += term;
    }
    return exp(-h) * sum;
}

/* The chi-square critical value c with P(X > c) = alpha, by bisection on
 * the exact survival function (it is decreasing in x). */
static double chi2_critical_even(int df, double alpha)
{
    double lo = 0.0, hi = 1.0;
    while (chi2_sf_even(hi, df) > alpha) hi *= 2.0;
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        if (chi2_sf_even(mid, df) > alpha) lo = mid;
        else hi = mid;
    }
    return hi;
}

static double chi2_stat(const guint64 *counts, int k, double expected)
{
    double chi2 = 0.0;
    for (int i = 0; i < k; i++) {
        double d = (double)counts[i] - expected;
        chi2 += d * d / expected;
    }
    return chi2;
}

/* Inverse of an odd a modulo 2^64 by Newton's iteration (each step doubles
 * the number of correct low bits; 3 bits are right to start with). */
static guint64 inverse_mod64(guint64 a)
{
    guint64 x = a;
    for (int i = 0; i < 5; i++) x *= 2 - a * x;
    g_assert_cmpuint(a * x, ==, 1);
    return x;
}

/* ---- tests ------------------------------------------------------------ */

static void test_known_answer(void)
{
    /* From the reference xoshiro256starstar.c with s = {1, 2, 3, 4}. */
    CirrusRng rng = {.s = {1, 2, 3, 4}};
    g_assert_cmpuint(cirrus_rng_next(&rng), ==, G_GUINT64_CONSTANT(11520));
    g_assert_cmpuint(cirrus_rng_next(&rng), ==, G_GUINT64_CONSTANT(0));
    g_assert_cmpuint(cirrus_rng_next(&rng), ==, G_GUINT64_CONSTANT(1509978240));
    g_assert_cmpuint(cirrus_rng_next(&rng), ==, G_GUINT64_CONSTANT(1215971899390074240));
}

static void test_splitmix_seed(void)
{
    /* SplitMix64 from state 0 first yields 0xe220a8397b1dcdaf (published
     * reference value), and seeding fills s[0..3] with its first outputs. */
    CirrusRng rng;
    cirrus_rng_seed(&rng, 0);
    g_assert_cmpuint(rng.s[0], ==, G_GUINT64_CONSTANT(0xe220a8397b1dcdaf));
    g_assert_true(rng.s[0] != rng.s[1] && rng.s[1] != rng.s[2] && rng.s[2] != rng.s[3]);
}

static void test_determinism(void)
{
    CirrusRng a, b;
    cirrus_rng_seed_named(&a, 42, "disk", 3);
    cirrus_rng_seed_named(&b, 42, "disk", 3);
    for (int i = 0; i < 10000; i++) g_assert_cmpuint(cirrus_rng_next(&a), ==, cirrus_rng_next(&b));

    cirrus_rng_seed(&a, 7);
    cirrus_rng_seed(&b, 7);
    for (int i = 0; i < 1000; i++) {
        g_assert_cmpfloat(cirrus_rng_normal(&a), ==, cirrus_rng_normal(&b));
        g_assert_cmpuint(cirrus_rng_below(&a, 1000), ==, cirrus_rng_below(&b, 1000));
    }

    /* Stream positions depend only on call counts: a stream that drew a
     * normal is not affected by whether its second polar value is "used". */
    cirrus_rng_seed_named(&a, 1, "x", 0);
    cirrus_rng_seed_named(&b, 1, "x", 0);
    (void)cirrus_rng_normal(&a);
    (void)cirrus_rng_normal(&b);
    g_assert_cmpuint(cirrus_rng_next(&a), ==, cirrus_rng_next(&b));
}

/* Streams differing in one input share no outputs and are uncorrelated:
 * the sample correlation of n independent uniform pairs has standard error
 * 1/sqrt(n), so |r| < 5/sqrt(n). */
static void check_unrelated(CirrusRng *a, CirrusRng *b)
{
    enum { N = 200000 };
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    int same = 0;
    for (int i = 0; i < N; i++) {
        CirrusRng a0 = *a, b0 = *b;
        if (cirrus_rng_next(&a0) == cirrus_rng_next(&b0)) same++;
        double x = cirrus_rng_uniform(a), y = cirrus_rng_uniform(b);
        sa += x; sb += y; saa += x * x; sbb += y * y; sab += x * y;
    }
    g_assert_cmpint(same, ==, 0);
    double cov = sab / N - (sa / N) * (sb / N);
    double r = cov / sqrt((saa / N - (sa / N) * (sa / N)) * (sbb / N - (sb / N) * (sb / N)));
    g_assert_cmpfloat(fabs(r), <, 5.0 / sqrt(N));
}

static void test_distinct_streams(void)
{
    CirrusRng a, b;
    cirrus_rng_seed_named(&a, 42, "disk", 0);
    cirrus_rng_seed_named(&b, 42, "disk2", 0);
    check_unrelated(&a, &b);

    cirrus_rng_seed_named(&a, 42, "disk", 0);
    cirrus_rng_seed_named(&b, 42, "disk", 1);
    check_unrelated(&a, &b);

    cirrus_rng_seed_named(&a, 42, "disk", 0);
    cirrus_rng_seed_named(&b, 43, "disk", 0);
    check_unrelated(&a, &b);

    /* Names differing only in the last character, and the empty name. */
    cirrus_rng_seed_named(&a, 0, "a", 0);
    cirrus_rng_seed_named(&b, 0, "b", 0);
    check_unrelated(&a, &b);
    cirrus_rng_seed_named(&a, 0, "", 0);
    cirrus_rng_seed(&b, 0);
    g_assert_true(memcmp(a.s, b.s, sizeof a.s) != 0);
}

static void test_uniform(void)
{
    enum { N = 1000000 };
    CirrusRng rng;
    cirrus_rng_seed_named(&rng, 2024, "uniform", 0);
    double sum = 0, sum_pos = 0;
    for (int i = 0; i < N; i++) {
        double u = cirrus_rng_uniform(&rng);
        g_assert_cmpfloat(u, >=, 0.0);
        g_assert_cmpfloat(u, <, 1.0);
        sum += u;
        double p = cirrus_rng_uniform_pos(&rng);
        g_assert_cmpfloat(p, >, 0.0);
        g_assert_cmpfloat(p, <=, 1.0);
        sum_pos += p;
    }
    /* U(0,1) has variance 1/12: the mean of N draws has sd sqrt(1/(12N)). */
    double sigma = sqrt(1.0 / (12.0 * N));
    g_assert_cmpfloat(fabs(sum / N - 0.5), <, 4.0 * sigma);
    g_assert_cmpfloat(fabs(sum_pos / N - 0.5), <, 4.0 * sigma);

    /* The mapping itself: extremes of the raw word. */
    CirrusRng z = {.s = {0, 0, 0, 0}}; /* degenerate state: next() == 0 forever */
    g_assert_cmpfloat(cirrus_rng_uniform(&z), ==, 0.0);
    g_assert_cmpfloat(cirrus_rng_uniform_pos(&z), ==, ldexp(1.0, -53));
}

static void test_below_chi_square(void)
{
    const double alpha = 1e-6;
    CirrusRng rng;
    cirrus_rng_seed_named(&rng, 99, "below", 0);

    /* 13 buckets (df = 12), 100000 expected per bucket. */
    {
        enum { K = 13, PER = 100000 };
        guint64 counts[K] = {0};
        for (int i = 0; i < K * PER; i++) {
            guint64 v = cirrus_rng_below(&rng, K);
            g_assert_cmpuint(v, <, K);
            counts[v]++;
        }
        double crit = chi2_critical_even(K - 1, alpha);
        /* Sanity of the computed critical value against its definition. */
        g_assert_cmpfloat(fabs(chi2_sf_even(crit, K - 1) - alpha), <, 1e-9);
        g_assert_cmpfloat(chi2_stat(counts, K, PER), <, crit);
    }

    /* n = 3 * 2^62, where 2^64 is not a multiple of n, so any shortcut is
     * visibly biased.  x mod n puts half the mass in [0, 2^62): the thirds
     * v >> 62 catch that.  The multiply-shift floor(x n / 2^64) without
     * Lemire's rejection step maps two x to every v = 0 (mod 3) and one to
     * the others: v mod 3 catches that.  Uniform v makes both uniform over
     * three classes (df = 2 each). */
    {
        enum { K = 3, PER = 200000 };
        const guint64 n = G_GUINT64_CONSTANT(3) << 62;
        guint64 thirds[K] = {0}, residues[K] = {0};
        for (int i = 0; i < K * PER; i++) {
            guint64 v = cirrus_rng_below(&rng, n);
            g_assert_cmpuint(v, <, n);
            thirds[v >> 62]++;
            residues[v % 3]++;
        }
        double crit = chi2_critical_even(K - 1, alpha);
        g_assert_cmpfloat(chi2_stat(thirds, K, PER), <, crit);
        g_assert_cmpfloat(chi2_stat(residues, K, PER), <, crit);
    }

    /* Degenerate bound. */
    for (int i = 0; i < 100; i++) g_assert_cmpuint(cirrus_rng_below(&rng, 1), ==, 0);
}

static void test_normal_moments(void)
{
    enum { N = 1000000 };
    CirrusRng rng;
    cirrus_rng_seed_named(&rng, 5, "normal", 0);
    double s1 = 0, s2 = 0, s3 = 0;
    for (int i = 0; i < N; i++) {
        double z = cirrus_rng_normal(&rng);
        g_assert_true(isfinite(z));
        s1 += z; s2 += z * z; s3 += z * z * z;
    }
    double mean = s1 / N, var = s2 / N - mean * mean;
    /* N(0,1): SE of the mean is 1/sqrt(N); the variance estimate has
     * SE sqrt((mu4 - sigma^4)/N) = sqrt(2/N); the third moment has
     * variance E[z^6] = 15, so SE sqrt(15/N). */
    g_assert_cmpfloat(fabs(mean), <, 4.0 / sqrt(N));
    g_assert_cmpfloat(fabs(var - 1.0), <, 4.0 * sqrt(2.0 / N));
    g_assert_cmpfloat(fabs(s3 / N), <, 4.0 * sqrt(15.0 / N));
}

static void test_exp1_moments(void)
{
    enum { N = 1000000 };
    CirrusRng rng;
    cirrus_rng_seed_named(&rng, 5, "exp", 0);
    double s1 = 0, s2 = 0;
    for (int i = 0; i < N; i++) {
        double x = cirrus_rng_exp1(&rng);
        g_assert_true(isfinite(x));
        g_assert_false(signbit(x));
        s1 += x; s2 += x * x;
    }
    double mean = s1 / N, var = s2 / N - mean * mean;
    /* Exp(1): variance 1, fourth central moment 9. */
    g_assert_cmpfloat(fabs(mean - 1.0), <, 4.0 / sqrt(N));
    g_assert_cmpfloat(fabs(var - 1.0), <, 4.0 * sqrt(8.0 / N));
}

/* A stream whose next raw word is `word`: the output is
 * rotl(s[1] * 5, 7) * 9, so s[1] = rotr(word * 9^-1, 7) * 5^-1 (inverses
 * mod 2^64); s[0], s[2] and s[3] are free and only shape later words. */
static CirrusRng stream_giving(guint64 word)
{
    guint64 r = word * inverse_mod64(9);
    CirrusRng rng = {.s = {1, ((r >> 7) | (r << 57)) * inverse_mod64(5), 2, 3}};
    CirrusRng probe = rng;
    g_assert_cmpuint(cirrus_rng_next(&probe), ==, word);
    return rng;
}

/* The draw's paths, each from a word chosen to take it: the inner
 * rectangle (x = j x width, exactly), the base layer past r (the tail:
 * r + Exp(1), so beyond r), and the top layer, which has no inner
 * rectangle (every word there goes to the wedge test, and a rejected one
 * to a new draw). */
static void test_exp1_paths(void)
{
    const double r = 7.69711747013104972;
    guint64 j = 12345;
    CirrusRng inner = stream_giving(j << 11 | 7);
    g_assert_cmpfloat(cirrus_rng_exp1(&inner), ==, (double)j * cirrus_rng_zig_[7].width);
    g_assert_cmpuint(cirrus_rng_zig_[255].inner, ==, 0);
    for (int k = 0; k < 64; k++) {
        CirrusRng tail = stream_giving(~(guint64)0 << 8 ^ (guint64)k << 11);   /* layer 0, j near 2^53 */
        double x = cirrus_rng_exp1(&tail);
        g_assert_cmpfloat(x, >=, r);
        g_assert_true(isfinite(x));
        CirrusRng top = stream_giving(~(guint64)0 ^ (guint64)k << 11);          /* layer 255 */
        double y = cirrus_rng_exp1(&top);
        g_assert_cmpfloat(y, >=, 0.0);
        g_assert_true(isfinite(y));
        g_assert_false(signbit(y));
    }
}

/* The ziggurat's 256 layers (rng.c) each have the same area v = 3.9497e-3
 * under f(x) = exp(-x): the base layer x_0 f(x_1) (its rectangle plus the
 * tail), layer i the rectangle x_i (f(x_{i+1}) - f(x_i)), up to the top
 * one, whose x_256 = 0 closes the recursion only if r and v match. */
static void test_exp1_layers(void)
{
    const double v = 0.0039496598225815571993;
    double x[257];
    for (int i = 0; i < 256; i++) x[i] = cirrus_rng_zig_[i].width * 9007199254740992.0;
    x[256] = 0.0;
    g_assert_cmpfloat(fabs(x[1] - 7.69711747013104972), <, 1e-15);
    g_assert_cmpfloat(fabs(x[0] * exp(-x[1]) / v - 1), <, 1e-12);
    for (int i = 1; i < 256; i++) {
        g_assert_cmpfloat(x[i + 1], <, x[i]);
        g_assert_cmpfloat(fabs(x[i] * (exp(-x[i + 1]) - exp(-x[i])) / v - 1), <, 1e-9);
        /* The inner rectangle: a 53-bit draw below `inner` has x < x_{i+1}. */
        uint64_t in = cirrus_rng_zig_[i].inner;
        g_assert_cmpfloat((double)in * cirrus_rng_zig_[i].width, <=, x[i + 1]);
        g_assert_cmpfloat((double)(in + 1) * cirrus_rng_zig_[i].width, >, x[i + 1] * (1 - 1e-15));
    }
}

/* 2,000,000 draws in 1,000 bins of equal probability (by F(x) = 1 - e^-x):
 * the chi-square statistic has mean 999 and sd sqrt(2 x 999) = 44.7; it
 * must lie within 5 sd.  The bins reach F = 0.999, past the layers' rare
 * wedges, so a wrong wedge or base layer shows. */
static void test_exp1_chi_square(void)
{
    enum { N = 2000000, K = 1000 };
    CirrusRng rng;
    cirrus_rng_seed_named(&rng, 11, "exp-chi", 0);
    static long bins[K];
    for (int i = 0; i < N; i++) {
        int b = (int)(-expm1(-cirrus_rng_exp1(&rng)) * K);
        bins[b < K ? b : K - 1]++;
    }
    double chi = 0, e = (double)N / K;
    for (int k = 0; k < K; k++) chi += (bins[k] - e) * (bins[k] - e) / e;
    double z = (chi - (K - 1)) / sqrt(2.0 * (K - 1));
    g_test_message("exp1 chi-square %.1f on %d df (z %.2f)", chi, K - 1, z);
    g_assert_cmpfloat(fabs(z), <, 5.0);
}

/* The tail beyond r = 7.697 (one draw in 2,200, drawn as r + Exp(1)): its
 * share is e^-r within 4 binomial SE of 20,000,000 draws, and the excess
 * over r has mean 1 (memoryless) within 4 SE of its count. */
static void test_exp1_tail(void)
{
    enum { N = 20000000 };
    const double r = 7.69711747013104972, p = exp(-r);
    CirrusRng rng;
    cirrus_rng_seed_named(&rng, 12, "exp-tail", 0);
    long n = 0;
    double excess = 0;
    for (int i = 0; i < N; i++) {
        double x = cirrus_rng_exp1(&rng);
        if (x > r) { n++; excess += x - r; }
    }
    g_test_message("exp1 tail: %ld beyond r (expected %.0f), mean excess %.4f", n, N * p, excess / n);
    g_assert_cmpfloat(fabs(n - N * p), <, 4 * sqrt(N * p * (1 - p)));
    g_assert_cmpfloat(fabs(excess / n - 1), <, 4 / sqrt((double)n));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sim/rng/known-answer", test_known_answer);
    g_test_add_func("/sim/rng/splitmix-seed", test_splitmix_seed);
    g_test_add_func("/sim/rng/determinism", test_determinism);
    g_test_add_func("/sim/rng/distinct-streams", test_distinct_streams);
    g_test_add_func("/sim/rng/uniform", test_uniform);
    g_test_add_func("/sim/rng/below-chi-square", test_below_chi_square);
    g_test_add_func("/sim/rng/normal-moments", test_normal_moments);
    g_test_add_func("/sim/rng/exp1-moments", test_exp1_moments);
    g_test_add_func("/sim/rng/exp1-layers", test_exp1_layers);
    g_test_add_func("/sim/rng/exp1-paths", test_exp1_paths);
    g_test_add_func("/sim/rng/exp1-chi-square", test_exp1_chi_square);
    g_test_add_func("/sim/rng/exp1-tail", test_exp1_tail);
    return g_test_run();
}
