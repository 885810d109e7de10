/* Tests for sim/kernel/dist.c: parameter validation, closed-form moments and the
 * first two moments of what sample() actually draws.
 *
 * How the statistical tolerances are derived.  With n i.i.d. draws from a
 * distribution with mean m, variance v and fourth central moment mu4:
 *   - the sample mean has standard error sqrt(v / n);
 *   - the unbiased sample variance s^2 has
 *         Var(s^2) = mu4 / n - v^2 (n - 3) / (n (n - 1))
 *     (a standard result, e.g. Cramér, "Mathematical Methods of
 *     Statistics", 27.4), and by the central limit theorem s^2 is close to
 *     normal for n = 200000 and the moderate tails used here.
 * So both checks allow 4 standard errors: a correct sampler fails one of
 * them with probability about 6e-5 (and the seeds are fixed, so a run is
 * deterministic), while e.g. a gamma drawn with the wrong scale or a
 * lognormal with mu and sigma^2 mixed up is off by tens of SEs.  mu4 is
 * given in closed form per distribution (or by numerical integration for
 * the truncated normal), never fitted to the samples. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "sim/kernel/dist.h"
#include "sim/kernel/error.h"

#define N_DRAWS 200000

/* ---- helpers ---------------------------------------------------------- */

static void assert_close(double got, double want, double rel)
{
    if (!(fabs(got - want) <= rel * fabs(want)))
        g_error("got %.17g, want %.17g (relative tolerance %g)", got, want, rel);
}

static void set_ok(CirrusDist *d, CirrusDistKind kind, double p1, double p2)
{
    GError *error = NULL;
    gboolean ok = cirrus_dist_set(d, kind, p1, p2, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
}

/* Draw N_DRAWS values and compare their mean and variance to
 * cirrus_dist_mean/variance as explained at the top of the file. */
static void check_sample_moments(const CirrusDist *d, double mu4, guint64 seed)
{
    const double n = N_DRAWS;
    double m = cirrus_dist_mean(d), v = cirrus_dist_variance(d);
    CirrusRng rng;
    cirrus_rng_seed_named(&rng, seed, cirrus_dist_kind_name(d->kind), 0);
    double *x = g_new(double, N_DRAWS);
    double sum = 0.0;
    for (int i = 0; i < N_DRAWS; i++) {
        x[i] = cirrus_dist_sample(d, &rng);
        g_assert_false(isnan(x[i]));
        g_assert_false(signbit(x[i])); /* neither negative nor -0 */
        sum += x[i];
    }
    if (v == 0.0) {
        for (int i = 0; i < N_DRAWS; i++) g_assert_cmpfloat(x[i], ==, m);
        g_free(x);
        return;
    }
    double mean = sum / n, ss = 0.0;
    for (int i = 0; i < N_DRAWS; i++) ss += (x[i] - mean) * (x[i] - mean);
    double s2 = ss / (n - 1.0);
    g_free(x);

    double se_mean = sqrt(v / n);
    double se_var = sqrt(mu4 / n - v * v * (n - 3.0) / (n * (n - 1.0)));
    if (g_test_verbose())
        g_test_message("%s(%g, %g): mean %.6g vs %.6g (%.2f SE), var %.6g vs %.6g (%.2f SE)",
                       cirrus_dist_kind_name(d->kind), d->p1, d->p2, mean, m,
                       (mean - m) / se_mean, s2, v, (s2 - v) / se_var);
    g_assert_cmpfloat(fabs(mean - m), <=, 4.0 * se_mean);
    g_assert_cmpfloat(fabs(s2 - v), <=, 4.0 * se_var);
}

/* Moments of N(m, s^2) truncated to [0, inf) by composite Simpson
 * integration of the density over [0, m + 20 s] (the tail beyond is below
 * 1e-88): independent of the erfc closed form used by dist.c. */
static void truncated_normal_numeric(double m, double s, double *mean, double *var, double *mu4)
{
    const int steps = 200000; /* even */
    const double a = 0.0, b = m + 20.0 * s, h = (b - a) / steps;
    double w[5] = {0}; /* integrals of f, x f, x^2 f, x^3 f, x^4 f */
    for (int i = 0; i <= steps; i++) {
        double x = a + i * h;
        double z = (x - m) / s;
        double f = exp(-0.5 * z * z);
        double c = (i == 0 || i == steps) ? 1.0 : (i % 2 ? 4.0 : 2.0);
        double p = c * f;
        for (int k = 0; k < 5; k++) {
            w[k] += p;
            p *= x;
        }
    }
    double e1 = w[1] / w[0], e2 = w[2] / w[0], e3 = w[3] / w[0], e4 = w[4] / w[0];
    *mean = e1;
    *var = e2 - e1 * e1;
    /* Fourth central moment from raw moments. */
    *mu4 = e4 - 4.0 * e1 * e3 + 6.0 * e1 * e1 * e2 - 3.0 * e1 * e1 * e1 * e1;
}

/* The truncated normal's mean and variance written out independently of
 * dist.c: Z = P(X >= 0) = erfc(-m / (s sqrt 2)) / 2, and with the standard
 * normal density phi and a = -m/s, E = m + s phi(a)/Z and
 * Var = s^2 [1 + a phi(a)/Z - (phi(a)/Z)^2]. */
static void truncated_normal_erfc(double m, double s, double *mean, double *var)
{
    double a = -m / s;
    double Z = 0.5 * erfc(a / sqrt(2.0));
    double phi = exp(-a * a / 2.0) / sqrt(2.0 * G_PI);
    *mean = m + s * phi / Z;
    *var = s * s * (1.0 + a * phi / Z - (phi / Z) * (phi / Z));
}

/* Lognormal fourth central moment: mu4 / sigma^4 = e^{4S} + 2 e^{3S} +
 * 3 e^{2S} - 3 with S = ln(1 + cv^2) (kurtosis of the lognormal). */
static double lognormal_mu4(double mean, double cv)
{
    double S = log1p(cv * cv), v = (mean * cv) * (mean * cv);
    return v * v * (exp(4 * S) + 2 * exp(3 * S) + 3 * exp(2 * S) - 3);
}

/* Gamma with shape k: excess kurtosis 6/k, so mu4 = sigma^4 (3 + 6/k). */
static double gamma_mu4(double mean, double cv)
{
    double v = (mean * cv) * (mean * cv);
    return v * v * (3.0 + 6.0 * cv * cv);
}

/* ---- tests: names ----------------------------------------------------- */

static void test_names(void)
{
    static const char *const names[] = {"constant", "exponential", "uniform", "normal",
                                        "lognormal", "gamma", "empirical"};
    for (int i = 0; i < (int)G_N_ELEMENTS(names); i++) {
        CirrusDistKind k = (CirrusDistKind)-1;
        g_assert_cmpstr(cirrus_dist_kind_name((CirrusDistKind)i), ==, names[i]);
        g_assert_true(cirrus_dist_kind_from_name(names[i], &k));
        g_assert_cmpint(k, ==, i);
        g_assert_cmpstr(cirrus_dist_kind_name(k), ==, names[i]);
    }
    CirrusDistKind k = CIRRUS_DIST_GAMMA;
    g_assert_false(cirrus_dist_kind_from_name("expo", &k));
    g_assert_false(cirrus_dist_kind_from_name("", &k));
    g_assert_false(cirrus_dist_kind_from_name("exponentials", &k));
    g_assert_false(cirrus_dist_kind_from_name(NULL, &k));
    g_assert_cmpint(k, ==, CIRRUS_DIST_GAMMA); /* untouched on failure */
}

/* ---- tests: validation ------------------------------------------------ */

typedef struct {
    CirrusDistKind kind;
    double p1, p2;
    const char *param; /* must appear in the message */
} BadCase;

static void test_invalid(void)
{
    const BadCase cases[] = {
        {CIRRUS_DIST_CONSTANT, -1, 0, "value"},
        {CIRRUS_DIST_CONSTANT, NAN, 0, "value"},
        {CIRRUS_DIST_CONSTANT, INFINITY, 0, "value"},
        {CIRRUS_DIST_EXPONENTIAL, 0, 0, "mean"},
        {CIRRUS_DIST_EXPONENTIAL, -1, 0, "mean"},
        {CIRRUS_DIST_EXPONENTIAL, NAN, 0, "mean"},
        {CIRRUS_DIST_EXPONENTIAL, INFINITY, 0, "mean"},
        {CIRRUS_DIST_UNIFORM, -1, 1, "min"},
        {CIRRUS_DIST_UNIFORM, NAN, 1, "min"},
        {CIRRUS_DIST_UNIFORM, 0, NAN, "max"},
        {CIRRUS_DIST_UNIFORM, 0, INFINITY, "max"},
        {CIRRUS_DIST_UNIFORM, 3, 1, "min"},
        {CIRRUS_DIST_UNIFORM, 3, 1, "max"},
        {CIRRUS_DIST_NORMAL, -1, 1, "mean"},
        {CIRRUS_DIST_NORMAL, NAN, 1, "mean"},
        {CIRRUS_DIST_NORMAL, 1, -1, "sd"},
        {CIRRUS_DIST_NORMAL, 1, NAN, "sd"},
        {CIRRUS_DIST_NORMAL, 1, INFINITY, "sd"},
        {CIRRUS_DIST_LOGNORMAL, 0, 1, "mean"},
        {CIRRUS_DIST_LOGNORMAL, -2, 1, "mean"},
        {CIRRUS_DIST_LOGNORMAL, INFINITY, 1, "mean"},
        {CIRRUS_DIST_LOGNORMAL, 1, -0.1, "cv"},
        {CIRRUS_DIST_LOGNORMAL, 1, NAN, "cv"},
        {CIRRUS_DIST_LOGNORMAL, 1, INFINITY, "cv"},
        {CIRRUS_DIST_GAMMA, -1, 1, "mean"},
        {CIRRUS_DIST_GAMMA, NAN, 1, "mean"},
        {CIRRUS_DIST_GAMMA, 1, 0, "cv"},
        {CIRRUS_DIST_GAMMA, 1, -1, "cv"},
        {CIRRUS_DIST_GAMMA, 1, INFINITY, "cv"},
        {CIRRUS_DIST_EMPIRICAL, 1, 1, "empirical"}, /* needs set_empirical */
        {(CirrusDistKind)42, 1, 1, "kind"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        const BadCase *c = &cases[i];
        CirrusDist d;
        memset(&d, 0xab, sizeof d); /* garbage in: must come back empty */
        GError *error = NULL;
        g_assert_false(cirrus_dist_set(&d, c->kind, c->p1, c->p2, &error));
        g_assert_error(error, CIRRUS_ERROR, CIRRUS_ERROR_SCENARIO);
        if (!strstr(error->message, c->param))
            g_error("case %" G_GSIZE_FORMAT ": message '%s' does not name '%s'", i, error->message, c->param);
        if ((int)c->kind >= 0 && (int)c->kind <= CIRRUS_DIST_EMPIRICAL)
            g_assert_nonnull(strstr(error->message, cirrus_dist_kind_name(c->kind)));
        g_assert_null(d.samples);
        g_assert_cmpuint(d.n_samples, ==, 0);
        g_clear_error(&error);
        cirrus_dist_clear(&d);
    }

    /* The documented message, verbatim. */
    CirrusDist d;
    GError *error = NULL;
    g_assert_false(cirrus_dist_set(&d, CIRRUS_DIST_EXPONENTIAL, -1, 0, &error));
    g_assert_cmpstr(error->message, ==, "exponential: mean must be > 0 (got -1)");
    g_clear_error(&error);

    /* A NULL GError** is allowed. */
    g_assert_false(cirrus_dist_set(&d, CIRRUS_DIST_GAMMA, 1, 0, NULL));

    /* Empirical: empty, negative, NaN, infinite. */
    const double neg[] = {1, 2, -3};
    const double nan_s[] = {NAN};
    const double inf_s[] = {0, INFINITY};
    struct { const double *s; gsize n; } bad[] = {{neg, 0}, {NULL, 0}, {neg, 3}, {nan_s, 1}, {inf_s, 2}};
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_false(cirrus_dist_set_empirical(&d, bad[i].s, bad[i].n, &error));
        g_assert_error(error, CIRRUS_ERROR, CIRRUS_ERROR_SCENARIO);
        g_assert_nonnull(strstr(error->message, "sample"));
        g_assert_nonnull(strstr(error->message, "empirical"));
        g_assert_null(d.samples);
        g_clear_error(&error);
    }

    /* Boundary values that are valid. */
    set_ok(&d, CIRRUS_DIST_CONSTANT, 0, 0);
    set_ok(&d, CIRRUS_DIST_UNIFORM, 0, 0);
    set_ok(&d, CIRRUS_DIST_NORMAL, 0, 0);
    set_ok(&d, CIRRUS_DIST_LOGNORMAL, 1e-9, 0);
    set_ok(&d, CIRRUS_DIST_EXPONENTIAL, 5e-324, 0);
}

/* ---- tests: closed forms ---------------------------------------------- */

static void test_closed_forms(void)
{
    CirrusDist d;

    set_ok(&d, CIRRUS_DIST_CONSTANT, 2.5, 0);
    g_assert_cmpfloat(cirrus_dist_mean(&d), ==, 2.5);
    g_assert_cmpfloat(cirrus_dist_variance(&d), ==, 0.0);

    set_ok(&d, CIRRUS_DIST_EXPONENTIAL, 0.05, 0);
    assert_close(cirrus_dist_mean(&d), 0.05, 1e-15);
    assert_close(cirrus_dist_variance(&d), 0.0025, 1e-15);

    set_ok(&d, CIRRUS_DIST_UNIFORM, 1, 4);
    assert_close(cirrus_dist_mean(&d), (1.0 + 4.0) / 2.0, 1e-15);
    assert_close(cirrus_dist_variance(&d), (4.0 - 1.0) * (4.0 - 1.0) / 12.0, 1e-15);

    /* Gamma(mean 3, cv 0.5): shape 4, scale 0.75; mean = k theta and
     * variance = k theta^2 = (mean cv)^2. */
    set_ok(&d, CIRRUS_DIST_GAMMA, 3, 0.5);
    assert_close(cirrus_dist_mean(&d), 3.0, 1e-15);
    assert_close(cirrus_dist_variance(&d), 1.5 * 1.5, 1e-15);
    assert_close(d.x, 4.0, 1e-15);
    assert_close(d.y, 0.75, 1e-15);
    assert_close(d.x * d.y, 3.0, 1e-15);
    assert_close(d.x * d.y * d.y, 2.25, 1e-15);

    /* Lognormal(mean 2, cv 0.5): the underlying (mu, sigma) must reproduce
     * the requested moments through the textbook lognormal formulas
     * E = exp(mu + sigma^2/2), Var = (exp(sigma^2) - 1) exp(2 mu + sigma^2). */
    set_ok(&d, CIRRUS_DIST_LOGNORMAL, 2, 0.5);
    double mu = d.x, sg = d.y;
    assert_close(exp(mu + sg * sg / 2), 2.0, 1e-14);
    assert_close((exp(sg * sg) - 1) * exp(2 * mu + sg * sg), 1.0, 1e-14);
    assert_close(cirrus_dist_mean(&d), 2.0, 1e-15);
    assert_close(cirrus_dist_variance(&d), 1.0, 1e-15);

    /* Truncated normal, mean 1 sd 1: dist.c against the erfc formula written
     * out here, and both against direct numerical integration. */
    double em, ev, nm, nv, n4;
    set_ok(&d, CIRRUS_DIST_NORMAL, 1, 1);
    truncated_normal_erfc(1, 1, &em, &ev);
    truncated_normal_numeric(1, 1, &nm, &nv, &n4);
    assert_close(cirrus_dist_mean(&d), em, 1e-13);
    assert_close(cirrus_dist_variance(&d), ev, 1e-13);
    assert_close(em, nm, 1e-9);
    assert_close(ev, nv, 1e-9);
    /* The truncation is visible: the realised mean is well above 1. */
    g_assert_cmpfloat(cirrus_dist_mean(&d), >, 1.28);
    g_assert_cmpfloat(cirrus_dist_variance(&d), <, 0.64);

    /* mean 0: the half-normal, E = sd sqrt(2/pi), Var = sd^2 (1 - 2/pi). */
    set_ok(&d, CIRRUS_DIST_NORMAL, 0, 2);
    assert_close(cirrus_dist_mean(&d), 2.0 * sqrt(2.0 / G_PI), 1e-13);
    assert_close(cirrus_dist_variance(&d), 4.0 * (1.0 - 2.0 / G_PI), 1e-13);

    /* Far from 0 the truncation vanishes; sd 0 is a constant. */
    set_ok(&d, CIRRUS_DIST_NORMAL, 100, 1);
    assert_close(cirrus_dist_mean(&d), 100.0, 1e-15);
    assert_close(cirrus_dist_variance(&d), 1.0, 1e-15);
    set_ok(&d, CIRRUS_DIST_NORMAL, 3, 0);
    g_assert_cmpfloat(cirrus_dist_mean(&d), ==, 3.0);
    g_assert_cmpfloat(cirrus_dist_variance(&d), ==, 0.0);

    /* Empirical: uniform over the stored values, so population moments. */
    const double s[] = {1, 2, 3, 10};
    g_assert_true(cirrus_dist_set_empirical(&d, s, G_N_ELEMENTS(s), NULL));
    assert_close(cirrus_dist_mean(&d), 4.0, 1e-15);
    assert_close(cirrus_dist_variance(&d), (9.0 + 4.0 + 1.0 + 36.0) / 4.0, 1e-15);
    cirrus_dist_clear(&d);
}

/* ---- tests: sampled moments ------------------------------------------- */

static void test_constant_moments(void)
{
    CirrusDist d;
    set_ok(&d, CIRRUS_DIST_CONSTANT, 0.3, 0);
    check_sample_moments(&d, 0, 1);
    cirrus_dist_constant(&d, 0.0);
    check_sample_moments(&d, 0, 1);
}

static void test_exponential_moments(void)
{
    CirrusDist d;
    set_ok(&d, CIRRUS_DIST_EXPONENTIAL, 0.05, 0);
    /* Exp(mean m): mu4 = 9 m^4. */
    check_sample_moments(&d, 9 * pow(0.05, 4), 11);
}

static void test_uniform_moments(void)
{
    CirrusDist d;
    set_ok(&d, CIRRUS_DIST_UNIFORM, 1, 3);
    /* U(a, b): mu4 = (b - a)^4 / 80. */
    check_sample_moments(&d, pow(2.0, 4) / 80.0, 12);
    set_ok(&d, CIRRUS_DIST_UNIFORM, 2, 2);
    check_sample_moments(&d, 0, 12);
}

static void test_normal_moments(void)
{
    static const double params[][2] = {{1, 1}, {0, 2}, {10, 1}, {0.2, 3}};
    for (gsize i = 0; i < G_N_ELEMENTS(params); i++) {
        CirrusDist d;
        double nm, nv, n4;
        set_ok(&d, CIRRUS_DIST_NORMAL, params[i][0], params[i][1]);
        truncated_normal_numeric(params[i][0], params[i][1], &nm, &nv, &n4);
        assert_close(cirrus_dist_mean(&d), nm, 1e-9);
        assert_close(cirrus_dist_variance(&d), nv, 1e-9);
        check_sample_moments(&d, n4, 13 + i);
    }
    CirrusDist d;
    set_ok(&d, CIRRUS_DIST_NORMAL, 0.5, 0);
    check_sample_moments(&d, 0, 13);
}

static void test_lognormal_moments(void)
{
    CirrusDist d;
    set_ok(&d, CIRRUS_DIST_LOGNORMAL, 2, 0.5);
    check_sample_moments(&d, lognormal_mu4(2, 0.5), 14);
    set_ok(&d, CIRRUS_DIST_LOGNORMAL, 0.01, 1);
    check_sample_moments(&d, lognormal_mu4(0.01, 1), 15);
    set_ok(&d, CIRRUS_DIST_LOGNORMAL, 7, 0);
    check_sample_moments(&d, 0, 15);
}

static void test_gamma_moments(void)
{
    /* cv 0.5: shape 4; cv 1: shape 1 (an exponential); cv 2: shape 1/4,
     * which goes through the U^(1/shape) boost. */
    static const double cvs[] = {0.5, 1.0, 2.0, 0.05};
    for (gsize i = 0; i < G_N_ELEMENTS(cvs); i++) {
        CirrusDist d;
        set_ok(&d, CIRRUS_DIST_GAMMA, 3, cvs[i]);
        check_sample_moments(&d, gamma_mu4(3, cvs[i]), 16 + i);
    }
}

static void test_empirical_moments(void)
{
    double s[] = {0, 0.5, 1, 2, 10};
    const int n = G_N_ELEMENTS(s);
    CirrusDist d;
    GError *error = NULL;
    g_assert_true(cirrus_dist_set_empirical(&d, s, n, &error));
    g_assert_no_error(error);
    /* The distribution owns a copy. */
    g_assert_true(d.samples != s);
    s[4] = 1e9;
    double m = 0, m4 = 0;
    const double orig[] = {0, 0.5, 1, 2, 10};
    for (int i = 0; i < n; i++) m += orig[i] / n;
    for (int i = 0; i < n; i++) m4 += pow(orig[i] - m, 4) / n;
    assert_close(cirrus_dist_mean(&d), m, 1e-15);
    check_sample_moments(&d, m4, 20);

    /* Every value is drawn, and only those. */
    CirrusRng rng;
    cirrus_rng_seed(&rng, 1);
    int seen[5] = {0};
    for (int i = 0; i < 1000; i++) {
        double x = cirrus_dist_sample(&d, &rng);
        int j = 0;
        while (j < n && orig[j] != x) j++;
        g_assert_cmpint(j, <, n);
        seen[j]++;
    }
    for (int j = 0; j < n; j++) g_assert_cmpint(seen[j], >, 0);

    cirrus_dist_clear(&d);
    cirrus_dist_clear(&d); /* safe twice */
    g_assert_null(d.samples);
}

/* ---- tests: robustness ------------------------------------------------ */

/* Extreme but valid parameters must still never give NaN, a negative or -0
 * (infinity is possible when the parameters themselves are near DBL_MAX). */
static void test_extremes(void)
{
    static const struct { CirrusDistKind k; double p1, p2; } cases[] = {
        {CIRRUS_DIST_EXPONENTIAL, 1e308, 0},
        {CIRRUS_DIST_EXPONENTIAL, 5e-324, 0},
        {CIRRUS_DIST_UNIFORM, 0, 1.7e308},
        {CIRRUS_DIST_NORMAL, 0, 1e300},
        {CIRRUS_DIST_NORMAL, 1e300, 1e-300},
        {CIRRUS_DIST_NORMAL, 0, 5e-324},
        {CIRRUS_DIST_LOGNORMAL, 1e-300, 1e200},
        {CIRRUS_DIST_LOGNORMAL, 1e300, 1e-300},
        {CIRRUS_DIST_GAMMA, 1, 1e-30},
        {CIRRUS_DIST_GAMMA, 1e-300, 1e-10},
        {CIRRUS_DIST_GAMMA, 1, 1e10},
        {CIRRUS_DIST_GAMMA, 1e300, 1e200},
        {CIRRUS_DIST_GAMMA, 1, 1.7e308},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        CirrusDist d;
        set_ok(&d, cases[i].k, cases[i].p1, cases[i].p2);
        g_assert_false(isnan(cirrus_dist_mean(&d)));
        g_assert_false(isnan(cirrus_dist_variance(&d)));
        CirrusRng rng;
        cirrus_rng_seed(&rng, i);
        for (int j = 0; j < 2000; j++) {
            double x = cirrus_dist_sample(&d, &rng);
            if (isnan(x) || signbit(x))
                g_error("case %" G_GSIZE_FORMAT " (%s %g %g) drew %g", i,
                        cirrus_dist_kind_name(cases[i].k), cases[i].p1, cases[i].p2, x);
        }
    }
    /* A gamma with a negligible cv is its mean. */
    CirrusDist d;
    CirrusRng rng;
    cirrus_rng_seed(&rng, 3);
    set_ok(&d, CIRRUS_DIST_GAMMA, 2, 1e-30);
    g_assert_cmpfloat(cirrus_dist_sample(&d, &rng), ==, 2.0);
    /* A failed set leaves a distribution that draws 0, not garbage. */
    g_assert_false(cirrus_dist_set(&d, CIRRUS_DIST_GAMMA, -2, 1, NULL));
    g_assert_cmpfloat(cirrus_dist_sample(&d, &rng), ==, 0.0);
}

static void test_determinism(void)
{
    CirrusDist d;
    set_ok(&d, CIRRUS_DIST_GAMMA, 1, 0.7);
    CirrusRng a, b;
    cirrus_rng_seed_named(&a, 9, "svc", 2);
    cirrus_rng_seed_named(&b, 9, "svc", 2);
    for (int i = 0; i < 10000; i++)
        g_assert_cmpfloat(cirrus_dist_sample(&d, &a), ==, cirrus_dist_sample(&d, &b));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sim/dist/names", test_names);
    g_test_add_func("/sim/dist/invalid", test_invalid);
    g_test_add_func("/sim/dist/closed-forms", test_closed_forms);
    g_test_add_func("/sim/dist/constant/moments", test_constant_moments);
    g_test_add_func("/sim/dist/exponential/moments", test_exponential_moments);
    g_test_add_func("/sim/dist/uniform/moments", test_uniform_moments);
    g_test_add_func("/sim/dist/normal/moments", test_normal_moments);
    g_test_add_func("/sim/dist/lognormal/moments", test_lognormal_moments);
    g_test_add_func("/sim/dist/gamma/moments", test_gamma_moments);
    g_test_add_func("/sim/dist/empirical/moments", test_empirical_moments);
    g_test_add_func("/sim/dist/extremes", test_extremes);
    g_test_add_func("/sim/dist/determinism", test_determinism);
    return g_test_run();
}
