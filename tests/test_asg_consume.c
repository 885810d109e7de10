/* cirrus — Auto Scaling group instances consuming an SQS queue, against
 * numbers: with batches of one and long polling the workers are the
 * servers of an M/M/c queue (Erlang C); a message whose processing outlasts
 * the visibility timeout is delivered twice; short polling an empty queue
 * costs one empty receive per poll_interval, long polling one per 20 s;
 * an instance that fails drops its messages and the queue shows them again
 * after the visibility timeout; a backlog-per-instance policy scales out
 * at its third breaching period. */
#include "testutil.h"

/* Erlang C: the probability that an arrival waits, M/M/c with load a. */
static double erlang_c(int c, double a)
{
    double b = 1.0;
    for (int k = 1; k <= c; k++) b = a * b / (k + a * b);
    return c * b / (c - a * (1 - b));
}

/* 2 instances x 4 workers, batch 1, long polling: M/M/8 with a = 6.  The
 * mean time from SendMessage to the end of processing is
 * W = C(8, 6) / (8 mu - lambda) + 1 / mu.  Tolerance: 4 standard errors of
 * the per-minute means. */
static void test_erlang_c(void)
{
    const char *text =
        "name: mmc\nduration: 6h\nwarmup: 5m\nsample_interval: 60s\nseed: 11\n"
        "workloads: [{name: p, target: q, invocation: async, arrival: {process: poisson, rate: 60/s}}]\n"
        "components:\n"
        "  - {name: q, type: sqs, receive_wait: 20s, visibility_timeout: 5m}\n"
        "  - name: w\n    type: asg\n    detailed_monitoring: true\n    min: 2\n    zones: [a, b]\n"
        "    instance: {workers: 4, service_time: {dist: exponential, mean: 100ms}, consumes: {source: q}}\n";
    TestRun *r = test_run_text(text, NULL);
    double lambda = 60, mu = 10, theory = erlang_c(8, lambda / mu) / (8 * mu - lambda) + 1 / mu;
    double m = 0, v = 0;
    guint n = 0;
    for (guint i = 5; i < test_n_rows(r); i++, n++) m += test_component_value(r, i, "w", "MessageLatency.mean");
    m /= n;
    for (guint i = 5; i < test_n_rows(r); i++) v += pow(test_component_value(r, i, "w", "MessageLatency.mean") - m, 2);
    double se = sqrt(v / (n - 1) / n);
    double sim = cirrus_hist_mean(test_summary(r, "w", "MessageLatency").latency) / 1e9;
    g_test_message("mean sojourn %.5f s vs M/M/8 %.5f s (%+.2f%%), 4 SE = %.2f%%", sim, theory,
                   100 * (sim - theory) / theory, 400 * se / theory);
    g_assert_cmpfloat(4 * se, <, 0.05 * theory);
    g_assert_cmpfloat(fabs(sim - theory), <=, 4 * se);
    g_assert_cmpfloat(test_sum(r, "q", "DuplicateDeliveries"), ==, 0);
    test_run_free(r);
}

/* One message, processing 45 s, visibility timeout 30 s, two workers: the
 * second receives it at 30 s while the first still works on it; the first
 * deletes it at 45 s (an earlier receipt handle still deletes, as AWS
 * documents); the second finishes at 75 s and its delete finds nothing. */
static void test_visibility_timeout_duplicates(void)
{
    const char *text =
        "name: vis\nduration: 3m\nsample_interval: 15s\nseed: 1\n"
        "workloads: [{name: p, target: q, invocation: async,\n"
        "             arrival: {process: constant, schedule: [[0s, 1/s], [1s, 1/s], [1s, 0/s]]}}]\n"
        "components:\n"
        "  - {name: q, type: sqs, receive_wait: 20s, visibility_timeout: 30s}\n"
        "  - name: w\n    type: asg\n    detailed_monitoring: true\n    min: 1\n"
        "    instance: {workers: 2, service_time: 45s, consumes: {source: q}}\n";
    TestRun *r = test_run_text(text, NULL);
    g_assert_cmpfloat(test_sum(r, "q", "NumberOfMessagesSent"), ==, 1);
    g_assert_cmpfloat(test_sum(r, "q", "NumberOfMessagesReceived"), ==, 2);
    g_assert_cmpfloat(test_sum(r, "q", "DuplicateDeliveries"), ==, 1);
    g_assert_cmpfloat(test_sum(r, "w", "MessagesProcessed"), ==, 2);
    /* Rows are 15 s: received in [0,15) and [30,45); processed in [45,60) and [75,90). */
    g_assert_cmpfloat(test_component_value(r, 0, "q", "NumberOfMessagesReceived"), ==, 1);
    g_assert_cmpfloat(test_component_value(r, 2, "q", "NumberOfMessagesReceived"), ==, 1);
    g_assert_cmpfloat(test_component_value(r, 3, "w", "MessagesProcessed"), ==, 1);
    g_assert_cmpfloat(test_component_value(r, 5, "w", "MessagesProcessed"), ==, 1);
    test_run_free(r);
}

/* An empty queue for 10 minutes, one worker: short polling (receive_wait 0)
 * with poll_interval 2 s asks 300 times, long polling (20 s) 30 times. */
static void test_short_vs_long_polling(void)
{
    const char *tmpl =
        "name: polling\nduration: 10m\nsample_interval: 60s\nseed: 1\n"
        "components:\n"
        "  - {name: q, type: sqs, receive_wait: %s}\n"
        "  - name: w\n    type: asg\n    detailed_monitoring: true\n    min: 1\n"
        "    instance: {workers: 1, service_time: 1ms, consumes: {source: q, poll_interval: 2s}}\n";
    char *text = g_strdup_printf(tmpl, "0s");
    TestRun *r = test_run_text(text, NULL);
    g_test_message("short polling: %.0f empty receives", test_sum(r, "q", "NumberOfEmptyReceives"));
    g_assert_cmpfloat(fabs(test_sum(r, "q", "NumberOfEmptyReceives") - 300), <=, 1);
    test_run_free(r);
    g_free(text);
    text = g_strdup_printf(tmpl, "20s");
    r = test_run_text(text, NULL);
    g_test_message("long polling: %.0f empty receives", test_sum(r, "q", "NumberOfEmptyReceives"));
    g_assert_cmpfloat(fabs(test_sum(r, "q", "NumberOfEmptyReceives") - 30), <=, 1);
    test_run_free(r);
    g_free(text);
}

/* About 100 messages at once, one instance of 10 workers taking 20 s each, and
 * the instance dies at 10 s: nothing is deleted by it; the queue shows the
 * 10 messages it held again at 30 s (visibility timeout); the replacement
 * (status check at 60 s, boot 10 s) processes them all in the end. */
static void test_instance_failure_redelivers(void)
{
    const char *text =
        "name: fail\nduration: 20m\nsample_interval: 60s\nseed: 1\n"
        "workloads: [{name: p, target: q, invocation: async,\n"
        "             arrival: {process: constant, schedule: [[0s, 1000/s], [100ms, 1000/s], [100ms, 0/s]]}}]\n"
        "components:\n"
        "  - {name: q, type: sqs, receive_wait: 20s, visibility_timeout: 30s}\n"
        "  - name: w\n    type: asg\n    detailed_monitoring: true\n    min: 1\n"
        "    instance: {workers: 10, service_time: 20s, boot_time: 10s, consumes: {source: q}}\n"
        "faults: [{at: 10s, kind: instance_failure, component: w, count: 1}]\n";
    TestRun *r = test_run_text(text, NULL);
    double sent = test_sum(r, "q", "NumberOfMessagesSent");
    g_assert_cmpfloat(sent, >=, 99);   /* 1 ms apart from 1 ms, up to 100 ms */
    g_assert_cmpfloat(test_sum(r, "w", "MessagesAbandoned"), ==, 10);
    g_assert_cmpfloat(test_sum(r, "q", "DuplicateDeliveries"), ==, 10);
    g_assert_cmpfloat(test_sum(r, "w", "MessagesProcessed"), ==, sent);
    g_assert_cmpfloat(test_sum(r, "q", "NumberOfMessagesDeleted"), ==, sent);
    g_assert_cmpfloat(test_component_value(r, 0, "w", "MessagesProcessed"), ==, 0);
    test_run_free(r);
}

/* A backlog of 30,000 messages that 2 instances cannot dent (1 worker,
 * 10 s each): backlog per instance ~15,000 against a target of 100 breaches
 * from the first period, so the group scales out at the end of the third
 * (AWS target tracking: 3 datapoints) straight to max. */
static void test_backlog_per_instance_scaling(void)
{
    const char *text =
        "name: backlog\nduration: 5m\nsample_interval: 60s\nseed: 1\n"
        "workloads: [{name: p, target: q, invocation: async,\n"
        "             arrival: {process: constant, schedule: [[0s, 30000/s], [1s, 30000/s], [1s, 0/s]]}}]\n"
        "components:\n"
        "  - {name: q, type: sqs, receive_wait: 20s, visibility_timeout: 5m}\n"
        "  - name: w\n    type: asg\n    detailed_monitoring: true\n    min: 2\n    max: 12\n"
        "    instance: {workers: 1, service_time: 10s, boot_time: 30s, consumes: {source: q}}\n"
        "    policy:\n      type: target_tracking\n"
        "      metric: {metric: ApproximateNumberOfMessagesVisible, source: q, per_instance: true}\n"
        "      target: 100\n";
    TestRun *r = test_run_text(text, NULL);
    g_assert_cmpfloat(test_component_value(r, 1, "w", "GroupDesiredCapacity.max"), ==, 2);
    g_assert_cmpfloat(test_component_value(r, 2, "w", "GroupDesiredCapacity"), ==, 2);   /* until 180 s exactly */
    g_assert_cmpfloat(test_component_value(r, 3, "w", "GroupDesiredCapacity.max"), ==, 12);
    g_assert_cmpfloat(test_sum(r, "w", "ScalingActivities"), ==, 1);
    test_run_free(r);
}

/* SendMessageBatch and DeleteMessageBatch.  One batch of 10 messages sent
 * at 1 ms; worker A receives all 10 and works 4 s on each; worker B
 * long-polls.  The visibility timeout (30 s) ends while A still holds the
 * batch: deleting each message when done, A has deleted 7 by then (at 4,
 * 8, ... 28 s) and B receives the other 3 again; deleting the batch at its
 * end (40 s), none is deleted by 30 s and B receives all 10 again.
 * AWS's DeleteMessageBatch saves calls but holds every message of the
 * batch as long as the slowest. */
static void test_batch_send_and_delete(void)
{
    const char *tmpl =
        "name: batch\nduration: 2m\nsample_interval: 10s\nseed: 1\n"
        "workloads: [{name: p, target: q, invocation: async, request: {size: 10KB, messages: 10},\n"
        "             arrival: {process: constant, schedule: [[0s, 1000/s], [1ms, 1000/s], [1ms, 0/s]]}}]\n"
        "components:\n"
        "  - {name: q, type: sqs, receive_wait: 20s, visibility_timeout: 30s}\n"
        "  - name: w\n    type: asg\n    detailed_monitoring: true\n    min: 1\n"
        "    instance: {workers: 2, service_time: 4s, consumes: {source: q, batch_size: 10, delete: %s}}\n";
    static const struct { const char *mode; double duplicates, processed; } cases[] = {
        {"each", 3, 13}, {"batch", 10, 20},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *text = g_strdup_printf(tmpl, cases[i].mode);
        TestRun *r = test_run_text(text, NULL);
        g_test_message("delete %s: %.0f duplicates, %.0f processed", cases[i].mode,
                       test_sum(r, "q", "DuplicateDeliveries"), test_sum(r, "w", "MessagesProcessed"));
        g_assert_cmpfloat(test_sum(r, "p", "Requests"), ==, 1);
        g_assert_cmpfloat(test_sum(r, "q", "NumberOfMessagesSent"), ==, 10);
        g_assert_cmpfloat(test_sum(r, "q", "DuplicateDeliveries"), ==, cases[i].duplicates);
        g_assert_cmpfloat(test_sum(r, "w", "MessagesProcessed"), ==, cases[i].processed);
        g_assert_cmpfloat(test_sum(r, "q", "NumberOfMessagesDeleted"), ==, 10);
        test_run_free(r);
        g_free(text);
    }
}

/* A batch whose sizes add up to more than 256 KB is refused whole. */
static void test_batch_size_limit(void)
{
    TestRun *r = test_run_text(
        "name: big\nduration: 1m\nsample_interval: 60s\nseed: 1\n"
        "workloads: [{name: p, target: q, invocation: async, request: {size: 300KB, messages: 10},\n"
        "             arrival: {process: constant, rate: 1/s}}]\n"
        "components: [{name: q, type: sqs}]\n", NULL);
    g_assert_cmpfloat(test_sum(r, "q", "SendRejected"), ==, test_sum(r, "p", "Requests"));
    g_assert_cmpfloat(test_sum(r, "q", "NumberOfMessagesSent"), ==, 0);
    test_run_free(r);
}

/* A consuming group serves no requests: a request sent to it is refused. */
static void test_requests_refused(void)
{
    const char *text =
        "name: refuse\nduration: 1m\nsample_interval: 60s\nseed: 1\n"
        "workloads: [{name: u, target: w, arrival: {process: constant, rate: 10/s}}]\n"
        "components:\n"
        "  - {name: q, type: sqs}\n"
        "  - name: w\n    type: asg\n    detailed_monitoring: true\n    min: 1\n"
        "    instance: {workers: 1, service_time: 1ms, consumes: {source: q}}\n";
    TestRun *r = test_run_text(text, NULL);
    g_assert_cmpfloat(test_sum(r, "u", "Requests"), >=, 599);
    g_assert_cmpfloat(test_sum(r, "w", "Rejected"), ==, test_sum(r, "u", "Requests"));
    g_assert_cmpfloat(test_sum(r, "u", "Succeeded"), ==, 0);
    test_run_free(r);
}

static void assert_error(const char *body, const char *where, const char *what)
{
    char *text = g_strconcat("name: bad\nduration: 1m\ncomponents:\n"
                             "  - {name: q, type: sqs}\n"
                             "  - {name: s, type: service, workers: 1, service_time: 1ms}\n"
                             "  - name: w\n    type: asg\n    instance:\n      service_time: 10ms\n", body, NULL);
    test_assert_scenario_error(text, NULL, where, what);
    g_free(text);
}

static void test_config_errors(void)
{
    assert_error("      consumes: {source: s}\n", "bad.yaml:10:", "'s' is a service");
    assert_error("      consumes: {source: nowhere}\n", "bad.yaml:10:", "nowhere");
    assert_error("      consumes: {batch_size: 2}\n", "bad.yaml:10:", "source");
    assert_error("      consumes: {source: q, batch_size: 11}\n", "bad.yaml:10:", "batch_size");
    assert_error("      consumes: {source: q, wait: 21s}\n", "bad.yaml:10:", "wait");
    assert_error("      consumes: {source: q, batch_sise: 2}\n", "bad.yaml:10:", "did you mean 'batch_size'");
    assert_error("      consumes: {source: q, delete: later}\n", "bad.yaml:10:", "each, batch");
    assert_error("    policy: {type: target_tracking, target: 10, metric: {metric: ApproximateNumberOfMessagesVisible, "
                 "source: q}}\n", "bad.yaml:10:", "per_instance: true");
    assert_error("    policy: {type: target_tracking, target: 10, metric: {metric: ApproximateNumberOfMessagesVisible, "
                 "source: s, per_instance: true}}\n", "bad.yaml:10:", "'s' is a service");
    assert_error("    policy: {type: target_tracking, target: 10, metric: {metric: NumberOfMessagesSent, "
                 "source: q, per_instance: true}}\n", "bad.yaml:10:", "ApproximateNumberOfMessagesVisible");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/models/asg/consume/erlang-c", test_erlang_c);
    g_test_add_func("/models/asg/consume/visibility-timeout-duplicates", test_visibility_timeout_duplicates);
    g_test_add_func("/models/asg/consume/short-vs-long-polling", test_short_vs_long_polling);
    g_test_add_func("/models/asg/consume/instance-failure-redelivers", test_instance_failure_redelivers);
    g_test_add_func("/models/asg/consume/backlog-per-instance-scaling", test_backlog_per_instance_scaling);
    g_test_add_func("/models/asg/consume/requests-refused", test_requests_refused);
    g_test_add_func("/models/asg/consume/batch-send-and-delete", test_batch_send_and_delete);
    g_test_add_func("/models/asg/consume/batch-size-limit", test_batch_size_limit);
    g_test_add_func("/models/asg/consume/config-errors", test_config_errors);
    return g_test_run();
}
