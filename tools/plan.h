/* cirrus — `cirrus plan`: the cheapest value of one or more capacity knobs
 * that meets every service level with confidence, or the best one by
 * another objective (docs/capacity-planning.md). */
#ifndef CIRRUS_TOOLS_PLAN_H
#define CIRRUS_TOOLS_PLAN_H

#include <glib.h>
#include <stdio.h>
#include "tools/plansearch.h"

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
    /* Several knobs: when n_knobs > 0 these replace key, lo and hi. */
    const CirrusPlanKnob *knobs;
    guint n_knobs;
    /* What to minimise among the settings that meet every SLO: NULL or
     * "cost" (the total cost_usd_per_month), or [min:|max:]ENTITY.METRIC[.STAT]
     * (max: maximises).  Ties: the smaller knob values, first knob first. */
    const char *objective;
} CirrusPlanSpec;

typedef struct CirrusPlanResult {
    gboolean found;             /* some value in lo..hi met every SLO */
    gint64 value;               /* the first knob's value in the setting chosen */
    double cost_month, cost_month_ci95;   /* its cost_usd_per_month (NaN: nothing billed) */
    guint n_points;             /* settings evaluated */
    gint64 values[CIRRUS_PLAN_MAX_KNOBS];   /* every knob's value in the setting chosen */
    double objective, objective_ci95;       /* its objective (mean, 95% half-width) */
    double grid;                /* settings in the grid: the product of HI - LO + 1 */
} CirrusPlanResult;

/* Search the knobs' ranges (plansearch.h, assuming that a larger value
 * never breaks an SLO that a smaller one meets), choose the best setting
 * that met every SLO by the objective among those evaluated, write the
 * explored points and report.  FALSE with a usage error for a bad SLO,
 * objective or range, a scenario error for a bad scenario or value. */
gboolean cirrus_plan(const CirrusPlanSpec *spec, CirrusPlanResult *result, GError **error);

#endif
