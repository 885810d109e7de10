/* cirrus — probability distributions for durations and sizes.
 *
 * A CirrusDist is a validated parameter set; sampling draws from a caller's
 * RNG stream.  Values are plain doubles in the caller's unit (the scenario
 * loader uses seconds for durations).  The user-facing parameters are those
 * of DESIGN.md §3:
 *
 *   kind         p1     p2     notes
 *   constant     value  -      value >= 0
 *   exponential  mean   -      mean > 0
 *   uniform      min    max    0 <= min <= max
 *   normal       mean   sd     mean >= 0, sd >= 0; truncated at 0 by
 *                              rejection (redraw negatives), so the
 *                              realised mean is slightly above `mean` when
 *                              sd is not small against mean
 *   lognormal    mean   cv     mean > 0, cv >= 0 (cv = sd / mean)
 *   gamma        mean   cv     mean > 0, cv > 0 (shape = 1/cv^2)
 *   empirical    samples       n >= 1 samples, each >= 0, drawn uniformly
 */
#ifndef CIRRUS_DIST_H
#define CIRRUS_DIST_H

#include <glib.h>
#include "sim/kernel/rng.h"

typedef enum {
    CIRRUS_DIST_CONSTANT,
    CIRRUS_DIST_EXPONENTIAL,
    CIRRUS_DIST_UNIFORM,
    CIRRUS_DIST_NORMAL,
    CIRRUS_DIST_LOGNORMAL,
    CIRRUS_DIST_GAMMA,
    CIRRUS_DIST_EMPIRICAL,
} CirrusDistKind;

typedef struct CirrusDist {
    CirrusDistKind kind;
    double p1, p2;        /* the user-facing parameters, as given */
    double x, y;          /* derived internal parameters (e.g. mu/sigma) */
    double *samples;      /* empirical only; owned */
    gsize   n_samples;
} CirrusDist;

/* Parse a kind name ("exponential", ...).  FALSE if unknown. */
gboolean    cirrus_dist_kind_from_name(const char *name, CirrusDistKind *kind);
const char *cirrus_dist_kind_name(CirrusDistKind kind);

/* Set a parametric distribution, checking its parameters (see the table
 * above; NaN and infinities are refused too).  On error returns FALSE with a
 * CIRRUS_ERROR_SCENARIO message naming the parameter, e.g.
 * "exponential: mean must be > 0 (got -1)"; *d is then left empty. */
gboolean cirrus_dist_set(CirrusDist *d, CirrusDistKind kind, double p1,
                         double p2, GError **error);

/* Set an empirical distribution from a copy of n samples. */
gboolean cirrus_dist_set_empirical(CirrusDist *d, const double *samples,
                                   gsize n, GError **error);

/* A constant distribution, for defaults (cannot fail for value >= 0). */
void   cirrus_dist_constant(CirrusDist *d, double value);

/* Draw a value; never negative, never NaN.  Exponential draws (every
 * M/M/c service time) inline; the other kinds in dist.c. */
double cirrus_dist_sample_any(const CirrusDist *d, CirrusRng *rng);
static inline double cirrus_dist_sample(const CirrusDist *d, CirrusRng *rng)
{
    if (d->kind == CIRRUS_DIST_EXPONENTIAL) return d->p1 * cirrus_rng_exp1(rng);
    return cirrus_dist_sample_any(d, rng);
}

/* Theoretical mean and variance of what cirrus_dist_sample draws (for the
 * truncated normal, those of the truncated distribution). */
double cirrus_dist_mean(const CirrusDist *d);
double cirrus_dist_variance(const CirrusDist *d);

/* Free what the distribution owns (empirical samples); safe twice. */
void   cirrus_dist_clear(CirrusDist *d);

#endif
