/* cirrus — the `route53` model against numbers: weighted answer shares
 * (binomial bounds), the TTL of client caches (exact re-query instants, and
 * after a failover the share of requests still reaching the dead primary,
 * against (TTL - x)/(TTL + 1/lambda)), failover detection within
 * ((threshold - 1) interval, threshold interval], the 18% rule, and the
 * answers when records are unhealthy.
 *
 * `picky` (below) answers ok to every request except health checks from
 * checkers numbered `sick_from` (default 1000: none) or above, which it answers "failed": it
 * makes a chosen share of the checkers see an endpoint unhealthy. */
#include "testutil.h"
#include "models/globals.h"
#include "models/route53.h"
#include "models/service.h"
#include "models/workload.h"
#include "sim/error.h"

typedef struct { gint64 sick_from; } Picky;

static gboolean picky_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    Picky *p = state;
    (void)self;
    return cirrus_cfg_int(cfg, "sick_from", 1000, 0, 1000, &p->sick_from, error);   /* default: never */
}

static void picky_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    Picky *p = state;
    CirrusRequest *req = ev->request;
    g_assert(ev->kind == CIRRUS_EVENT_REQUEST);
    gboolean check = strcmp(cirrus_component_type(req->origin), "route53") == 0;
    cirrus_reply(self, req, check && (gint64)req->client >= p->sick_from ? CIRRUS_OUTCOME_FAILED : CIRRUS_OUTCOME_OK);
}

static const CirrusModelType picky_type = {
    .name = "picky", .state_size = sizeof(Picky), .configure = picky_configure, .handle = picky_handle,
    .metrics = (const CirrusMetricDef[]){{NULL, 0, NULL}},
};

static const CirrusModelType *const test_types[] = {
    &cirrus_workload_type, &cirrus_service_type, &cirrus_route53_type, &picky_type, NULL,
};

static const CirrusRegistry test_registry = {
    .types = test_types, .workload_type = "workload", .read_globals = cirrus_globals_read,
};

static TestRun *run(const char *text)
{
    return test_run_with(text, &test_registry, NULL, CIRRUS_PES_RADIX);
}

static double sum(TestRun *r, const char *who, const char *metric)
{
    return test_summary(r, who, metric).sum;
}

/* |share - p| within 4 binomial SE of n draws, and 4 SE < `frac` of p. */
static void assert_share(double count, double n, double p, double frac)
{
    double se = sqrt(p * (1 - p) / n);
    g_test_message("share %.5f, expected %.5f (4 SE %.5f, n %.0f)", count / n, p, 4 * se, n);
    g_assert_cmpfloat(fabs(count / n - p), <, 4 * se);
    g_assert_cmpfloat(4 * se, <, frac * p);
}

/* ---- weighted ------------------------------------------------------------ */

/* TTL 0: every request is a query.  Weights 1, 3, 0: shares 1/4 and 3/4,
 * the zero-weight record never answered while another is healthy; all
 * weights 0: equal shares. */
static void test_weighted_shares(void)
{
    TestRun *r = run(
        "name: w\nduration: 1h\nseed: 5\n"
        "workloads: [{name: u, target: dns, clients: 100, arrival: {process: poisson, rate: 100/s}}]\n"
        "components:\n"
        "  - {name: dns, type: route53, ttl: 0s, policy: weighted, records: [\n"
        "      {target: a, weight: 1}, {target: b, weight: 3}, {target: c, weight: 0}]}\n"
        "  - {name: a, type: service, workers: 100, service_time: 1ms}\n"
        "  - {name: b, type: service, workers: 100, service_time: 1ms}\n"
        "  - {name: c, type: service, workers: 100, service_time: 1ms}\n");
    double q = sum(r, "dns", "DNSQueries");
    g_assert_cmpfloat(q, ==, sum(r, "u", "Requests"));
    assert_share(sum(r, "dns", "Answers.a"), q, 0.25, 0.02);
    g_assert_cmpfloat(sum(r, "dns", "Answers.c"), ==, 0);
    g_assert_cmpfloat(sum(r, "a", "Requests") + sum(r, "b", "Requests"), ==, q);
    test_run_free(r);

    r = run(
        "name: w0\nduration: 1h\nseed: 6\n"
        "workloads: [{name: u, target: dns, clients: 100, arrival: {process: poisson, rate: 100/s}}]\n"
        "components:\n"
        "  - {name: dns, type: route53, ttl: 0s, policy: weighted, records: [\n"
        "      {target: a, weight: 0}, {target: b, weight: 0}, {target: c, weight: 0}]}\n"
        "  - {name: a, type: service, workers: 100, service_time: 1ms}\n"
        "  - {name: b, type: service, workers: 100, service_time: 1ms}\n"
        "  - {name: c, type: service, workers: 100, service_time: 1ms}\n");
    q = sum(r, "dns", "DNSQueries");
    assert_share(sum(r, "dns", "Answers.a"), q, 1.0 / 3, 0.02);
    assert_share(sum(r, "dns", "Answers.c"), q, 1.0 / 3, 0.02);
    test_run_free(r);
}

/* ---- TTL ----------------------------------------------------------------- */

/* One caller, a request each second from 1 s, TTL 60 s: it queries at 1 s
 * and then at the first request at or after each expiry (61, 121, ...):
 * 10 queries in 10 minutes, never one answer used past its TTL. */
static void test_ttl_exact(void)
{
    TestRun *r = run(
        "name: t\nduration: 10m\n"
        "workloads: [{name: u, target: dns, arrival: {process: constant, rate: 1/s}}]\n"
        "components:\n"
        "  - {name: dns, type: route53, ttl: 60s, policy: simple, records: [{target: a}, {target: b}]}\n"
        "  - {name: a, type: service, service_time: 1ms}\n"
        "  - {name: b, type: service, service_time: 1ms}\n");
    g_assert_cmpfloat(sum(r, "dns", "DNSQueries"), ==, 10);
    g_assert_cmpfloat(sum(r, "dns", "Requests"), ==, 599);
    test_run_free(r);
}

/* ---- failover: detection, then the TTL ----------------------------------- */

/* Primary `east` fails for 200 s every 603 s (10 times, from 1000 s, once
 * the callers' cache renewals have spread evenly in time; 603 s moves the
 * failures against the checkers' phases); 2,000 callers at
 * 0.1 request/s each, TTL 60 s, checks every 10 s with threshold 3 from
 * 16 checkers.
 *  - Detection: each checker turns at its third failed check, in
 *    (t0 + 20 s, t0 + 30 s]; Route 53 flips when 14 of 16 have (2/16 <= 18%),
 *    so the flip t_d is in that window too.  It is read from the
 *    HealthCheckStatus.east gauge: with 1 s rows, a row's time-weighted
 *    mean says where in the row the flip fell.
 *  - TTL: no request reaches east (the callers' Rejected) from t_d + TTL
 *    until east is back.  In between, a caller sends to east while its
 *    entry, taken before t_d, lives: for Poisson callers of rate lambda the
 *    share of requests still going there x after t_d is (TTL - x)/(TTL +
 *    1/lambda) (each entry lives TTL, then the caller's next request, 1/lambda
 *    later on average, renews it).  Its mean over each window is compared,
 *    over the 10 outages, within 4 SE of the per-outage differences. */
static void test_failover_ttl(void)
{
    GString *text = g_string_new(
        "name: fo\nduration: 7100s\nsample_interval: 1s\nseed: 11\n"
        "workloads: [{name: u, target: dns, clients: 2000, arrival: {process: poisson, rate: 200/s}}]\n"
        "components:\n"
        "  - {name: dns, type: route53, ttl: 60s, policy: failover,\n"
        "     health_check: {interval: 10s, failure_threshold: 3},\n"
        "     records: [{target: east, failover: primary, health_check: true}, {target: west, failover: secondary}]}\n"
        "  - {name: east, type: service, workers: 100, service_time: 1ms}\n"
        "  - {name: west, type: service, workers: 100, service_time: 1ms}\n"
        "faults:\n");
    for (int j = 0; j < 10; j++)
        g_string_append_printf(text, "  - {at: %ds, kind: outage, component: east, duration: 200s}\n", 1000 + 603 * j);
    TestRun *r = run(text->str);
    g_string_free(text, TRUE);
    guint st = test_series(r, "/components/dns", "HealthCheckStatus.east");
    guint rej = test_series(r, "/workloads/u", "Rejected"), req = test_series(r, "/workloads/u", "Requests");
    const double ttl = 60, lambda = 200.0 / 2000;
    double diffs[10], mean_diff = 0, mean_expected = 0;
    for (int j = 0; j < 10; j++) {
        double t0 = 1000 + 603 * j, td = -1;
        for (guint i = (guint)t0; i < (guint)t0 + 60; i++)   /* row i covers [i, i + 1) */
            if (test_value(r, i, st) < 1) {
                td = i + test_value(r, i, st);
                break;
            }
        g_test_message("outage %d: flip %.3f s after the failure", j, td - t0);
        g_assert_cmpfloat(td - t0, >, 20 - 1e-6);
        g_assert_cmpfloat(td - t0, <=, 30 + 1e-6);
        /* Rows wholly after t_d + TTL and before east returns: nobody there. */
        for (guint i = (guint)ceil(td + ttl); i < (guint)t0 + 200; i++) g_assert_cmpfloat(test_value(r, i, rej), ==, 0);
        /* Rows wholly inside [t_d, t_d + TTL): share still sent to east. */
        guint a = (guint)ceil(td), b = (guint)floor(td + ttl);
        double sent = 0, lost = 0;
        for (guint i = a; i < b; i++) {
            sent += test_value(r, i, req);
            lost += test_value(r, i, rej);
        }
        double x0 = a - td, x1 = b - td;
        double expected = (ttl - (x0 + x1) / 2) / (ttl + 1 / lambda);
        diffs[j] = lost / sent - expected;
        mean_diff += diffs[j] / 10;
        mean_expected += expected / 10;
        g_test_message("  share to east in [%.1f, %.1f] s after the flip: %.4f, expected %.4f",
                       x0, x1, lost / sent, expected);
    }
    double var = 0;
    for (int j = 0; j < 10; j++) var += (diffs[j] - mean_diff) * (diffs[j] - mean_diff) / 9;
    double se = sqrt(var / 10);
    g_test_message("mean difference %.5f (4 SE %.5f) on a mean share of %.4f", mean_diff, 4 * se, mean_expected);
    g_assert_cmpfloat(fabs(mean_diff), <, 4 * se);
    g_assert_cmpfloat(4 * se, <, 0.05 * mean_expected);
    test_run_free(r);
}

/* ---- the 18% rule ---------------------------------------------------------- */

/* 16 checkers: 3 seeing it healthy is 18.75% (> 18%: healthy); 2 is
 * 12.5% (unhealthy). */
static void test_eighteen_percent(void)
{
    for (int k = 2; k <= 3; k++) {
        char *text = g_strdup_printf(
            "name: p\nduration: 2m\n"
            "components:\n"
            "  - {name: dns, type: route53, policy: failover, health_check: {interval: 10s},\n"
            "     records: [{target: a, failover: primary, health_check: true}, {target: b, failover: secondary}]}\n"
            "  - {name: a, type: picky, sick_from: %d}\n"
            "  - {name: b, type: picky}\n", k);
        TestRun *r = run(text);
        CirrusMetricSummary pct = test_summary(r, "dns", "HealthCheckPercentageHealthy.a");
        CirrusMetricSummary st = test_summary(r, "dns", "HealthCheckStatus.a");
        g_test_message("%d of 16 healthy: %.2f%%, status %.0f", k, pct.last, st.last);
        g_assert_cmpfloat(pct.last, ==, 100.0 * k / 16);
        g_assert_cmpfloat(st.last, ==, k == 3 ? 1 : 0);
        test_run_free(r);
        g_free(text);
    }
}

/* ---- unhealthy records ----------------------------------------------------- */

/* Records whose checks fail at every checker (picky, sick_from 0) turn
 * unhealthy by 30 s; statistics start at 60 s. */
static const char *const sick_setup =
    "name: s\nduration: 30m\nwarmup: 60s\nseed: 9\n"
    "workloads: [{name: u, target: dns, clients: 50, arrival: {process: poisson, rate: 100/s}}]\n"
    "components:\n"
    "  - {name: sick1, type: picky, sick_from: 0}\n"
    "  - {name: sick2, type: picky, sick_from: 0}\n"
    "  - {name: well1, type: picky}\n"
    "  - {name: well2, type: picky}\n"
    "  - name: dns\n"
    "    type: route53\n"
    "    ttl: 0s\n"
    "    health_check: {interval: 10s}\n";

static TestRun *run_sick(const char *dns)
{
    char *text = g_strconcat(sick_setup, dns, NULL);
    TestRun *r = run(text);
    g_free(text);
    return r;
}

static void test_unhealthy(void)
{
    /* All unhealthy: answered as if all were healthy, by weight. */
    TestRun *r = run_sick("    policy: weighted\n    records: [{target: sick1, weight: 1, health_check: true},\n"
                          "              {target: sick2, weight: 3, health_check: true}]\n");
    g_assert_cmpfloat(test_summary(r, "dns", "HealthCheckStatus.sick1").max, ==, 0);
    g_assert_cmpfloat(test_summary(r, "dns", "HealthCheckStatus").max, ==, 0);
    assert_share(sum(r, "dns", "Answers.sick1"), sum(r, "dns", "DNSQueries"), 0.25, 0.03);
    test_run_free(r);
    /* A healthy zero-weight record takes over from unhealthy weighted ones. */
    r = run_sick("    policy: weighted\n    records: [{target: sick1, weight: 5, health_check: true},\n"
                 "              {target: well1, weight: 0, health_check: true}]\n");
    g_assert_cmpfloat(sum(r, "dns", "Answers.sick1"), ==, 0);
    g_assert_cmpfloat(sum(r, "dns", "Answers.well1"), ==, sum(r, "dns", "DNSQueries"));
    test_run_free(r);
    /* Failover, both unhealthy: the primary. */
    r = run_sick("    policy: failover\n    records: [{target: sick1, failover: primary, health_check: true},\n"
                 "              {target: sick2, failover: secondary, health_check: true}]\n");
    g_assert_cmpfloat(sum(r, "dns", "Answers.sick2"), ==, 0);
    g_assert_cmpfloat(sum(r, "dns", "Answers.sick1"), ==, sum(r, "dns", "DNSQueries"));
    test_run_free(r);
    /* Multivalue: the healthy ones only, equally. */
    r = run_sick("    policy: multivalue\n    records: [{target: sick1, health_check: true},\n"
                 "              {target: well1, health_check: true}, {target: well2}]\n");
    double q = sum(r, "dns", "DNSQueries");
    g_assert_cmpfloat(sum(r, "dns", "Answers.sick1"), ==, 0);
    assert_share(sum(r, "dns", "Answers.well1"), q, 0.5, 0.02);
    test_run_free(r);
    /* Simple: no health checks, every value answered. */
    r = run_sick("    policy: simple\n    records: [{target: sick1}, {target: well1}]\n");
    assert_share(sum(r, "dns", "Answers.sick1"), sum(r, "dns", "DNSQueries"), 0.5, 0.02);
    test_run_free(r);
}

/* ---- bad input --------------------------------------------------------------- */

static void expect_error(const char *records_and_more, const char *expect)
{
    GError *error = NULL;
    char *text = g_strconcat(
        "name: e\nduration: 1m\n"
        "components:\n  - {name: a, type: service, service_time: 1ms}\n  - {name: b, type: service, service_time: 1ms}\n"
        "  - name: dns\n    type: route53\n", records_and_more, NULL);
    CirrusScenario *sc = cirrus_scenario_load_text("test.yaml", text, &test_registry, NULL, &error);
    g_assert_null(sc);
    g_assert_nonnull(error);
    g_test_message("%s", error->message);
    if (!strstr(error->message, expect)) g_error("expected '%s' in: %s", expect, error->message);
    g_error_free(error);
    g_free(text);
}

static void test_config_errors(void)
{
    expect_error("    records: [{target: a, health_check: true}]\n", "unknown key 'health_check'");
    expect_error("    policy: failover\n    records: [{target: a, failover: primary}, {target: b, failover: secondary}]\n",
                 "needs 'health_check: true'");
    expect_error("    policy: failover\n    records: [{target: a, failover: secondary}]\n", "one 'failover: primary'");
    expect_error("    policy: weighted\n    records: [{target: a, weight: 256}]\n", "weight");
    expect_error("    policy: weighted\n    records: [{target: a}]\n", "weight");
    expect_error("    policy: latency\n    records: [{target: a}]\n", "not implemented");
    expect_error("    records: [{target: a}, {target: a}]\n", "two records with id 'a'");
    expect_error("    health_check: {interval: 20s}\n    records: [{target: a}]\n", "10s (fast) or 30s");
    expect_error("    records: [{target: nope}]\n", "unknown component 'nope'");
    expect_error("    records: []\n", "1 to 255 records");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/models/route53/weighted-shares", test_weighted_shares);
    g_test_add_func("/models/route53/ttl-exact", test_ttl_exact);
    g_test_add_func("/models/route53/failover-ttl", test_failover_ttl);
    g_test_add_func("/models/route53/eighteen-percent", test_eighteen_percent);
    g_test_add_func("/models/route53/unhealthy", test_unhealthy);
    g_test_add_func("/models/route53/config-errors", test_config_errors);
    return g_test_run();
}
