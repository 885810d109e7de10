/* cirrus — `cirrus plan` (see plan.h, docs/capacity-planning.md).
 *
 * The knob is one whole-number --set path (instances, shards, reserved
 * concurrency, an ASG's max, ...).  The search assumes monotonicity: a
 * larger value never breaks a service level that a smaller one meets, and
 * never costs less.  Then the cheapest value that meets every SLO is the
 * smallest, and bisection finds it with about log2(hi - lo) + 2 points:
 * hi first (if it fails, nothing in range does), then lo, then halving the
 * gap between the largest failing and the smallest passing value.
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
#include "tools/sweep.h"
#include "models/prices.h"
#include "models/registry.h"
#include "sim/error.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef enum { OP_LT, OP_LE, OP_GT, OP_GE } SloOp;

typedef struct {
    char *text;           /* as given */
    char *lhs;            /* ENTITY.METRIC[.STAT] */
    SloOp op;
    double bound;
    gboolean percent;     /* the bound is a % of the entity's first count metric */
    gint row, denominator;   /* resolved row indices (-1: not yet) */
    CirrusStat stat;
} Slo;

/* One explored value. */
typedef struct {
    gint64 value;
    CirrusScenario *sc;
    CirrusReplica *reps;
    GPtrArray *summary;
    gboolean pass;
    double *mean, *hw;    /* per SLO */
} Point;

typedef struct {
    const CirrusPlanSpec *spec;
    Slo *slos;
    guint n_slos;
    GPtrArray *points;    /* Point *, in the order explored */
} Plan;


static gboolean parse_slo(const char *text, Slo *s, GError **error)
{
    memset(s, 0, sizeof *s);
    s->row = s->denominator = -1;
    s->text = g_strdup(text);
    const char *op = strpbrk(text, "<>");
    char *end = NULL;
    if (op) {
        s->op = op[0] == '<' ? (op[1] == '=' ? OP_LE : OP_LT) : (op[1] == '=' ? OP_GE : OP_GT);
        const char *rhs = op + (op[1] == '=' ? 2 : 1);
        s->bound = g_ascii_strtod(rhs, &end);
        if (end && *end == '%') { s->percent = TRUE; end++; }
        s->lhs = g_strstrip(g_strndup(text, (gsize)(op - text)));
        if (end == rhs || *end || !isfinite(s->bound) || !*s->lhs) op = NULL;
    }
    if (!op)
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE, "--slo takes ENTITY.METRIC[.STAT] < or > a number "
                    "(or a percentage), e.g. 'users.latency_ms.p99<200' or 'users.Failed<0.1%%', not '%s'", text);
    return op != NULL;
}

static gint stat_of(const char *name)
{
    for (guint k = 0; k < CIRRUS_STAT_N; k++)
        if (strcmp(name, cirrus_stat_names[k]) == 0) return (gint)k;
    return -1;
}

static CirrusStat default_stat(const CirrusSummaryRow *r)
{
    return strcmp(r->kind, "count") == 0 || strcmp(r->kind, "cost") == 0 ? CIRRUS_STAT_SUM : CIRRUS_STAT_MEAN;
}

/* Find the SLO's row among a run's summary rows: ENTITY.METRIC or
 * ENTITY.METRIC.STAT, or ENTITY.latency_ms[.STAT] for the entity's first
 * latency (as in the summary JSON).  Names may hold dots: the longest
 * entity and metric that match win. */
static gboolean resolve_slo(Slo *s, GPtrArray *rows, GError **error)
{
    gsize best = 0;
    for (guint pass = 0; pass < 2 && s->row < 0; pass++)
        for (guint i = 0; i < rows->len; i++) {
            const CirrusSummaryRow *r = rows->pdata[i];
            gsize el = strlen(r->entity);
            if (strncmp(s->lhs, r->entity, el) != 0 || s->lhs[el] != '.') continue;
            /* pass 0: the metric by name; pass 1: latency_ms, the first latency */
            if (pass == 1 && strcmp(r->kind, "latency") != 0) continue;
            const char *rest = s->lhs + el + 1, *metric = pass == 0 ? r->metric : "latency_ms";
            gsize ml = strlen(metric);
            if (strncmp(rest, metric, ml) != 0 || (rest[ml] && rest[ml] != '.')) continue;
            gint stat = rest[ml] ? stat_of(rest + ml + 1) : (gint)default_stat(r);
            if (stat < 0 || el + ml <= best) continue;
            best = el + ml;
            s->row = (gint)i;
            s->stat = (CirrusStat)stat;
        }
    if (s->row < 0) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE, "--slo '%s': the run has no such number "
                    "(ENTITY.METRIC[.STAT], STAT one of count, sum, mean, min, max, last, p50, p90, p99, p999; "
                    "ENTITY.latency_ms.STAT for the entity's latency)", s->text);
        return FALSE;
    }
    if (!s->percent) return TRUE;
    /* A percentage: of the entity's first count metric (a workload's
     * Requests), per replication. */
    const CirrusSummaryRow *row = rows->pdata[s->row];
    for (guint i = 0; i < rows->len && s->denominator < 0; i++) {
        const CirrusSummaryRow *r = rows->pdata[i];
        if (strcmp(r->entity, row->entity) == 0 && strcmp(r->kind, "count") == 0) s->denominator = (gint)i;
    }
    if (s->denominator < 0 || (gint)s->row == s->denominator) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE, "--slo '%s': a percentage needs a count that is not "
                    "the entity's first (its total, e.g. a workload's Requests)", s->text);
        return FALSE;
    }
    return TRUE;
}

static double slo_value(const Slo *s, GPtrArray *rows)
{
    double v = ((CirrusSummaryRow *)rows->pdata[s->row])->v[s->stat];
    if (!s->percent) return v;
    double total = ((CirrusSummaryRow *)rows->pdata[s->denominator])->v[CIRRUS_STAT_SUM];
    return total > 0 ? 100.0 * v / total : NAN;
}

/* The side of the confidence interval that must clear the bound, and how
 * far it does (negative: it does not). */
static double margin(const Slo *s, double mean, double hw)
{
    double h = isfinite(hw) ? hw : 0;
    return s->op == OP_LT || s->op == OP_LE ? s->bound - (mean + h) : (mean - h) - s->bound;
}

static gboolean meets(const Slo *s, double mean, double hw)
{
    double m = margin(s, mean, hw);
    return isfinite(mean) && (m > 0 || (m == 0 && (s->op == OP_LE || s->op == OP_GE)));
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

static char **value_sets(const Plan *pl, gint64 value)
{
    guint n = pl->spec->sets ? g_strv_length((char **)pl->spec->sets) : 0;
    char **sets = g_new0(char *, n + 2);
    for (guint i = 0; i < n; i++) sets[i] = g_strdup(pl->spec->sets[i]);
    sets[n] = g_strdup_printf("%s=%" G_GINT64_FORMAT, pl->spec->key, value);
    return sets;
}

/* Run `value`'s replications and judge them. */
static Point *evaluate(Plan *pl, gint64 value, GError **error)
{
    const CirrusPlanSpec *spec = pl->spec;
    char **sets = value_sets(pl, value);
    Point *pt = g_new0(Point, 1);
    pt->value = value;
    pt->sc = cirrus_scenario_load(spec->scenario, cirrus_models_registry(), (const char *const *)sets, error);
    g_strfreev(sets);
    if (!pt->sc) {
        g_prefix_error(error, "at %s=%" G_GINT64_FORMAT ": ", spec->key, value);
        point_free(pt);
        return NULL;
    }
    pt->reps = g_new0(CirrusReplica, spec->replications);
    for (guint k = 0; k < spec->replications; k++) pt->reps[k] = (CirrusReplica){.sc = pt->sc, .replication = k};
    CirrusReplicaLimits limits = {0};
    g_ptr_array_add(pl->points, pt);   /* from here on, plan_clear frees its replicas */
    if (!cirrus_replicas_run(pt->reps, spec->replications, spec->jobs, &limits, spec->progress, error)) return NULL;
    pt->summary = cirrus_replicas_summary(pt->reps, spec->replications);
    pt->mean = g_new(double, pl->n_slos);
    pt->hw = g_new(double, pl->n_slos);
    double *x = g_new(double, spec->replications);
    pt->pass = TRUE;
    for (guint i = 0; i < pl->n_slos; i++) {
        Slo *s = &pl->slos[i];
        if (s->row < 0 && !resolve_slo(s, pt->reps[0].rows, error)) {
            g_free(x);
            return NULL;
        }
        for (guint k = 0; k < spec->replications; k++) x[k] = slo_value(s, pt->reps[k].rows);
        cirrus_mean_ci95(x, spec->replications, &pt->mean[i], &pt->hw[i]);
        pt->pass = pt->pass && meets(s, pt->mean[i], pt->hw[i]);
    }
    g_free(x);
    if (spec->out)
        fprintf(spec->out, "  %s = %" G_GINT64_FORMAT ": %s\n", spec->key, value, pt->pass ? "meets every SLO" : "fails");
    return pt;
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

/* Bisection for the smallest passing value (see the top of the file). */
static Point *search(Plan *pl, GError **error)
{
    gint64 lo = pl->spec->lo, hi = pl->spec->hi;
    Point *best = evaluate(pl, hi, error);
    if (!best || !best->pass) return NULL;
    if (lo == hi) return best;
    Point *p = evaluate(pl, lo, error);
    if (!p) return NULL;
    if (p->pass) return p;
    while (hi - lo > 1) {
        gint64 mid = lo + (hi - lo) / 2;
        if (!(p = evaluate(pl, mid, error))) return NULL;
        if (p->pass) { hi = mid; best = p; }
        else lo = mid;
    }
    return best;
}

static gint by_value(gconstpointer a, gconstpointer b)
{
    gint64 x = (*(Point *const *)a)->value, y = (*(Point *const *)b)->value;
    return x < y ? -1 : x > y;
}

/* The points by value, borrowed (g_ptr_array_copy would keep the free
 * function: a plain copy). */
static GPtrArray *sorted_points(const Plan *pl)
{
    GPtrArray *sorted = g_ptr_array_sized_new(pl->points->len);
    for (guint p = 0; p < pl->points->len; p++) g_ptr_array_add(sorted, pl->points->pdata[p]);
    g_ptr_array_sort(sorted, by_value);
    return sorted;
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
        fprintf(out, "  %s = %-6" G_GINT64_FORMAT " %-5s", pl->spec->key, pt->value, pt->pass ? "pass" : "FAIL");
        if (isfinite(c)) fprintf(out, " $%.2f a month", c);
        for (guint i = 0; i < pl->n_slos; i++)
            fprintf(out, "  %s %.4g ± %.2g", pl->slos[i].lhs, pt->mean[i], isfinite(pt->hw[i]) ? pt->hw[i] : 0.0);
        fputc('\n', out);
        /* The monotone assumption, checked on what was explored. */
        if (p > 0 && ((const Point *)sorted->pdata[p - 1])->pass && !pt->pass)
            fprintf(out, "  warning: %" G_GINT64_FORMAT " passes but %" G_GINT64_FORMAT " fails: the SLOs are not "
                    "monotone in %s here, and the answer may not be the cheapest\n",
                    ((const Point *)sorted->pdata[p - 1])->value, pt->value, pl->spec->key);
    }
    g_ptr_array_unref(sorted);
    if (n < 2) fprintf(out, "note: with one replication there is no confidence interval; use --replications 5 or more\n");
    if (!best) {
        fprintf(out, "\nno value of %s in %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT " meets every SLO\n", pl->spec->key,
                pl->spec->lo, pl->spec->hi);
        return;
    }
    double c, ch;
    point_cost(best, &c, &ch);
    fprintf(out, "\nplan: %s = %" G_GINT64_FORMAT "\n", pl->spec->key, best->value);
    if (isfinite(c))
        fprintf(out, "cost: $%.2f a month (± %.2f), $%.4f for the simulated run\n", c, isfinite(ch) ? ch : 0.0,
                c * cirrus_time_to_s(cirrus_scenario_duration(best->sc)) / (CIRRUS_HOURS_PER_MONTH * 3600.0));
    else
        fprintf(out, "cost: nothing in the scenario is billed (docs/cost.md)\n");
    for (guint i = 0; i < pl->n_slos; i++) {
        const Slo *s = &pl->slos[i];
        double m = margin(s, best->mean[i], best->hw[i]);
        fprintf(out, "SLO %s: %.4g ± %.2g%s, margin %.4g%s (%.1f%% of the bound)\n", s->text, best->mean[i],
                isfinite(best->hw[i]) ? best->hw[i] : 0.0, s->percent ? "%" : "", m, s->percent ? "%" : "",
                s->bound != 0 ? 100.0 * m / fabs(s->bound) : NAN);
    }
}

/* The explored points as a sweep file over the one key, in ascending
 * order of the value (so that a plot of metric vs value is a line), with
 * the plan's settings as root attributes. */
static gboolean write_points(Plan *pl, const Point *best, const char *path, GError **error)
{
    guint np = pl->points->len, nr = pl->spec->replications;
    GPtrArray *sorted = sorted_points(pl);
    CirrusSweepAxis *axis = cirrus_sweep_axis_new(pl->spec->key);
    GPtrArray *axes = g_ptr_array_new_with_free_func(cirrus_sweep_axis_free);
    g_ptr_array_add(axes, axis);
    CirrusSweep sw = {axes, np, nr, g_new(CirrusScenario *, np), g_new(CirrusReplica, np * nr),
                      g_new(GPtrArray *, np)};
    for (guint p = 0; p < np; p++) {
        const Point *pt = sorted->pdata[p];
        g_ptr_array_add(axis->values, g_strdup_printf("%" G_GINT64_FORMAT, pt->value));
        sw.sc[p] = pt->sc;
        sw.summary[p] = pt->summary;
        memcpy(sw.reps + p * nr, pt->reps, nr * sizeof *pt->reps);
    }
    GString *slos = g_string_new(NULL);
    for (guint i = 0; i < pl->n_slos; i++) g_string_append_printf(slos, "%s%s", i ? "\n" : "", pl->slos[i].text);
    char *range = g_strdup_printf("%" G_GINT64_FORMAT "..%" G_GINT64_FORMAT, pl->spec->lo, pl->spec->hi);
    char *choice = best ? g_strdup_printf("%" G_GINT64_FORMAT, best->value) : g_strdup("");
    const char *extra[] = {"plan_key", pl->spec->key, "plan_range", range, "plan_slos", slos->str,
                           "plan_choice", choice, NULL};
    gboolean ok = cirrus_sweep_write(path, &sw, extra, error);
    g_free(choice);
    g_free(range);
    g_string_free(slos, TRUE);
    g_free(sw.sc);
    g_free(sw.reps);
    g_free(sw.summary);
    g_ptr_array_unref(axes);
    g_ptr_array_unref(sorted);
    return ok;
}

gboolean cirrus_plan(const CirrusPlanSpec *spec, CirrusPlanResult *result, GError **error)
{
    memset(result, 0, sizeof *result);
    result->cost_month = result->cost_month_ci95 = NAN;
    if (spec->lo > spec->hi || !spec->slos || !spec->slos[0] || spec->replications < 1) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE,
                    "cirrus plan needs --vary KEY=LO..HI with LO <= HI, at least one --slo, and --replications >= 1");
        return FALSE;
    }
    Plan pl = {spec, g_new0(Slo, g_strv_length((char **)spec->slos)), 0,
               g_ptr_array_new_with_free_func(point_free)};
    gboolean ok = TRUE;
    for (guint i = 0; ok && spec->slos[i]; i++) ok = parse_slo(spec->slos[i], &pl.slos[pl.n_slos++], error);
    Point *best = NULL;
    if (ok) {
        if (spec->out)
            fprintf(spec->out, "plan %s: the smallest %s in %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT
                    " meeting %u SLO%s with 95%% confidence\n", spec->scenario, spec->key, spec->lo, spec->hi,
                    pl.n_slos, pl.n_slos == 1 ? "" : "s");
        GError *search_error = NULL;
        best = search(&pl, &search_error);
        ok = search_error == NULL;
        if (!ok) g_propagate_error(error, search_error);
    }
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
        result->value = best->value;
        point_cost(best, &result->cost_month, &result->cost_month_ci95);
    }
    result->n_points = pl.points->len;
    for (guint p = 0; p < pl.points->len; p++) {
        Point *pt = pl.points->pdata[p];
        for (guint k = 0; k < spec->replications; k++) cirrus_replica_clear(&pt->reps[k]);
    }
    for (guint i = 0; i < pl.n_slos; i++) {
        g_free(pl.slos[i].text);
        g_free(pl.slos[i].lhs);
    }
    g_free(pl.slos);
    g_ptr_array_unref(pl.points);
    return ok;
}

/* KEY=LO..HI */
static gboolean parse_vary(const char *text, char **key, gint64 *lo, gint64 *hi, GError **error)
{
    const char *eq = text ? strchr(text, '=') : NULL;
    const char *dots = eq ? strstr(eq, "..") : NULL;
    char *lo_text = dots ? g_strndup(eq + 1, (gsize)(dots - eq - 1)) : NULL;
    gboolean ok = dots && eq > text && g_ascii_string_to_signed(lo_text, 10, G_MININT64, G_MAXINT64, lo, NULL) &&
                  g_ascii_string_to_signed(dots + 2, 10, G_MININT64, G_MAXINT64, hi, NULL) && *lo <= *hi;
    g_free(lo_text);
    if (!ok) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE, "--vary takes KEY=LO..HI, whole numbers with LO <= HI, "
                    "e.g. components.web.min=2..40, not '%s'", text ? text : "(nothing)");
        return FALSE;
    }
    *key = g_strndup(text, (gsize)(eq - text));
    return TRUE;
}

int cirrus_cmd_plan(int argc, char **argv)
{
    char *output = NULL, *vary = NULL, **slos = NULL, **sets = NULL, *path, *key = NULL;
    gint replications = 5, jobs = 1;
    gboolean quiet = FALSE;
    GOptionEntry entries[] = {
        {"vary", 0, 0, G_OPTION_ARG_STRING, &vary, "The knob and its range, e.g. components.web.min=2..40", "KEY=LO..HI"},
        {"slo", 0, 0, G_OPTION_ARG_STRING_ARRAY, &slos, "A service level, e.g. 'users.latency_ms.p99<200' or "
         "'users.Failed<0.1%' (repeatable: all must hold)", "ENTITY.METRIC[.STAT]<BOUND"},
        {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets, "A fixed override, e.g. workloads.users.arrival.scale=1.5",
         "KEY=VALUE"},
        {"replications", 0, 0, G_OPTION_ARG_INT, &replications, "Replications per value (default 5)", "N"},
        {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs, "Runs in parallel (default 1; 0: every core)", "N"},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "The explored points (default NAME-plan.h5)", "OUT.h5"},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No report, no progress", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    int status = cirrus_cli_parse(&argc, &argv, entries, "SCENARIO.yaml",
                                  "Finds the smallest (cheapest) whole-number value of KEY in LO..HI whose\n"
                                  "replications meet every --slo with 95% confidence, by bisection (assuming more\n"
                                  "capacity never breaks an SLO); prints it, its cost and margins, and writes the\n"
                                  "explored points in the sweep layout (docs/capacity-planning.md).",
                                  &path);
    GError *error = NULL;
    CirrusPlanSpec spec = {0};
    gint64 lo = 0, hi = 0;
    if (status < 0 && (replications < 1 || jobs < 0)) {
        fprintf(stderr, "cirrus plan: --replications takes a whole number from 1 up, -j one from 0 (every core) up\n");
        status = 2;
    }
    if (status < 0 && !parse_vary(vary, &key, &lo, &hi, &error)) status = cirrus_cli_fail(error);
    if (status < 0) {
        spec = (CirrusPlanSpec){path, key, lo, hi, (const char *const *)slos, (const char *const *)sets,
                                (guint)replications, cirrus_jobs(jobs), output, quiet ? NULL : stdout,
                                !quiet && isatty(STDERR_FILENO)};
        CirrusPlanResult result;
        if (!cirrus_plan(&spec, &result, &error)) status = cirrus_cli_fail(error);
        else status = result.found ? 0 : 1;
    }
    g_free(key);
    g_free(vary);
    g_free(output);
    g_strfreev(slos);
    g_strfreev(sets);
    return status;
}
