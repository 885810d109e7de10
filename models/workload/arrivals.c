/* cirrus — inverting a piecewise-linear integrated rate (see arrivals.h). */
#include "models/workload/arrivals.h"
#include <math.h>

double cirrus_rate_profile_at(const CirrusRateProfile *p, double t)
{
    if (t <= p->t[0]) return p->rate[0];
    for (guint i = 0; i + 1 < p->n; i++) {
        if (t < p->t[i + 1]) {
            double f = (t - p->t[i]) / (p->t[i + 1] - p->t[i]);
            return p->rate[i] + f * (p->rate[i + 1] - p->rate[i]);
        }
    }
    return p->rate[p->n - 1];
}

/* Distance x >= 0 such that r x + s x^2 / 2 = amount, in the form that
 * does not cancel when s is small: x = 2E / (r + sqrt(r^2 + 2 s E)). */
static double solve_linear_rate(double r, double s, double amount)
{
    double disc = r * r + 2.0 * s * amount;
    if (disc < 0) disc = 0;
    double den = r + sqrt(disc);
    return den > 0 ? 2.0 * amount / den : INFINITY;
}

double cirrus_rate_profile_advance_any(const CirrusRateProfile *p, double from, double amount)
{
    double t = from;
    /* Find the piece holding t: piece i spans [t_i, t_{i+1}); piece n-1 is
     * the flat tail; the flat head before t_0 is handled as piece -1. */
    guint i = 0;
    while (i < p->n && p->t[i] <= t) i++;
    /* now p->t[i-1] <= t < p->t[i] (or i == n: tail; i == 0: head) */
    for (;;) {
        double r = cirrus_rate_profile_at(p, t);
        if (i == p->n) {                          /* flat tail, forever */
            return r > 0 ? t + amount / r : INFINITY;
        }
        double end = p->t[i];
        if (end == t && i > 0 && p->t[i - 1] == end) {   /* a step: no width, no area */
            i++;
            continue;
        }
        double slope = i == 0 ? 0.0 : (p->rate[i] - p->rate[i - 1]) / (p->t[i] - p->t[i - 1]);
        /* The piece's own value at its end (the left limit: a step there
         * belongs to the next piece). */
        double area = (end - t) * (r + p->rate[i]) / 2.0;
        if (amount <= area) {
            double x = solve_linear_rate(r, slope, amount);
            return MIN(t + x, end);
        }
        amount -= area;
        t = end;
        i++;
    }
}
