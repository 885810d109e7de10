/* cirrus tests — run a scenario in-process and keep its series in memory. */
#ifndef CIRRUS_TESTUTIL_H
#define CIRRUS_TESTUTIL_H

#include <glib.h>
#include <math.h>
#include <string.h>
#include "models/registry.h"
#include "sim/loader/scenario.h"
#include "sim/kernel/sim.h"
#include "sim/loader/config.h"
#include "sim/kernel/error.h"
#include "models/protocol/protocol.h"

/* For a test's own model types: what they speak (models/protocol/). */
static const struct CirrusProtocols test_takes_requests G_GNUC_UNUSED = {
    .noun = "a test component", .speaks = CIRRUS_SPEAKS_INVOKE,
};

typedef struct TestRun {
    CirrusScenario *sc;
    CirrusSim *sim;
    GArray *times;    /* double */
    GArray *rows;     /* double, n_series per row */
    guint n_series;
} TestRun;

static inline gboolean test_sink(void *ud, double t, const double *v, guint n, GError **error)
{
    TestRun *r = ud;
    (void)error;
    g_assert_cmpuint(n, ==, r->n_series);
    g_array_append_val(r->times, t);
    g_array_append_vals(r->rows, v, n);
    return TRUE;
}

/* Load scenario text with a registry and optional --set assignments, run
 * it on the given pending-event set, keep it all. */
static inline TestRun *test_run_with(const char *text, const CirrusRegistry *registry,
                                     const char *const *sets, CirrusPesKind pes)
{
    GError *error = NULL;
    TestRun *r = g_new0(TestRun, 1);
    r->sc = cirrus_scenario_load_text("test.yaml", text, registry, sets, &error);
    g_assert_no_error(error);
    r->sim = cirrus_scenario_build(r->sc, 0, &error);
    g_assert_no_error(error);
    cirrus_sim_set_pes(r->sim, pes);
    r->n_series = cirrus_sim_n_series(r->sim);
    r->times = g_array_new(FALSE, FALSE, sizeof(double));
    r->rows = g_array_new(FALSE, FALSE, sizeof(double));
    CirrusRunSpec spec = {
        .duration = cirrus_scenario_duration(r->sc),
        .warmup = cirrus_scenario_warmup(r->sc),
        .sample_interval = cirrus_scenario_sample_interval(r->sc),
        .sink = test_sink, .user_data = r,
    };
    g_assert_true(cirrus_sim_run(r->sim, &spec, &error));
    g_assert_no_error(error);
    return r;
}

/* The usual case: the models' registry, the default event set. */
static inline TestRun *test_run_text(const char *text, const char *const *sets)
{
    return test_run_with(text, cirrus_models_registry(), sets, CIRRUS_PES_DEFAULT);
}

static inline void test_run_free(TestRun *r)
{
    g_array_free(r->times, TRUE);
    g_array_free(r->rows, TRUE);
    cirrus_sim_free(r->sim);
    cirrus_scenario_free(r->sc);
    g_free(r);
}

/* Column of series "<group>/<name>", e.g. ("/components/station", "Latency.mean"). */
static inline guint test_series(TestRun *r, const char *group, const char *name)
{
    for (guint i = 0; i < r->n_series; i++) {
        const char *g, *n;
        cirrus_sim_series(r->sim, i, &g, &n);
        if (strcmp(g, group) == 0 && strcmp(n, name) == 0) return i;
    }
    g_error("no series %s/%s", group, name);
    return 0;
}

static inline double test_value(TestRun *r, guint row, guint column)
{
    return g_array_index(r->rows, double, row * r->n_series + column);
}

static inline guint test_n_rows(TestRun *r) { return r->times->len; }

static inline CirrusMetricSummary test_summary(TestRun *r, const char *component, const char *metric)
{
    CirrusComponent *c = cirrus_sim_find(r->sim, component);
    g_assert_nonnull(c);
    gint i = cirrus_component_metric_index(c, metric);
    g_assert_cmpint(i, >=, 0);
    CirrusMetricSummary m;
    cirrus_component_metric_summary(c, (guint)i, &m);
    return m;
}

/* The after-warm-up total of a count metric. */
static inline double test_sum(TestRun *r, const char *component, const char *metric)
{
    return test_summary(r, component, metric).sum;
}

/* Row `row` of series "<series>" of component `component`. */
static inline double test_component_value(TestRun *r, guint row, const char *component, const char *series)
{
    char *group = g_strconcat("/components/", component, NULL);
    double v = test_value(r, row, test_series(r, group, series));
    g_free(group);
    return v;
}

/* The first sample row in which `series` of component `c` is above zero,
 * from row `from`; -1: none. */
static inline gint test_first_row_above(TestRun *r, const char *c, const char *series, guint from)
{
    for (guint i = from; i < test_n_rows(r); i++)
        if (test_component_value(r, i, c, series) > 0) return (gint)i;
    return -1;
}

/* The sum of `series` of component `c` over rows [from, to). */
static inline double test_sum_rows(TestRun *r, const char *c, const char *series, guint from, guint to)
{
    double s = 0;
    for (guint i = from; i < to && i < test_n_rows(r); i++) s += test_component_value(r, i, c, series);
    return s;
}

/* The time at the end of row `row`'s interval, in seconds. */
static inline double test_row_time(TestRun *r, guint row) { return g_array_index(r->times, double, row); }

/* A component's cost slot, as the summary calls it (USD since time 0). */
static inline double test_cost_of(TestRun *r, const char *name)
{
    CirrusComponent *c = cirrus_sim_find(r->sim, name);
    g_assert_nonnull(c);
    const CirrusModelType *t = cirrus_component_model(c);
    g_assert_true(cirrus_model_has_cost(t));
    return cirrus_model_cost(t, c, cirrus_component_state(c));
}

/* The mean response time of an M/M/c station (Erlang C): arrivals at
 * lambda per s, c servers of rate mu per s, lambda < c mu. */
static inline double test_mmc_response_time(int c, double lambda, double mu)
{
    double a = lambda / mu, b = 1.0;
    for (int k = 1; k <= c; k++) b = a * b / (k + a * b);   /* Erlang B, stably */
    double wait = c * b / (c - a * (1 - b));                /* Erlang C */
    return wait / (c * mu - lambda) + 1 / mu;
}

/* Batch means of a per-interval mean series, weighted by per-interval
 * counts, over rows after `skip`: each sample interval is a batch, long
 * against the system's relaxation time so that batches are nearly
 * independent; *se is the standard error of the run's mean. */
static inline void test_batch_means(TestRun *r, guint mean_col, guint count_col, guint skip, double *mean, double *se)
{
    double sw = 0, swx = 0;
    guint n = 0;
    GArray *xs = g_array_new(FALSE, FALSE, sizeof(double));
    for (guint i = skip; i < test_n_rows(r); i++) {
        double w = test_value(r, i, count_col), x = test_value(r, i, mean_col);
        if (w <= 0 || isnan(x)) continue;
        sw += w;
        swx += w * x;
        g_array_append_val(xs, x);
        n++;
    }
    *mean = swx / sw;
    /* Batches have nearly equal counts, so the plain variance of batch
     * means over n batches estimates the variance of the overall mean. */
    double m = 0, v = 0;
    for (guint i = 0; i < n; i++) m += g_array_index(xs, double, i);
    m /= n;
    for (guint i = 0; i < n; i++) v += pow(g_array_index(xs, double, i) - m, 2);
    v /= (n - 1);
    *se = sqrt(v / n);
    g_array_free(xs, TRUE);
}

/* `sim` within 4 SE of `theory`, and 4 SE itself below 3% of theory (the
 * run is long enough for passing to mean "agrees to 3%"). */
static inline void test_assert_agrees(const char *what, double sim, double theory, double se)
{
    g_test_message("%s: simulated %.6g, theory %.6g (%+.2f%%), 4 SE = %.2f%%", what, sim, theory,
                   100 * (sim - theory) / theory, 400 * se / theory);
    g_assert_cmpfloat(4 * se, <, 0.03 * theory);
    g_assert_cmpfloat(fabs(sim - theory), <=, 4 * se);
}

/* Loading `text` (with `registry`, the models' when NULL) must fail with a
 * scenario error whose message holds both `where` (e.g. "bad.yaml:9:")
 * and `what`. */
static inline void test_assert_scenario_error(const char *text, const CirrusRegistry *registry, const char *where,
                                              const char *what)
{
    GError *error = NULL;
    CirrusScenario *sc = cirrus_scenario_load_text("bad.yaml", text, registry ? registry : cirrus_models_registry(),
                                                   NULL, &error);
    g_assert_null(sc);
    g_assert_error(error, CIRRUS_ERROR, CIRRUS_ERROR_SCENARIO);
    g_test_message("%s", error->message);
    g_assert_nonnull(strstr(error->message, where));
    g_assert_nonnull(strstr(error->message, what));
    g_error_free(error);
}

#endif
