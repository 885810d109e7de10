/* cirrus — arrival times from a rate profile.
 *
 * A profile is a piecewise-linear rate r(t) through points (t_i, r_i); before
 * the first point the first rate holds, after the last the last rate holds.
 * Two points may share a time: the rate then steps there (r is continuous
 * from the right).
 * The next arrival after t is the time t' at which the integrated rate
 * Λ(t') - Λ(t) reaches a given amount E: E ~ Exp(1) gives a (non-homogeneous)
 * Poisson process — the time-change theorem — and E = 1 gives evenly spaced
 * arrivals whose local spacing follows the rate. */
#ifndef CIRRUS_MODEL_ARRIVALS_H
#define CIRRUS_MODEL_ARRIVALS_H

#include <glib.h>
#include <math.h>

typedef struct CirrusRateProfile {
    double *t;        /* seconds, non-decreasing; at most two equal (a step) */
    double *rate;     /* per second, >= 0 */
    guint   n;        /* >= 1 */
} CirrusRateProfile;

/* The time (s) after `from` (s) at which the integrated rate has grown by
 * `amount`; +inf if it never does (the rate falls to 0 for good). */
double cirrus_rate_profile_advance_any(const CirrusRateProfile *p, double from, double amount);

/* cirrus_rate_profile_advance_any, with a constant rate (the usual case,
 * once per arrival) inline: what its loop computes for the flat tail,
 * without the call and the search. */
static inline double cirrus_rate_profile_advance(const CirrusRateProfile *p, double from, double amount)
{
    if (p->n == 1 && p->t[0] <= from) return p->rate[0] > 0 ? from + amount / p->rate[0] : INFINITY;
    return cirrus_rate_profile_advance_any(p, from, amount);
}

/* The rate at time t. */
double cirrus_rate_profile_at(const CirrusRateProfile *p, double t);

#endif
