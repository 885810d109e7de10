/* Tests of the service model's own rules (models/service/service.c): a
 * finite queue against the M/M/1/K blocking probability, async requests
 * answered on acceptance, and its faults (slowdown, outage) against exact
 * arithmetic.  The station against M/M/c theory is tests/test_queueing.c. */
#include "testutil.h"

static TestRun *run_service(const char *duration, const char *workload, const char *service, const char *faults)
{
    char *text = g_strdup_printf("name: s\nduration: %s\nwarmup: 0s\nsample_interval: 60s\nseed: 9\n"
                                 "workloads:\n  - {name: users, target: station, %s}\n"
                                 "components:\n  - {name: station, type: service, %s}\n%s",
                                 duration, workload, service, faults ? faults : "");
    TestRun *r = test_run_text(text, NULL);
    g_free(text);
    return r;
}

/* M/M/1 with queue_limit 3 (K = 4 in the system) at rho = 0.9: an arrival
 * is refused with probability (1 - rho) rho^K / (1 - rho^(K+1)). */
static void test_finite_queue(void)
{
    const double rho = 0.9;
    TestRun *r = run_service("10h", "arrival: {process: poisson, rate: 90/s}",
                             "workers: 1, queue_limit: 3, service_time: {dist: exponential, mean: 10ms}", NULL);
    double theory = (1 - rho) * pow(rho, 4) / (1 - pow(rho, 5));
    double s1 = 0, s2 = 0;
    guint n = test_n_rows(r);
    for (guint i = 0; i < n; i++) {
        double x = test_component_value(r, i, "station", "Rejected") / test_component_value(r, i, "station", "Requests");
        s1 += x;
        s2 += x * x;
    }
    double se = sqrt((s2 / n - s1 / n * s1 / n) / (n - 1));
    double sim = test_sum(r, "station", "Rejected") / test_sum(r, "station", "Requests");
    test_assert_agrees("M/M/1/4 blocking probability", sim, theory, se);
    g_assert_cmpfloat(test_summary(r, "station", "QueueLength").max, ==, 3);
    test_run_free(r);
}

/* An async request is answered when accepted, and worked on after: the
 * caller's latency is 0 while the station's is the service time. */
static void test_async_accepted(void)
{
    TestRun *r = run_service("100s", "invocation: async, arrival: {process: constant, rate: 1/s}",
                             "workers: 1, service_time: {dist: constant, value: 200ms}", NULL);
    g_assert_cmpint(test_summary(r, "users", "Latency").latency->max, ==, 0);
    g_assert_cmpint(test_summary(r, "station", "Latency").latency->min, ==, 200 * CIRRUS_MS);
    g_assert_cmpfloat(test_sum(r, "station", "Completed"), ==, test_sum(r, "users", "Succeeded"));
    test_run_free(r);
}

/* A slowdown of 3 from 10 s to 20 s makes the 100-ms service 300 ms for
 * the services that start in it; an outage from 30 s to 40 s refuses
 * every arrival (10 at 1/s) and fails nothing else (nothing queues). */
static void test_faults(void)
{
    TestRun *r = run_service("60s", "arrival: {process: constant, rate: 1/s}",
                             "workers: 1, service_time: {dist: constant, value: 100ms}",
                             "faults:\n  - {at: 10s, duration: 10s, kind: slowdown, component: station, factor: 3}\n"
                             "  - {at: 30s, duration: 10s, kind: outage, component: station}\n");
    const CirrusHist *lat = test_summary(r, "station", "Latency").latency;
    g_assert_cmpint(lat->min, ==, 100 * CIRRUS_MS);
    g_assert_cmpint(lat->max, ==, 300 * CIRRUS_MS);
    g_assert_cmpfloat(test_sum(r, "station", "Rejected"), ==, 10);
    g_assert_cmpfloat(test_sum(r, "station", "Failed"), ==, 0);
    g_assert_cmpfloat(test_sum(r, "station", "Completed"), ==, test_sum(r, "station", "Requests") - 10);
    test_run_free(r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/models/service/finite-queue", test_finite_queue);
    g_test_add_func("/models/service/async-accepted", test_async_accepted);
    g_test_add_func("/models/service/faults", test_faults);
    return g_test_run();
}
