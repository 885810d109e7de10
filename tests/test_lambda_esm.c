/* cirrus — a Lambda function's SQS event source mapping against numbers.
 *
 * Producers send at constant rates (or a step schedule: a burst, then
 * nothing) and the function's duration is constant, so that counts are
 * asserted exactly: every message is deleted once on success; a failing
 * function receives each message max_receive_count times before the
 * queue's redrive moves it to the dead-letter queue; a batching window
 * gathers rate x window messages; the pollers start at five and add 300
 * in a minute with a backlog.  Little's law ties the function's mean
 * concurrency to its invocation rate and duration. */
#include "testutil.h"

static TestRun *run_pipeline_dlq(const char *duration, const char *arrival, int receives, const char *queue,
                                 const char *fn, const char *es)
{
    char *text = g_strdup_printf(
        "name: esm\nduration: %s\nsample_interval: 60s\nseed: 3\n"
        "workloads: [{name: p, target: q, invocation: async, arrival: %s}]\n"
        "components:\n"
        "  - {name: q, type: sqs, dlq: {target: dlq, max_receive_count: %d}%s}\n"
        "  - {name: dlq, type: sqs}\n"
        "  - {name: fn, type: lambda, cold_start: 0s%s, event_source: {source: q%s}}\n",
        duration, arrival, receives, queue, fn, es);
    TestRun *r = test_run_text(text, NULL);
    g_free(text);
    return r;
}

/* A producer, a queue with a DLQ after 3 receives (and the extra keys
 * `queue`), and a function reading it; `fn` and `es` are the function's
 * extra keys and its event_source's. */
static TestRun *run_pipeline(const char *duration, const char *arrival, const char *queue, const char *fn,
                             const char *es)
{
    return run_pipeline_dlq(duration, arrival, 3, queue, fn, es);
}

/* Every message sent is polled, invoked and deleted exactly once; none is
 * left but the few still in flight at the end; the mean concurrency is
 * the invocation rate times the duration (Little's law), up to the
 * invocations cut by the end of the run. */
static void test_delivers_everything(void)
{
    TestRun *r = run_pipeline("20m", "{process: constant, rate: 50/s}", "",
                              ", duration: 200ms", ", batch_size: 10");
    double sent = test_sum(r, "q", "NumberOfMessagesSent"), deleted = test_sum(r, "fn", "DeletedEventCount");
    double polled = test_sum(r, "fn", "PolledEventCount"), inv = test_sum(r, "fn", "Invocations");
    g_test_message("sent %.0f polled %.0f deleted %.0f invocations %.0f", sent, polled, deleted, inv);
    g_assert_cmpfloat(sent, ==, 20 * 60 * 50);
    g_assert_cmpfloat(polled, ==, test_sum(r, "fn", "InvokedEventCount"));
    g_assert_cmpfloat(deleted, ==, test_sum(r, "q", "NumberOfMessagesDeleted"));
    g_assert_cmpfloat(test_sum(r, "q", "DuplicateDeliveries"), ==, 0);
    g_assert_cmpfloat(test_sum(r, "fn", "FailedInvokeEventCount"), ==, 0);
    g_assert_cmpfloat(sent - deleted, <=, 50 * 0.2 + 10);   /* what one duration's arrivals can hold */
    /* Little's law, L = lambda W: the last invocation may be cut by the end,
     * so the two differ by at most one duration's worth of invocations. */
    double mean = test_summary(r, "fn", "ConcurrentExecutions").mean, T = 20 * 60;
    double little = inv / T * 0.2;
    g_test_message("mean concurrency %.4f vs rate x duration %.4f", mean, little);
    g_assert_cmpfloat(fabs(mean - little), <=, 50 * 0.2 * 0.2 / T + 1e-9);
    test_run_free(r);
}

/* A function that always fails: each message is received 3 times
 * (max_receive_count), the visibility timeout (30 s) apart, then moved to
 * the DLQ by the queue; nothing is deleted. */
static void test_failed_batches_redrive(void)
{
    TestRun *r = run_pipeline("20m", "{process: constant, schedule: [[0s, 1/s], [5m, 1/s], [5m, 0/s]]}", "",
                              ", duration: 100ms, failure_rate: 1.0", ", batch_size: 1");
    double sent = test_sum(r, "q", "NumberOfMessagesSent");
    g_assert_cmpfloat(sent, ==, 300);
    g_assert_cmpfloat(test_sum(r, "fn", "Invocations"), ==, 3 * sent);
    g_assert_cmpfloat(test_sum(r, "fn", "Errors"), ==, 3 * sent);
    g_assert_cmpfloat(test_sum(r, "q", "DuplicateDeliveries"), ==, 2 * sent);
    g_assert_cmpfloat(test_sum(r, "q", "MessagesMovedToDLQ"), ==, sent);
    g_assert_cmpfloat(test_sum(r, "dlq", "MessagesMovedIn"), ==, sent);
    g_assert_cmpfloat(test_sum(r, "fn", "DeletedEventCount"), ==, 0);
    /* Received at t, t + 30 s and t + 60 s (visible again each time the
     * timeout ends): the last of the 300, sent at 300 s, fails for good at
     * 360.1 s, so the invocations end in the 7th minute. */
    g_assert_cmpfloat(test_component_value(r, 5, "fn", "Invocations"), >, 0);
    g_assert_cmpfloat(test_component_value(r, 6, "fn", "Invocations"), >, 0);
    g_assert_cmpfloat(test_component_value(r, 7, "fn", "Invocations"), ==, 0);
    test_run_free(r);
}

/* batch_size 100 with a 5 s window at 10 messages/s and one poller: each
 * batch is what arrives in one window, 50 messages (49 to 51 with the
 * edges).  (With several pollers gathering at once the messages are
 * shared among them, as SQS answers whichever long poll waits first.) */
static void test_batching_window(void)
{
    TestRun *r = run_pipeline("30m", "{process: constant, rate: 10/s}", "", ", duration: 10ms",
                              ", batch_size: 100, batching_window: 5s, scaling: {initial: 1}");
    double per_batch = test_sum(r, "fn", "InvokedEventCount") / test_sum(r, "fn", "Invocations");
    g_test_message("messages per invocation %.3f", per_batch);
    g_assert_cmpfloat(per_batch, >=, 49);
    g_assert_cmpfloat(per_batch, <=, 51);
    test_run_free(r);
}

/* A backlog of 100,000 messages (10,000/s for 10 s) and 1 s batches of 10:
 * five pollers in the first minute, 305 in the second (AWS: five to
 * start, up to 300 more per minute while messages are available); all
 * messages are processed. */
static void test_poller_scaling(void)
{
    TestRun *r = run_pipeline("10m", "{process: constant, schedule: [[0s, 10000/s], [10s, 10000/s], [10s, 0/s]]}",
                              ", visibility_timeout: 5m", ", duration: 1s", ", batch_size: 10");
    g_assert_cmpfloat(test_component_value(r, 0, "fn", "EventSourcePollers.max"), ==, 5);
    g_assert_cmpfloat(test_component_value(r, 1, "fn", "EventSourcePollers.max"), ==, 305);
    g_assert_cmpfloat(test_component_value(r, 2, "fn", "EventSourcePollers.max"), <=, 305);
    /* Minute 1: 5 pollers x 60 batches of 10. */
    g_assert_cmpfloat(fabs(test_component_value(r, 0, "fn", "PolledEventCount") - 5 * 60 * 10), <=, 5 * 10);
    g_assert_cmpfloat(test_sum(r, "fn", "DeletedEventCount"), ==, 100000);
    g_assert_cmpfloat(test_component_value(r, 9, "fn", "EventSourcePollers"), ==, 5);   /* back to five */
    test_run_free(r);
}

/* Little backlog, little scale-up: 30 messages/s of 0.5 s each need 15
 * concurrent on average (Little's law), and an M/G/infinity peak within a
 * minute mostly stays under 15 + 5 sqrt(15) = 34.4.  After the start-up
 * backlog has gone, the pollers settle at a quarter above the minute's
 * peak: between 15 and 1.25 x 34.4 = 43 — not at arrival rate x 20 s of
 * long polling (600), as they would if any non-empty receive counted as
 * "messages available".  A rarer burst above the pollers leaves a backlog
 * for a moment, and that minute AWS's rule adds up to 300 pollers; the
 * next minute's peak brings them back.  So: at least 90% of the minutes
 * in [15, 43], none above 43 + 300 (one step, never two in a row), and
 * the last minute back in [15, 43]. */
static void test_pollers_follow_need(void)
{
    TestRun *r = run_pipeline("30m", "{process: poisson, rate: 30/s}", "",
                              ", duration: 500ms, reserved_concurrency: 100", ", batch_size: 1");
    guint inside = 0, rows = 0;
    double last = 0;
    for (guint row = 10; row < test_n_rows(r); row++, rows++) {
        double pollers = test_component_value(r, row, "fn", "EventSourcePollers.max");
        g_assert_cmpfloat(pollers, >=, 15);
        g_assert_cmpfloat(pollers, <=, 43 + 300);
        if (pollers <= 43) inside++;
        last = pollers;
    }
    g_test_message("pollers in [15, 43] in %u of %u minutes", inside, rows);
    g_assert_cmpuint(inside * 10, >=, rows * 9);
    g_assert_cmpfloat(last, <=, 43);
    test_run_free(r);
}

/* More pollers than the function's reserved concurrency: invocations are
 * throttled and their messages come back; with max_receive_count 1 each
 * throttled message goes to the DLQ on its next receive, so the DLQ gets
 * exactly one message per throttle (batches of 1).  maximum_concurrency at
 * the reservation keeps every message. */
static void test_throttles_and_maximum_concurrency(void)
{
    const char *arrival = "{process: constant, schedule: [[0s, 200/s], [3m, 200/s], [3m, 0/s]]}";
    TestRun *r = run_pipeline_dlq("20m", arrival, 1, ", visibility_timeout: 10s",
                                  ", duration: 500ms, reserved_concurrency: 20", ", batch_size: 1");
    double throttles = test_sum(r, "fn", "Throttles"), moved = test_sum(r, "q", "MessagesMovedToDLQ");
    g_test_message("without maximum_concurrency: %.0f throttles, %.0f to the DLQ", throttles, moved);
    g_assert_cmpfloat(throttles, >, 0);
    g_assert_cmpfloat(moved, ==, throttles);
    g_assert_cmpfloat(test_sum(r, "fn", "DeletedEventCount") + moved, ==, 36000);
    test_run_free(r);
    r = run_pipeline_dlq("20m", arrival, 1, ", visibility_timeout: 10s",
                         ", duration: 500ms, reserved_concurrency: 20", ", batch_size: 1, maximum_concurrency: 20");
    g_assert_cmpfloat(test_sum(r, "fn", "Throttles"), ==, 0);
    g_assert_cmpfloat(test_sum(r, "q", "MessagesMovedToDLQ"), ==, 0);
    g_assert_cmpfloat(test_sum(r, "fn", "DeletedEventCount"), ==, 36000);
    g_assert_cmpfloat(test_summary(r, "fn", "EventSourcePollers").max, <=, 20);
    test_run_free(r);
}

/* per_record_duration: a full batch of 10 takes 10 x 20 ms. */
static void test_per_record_duration(void)
{
    TestRun *r = run_pipeline("5m", "{process: constant, schedule: [[0s, 5000/s], [20s, 5000/s], [20s, 0/s]]}",
                              ", visibility_timeout: 5m", ", duration: 20ms",
                              ", batch_size: 10, per_record_duration: true, maximum_concurrency: 5");
    CirrusMetricSummary d = test_summary(r, "fn", "Duration");
    double p50_ms = cirrus_hist_quantile(d.latency, 0.5) / 1e6;
    g_test_message("Duration p50 %.3f ms", p50_ms);
    g_assert_cmpfloat(fabs(p50_ms - 200), <=, 200 * 0.01);   /* the histogram's bound */
    test_run_free(r);
}

static void assert_error(const char *body, const char *where, const char *what)
{
    char *text = g_strconcat("name: bad\nduration: 1m\ncomponents:\n"
                             "  - {name: q, type: sqs, visibility_timeout: 30s}\n"
                             "  - {name: f, type: sqs, fifo: true, visibility_timeout: 60s}\n"
                             "  - {name: s, type: service, workers: 1, service_time: 1ms}\n"
                             "  - name: fn\n    type: lambda\n    duration: 10ms\n", body, NULL);
    test_assert_scenario_error(text, NULL, where, what);
    g_free(text);
}

static void test_config_errors(void)
{
    assert_error("    timeout: 45s\n    event_source: {source: q}\n", "bad.yaml:11:", "visibility timeout of queue 'q' (30 s) is shorter");
    assert_error("    event_source: {source: q, batch_size: 11}\n", "bad.yaml:10:", "batching_window of at least 1s");
    assert_error("    event_source: {source: q, batch_size: 10001, batching_window: 1s}\n", "bad.yaml:10:", "batch_size");
    assert_error("    event_source: {source: f, batch_size: 20, batching_window: 1s}\n", "bad.yaml:10:", "FIFO queue is at most 10");
    assert_error("    event_source: {source: f, batching_window: 1s}\n", "bad.yaml:10:", "batching window for FIFO");
    assert_error("    event_source: {source: s}\n", "bad.yaml:10:", "'s' is a service");
    assert_error("    event_source: {source: nowhere}\n", "bad.yaml:10:", "nowhere");
    assert_error("    event_source: {batch_size: 5}\n", "bad.yaml:10:", "source");
    assert_error("    event_source: {source: q, batch_sise: 5}\n", "bad.yaml:10:", "batch_size");
    assert_error("    event_source: {source: q, maximum_concurrency: 1}\n", "bad.yaml:10:", "maximum_concurrency");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/models/lambda/esm/delivers-everything", test_delivers_everything);
    g_test_add_func("/models/lambda/esm/failed-batches-redrive", test_failed_batches_redrive);
    g_test_add_func("/models/lambda/esm/batching-window", test_batching_window);
    g_test_add_func("/models/lambda/esm/poller-scaling", test_poller_scaling);
    g_test_add_func("/models/lambda/esm/pollers-follow-need", test_pollers_follow_need);
    g_test_add_func("/models/lambda/esm/throttles-and-maximum-concurrency", test_throttles_and_maximum_concurrency);
    g_test_add_func("/models/lambda/esm/per-record-duration", test_per_record_duration);
    g_test_add_func("/models/lambda/esm/config-errors", test_config_errors);
    return g_test_run();
}
