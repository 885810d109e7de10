/* cirrus — the `sns` model against numbers.
 *
 * Fan-out is asserted exactly (every subscriber gets every matching
 * message, once); filter policies are checked against the probabilities
 * the workload draws attributes with (binomial standard error), and
 * against exact identities between subscriptions; the delivery retry
 * policy against AWS's schedule for AWS-managed endpoints. */
#include "testutil.h"
#include "sim/kernel/error.h"

static TestRun *run(const char *text)
{
    return test_run_text(text, NULL);
}


/* 10 messages a second for a minute (599: at 0.1 s, ..., 59.9 s) to a
 * topic with two queues and a function: each gets all 599, the topic
 * counts 3 x 599 deliveries, and the publisher hears OK for each. */
static void test_fan_out(void)
{
    TestRun *r = run(
        "name: fan\nduration: 1m\n"
        "workloads: [{name: u, target: t, invocation: async, arrival: {process: constant, rate: 10/s}}]\n"
        "components:\n"
        "  - {name: t, type: sns, subscriptions: [{target: q1}, {target: q2}, {target: fn}]}\n"
        "  - {name: q1, type: sqs}\n"
        "  - {name: q2, type: sqs}\n"
        "  - {name: fn, type: lambda, duration: 10ms, cold_start: 0s}\n");
    double published = test_sum(r, "t", "NumberOfMessagesPublished");
    g_test_message("published %.0f, delivered %.0f", published, test_sum(r, "t", "NumberOfNotificationsDelivered"));
    g_assert_cmpfloat(published, ==, 599);
    g_assert_cmpfloat(test_sum(r, "u", "Succeeded"), ==, 599);
    g_assert_cmpfloat(test_sum(r, "q1", "NumberOfMessagesSent"), ==, 599);
    g_assert_cmpfloat(test_sum(r, "q2", "NumberOfMessagesSent"), ==, 599);
    g_assert_cmpfloat(test_sum(r, "fn", "Invocations"), ==, 599);
    g_assert_cmpfloat(test_sum(r, "t", "NumberOfNotificationsDelivered"), ==, 3 * 599);
    g_assert_cmpfloat(test_sum(r, "t", "NumberOfNotificationsFailed"), ==, 0);
    g_assert_cmpfloat(test_sum(r, "t", "NumberOfNotificationsFilteredOut"), ==, 0);
    test_run_free(r);
}

static void assert_share(const char *what, double got, double n, double p)
{
    double se = sqrt(p * (1 - p) / n);
    g_test_message("%s: share %.5f, probability %.3f (%+.2f SE), 4 SE = %.2f%% of it", what, got / n, p,
                   (got / n - p) / se, 400 * se / p);
    g_assert_cmpfloat(4 * se, <, 0.02 * p);
    g_assert_cmpfloat(fabs(got / n - p), <=, 4 * se);
}

/* Attributes drawn per message: type order 0.6, refund 0.3 (none 0.1);
 * region eu 0.5, us 0.5.  Filter policies: AND across names, OR within a
 * name's values.  Shares within 4 binomial SE of 0.6, 0.3, 0.9 and
 * 0.3 x 0.5 = 0.15; exactly: order + refund = either, and the topic's
 * filtered-out count is what the subscriptions did not get. */
static void test_filter_shares(void)
{
    TestRun *r = run(
        "name: filter\nduration: 1h\nseed: 3\n"
        "workloads:\n"
        "  - {name: u, target: t, invocation: async, arrival: {process: poisson, rate: 200/s},\n"
        "     attributes: {type: {order: 0.6, refund: 0.3}, region: {eu: 0.5, us: 0.5}}}\n"
        "components:\n"
        "  - name: t\n"
        "    type: sns\n"
        "    subscriptions:\n"
        "      - {target: all}\n"
        "      - {target: orders, filter: {type: [order]}}\n"
        "      - {target: refunds, filter: {type: refund}}\n"
        "      - {target: either, filter: {type: [order, refund]}}\n"
        "      - {target: refunds-eu, filter: {type: [refund], region: [eu]}}\n"
        "  - {name: all, type: sqs}\n"
        "  - {name: orders, type: sqs}\n"
        "  - {name: refunds, type: sqs}\n"
        "  - {name: either, type: sqs}\n"
        "  - {name: refunds-eu, type: sqs}\n");
    double n = test_sum(r, "t", "NumberOfMessagesPublished");
    double all = test_sum(r, "all", "NumberOfMessagesSent"), orders = test_sum(r, "orders", "NumberOfMessagesSent");
    double refunds = test_sum(r, "refunds", "NumberOfMessagesSent"), either = test_sum(r, "either", "NumberOfMessagesSent");
    double eu = test_sum(r, "refunds-eu", "NumberOfMessagesSent");
    g_assert_cmpfloat(all, ==, n);
    g_assert_cmpfloat(either, ==, orders + refunds);
    g_assert_cmpfloat(test_sum(r, "t", "NumberOfNotificationsFilteredOut"), ==, 5 * n - (all + orders + refunds + either + eu));
    g_assert_cmpfloat(test_sum(r, "t", "NumberOfNotificationsDelivered"), ==, all + orders + refunds + either + eu);
    assert_share("type = order", orders, n, 0.6);
    assert_share("type = refund", refunds, n, 0.3);
    assert_share("type in [order, refund]", either, n, 0.9);
    assert_share("type = refund and region = eu", eu, n, 0.15);
    test_run_free(r);
}

/* The retry policy for AWS-managed endpoints, exactly: the queue is down
 * from 0.5 s to 5 s; the message published at 1 s fails there, is retried
 * 3 times at once (1 s), then at 2 s and 3 s (1 s apart), then with
 * exponential backoff from 1 s to 20 s: at 4 s, and 20^(1/9) s later,
 * 5.395 s, when the queue is up: 7 retries, delivered then. */
static void test_retry_schedule(void)
{
    TestRun *r = run(
        "name: retry\nduration: 10s\nsample_interval: 1s\n"
        "faults: [{at: 500ms, kind: outage, component: q, duration: 4500ms}]\n"
        "workloads: [{name: u, target: t, invocation: async,\n"
        "             arrival: {process: constant, schedule: [[0s, 1/s], [1500ms, 1/s], [1500ms, 0/s]]}}]\n"
        "components:\n"
        "  - {name: t, type: sns, subscriptions: [{target: q}]}\n"
        "  - {name: q, type: sqs}\n");
    double at = 4 + pow(20, 1.0 / 9);
    CirrusMetricSummary age = test_summary(r, "q", "ApproximateAgeOfOldestMessage");
    g_test_message("delivered at %.6f s (AWS schedule: %.6f s)", 10 - age.last, at);
    g_assert_cmpfloat(test_sum(r, "t", "NotificationRetries"), ==, 7);
    g_assert_cmpfloat(test_sum(r, "t", "NumberOfNotificationsDelivered"), ==, 1);
    g_assert_cmpfloat(fabs(age.last - (10 - at)), <, 1e-9);
    test_run_free(r);

    /* An endpoint down for 24 days: 100,015 attempts in all, over 23 days
     * (2 + the backoff + 99,999 x 20 s after the first), then given up. */
    r = run(
        "name: retry-all\nduration: 24d\nsample_interval: 1h\n"
        "faults: [{at: 500ms, kind: outage, component: q, duration: 24d}]\n"
        "workloads: [{name: u, target: t, invocation: async,\n"
        "             arrival: {process: constant, schedule: [[0s, 1/s], [1500ms, 1/s], [1500ms, 0/s]]}}]\n"
        "components:\n"
        "  - {name: t, type: sns, subscriptions: [{target: q}]}\n"
        "  - {name: q, type: sqs}\n");
    g_assert_cmpfloat(test_sum(r, "t", "NotificationRetries"), ==, 100014);
    g_assert_cmpfloat(test_sum(r, "t", "NumberOfNotificationsFailed"), ==, 1);
    double backoff = 0;
    for (int b = 0; b < 10; b++) backoff += pow(20, b / 9.0);
    double given_up = 1 + 2 + backoff + 99999 * 20.0;
    g_test_message("given up at %.0f s = %.2f days", given_up, given_up / 86400);
    guint col = test_series(r, "/components/t", "NumberOfNotificationsFailed");
    for (guint i = 0; i < test_n_rows(r); i++) {
        double start = g_array_index(r->times, double, i) - 3600;
        g_assert_cmpfloat(test_value(r, i, col), ==, given_up >= start && given_up < start + 3600 ? 1 : 0);
    }
    test_run_free(r);
}

/* AWS: a message may be up to 256 KiB; a larger publish is refused and
 * delivered nowhere. */
static void test_size(void)
{
    TestRun *r = run(
        "name: size\nduration: 2s\n"
        "workloads: [{name: u, target: t, invocation: async, request: {size: 262145},\n"
        "             arrival: {process: constant, rate: 1/s}}]\n"
        "components:\n"
        "  - {name: t, type: sns, subscriptions: [{target: q}]}\n"
        "  - {name: q, type: sqs}\n");
    g_assert_cmpfloat(test_sum(r, "t", "PublishRejected"), ==, 1);
    g_assert_cmpfloat(test_sum(r, "t", "NumberOfMessagesPublished"), ==, 0);
    g_assert_cmpfloat(test_sum(r, "u", "Rejected"), ==, 1);
    test_run_free(r);
}

static void assert_error(const char *text, const char *where, const char *what)
{
    test_assert_scenario_error(text, cirrus_models_registry(), where, what);
}

static void test_config_errors(void)
{
    static const char head[] = "name: bad\nduration: 1m\ncomponents:\n  - {name: q, type: sqs}\n";
    static const struct { const char *body, *where, *what; } cases[] = {
        {"  - {name: t, type: sns}\n", "bad.yaml:5:", "subscriptions"},
        {"  - {name: t, type: sns, subscriptions: [{target: s}]}\n  - {name: s, type: service, service_time: 1s}\n",
         "bad.yaml:5:", "an sqs queue or a lambda function"},
        {"  - {name: t, type: sns, subscriptions: [{target: f}]}\n  - {name: f, type: sqs, fifo: true}\n",
         "bad.yaml:5:", "FIFO queue"},
        {"  - {name: t, type: sns, subscriptions: [{target: q}, {target: q}]}\n", "bad.yaml:5:", "subscribed twice"},
        {"  - {name: t, type: sns, subscriptions: [{target: qq}]}\n", "bad.yaml:5:", "did you mean 'q'"},
        {"  - {name: t, type: sns, subscriptions: [{target: q, filtr: {a: [b]}}]}\n", "bad.yaml:5:",
         "did you mean 'filter'"},
        {"  - {name: t, type: sns, subscriptions: [{target: q, filter: {a: {b: c}}}]}\n", "bad.yaml:5:",
         "a value or a list of values"},
        {"  - {name: t, type: sns, subscriptions: [{target: q, filter: {a: x, b: x, c: x, d: x, e: x, f: x}}]}\n",
         "bad.yaml:5:", "at most 5 attributes"},
        {"  - {name: t, type: sns, subscriptions: [q]}\n", "bad.yaml:5:", "must be a map"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *t = g_strconcat(head, cases[i].body, NULL);
        assert_error(t, cases[i].where, cases[i].what);
        g_free(t);
    }
    /* The workload's attributes. */
    static const char wl[] = "name: bad\nduration: 1m\ncomponents: [{name: q, type: sqs}]\n"
                             "workloads: [{name: u, target: q, arrival: {rate: 1/s}, attributes: %s}]\n";
    static const struct { const char *attrs, *what; } wcases[] = {
        {"{type: {a: 0.7, b: 0.4}}", "add up to 1.1"},
        {"{type: {a: 1.5}}", "'a' must be between 0 and 1"},
        {"{type: a}", "'type'"},
        {"{type: {}}", "needs its values"},
        {"[a]", "'attributes'"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(wcases); i++) {
        char *t = g_strdup_printf(wl, wcases[i].attrs);
        assert_error(t, "bad.yaml:4:", wcases[i].what);
        g_free(t);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/models/sns/fan-out", test_fan_out);
    g_test_add_func("/models/sns/filter-shares", test_filter_shares);
    g_test_add_func("/models/sns/retry-schedule", test_retry_schedule);
    g_test_add_func("/models/sns/size", test_size);
    g_test_add_func("/models/sns/config-errors", test_config_errors);
    return g_test_run();
}
