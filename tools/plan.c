/* cirrus — `cirrus plan` (see plan.h, docs/capacity-planning.md).
 *
 * The knobs are whole-number --set paths (instances, shards, reserved
 * concurrency, an ASG's max, ...).  The search (plansearch.c) assumes
 * monotonicity: a setting at least as large in every knob never breaks a
 * service level that a smaller one meets.  It runs settings until every
 * minimal passing one and the all-HI corner have run: bisection for one
 * knob (hi, lo, then halving the gap), a staircase walk for several.  The
 * choice is then made explicitly among the settings that ran and passed,
 * by the objective (cost by default: it is not assumed to grow with every
 * knob of a mix), ties to the smaller values, first knob first.
 *
 * "Meets with confidence": every point runs `replications` independent
 * replications (the same seeds at every point: common random numbers), an
 * SLO's number is computed per replication, and the point passes when the
 * 95% confidence interval of its mean lies wholly on the right side of the
 * bound (mean + half-width < bound for '<').  The margin printed is the
 * distance from that interval's edge to the bound. */
#include "tools/plan.h"
#include "tools/cli.h"
#include "tools/replicate.h"
#include "tools/runtables.h"
#include "tools/slo.h"
#include "tools/sweep.h"
#include "models/aws/prices.h"
#include "models/registry.h"
#include "sim/kernel/error.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How the chosen setting is picked among those that meet every SLO. */
typedef struct {
    const char *text;     /* as given; "cost" by default */
    gboolean cost;        /* the total cost_usd_per_month */
    gboolean maximise;    /* max: */
    CirrusSlo metric;           /* otherwise: ENTITY.METRIC[.STAT], resolved like an SLO's */
} Objective;

/* One explored setting. */
typedef struct {
    gint64 values[CIRRUS_PLAN_MAX_KNOBS];
    CirrusScenario *sc;
    CirrusReplica *reps;
    GPtrArray *summary;
    gboolean pass;
    double *mean, *hw;    /* per SLO */
    double obj, obj_hw;   /* the objective's mean and half-width */
} Point;

typedef struct {
    const CirrusPlanSpec *spec;
    const CirrusPlanKnob *knobs;
    guint n_knobs;
    CirrusSlo *slos;
    guint n_slos;
    Objective objective;
    GPtrArray *points;    /* Point *, in the order explored */
} Plan;


/* --objective: "cost", or [min:|max:]ENTITY.METRIC[.STAT]. */
static gboolean parse_objective(const char *text, Objective *o, GError **error)
{
    memset(o, 0, sizeof *o);
    o->metric.row = o->metric.denominator = -1;
    o->text = text ? text : "cost";
    const char *rest = o->text;
    if (g_str_has_prefix(rest, "min:") || g_str_has_prefix(rest, "max:")) {
        o->maximise = rest[1] == 'a';
        rest += 4;
    }
    o->cost = strcmp(rest, "cost") == 0;
    const char *dot = strchr(rest, '.');
    if (o->cost || (dot && dot > rest && dot[1] && !strpbrk(rest, "<>=% \t"))) {
        o->metric.text = g_strdup(o->text);
        o->metric.lhs = g_strdup(rest);
        return TRUE;
    }
    g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE, "--objective takes 'cost' or [min:|max:]ENTITY.METRIC[.STAT], "
                "e.g. 'users.latency_ms.p99' or 'max:users.Succeeded', not '%s'", o->text);
    return FALSE;
}

static void point_free(gpointer p)
{
    Point *pt = p;
    g_free(pt->reps);   /* cleared by the writer or by plan_clear */
    if (pt->summary) g_ptr_array_unref(pt->summary);
    cirrus_scenario_free(pt->sc);
    g_free(pt->mean);
    g_free(pt->hw);
    g_free(pt);
}

/* "key = v" per knob joined by `sep` (eq " = "), or "key=v" (eq "="). */
static char *setting_text(const Plan *pl, const gint64 *values, const char *eq, const char *sep)
{
    GString *s = g_string_new(NULL);
    for (guint k = 0; k < pl->n_knobs; k++)
        g_string_append_printf(s, "%s%s%s%" G_GINT64_FORMAT, k ? sep : "", pl->knobs[k].key, eq, values[k]);
    return g_string_free(s, FALSE);
}

/* The values alone: "4" for one knob, "(4, 10)" for several. */
static char *values_text(const Plan *pl, const gint64 *values)
{
    GString *s = g_string_new(pl->n_knobs > 1 ? "(" : "");
    for (guint k = 0; k < pl->n_knobs; k++) g_string_append_printf(s, "%s%" G_GINT64_FORMAT, k ? ", " : "", values[k]);
    if (pl->n_knobs > 1) g_string_append_c(s, ')');
    return g_string_free(s, FALSE);
}

/* "KEY in LO..HI" per knob. */
static char *ranges_text(const Plan *pl)
{
    GString *s = g_string_new(NULL);
    for (guint k = 0; k < pl->n_knobs; k++)
        g_string_append_printf(s, "%s%s in %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT, k ? ", " : "", pl->knobs[k].key,
                               pl->knobs[k].lo, pl->knobs[k].hi);
    return g_string_free(s, FALSE);
}

/* The run's total cost_usd_per_month (mean, half-width), NaN if none. */
static void point_cost(const Point *pt, double *mean, double *hw)
{
    *mean = *hw = NAN;
    for (guint i = 0; i < pt->summary->len; i++) {
        const CirrusSummaryRow *r = pt->summary->pdata[i];
        if (strcmp(r->group, "total") == 0 && strcmp(r->metric, CIRRUS_COST_MONTH_METRIC) == 0) {
            *mean = r->v[CIRRUS_STAT_SUM];
            *hw = r->ci95[CIRRUS_STAT_SUM];
        }
    }
}

/* Judge the point's SLOs and its objective, per replication. */
static gboolean judge_point(Plan *pl, Point *pt, GError **error)
{
    guint n = pl->spec->replications;
    double *x = g_new(double, n);
    pt->mean = g_new(double, pl->n_slos);
    pt->hw = g_new(double, pl->n_slos);
    pt->pass = TRUE;
    gboolean ok = TRUE;
    for (guint i = 0; ok && i <= pl->n_slos; i++) {
        CirrusSlo *s = i < pl->n_slos ? &pl->slos[i] : &pl->objective.metric;
        if (i == pl->n_slos && pl->objective.cost) {
            point_cost(pt, &pt->obj, &pt->obj_hw);
            break;
        }
        if (s->row < 0 && !(ok = cirrus_slo_resolve(s, pt->reps[0].rows, i < pl->n_slos ? "--slo" : "--objective", error)))
            break;
        for (guint k = 0; k < n; k++) x[k] = cirrus_slo_value(s, pt->reps[k].rows);
        if (i == pl->n_slos) {
            cirrus_mean_ci95(x, n, &pt->obj, &pt->obj_hw);
            break;
        }
        cirrus_mean_ci95(x, n, &pt->mean[i], &pt->hw[i]);
        /* A latency percentile is known to half a histogram bucket at best
         * (replications in one bucket have no spread, not no error). */
        const CirrusSummaryRow *row = pt->reps[0].rows->pdata[s->row];
        if (!s->percent && isfinite(pt->hw[i]) && strcmp(row->kind, "latency") == 0 && cirrus_stat_is_percentile(s->stat))
            pt->hw[i] = MAX(pt->hw[i], cirrus_percentile_resolution_ms(pt->mean[i]));
        pt->pass = pt->pass && cirrus_slo_meets(s, pt->mean[i], pt->hw[i]);
    }
    g_free(x);
    return ok;
}

/* Run the setting's replications and judge them (plansearch.h). */
static gboolean evaluate(const gint64 *values, gpointer data, gboolean *feasible, GError **error)
{
    Plan *pl = data;
    const CirrusPlanSpec *spec = pl->spec;
    guint n_sets = spec->sets ? g_strv_length((char **)spec->sets) : 0;
    char **sets = g_new0(char *, n_sets + pl->n_knobs + 1);
    for (guint i = 0; i < n_sets; i++) sets[i] = g_strdup(spec->sets[i]);
    for (guint k = 0; k < pl->n_knobs; k++)
        sets[n_sets + k] = g_strdup_printf("%s=%" G_GINT64_FORMAT, pl->knobs[k].key, values[k]);
    Point *pt = g_new0(Point, 1);
    memcpy(pt->values, values, pl->n_knobs * sizeof *values);
    pt->sc = cirrus_scenario_load(spec->scenario, cirrus_models_registry(), (const char *const *)sets, error);
    g_strfreev(sets);
    if (!pt->sc) {
        char *at = setting_text(pl, values, "=", ", ");
        g_prefix_error(error, "at %s: ", at);
        g_free(at);
        point_free(pt);
        return FALSE;
    }
    pt->reps = g_new0(CirrusReplica, spec->replications);
    for (guint k = 0; k < spec->replications; k++) pt->reps[k] = (CirrusReplica){.sc = pt->sc, .replication = k};
    CirrusReplicaLimits limits = {0};
    g_ptr_array_add(pl->points, pt);   /* from here on, plan_clear frees its replicas */
    if (!cirrus_replicas_run(pt->reps, spec->replications, spec->jobs, &limits, spec->progress, error)) return FALSE;
    pt->summary = cirrus_replicas_summary(pt->reps, spec->replications);
    if (!judge_point(pl, pt, error)) return FALSE;
    if (spec->out) {
        char *setting = setting_text(pl, values, " = ", ", ");
        fprintf(spec->out, "  %s: %s\n", setting, pt->pass ? "meets every SLO" : "fails");
        g_free(setting);
    }
    *feasible = pt->pass;
    return TRUE;
}

static gint compare_values(const Point *a, const Point *b, guint n)
{
    for (guint k = 0; k < n; k++)
        if (a->values[k] != b->values[k]) return a->values[k] < b->values[k] ? -1 : 1;
    return 0;
}

/* Is `a` a better choice than `b` (both meet every SLO): a better
 * objective (a number before none), then smaller values, first knob
 * first. */
static gboolean better(const Plan *pl, const Point *a, const Point *b)
{
    double x = pl->objective.maximise ? -a->obj : a->obj, y = pl->objective.maximise ? -b->obj : b->obj;
    if (isfinite(x) != isfinite(y)) return isfinite(x);
    if (isfinite(x) && x != y) return x < y;
    return compare_values(a, b, pl->n_knobs) < 0;
}

static const Point *choose(const Plan *pl)
{
    const Point *best = NULL;
    for (guint p = 0; p < pl->points->len; p++) {
        const Point *pt = pl->points->pdata[p];
        if (pt->pass && (!best || better(pl, pt, best))) best = pt;
    }
    return best;
}

static gint by_values(gconstpointer a, gconstpointer b, gpointer plan)
{
    return compare_values(*(Point *const *)a, *(Point *const *)b, ((const Plan *)plan)->n_knobs);
}

/* The points by their values, first knob first, borrowed (g_ptr_array_copy
 * would keep the free function: a plain copy). */
static GPtrArray *sorted_points(const Plan *pl)
{
    GPtrArray *sorted = g_ptr_array_sized_new(pl->points->len);
    for (guint p = 0; p < pl->points->len; p++) g_ptr_array_add(sorted, pl->points->pdata[p]);
    g_ptr_array_sort_with_data(sorted, by_values, (gpointer)pl);
    return sorted;
}

/* a <= b in every knob. */
static gboolean below(const Plan *pl, const Point *a, const Point *b)
{
    for (guint k = 0; k < pl->n_knobs; k++)
        if (a->values[k] > b->values[k]) return FALSE;
    return TRUE;
}

/* The monotone assumption, checked on what was explored: a passing
 * setting directly below a failing one (no explored setting between). */
static void warn_monotone(const Plan *pl, GPtrArray *sorted)
{
    char *keys = NULL;
    for (guint q = 0; q < sorted->len; q++) {
        const Point *b = sorted->pdata[q];
        for (guint p = 0; p < q && !b->pass; p++) {
            const Point *a = sorted->pdata[p], *c = NULL;
            if (!a->pass || !below(pl, a, b)) continue;
            for (guint r = p + 1; r < q && !c; r++)
                if (below(pl, a, sorted->pdata[r]) && below(pl, sorted->pdata[r], b)) c = sorted->pdata[r];
            if (c) continue;
            if (!keys) {
                GString *k = g_string_new(NULL);
                for (guint i = 0; i < pl->n_knobs; i++) g_string_append_printf(k, "%s%s", i ? ", " : "", pl->knobs[i].key);
                keys = g_string_free(k, FALSE);
            }
            char *va = values_text(pl, a->values), *vb = values_text(pl, b->values);
            fprintf(pl->spec->out, "  warning: %s passes but %s fails: the SLOs are not monotone in %s here, and the "
                    "answer may not be the cheapest\n", va, vb, keys);
            g_free(va);
            g_free(vb);
        }
    }
    g_free(keys);
}

static void report(Plan *pl, const Point *best)
{
    FILE *out = pl->spec->out;
    guint n = pl->spec->replications;
    GPtrArray *sorted = sorted_points(pl);
    fprintf(out, "\nexplored (%u replication%s each; SLO numbers: mean ± 95%% half-width):\n", n, n == 1 ? "" : "s");
    for (guint p = 0; p < sorted->len; p++) {
        const Point *pt = sorted->pdata[p];
        double c, ch;
        point_cost(pt, &c, &ch);
        fputs(" ", out);
        for (guint k = 0; k < pl->n_knobs; k++) fprintf(out, " %s = %-6" G_GINT64_FORMAT, pl->knobs[k].key, pt->values[k]);
        fprintf(out, " %-5s", pt->pass ? "pass" : "FAIL");
        if (isfinite(c)) fprintf(out, " $%.2f a month", c);
        if (!pl->objective.cost)
            fprintf(out, "  %s %.4g ± %.2g", pl->objective.text, pt->obj, isfinite(pt->obj_hw) ? pt->obj_hw : 0.0);
        for (guint i = 0; i < pl->n_slos; i++)
            fprintf(out, "  %s %.4g ± %.2g", pl->slos[i].lhs, pt->mean[i], isfinite(pt->hw[i]) ? pt->hw[i] : 0.0);
        fputc('\n', out);
    }
    warn_monotone(pl, sorted);
    g_ptr_array_unref(sorted);
    if (n < 2) fprintf(out, "note: with one replication there is no confidence interval; use --replications 5 or more\n");
    double grid = 1;
    for (guint k = 0; k < pl->n_knobs; k++) grid *= (double)(pl->knobs[k].hi - pl->knobs[k].lo) + 1;
    if (!best) {
        char *ranges = ranges_text(pl);
        fprintf(out, "\nno %s of %s meets every SLO\n", pl->n_knobs == 1 ? "value" : "setting", ranges);
        fprintf(out, "explored %u setting%s of the %.0f in the grid\n", pl->points->len,
                pl->points->len == 1 ? "" : "s", grid);
        g_free(ranges);
        return;
    }
    double c, ch;
    point_cost(best, &c, &ch);
    char *setting = setting_text(pl, best->values, " = ", ", ");
    fprintf(out, "\nplan: %s\n", setting);
    g_free(setting);
    if (isfinite(c))
        fprintf(out, "cost: $%.2f a month (± %.2f), $%.4f for the simulated run\n", c, isfinite(ch) ? ch : 0.0,
                c * cirrus_time_to_s(cirrus_scenario_duration(best->sc)) / (CIRRUS_HOURS_PER_MONTH * 3600.0));
    else
        fprintf(out, "cost: nothing in the scenario is billed (docs/cost.md)\n");
    if (!pl->objective.cost)
        fprintf(out, "objective: %s %s = %.4g ± %.2g\n", pl->objective.maximise ? "the largest" : "the smallest",
                pl->objective.metric.lhs, best->obj, isfinite(best->obj_hw) ? best->obj_hw : 0.0);
    for (guint i = 0; i < pl->n_slos; i++) {
        const CirrusSlo *s = &pl->slos[i];
        double m = cirrus_slo_margin(s, best->mean[i], best->hw[i]);
        fprintf(out, "SLO %s: %.4g ± %.2g%s, margin %.4g%s (%.1f%% of the bound)\n", s->text, best->mean[i],
                isfinite(best->hw[i]) ? best->hw[i] : 0.0, s->percent ? "%" : "", m, s->percent ? "%" : "",
                s->bound != 0 ? 100.0 * m / fabs(s->bound) : NAN);
    }
    fprintf(out, "explored %u setting%s of the %.0f in the grid\n", pl->points->len, pl->points->len == 1 ? "" : "s",
            grid);
}

/* The explored points as a sweep file over the knobs, in ascending order
 * of their values (first knob first: along a line of the others' values,
 * a plot of metric vs the first knob is a line), with the plan's settings
 * as root attributes. */
static gboolean write_points(Plan *pl, const Point *best, const char *path, GError **error)
{
    guint np = pl->points->len, nr = pl->spec->replications, nk = pl->n_knobs;
    GPtrArray *sorted = sorted_points(pl);
    GPtrArray *axes = g_ptr_array_new_with_free_func(cirrus_sweep_axis_free);
    GPtrArray *strings = g_ptr_array_new_with_free_func(g_free);
    GString *keys = g_string_new(NULL), *range = g_string_new(NULL), *choice = g_string_new(NULL);
    GString *slos = g_string_new(NULL);
    for (guint k = 0; k < nk; k++) {
        g_ptr_array_add(axes, cirrus_sweep_axis_new(pl->knobs[k].key));
        g_string_append_printf(keys, "%s%s", k ? "\n" : "", pl->knobs[k].key);
        g_string_append_printf(range, "%s%" G_GINT64_FORMAT "..%" G_GINT64_FORMAT, k ? "\n" : "", pl->knobs[k].lo,
                               pl->knobs[k].hi);
        if (best) g_string_append_printf(choice, "%s%" G_GINT64_FORMAT, k ? "\n" : "", best->values[k]);
    }
    CirrusSweep sw = {axes, np, nr, g_new(CirrusScenario *, np), g_new(CirrusReplica, np * nr),
                      g_new(GPtrArray *, np), NULL, NULL};
    for (guint p = 0; p < np; p++) {
        const Point *pt = sorted->pdata[p];
        for (guint k = 0; k < nk; k++) g_ptr_array_add(strings, g_strdup_printf("%" G_GINT64_FORMAT, pt->values[k]));
        sw.sc[p] = pt->sc;
        sw.summary[p] = pt->summary;
        memcpy(sw.reps + p * nr, pt->reps, nr * sizeof *pt->reps);
    }
    sw.point_values = (const char *const *)strings->pdata;
    for (guint i = 0; i < pl->n_slos; i++) g_string_append_printf(slos, "%s%s", i ? "\n" : "", pl->slos[i].text);
    const char *extra[] = {"plan_key", keys->str, "plan_range", range->str, "plan_slos", slos->str,
                           "plan_choice", choice->str, "plan_objective", pl->objective.text, NULL};
    gboolean ok = cirrus_sweep_write(path, &sw, extra, error);
    g_string_free(keys, TRUE);
    g_string_free(range, TRUE);
    g_string_free(choice, TRUE);
    g_string_free(slos, TRUE);
    g_free(sw.sc);
    g_free(sw.reps);
    g_free(sw.summary);
    g_ptr_array_unref(strings);
    g_ptr_array_unref(axes);
    g_ptr_array_unref(sorted);
    return ok;
}

/* The knobs are sound: each range in order and within the limit, no key twice. */
static gboolean check_knobs(const CirrusPlanKnob *knobs, guint n, GError **error)
{
    if (n < 1 || n > CIRRUS_PLAN_MAX_KNOBS) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE, "cirrus plan takes 1 to %d --vary knobs, not %u",
                    CIRRUS_PLAN_MAX_KNOBS, n);
        return FALSE;
    }
    for (guint k = 0; k < n; k++) {
        if (!knobs[k].key || !*knobs[k].key || knobs[k].lo > knobs[k].hi || knobs[k].lo < -CIRRUS_PLAN_KNOB_LIMIT ||
            knobs[k].hi > CIRRUS_PLAN_KNOB_LIMIT) {
            g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE, "cirrus plan needs --vary KEY=LO..HI with LO <= HI "
                        "(whole numbers of at most 2^62 in size), not %s=%" G_GINT64_FORMAT "..%" G_GINT64_FORMAT,
                        knobs[k].key ? knobs[k].key : "", knobs[k].lo, knobs[k].hi);
            return FALSE;
        }
        for (guint j = 0; j < k; j++)
            if (strcmp(knobs[j].key, knobs[k].key) == 0) {
                g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE, "--vary %s is given twice", knobs[k].key);
                return FALSE;
            }
    }
    return TRUE;
}

static void print_header(const Plan *pl)
{
    const CirrusPlanSpec *spec = pl->spec;
    const char *plural = pl->n_slos == 1 ? "" : "s";
    if (pl->n_knobs == 1 && pl->objective.cost && !pl->objective.maximise) {
        fprintf(spec->out, "plan %s: the smallest %s in %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT
                " meeting %u SLO%s with 95%% confidence\n", spec->scenario, pl->knobs[0].key, pl->knobs[0].lo,
                pl->knobs[0].hi, pl->n_slos, plural);
        return;
    }
    char *ranges = ranges_text(pl);
    fprintf(spec->out, "plan %s: the setting of %s meeting %u SLO%s with 95%% confidence with %s %s\n",
            spec->scenario, ranges, pl->n_slos, plural, pl->objective.maximise ? "the largest" : "the smallest",
            pl->objective.cost ? "cost" : pl->objective.metric.lhs);
    g_free(ranges);
}

gboolean cirrus_plan(const CirrusPlanSpec *spec, CirrusPlanResult *result, GError **error)
{
    memset(result, 0, sizeof *result);
    result->cost_month = result->cost_month_ci95 = result->objective = result->objective_ci95 = NAN;
    CirrusPlanKnob one = {spec->key, spec->lo, spec->hi};
    const CirrusPlanKnob *knobs = spec->n_knobs ? spec->knobs : &one;
    guint n_knobs = spec->n_knobs ? spec->n_knobs : 1;
    if (!check_knobs(knobs, n_knobs, error)) return FALSE;
    if (!spec->slos || !spec->slos[0] || spec->replications < 1) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE,
                    "cirrus plan needs --vary KEY=LO..HI with LO <= HI, at least one --slo, and --replications >= 1");
        return FALSE;
    }
    Plan pl = {spec, knobs, n_knobs, g_new0(CirrusSlo, g_strv_length((char **)spec->slos)), 0, {0},
               g_ptr_array_new_with_free_func(point_free)};
    gboolean ok = parse_objective(spec->objective, &pl.objective, error);
    for (guint i = 0; ok && spec->slos[i]; i++) ok = cirrus_slo_parse(spec->slos[i], "--slo", &pl.slos[pl.n_slos++], error);
    if (ok && spec->out) print_header(&pl);
    CirrusPlanJudge judge = {evaluate, &pl};
    guint judged = 0;
    ok = ok && cirrus_plan_search(knobs, n_knobs, &judge, &judged, error);
    const Point *best = ok ? choose(&pl) : NULL;
    if (ok && pl.points->len) {
        Point *first = pl.points->pdata[0];
        char *path = spec->output ? g_strdup(spec->output) : g_strdup_printf("%s-plan.h5", cirrus_scenario_name(first->sc));
        if (spec->out) report(&pl, best);
        ok = write_points(&pl, best, path, error);
        if (ok && spec->out) fprintf(spec->out, "explored points written to %s\n", path);
        g_free(path);
    }
    if (ok && best) {
        result->found = TRUE;
        result->value = best->values[0];
        memcpy(result->values, best->values, sizeof result->values);
        point_cost(best, &result->cost_month, &result->cost_month_ci95);
        result->objective = best->obj;
        result->objective_ci95 = best->obj_hw;
    }
    result->n_points = pl.points->len;
    result->grid = 1;
    for (guint k = 0; k < n_knobs; k++) result->grid *= (double)(knobs[k].hi - knobs[k].lo) + 1;
    for (guint p = 0; p < pl.points->len; p++) {
        Point *pt = pl.points->pdata[p];
        for (guint k = 0; k < spec->replications; k++) cirrus_replica_clear(&pt->reps[k]);
    }
    for (guint i = 0; i < pl.n_slos; i++) {
        g_free(pl.slos[i].text);
        g_free(pl.slos[i].lhs);
    }
    g_free(pl.objective.metric.text);
    g_free(pl.objective.metric.lhs);
    g_free(pl.slos);
    g_ptr_array_unref(pl.points);
    return ok;
}

/* KEY=LO..HI */
static gboolean parse_vary(const char *text, CirrusPlanKnob *knob, GError **error)
{
    const char *eq = text ? strchr(text, '=') : NULL;
    const char *dots = eq ? strstr(eq, "..") : NULL;
    char *lo_text = dots ? g_strndup(eq + 1, (gsize)(dots - eq - 1)) : NULL;
    gboolean ok = dots && eq > text &&
                  g_ascii_string_to_signed(lo_text, 10, -CIRRUS_PLAN_KNOB_LIMIT, CIRRUS_PLAN_KNOB_LIMIT, &knob->lo, NULL) &&
                  g_ascii_string_to_signed(dots + 2, 10, -CIRRUS_PLAN_KNOB_LIMIT, CIRRUS_PLAN_KNOB_LIMIT, &knob->hi, NULL) &&
                  knob->lo <= knob->hi;
    g_free(lo_text);
    if (!ok) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE, "--vary takes KEY=LO..HI, whole numbers with LO <= HI, "
                    "e.g. components.web.min=2..40, not '%s'", text ? text : "(nothing)");
        return FALSE;
    }
    knob->key = g_strndup(text, (gsize)(eq - text));
    return TRUE;
}

int cirrus_cmd_plan(int argc, char **argv)
{
    char *output = NULL, **vary = NULL, **slos = NULL, **sets = NULL, *path, *objective = NULL;
    gint replications = 5, jobs = 1;
    gboolean quiet = FALSE;
    GOptionEntry entries[] = {
        {"vary", 0, 0, G_OPTION_ARG_STRING_ARRAY, &vary, "A knob and its range, e.g. components.web.min=2..40 "
         "(repeatable: several knobs)", "KEY=LO..HI"},
        {"slo", 0, 0, G_OPTION_ARG_STRING_ARRAY, &slos, "A service level, e.g. 'users.latency_ms.p99<200' or "
         "'users.Failed<0.1%' (repeatable: all must hold)", "ENTITY.METRIC[.STAT]<BOUND"},
        {"objective", 0, 0, G_OPTION_ARG_STRING, &objective, "What the chosen setting minimises among those meeting "
         "every SLO: cost (the default) or [min:|max:]ENTITY.METRIC[.STAT]", "cost|[max:]ENTITY.METRIC[.STAT]"},
        {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets, "A fixed override, e.g. workloads.users.arrival.scale=1.5",
         "KEY=VALUE"},
        {"replications", 0, 0, G_OPTION_ARG_INT, &replications, "Replications per value (default 5)", "N"},
        {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs, "Runs in parallel (default 1; 0: every core)", "N"},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "The explored points (default NAME-plan.h5)", "OUT.h5"},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No report, no progress", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    int status = cirrus_cli_parse(&argc, &argv, entries, "SCENARIO.yaml",
                                  "Finds the cheapest (or, with --objective, the best) setting of the --vary knobs,\n"
                                  "whole numbers in LO..HI, whose replications meet every --slo with 95% confidence,\n"
                                  "assuming more capacity never breaks an SLO: bisection for one knob, a staircase\n"
                                  "walk for several. Prints it, its cost and margins, and writes the explored points\n"
                                  "in the sweep layout (docs/capacity-planning.md).",
                                  &path);
    GError *error = NULL;
    CirrusPlanKnob knobs[CIRRUS_PLAN_MAX_KNOBS] = {{0}};
    guint n_knobs = 0, n_vary = vary ? g_strv_length(vary) : 0;
    if (status < 0 && (replications < 1 || jobs < 0)) {
        fprintf(stderr, "cirrus plan: --replications takes a whole number from 1 up, -j one from 0 (every core) up\n");
        status = 2;
    }
    if (status < 0 && n_vary > CIRRUS_PLAN_MAX_KNOBS) {
        fprintf(stderr, "cirrus plan: at most %d --vary knobs\n", CIRRUS_PLAN_MAX_KNOBS);
        status = 2;
    }
    for (guint k = 0; status < 0 && k < MAX(n_vary, 1u); k++)
        if (!parse_vary(vary ? vary[k] : NULL, &knobs[n_knobs++], &error)) status = cirrus_cli_fail(error);
    if (status < 0) {
        CirrusPlanSpec spec = {path, knobs[0].key, knobs[0].lo, knobs[0].hi, (const char *const *)slos,
                               (const char *const *)sets, (guint)replications, cirrus_jobs(jobs), output,
                               quiet ? NULL : stdout, !quiet && isatty(STDERR_FILENO), knobs, n_knobs, objective};
        CirrusPlanResult result;
        if (!cirrus_plan(&spec, &result, &error)) status = cirrus_cli_fail(error);
        else status = result.found ? 0 : 1;
    }
    for (guint k = 0; k < n_knobs; k++) g_free((char *)knobs[k].key);
    g_free(objective);
    g_strfreev(vary);
    g_free(output);
    g_strfreev(slos);
    g_strfreev(sets);
    return status;
}
