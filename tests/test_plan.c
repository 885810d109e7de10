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
#include <glib/gstdio.h>

static double mmc_wait_ms(int c, double lambda, double mu)
{
    return 1000 * (test_mmc_response_time(c, lambda, mu) - 1 / mu);
}

static void test_erlang_c(void)
{
    const double lambda = 80, mu = 10, bound_ms = 5;
    int best = 9;
    while (mmc_wait_ms(best, lambda, mu) >= bound_ms) best++;
    g_test_message("Erlang C: W_q(%d) = %.3f ms, W_q(%d) = %.3f ms", best - 1, mmc_wait_ms(best - 1, lambda, mu), best,
                   mmc_wait_ms(best, lambda, mu));
    g_assert_cmpfloat(mmc_wait_ms(best, lambda, mu), <, 0.75 * bound_ms);
    g_assert_cmpfloat(mmc_wait_ms(best - 1, lambda, mu), >, 1.25 * bound_ms);

    char *dir = g_dir_make_tmp("cirrus-plan-XXXXXX", NULL);
    char *yaml = g_build_filename(dir, "mmc.yaml", NULL), *h5 = g_build_filename(dir, "plan.h5", NULL);
    g_assert_true(g_file_set_contents(yaml,
        "name: mmc\nduration: 10m\nwarmup: 1m\nseed: 7\n"
        "workloads: [{name: users, target: station, arrival: {process: poisson, rate: 80/s}}]\n"
        "components: [{name: station, type: service, workers: 1,\n"
        "              service_time: {dist: exponential, mean: 100ms}}]\n", -1, NULL));
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
    g_assert_false(cirrus_plan(&spec, &result, &error));
    g_assert_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE);
    g_assert_nonnull(strstr(error->message, "station.NoSuchMetric<5"));
    g_clear_error(&error);

    g_unlink(h5);
    g_unlink(yaml);
    g_rmdir(dir);
    g_free(h5);
    g_free(yaml);
    g_free(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/plan/erlang-c", test_erlang_c);
    return g_test_run();
}
