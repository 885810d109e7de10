/* cirrus — `cirrus plan` finds the known optimum of an M/M/c station.
 *
 * Arrivals 80/s, exponential service with mean 100 ms (offered load 8):
 * Erlang C gives the mean wait W_q(c) = C(c, 8) / (10c - 80) s.  With the
 * SLO "mean wait < 5 ms" the smallest c is the first whose W_q is below
 * 5 ms, computed here.  The bound is checked to lie well between that c's
 * W_q and the one before it (at least 25% either side), so that a plan
 * using 5 replications of 10 minutes (half-widths about 10% of the mean)
 * can tell them apart; the test then asserts the plan chose exactly that
 * c, explored no more points than bisection needs, and wrote them. */
#include "testutil.h"
#include "tools/h5read.h"
#include "tools/plan.h"
#include "tools/plot.h"
#include <glib/gstdio.h>

static double mmc_wait_ms(int c, double lambda, double mu)
{
    return 1000 * (test_mmc_response_time(c, lambda, mu) - 1 / mu);
}

/* cirrus_plan refuses `spec` with a usage error whose message holds `want`. */
static void assert_usage_error(const CirrusPlanSpec *spec, const char *want)
{
    CirrusPlanResult result;
    GError *error = NULL;
    g_assert_false(cirrus_plan(spec, &result, &error));
    g_assert_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE);
    g_test_message("%s", error->message);
    g_assert_nonnull(strstr(error->message, want));
    g_error_free(error);
}

/* A temporary directory with the scenario `text` in it, and the name for
 * the plan's file there. */
static void write_scenario(const char *text, char **dir, char **yaml, char **h5)
{
    *dir = g_dir_make_tmp("cirrus-plan-XXXXXX", NULL);
    *yaml = g_build_filename(*dir, "scenario.yaml", NULL);
    *h5 = g_build_filename(*dir, "plan.h5", NULL);
    g_assert_true(g_file_set_contents(*yaml, text, -1, NULL));
}

/* Remove the test's files and free their names. */
static void remove_all(char *dir, char *yaml, char *h5)
{
    g_unlink(h5);
    g_unlink(yaml);
    g_rmdir(dir);
    g_free(h5);
    g_free(yaml);
    g_free(dir);
}

/* The smallest c whose Erlang-C mean wait is below bound_ms, checked to
 * lie well clear of the bound on both sides (see the top of the file). */
static int erlang_c_minimum(double lambda, double mu, double bound_ms, int from)
{
    int c = from;
    while (mmc_wait_ms(c, lambda, mu) >= bound_ms) c++;
    g_test_message("Erlang C (%g/s, mean %g ms): W_q(%d) = %.3f ms, W_q(%d) = %.3f ms", lambda, 1000 / mu, c - 1,
                   mmc_wait_ms(c - 1, lambda, mu), c, mmc_wait_ms(c, lambda, mu));
    g_assert_cmpfloat(mmc_wait_ms(c, lambda, mu), <, 0.75 * bound_ms);
    g_assert_cmpfloat(mmc_wait_ms(c - 1, lambda, mu), >, 1.25 * bound_ms);
    return c;
}

static void test_erlang_c(void)
{
    const int best = erlang_c_minimum(80, 10, 5, 9);

    char *dir, *yaml, *h5;
    write_scenario("name: mmc\nduration: 10m\nwarmup: 1m\nseed: 7\n"
                   "workloads: [{name: users, target: station, arrival: {process: poisson, rate: 80/s}}]\n"
                   "components: [{name: station, type: service, workers: 1,\n"
                   "              service_time: {dist: exponential, mean: 100ms}}]\n", &dir, &yaml, &h5);
    const char *slos[] = {"station.WaitTime.mean<5", NULL};
    CirrusPlanSpec spec = {.scenario = yaml, .key = "components.station.workers", .lo = 9, .hi = 20, .slos = slos,
                           .replications = 5, .jobs = 2, .output = h5};
    CirrusPlanResult result;
    GError *error = NULL;
    g_assert_true(cirrus_plan(&spec, &result, &error));
    g_assert_no_error(error);
    g_assert_true(result.found);
    g_assert_cmpint(result.value, ==, best);
    /* hi, lo, then bisection of 9..20: at most 2 + ceil(log2(11)) points. */
    g_assert_cmpuint(result.n_points, <=, 2 + 4);
    g_assert_true(isnan(result.cost_month));   /* a service is not billed */

    CirrusH5Run *run = cirrus_h5run_open_any(h5, &error);
    g_assert_no_error(error);
    g_assert_true(cirrus_h5run_is_sweep(run));
    char *choice = cirrus_h5run_attr_string(run, "plan_choice");
    char *want = g_strdup_printf("%d", best);
    g_assert_cmpstr(choice, ==, want);
    GPtrArray *values = cirrus_h5run_table_strings(run, "/sweep_points", "components.station.workers");
    g_assert_nonnull(values);
    g_assert_cmpuint(values->len, ==, result.n_points);
    g_ptr_array_unref(values);
    /* cirrus plot of the plan's file: with no METRIC, one panel per SLO,
     * its bound a dashed red line across the points, the choice a green
     * line with its label (issue 21). */
    char *script = cirrus_plot_sweep_script(run, NULL, 0, "plan.png", &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(script, "set title 'station/WaitTime mean'"));
    g_assert_nonnull(strstr(script, "$SLO0 << EOD\n9 5\n20 5\nEOD\n"));
    g_assert_nonnull(strstr(script, "$SLO0 using 1:2 with lines lw 2 dt 2 lc rgb '#c0392b' title 'SLO station.WaitTime.mean<5'"));
    char *label = g_strdup_printf("set label 'chosen: %d' at first %d, graph 0.95", best, best);
    g_assert_nonnull(strstr(script, label));
    g_free(label);
    g_free(script);
    g_free(want);
    g_free(choice);
    cirrus_h5run_close(run);

    /* Nothing in range: a bound no station can meet. */
    const char *impossible[] = {"station.WaitTime.mean<-1", NULL};
    spec.slos = impossible;
    spec.lo = spec.hi = 20;
    g_assert_true(cirrus_plan(&spec, &result, &error));
    g_assert_false(result.found);
    g_assert_cmpuint(result.n_points, ==, 1);

    /* A bad SLO: a usage error naming it. */
    const char *bad[] = {"station.NoSuchMetric<5", NULL};
    spec.slos = bad;
    assert_usage_error(&spec, "station.NoSuchMetric<5");
    remove_all(dir, yaml, h5);
}

/* Two knobs: two independent M/M/c stations in one scenario, a (80/s,
 * exponential 100 ms, mean wait < 5 ms) and b (30/s, exponential 200 ms,
 * mean wait < 8 ms).  Every SLO depends on one knob, so the only minimal
 * feasible setting is the pair of Erlang-C minima, and the plan must
 * choose it, judging far fewer settings than the grid (the staircase
 * bound of test_plansearch.c).  With --objective b's mean wait the best is
 * b at its HI; a's value does not change b's numbers at all (b's random
 * streams are its own), so the tie goes to the smallest a that passes,
 * a's minimum.  With a's mean wait, a at its HI. */
static void test_two_stations(void)
{
    const int ca = erlang_c_minimum(80, 10, 5, 9), cb = erlang_c_minimum(30, 5, 8, 7);
    char *dir, *yaml, *h5;
    write_scenario("name: two\nduration: 10m\nwarmup: 1m\nseed: 7\n"
                   "workloads: [{name: wa, target: a, arrival: {process: poisson, rate: 80/s}},\n"
                   "            {name: wb, target: b, arrival: {process: poisson, rate: 30/s}}]\n"
                   "components: [{name: a, type: service, workers: 1, service_time: {dist: exponential, mean: 100ms}},\n"
                   "             {name: b, type: service, workers: 1, service_time: {dist: exponential, mean: 200ms}}]\n",
                   &dir, &yaml, &h5);
    const char *slos[] = {"a.WaitTime.mean<5", "b.WaitTime.mean<8", NULL};
    const CirrusPlanKnob knobs[] = {{"components.a.workers", 9, 20}, {"components.b.workers", 7, 16}};
    CirrusPlanSpec spec = {.scenario = yaml, .slos = slos, .replications = 5, .jobs = 2, .output = h5,
                           .knobs = knobs, .n_knobs = 2};
    CirrusPlanResult result;
    GError *error = NULL;
    g_assert_true(cirrus_plan(&spec, &result, &error));
    g_assert_no_error(error);
    g_assert_true(result.found);
    g_assert_cmpint(result.values[0], ==, ca);
    g_assert_cmpint(result.values[1], ==, cb);
    g_assert_cmpint(result.value, ==, ca);
    g_assert_cmpfloat(result.grid, ==, 12 * 10);
    /* The staircase's bound: R1 + 2 R2 + 2 log2 R1 + 2 log2 R2 + 3. */
    g_test_message("%u settings judged of %.0f", result.n_points, result.grid);
    g_assert_cmpuint(result.n_points, <=, 12 + 2 * 10 + 2 * 4 + 2 * 4 + 3);
    g_assert_cmpfloat(result.n_points, <, result.grid / 2);

    CirrusH5Run *run = cirrus_h5run_open_any(h5, &error);
    g_assert_no_error(error);
    char *choice = cirrus_h5run_attr_string(run, "plan_choice"), *keys = cirrus_h5run_attr_string(run, "sweep_keys");
    char *want = g_strdup_printf("%d\n%d", ca, cb);
    g_assert_cmpstr(choice, ==, want);
    g_assert_cmpstr(keys, ==, "components.a.workers\ncomponents.b.workers");
    for (guint k = 0; k < 2; k++) {
        GPtrArray *values = cirrus_h5run_table_strings(run, "/sweep_points", knobs[k].key);
        g_assert_nonnull(values);
        g_assert_cmpuint(values->len, ==, result.n_points);
        g_ptr_array_unref(values);
    }
    g_free(want);
    g_free(keys);
    g_free(choice);
    cirrus_h5run_close(run);

    spec.objective = "b.WaitTime.mean";
    g_assert_true(cirrus_plan(&spec, &result, &error));
    g_assert_no_error(error);
    g_assert_cmpint(result.values[0], ==, ca);
    g_assert_cmpint(result.values[1], ==, 16);
    g_assert_cmpfloat(result.objective, <, mmc_wait_ms(cb, 30, 5));
    spec.objective = "min:a.WaitTime.mean";
    g_assert_true(cirrus_plan(&spec, &result, &error));
    g_assert_no_error(error);
    g_assert_cmpint(result.values[0], ==, 20);
    g_assert_cmpfloat(result.objective, <, mmc_wait_ms(ca, 80, 10));

    /* Usage errors: an objective that is no number of the run, or not one
     * at all; a knob twice; LO > HI. */
    spec.objective = "a.NoSuchMetric";
    assert_usage_error(&spec, "--objective 'a.NoSuchMetric'");
    spec.objective = "a.WaitTime<5";
    assert_usage_error(&spec, "--objective takes");
    spec.objective = NULL;
    const CirrusPlanKnob twice[] = {{"components.a.workers", 9, 20}, {"components.a.workers", 1, 2}};
    spec.knobs = twice;
    assert_usage_error(&spec, "--vary components.a.workers is given twice");
    const CirrusPlanKnob reversed[] = {{"components.a.workers", 9, 20}, {"components.b.workers", 16, 7}};
    spec.knobs = reversed;
    assert_usage_error(&spec, "LO <= HI");
    remove_all(dir, yaml, h5);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/plan/erlang-c", test_erlang_c);
    g_test_add_func("/plan/two-stations", test_two_stations);
    return g_test_run();
}
