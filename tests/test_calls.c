/* Downstream calls of compute components (models/protocol/calls.c,
 * DESIGN.md §6), against queueing theory where it applies and exact
 * arithmetic where it does not.
 *
 * Statistical checks use batch means (testutil.h): each 60-s sample
 * interval is a batch, many times the stations' relaxation time; a value
 * must be within 4 SE of theory, and 4 SE below 3% of it. */
#include "testutil.h"

static double mm1_response(double lambda, double mu) { return 1.0 / (mu - lambda); }

/* Batch-mean of a component's latency-like series `<metric>.mean`,
 * weighted by the count series `count`. */
static void component_batch(TestRun *r, const char *component, const char *metric, const char *count, double *mean,
                            double *se)
{
    char *group = g_strconcat("/components/", component, NULL);
    char *series = g_strconcat(metric, ".mean", NULL);
    test_batch_means(r, test_series(r, group, series), test_series(r, group, count), 5, mean, se);
    g_free(series);
    g_free(group);
}

/* ---- a Lambda waiting on an M/M/c station ------------------------------------ */

/* The function's own time is a constant 20 ms; it then calls an M/M/4
 * station (exponential 16 ms, so at 200/s rho = 0.8) and waits.  Its
 * Duration is 20 ms plus the station's Erlang C response time, and its
 * mean concurrency, by Little's law, 200/s times that. */
static void test_lambda_mmc(void)
{
    TestRun *r = test_run_text("name: lm\nduration: 3h\nwarmup: 5m\nseed: 11\nsample_interval: 60s\n"
                               "workloads:\n  - {name: users, target: fn, arrival: {process: poisson, rate: 200/s}}\n"
                               "components:\n"
                               "  - name: fn\n    type: lambda\n    duration: {dist: constant, value: 20ms}\n"
                               "    calls: [{target: db}]\n"
                               "  - {name: db, type: service, workers: 4, "
                               "service_time: {dist: exponential, mean: 16ms}}\n",
                               NULL);
    double t_db = test_mmc_response_time(4, 200, 62.5), duration = 0.020 + t_db, mean, se;
    component_batch(r, "fn", "Duration", "Invocations", &mean, &se);
    test_assert_agrees("Lambda Duration = 20 ms + Erlang C (s)", mean, duration, se);
    component_batch(r, "fn", "CallLatency.db", "CallsMade.db", &mean, &se);
    test_assert_agrees("CallLatency = Erlang C response (s)", mean, t_db, se);
    /* Little's law on the function's concurrency, a gauge whose interval
     * series is the time-weighted mean over each minute. */
    guint col = test_series(r, "/components/fn", "ConcurrentExecutions");
    double sum = 0, sum2 = 0;
    guint n = 0;
    for (guint i = 5; i < test_n_rows(r); i++, n++) {
        double v = test_value(r, i, col);
        sum += v;
        sum2 += v * v;
    }
    double m = sum / n, sd = sqrt((sum2 - n * m * m) / (n - 1));
    test_assert_agrees("ConcurrentExecutions = lambda x Duration", m, 200 * duration, sd / sqrt(n));
    g_assert_cmpfloat(test_sum(r, "fn", "Errors"), ==, 0);
    /* One call per invocation (those in flight at the warm-up's end aside). */
    g_assert_cmpfloat(fabs(test_sum(r, "fn", "CallsMade.db") - test_sum(r, "fn", "Invocations")), <=, 20);
    test_run_free(r);
}

/* ---- two stations in tandem ---------------------------------------------------- */

/* A (M/M/1, 8 ms) sends each request on to B (M/M/1, 5 ms) and goes on:
 * a Jackson tandem at 100/s.  A's departures are Poisson (Burke), so each
 * station is an M/M/1 and the end-to-end sojourn is the sum, 40 + 10 ms. */
static void test_tandem_async(void)
{
    TestRun *r = test_run_text("name: tandem\nduration: 8h\nwarmup: 5m\nseed: 3\nsample_interval: 60s\n"
                               "workloads:\n  - {name: users, target: a, arrival: {process: poisson, rate: 100/s}}\n"
                               "components:\n"
                               "  - {name: a, type: service, service_time: {dist: exponential, mean: 8ms}, "
                               "calls: [{target: b, mode: async}]}\n"
                               "  - {name: b, type: service, service_time: {dist: exponential, mean: 5ms}}\n",
                               NULL);
    double ta, sa, tb, sb;
    component_batch(r, "a", "Latency", "Completed", &ta, &sa);
    component_batch(r, "b", "Latency", "Completed", &tb, &sb);
    test_assert_agrees("A: M/M/1 sojourn (s)", ta, mm1_response(100, 125), sa);
    test_assert_agrees("B: M/M/1 sojourn (s)", tb, mm1_response(100, 200), sb);
    test_assert_agrees("tandem: sum of sojourns (s)", ta + tb, mm1_response(100, 125) + mm1_response(100, 200),
                       sqrt(sa * sa + sb * sb));
    /* Every request of A made its call, and B got each one. */
    g_assert_cmpfloat(fabs(test_sum(r, "a", "CallsMade.b") - test_sum(r, "a", "Completed")), <=, 20);
    test_run_free(r);
}

/* A (one worker, exponential 4 ms) calls B (exponential 4 ms) and waits:
 * A's worker is held for its own time plus B's, so A is an M/G/1 whose
 * service time S = S_A + S_B.  B has workers to spare and A sends it one
 * request at a time, so B never queues and its sojourn is S_B.  With
 * E[S] = 8 ms, E[S^2] = 4^2 + 4^2 + 8^2 = 96 ms^2 and lambda = 100/s,
 * Pollaczek-Khinchine gives T = E[S] + lambda E[S^2] / (2 (1 - rho))
 * = 8 + 24 = 32 ms (an M/M/1 with the same 8 ms mean would give 40). */
static void test_sync_pollaczek_khinchine(void)
{
    TestRun *r = test_run_text("name: pk\nduration: 8h\nwarmup: 5m\nseed: 5\nsample_interval: 60s\n"
                               "workloads:\n  - {name: users, target: a, arrival: {process: poisson, rate: 100/s}}\n"
                               "components:\n"
                               "  - {name: a, type: service, service_time: {dist: exponential, mean: 4ms}, "
                               "calls: [{target: b}]}\n"
                               "  - {name: b, type: service, workers: 4, service_time: {dist: exponential, mean: 4ms}}\n",
                               NULL);
    double lambda = 100, es = 0.008, es2 = 96e-6, rho = lambda * es;
    double t, se;
    component_batch(r, "a", "Latency", "Completed", &t, &se);
    test_assert_agrees("A: M/G/1 sojourn, S = own + callee's (s)", t, es + lambda * es2 / (2 * (1 - rho)), se);
    g_assert_cmpfloat(test_sum(r, "b", "Queued"), ==, 0);
    test_run_free(r);
}

/* ---- exact arithmetic ------------------------------------------------------------ */

static const char exact_template[] =
    "name: exact\nduration: 10s\nsample_interval: 1s\n"
    "workloads:\n  - {name: users, target: a, arrival: {process: constant, rate: 10/s}}\n"
    "components:\n"
    "  - {name: a, type: service, workers: 100, service_time: 5ms, calls: %s}\n"
    "  - {name: b, type: service, workers: 100, service_time: 10ms}\n"
    "  - {name: c, type: service, workers: 100, service_time: 30ms}\n";

static double latency_ms(TestRun *r, const char *component, const char *metric, gboolean max)
{
    CirrusMetricSummary m = test_summary(r, component, metric);
    return (max ? (double)m.latency->max : cirrus_hist_mean(m.latency)) / 1e6;
}

/* A parallel group of 10 ms and 30 ms calls adds exactly 30 ms; the same
 * calls one after the other add 40. */
static void test_parallel_exact(void)
{
    char *text = g_strdup_printf(exact_template, "[{parallel: [{target: b}, {target: c}]}]");
    TestRun *r = test_run_text(text, NULL);
    g_assert_cmpfloat(latency_ms(r, "a", "Latency", FALSE), ==, 35.0);
    g_assert_cmpfloat(latency_ms(r, "a", "Latency", TRUE), ==, 35.0);
    g_assert_cmpfloat(latency_ms(r, "a", "CallLatency.b", TRUE), ==, 10.0);
    g_assert_cmpfloat(latency_ms(r, "a", "CallLatency.c", TRUE), ==, 30.0);
    g_assert_cmpfloat(test_sum(r, "users", "Succeeded"), ==, test_sum(r, "a", "Completed"));
    test_run_free(r);
    g_free(text);
    text = g_strdup_printf(exact_template, "[{target: b}, {target: c}]");
    r = test_run_text(text, NULL);
    g_assert_cmpfloat(latency_ms(r, "a", "Latency", FALSE), ==, 45.0);
    g_assert_cmpfloat(latency_ms(r, "a", "Latency", TRUE), ==, 45.0);
    test_run_free(r);
    g_free(text);
}

/* A call made with probability 0.3 reaches its target on 0.3 of the
 * requests: within 4 binomial standard errors over N requests. */
static void test_probability(void)
{
    TestRun *r = test_run_text("name: p\nduration: 30m\nseed: 9\nsample_interval: 60s\n"
                               "workloads:\n  - {name: users, target: a, arrival: {process: poisson, rate: 50/s}}\n"
                               "components:\n"
                               "  - {name: a, type: service, workers: 10, service_time: 1ms, "
                               "calls: [{target: b, probability: 0.3}]}\n"
                               "  - {name: b, type: service, workers: 10, service_time: 1ms}\n",
                               NULL);
    double n = test_sum(r, "a", "Requests"), made = test_sum(r, "a", "CallsMade.b"), p = 0.3;
    double se = sqrt(p * (1 - p) / n);
    g_test_message("share called: %.5f of %.0f (4 SE = %.5f)", made / n, n, 4 * se);
    g_assert_cmpfloat(fabs(made / n - p), <=, 4 * se);
    g_assert_cmpfloat(test_sum(r, "b", "Requests"), ==, made);
    test_run_free(r);
}

/* A call that always times out (30 ms of work, a 20-ms timeout), with
 * retries: every call makes 1 + max attempts, each cut at the timeout,
 * with the backoff between them, and then fails the request.  The call
 * takes 20 + 10 (the first retry's wait, no jitter) + 20 + 20 + 20 = 90 ms,
 * every time. */
static void test_timeout_retries(void)
{
    char *text = g_strdup_printf(exact_template,
                                 "[{target: c, timeout: 20ms, retries: {max: 2, base: 10ms, cap: 1s, jitter: none}}]");
    TestRun *r = test_run_text(text, NULL);
    double requests = test_sum(r, "a", "Requests");
    g_assert_cmpfloat(requests, >, 90);
    g_assert_cmpfloat(test_sum(r, "a", "CallsMade.c"), ==, test_sum(r, "a", "Failed"));
    g_assert_cmpfloat(test_sum(r, "a", "CallRetries.c"), ==, 2 * test_sum(r, "a", "CallsMade.c"));
    g_assert_cmpfloat(test_sum(r, "a", "CallFailures.c"), ==, test_sum(r, "a", "CallsMade.c"));
    g_assert_cmpfloat(test_sum(r, "users", "Failed"), ==, test_sum(r, "a", "Failed"));
    /* c got every attempt (the last ones of the run may still be out). */
    g_assert_cmpfloat(test_sum(r, "c", "Requests"), >=, 3 * test_sum(r, "a", "CallsMade.c") - 3);
    g_assert_cmpfloat(latency_ms(r, "a", "CallLatency.c", FALSE), ==, 90.0);
    g_assert_cmpfloat(latency_ms(r, "a", "CallLatency.c", TRUE), ==, 90.0);
    test_run_free(r);
    g_free(text);
    /* A timeout longer than the call: no retry, no failure. */
    text = g_strdup_printf(exact_template, "[{target: c, timeout: 40ms, retries: {max: 2}}]");
    r = test_run_text(text, NULL);
    g_assert_cmpfloat(test_sum(r, "a", "CallRetries.c"), ==, 0);
    g_assert_cmpfloat(test_sum(r, "a", "Failed"), ==, 0);
    g_assert_cmpfloat(latency_ms(r, "a", "Latency", TRUE), ==, 35.0);
    test_run_free(r);
    g_free(text);
}

/* Late answers to timed-out attempts are dropped (calls.c, replied):
 * nothing of one reaches its CallOut, which waits on a retry or is back in
 * the pool and perhaps another call's.  Batches of 25 one-KB items
 * (BatchWriteItem) to a 10-WCU table (no burst, no adaptive capacity) that
 * answers after a constant latency longer than the 100-ms timeout, so every
 * attempt times out and its answer comes late.  The caller never hears how
 * much of a batch was done, so every attempt carries the whole batch; a
 * late answer read into a CallOut would leave its unprocessed items there
 * for the next retry to carry instead. */
static const char late_template[] =
    "name: late\nduration: 10s\nsample_interval: 1s\n"
    "workloads:\n  - {name: users, target: a, arrival: {process: constant, schedule: %s}}\n"
    "components:\n"
    "  - {name: a, type: service, service_time: 1ms, calls: [{target: orders, operation: BatchWriteItem, "
    "items: 25, size: 1KB, timeout: 100ms, retries: %s}]}\n"
    "  - name: orders\n    type: dynamodb\n    read_capacity: 10\n    write_capacity: 10\n"
    "    burst_capacity: false\n    adaptive_capacity: false\n    latency: {dist: constant, value: %s}\n";

static TestRun *late_run(const char *schedule, const char *retries, const char *latency)
{
    char *text = g_strdup_printf(late_template, schedule, retries, latency);
    TestRun *r = test_run_text(text, NULL);
    g_free(text);
    return r;
}

/* The CallOut waits on a retry.  One call (at 1 s), answered after 300 ms:
 * each attempt is cut at 100 ms and retried after 1 s, then 2 s, and its
 * answer — 10 items served, 15 unprocessed — comes 200 ms after its
 * timeout, before the retry is sent.  The table sees 3 attempts of 25
 * items, serves 10 of each (its bucket full again each time) and leaves
 * 15 of each, 45 in all.  Were the first late answer read, its 15 would
 * stand in the CallOut when the second retry is made (the first was made
 * at the first timeout, before it came): that retry would carry 15 items,
 * 10 served and 5 left, 35 in all. */
static void test_late_answer_retry(void)
{
    TestRun *r = late_run("[[0s, 1/s], [1s, 1/s], [1.0001s, 0/s]]", "{max: 2, base: 1s, cap: 10s, jitter: none}",
                          "300ms");
    g_assert_cmpfloat(test_sum(r, "users", "Requests"), ==, 1);
    g_assert_cmpfloat(test_sum(r, "a", "CallsMade.orders"), ==, 1);
    g_assert_cmpfloat(test_sum(r, "a", "CallRetries.orders"), ==, 2);
    g_assert_cmpfloat(test_sum(r, "a", "CallFailures.orders"), ==, 1);   /* the last attempt timed out too */
    g_assert_cmpfloat(test_sum(r, "users", "Failed"), ==, 1);
    g_assert_cmpfloat(test_sum(r, "orders", "Requests"), ==, 3);
    g_assert_cmpfloat(test_sum(r, "orders", "ConsumedWriteCapacityUnits"), ==, 3 * 10);
    g_assert_cmpfloat(test_sum(r, "orders", "UnprocessedItems"), ==, 3 * 15);
    test_run_free(r);
}

/* The CallOut is another call's.  Two calls, at 0.8 and 1.6 s, answered
 * after 250 ms, one retry each after 500 ms.  The first call's retry
 * (sent at 1.401 s) times out at 1.501 s and the call fails, its CallOut
 * back in the pool; the second call takes it at 1.601 s, and the retry's
 * late answer (at 1.651 s, items unprocessed) comes before the second
 * call's first attempt times out (1.701 s) and is retried.  Every one of
 * the 4 attempts carries 25 items, each served or refused (one
 * WriteThrottleEvent a refused item): 100 in all (24 served: 10, 6, 2, 6
 * as the bucket refills).  Were the late answer read into the second
 * call's CallOut, its retry would carry the first call's retry's 19
 * unprocessed items instead: 94 in all. */
static void test_late_answer_other_call(void)
{
    TestRun *r = late_run("[[0s, 1.25/s], [1.6s, 1.25/s], [1.6001s, 0/s]]", "{max: 1, base: 500ms, jitter: none}",
                          "250ms");
    g_assert_cmpfloat(test_sum(r, "users", "Requests"), ==, 2);
    g_assert_cmpfloat(test_sum(r, "a", "CallsMade.orders"), ==, 2);
    g_assert_cmpfloat(test_sum(r, "a", "CallRetries.orders"), ==, 2);
    g_assert_cmpfloat(test_sum(r, "a", "CallFailures.orders"), ==, 2);
    g_assert_cmpfloat(test_sum(r, "orders", "Requests"), ==, 4);
    double served = test_sum(r, "orders", "ConsumedWriteCapacityUnits");
    double refused = test_sum(r, "orders", "WriteThrottleEvents");
    g_test_message("items served %.0f, refused %.0f, unprocessed %.0f", served, refused,
                   test_sum(r, "orders", "UnprocessedItems"));
    g_assert_cmpfloat(served + refused, ==, 4 * 25);
    /* No batch refused whole: each answered OK, its refused items unprocessed. */
    g_assert_cmpfloat(test_sum(r, "orders", "UnprocessedItems"), ==, refused);
    test_run_free(r);
}

/* A Lambda timeout cuts the whole handler, calls included: 100 ms of its
 * own, then a call that takes 2 s; the 1-s timeout ends it at exactly 1 s,
 * a function error, billed 1,000 ms; the callee still does the work. */
static void test_lambda_timeout_cuts_calls(void)
{
    TestRun *r = test_run_text("name: lt\nduration: 20s\nsample_interval: 1s\n"
                               "workloads:\n  - {name: users, target: fn, arrival: {process: constant, rate: 2/s}}\n"
                               "components:\n"
                               "  - name: fn\n    type: lambda\n    timeout: 1s\n"
                               "    duration: {dist: constant, value: 100ms}\n"
                               "    cold_start: {dist: constant, value: 200ms}\n"
                               "    calls: [{target: slow}]\n"
                               "  - {name: slow, type: service, workers: 100, service_time: 2s}\n",
                               NULL);
    double inv = test_sum(r, "fn", "Invocations");
    g_assert_cmpfloat(inv, >, 30);
    g_assert_cmpfloat(test_sum(r, "fn", "Timeouts"), ==, inv - 2);   /* the last two still run at the end */
    g_assert_cmpfloat(test_sum(r, "fn", "Errors"), ==, test_sum(r, "fn", "Timeouts"));
    g_assert_cmpfloat(latency_ms(r, "fn", "Duration", FALSE), ==, 1000.0);
    g_assert_cmpfloat(latency_ms(r, "fn", "Duration", TRUE), ==, 1000.0);
    g_assert_cmpfloat(test_sum(r, "users", "Failed"), ==, test_sum(r, "fn", "Errors"));
    g_assert_cmpfloat(test_sum(r, "slow", "Completed"), >, 30);
    test_run_free(r);
}

/* A failed sync call fails the request (a 5xx); a refused async one is
 * only counted.  The queue is down from 2 s to 6 s. */
static void test_failures(void)
{
    TestRun *r = test_run_text("name: f\nduration: 10s\nsample_interval: 1s\n"
                               "workloads:\n  - {name: users, target: a, arrival: {process: constant, rate: 10/s}}\n"
                               "components:\n"
                               "  - {name: a, type: service, workers: 10, service_time: 1ms, "
                               "calls: [{target: q, mode: async}, {target: down}]}\n"
                               "  - {name: q, type: sqs}\n"
                               "  - {name: down, type: service, service_time: 1ms}\n"
                               "faults:\n  - {at: 2s, kind: outage, component: q, duration: 4s}\n"
                               "  - {at: 5s, kind: outage, component: down, duration: 1s}\n",
                               NULL);
    g_assert_cmpfloat(test_sum(r, "a", "CallFailures.q"), ==, 40);
    g_assert_cmpfloat(test_sum(r, "a", "CallFailures.down"), ==, 10);
    g_assert_cmpfloat(test_sum(r, "a", "Failed"), ==, 10);
    g_assert_cmpfloat(test_sum(r, "users", "Failed"), ==, 10);
    g_assert_cmpfloat(test_sum(r, "q", "NumberOfMessagesSent"), ==, test_sum(r, "a", "Requests") - 40);
    test_run_free(r);
}

/* The commonest list, one plain sync call, takes a path of its own in
 * calls.c; a timeout that never fires (1 h, past the run's end) sends the
 * same call down the general path.  Both must give the same numbers, with
 * the callee refusing (a short queue), down for a while, and the caller
 * down while requests wait on their calls. */
static void test_single_path_equals_general(void)
{
    static const char template[] =
        "name: sg\nduration: 60s\nseed: 17\nsample_interval: 5s\n"
        "workloads:\n  - {name: users, target: a, arrival: {process: poisson, rate: 300/s}}\n"
        "components:\n"
        "  - {name: a, type: service, workers: 8, service_time: {dist: exponential, mean: 4ms}, calls: %s}\n"
        "  - {name: b, type: service, workers: 2, queue_limit: 3, "
        "service_time: {dist: exponential, mean: 6ms}}\n"
        "faults:\n  - {at: 20s, kind: outage, component: b, duration: 5s}\n"
        "  - {at: 40s, kind: outage, component: a, duration: 2s}\n";
    static const char *const counts[][2] = {{"a", "CallsMade.b"}, {"a", "CallFailures.b"}, {"a", "Failed"},
                                            {"a", "Completed"},   {"users", "Succeeded"}, {"users", "Failed"}};
    static const char *const latencies[] = {"Latency", "CallLatency.b"};
    char *single = g_strdup_printf(template, "[{target: b}]");
    char *general = g_strdup_printf(template, "[{target: b, timeout: 1h}]");
    TestRun *r1 = test_run_text(single, NULL), *r2 = test_run_text(general, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(counts); i++)
        g_assert_cmpfloat(test_sum(r1, counts[i][0], counts[i][1]), ==, test_sum(r2, counts[i][0], counts[i][1]));
    for (guint i = 0; i < G_N_ELEMENTS(latencies); i++) {
        CirrusMetricSummary m1 = test_summary(r1, "a", latencies[i]), m2 = test_summary(r2, "a", latencies[i]);
        g_assert_cmpuint(m1.latency->count, ==, m2.latency->count);
        g_assert_cmpfloat(m1.latency->sum, ==, m2.latency->sum);
        g_assert_cmpint(m1.latency->max, ==, m2.latency->max);
    }
    g_assert_cmpfloat(test_sum(r1, "a", "CallFailures.b"), >, 100);   /* refusals and the outage */
    g_assert_cmpfloat(test_sum(r1, "a", "Failed"), >, test_sum(r1, "a", "CallFailures.b"));   /* and a's own */
    test_run_free(r1);
    test_run_free(r2);
    g_free(single);
    g_free(general);
}

/* An Auto Scaling group's instance that dies while its requests wait on
 * their calls fails them, even when the call was their last step: three
 * requests (at 1, 2 and 3 s) are in their 5-s call when the instance fails
 * at 3.5 s; later ones find no instance (Rejected, not Failed). */
static void test_asg_instance_dies_in_calls(void)
{
    TestRun *r = test_run_text("name: die\nduration: 9s\nsample_interval: 1s\n"
                               "workloads:\n  - {name: users, target: web, arrival: {process: constant, rate: 1/s}}\n"
                               "components:\n"
                               "  - name: web\n    type: asg\n"
                               "    instance: {workers: 8, service_time: 10ms, calls: [{target: slow}]}\n"
                               "  - {name: slow, type: service, workers: 10, service_time: 5s}\n"
                               "faults:\n  - {at: 3500ms, kind: instance_failure, component: web, count: 1}\n",
                               NULL);
    g_assert_cmpfloat(test_sum(r, "web", "Failed"), ==, 3);
    g_assert_cmpfloat(test_sum(r, "slow", "Completed"), ==, 3);   /* the calls themselves still ran */
    test_run_free(r);
}

/* Instances that consume a queue make their calls for each message: a
 * message whose call fails is not deleted and comes back after the
 * visibility timeout.  The database is down from 20 to 30 s. */
static void test_consumer_calls(void)
{
    TestRun *r = test_run_text("name: cc\nduration: 2m\nsample_interval: 1s\n"
                               "workloads:\n  - {name: producer, target: q, arrival: {process: constant, rate: 10/s}}\n"
                               "components:\n"
                               "  - {name: q, type: sqs, visibility_timeout: 5s, receive_wait: 20s}\n"
                               "  - name: workers\n    type: asg\n"
                               "    instance: {workers: 2, service_time: 10ms, consumes: {source: q}, "
                               "calls: [{target: db}]}\n"
                               "  - {name: db, type: service, workers: 10, service_time: 20ms}\n"
                               "faults:\n  - {at: 20s, kind: outage, component: db, duration: 10s}\n",
                               NULL);
    double made = test_sum(r, "workers", "CallsMade.db"), failed = test_sum(r, "workers", "CallFailures.db");
    g_assert_cmpfloat(failed, >, 90);
    g_assert_cmpfloat(failed, ==, test_sum(r, "workers", "MessagesAbandoned"));
    g_assert_cmpfloat(made - failed, ==, test_sum(r, "workers", "MessagesProcessed"));
    g_assert_cmpfloat(test_sum(r, "q", "NumberOfMessagesDeleted"), ==, test_sum(r, "workers", "MessagesProcessed"));
    /* Every message sent was processed in the end (but those of the last
     * moments), some after a second receive. */
    g_assert_cmpfloat(test_sum(r, "q", "NumberOfMessagesSent") - test_sum(r, "workers", "MessagesProcessed"), <=, 2);
    g_assert_cmpfloat(test_sum(r, "q", "ApproximateNumberOfMessagesNotVisible"), >=, 0);
    test_run_free(r);
}

/* ---- bad input --------------------------------------------------------------------- */

static const char bad_template[] =
    "name: bad\nduration: 1m\n"
    "workloads:\n  - {name: users, target: a, arrival: {process: poisson, rate: 1/s}}\n"
    "components:\n"
    "  - {name: a, type: service, service_time: 1ms, calls: %s}\n"
    "  - {name: orders, type: sqs}\n"
    "  - {name: db, type: service, service_time: 1ms}\n"
    "  - {name: fn, type: lambda, duration: 1ms, calls: [{target: a}]}\n"
    "  - {name: kv, type: elasticache, node_type: cache.t3.micro, keys: {count: 1000}}\n";

static void bad(const char *calls, const char *where, const char *what)
{
    char *text = g_strdup_printf(bad_template, calls);
    test_assert_scenario_error(text, NULL, where, what);
    g_free(text);
}

static void test_bad_input(void)
{
    bad("[{target: orders, operation: GetItem}]", "bad.yaml:6:",
        "'calls' target 'orders' is an sqs queue: it takes operation SendMessage or SendMessageBatch, not GetItem");
    bad("[{target: db, items: 3}]", "bad.yaml:6:", "'calls' target 'db' is a service: it takes no 'items'");
    bad("[{target: db, probability: 1.5}]", "bad.yaml:6:", "'probability' must be between 0 and 1");
    bad("[{parallel: [{target: db}, {parallel: [{target: orders}]}]}]", "bad.yaml:6:",
        "a parallel group cannot hold another");
    bad("[{parallel: []}]", "bad.yaml:6:", "a parallel group holds 1 to 16 calls");
    bad("[{target: fn}]", "bad.yaml:", "sync calls form a cycle: a -> fn -> a");
    /* Cache calls: to a cache, with a miss list of components. */
    bad("[{cache: db, on_miss: [{target: orders}]}]", "bad.yaml:6:", "'cache' 'db' is a service");
    bad("[{cache: kv, on_miss: [{target: nowhere}]}]", "bad.yaml:6:", "unknown component 'nowhere'");
    bad("[{cache: kv, on_miss: []}]", "bad.yaml:6:", "'on_miss' needs at least one call");
    bad("[{cache: kv, on_miss: [{target: db}], writes: 0.2}]", "bad.yaml:6:", "'writes' needs 'on_write'");
    bad("[{cache: kv, on_miss: [{target: db}], write: through}]", "bad.yaml:6:", "give 'writes' and 'on_write'");
    bad("[{cache: kv, on_miss: [{target: db}], write: throug, writes: 0.1, on_write: [{target: db}]}]", "bad.yaml:6:",
        "did you mean 'through'?");
    bad("[{parallel: [{target: db}, {cache: kv, on_miss: [{target: db}]}]}]", "bad.yaml:6:",
        "a cache call is a step of its own");
    bad("[{cache: kv, on_miss: [{target: db}], keys: {count: 5000}}]", "bad.yaml:6:",
        "must be among the cache's (count 1000)");
    bad("[{target: orders, mode: async, retries: {max: 2}}]", "bad.yaml:6:", "'retries' applies to sync calls");
    bad("[{target: users}]", "bad.yaml:6:", "a service cannot call 'users'");
    bad("[{target: a}]", "bad.yaml:6:", "a service cannot call 'a'");
    bad("[{target: db, probablity: 0.5}]", "bad.yaml:6:", "did you mean 'probability'?");
    bad("[{target: nowhere}]", "bad.yaml:6:", "unknown component 'nowhere'");
    /* A workload's request keys are its target's too. */
    test_assert_scenario_error("name: bad\nduration: 1m\nworkloads:\n"
                               "  - {name: u, target: db, request: {messages: 3}, arrival: {process: poisson, rate: 1/s}}\n"
                               "components:\n  - {name: db, type: service, service_time: 1ms}\n",
                               NULL, "bad.yaml:4:", "target 'db' is a service: it takes no 'messages'");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/models/calls/lambda-mmc", test_lambda_mmc);
    g_test_add_func("/models/calls/tandem-async", test_tandem_async);
    g_test_add_func("/models/calls/sync-pollaczek-khinchine", test_sync_pollaczek_khinchine);
    g_test_add_func("/models/calls/parallel-exact", test_parallel_exact);
    g_test_add_func("/models/calls/probability", test_probability);
    g_test_add_func("/models/calls/timeout-retries", test_timeout_retries);
    g_test_add_func("/models/calls/late-answer/retry", test_late_answer_retry);
    g_test_add_func("/models/calls/late-answer/other-call", test_late_answer_other_call);
    g_test_add_func("/models/calls/lambda-timeout", test_lambda_timeout_cuts_calls);
    g_test_add_func("/models/calls/failures", test_failures);
    g_test_add_func("/models/calls/single-path-equals-general", test_single_path_equals_general);
    g_test_add_func("/models/calls/asg-instance-dies", test_asg_instance_dies_in_calls);
    g_test_add_func("/models/calls/consumer", test_consumer_calls);
    g_test_add_func("/models/calls/bad-input", test_bad_input);
    return g_test_run();
}
