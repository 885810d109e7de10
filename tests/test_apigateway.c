/* Tests of the apigateway model: token buckets against arithmetic, the
 * usage plan's quota, the integration timeout that still bills Lambda,
 * the stage cache against the TTL formula, the authorizer's policy cache,
 * the canary's share, payload limit, cost and bad input. */
#include "testutil.h"
#include "models/registry.h"

/* `api` (a YAML flow map's inside, after the name and type) fed by
 * `workload` (after name and target), with a mock integration unless the
 * api says otherwise, and `extra` components. */
static TestRun *run_api(const char *duration, const char *workload, const char *api, const char *extra)
{
    char *text = g_strdup_printf("name: t\nduration: %s\nwarmup: 0s\nsample_interval: 1s\nseed: 6\n"
                                 "workloads:\n  - {name: users, target: api, %s}\n"
                                 "components:\n  - {name: api, type: apigateway, %s}\n%s",
                                 duration, workload, api, extra ? extra : "");
    TestRun *r = test_run_text(text, NULL);
    g_free(text);
    return r;
}

/* Steady 12,000 requests/s against the account's 10,000/s and burst
 * 5,000: it admits the burst and then the rate, 5,000 + 10,000 × 60 =
 * 605,000 in a minute, less the tokens left at the end — with arrivals
 * faster than the refill the bucket hovers near empty and holds more than
 * k tokens with probability about (10,000/12,000)^k: over 100 less than
 * once in 10^7 — and throttles the rest, a sixth once the burst is spent.  Two APIs at
 * 6,000/s each share the one bucket and are admitted as much together. */
static void test_account_throttle(void)
{
    const char *apis[] = {
        "integration: {type: mock}, overhead: {dist: constant, value: 0s}", NULL,
    };
    TestRun *r = run_api("60s", "arrival: {process: poisson, rate: 12000/s}", apis[0], NULL);
    double count = test_sum(r, "api", "Count"), throttled = test_sum(r, "api", "ThrottleCount");
    g_test_message("one API: %.0f requests, %.0f throttled (%.4f), %.0f admitted (expected 605,000)", count,
                   throttled, throttled / count, count - throttled);
    g_assert_cmpfloat(count - throttled, <=, 605000);
    g_assert_cmpfloat(count - throttled, >=, 604900);
    g_assert_cmpfloat(test_sum(r, "api", "4XXError"), ==, throttled);
    double after_burst = test_sum_rows(r, "api", "ThrottleCount", 10, 60) / test_sum_rows(r, "api", "Count", 10, 60);
    g_assert_cmpfloat(fabs(after_burst - 1.0 / 6), <, 0.005);
    test_run_free(r);

    r = test_run_text("name: t\nduration: 60s\nwarmup: 0s\nseed: 6\n"
                      "workloads:\n  - {name: a, target: api-a, arrival: {process: poisson, rate: 6000/s}}\n"
                      "  - {name: b, target: api-b, arrival: {process: poisson, rate: 6000/s}}\n"
                      "components:\n  - {name: api-a, type: apigateway, integration: {type: mock}}\n"
                      "  - {name: api-b, type: apigateway, integration: {type: mock}}\n", NULL);
    double admitted = test_sum(r, "api-a", "Count") - test_sum(r, "api-a", "ThrottleCount") +
                      test_sum(r, "api-b", "Count") - test_sum(r, "api-b", "ThrottleCount");
    g_test_message("two APIs: %.0f admitted together", admitted);
    g_assert_cmpfloat(admitted, <=, 605000);
    g_assert_cmpfloat(admitted, >=, 604900);
    test_run_free(r);
}

/* After idleness the stage's bucket is full: evenly spaced requests at
 * 20,000/s for one second against {rate: 1000/s, burst: 500} are
 * admitted as the burst plus a second's refill, 1,500. */
static void test_spike_after_idleness(void)
{
    TestRun *r = run_api("11s",
                         "arrival: {process: constant, schedule: [[0s, 0/s], [10s, 0/s], [10.000001s, 20000/s], "
                         "[11s, 20000/s]]}",
                         "integration: {type: mock}, throttle: {rate: 1000/s, burst: 500}", NULL);
    double count = test_sum(r, "api", "Count"), admitted = count - test_sum(r, "api", "ThrottleCount");
    g_test_message("spike: %.0f requests in the 11th second, %.0f admitted (expected 500 + 1,000)", count, admitted);
    g_assert_cmpfloat(fabs(admitted - 1500), <=, 1);
    test_run_free(r);
}

/* A usage plan's quota admits exactly its quota per period: 1,000 a day
 * for one key, at 1 request/s for 2.5 days -> 1,000 on each of 3 days. */
static void test_quota(void)
{
    TestRun *r = test_run_text(
        "name: t\nduration: 60h\nwarmup: 0s\nsample_interval: 1h\nseed: 6\n"
        "workloads:\n  - {name: users, target: api, clients: 10, arrival: {process: constant, rate: 1/s}}\n"
        "components:\n  - {name: api, type: apigateway, integration: {type: mock}, usage_plans: "
        "[{name: free, rate: 100/s, burst: 100, quota: {limit: 1000, period: day}, share: 1, keys: 1}]}\n", NULL);
    double admitted = test_sum(r, "api", "Count") - test_sum(r, "api", "QuotaExceeded");
    g_test_message("quota: %.0f admitted in 2.5 days, %.0f over quota", admitted, test_sum(r, "api", "QuotaExceeded"));
    g_assert_cmpfloat(admitted, ==, 3000);
    g_assert_cmpfloat(test_sum_rows(r, "api", "Count", 0, 24) - test_sum_rows(r, "api", "QuotaExceeded", 0, 24), ==,
                      1000);
    g_assert_cmpfloat(test_sum(r, "api", "ThrottleCount"), ==, 0);
    test_run_free(r);
    /* Two plans splitting the clients: each key has its own bucket. */
    r = test_run_text(
        "name: t\nduration: 100s\nwarmup: 0s\nseed: 6\n"
        "workloads:\n  - {name: users, target: api, clients: 100000, arrival: {process: poisson, rate: 1000/s}}\n"
        "components:\n  - {name: api, type: apigateway, integration: {type: mock}, usage_plans: "
        "[{name: free, rate: 10/s, burst: 10, share: 0.5, keys: 1}, {name: paid, rate: 1000/s, burst: 1000, "
        "share: 0.5, keys: 1}]}\n", NULL);
    /* Half the requests share the free key's 10/s: 490/s throttled. */
    double throttled = test_sum(r, "api", "ThrottleCount") / 100;
    g_test_message("two plans: %.1f throttled a second (expected about 490)", throttled);
    g_assert_cmpfloat(fabs(throttled - 490), <, 15);
    test_run_free(r);
}

/* A method's own throttle: POSTs at 100/s (constant) for 10 s against
 * {rate: 10/s, burst: 10} are admitted as the burst plus 10 a second,
 * 110; GETs beside them are not touched. */
static void test_method_throttle(void)
{
    TestRun *r = test_run_text(
        "name: t\nduration: 10s\nwarmup: 0s\nseed: 6\n"
        "workloads:\n  - {name: posts, target: api, request: {operation: POST}, arrival: {process: constant, rate: 100/s}}\n"
        "  - {name: gets, target: api, arrival: {process: constant, rate: 100/s}}\n"
        "components:\n  - {name: api, type: apigateway, integration: {type: mock}, "
        "method_throttles: [{method: POST, rate: 10/s, burst: 10}]}\n", NULL);
    double posts_ok = test_sum(r, "posts", "Succeeded"), gets_ok = test_sum(r, "gets", "Succeeded");
    g_test_message("method throttle: %.0f POSTs admitted (expected 110), %.0f GETs of %.0f", posts_ok, gets_ok,
                   test_sum(r, "gets", "Requests"));
    g_assert_cmpfloat(fabs(posts_ok - 110), <=, 1);
    g_assert_cmpfloat(test_sum(r, "gets", "Throttled"), ==, 0);
    g_assert_cmpfloat(test_sum(r, "api", "ThrottleCount"), ==, test_sum(r, "posts", "Throttled"));
    test_run_free(r);
}

/* The 29-s integration timeout: a 40-s Lambda answers 504 at 29 s, and
 * the function runs — and is billed — to its end. */
static void test_timeout_bills_lambda(void)
{
    TestRun *r = run_api("200s", "arrival: {process: constant, rate: 1/s}",
                         "integration: {target: slow}, overhead: {dist: constant, value: 0s}",
                         "  - {name: slow, type: lambda, timeout: 60s, duration: {dist: constant, value: 40s}}\n");
    const CirrusHist *lat = test_summary(r, "api", "Latency").latency;
    const CirrusHist *duration = test_summary(r, "slow", "Duration").latency;
    g_test_message("504s: %.0f, latency %.3f to %.3f s, Lambda Duration %.3f to %.3f s",
                   test_sum(r, "api", "IntegrationTimeouts"), lat->min / 1e9, lat->max / 1e9, duration->min / 1e9,
                   duration->max / 1e9);
    /* Every request times out; those of the last 29 s are still waiting
     * when the run ends. */
    double timeouts = test_sum(r, "api", "IntegrationTimeouts");
    g_assert_cmpfloat(fabs(timeouts - (test_sum(r, "api", "Count") - 29)), <=, 1);
    g_assert_cmpfloat(test_sum(r, "api", "5XXError"), ==, timeouts);
    g_assert_cmpuint(lat->count, ==, (guint64)timeouts);
    g_assert_cmpint(lat->min, ==, 29 * CIRRUS_SEC);
    g_assert_cmpint(lat->max, ==, 29 * CIRRUS_SEC);
    /* The function ran its 40 s each time (billed for them). */
    g_assert_cmpint(duration->min, ==, 40 * CIRRUS_SEC);
    g_assert_cmpint(duration->max, ==, 40 * CIRRUS_SEC);
    g_assert_cmpfloat(test_sum(r, "slow", "Errors"), ==, 0);
    test_run_free(r);
}

/* The stage cache: zipf keys, TTL T, no evictions: hit ratio Σ p_i λ_i T
 * / (1 + λ_i T) within 4 SE; the integration sees exactly the misses. */
static void test_cache(void)
{
    const guint n = 10000;
    const double rate = 200, ttl = 60;
    TestRun *r = test_run_text(
        "name: t\nduration: 3100s\nwarmup: 100s\nsample_interval: 60s\nseed: 6\n"
        "workloads:\n  - {name: users, target: api, arrival: {process: poisson, rate: 200/s}}\n"
        "components:\n  - {name: api, type: apigateway, integration: {target: db}, overhead: {dist: constant, "
        "value: 1us}, cache: {size: 0.5GB, ttl: 60s, keys: {count: 10000, distribution: zipf, skew: 0.9}}}\n"
        "  - {name: db, type: service, workers: 1000, service_time: {dist: constant, value: 1us}}\n", NULL);
    double sum = 0, theory = 0;
    for (guint i = 0; i < n; i++) sum += pow(i + 1.0, -0.9);
    for (guint i = 0; i < n; i++) {
        double p = pow(i + 1.0, -0.9) / sum;
        theory += p * rate * p * ttl / (1 + rate * p * ttl);
    }
    double s1 = 0, s2 = 0, hits = 0, misses = 0;
    guint rows = test_n_rows(r);
    for (guint i = 0; i < rows; i++) {
        double h = test_component_value(r, i, "api", "CacheHitCount"), m = test_component_value(r, i, "api",
                                                                                                "CacheMissCount");
        s1 += h / (h + m);
        s2 += h / (h + m) * h / (h + m);
        hits += h;
        misses += m;
    }
    double se = sqrt((s2 / rows - s1 / rows * s1 / rows) / (rows - 1)), ratio = hits / (hits + misses);
    g_test_message("stage cache: hit ratio %.5f, theory %.5f, 4 SE %.5f", ratio, theory, 4 * se);
    g_assert_cmpfloat(fabs(ratio - theory), <=, 4 * se);
    g_assert_cmpfloat(test_sum(r, "db", "Requests"), ==, test_sum(r, "api", "CacheMissCount"));
    test_run_free(r);
}

/* A table is an integration like any other, sync allowed (its answer is
 * the work, unlike a queue's); `cache.methods: []` caches nothing. */
static void test_dynamodb_integration(void)
{
    TestRun *r = run_api("20s", "arrival: {process: poisson, rate: 100/s}",
                         "integration: {target: t, operation: PutItem, mode: sync}, cache: {size: 0.5GB, methods: []}",
                         "  - {name: t, type: dynamodb, write_capacity: 1000}\n");
    g_assert_cmpfloat(test_sum(r, "api", "CacheHitCount") + test_sum(r, "api", "CacheMissCount"), ==, 0);
    g_assert_cmpfloat(test_sum(r, "t", "Requests"), ==, test_sum(r, "api", "Count"));
    test_run_free(r);
}

/* The authorizer's policy is cached per client for its TTL: 100 clients
 * sending steadily for 50 minutes with ttl 300 s -> 100 × 10 calls, plus
 * the client's requests that arrive while its authorizer call is out (no
 * coalescing, as AWS): at 1 request/s a client, a call of 5 ms (more for
 * a cold start) adds under 3%. */
static void test_authorizer(void)
{
    TestRun *r = run_api("3000s", "clients: 100, arrival: {process: poisson, rate: 100/s}",
                         "integration: {type: mock}, authorizer: {target: auth, ttl: 300s}",
                         "  - {name: auth, type: lambda, duration: {dist: constant, value: 5ms}}\n");
    double calls = test_sum(r, "api", "AuthorizerCalls");
    g_test_message("authorizer: %.0f calls for 100 clients over 10 TTLs (expected about 1,000)", calls);
    g_assert_cmpfloat(calls, >=, 1000);
    g_assert_cmpfloat(calls, <=, 1030);
    g_assert_cmpfloat(test_sum(r, "auth", "Invocations"), ==, calls);
    g_assert_cmpfloat(test_sum(r, "api", "AuthorizerCalls") + test_sum(r, "api", "AuthorizerCacheHits"), ==,
                      test_sum(r, "api", "Count"));
    test_run_free(r);
}

/* A canary takes its share of requests; a payload over 10 MB is refused
 * (413), not billed. */
static void test_canary_and_payload(void)
{
    TestRun *r = run_api("100s", "arrival: {process: poisson, rate: 1000/s}",
                         "integration: {target: v1}, canary: {percent: 10, integration: {target: v2}}",
                         "  - {name: v1, type: service, workers: 100, service_time: 1ms}\n"
                         "  - {name: v2, type: service, workers: 100, service_time: 1ms}\n");
    double share = test_sum(r, "v2", "Requests") / test_sum(r, "api", "Count");
    g_test_message("canary share %.4f", share);
    g_assert_cmpfloat(fabs(share - 0.1), <=, 4 * sqrt(0.1 * 0.9 / test_sum(r, "api", "Count")));
    g_assert_cmpfloat(test_sum(r, "api", "CanaryCount"), ==, test_sum(r, "v2", "Requests"));
    test_run_free(r);
    r = run_api("10s", "request: {size: 11MB}, arrival: {process: constant, rate: 10/s}", "integration: {type: mock}",
                NULL);
    g_assert_cmpfloat(test_sum(r, "api", "4XXError"), ==, test_sum(r, "api", "Count"));
    g_assert_cmpfloat(test_sum(r, "api", "BilledRequests"), ==, 0);
    g_assert_cmpfloat(test_cost_of(r, "api"), ==, 0);
    test_run_free(r);
}

/* REST: $3.50 per million requests; HTTP: $1.00 per million, in 512-KB
 * increments (a 1-MB request counts twice); the cache per hour. */
static void test_cost(void)
{
    TestRun *r = run_api("100s", "arrival: {process: constant, rate: 100/s}", "integration: {type: mock}", NULL);
    double n = test_sum(r, "api", "BilledRequests");
    g_assert_cmpfloat(fabs(test_cost_of(r, "api") - n * 3.5e-6), <, 1e-12);
    test_run_free(r);
    r = run_api("100s", "request: {size: 1MB}, arrival: {process: constant, rate: 100/s}",
                "api: http, integration: {type: mock}", NULL);
    n = test_sum(r, "api", "BilledRequests");
    g_assert_cmpfloat(fabs(test_cost_of(r, "api") - 2 * n * 1e-6), <, 1e-12);
    test_run_free(r);
    r = run_api("1h", "arrival: {process: constant, rate: 0/s}",
                "integration: {type: mock}, cache: {size: 6.1GB}", NULL);
    g_assert_cmpfloat(fabs(test_cost_of(r, "api") - 0.20), <, 1e-12);
    test_run_free(r);
}

static void bad(const char *api, const char *what)
{
    char *text = g_strdup_printf("name: bad\nduration: 1m\n"
                                 "workloads:\n  - {name: w, target: api, arrival: {process: poisson, rate: 1/s}}\n"
                                 "components:\n  - {name: api, type: apigateway, %s}\n"
                                 "  - {name: q, type: sqs}\n  - {name: fn, type: lambda, duration: 1ms}\n", api);
    test_assert_scenario_error(text, NULL, "bad.yaml:", what);
    g_free(text);
}

static void test_bad_input(void)
{
    bad("integration: {type: mock}, throttle: {rate: 0/s, burst: 10}", "AWS refuses a burst above 0");
    bad("integration: {target: fn}, timeout: 40s", "integration timeout is 50ms to 29s");
    bad("api: http, integration: {target: fn}, timeout: 31s", "integration timeout is 50ms to 30s");
    bad("integration: {target: fn}, cache: {size: 1.5GB}", "did you mean '1.6GB'?");
    bad("integration: {target: q, mode: sync}", "answers when it has the message");
    bad("api: websocket, integration: {target: fn}", "WebSocket APIs");
    bad("api: http, integration: {target: fn}, usage_plans: [{name: p, rate: 1/s, burst: 1, share: 1}]",
        "HTTP APIs have no usage plans");
    bad("api: http, integration: {target: fn}, cache: {size: 0.5GB}", "HTTP APIs have no stage cache");
    bad("integration: {target: fn}, authorizer: {target: q}", "'authorizer' 'q' is an sqs queue");
    bad("integration: {target: fn}, usage_plans: [{name: a, rate: 1/s, burst: 1, share: 0.7}, "
        "{name: b, rate: 1/s, burst: 1, share: 0.6}]", "add up to 1.3");
    bad("integration: {target: nowhere}", "unknown component 'nowhere'");
    bad("integration: {target: fn}, cache: {size: 0.5GB, methods: [GTE]}", "did you mean 'GET'?");
    bad("integration: {target: fn}, canary: {percent: 0, integration: {target: fn-v2}}", "unknown component 'fn-v2'");
    test_assert_scenario_error("name: bad\nduration: 1m\naccount: {apigateway_throttle: {rate: 0/s, burst: 5}}\n"
                               "components:\n  - {name: api, type: apigateway, integration: {type: mock}}\n",
                               NULL, "bad.yaml:3:", "AWS refuses a burst above 0");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/models/apigateway/account-throttle", test_account_throttle);
    g_test_add_func("/models/apigateway/spike-after-idleness", test_spike_after_idleness);
    g_test_add_func("/models/apigateway/quota", test_quota);
    g_test_add_func("/models/apigateway/method-throttle", test_method_throttle);
    g_test_add_func("/models/apigateway/timeout-bills-lambda", test_timeout_bills_lambda);
    g_test_add_func("/models/apigateway/cache", test_cache);
    g_test_add_func("/models/apigateway/authorizer", test_authorizer);
    g_test_add_func("/models/apigateway/dynamodb-integration", test_dynamodb_integration);
    g_test_add_func("/models/apigateway/canary-and-payload", test_canary_and_payload);
    g_test_add_func("/models/apigateway/cost", test_cost);
    g_test_add_func("/models/apigateway/bad-input", test_bad_input);
    return g_test_run();
}
