/* cirrus — `cirrus plan`: the cheapest value of one capacity knob that
 * meets every service level with confidence (docs/capacity-planning.md). */
#ifndef CIRRUS_TOOLS_PLAN_H
#define CIRRUS_TOOLS_PLAN_H

#include <glib.h>
#include <stdio.h>

typedef struct CirrusPlanSpec {
    const char *scenario;       /* path */
    const char *key;            /* the --set path varied, e.g. components.web.min */
    gint64 lo, hi;              /* its whole-number range, lo <= hi */
    const char *const *slos;    /* "users.latency_ms.p99<200", ...; NULL-terminated */
    const char *const *sets;    /* fixed --set overrides; may be NULL */
    guint replications, jobs;
    const char *output;         /* the sweep-layout HDF5 file; NULL: NAME-plan.h5 */
    FILE *out;                  /* the report; NULL: none */
    gboolean progress;
} CirrusPlanSpec;

typedef struct CirrusPlanResult {
    gboolean found;             /* some value in lo..hi met every SLO */
    gint64 value;               /* the smallest that did (the cheapest, by the monotone assumption) */
    double cost_month, cost_month_ci95;   /* its cost_usd_per_month (NaN: nothing billed) */
    guint n_points;             /* values evaluated */
} CirrusPlanResult;

/* Search lo..hi (bisection, assuming that a larger value never breaks an
 * SLO that a smaller one meets), write the explored points and report.
 * FALSE with a usage error for a bad SLO or range, a scenario error for a
 * bad scenario or value. */
gboolean cirrus_plan(const CirrusPlanSpec *spec, CirrusPlanResult *result, GError **error);

#endif
