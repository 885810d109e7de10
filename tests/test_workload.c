/* cirrus — the workload model against numbers: arrival counts, Poisson
 * dispersion, trace replay, timeouts and async invocation. */
#include "testutil.h"
#include "models/workload/arrivals.h"
#include <glib/gstdio.h>

/* The integrated rate of a piecewise-linear profile, inverted, gives the
 * exact time for a given amount: check against hand-computed values. */
static void test_profile_inverse(void)
{
    double t[] = {0, 10, 20}, rate[] = {0, 10, 10};
    CirrusRateProfile p = { t, rate, 3 };
    /* Over [0,10] the rate rises 0 -> 10: area t^2/2 reaches 8 at t = 4. */
    g_assert_cmpfloat(fabs(cirrus_rate_profile_advance(&p, 0, 8) - 4.0), <, 1e-12);
    /* Area to 10 is 50; 50 more at rate 10 takes 5 s. */
    g_assert_cmpfloat(fabs(cirrus_rate_profile_advance(&p, 0, 100) - 15.0), <, 1e-12);
    /* Beyond the last point the last rate holds. */
    g_assert_cmpfloat(fabs(cirrus_rate_profile_advance(&p, 30, 20) - 32.0), <, 1e-12);
    /* A step at 10 s: 1/s before, 5/s after (right-continuous). */
    double t3[] = {0, 10, 10}, r3[] = {1, 1, 5};
    CirrusRateProfile st = { t3, r3, 3 };
    g_assert_cmpfloat(cirrus_rate_profile_at(&st, 10), ==, 5);
    g_assert_cmpfloat(fabs(cirrus_rate_profile_advance(&st, 0, 10) - 10.0), <, 1e-12);
    g_assert_cmpfloat(fabs(cirrus_rate_profile_advance(&st, 0, 15) - 11.0), <, 1e-12);
    g_assert_cmpfloat(fabs(cirrus_rate_profile_advance(&st, 10, 5) - 11.0), <, 1e-12);
    /* A rate that falls to zero for good: no more arrivals. */
    double t2[] = {0, 10}, r2[] = {10, 0};
    CirrusRateProfile q = { t2, r2, 2 };
    g_assert_true(isinf(cirrus_rate_profile_advance(&q, 0, 51)));
    g_assert_cmpfloat(fabs(cirrus_rate_profile_advance(&q, 0, 50) - 10.0), <, 1e-9);
}

/* Poisson arrivals under a ramp: the count is Poisson with mean equal to the
 * integral of the rate (here 100 -> 500/s over 1 h: 1,080,000), so it must
 * lie within 4 sqrt(mean).  Per 10 s interval, the counts' variance/mean
 * ratio (dispersion) of a Poisson process is 1 — against a rate that is
 * nearly constant within an interval — to within 4 standard errors of a
 * variance estimate, sqrt(2/(n-1)). */
static void test_poisson_schedule(void)
{
    TestRun *r = test_run_text(
        "name: ramp\nduration: 1h\n"
        "workloads: [{name: u, target: s, arrival: {process: poisson, schedule: [[0s, 100/s], [1h, 500/s]]}}]\n"
        "components: [{name: s, type: service, workers: 1000, service_time: 1ms}]\n", NULL);
    double expected = (100.0 + 500.0) / 2 * 3600;
    double got = test_summary(r, "u", "Requests").sum;
    g_test_message("ramp: %.0f arrivals, expected %.0f +- %.0f", got, expected, 4 * sqrt(expected));
    g_assert_cmpfloat(fabs(got - expected), <, 4 * sqrt(expected));
    /* Dispersion: each interval's count against the rate integral over it. */
    guint col = test_series(r, "/workloads/u", "Requests");
    double sum_ratio = 0;
    guint n = test_n_rows(r);
    for (guint i = 0; i < n; i++) {
        double t0 = 10.0 * i, t1 = t0 + 10, mean = 10 * (100 + 400 * (t0 + t1) / 2 / 3600);
        sum_ratio += pow(test_value(r, i, col) - mean, 2) / mean;
    }
    double dispersion = sum_ratio / n;
    g_test_message("dispersion %.3f over %u intervals", dispersion, n);
    g_assert_cmpfloat(fabs(dispersion - 1.0), <, 4 * sqrt(2.0 / (n - 1)));
    test_run_free(r);
}

/* Constant arrivals: exactly rate x interval per interval. */
static void test_constant_schedule(void)
{
    TestRun *r = test_run_text(
        "name: c\nduration: 1m\nsample_interval: 10s\n"
        "workloads: [{name: u, target: s, arrival: {process: constant, schedule: [[0s, 10/s], [30s, 20/s]]}}]\n"
        "components: [{name: s, type: service, workers: 100, service_time: 1ms}]\n", NULL);
    /* The rate ramps linearly 10 -> 20/s over [0, 30 s), then stays at 20:
     * [10, 20) averages 15/s -> exactly 150; later intervals exactly 200. */
    guint col = test_series(r, "/workloads/u", "Requests");
    g_assert_cmpfloat(test_value(r, 1, col), ==, 150);
    for (guint i = 3; i < 6; i++) g_assert_cmpfloat(test_value(r, i, col), ==, 200);
    /* Total: 450 on the ramp + 600 after, less the one due exactly at the
     * stop time, which is not run. */
    g_assert_cmpfloat(test_summary(r, "u", "Requests").sum, ==, 1049);
    test_run_free(r);
}

/* Trace replay: exactly the listed arrival times. */
static void test_trace(void)
{
    char *dir = g_dir_make_tmp("cirrus-trace-XXXXXX", NULL);
    char *trace = g_build_filename(dir, "arrivals.txt", NULL);
    char *yaml = g_build_filename(dir, "t.yaml", NULL);
    g_assert_true(g_file_set_contents(trace, "# seconds\n0.5\n1.5\n1.5\n12\n\n25.25\n", -1, NULL));
    g_assert_true(g_file_set_contents(yaml,
        "name: t\nduration: 30s\n"
        "workloads: [{name: u, target: s, arrival: {process: trace, trace: arrivals.txt}}]\n"
        "components: [{name: s, type: service, workers: 1, service_time: 100ms}]\n", -1, NULL));
    GError *error = NULL;
    CirrusScenario *sc = cirrus_scenario_load(yaml, cirrus_models_registry(), NULL, &error);
    g_assert_no_error(error);
    CirrusSim *sim = cirrus_scenario_build(sc, 0, &error);
    g_assert_no_error(error);
    CirrusRunSpec spec = { .duration = cirrus_scenario_duration(sc), .sample_interval = 10 * CIRRUS_SEC };
    g_assert_true(cirrus_sim_run(sim, &spec, &error));
    CirrusComponent *s = cirrus_sim_find(sim, "s");
    CirrusMetricSummary lat, queued;
    cirrus_component_metric_summary(s, (guint)cirrus_component_metric_index(s, "Latency"), &lat);
    cirrus_component_metric_summary(s, (guint)cirrus_component_metric_index(s, "Queued"), &queued);
    /* Five arrivals; the two at 1.5 s share the one worker: one waits 100 ms. */
    g_assert_cmpuint(lat.latency->count, ==, 5);
    g_assert_cmpfloat(queued.sum, ==, 1);
    g_assert_cmpint(lat.latency->max, ==, 200 * CIRRUS_MS);
    cirrus_sim_free(sim);
    cirrus_scenario_free(sc);
    g_unlink(trace);
    g_unlink(yaml);
    g_rmdir(dir);
    g_free(trace);
    g_free(yaml);
    g_free(dir);
}

/* A client timeout shorter than the service: every request times out, the
 * late replies are discarded (not counted as successes), and nothing is
 * left outstanding at the end. */
static void test_timeout(void)
{
    TestRun *r = test_run_text(
        "name: to\nduration: 100s\n"
        "workloads: [{name: u, target: s, arrival: {process: constant, rate: 1/s}, client: {timeout: 500ms}}]\n"
        "components: [{name: s, type: service, workers: 10, service_time: 800ms}]\n", NULL);
    CirrusMetricSummary req = test_summary(r, "u", "Requests"), ok = test_summary(r, "u", "Succeeded");
    CirrusMetricSummary to = test_summary(r, "u", "TimedOut"), out = test_summary(r, "u", "Outstanding");
    g_assert_cmpfloat(req.sum, ==, 99);
    g_assert_cmpfloat(to.sum, ==, 99);
    g_assert_cmpfloat(ok.sum, ==, 0);
    g_assert_cmpfloat(out.last, ==, 0);
    /* Each request is outstanding for exactly 0.5 s of every second. */
    g_assert_cmpfloat(fabs(out.mean - 0.495), <, 1e-9);
    /* The service did all the work regardless. */
    g_assert_cmpfloat(test_summary(r, "s", "Completed").sum, ==, 99);
    test_run_free(r);
}

/* Async invocation: the caller is answered on acceptance (latency 0, and
 * refusals still come back), while the station works behind. */
static void test_async(void)
{
    TestRun *r = test_run_text(
        "name: a\nduration: 100s\n"
        "workloads: [{name: u, target: s, invocation: async, arrival: {process: constant, rate: 10/s}}]\n"
        "components: [{name: s, type: service, workers: 1, queue_limit: 4, service_time: 200ms}]\n", NULL);
    CirrusMetricSummary ok = test_summary(r, "u", "Succeeded"), rej = test_summary(r, "u", "Rejected");
    CirrusMetricSummary lat = test_summary(r, "u", "Latency");
    /* Capacity 5/s against 10/s offered: about half are refused. */
    g_assert_cmpfloat(ok.sum + rej.sum, ==, 999);
    g_assert_cmpfloat(fabs(ok.sum - 500), <=, 6);
    g_assert_cmpint(lat.latency->max, ==, 0);
    g_assert_cmpfloat(test_summary(r, "s", "Rejected").sum, ==, rej.sum);
    test_run_free(r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/models/workload/profile-inverse", test_profile_inverse);
    g_test_add_func("/models/workload/poisson-schedule", test_poisson_schedule);
    g_test_add_func("/models/workload/constant-schedule", test_constant_schedule);
    g_test_add_func("/models/workload/trace", test_trace);
    g_test_add_func("/models/workload/timeout", test_timeout);
    g_test_add_func("/models/workload/async", test_async);
    return g_test_run();
}
