/* cirrus — probability distributions for durations and sizes.
 *
 * Parameters are validated once in cirrus_dist_set*(); sampling then only
 * does arithmetic.  Derived parameters kept in (x, y):
 *
 *   normal     x = mean, y = variance of the distribution truncated at 0
 *   lognormal  x = mu, y = sigma of the underlying normal
 *   gamma      x = shape, y = scale (x = 0: degenerate, see dist_set)
 *   empirical  x = mean, y = population variance of the samples
 *
 * cirrus_dist_set() and cirrus_dist_set_empirical() treat *d as pure output:
 * they never free what it held before (the scenario loader copies a default
 * distribution and then re-sets it from the default's own samples), so a
 * caller replacing an empirical distribution must cirrus_dist_clear() it
 * first. */
#include "sim/kernel/dist.h"

#include <math.h>
#include <string.h>

#include "sim/kernel/error.h"

/* Below this cv a gamma's spread is under 1e-20 of its mean, far below a
 * double's resolution, so it is drawn as the constant mean; this also keeps
 * shape = 1/cv^2 and scale = mean*cv^2 away from overflow and underflow. */
#define GAMMA_MIN_CV 1e-20

static const char *const kind_names[] = {
    [CIRRUS_DIST_CONSTANT] = "constant",
    [CIRRUS_DIST_EXPONENTIAL] = "exponential",
    [CIRRUS_DIST_UNIFORM] = "uniform",
    [CIRRUS_DIST_NORMAL] = "normal",
    [CIRRUS_DIST_LOGNORMAL] = "lognormal",
    [CIRRUS_DIST_GAMMA] = "gamma",
    [CIRRUS_DIST_EMPIRICAL] = "empirical",
};
#define N_KINDS ((int)G_N_ELEMENTS(kind_names))

gboolean cirrus_dist_kind_from_name(const char *name, CirrusDistKind *kind)
{
    if (!name) return FALSE;
    for (int i = 0; i < N_KINDS; i++) {
        if (strcmp(name, kind_names[i]) == 0) {
            if (kind) *kind = (CirrusDistKind)i;
            return TRUE;
        }
    }
    return FALSE;
}

const char *cirrus_dist_kind_name(CirrusDistKind kind)
{
    if ((int)kind < 0 || (int)kind >= N_KINDS) return "unknown";
    return kind_names[kind];
}

/* ---- validation ------------------------------------------------------- */

/* Check lo <= value (or lo < value when strict), value finite.  The message
 * names the distribution and the parameter, as the scenario author wrote
 * them, e.g. "exponential: mean must be > 0 (got -1)". */
static gboolean check_param(const char *kind, const char *param, double value,
                            double lo, gboolean strict, GError **error)
{
    if (!isfinite(value)) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_SCENARIO,
                    "%s: %s must be a finite number %s %g (got %g)", kind, param,
                    strict ? ">" : ">=", lo, value);
        return FALSE;
    }
    if (strict ? !(value > lo) : !(value >= lo)) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_SCENARIO,
                    "%s: %s must be %s %g (got %g)", kind, param,
                    strict ? ">" : ">=", lo, value);
        return FALSE;
    }
    return TRUE;
}

/* Moments of N(mean, sd^2) conditioned on being >= 0, with alpha = -mean/sd
 * the truncation point in standard units, Z = P(X >= 0) = erfc(alpha/√2)/2
 * and lambda = phi(alpha) / Z (the inverse Mills ratio):
 *     E = mean + sd * lambda
 *     V = sd^2 * (1 + alpha * lambda - lambda^2)
 * mean >= 0 means alpha <= 0 and Z >= 1/2, so nothing here cancels badly. */
static void truncated_normal_moments(double mean, double sd, double *m, double *v)
{
    if (sd == 0.0 || mean > 40.0 * sd) {
        /* P(X < 0) < 1e-349: the truncation is invisible in a double (and
         * alpha * lambda would be -inf * 0 if alpha overflowed). */
        *m = mean;
        *v = sd * sd;
        return;
    }
    double alpha = -mean / sd;
    double z = 0.5 * erfc(alpha / G_SQRT2);
    double phi = exp(-0.5 * alpha * alpha) / sqrt(2.0 * G_PI);
    double lambda = phi / z;
    *m = mean + sd * lambda;
    *v = sd * sd * (1.0 + alpha * lambda - lambda * lambda);
}

gboolean cirrus_dist_set(CirrusDist *d, CirrusDistKind kind, double p1,
                         double p2, GError **error)
{
    g_return_val_if_fail(d != NULL, FALSE);
    memset(d, 0, sizeof *d);
    const char *name = cirrus_dist_kind_name(kind);
    gboolean ok = TRUE;

    switch (kind) {
    case CIRRUS_DIST_CONSTANT:
        ok = check_param(name, "value", p1, 0.0, FALSE, error);
        break;
    case CIRRUS_DIST_EXPONENTIAL:
        ok = check_param(name, "mean", p1, 0.0, TRUE, error);
        break;
    case CIRRUS_DIST_UNIFORM:
        ok = check_param(name, "min", p1, 0.0, FALSE, error) &&
             check_param(name, "max", p2, 0.0, FALSE, error);
        if (ok && p1 > p2) {
            g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_SCENARIO,
                        "%s: min must be <= max (got min %g, max %g)", name, p1, p2);
            ok = FALSE;
        }
        break;
    case CIRRUS_DIST_NORMAL:
        ok = check_param(name, "mean", p1, 0.0, FALSE, error) &&
             check_param(name, "sd", p2, 0.0, FALSE, error);
        if (ok) truncated_normal_moments(p1, p2, &d->x, &d->y);
        break;
    case CIRRUS_DIST_LOGNORMAL:
        ok = check_param(name, "mean", p1, 0.0, TRUE, error) &&
             check_param(name, "cv", p2, 0.0, FALSE, error);
        if (ok) {
            /* Match the first two moments: sigma^2 = ln(1 + cv^2) and
             * mu = ln(mean) - sigma^2/2.  For cv beyond 1e150, cv^2 would
             * overflow; there ln(1 + cv^2) = 2 ln(cv) to double precision. */
            double s2 = p2 > 1e150 ? 2.0 * log(p2) : log1p(p2 * p2);
            d->x = log(p1) - 0.5 * s2;
            d->y = sqrt(s2);
        }
        break;
    case CIRRUS_DIST_GAMMA:
        ok = check_param(name, "mean", p1, 0.0, TRUE, error) &&
             check_param(name, "cv", p2, 0.0, TRUE, error);
        if (ok && p2 >= GAMMA_MIN_CV) {
            /* shape k = 1/cv^2, scale theta = mean*cv^2: mean k*theta, sd
             * sqrt(k)*theta = mean*cv.  A shape that underflows (cv beyond
             * ~1e154) is kept at DBL_MIN: every draw is then 0 anyway. */
            d->x = fmax(1.0 / (p2 * p2), G_MINDOUBLE);
            d->y = p1 * p2 * p2;
        }
        break;
    case CIRRUS_DIST_EMPIRICAL:
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_SCENARIO,
                    "empirical: samples must be given with cirrus_dist_set_empirical()");
        ok = FALSE;
        break;
    default:
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_SCENARIO,
                    "unknown distribution kind %d", (int)kind);
        ok = FALSE;
        break;
    }

    if (!ok) {
        memset(d, 0, sizeof *d);
        return FALSE;
    }
    d->kind = kind;
    d->p1 = p1;
    d->p2 = p2;
    return TRUE;
}

gboolean cirrus_dist_set_empirical(CirrusDist *d, const double *samples,
                                   gsize n, GError **error)
{
    g_return_val_if_fail(d != NULL, FALSE);
    memset(d, 0, sizeof *d);
    if (n == 0 || !samples) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_SCENARIO,
                    "empirical: samples must hold at least one value (got none)");
        return FALSE;
    }
    for (gsize i = 0; i < n; i++) {
        if (!isfinite(samples[i]) || !(samples[i] >= 0.0)) {
            g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_SCENARIO,
                        "empirical: sample %" G_GSIZE_FORMAT " must be a finite number >= 0 (got %g)",
                        i + 1, samples[i]);
            return FALSE;
        }
    }
    /* Draws are uniform over the n stored values, so their variance is the
     * population variance (divide by n); two passes keep it accurate. */
    double sum = 0.0;
    for (gsize i = 0; i < n; i++) sum += samples[i];
    double mean = sum / (double)n;
    double ss = 0.0;
    for (gsize i = 0; i < n; i++) ss += (samples[i] - mean) * (samples[i] - mean);

    d->kind = CIRRUS_DIST_EMPIRICAL;
    d->samples = g_new(double, n);
    memcpy(d->samples, samples, n * sizeof *samples);
    d->n_samples = n;
    d->x = mean;
    d->y = ss / (double)n;
    return TRUE;
}

void cirrus_dist_constant(CirrusDist *d, double value)
{
    g_return_if_fail(d != NULL);
    memset(d, 0, sizeof *d);
    d->kind = CIRRUS_DIST_CONSTANT;
    /* Documented to be infallible for value >= 0; anything else is a bug in
     * the caller, but still must not make sample() return a negative. */
    g_warn_if_fail(value >= 0.0 && isfinite(value));
    d->p1 = value >= 0.0 && isfinite(value) ? value : 0.0;
}

/* ---- sampling --------------------------------------------------------- */

/* Gamma(shape, 1) by Marsaglia & Tsang, "A simple method for generating
 * gamma variables" (2000).  For shape < 1 it draws Gamma(shape + 1) and
 * multiplies by U^(1/shape), which is exact (and the rejection method itself
 * needs shape >= 1). */
static double gamma_std(double shape, CirrusRng *rng)
{
    double boost = 1.0;
    if (shape < 1.0) {
        boost = pow(cirrus_rng_uniform_pos(rng), 1.0 / shape);
        shape += 1.0;
    }
    const double dd = shape - 1.0 / 3.0;
    const double c = 1.0 / sqrt(9.0 * dd);
    for (;;) {
        double z, v;
        do {
            z = cirrus_rng_normal(rng);
            v = 1.0 + c * z;
        } while (v <= 0.0);
        v = v * v * v;
        double u = cirrus_rng_uniform_pos(rng);
        double z2 = z * z;
        /* Cheap squeeze first, then the exact log test. */
        if (u < 1.0 - 0.0331 * z2 * z2 || log(u) < 0.5 * z2 + dd * (1.0 - v + log(v)))
            return dd * v * boost;
    }
}

double cirrus_dist_sample_any(const CirrusDist *d, CirrusRng *rng)
{
    switch (d->kind) {
    case CIRRUS_DIST_CONSTANT:
        return d->p1;
    case CIRRUS_DIST_EXPONENTIAL:
        return d->p1 * cirrus_rng_exp1(rng);
    case CIRRUS_DIST_UNIFORM:
        /* max - min cannot overflow as both are in [0, DBL_MAX]. */
        return d->p1 + (d->p2 - d->p1) * cirrus_rng_uniform(rng);
    case CIRRUS_DIST_NORMAL: {
        if (d->p2 == 0.0) return d->p1;
        /* Rejection: mean >= 0 puts at least half the mass at >= 0, so this
         * takes fewer than two draws on average.  "+ 0.0" maps -0.0 to 0. */
        double x;
        do x = d->p1 + d->p2 * cirrus_rng_normal(rng);
        while (!(x >= 0.0));
        return x + 0.0;
    }
    case CIRRUS_DIST_LOGNORMAL:
        if (d->p2 == 0.0) return d->p1;
        return exp(d->x + d->y * cirrus_rng_normal(rng));
    case CIRRUS_DIST_GAMMA: {
        if (d->x == 0.0) return d->p1; /* cv < GAMMA_MIN_CV */
        double g = gamma_std(d->x, rng);
        /* g is finite; scale may have overflowed to inf, and 0 * inf would
         * be NaN, so a zero draw stays zero. */
        return g > 0.0 ? g * d->y : 0.0;
    }
    case CIRRUS_DIST_EMPIRICAL:
        return d->samples[cirrus_rng_below(rng, d->n_samples)];
    default:
        g_assert_not_reached();
    }
    return 0.0;
}

double cirrus_dist_mean(const CirrusDist *d)
{
    switch (d->kind) {
    case CIRRUS_DIST_CONSTANT:
    case CIRRUS_DIST_EXPONENTIAL:
    case CIRRUS_DIST_LOGNORMAL:
    case CIRRUS_DIST_GAMMA:
        return d->p1;
    case CIRRUS_DIST_UNIFORM:
        return 0.5 * (d->p1 + d->p2);
    case CIRRUS_DIST_NORMAL:
    case CIRRUS_DIST_EMPIRICAL:
        return d->x;
    default:
        g_assert_not_reached();
    }
    return NAN;
}

double cirrus_dist_variance(const CirrusDist *d)
{
    switch (d->kind) {
    case CIRRUS_DIST_CONSTANT:
        return 0.0;
    case CIRRUS_DIST_EXPONENTIAL:
        return d->p1 * d->p1;
    case CIRRUS_DIST_UNIFORM: {
        double w = d->p2 - d->p1;
        return w * w / 12.0;
    }
    case CIRRUS_DIST_NORMAL:
    case CIRRUS_DIST_EMPIRICAL:
        return d->y;
    case CIRRUS_DIST_LOGNORMAL:
    case CIRRUS_DIST_GAMMA: {
        double sd = d->p1 * d->p2;
        return sd * sd;
    }
    default:
        g_assert_not_reached();
    }
    return NAN;
}

void cirrus_dist_clear(CirrusDist *d)
{
    if (!d) return;
    g_free(d->samples);
    d->samples = NULL;
    d->n_samples = 0;
}
