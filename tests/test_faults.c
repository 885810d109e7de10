/* cirrus — faults against numbers: an outage and a slowdown of a service,
 * with deterministic traffic so that every count is exact. */
#include "testutil.h"

/* Constant arrivals every 100 ms (the first at 100 ms), two workers, 150 ms
 * service: at most two requests in service, none queued.  An outage over
 * [30 s, 40 s): the 100 arrivals at 30.0, 30.1, ..., 39.9 s are refused
 * (a fault's begin is delivered before the arrival at the same instant, its
 * end before the arrival at 40.0 s), and the one request in service at
 * 30 s (arrived at 29.9 s) fails. */
static void test_outage(void)
{
    TestRun *r = test_run_text(
        "name: o\nduration: 100s\n"
        "workloads: [{name: u, target: s, arrival: {process: constant, rate: 10/s}}]\n"
        "components: [{name: s, type: service, workers: 2, service_time: 150ms}]\n"
        "faults: [{at: 30s, kind: outage, component: s, duration: 10s}]\n", NULL);
    g_assert_cmpfloat(test_summary(r, "s", "Requests").sum, ==, 999);
    g_assert_cmpfloat(test_summary(r, "s", "Rejected").sum, ==, 100);
    g_assert_cmpfloat(test_summary(r, "s", "Failed").sum, ==, 1);
    /* The client sees both as failures; everything else succeeds except
     * the arrival at 99.9 s, still in service at the end. */
    g_assert_cmpfloat(test_summary(r, "u", "Failed").sum, ==, 101);
    g_assert_cmpfloat(test_summary(r, "u", "Succeeded").sum, ==, 999 - 101 - 1);
    /* Per 10 s interval: the refusals all fall in [30, 40). */
    guint rej = test_series(r, "/components/s", "Rejected");
    for (guint i = 0; i < test_n_rows(r); i++)
        g_assert_cmpfloat(test_value(r, i, rej), ==, i == 3 ? 100 : 0);
    test_run_free(r);
}

/* A slowdown x5 over [60 s, 70 s) with 100 workers (no queueing): the 100
 * services that start in it take 750 ms, the others 150 ms.  998 complete
 * (the arrival at 99.9 s does not), so the exact mean is
 * (100 x 0.75 + 898 x 0.15) / 998. */
static void test_slowdown(void)
{
    TestRun *r = test_run_text(
        "name: s\nduration: 100s\n"
        "workloads: [{name: u, target: s, arrival: {process: constant, rate: 10/s}}]\n"
        "components: [{name: s, type: service, workers: 100, service_time: 150ms}]\n"
        "faults: [{at: 60s, kind: slowdown, component: s, factor: 5, duration: 10s}]\n", NULL);
    CirrusMetricSummary lat = test_summary(r, "s", "Latency");
    g_assert_cmpuint(lat.latency->count, ==, 998);
    g_assert_cmpint(lat.latency->max, ==, 750 * CIRRUS_MS);
    g_assert_cmpint(lat.latency->min, ==, 150 * CIRRUS_MS);
    g_assert_cmpfloat(fabs(lat.mean - (100 * 0.75 + 898 * 0.15) / 998), <, 1e-12);
    test_run_free(r);
}

/* Overlapping slowdowns multiply while both are in force. */
static void test_slowdowns_overlap(void)
{
    TestRun *r = test_run_text(
        "name: s2\nduration: 100s\n"
        "workloads: [{name: u, target: s, arrival: {process: constant, rate: 10/s}}]\n"
        "components: [{name: s, type: service, workers: 100, service_time: 100ms}]\n"
        "faults:\n"
        "  - {at: 10s, kind: slowdown, component: s, factor: 2, duration: 20s}\n"
        "  - {at: 20s, kind: slowdown, component: s, factor: 3, duration: 20s}\n", NULL);
    /* Starts in [20, 30) take 100 x 2 x 3 = 600 ms: the maximum. */
    g_assert_cmpint(test_summary(r, "s", "Latency").latency->max, ==, 600 * CIRRUS_MS);
    /* After 40 s everything is back to 100 ms: the last row's mean is 0.1. */
    guint mean = test_series(r, "/components/s", "Latency.mean");
    g_assert_cmpfloat(fabs(test_value(r, test_n_rows(r) - 1, mean) - 0.1), <, 1e-12);
    test_run_free(r);
}

/* A region outage over [30 s, 40 s) stops exactly the components whose
 * `region:` it names, each as its own outage: the two in us-east-1 refuse
 * the 100 arrivals of the window (and fail the one in service at 30 s),
 * the one in eu-west-1 and the one without a region refuse nothing.  An
 * outage of its own that overlaps, [35 s, 45 s), adds only [40 s, 45 s)
 * to east-a: the two count as nested outages. */
static void test_region_outage(void)
{
    TestRun *r = test_run_text(
        "name: ro\nduration: 100s\n"
        "workloads:\n"
        "  - {name: ua, target: east-a, arrival: {process: constant, rate: 10/s}}\n"
        "  - {name: ub, target: east-b, arrival: {process: constant, rate: 10/s}}\n"
        "  - {name: uw, target: west, arrival: {process: constant, rate: 10/s}}\n"
        "  - {name: un, target: nowhere, arrival: {process: constant, rate: 10/s}}\n"
        "components:\n"
        "  - {name: east-a, type: service, region: us-east-1, workers: 2, service_time: 150ms}\n"
        "  - {name: east-b, type: service, region: us-east-1, workers: 2, service_time: 150ms}\n"
        "  - {name: west, type: service, region: eu-west-1, workers: 2, service_time: 150ms}\n"
        "  - {name: nowhere, type: service, workers: 2, service_time: 150ms}\n"
        "faults:\n"
        "  - {at: 30s, kind: region_outage, region: us-east-1, duration: 10s}\n"
        "  - {at: 35s, kind: outage, component: east-a, duration: 10s}\n", NULL);
    g_assert_cmpfloat(test_summary(r, "east-a", "Rejected").sum, ==, 150);
    g_assert_cmpfloat(test_summary(r, "east-b", "Rejected").sum, ==, 100);
    g_assert_cmpfloat(test_summary(r, "east-b", "Failed").sum, ==, 1);
    g_assert_cmpfloat(test_summary(r, "west", "Rejected").sum, ==, 0);
    g_assert_cmpfloat(test_summary(r, "west", "Failed").sum, ==, 0);
    g_assert_cmpfloat(test_summary(r, "nowhere", "Rejected").sum, ==, 0);
    /* east-b's refusals all fall in the row [30, 40). */
    guint rej = test_series(r, "/components/east-b", "Rejected");
    for (guint i = 0; i < test_n_rows(r); i++)
        g_assert_cmpfloat(test_value(r, i, rej), ==, i == 3 ? 100 : 0);
    test_run_free(r);
}

/* A region outage must name a region that some component is in. */
static void test_region_errors(void)
{
    test_assert_scenario_error(
        "name: e\nduration: 1m\n"
        "components: [{name: s, type: service, region: us-east-1, service_time: 1ms}]\n"
        "faults: [{at: 1s, kind: region_outage, region: us-east-2, duration: 1s}]\n",
        NULL, "bad.yaml:4:48: ", "no component with 'region: us-east-2' models outages (did you mean 'us-east-1'?)");
    test_assert_scenario_error(
        "name: e\nduration: 1m\n"
        "components: [{name: s, type: service, region: '', service_time: 1ms}]\n",
        NULL, "bad.yaml:3:47: ", "a region must be a name such as us-east-1");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/faults/service/outage", test_outage);
    g_test_add_func("/faults/service/slowdown", test_slowdown);
    g_test_add_func("/faults/service/slowdowns-overlap", test_slowdowns_overlap);
    g_test_add_func("/faults/region-outage", test_region_outage);
    g_test_add_func("/faults/region-errors", test_region_errors);
    return g_test_run();
}
