/* cirrus — data transfer between regions (models/transfer.c, docs/cost.md)
 * against hand-computed counts and bills.
 *
 * Arrivals are evenly spaced (8/s for 100 s: 799 requests, the one due at
 * the stop time not sent) with requests of 2 KB = 2,048 B, so the bytes
 * that cross are exactly requests x 2,048, and the bill is those bytes /
 * 2^30 (AWS's GB) x the price of the pair of regions, written out here
 * again so that a change to the table is noticed. */
#include "testutil.h"
#include "models/transfer.h"
#include "tools/runtables.h"

#define N_REQUESTS 799
#define SIZE 2048.0
#define GB 1073741824.0
#define CLIENT(region) "arrival: {process: constant, rate: 8/s}, request: {size: 2KB}, client: {region: " region "}"

static void assert_usd(double got, double want)
{
    g_test_message("got %.12g USD, want %.12g", got, want);
    g_assert_cmpfloat(fabs(got - want), <=, 1e-12 * fabs(want));
}

static double transfer_usd(TestRun *r, const char *name)
{
    double usd = -1;
    g_assert_true(cirrus_transfer_usd(cirrus_sim_find(r->sim, name), &usd));
    return usd;
}

static gboolean has_transfer(TestRun *r, const char *name)
{
    return cirrus_component_metric_index(cirrus_sim_find(r->sim, name), CIRRUS_TRANSFER_METRIC) >= 0;
}

/* The summary row `entity`/cost_usd, NaN when there is none. */
static double cost_row(GPtrArray *rows, const char *entity)
{
    for (guint i = 0; i < rows->len; i++) {
        const CirrusSummaryRow *row = rows->pdata[i];
        if (strcmp(row->entity, entity) == 0 && strcmp(row->metric, CIRRUS_COST_METRIC) == 0)
            return row->v[CIRRUS_STAT_SUM];
    }
    return NAN;
}

/* Clients in us-east-1 call a service in eu-west-1: every request crosses,
 * billed to the workload at the default $0.02/GB; clients in eu-west-1
 * calling it cross nothing.  The service has a region, so it has the
 * metric, but sends nothing.  The summary rows bill the workloads (a
 * service or a workload has no bill of its own) and the total is theirs. */
static void test_workload_to_region(void)
{
    TestRun *r = test_run_text("name: t\nduration: 100s\nworkloads:\n"
                               "  - {name: u, target: s, " CLIENT("us-east-1") "}\n"
                               "  - {name: v, target: s, " CLIENT("eu-west-1") "}\n"
                               "components:\n"
                               "  - {name: s, type: service, region: eu-west-1, workers: 4, service_time: 10ms}\n",
                               NULL);
    g_assert_cmpfloat(test_sum(r, "s", "Requests"), ==, 2 * N_REQUESTS);
    g_assert_cmpfloat(test_sum(r, "u", CIRRUS_TRANSFER_METRIC), ==, N_REQUESTS * SIZE);
    g_assert_cmpfloat(test_sum(r, "v", CIRRUS_TRANSFER_METRIC), ==, 0);
    g_assert_cmpfloat(test_sum(r, "s", CIRRUS_TRANSFER_METRIC), ==, 0);
    const double want = N_REQUESTS * SIZE / GB * 0.02;
    assert_usd(transfer_usd(r, "u"), want);
    g_assert_cmpfloat(transfer_usd(r, "v"), ==, 0);
    GPtrArray *rows = cirrus_summary_rows(r->sim);
    assert_usd(cost_row(rows, "u"), want);
    g_assert_cmpfloat(cost_row(rows, "v"), ==, 0);
    g_assert_cmpfloat(cost_row(rows, "s"), ==, 0);
    assert_usd(cost_row(rows, "total"), want);
    g_ptr_array_unref(rows);
    test_run_free(r);
}

/* The price of a pair: us-east-1 to us-east-2 (a region without a
 * location, listed in `regions:`) at $0.01/GB from the table;
 * a pair the scenario prices itself; the default overridden. */
static void test_pair_prices(void)
{
    TestRun *r = test_run_text("name: t\nduration: 100s\nregions: [us-east-2]\n"
                               "prices: {data_transfer.us-east-1.ap-northeast-1.gb: 0.05,"
                               " data_transfer.inter_region.gb: 0.03}\n"
                               "workloads:\n"
                               "  - {name: ohio, target: a, " CLIENT("us-east-1") "}\n"
                               "  - {name: tokyo, target: b, " CLIENT("us-east-1") "}\n"
                               "  - {name: other, target: c, " CLIENT("us-east-1") "}\n"
                               "components:\n"
                               "  - {name: a, type: service, region: us-east-2, workers: 4, service_time: 10ms}\n"
                               "  - {name: b, type: service, region: ap-northeast-1, workers: 4, service_time: 10ms}\n"
                               "  - {name: c, type: service, region: eu-west-1, workers: 4, service_time: 10ms}\n",
                               NULL);
    for (guint i = 0; i < 3; i++) {
        const char *w = (const char *[]){"ohio", "tokyo", "other"}[i];
        g_assert_cmpfloat(test_sum(r, w, CIRRUS_TRANSFER_METRIC), ==, N_REQUESTS * SIZE);
        assert_usd(transfer_usd(r, w), N_REQUESTS * SIZE / GB * (double[]){0.01, 0.05, 0.03}[i]);
    }
    test_run_free(r);
}

/* Through components without a region: Route 53 (global) forwards each
 * request to a service in eu-west-1, and a group without a region calls a
 * queue there; each is taken to be where the client is (us-east-1), so
 * the bytes that reach eu-west-1 are billed to the workload, once per hop
 * that enters the region.  With the group in eu-west-1 the client's call
 * to it crosses and its own call to the queue does not. */
static void test_regionless_hops(void)
{
    TestRun *r = test_run_text("name: t\nduration: 100s\nworkloads:\n"
                               "  - {name: u, target: dns, " CLIENT("us-east-1") "}\n"
                               "  - {name: w, target: web, " CLIENT("us-east-1") "}\n"
                               "components:\n"
                               "  - {name: dns, type: route53, records: [{target: s}]}\n"
                               "  - {name: s, type: service, region: eu-west-1, workers: 4, service_time: 10ms}\n"
                               "  - {name: web, type: asg, min: 1, instance: {service_time: 10ms, workers: 4,\n"
                               "     calls: [{target: q, mode: async}]}}\n"
                               "  - {name: q, type: sqs, region: eu-west-1}\n", NULL);
    g_assert_false(has_transfer(r, "dns"));
    g_assert_false(has_transfer(r, "web"));
    g_assert_cmpfloat(test_sum(r, "s", "Requests"), ==, N_REQUESTS);
    g_assert_cmpfloat(test_sum(r, "u", CIRRUS_TRANSFER_METRIC), ==, N_REQUESTS * SIZE);
    g_assert_cmpfloat(test_sum(r, "q", "NumberOfMessagesSent"), ==, N_REQUESTS);
    g_assert_cmpfloat(test_sum(r, "w", CIRRUS_TRANSFER_METRIC), ==, N_REQUESTS * SIZE);
    test_run_free(r);

    r = test_run_text("name: t\nduration: 100s\nworkloads:\n"
                      "  - {name: w, target: web, " CLIENT("us-east-1") "}\n"
                      "components:\n"
                      "  - {name: web, type: asg, region: eu-west-1, min: 1, instance: {service_time: 10ms,\n"
                      "     workers: 4, calls: [{target: q, mode: async}]}}\n"
                      "  - {name: q, type: sqs, region: eu-west-1}\n", NULL);
    g_assert_cmpfloat(test_sum(r, "w", CIRRUS_TRANSFER_METRIC), ==, N_REQUESTS * SIZE);
    g_assert_cmpfloat(test_sum(r, "web", CIRRUS_TRANSFER_METRIC), ==, 0);
    test_run_free(r);
}

/* One region in play: nothing can cross, no metric and no bill appear, so
 * single-region scenarios are exactly as before. */
static void test_one_region(void)
{
    TestRun *r = test_run_text("name: t\nduration: 100s\nworkloads:\n"
                               "  - {name: u, target: s, " CLIENT("eu-west-1") "}\n"
                               "components:\n"
                               "  - {name: s, type: service, region: eu-west-1, workers: 4, service_time: 10ms}\n",
                               NULL);
    g_assert_false(has_transfer(r, "u"));
    g_assert_false(has_transfer(r, "s"));
    double usd;
    g_assert_false(cirrus_transfer_usd(cirrus_sim_find(r->sim, "u"), &usd));
    GPtrArray *rows = cirrus_summary_rows(r->sim);
    g_assert_true(isnan(cost_row(rows, "u")));
    g_assert_true(isnan(cost_row(rows, "total")));
    g_ptr_array_unref(rows);
    test_run_free(r);
}

static void test_price_keys(void)
{
    test_assert_scenario_error("name: t\nduration: 1h\nprices: {data_transfer.eu-west-1.gb: 1}\n", NULL, "bad.yaml:3:",
                               "no price for 'data_transfer.eu-west-1.gb'");
    test_assert_scenario_error("name: t\nduration: 1h\nprices: {data_transfer.a.b.gb: -1}\n", NULL, "bad.yaml:3:",
                               "data_transfer.a.b.gb");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/transfer/workload-to-region", test_workload_to_region);
    g_test_add_func("/transfer/pair-prices", test_pair_prices);
    g_test_add_func("/transfer/regionless-hops", test_regionless_hops);
    g_test_add_func("/transfer/one-region", test_one_region);
    g_test_add_func("/transfer/price-keys", test_price_keys);
    return g_test_run();
}
