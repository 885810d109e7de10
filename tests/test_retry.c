/* cirrus — client retries against numbers: the backoff formulas of AWS's
 * "Exponential Backoff And Jitter", exact retry instants, the expected
 * number of attempts against a target that fails with known probability,
 * the retry quota, and a retry storm against an overloaded service with
 * and without the quota.
 *
 * `flaky` (below) answers each request after `delay` with `outcome`
 * (failed by default) with probability `p`, ok otherwise, and logs when
 * requests arrive. */
#include "testutil.h"
#include "models/aws/globals.h"
#include "models/aws/retry.h"
#include "models/service/service.h"
#include "models/workload/workload.h"

/* ---- flaky --------------------------------------------------------------- */

enum { FLAKY_DONE = CIRRUS_EVENT_MODEL };

typedef struct {
    double p;
    CirrusTime delay;
    int outcome;
    GArray *arrivals;   /* double seconds */
} Flaky;

static gboolean flaky_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    static const char *const outcomes[] = {"failed", "throttled", "rejected", NULL};
    static const CirrusOutcome map[] = {CIRRUS_OUTCOME_FAILED, CIRRUS_OUTCOME_THROTTLED, CIRRUS_OUTCOME_REJECTED};
    Flaky *f = state;
    int which;
    (void)self;
    f->arrivals = g_array_new(FALSE, FALSE, sizeof(double));
    if (!cirrus_cfg_double(cfg, "p", 0, 0, 1, &f->p, error) ||
        !cirrus_cfg_duration(cfg, "delay", 0, 0, CIRRUS_HOUR, &f->delay, error) ||
        !cirrus_cfg_enum(cfg, "outcome", outcomes, 0, &which, error))
        return FALSE;
    f->outcome = map[which];
    return TRUE;
}

static void flaky_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    Flaky *f = state;
    double now = cirrus_time_to_s(cirrus_now(self));
    switch (ev->kind) {
    case CIRRUS_EVENT_REQUEST: {
        gboolean fail = cirrus_rng_uniform(cirrus_component_rng(self)) < f->p;
        g_array_append_val(f->arrivals, now);
        cirrus_schedule(self, f->delay, FLAKY_DONE, ev->request, fail ? (guint64)f->outcome : CIRRUS_OUTCOME_OK);
        break;
    }
    case FLAKY_DONE: cirrus_reply(self, ev->request, (CirrusOutcome)ev->data); break;
    default: g_assert_not_reached();
    }
}

static void flaky_destroy(CirrusComponent *self, void *state)
{
    Flaky *f = state;
    (void)self;
    if (f->arrivals) g_array_free(f->arrivals, TRUE);
}

static const CirrusModelType flaky_type = {
    .name = "flaky", .state_size = sizeof(Flaky), .configure = flaky_configure,
    .handle = flaky_handle, .destroy = flaky_destroy,
    .metrics = (const CirrusMetricDef[]){{NULL, 0, NULL}},
    .protocols = &test_takes_requests,
};

static const CirrusModelType *const test_types[] = {
    &cirrus_workload_type, &cirrus_service_type, &flaky_type, NULL,
};

static const CirrusRegistry test_registry = {
    .types = test_types, .workload_type = "workload", .read_globals = cirrus_globals_read, .prepare = cirrus_models_prepare,
};

static TestRun *run(const char *text)
{
    return test_run_with(text, &test_registry, NULL, CIRRUS_PES_DEFAULT);
}


static GArray *arrivals(TestRun *r, const char *name)
{
    return ((Flaky *)cirrus_component_state(cirrus_sim_find(r->sim, name)))->arrivals;
}

static void assert_times(GArray *got, const double *want, guint n)
{
    g_assert_cmpuint(got->len, ==, n);
    for (guint i = 0; i < n; i++) g_assert_cmpfloat(fabs(g_array_index(got, double, i) - want[i]), <, 1e-9);
}

/* ---- the backoff formulas ------------------------------------------------ */

/* Mean and standard error of N draws of the delay before retry n. */
static void draw(const CirrusBackoff *b, guint n, CirrusTime prev, guint N, double *lo, double *hi,
                 double *mean, double *se)
{
    CirrusRng rng;
    cirrus_rng_seed(&rng, 1234 + n);
    double s = 0, s2 = 0;
    *lo = INFINITY;
    *hi = -INFINITY;
    for (guint i = 0; i < N; i++) {
        double d = cirrus_time_to_s(cirrus_backoff_delay(b, n, prev, &rng));
        s += d;
        s2 += d * d;
        *lo = MIN(*lo, d);
        *hi = MAX(*hi, d);
    }
    *mean = s / N;
    *se = sqrt((s2 / N - *mean * *mean) / (N - 1));
}

/* With T = min(cap, base 2^n): none waits T exactly; full is uniform on
 * [0, T] (mean T/2, sd T/sqrt 12); equal is uniform on [T/2, T] (mean
 * 3T/4, sd T/(2 sqrt 12)).  Each mean is checked to within 4 SE of the
 * formula's, the SE from the formula's sd, and 4 SE is < 1% of the mean. */
static void test_backoff_exponential(void)
{
    const guint N = 200000;
    for (int mode = CIRRUS_JITTER_NONE; mode <= CIRRUS_JITTER_EQUAL; mode++) {
        CirrusBackoff b = { (CirrusJitter)mode, 100 * CIRRUS_MS, 2 * CIRRUS_SEC };
        for (guint n = 0; n < 8; n++) {
            double T = MIN(2.0, 0.1 * (1 << n)), lo, hi, mean, se;
            draw(&b, n, b.base, N, &lo, &hi, &mean, &se);
            if (mode == CIRRUS_JITTER_NONE) {
                g_assert_cmpfloat(lo, ==, T);
                g_assert_cmpfloat(hi, ==, T);
                continue;
            }
            double want = mode == CIRRUS_JITTER_FULL ? T / 2 : 3 * T / 4;
            double sd = mode == CIRRUS_JITTER_FULL ? T / sqrt(12) : T / 2 / sqrt(12);
            double se_formula = sd / sqrt(N);
            g_test_message("jitter %d n %u: mean %.5f want %.5f (4 SE %.5f), sample sd %.5f want %.5f",
                           mode, n, mean, want, 4 * se_formula, se * sqrt(N), sd);
            g_assert_cmpfloat(fabs(mean - want), <, 4 * se_formula);
            g_assert_cmpfloat(4 * se_formula, <, 0.01 * want);
            g_assert_cmpfloat(fabs(se * sqrt(N) - sd), <, 0.02 * sd);
            g_assert_cmpfloat(lo, >=, mode == CIRRUS_JITTER_FULL ? 0 : T / 2);
            g_assert_cmpfloat(hi, <=, T);
        }
    }
}

/* Decorrelated: min(cap, uniform(base, 3 prev)).  Uncapped (3 prev <= cap)
 * the mean is (base + 3 prev)/2; capped, E[min(c, U(a, b))] =
 * ((c^2 - a^2)/2 + c (b - c)) / (b - a). */
static void test_backoff_decorrelated(void)
{
    const guint N = 200000;
    CirrusBackoff b = { CIRRUS_JITTER_DECORRELATED, 100 * CIRRUS_MS, 2 * CIRRUS_SEC };
    const double prevs[] = {0.1, 0.4, 0.6, 1.5};
    for (guint i = 0; i < G_N_ELEMENTS(prevs); i++) {
        double a = 0.1, hi_u = 3 * prevs[i], c = 2.0, lo, hi, mean, se;
        draw(&b, i, cirrus_time_from_s(prevs[i]), N, &lo, &hi, &mean, &se);
        double want = hi_u <= c ? (a + hi_u) / 2 : ((c * c - a * a) / 2 + c * (hi_u - c)) / (hi_u - a);
        g_test_message("decorrelated prev %.2f: mean %.5f want %.5f (4 SE %.5f)", prevs[i], mean, want, 4 * se);
        g_assert_cmpfloat(fabs(mean - want), <, 4 * se);
        g_assert_cmpfloat(4 * se, <, 0.01 * want);
        g_assert_cmpfloat(lo, >=, a);
        g_assert_cmpfloat(hi, <=, MIN(c, hi_u));
    }
}

/* ---- exact retry instants ------------------------------------------------ */

/* One call at 1 s against a target that always fails, 3 retries with no
 * jitter from a 100 ms base: attempts at 1.0, 1.1, 1.3 and 1.7 s. */
static void test_retry_instants(void)
{
    TestRun *r = run(
        "name: t\nduration: 1950ms\n"
        "workloads: [{name: u, target: f, arrival: {process: constant, rate: 1/s},\n"
        "  client: {retries: {max: 3, base: 100ms, jitter: none}}}]\n"
        "components: [{name: f, type: flaky, p: 1}]\n");
    const double want[] = {1.0, 1.1, 1.3, 1.7};
    assert_times(arrivals(r, "f"), want, 4);
    g_assert_cmpfloat(test_sum(r, "u", "Requests"), ==, 1);
    g_assert_cmpfloat(test_sum(r, "u", "Retries"), ==, 3);
    g_assert_cmpfloat(test_sum(r, "u", "Failed"), ==, 1);
    g_assert_cmpfloat(test_sum(r, "u", "Succeeded"), ==, 0);
    g_assert_cmpfloat(test_summary(r, "u", "Outstanding").last, ==, 0);
    test_run_free(r);
}

/* After a throttle the backoff may differ (throttle_base, throttle_jitter):
 * throttled at 4.0 s, retried at 4.5, 5.5 (500 ms, then 1 s); a failure
 * keeps the ordinary 100 ms base: 4.1, 4.3. */
static void test_retry_after_throttle(void)
{
    const char *fmt = "name: t\nduration: 7s\n"
                      "workloads: [{name: u, target: f, arrival: {process: constant, rate: 15/m},\n"
                      "  client: {retries: {max: 2, base: 100ms, jitter: none, throttle_base: 500ms, "
                      "throttle_jitter: none}}}]\n"
                      "components: [{name: f, type: flaky, p: 1, outcome: %s}]\n";
    char *text = g_strdup_printf(fmt, "throttled");
    TestRun *r = run(text);
    const double throttled[] = {4.0, 4.5, 5.5};
    assert_times(arrivals(r, "f"), throttled, 3);
    test_run_free(r);
    g_free(text);
    text = g_strdup_printf(fmt, "failed");
    r = run(text);
    const double failed[] = {4.0, 4.1, 4.3};
    assert_times(arrivals(r, "f"), failed, 3);
    test_run_free(r);
    g_free(text);
}

/* A service's own SDK defaults (the target's CirrusRetryDefaults) fill in
 * what `retries` leaves unsaid, and only that. */
static void test_retry_service_defaults(void)
{
    const CirrusRetryDefaults ddb = { .max_retries = 10, .base = 25 * CIRRUS_MS,
                                      .throttle_base = 500 * CIRRUS_MS, .throttle_jitter = CIRRUS_JITTER_EQUAL };
    CirrusRetryPolicy p = { .max_retries = 2, .given = TRUE, .throttle_jitter = -1,
                            .backoff = { CIRRUS_JITTER_FULL, 100 * CIRRUS_MS, 20 * CIRRUS_SEC } };
    p.throttle_backoff = p.backoff;
    cirrus_retry_policy_default(&p, &ddb);
    g_assert_cmpint(p.max_retries, ==, 10);
    g_assert_cmpint(p.backoff.base, ==, 25 * CIRRUS_MS);
    g_assert_cmpint(p.backoff.jitter, ==, CIRRUS_JITTER_FULL);
    g_assert_cmpint(p.throttle_backoff.base, ==, 500 * CIRRUS_MS);
    g_assert_cmpint(p.throttle_backoff.jitter, ==, CIRRUS_JITTER_EQUAL);
    /* equal jitter from 500 ms: the first wait is 250 to 500 ms */
    CirrusRng rng;
    cirrus_rng_seed(&rng, 12);
    for (int i = 0; i < 1000; i++) {
        CirrusTime d = cirrus_retry_delay(&p, TRUE, 0, p.throttle_backoff.base, &rng);
        g_assert_cmpint(d, >=, 250 * CIRRUS_MS);
        g_assert_cmpint(d, <=, 500 * CIRRUS_MS);
    }
    /* given values stay; no `retries` at all stays none */
    CirrusRetryPolicy q = { .max_retries = 3, .given = TRUE, .max_given = TRUE, .base_given = TRUE,
                            .throttle_jitter = -1,
                            .backoff = { CIRRUS_JITTER_NONE, 1 * CIRRUS_SEC, 20 * CIRRUS_SEC } };
    q.throttle_backoff = q.backoff;
    cirrus_retry_policy_default(&q, &ddb);
    g_assert_cmpint(q.max_retries, ==, 3);
    g_assert_cmpint(q.backoff.base, ==, CIRRUS_SEC);
    g_assert_cmpint(q.throttle_backoff.base, ==, CIRRUS_SEC);   /* a backoff written out holds for throttles */
    CirrusRetryPolicy none = {0};
    cirrus_retry_policy_default(&none, &ddb);
    g_assert_cmpint(none.max_retries, ==, 0);
    /* throttle_jitter alone: after a throttle, the service's base (25 ms),
     * not the standard 100 ms, nor its throttle defaults */
    CirrusRetryPolicy j = { .given = TRUE, .throttle_jitter = CIRRUS_JITTER_NONE,
                            .backoff = { CIRRUS_JITTER_FULL, 100 * CIRRUS_MS, 20 * CIRRUS_SEC } };
    cirrus_retry_policy_default(&j, &ddb);
    g_assert_cmpint(j.throttle_backoff.jitter, ==, CIRRUS_JITTER_NONE);
    g_assert_cmpint(j.throttle_backoff.base, ==, 25 * CIRRUS_MS);
}

/* Timeouts are retried too: a target that takes 1 s against a 300 ms
 * attempt timeout.  The call at 4 s tries at 4.0, 4.4 (4.0 + 0.3 + 0.1)
 * and 4.9 (4.4 + 0.3 + 0.2), then gives up at 5.2 s: one TimedOut, the
 * late replies discarded, no success. */
static void test_retry_timeouts(void)
{
    TestRun *r = run(
        "name: t\nduration: 7s\n"
        "workloads: [{name: u, target: f, arrival: {process: constant, rate: 15/m},\n"
        "  client: {timeout: 300ms, retries: {max_attempts: 3, base: 100ms, jitter: none}}}]\n"
        "components: [{name: f, type: flaky, p: 0, delay: 1s}]\n");
    const double want[] = {4.0, 4.4, 4.9};
    assert_times(arrivals(r, "f"), want, 3);
    g_assert_cmpfloat(test_sum(r, "u", "Retries"), ==, 2);
    g_assert_cmpfloat(test_sum(r, "u", "TimedOut"), ==, 1);
    g_assert_cmpfloat(test_sum(r, "u", "Succeeded"), ==, 0);
    g_assert_cmpfloat(test_sum(r, "u", "Failed"), ==, 0);
    test_run_free(r);
}

/* Throttles and 503s are retried like 5xx; a success ends the call. */
static void test_retry_outcomes(void)
{
    const char *outcomes[] = {"throttled", "rejected"};
    for (guint i = 0; i < 2; i++) {
        char *text = g_strdup_printf(
            "name: t\nduration: 1950ms\n"
            "workloads: [{name: u, target: f, arrival: {process: constant, rate: 1/s},\n"
            "  client: {retries: {max: 1, base: 100ms, jitter: none}}}]\n"
            "components: [{name: f, type: flaky, p: 1, outcome: %s}]\n", outcomes[i]);
        TestRun *r = run(text);
        g_assert_cmpfloat(test_sum(r, "u", "Retries"), ==, 1);
        g_assert_cmpfloat(test_sum(r, "u", i == 0 ? "Throttled" : "Rejected"), ==, 1);
        g_assert_cmpfloat(test_sum(r, "u", "Failed"), ==, 1);
        test_run_free(r);
        g_free(text);
    }
}

/* The quota, exactly: 10 tokens at 5 a retry and an always-failing target.
 * The first call's two retries empty the bucket and its third is refused;
 * every later call is refused its first retry (failures refill nothing). */
static void test_retry_quota_exact(void)
{
    TestRun *r = run(
        "name: t\nduration: 10500ms\n"
        "workloads: [{name: u, target: f, arrival: {process: constant, rate: 1/s},\n"
        "  client: {retries: {max: 3, base: 10ms, jitter: none, budget: {tokens: 10, cost: 5}}}}]\n"
        "components: [{name: f, type: flaky, p: 1}]\n");
    g_assert_cmpfloat(test_sum(r, "u", "Requests"), ==, 10);
    g_assert_cmpfloat(test_sum(r, "u", "Retries"), ==, 2);
    g_assert_cmpfloat(test_sum(r, "u", "RetryQuotaExceeded"), ==, 10);
    g_assert_cmpfloat(test_sum(r, "u", "Failed"), ==, 10);
    test_run_free(r);
    /* The bucket's own arithmetic: refill on first-attempt success, refund on
     * a retried success, never above capacity. */
    CirrusRetryQuota q = { 12, 12, 5, 10, 1 };
    g_assert_cmpint(cirrus_retry_quota_acquire(&q, TRUE), ==, 10);
    g_assert_cmpint(cirrus_retry_quota_acquire(&q, FALSE), ==, 0);   /* 2 left < 5 */
    cirrus_retry_quota_success(&q, 0);
    g_assert_cmpint(q.tokens, ==, 3);
    cirrus_retry_quota_success(&q, 10);
    g_assert_cmpint(q.tokens, ==, 12);                               /* 13, capped */
}

/* ---- attempts against a known failure probability --------------------------- */

/* Each attempt fails independently with p = 0.3; with k = 4 attempts the
 * attempts per call A = min(Geometric, k) have mean (1 - p^k)/(1 - p) and
 * the call fails with probability p^k.  Retries/Requests = E[A] - 1 within
 * 4 SE (SE = sd(A)/sqrt(calls)); Failed/Requests = p^k within 4 binomial SE. */
static void test_retry_attempts(void)
{
    TestRun *r = run(
        "name: t\nduration: 30m\nseed: 7\n"
        "workloads: [{name: u, target: f, clients: 100, arrival: {process: poisson, rate: 200/s},\n"
        "  client: {retries: {max: 3, base: 20ms, cap: 1s, jitter: full}}}]\n"
        "components: [{name: f, type: flaky, p: 0.3, delay: 5ms}]\n");
    const double p = 0.3;
    const int k = 4;
    double ea = 0, ea2 = 0;
    for (int j = 1; j <= k; j++) {
        double pj = j < k ? pow(p, j - 1) * (1 - p) : pow(p, k - 1);
        ea += j * pj;
        ea2 += (double)j * j * pj;
    }
    g_assert_cmpfloat(fabs(ea - (1 - pow(p, k)) / (1 - p)), <, 1e-12);
    double calls = test_sum(r, "u", "Requests"), finished = test_sum(r, "u", "Succeeded") + test_sum(r, "u", "Failed");
    /* Calls still in flight at the stop make the two differ by a handful. */
    g_assert_cmpfloat(calls - finished, <, 20);
    double got = test_sum(r, "u", "Retries") / calls, se = sqrt((ea2 - ea * ea) / calls);
    g_test_message("attempts per call %.5f, expected %.5f (4 SE %.5f)", 1 + got, ea, 4 * se);
    g_assert_cmpfloat(fabs(1 + got - ea), <, 4 * se);
    g_assert_cmpfloat(4 * se, <, 0.005 * ea);
    double pk = pow(p, k), fail = test_sum(r, "u", "Failed") / finished, fse = sqrt(pk * (1 - pk) / finished);
    g_test_message("failed calls %.5f, expected %.5f (4 SE %.5f)", fail, pk, 4 * fse);
    g_assert_cmpfloat(fabs(fail - pk), <, 4 * fse);
    g_assert_cmpfloat(4 * fse, <, 0.1 * pk);
    test_run_free(r);
}

/* ---- a retry storm ------------------------------------------------------------ */

/* 150 calls/s against a service that does 100/s (10 workers, 100 ms) and
 * refuses beyond 20 waiting.  Without a quota every refusal is retried up
 * to 3 times and the service sees the amplified load: its Requests equal
 * the calls plus the retries, exactly.  With the SDK quota (500 tokens, 5
 * a retry, 1 back per first-attempt success, 5 back per retried success)
 * the tokens bound the retries: 5 R <= 500 + S1 + 5 S_R, and a drained
 * bucket keeps them near that bound. */
static void test_retry_storm(void)
{
    const char *fmt =
        "name: storm\nduration: 20m\nseed: 3\n"
        "workloads: [{name: u, target: s, clients: 1000, arrival: {process: poisson, rate: 150/s},\n"
        "  client: {retries: {max: 3, base: 50ms, cap: 2s, jitter: full%s}}}]\n"
        "components: [{name: s, type: service, workers: 10, queue_limit: 20,\n"
        "  service_time: {dist: exponential, mean: 100ms}}]\n";
    double amp[2];
    for (int budget = 0; budget < 2; budget++) {
        char *text = g_strdup_printf(fmt, budget ? ", budget: {}" : "");
        TestRun *r = run(text);
        double calls = test_sum(r, "u", "Requests"), retries = test_sum(r, "u", "Retries");
        double ok = test_sum(r, "u", "Succeeded"), after = test_sum(r, "u", "SucceededAfterRetry");
        g_assert_cmpfloat(test_sum(r, "s", "Requests"), ==, calls + retries);
        amp[budget] = (calls + retries) / calls;
        g_test_message("%s quota: %.0f calls, %.0f retries, amplification %.4f, succeeded %.4f of calls, %.0f after a retry, "
                       "quota refusals %.0f, service utilization %.2f%%",
                       budget ? "with" : "without", calls, retries, amp[budget], ok / calls, after,
                       test_sum(r, "u", "RetryQuotaExceeded"), test_summary(r, "s", "Utilization").mean);
        if (budget) {
            double bound = (500 + (ok - after) + 5 * after) / 5;
            g_test_message("retries %.0f, token bound %.0f", retries, bound);
            g_assert_cmpfloat(retries, <=, bound);
            g_assert_cmpfloat(retries, >, 0.95 * bound);
        } else {
            g_assert_cmpfloat(test_sum(r, "u", "RetryQuotaExceeded"), ==, 0);
        }
        test_run_free(r);
        g_free(text);
    }
    g_assert_cmpfloat(amp[1], <, amp[0]);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/models/retry/backoff-exponential", test_backoff_exponential);
    g_test_add_func("/models/retry/backoff-decorrelated", test_backoff_decorrelated);
    g_test_add_func("/models/retry/instants", test_retry_instants);
    g_test_add_func("/models/retry/timeouts", test_retry_timeouts);
    g_test_add_func("/models/retry/after-throttle", test_retry_after_throttle);
    g_test_add_func("/models/retry/service-defaults", test_retry_service_defaults);
    g_test_add_func("/models/retry/outcomes", test_retry_outcomes);
    g_test_add_func("/models/retry/quota-exact", test_retry_quota_exact);
    g_test_add_func("/models/retry/attempts", test_retry_attempts);
    g_test_add_func("/models/retry/storm", test_retry_storm);
    return g_test_run();
}
