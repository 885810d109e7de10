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
#include "models/aws/globals.h"
#include "models/aws/regions.h"
#include "models/route53/route53.h"
#include "models/service/service.h"
#include "models/workload/workload.h"
#include "sim/kernel/error.h"

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
    .protocols = &test_takes_requests,
};

static const CirrusModelType *const test_types[] = {
    &cirrus_workload_type, &cirrus_service_type, &cirrus_route53_type, &picky_type, NULL,
};

static const CirrusRegistry test_registry = {
    .types = test_types, .workload_type = "workload", .read_globals = cirrus_globals_read, .prepare = cirrus_models_prepare,
};

static TestRun *run(const char *text)
{
    return test_run_with(text, &test_registry, NULL, CIRRUS_PES_DEFAULT);
}


/* |share - p| within 4 binomial SE of n draws, and 4 SE < `frac` of p. */
static void assert_share(double count, double n, double p, double frac)
{
    double se = sqrt(p * (1 - p) / n);
    g_test_message("share %.5f, expected %.5f (4 SE %.5f, n %.0f)", count / n, p, 4 * se, n);
    g_assert_cmpfloat(fabs(count / n - p), <, 4 * se);
    g_assert_cmpfloat(4 * se, <, frac * p);
}

/* Per-episode differences (measured - expected share) have mean 0 within
 * 4 SE of their spread, and 4 SE is under 5% of the mean expected share. */
static void assert_episodes(const double *diffs, guint n, double mean_expected)
{
    double mean = 0, var = 0;
    for (guint j = 0; j < n; j++) mean += diffs[j] / n;
    for (guint j = 0; j < n; j++) var += (diffs[j] - mean) * (diffs[j] - mean) / (n - 1);
    double se = sqrt(var / n);
    g_test_message("mean difference %.5f (4 SE %.5f) on a mean share of %.4f", mean, 4 * se, mean_expected);
    g_assert_cmpfloat(fabs(mean), <, 4 * se);
    g_assert_cmpfloat(4 * se, <, 0.05 * mean_expected);
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
    double q = test_sum(r, "dns", "DNSQueries");
    g_assert_cmpfloat(q, ==, test_sum(r, "u", "Requests"));
    assert_share(test_sum(r, "dns", "Answers.a"), q, 0.25, 0.02);
    g_assert_cmpfloat(test_sum(r, "dns", "Answers.c"), ==, 0);
    g_assert_cmpfloat(test_sum(r, "a", "Requests") + test_sum(r, "b", "Requests"), ==, q);
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
    q = test_sum(r, "dns", "DNSQueries");
    assert_share(test_sum(r, "dns", "Answers.a"), q, 1.0 / 3, 0.02);
    assert_share(test_sum(r, "dns", "Answers.c"), q, 1.0 / 3, 0.02);
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
    g_assert_cmpfloat(test_sum(r, "dns", "DNSQueries"), ==, 10);
    g_assert_cmpfloat(test_sum(r, "dns", "Requests"), ==, 599);
    test_run_free(r);
}

/* Each origin's callers have answers of their own, kept flat by client
 * id for a workload of up to 2^24 clients and in a hash table beyond:
 * `one` (1 client, flat) renews at 61, 121, ... as in ttl-exact, while
 * every request of `many` (10^12 clients: a repeat in 599 draws has
 * probability ~2e-7) is a caller's first, so a query; the two alternate,
 * so the last-origin shortcut is left and taken again each time. */
static void test_caches_by_origin(void)
{
    TestRun *r = run(
        "name: t\nduration: 10m\n"
        "workloads:\n"
        "  - {name: one, target: dns, arrival: {process: constant, rate: 1/s}}\n"
        "  - {name: many, target: dns, clients: 1000000000000, arrival: {process: constant, rate: 1/s}}\n"
        "components:\n"
        "  - {name: dns, type: route53, ttl: 60s, policy: simple, records: [{target: a}, {target: b}]}\n"
        "  - {name: a, type: service, service_time: 1ms}\n"
        "  - {name: b, type: service, service_time: 1ms}\n");
    g_assert_cmpfloat(test_sum(r, "dns", "Requests"), ==, 2 * 599);
    g_assert_cmpfloat(test_sum(r, "dns", "DNSQueries"), ==, 10 + 599);
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
    double diffs[10], mean_expected = 0;
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
        mean_expected += expected / 10;
        g_test_message("  share to east in [%.1f, %.1f] s after the flip: %.4f, expected %.4f",
                       x0, x1, lost / sent, expected);
    }
    assert_episodes(diffs, 10, mean_expected);
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
    assert_share(test_sum(r, "dns", "Answers.sick1"), test_sum(r, "dns", "DNSQueries"), 0.25, 0.03);
    test_run_free(r);
    /* A healthy zero-weight record takes over from unhealthy weighted ones. */
    r = run_sick("    policy: weighted\n    records: [{target: sick1, weight: 5, health_check: true},\n"
                 "              {target: well1, weight: 0, health_check: true}]\n");
    g_assert_cmpfloat(test_sum(r, "dns", "Answers.sick1"), ==, 0);
    g_assert_cmpfloat(test_sum(r, "dns", "Answers.well1"), ==, test_sum(r, "dns", "DNSQueries"));
    test_run_free(r);
    /* Failover, both unhealthy: the primary. */
    r = run_sick("    policy: failover\n    records: [{target: sick1, failover: primary, health_check: true},\n"
                 "              {target: sick2, failover: secondary, health_check: true}]\n");
    g_assert_cmpfloat(test_sum(r, "dns", "Answers.sick2"), ==, 0);
    g_assert_cmpfloat(test_sum(r, "dns", "Answers.sick1"), ==, test_sum(r, "dns", "DNSQueries"));
    test_run_free(r);
    /* Multivalue: the healthy ones only, equally. */
    r = run_sick("    policy: multivalue\n    records: [{target: sick1, health_check: true},\n"
                 "              {target: well1, health_check: true}, {target: well2}]\n");
    double q = test_sum(r, "dns", "DNSQueries");
    g_assert_cmpfloat(test_sum(r, "dns", "Answers.sick1"), ==, 0);
    assert_share(test_sum(r, "dns", "Answers.well1"), q, 0.5, 0.02);
    test_run_free(r);
    /* Simple: no health checks, every value answered. */
    r = run_sick("    policy: simple\n    records: [{target: sick1}, {target: well1}]\n");
    assert_share(test_sum(r, "dns", "Answers.sick1"), test_sum(r, "dns", "DNSQueries"), 0.5, 0.02);
    test_run_free(r);
}

/* ---- calculated health checks ------------------------------------------------- */

/* AWS's HealthThreshold, every case over 3 children: k of them healthy
 * (endpoint checks on picky targets, the others failing every probe, all
 * settled by 30 s), threshold t = 0..4, inverted or not: healthy exactly
 * when (k >= t) != invert, with ChildHealthCheckHealthyCount = k.  Also an
 * inverted endpoint check, a calculated check over calculated ones, and
 * records that use them. */
static void test_calculated(void)
{
    static const char *const ok[] = {"h1", "h2", "h3"}, *const sick[] = {"s1", "s2", "s3"};
    GString *text = g_string_new(
        "name: calc\nduration: 2m\n"
        "workloads: [{name: u, target: dns, arrival: {process: constant, rate: 10/s}}]\n"
        "components:\n"
        "  - {name: well, type: picky}\n  - {name: ill, type: picky, sick_from: 0}\n"
        "  - name: dns\n    type: route53\n    ttl: 0s\n    policy: weighted\n"
        "    health_check: {interval: 10s}\n    health_checks:\n"
        "      h1: {target: well}\n      h2: {target: well}\n      h3: {target: well}\n"
        "      s1: {target: ill}\n      s2: {target: ill}\n      s3: {target: ill}\n"
        "      not-s1: {target: ill, invert: true}\n      not-h1: {target: well, invert: true}\n"
        "      any-ok: {children: [s1, not-s1], healthy_threshold: 1}\n"
        "      all-inner: {children: [any-ok, h2, nested-or]}\n"
        "      nested-or: {children: [s2, s3], healthy_threshold: 1}\n");
    for (int k = 0; k <= 3; k++)
        for (int t = 0; t <= 4; t++)
            for (int inv = 0; inv <= 1; inv++) {
                g_string_append_printf(text, "      k%dt%d%s: {children: [", k, t, inv ? "i" : "");
                for (int c = 0; c < 3; c++) g_string_append_printf(text, "%s%s", c ? ", " : "", c < k ? ok[c] : sick[c]);
                g_string_append_printf(text, "], healthy_threshold: %d%s}\n", t, inv ? ", invert: true" : "");
            }
    /* A record on an unhealthy calculated check gets no answer. */
    g_string_append(text, "    records: [{target: well, id: a, weight: 1, health_check: k1t2},\n"
                          "              {target: well, id: b, weight: 1, health_check: k2t2}]\n");
    TestRun *r = run(text->str);
    g_string_free(text, TRUE);
    for (int k = 0; k <= 3; k++)
        for (int t = 0; t <= 4; t++)
            for (int inv = 0; inv <= 1; inv++) {
                char *name = g_strdup_printf("HealthCheckStatus.k%dt%d%s", k, t, inv ? "i" : "");
                char *count = g_strdup_printf("ChildHealthCheckHealthyCount.k%dt%d%s", k, t, inv ? "i" : "");
                double want = ((k >= t) != inv) ? 1 : 0;
                g_assert_cmpfloat(test_summary(r, "dns", name).last, ==, want);
                g_assert_cmpfloat(test_summary(r, "dns", count).last, ==, k);
                g_free(name);
                g_free(count);
            }
    g_assert_cmpfloat(test_summary(r, "dns", "HealthCheckStatus.not-s1").last, ==, 1);
    g_assert_cmpfloat(test_summary(r, "dns", "HealthCheckStatus.not-h1").last, ==, 0);
    /* Inversion is of the status: the checkers still see ill unhealthy. */
    g_assert_cmpfloat(test_summary(r, "dns", "HealthCheckPercentageHealthy.not-s1").last, ==, 0);
    g_assert_cmpfloat(test_summary(r, "dns", "HealthCheckStatus.any-ok").last, ==, 1);
    g_assert_cmpfloat(test_summary(r, "dns", "HealthCheckStatus.nested-or").last, ==, 0);
    g_assert_cmpfloat(test_summary(r, "dns", "ChildHealthCheckHealthyCount.all-inner").last, ==, 2);
    g_assert_cmpfloat(test_summary(r, "dns", "HealthCheckStatus.all-inner").last, ==, 0);
    /* From 30 s (all settled) every answer is b. */
    guint a = test_series(r, "/components/dns", "Answers.a"), q = test_series(r, "/components/dns", "DNSQueries");
    double late_a = 0, late_q = 0;
    for (guint i = 3; i < test_n_rows(r); i++) {
        late_a += test_value(r, i, a);
        late_q += test_value(r, i, q);
    }
    g_assert_cmpfloat(late_q, >, 0);
    g_assert_cmpfloat(late_a, ==, 0);
    test_run_free(r);
}

/* A calculated check changes status at the instant its child does: `a`
 * is down from 100 s to 200 s; AND(a, b) follows a's status in every 1 s
 * row exactly, NOT(a) (a calculated check over a alone, inverted) is its
 * complement, OR(a, b) stays healthy. */
static void test_calculated_timing(void)
{
    TestRun *r = run(
        "name: ct\nduration: 5m\nsample_interval: 1s\nseed: 3\n"
        "components:\n"
        "  - {name: a, type: service, workers: 4, service_time: 1ms}\n"
        "  - {name: b, type: service, workers: 4, service_time: 1ms}\n"
        "  - name: dns\n    type: route53\n    health_check: {interval: 10s}\n"
        "    health_checks:\n"
        "      a-up: {target: a}\n      b-up: {target: b}\n      a-down: {children: [a-up], invert: true}\n"
        "      both: {children: [a-up, b-up]}\n      either: {children: [a-up, b-up], healthy_threshold: 1}\n"
        "    policy: weighted\n    records: [{target: a, weight: 1, health_check: both}]\n"
        "faults: [{at: 100s, kind: outage, component: a, duration: 100s}]\n");
    guint sa = test_series(r, "/components/dns", "HealthCheckStatus.a-up");
    guint sn = test_series(r, "/components/dns", "HealthCheckStatus.a-down");
    guint sb = test_series(r, "/components/dns", "HealthCheckStatus.both");
    guint se = test_series(r, "/components/dns", "HealthCheckStatus.either");
    double down = 0;
    for (guint i = 0; i < test_n_rows(r); i++) {
        g_assert_cmpfloat(test_value(r, i, sb), ==, test_value(r, i, sa));
        g_assert_cmpfloat(fabs(test_value(r, i, sn) + test_value(r, i, sa) - 1), <, 1e-12);   /* time-weighted means */
        g_assert_cmpfloat(test_value(r, i, se), ==, 1);
        down += 1 - test_value(r, i, sa);
    }
    g_test_message("a unhealthy for %.3f s of its 100 s outage", down);
    /* Down at the 3rd failed probe, up at the 3rd passed one: both in (20, 30] s. */
    g_assert_cmpfloat(down, >, 90);
    g_assert_cmpfloat(down, <, 110);
    test_run_free(r);
}

/* ---- health checks that follow a CloudWatch alarm ---------------------------- */

/* The first and last 1 s rows (row i covers [i, i + 1)) in which series
 * `col` is below 1, or -1. */
static void unhealthy_rows(TestRun *r, guint col, int *first, int *last)
{
    *first = *last = -1;
    for (guint i = 0; i < test_n_rows(r); i++)
        if (test_value(r, i, col) < 1) {
            if (*first < 0) *first = (int)i;
            *last = (int)i;
        }
}

/* a is down (rejecting everything) from 100 s to 200 s.  An alarm on its
 * Rejected sum > 0 over 60 s periods, 2 periods to ALARM, sees breaching
 * datapoints for [60, 120) and [120, 180): ALARM at 180 s, the end of the
 * second; the datapoint for [180, 240) still breaches, the one for
 * [240, 300) does not: OK at 300 s.  With 1 period: [60,120) suffices
 * (120 s) and OK also at 300 s; inverted: the complement. */
static void test_alarm_timing(void)
{
    TestRun *r = run(
        "name: at\nduration: 10m\nsample_interval: 1s\nseed: 3\n"
        "workloads: [{name: u, target: a, arrival: {process: constant, rate: 5/s}}]\n"
        "components:\n"
        "  - {name: a, type: service, workers: 4, service_time: 1ms}\n"
        "  - {name: b, type: service, workers: 4, service_time: 1ms}\n"
        "  - name: dns\n    type: route53\n"
        "    health_checks:\n"
        "      two: {alarm: {component: a, metric: Rejected, threshold: 0, periods: 2}}\n"
        "      one: {alarm: {component: a, metric: Rejected, threshold: 0, period: 60s}}\n"
        "      fine: {alarm: {component: a, metric: Rejected, threshold: 0, period: 60s}, invert: true}\n"
        "    policy: weighted\n    records: [{target: a, weight: 1, health_check: two}, {target: b, weight: 1}]\n"
        "faults: [{at: 100s, kind: outage, component: a, duration: 100s}]\n");
    int first, last;
    unhealthy_rows(r, test_series(r, "/components/dns", "HealthCheckStatus.two"), &first, &last);
    g_assert_cmpint(first, ==, 180);
    g_assert_cmpint(last, ==, 299);
    unhealthy_rows(r, test_series(r, "/components/dns", "HealthCheckStatus.one"), &first, &last);
    g_assert_cmpint(first, ==, 120);
    g_assert_cmpint(last, ==, 299);
    guint fine = test_series(r, "/components/dns", "HealthCheckStatus.fine");
    guint one = test_series(r, "/components/dns", "HealthCheckStatus.one");
    for (guint i = 0; i < test_n_rows(r); i++) g_assert_cmpfloat(test_value(r, i, fine), ==, 1 - test_value(r, i, one));
    /* The datapoints: 5/s x 20 s rejected in [60, 120), 5/s x 60 s in
     * [120, 180), 5/s x 20 s in [180, 240); shown from the period's end. */
    guint dp = test_series(r, "/components/dns", "AlarmDatapoint.two");
    g_assert_cmpfloat(test_value(r, 150, dp), ==, 100);
    g_assert_cmpfloat(test_value(r, 200, dp), ==, 300);
    g_assert_cmpfloat(test_value(r, 250, dp), ==, 100);
    g_assert_cmpfloat(test_value(r, 310, dp), ==, 0);
    /* While two is unhealthy dns answers only b. */
    guint ans = test_series(r, "/components/dns", "Answers.a");
    for (guint i = 180; i < 300; i++) g_assert_cmpfloat(test_value(r, i, ans), ==, 0);
    test_run_free(r);
}

/* `slow` answers in 200 ms; it gets 10 requests/s until 120 s, then none.
 * An alarm on its Latency average > 100 ms (60 s periods, 1 to ALARM) is
 * in ALARM from 60 s; the last requests end at 120.2 s, so [120, 180)
 * still has latencies and from 240 s there are none: insufficient data.
 * InsufficientDataHealthStatus: last_known keeps "unhealthy" to the end
 * (and was "healthy" before the first datapoint, a new check); healthy
 * turns healthy at 240 s; unhealthy is unhealthy from 0.  A gauge's
 * average and a latency's sample count are datapoints too. */
static void test_alarm_insufficient_data(void)
{
    TestRun *r = run(
        "name: ai\nduration: 6m\nsample_interval: 1s\nseed: 3\n"
        "workloads: [{name: u, target: slow, arrival: {process: constant, schedule: [[0s, 10/s], [120s, 10/s], [120.001s, 0/s], [6m, 0/s]]}}]\n"
        "components:\n"
        "  - {name: slow, type: service, workers: 100, service_time: 200ms}\n"
        "  - name: dns\n    type: route53\n"
        "    health_checks:\n"
        "      last: {alarm: {component: slow, metric: Latency, threshold: 0.1}}\n"
        "      ok: {alarm: {component: slow, metric: Latency, threshold: 0.1}, insufficient_data: healthy}\n"
        "      bad: {alarm: {component: slow, metric: Latency, threshold: 0.1}, insufficient_data: unhealthy}\n"
        "      busy: {alarm: {component: slow, metric: Utilization, threshold: 50}}\n"
        "      n: {alarm: {component: slow, metric: Latency, statistic: sample_count, threshold: 1000}}\n"
        "    policy: weighted\n    records: [{target: slow, weight: 1, health_check: last}]\n");
    int first, last;
    unhealthy_rows(r, test_series(r, "/components/dns", "HealthCheckStatus.last"), &first, &last);
    g_assert_cmpint(first, ==, 60);
    g_assert_cmpint(last, ==, 359);
    unhealthy_rows(r, test_series(r, "/components/dns", "HealthCheckStatus.ok"), &first, &last);
    g_assert_cmpint(first, ==, 60);
    g_assert_cmpint(last, ==, 239);
    unhealthy_rows(r, test_series(r, "/components/dns", "HealthCheckStatus.bad"), &first, &last);
    g_assert_cmpint(first, ==, 0);
    g_assert_cmpint(last, ==, 359);
    unhealthy_rows(r, test_series(r, "/components/dns", "HealthCheckStatus.busy"), &first, &last);
    g_assert_cmpint(first, ==, -1);
    /* Datapoints for [60, 120): latency 0.2 s; utilisation 10/s x 0.2 s /
     * 100 workers = 2%; 600 latencies.  The average latency's gauge keeps
     * its last value once there are none. */
    g_assert_cmpfloat(fabs(test_value(r, 150, test_series(r, "/components/dns", "AlarmDatapoint.last")) - 0.2), <, 1e-9);
    g_assert_cmpfloat(fabs(test_value(r, 300, test_series(r, "/components/dns", "AlarmDatapoint.last")) - 0.2), <, 1e-9);
    g_assert_cmpfloat(fabs(test_value(r, 150, test_series(r, "/components/dns", "AlarmDatapoint.busy")) - 2), <, 1e-9);
    g_assert_cmpfloat(test_value(r, 150, test_series(r, "/components/dns", "AlarmDatapoint.n")), ==, 600);
    g_assert_cmpfloat(test_value(r, 300, test_series(r, "/components/dns", "AlarmDatapoint.n")), ==, 0);
    test_run_free(r);
}

/* ---- weight changes (a blue/green shift) ------------------------------------- */

/* The share of requests a caller sends on an answer fetched before s, at
 * time t >= s: its entry is live and older than t - s.  For Poisson
 * callers of rate lambda, an entry lives TTL and the next request, 1/lambda
 * later on average, renews it, so P = max(0, TTL - (t - s)) / (TTL + 1/lambda)
 * (see failover-ttl). */
static double fetched_before(double s, double t, double ttl, double mean_gap)
{
    return MAX(0.0, ttl - (t - s)) / (ttl + mean_gap);
}

/* Green's share of the answers in force at t: the answers fetched between
 * changes k and k + 1 carry p[k] (p[0] before the first change at c[0]). */
static double green_share(double t, const double *c, const double *p, guint n, double ttl, double mean_gap)
{
    double share = 0, below = 0;   /* below: P(fetched before c[k]) */
    guint k = 0;
    for (; k < n && c[k] <= t; k++) {
        double g = fetched_before(c[k], t, ttl, mean_gap);
        share += p[k] * (g - below);
        below = g;
    }
    return share + p[k] * (1 - below);
}

/* Green's measured share of the requests (green + blue) in rows [from,
 * to) minus the curve's; *expected gets the curve's. */
static double window_diff(TestRun *r, guint g, guint b, guint from, guint to, const double *c, const double *p,
                          double *expected)
{
    double sent = 0, got = 0, want = 0;
    for (guint i = from; i < to; i++) {
        double n = test_value(r, i, g) + test_value(r, i, b);
        sent += n;
        got += test_value(r, i, g);
        want += n * green_share(i + 0.5, c, p, 30, 60, 60);
    }
    *expected = want / sent;
    return (got - want) / sent;
}

/* 6,000 callers at 1/60 s each, TTL 60 s; weights blue 255, green 0 until
 * 1200 s, then every 600 s (10 cycles from c): green 50 (share 50/305),
 * at c + 30 s green 255 and blue 0 (share 1), at c + 300 s back (share 0).
 *  - Answers follow the weights at once: in [c, c + 30) green's share of
 *    the answers is 50/305 within 4 binomial SE.
 *  - Requests follow the caches: green's share in each 1 s row is the
 *    curve above (exact at each row's midpoint: it is linear between
 *    the changes and their TTL ends, all on whole seconds); compared per
 *    cycle over [c, c + 360) within 4 SE of the 10 cycles' differences.
 *  - Exact: no request reaches green before 1200 s or from c + 360 to the
 *    next cycle; every request does from c + 90 to c + 300. */
static void test_weight_changes(void)
{
    const double p50 = 50.0 / 305;   /* TTL 60 s, 1/lambda 60 s: window_diff */
    double c[30], p[31];
    GString *text = g_string_new(
        "name: bg\nduration: 7200s\nsample_interval: 1s\nseed: 21\n"
        "workloads: [{name: u, target: dns, clients: 6000, arrival: {process: poisson, rate: 100/s}}]\n"
        "components:\n"
        "  - {name: blue, type: service, workers: 100, service_time: 1ms}\n"
        "  - {name: green, type: service, workers: 100, service_time: 1ms}\n"
        "  - name: dns\n    type: route53\n    ttl: 60s\n    policy: weighted\n"
        "    records: [{target: blue, weight: 255}, {target: green, weight: 0}]\n    changes:\n");
    p[0] = 0;
    for (int j = 0; j < 10; j++) {
        int at = 1200 + 600 * j;
        g_string_append_printf(text, "      - {at: %ds, record: green, weight: 50}\n"
                                     "      - {at: %ds, record: green, weight: 255}\n"
                                     "      - {at: %ds, record: blue, weight: 0}\n"
                                     "      - {at: %ds, record: green, weight: 0}\n"
                                     "      - {at: %ds, record: blue, weight: 255}\n", at, at + 30, at + 30, at + 300, at + 300);
        c[3 * j] = at;       p[3 * j + 1] = p50;
        c[3 * j + 1] = at + 30; p[3 * j + 2] = 1;
        c[3 * j + 2] = at + 300; p[3 * j + 3] = 0;
    }
    TestRun *r = run(text->str);
    g_string_free(text, TRUE);
    guint g = test_series(r, "/components/green", "Requests"), b = test_series(r, "/components/blue", "Requests");
    guint ag = test_series(r, "/components/dns", "Answers.green"), q = test_series(r, "/components/dns", "DNSQueries");
    guint wg = test_series(r, "/components/dns", "Weight.green");
    for (guint i = 0; i < 1200; i++) g_assert_cmpfloat(test_value(r, i, g), ==, 0);
    double diffs[10], early[10], mean_expected = 0, mean_early = 0, answers = 0, green_answers = 0;
    for (int j = 0; j < 10; j++) {
        guint c0 = 1200 + 600 * (guint)j;
        g_assert_cmpfloat(test_value(r, c0 + 10, wg), ==, 50);
        g_assert_cmpfloat(test_value(r, c0 + 100, wg), ==, 255);
        for (guint i = c0; i < c0 + 30; i++) {
            answers += test_value(r, i, q);
            green_answers += test_value(r, i, ag);
        }
        for (guint i = c0 + 90; i < c0 + 300; i++) g_assert_cmpfloat(test_value(r, i, b), ==, 0);
        for (guint i = c0 + 360; i < c0 + 600 && i < test_n_rows(r); i++) g_assert_cmpfloat(test_value(r, i, g), ==, 0);
        double share;
        diffs[j] = window_diff(r, g, b, c0, c0 + 360, c, p, &share);
        mean_expected += share / 10;
        g_test_message("cycle %d: green share %.4f, expected %.4f", j, share + diffs[j], share);
        /* The curve's shape, not only its mean: 30-60 s after the shift to
         * 255, while the share climbs from ~0.6 to 1. */
        early[j] = window_diff(r, g, b, c0 + 30, c0 + 60, c, p, &share);
        mean_early += share / 10;
    }
    assert_share(green_answers, answers, p50, 0.1);
    assert_episodes(diffs, 10, mean_expected);
    assert_episodes(early, 10, mean_early);
    test_run_free(r);
}


/* ---- routing by where the caller is ------------------------------------------ */

/* One workload per client region, 10 requests/s each, TTL 0 (a query per
 * request), statistics from 60 s (a sick record is unhealthy by 30 s).
 * Records a (us-east-1, by its target's region:), b (eu-west-1) and c
 * (us-west-2, by the record's own region).  `sick` names a target whose
 * checks all fail. */
static TestRun *run_located(const char *policy_and_records, const char *sick)
{
    char *text = g_strdup_printf(
        "name: g\nduration: 10m\nwarmup: 60s\n"
        "workloads:\n"
        "  - {name: u-east, target: dns, client: {region: us-east-1}, arrival: {process: constant, rate: 10/s}}\n"
        "  - {name: u-ire, target: dns, client: {region: eu-west-1}, arrival: {process: constant, rate: 10/s}}\n"
        "  - {name: u-fra, target: dns, client: {region: eu-central-1}, arrival: {process: constant, rate: 10/s}}\n"
        "  - {name: u-tokyo, target: dns, client: {region: ap-northeast-1}, arrival: {process: constant, rate: 10/s}}\n"
        "components:\n"
        "  - {name: a, type: picky, region: us-east-1%s}\n"
        "  - {name: b, type: picky, region: eu-west-1%s}\n"
        "  - {name: c, type: picky%s}\n"
        "  - {name: d, type: picky%s}\n"
        "  - name: dns\n    type: route53\n    ttl: 0s\n    health_check: {interval: 10s}\n%s",
        strcmp(sick, "a") == 0 ? ", sick_from: 0" : "", strcmp(sick, "b") == 0 ? ", sick_from: 0" : "",
        strcmp(sick, "c") == 0 ? ", sick_from: 0" : "", strcmp(sick, "d") == 0 ? ", sick_from: 0" : "",
        policy_and_records);
    TestRun *r = run(text);
    g_free(text);
    return r;
}

/* Answers of record `id` = the requests of these workloads, exactly. */
static void assert_answers(TestRun *r, const char *id, const char *const *from)
{
    double want = 0;
    for (guint k = 0; from[k]; k++) want += test_sum(r, from[k], "Requests");
    char *metric = g_strconcat("Answers.", id, NULL);
    g_test_message("%s: %.0f answers, %.0f requests", metric, test_sum(r, "dns", metric), want);
    g_assert_cmpfloat(test_sum(r, "dns", metric), ==, want);
    g_free(metric);
}

#define FROM(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Latency: each caller gets the record with the lowest round-trip time
 * from its region (built-in table: Frankfurt is 20 ms from Ireland, Tokyo
 * 89 ms from Oregon, 145 from Virginia); an unhealthy one is skipped for
 * the next lowest (Virginia: Ireland 81 ms before Oregon 88). */
static void test_latency(void)
{
    static const char records[] =
        "    policy: latency\n    network_latency: true\n"
        "    records: [{target: a, health_check: true}, {target: b, health_check: true},\n"
        "              {target: c, region: us-west-2, health_check: true}]\n";
    TestRun *r = run_located(records, "none");
    assert_answers(r, "a", FROM("u-east"));
    assert_answers(r, "b", FROM("u-ire", "u-fra"));
    assert_answers(r, "c", FROM("u-tokyo"));
    /* network_latency: each request pays the round trip once (picky answers at once). */
    g_assert_cmpfloat(fabs(test_summary(r, "u-tokyo", "Latency").mean - 0.089), <, 1e-9);
    g_assert_cmpfloat(fabs(test_summary(r, "u-fra", "Latency").mean - 0.020), <, 1e-9);
    g_assert_cmpfloat(fabs(test_summary(r, "u-east", "Latency").mean - 0.002), <, 1e-9);
    test_run_free(r);
    r = run_located(records, "a");
    g_assert_cmpfloat(test_sum(r, "dns", "Answers.a"), ==, 0);
    assert_answers(r, "b", FROM("u-east", "u-ire", "u-fra"));
    assert_answers(r, "c", FROM("u-tokyo"));
    g_assert_cmpfloat(fabs(test_summary(r, "u-east", "Latency").mean - 0.081), <, 1e-9);
    test_run_free(r);
}

/* client.regions: {us-east-1: 3, eu-west-1: 2} over 10 clients: clients
 * 0-5 are in us-east-1 and 6-9 in eu-west-1 ((i + 0.5)/10 < 0.6), so with
 * a TTL longer than the run each resolves once: 6 and 4 answers exactly. */
static void test_client_region_shares(void)
{
    TestRun *r = run(
        "name: cs\nduration: 10m\n"
        "workloads: [{name: u, target: dns, clients: 10, client: {regions: {us-east-1: 3, eu-west-1: 2}},\n"
        "             arrival: {process: constant, rate: 10/s}}]\n"
        "components:\n"
        "  - {name: a, type: picky, region: us-east-1}\n"
        "  - {name: b, type: picky, region: eu-west-1}\n"
        "  - {name: dns, type: route53, ttl: 1h, policy: latency, records: [{target: a}, {target: b}]}\n");
    g_assert_cmpfloat(test_sum(r, "dns", "DNSQueries"), ==, 10);
    g_assert_cmpfloat(test_sum(r, "dns", "Answers.a"), ==, 6);
    g_assert_cmpfloat(test_sum(r, "dns", "Answers.b"), ==, 4);
    test_run_free(r);
}

/* Geolocation: country before continent before default; an unhealthy
 * match gives way to the next broader one; a caller matched by nothing
 * else gets the default even when it is unhealthy. */
static void test_geolocation(void)
{
    static const char records[] =
        "    policy: geolocation\n"
        "    records: [{target: a, location: NA, health_check: true}, {target: b, location: DE, health_check: true},\n"
        "              {target: c, location: EU, health_check: true}, {target: d, location: default, health_check: true}]\n";
    TestRun *r = run_located(records, "none");
    assert_answers(r, "a", FROM("u-east"));
    assert_answers(r, "b", FROM("u-fra"));
    assert_answers(r, "c", FROM("u-ire"));
    assert_answers(r, "d", FROM("u-tokyo"));
    test_run_free(r);
    r = run_located(records, "b");
    assert_answers(r, "c", FROM("u-ire", "u-fra"));
    test_run_free(r);
    r = run_located(records, "d");
    assert_answers(r, "d", FROM("u-tokyo"));
    test_run_free(r);
}

/* Geoproximity: São Paulo callers, records in us-east-1 (a) and eu-west-1
 * (b).  Unbiased, a is nearer (dA < dB).  A positive bias on b wins once
 * dB (1 - bias/100) < dA, i.e. bias > 100 (1 - dA/dB); a negative bias on
 * a loses once dA / (1 + bias/100) > dB, i.e. bias < 100 (dA/dB - 1).
 * Either side of each threshold, every answer goes one way. */
static void test_geoproximity(void)
{
    CirrusRegions *t = cirrus_regions_read(NULL, NULL);
    double da = cirrus_region_distance_km(cirrus_region_find(t, "sa-east-1"), cirrus_region_find(t, "us-east-1"));
    double db = cirrus_region_distance_km(cirrus_region_find(t, "sa-east-1"), cirrus_region_find(t, "eu-west-1"));
    cirrus_regions_unref(t);
    g_assert_cmpfloat(da, <, db);
    double up = 100 * (1 - da / db), down = 100 * (da / db - 1);
    g_test_message("dA %.0f km, dB %.0f km: b wins above bias %.2f, a loses below %.2f", da, db, up, down);
    struct { int bias_a, bias_b; const char *winner; } cases[] = {
        {0, 0, "a"}, {0, (int)floor(up), "a"}, {0, (int)ceil(up), "b"},
        {(int)ceil(down), 0, "a"}, {(int)floor(down), 0, "b"},
    };
    for (guint k = 0; k < G_N_ELEMENTS(cases); k++) {
        char *text = g_strdup_printf(
            "name: gp\nduration: 1m\n"
            "workloads: [{name: u, target: dns, client: {region: sa-east-1}, arrival: {process: constant, rate: 10/s}}]\n"
            "components:\n"
            "  - {name: a, type: picky, region: us-east-1}\n"
            "  - {name: b, type: picky, region: eu-west-1}\n"
            "  - {name: dns, type: route53, ttl: 0s, policy: geoproximity,\n"
            "     records: [{target: a, bias: %d}, {target: b, bias: %d}]}\n", cases[k].bias_a, cases[k].bias_b);
        TestRun *r = run(text);
        char *metric = g_strconcat("Answers.", cases[k].winner, NULL);
        g_assert_cmpfloat(test_sum(r, "dns", metric), ==, test_sum(r, "u", "Requests"));
        g_free(metric);
        test_run_free(r);
        g_free(text);
    }
}

/* A region of one's own: a round-trip override is used as given; a pair
 * without one comes from the distance, 2 ms + 1.4 × 2d / (200 km/ms). */
static void test_own_region(void)
{
    static const char text[] =
        "name: own\nduration: 1m\n"
        "regions: [us-east-1, {name: on-prem, continent: NA, country: US, location: [40.71, -74.01],\n"
        "                      latency: {us-east-1: 7ms}}]\n"
        "workloads: [{name: u, target: dns, client: {region: on-prem}, arrival: {process: constant, rate: 10/s}}]\n"
        "components:\n"
        "  - {name: a, type: picky, region: %s}\n"
        "  - {name: dns, type: route53, policy: latency, network_latency: true, records: [{target: a}]}\n";
    char *east = g_strdup_printf(text, "us-east-1");
    TestRun *r = run(east);
    g_assert_cmpfloat(fabs(test_summary(r, "u", "Latency").mean - 0.007), <, 1e-9);
    test_run_free(r);
    g_free(east);
    char *eu = g_strdup_printf(text, "eu-west-1");
    r = run(eu);
    CirrusRegion here = {"here", "NA", "US", 40.71, -74.01};
    CirrusRegions *t = cirrus_regions_read(NULL, NULL);
    double ms = 2 + 1.4 * 2 * cirrus_region_distance_km(&here, cirrus_region_find(t, "eu-west-1")) / 200;
    cirrus_regions_unref(t);
    g_test_message("on-prem to eu-west-1: %.3f ms (from the distance)", ms);
    g_assert_cmpfloat(fabs(test_summary(r, "u", "Latency").mean - (double)(CirrusTime)(ms * CIRRUS_MS) / CIRRUS_SEC),
                      <, 1e-9);
    test_run_free(r);
    g_free(eu);
}

/* ---- alias records to a load balancer ------------------------------------ */

/* One caller, a request each second from 1 s; a failover pair: primary an
 * alias to ALB `lb` (evaluating target health) over one instance of `web`,
 * secondary `west` with the set's TTL of 20 s.  ALB checks every 10 s,
 * timeout 5 s, 2 failures / 2 passes.  The instance registers at 0 and is
 * healthy at its first check (10 s).  The group's application fails from
 * 105 s to 405 s: checks at 110 and 120 time out at 115 and 125, so the ALB
 * sees no healthy target from 125 s exactly, and Route 53 with it (the
 * same instant); checks at 410 and 420 pass: healthy again at 420 s.
 * Queries: 1 (lb not yet healthy: west, 20 s), 21, 81 (lb, 60 s each),
 * 141 ... 401 every 20 s (west), 421, 481, 541 (lb): 5 answers lb, 15 west;
 * requests to lb 21-140 and 421-599 (299), to west the other 300. */
/* Ten minutes of one caller at 1 request/s to `dns`, which `components`
 * defines with an alb `lb` over the asg `web` (one instance, 1 ms). */
static TestRun *alias_run(const char *components)
{
    char *text = g_strconcat(
        "name: alias\nduration: 10m\nsample_interval: 1s\n"
        "workloads: [{name: u, target: dns, arrival: {process: constant, rate: 1/s}}]\n"
        "components:\n  - {name: web, type: asg, instance: {service_time: 1ms}}\n", components, NULL);
    TestRun *r = test_run_text(text, NULL);
    g_free(text);
    return r;
}

static void test_alias_evaluate(void)
{
    TestRun *r = alias_run(
        "  - {name: dns, type: route53, ttl: 20s, policy: failover, records: [\n"
        "      {target: lb, alias: true, evaluate_target_health: true, failover: primary},\n"
        "      {target: west, failover: secondary}]}\n"
        "  - {name: lb, type: alb, targets: web,\n"
        "     health_check: {interval: 10s, timeout: 5s, healthy_threshold: 2, unhealthy_threshold: 2}}\n"
        "  - {name: west, type: service, service_time: 1ms}\n"
        "faults:\n  - {at: 105s, kind: outage, component: web, duration: 300s}\n");
    g_assert_cmpfloat(test_sum(r, "dns", "Answers.lb"), ==, 5);
    g_assert_cmpfloat(test_sum(r, "dns", "Answers.west"), ==, 15);
    g_assert_cmpfloat(test_sum(r, "lb", "RequestCount"), ==, 299);
    g_assert_cmpfloat(test_sum(r, "west", "Requests"), ==, 300);
    /* The record's status follows the ALB's count at the same instants. */
    guint st = test_series(r, "/components/dns", "HealthCheckStatus");
    guint hh = test_series(r, "/components/lb", "HealthyHostCount");
    for (guint i = 0; i < test_n_rows(r); i++) {
        double up = (i >= 10 && i < 125) || i >= 420 ? 1 : 0;
        g_assert_cmpfloat(test_value(r, i, hh), ==, up);
        g_assert_cmpfloat(test_value(r, i, st), ==, up);
    }
    test_run_free(r);
}

/* Every record an alias: no `ttl`; the answer lives 60 s exactly (queries at
 * 1, 61, ..., 541 s: 10 in 10 minutes, as for `ttl: 60s`). */
static void test_alias_ttl(void)
{
    TestRun *r = alias_run(
        "  - {name: dns, type: route53, records: [{target: lb, alias: true}]}\n"
        "  - {name: lb, type: alb, targets: web}\n");
    g_assert_cmpfloat(test_sum(r, "dns", "DNSQueries"), ==, 10);
    g_assert_cmpfloat(test_sum(r, "dns", "Requests"), ==, 599);
    test_run_free(r);
}

/* ---- IP-based routing ---------------------------------------------------- */

/* 10 clients by network 5:3:2 (ids in order: exact), TTL 1 h: one query
 * per client.  Records: a has 10.0.0.0/8, b 10.1.0.0/16, c the default.
 * 10.1.0.0/16 clients match both a and b and get b (the longest prefix),
 * 10.2.0.0/16 get a, 192.168.0.0/16 match nothing and get c: answers
 * 5, 3, 2.  A workload without networks gets the default only. */
static void test_ip_shares(void)
{
    static const char records[] =
        "  - {name: a, type: picky}\n  - {name: b, type: picky}\n  - {name: c, type: picky}\n"
        "  - {name: dns, type: route53, ttl: 1h, policy: ip, records: [\n"
        "      {target: a, cidr_blocks: [10.0.0.0/8, 172.16.0.0/12]}, {target: b, cidr_blocks: [10.1.0.0/16]},\n"
        "      {target: c, cidr_blocks: default}]}\n";
    char *text = g_strconcat(
        "name: ip\nduration: 10m\n"
        "workloads: [{name: u, target: dns, clients: 10,\n"
        "             client: {networks: {10.1.0.0/16: 5, 10.2.0.0/16: 3, 192.168.0.0/16: 2}},\n"
        "             arrival: {process: constant, rate: 10/s}}]\n"
        "components:\n", records, NULL);
    TestRun *r = run(text);
    g_free(text);
    g_assert_cmpfloat(test_sum(r, "dns", "DNSQueries"), ==, 10);
    g_assert_cmpfloat(test_sum(r, "dns", "Answers.a"), ==, 3);
    g_assert_cmpfloat(test_sum(r, "dns", "Answers.b"), ==, 5);
    g_assert_cmpfloat(test_sum(r, "dns", "Answers.c"), ==, 2);
    test_run_free(r);
    text = g_strconcat(
        "name: ip0\nduration: 10m\n"
        "workloads: [{name: u, target: dns, clients: 10, arrival: {process: constant, rate: 10/s}}]\n"
        "components:\n", records, NULL);
    r = run(text);
    g_free(text);
    g_assert_cmpfloat(test_sum(r, "dns", "Answers.c"), ==, 10);
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
    expect_error("    records: [{target: a, evaluate_target_health: true}]\n", "add 'alias: true'");
    expect_error("    ttl: 30s\n    records: [{target: a, alias: true}]\n", "remove 'ttl'");
    expect_error("    records: [{target: a, alias: true}]\n", "an alias record's target is a load balancer");
    expect_error("    policy: weighted\n    records: [{target: a, weight: 1, alias: true, evaluate_target_health: true,"
                 " health_check: true}]\n", "keep one");
    expect_error("    policy: ip\n    records: [{target: a}]\n", "missing required key 'cidr_blocks'");
    expect_error("    policy: ip\n    records: [{target: a, cidr_blocks: [10.0.0.0/8]}]\n", "exactly one with");
    expect_error("    policy: ip\n    records: [{target: a, cidr_blocks: default}, {target: b, cidr_blocks: default}]\n",
                 "exactly one with");
    expect_error("    policy: ip\n    records: [{target: a, cidr_blocks: [10.0.0.1/8]}, {target: b, cidr_blocks: default}]\n",
                 "host bits set: the block starting there is 10.0.0.0/8");
    expect_error("    policy: ip\n    records: [{target: a, cidr_blocks: [10.0.0.0/33]}, {target: b, cidr_blocks: default}]\n",
                 "not an IPv4 CIDR block");
    expect_error("    policy: ip\n    records: [{target: a, cidr_blocks: [10.0.0.0/8]}, {target: b, cidr_blocks: [10.0.0.0/8]}]\n",
                 "each block belongs to one record");
    expect_error("    policy: ip\n    records: [{target: a, cidr_blocks: []}, {target: b, cidr_blocks: default}]\n",
                 "at least one block");
    expect_error("    policy: ip\n    records: [{target: a, cidr_blocks: [10.0.0.0/25]}, {target: b, cidr_blocks: default}]\n",
                 "/0 to /24");
    expect_error("    records: [{target: a, cidr_blocks: default}]\n", "unknown key 'cidr_blocks'");
    expect_error("    records: [{target: a}]\nworkloads: [{name: u, target: dns, arrival: {process: constant, rate: 1/s}, client: {networks: "
                 "{10.0.0.0/8: 1, 010.0.0.0/8: 2}}}]\n", "listed twice");
    expect_error("    records: [{target: a}]\nworkloads: [{name: u, target: dns, arrival: {process: constant, rate: 1/s}, client: {networks: "
                 "{10.0.0/8: 1}}}]\n", "not an IPv4 CIDR block");
    expect_error("    records: [{target: a}]\nworkloads: [{name: u, target: dns, arrival: {process: constant, rate: 1/s}, client: {networks: "
                 "{10.0.0.0/8: 0}}}]\n", "the networks shares add up to 0");
    expect_error("    policy: latency\n    records: [{target: a}]\n", "needs a 'region'");
    expect_error("    policy: latency\n    records: [{target: a, region: us-east-9}]\n",
                 "unknown region 'us-east-9': not built in; list it in the top-level 'regions:' (did you mean");
    expect_error("    policy: geolocation\n    records: [{target: a, location: EU}]\n", "location: default");
    expect_error("    policy: geolocation\n    records: [{target: a, location: Europe}]\n", "continent code");
    expect_error("    policy: geolocation\n    records: [{target: a, location: EU}, {target: b, location: EU}]\n",
                 "location 'EU' has two records");
    expect_error("    policy: geoproximity\n    records: [{target: a, region: eu-west-1, bias: 100}]\n", "bias");
    expect_error("    records: [{target: a}, {target: a}]\n", "two records with id 'a'");
    expect_error("    health_check: {interval: 20s}\n    records: [{target: a}]\n", "10s (fast) or 30s");
    expect_error("    records: [{target: nope}]\n", "unknown component 'nope'");
    expect_error("    records: []\n", "1 to 255 records");
    expect_error("    records: [{target: a}]\n    changes: [{at: 1m, record: a, weight: 3}]\n", "only a weighted");
    expect_error("    policy: weighted\n    records: [{target: a, weight: 1}]\n    changes: [{at: 1m, record: b, weight: 3}]\n",
                 "no record with id 'b'");
    expect_error("    policy: weighted\n    records: [{target: a, weight: 1}]\n    changes: [{at: 1m, record: a, weight: 300}]\n",
                 "weight");
    expect_error("    policy: weighted\n    records: [{target: a, weight: 1}]\n    changes: [{record: a, weight: 3}]\n",
                 "'at'");
    expect_error("    policy: weighted\n    records: [{target: a, weight: 1, health_check: nope}]\n",
                 "unknown health check 'nope'");
    expect_error("    policy: weighted\n    health_checks: {up: {target: a}}\n"
                 "    records: [{target: a, weight: 1, health_check: upp}]\n", "did you mean 'up'");
    expect_error("    health_checks: {x: {children: [y]}, y: {children: [x]}}\n    records: [{target: a}]\n",
                 "cannot form a cycle");
    expect_error("    health_checks: {x: {children: [x]}}\n    records: [{target: a}]\n", "cannot form a cycle");
    expect_error("    health_checks: {x: {target: a, children: [x]}}\n    records: [{target: a}]\n",
                 "one of 'target' (an endpoint check), 'children'");
    expect_error("    health_checks: {x: {}}\n    records: [{target: a}]\n", "'target' (an endpoint check)");
    expect_error("    health_checks: {x: {target: a, alarm: {component: a, metric: Rejected, threshold: 1}}}\n"
                 "    records: [{target: a}]\n", "one of 'target'");
    expect_error("    health_checks: {x: {alarm: {component: a, metric: Rejectd, threshold: 1}}}\n"
                 "    records: [{target: a}]\n", "service 'a' has no metric 'Rejectd' (did you mean 'Rejected'?)");
    expect_error("    health_checks: {x: {alarm: {component: a, metric: Rejected}}}\n    records: [{target: a}]\n",
                 "missing required key 'threshold'");
    expect_error("    health_checks: {x: {alarm: {metric: Rejected, threshold: 1}}}\n    records: [{target: a}]\n",
                 "missing required key 'component'");
    expect_error("    health_checks: {x: {alarm: {component: a, metric: Rejected, threshold: 1, period: 45s}}}\n"
                 "    records: [{target: a}]\n", "10s, 30s or a multiple of 60s");
    expect_error("    health_checks: {x: {alarm: {component: a, metric: Rejected, threshold: 1, period: 1h, periods: 25}}}\n"
                 "    records: [{target: a}]\n", "may not exceed one day");
    expect_error("    health_checks: {x: {alarm: {component: a, metric: Rejected, threshold: 1, statistic: average}}}\n"
                 "    records: [{target: a}]\n", "'Rejected' is a count: its statistic is sum");
    expect_error("    health_checks: {x: {alarm: {component: a, metric: Utilization, threshold: 1, statistic: sum}}}\n"
                 "    records: [{target: a}]\n", "its statistic is average");
    expect_error("    health_checks: {x: {alarm: {component: dns, metric: DNSQueries, threshold: 1}}}\n"
                 "    records: [{target: a}]\n", "another component's metric");
    expect_error("    health_checks: {x: {alarm: {component: a, metric: Rejected, threshold: 1}, insufficient_data: maybe}}\n"
                 "    records: [{target: a}]\n", "last_known");
    expect_error("    health_checks: {x: {target: a, insufficient_data: healthy}}\n    records: [{target: a}]\n",
                 "unknown key 'insufficient_data'");
    expect_error("    health_checks: {x: {target: a}, y: {children: [x, x]}}\n    records: [{target: a}]\n",
                 "listed twice");
    expect_error("    health_checks: {x: {target: a}, y: {children: [x], healthy_threshold: 257}}\n"
                 "    records: [{target: a}]\n", "healthy_threshold");
    expect_error("    health_checks: {x: {target: nope}}\n    records: [{target: a}]\n", "unknown component 'nope'");
    expect_error("    health_checks: {x: {target: a, healthy_threshold: 1}}\n    records: [{target: a}]\n",
                 "unknown key 'healthy_threshold'");
    expect_error("    policy: weighted\n    health_checks: {a: {target: a}}\n"
                 "    records: [{target: a, weight: 1, health_check: true}]\n", "would share metrics");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/models/route53/weighted-shares", test_weighted_shares);
    g_test_add_func("/models/route53/ttl-exact", test_ttl_exact);
    g_test_add_func("/models/route53/caches-by-origin", test_caches_by_origin);
    g_test_add_func("/models/route53/failover-ttl", test_failover_ttl);
    g_test_add_func("/models/route53/eighteen-percent", test_eighteen_percent);
    g_test_add_func("/models/route53/unhealthy", test_unhealthy);
    g_test_add_func("/models/route53/calculated", test_calculated);
    g_test_add_func("/models/route53/calculated-timing", test_calculated_timing);
    g_test_add_func("/models/route53/alarm-timing", test_alarm_timing);
    g_test_add_func("/models/route53/alarm-insufficient-data", test_alarm_insufficient_data);
    g_test_add_func("/models/route53/weight-changes", test_weight_changes);
    g_test_add_func("/models/route53/latency", test_latency);
    g_test_add_func("/models/route53/client-region-shares", test_client_region_shares);
    g_test_add_func("/models/route53/geolocation", test_geolocation);
    g_test_add_func("/models/route53/geoproximity", test_geoproximity);
    g_test_add_func("/models/route53/own-region", test_own_region);
    g_test_add_func("/models/route53/alias-evaluate", test_alias_evaluate);
    g_test_add_func("/models/route53/alias-ttl", test_alias_ttl);
    g_test_add_func("/models/route53/ip-shares", test_ip_shares);
    g_test_add_func("/models/route53/config-errors", test_config_errors);
    return g_test_run();
}
