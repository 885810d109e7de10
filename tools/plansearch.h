/* cirrus — the search of `cirrus plan` over one or more whole-number knobs
 * (docs/capacity-planning.md, "Search and its assumption").
 *
 * Feasibility (every SLO met) is assumed monotone: a setting at least as
 * large in every knob as a feasible one is feasible.  The search judges
 * settings until every *minimal* feasible setting (the frontier) and the
 * all-HI corner have been judged, never judging one twice and never one
 * whose verdict follows from those already judged. */
#ifndef CIRRUS_TOOLS_PLANSEARCH_H
#define CIRRUS_TOOLS_PLANSEARCH_H

#include <glib.h>

/* The largest |LO| and |HI| a knob may take: differences and LO - 1 stay
 * far from overflow. */
#define CIRRUS_PLAN_KNOB_LIMIT (G_GINT64_CONSTANT(1) << 62)
#define CIRRUS_PLAN_MAX_KNOBS  8

typedef struct CirrusPlanKnob {
    const char *key;            /* the --set path varied, e.g. components.web.max */
    gint64 lo, hi;              /* lo <= hi */
} CirrusPlanKnob;

/* Judge the setting `values` (one per knob): TRUE and *feasible set, or
 * FALSE with *error. */
typedef struct CirrusPlanJudge {
    gboolean (*judge)(const gint64 *values, gpointer data, gboolean *feasible, GError **error);
    gpointer data;
} CirrusPlanJudge;

/* Search knobs[0..n-1] (n >= 1), calling judge->judge for each setting
 * it needs, in a deterministic order:
 * - one knob: HI first (if it fails, nothing can pass), then LO, then
 *   bisection between the largest failing and the smallest passing value;
 * - two: the all-HI corner, then bisection for the smallest first knob
 *   with the second at HI, then for the smallest second knob there; then
 *   for each larger first knob the smallest second knob, which cannot be
 *   larger than the previous one (a staircase), found by galloping down
 *   from it (one setting when it does not move);
 * - more: for each value of the first knob, from the smallest that can
 *   pass, the frontier of the others, until the others can all be at LO.
 * FALSE only when the judge failed.  *n_judged: settings judged. */
gboolean cirrus_plan_search(const CirrusPlanKnob *knobs, guint n, const CirrusPlanJudge *judge, guint *n_judged,
                            GError **error);

#endif
