/* cirrus — a Lambda function's Kinesis event source mapping against
 * numbers: one batch per shard at a time (times the parallelization
 * factor), so a slow function's concurrency is exactly shards x factor;
 * every record read once, shared or enhanced fan-out; a failing batch
 * retried max_retries times then dropped, or blocking its shard until its
 * records pass max_record_age (the iterator age shows it); Little's law
 * for the mean concurrency. */
#include "testutil.h"

/* A producer into a 4-shard stream, the function reading it. */
static TestRun *run_stream(const char *duration, const char *arrival, const char *fn, const char *es)
{
    char *text = g_strdup_printf(
        "name: kes\nduration: %s\nsample_interval: 60s\nseed: 5\n"
        "workloads: [{name: p, target: s, invocation: async, arrival: %s}]\n"
        "components:\n"
        "  - {name: s, type: kinesis, shards: 4, partition_keys: {count: 1000}}\n"
        "  - {name: fn, type: lambda, cold_start: 0s%s, event_source: {source: s, starting_position: trim_horizon%s}}\n",
        duration, arrival, fn, es);
    TestRun *r = test_run_text(text, NULL);
    g_free(text);
    return r;
}

/* A function too slow for the stream: each shard always has a batch in
 * flight, so the concurrency peaks at exactly 4 shards x factor. */
static void test_concurrency_is_shards_times_factor(void)
{
    for (int factor = 1; factor <= 3; factor += 2) {
        char *es = g_strdup_printf(", batch_size: 10, parallelization_factor: %d", factor);
        TestRun *r = run_stream("5m", "{process: poisson, rate: 2000/s}", ", duration: 1s", es);
        double peak = test_summary(r, "fn", "ConcurrentExecutions").max;
        g_test_message("factor %d: peak concurrency %.0f", factor, peak);
        g_assert_cmpfloat(peak, ==, 4 * factor);
        g_assert_cmpfloat(test_sum(r, "fn", "Throttles"), ==, 0);
        test_run_free(r);
        g_free(es);
    }
}

/* Enough capacity: every record is read and invoked once; Little's law for
 * the mean concurrency (constant duration), up to the invocations the end
 * of the run cuts. */
static void test_reads_everything(void)
{
    for (int enhanced = 0; enhanced <= 1; enhanced++) {
        TestRun *r = run_stream("10m", "{process: poisson, rate: 500/s}", ", duration: 50ms",
                                enhanced ? ", fan_out: enhanced" : "");
        double in = test_sum(r, "s", "IncomingRecords"), polled = test_sum(r, "fn", "PolledEventCount");
        double inv = test_sum(r, "fn", "Invocations"), T = 600;
        g_test_message("%s: %.0f records in, %.0f read, %.0f invocations", enhanced ? "enhanced" : "shared", in,
                       polled, inv);
        g_assert_cmpfloat(in - polled, <=, 500 * 1.1);   /* at most the last second's records unread */
        g_assert_cmpfloat(test_sum(r, "fn", "InvokedEventCount"), <=, polled);
        g_assert_cmpfloat(polled - test_sum(r, "fn", "InvokedEventCount"), <=, 500 * 1.1);
        double mean = test_summary(r, "fn", "ConcurrentExecutions").mean;
        g_assert_cmpfloat(fabs(mean - inv / T * 0.05), <=, 4 * 0.05 / T + 1e-9);
        test_run_free(r);
    }
}

/* Every invocation fails; max_retries 2: each batch is invoked 3 times,
 * then dropped, so every record is invoked exactly 3 times and dropped
 * once. */
static void test_max_retries_then_drop(void)
{
    TestRun *r = run_stream("10m", "{process: constant, schedule: [[0s, 200/s], [2m, 200/s], [2m, 0/s]]}",
                            ", duration: 10ms, failure_rate: 1.0", ", max_retries: 2");
    double in = test_sum(r, "s", "IncomingRecords");
    g_assert_cmpfloat(in, ==, 24000);
    g_assert_cmpfloat(test_sum(r, "fn", "DroppedEventCount"), ==, in);
    g_assert_cmpfloat(test_sum(r, "fn", "InvokedEventCount"), ==, 3 * in);
    g_assert_cmpfloat(test_sum(r, "fn", "FailedInvokeEventCount"), ==, 3 * in);
    g_assert_cmpfloat(fmod(test_sum(r, "fn", "Invocations"), 3), ==, 0);
    test_run_free(r);
}

/* Every invocation fails, retries unlimited, max_record_age 60 s: a batch
 * blocks its shard, retried once a second until its oldest record is older
 * than 60 s.  IteratorAge is the age of a batch's last record: a batch of
 * 100 at 25 records/s per shard spans 4 s, so the peak lies between
 * 60 - 4 s and 60 s + a retry interval + a poll. */
static void test_blocked_until_record_age(void)
{
    TestRun *r = run_stream("10m", "{process: poisson, rate: 100/s}", ", duration: 10ms, failure_rate: 1.0",
                            ", max_record_age: 60s");
    double age_ms = test_summary(r, "fn", "IteratorAge").max;
    g_test_message("IteratorAge peak %.0f ms", age_ms);
    g_assert_cmpfloat(age_ms, >=, 56000);
    g_assert_cmpfloat(age_ms, <=, 62000);
    g_assert_cmpfloat(test_sum(r, "fn", "DroppedEventCount"), >, 0);
    g_assert_cmpfloat(test_sum(r, "fn", "DeletedEventCount"), ==, 0);
    test_run_free(r);
}

static void assert_error(const char *body, const char *where, const char *what)
{
    char *text = g_strconcat("name: bad\nduration: 1m\ncomponents:\n"
                             "  - {name: s, type: kinesis, shards: 1}\n"
                             "  - {name: q, type: sqs}\n"
                             "  - name: fn\n    type: lambda\n    duration: 10ms\n", body, NULL);
    test_assert_scenario_error(text, NULL, where, what);
    g_free(text);
}

static void test_config_errors(void)
{
    assert_error("    event_source: {source: s, maximum_concurrency: 5}\n", "bad.yaml:9:", "'maximum_concurrency' applies to SQS sources");
    assert_error("    event_source: {source: q, parallelization_factor: 2}\n", "bad.yaml:9:",
                 "'parallelization_factor' applies to Kinesis sources");
    assert_error("    event_source: {source: s, parallelization_factor: 11}\n", "bad.yaml:9:", "parallelization_factor");
    assert_error("    event_source: {source: s, max_record_age: 30s}\n", "bad.yaml:9:", "max_record_age");
    assert_error("    event_source: {source: s, starting_position: oldest}\n", "bad.yaml:9:", "latest, trim_horizon");
    assert_error("    event_source: {source: s, on_failure: nowhere}\n", "bad.yaml:9:", "nowhere");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/models/lambda/esm-stream/concurrency-is-shards-times-factor",
                    test_concurrency_is_shards_times_factor);
    g_test_add_func("/models/lambda/esm-stream/reads-everything", test_reads_everything);
    g_test_add_func("/models/lambda/esm-stream/max-retries-then-drop", test_max_retries_then_drop);
    g_test_add_func("/models/lambda/esm-stream/blocked-until-record-age", test_blocked_until_record_age);
    g_test_add_func("/models/lambda/esm-stream/config-errors", test_config_errors);
    return g_test_run();
}
