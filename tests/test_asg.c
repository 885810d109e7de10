/* cirrus — the `asg` model against numbers.
 *
 * Most scenarios use evenly spaced arrivals and constant service times, so
 * that CPU, scaling times and counts are exact and asserted exactly; the
 * two statistical ones (Erlang B through least-outstanding routing, target
 * tracking's band) derive their tolerance from the run's own batches.
 *
 * The load balancer side of models/protocol/targets.h is played by `fakelb`, a few
 * lines below: it forwards requests round robin to the instances the group
 * registered, answers DEREGISTER with DRAINED after a fixed delay, can
 * probe and report instances on a schedule, and logs all of it. */
#include "testutil.h"
#include "models/asg/asg-private.h"
#include "models/service/service.h"
#include "models/protocol/targets.h"
#include "models/workload/workload.h"
#include "models/aws/globals.h"
#include "sim/kernel/error.h"

/* ---- a fake load balancer ------------------------------------------------ */

enum { FAKE_DRAIN = CIRRUS_EVENT_MODEL, FAKE_PROBE, FAKE_UNHEALTHY };

/* What the fake load balancers sent and received, in order. */
typedef struct {
    double  t;
    int     kind;   /* a CIRRUS_TARGETS_* kind */
    guint32 id;
    guint   zone;
} Seen;

static GArray *seen;

typedef struct {
    const CirrusNode *target_node;
    char            *target_name;
    CirrusComponent *provider;
    CirrusTime       drain_delay;   /* DRAINED this long after DEREGISTER */
    CirrusTime       probe_after[2];/* probe a deregistered instance this long after (0: not) */
    CirrusTime       unhealthy_at;  /* report the first registered instance then (0: never) */
    GArray          *targets;       /* CirrusTarget: the registered instances */
    guint            next;
} FakeLb;

static void note(CirrusComponent *self, int kind, CirrusTarget t)
{
    Seen s = { cirrus_time_to_s(cirrus_now(self)), kind, t.id, t.zone };
    g_array_append_val(seen, s);
}

/* The fake's own timers carry a target in their data word. */
static guint64 timer_data(CirrusTarget t) { return (guint64)t.id | ((guint64)t.zone << 32); }
static CirrusTarget timer_target(guint64 data) { return (CirrusTarget){ (guint32)data, (guint)(data >> 32) }; }

static gboolean fake_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    FakeLb *lb = state;
    const char *target;
    (void)self;
    lb->targets = g_array_new(FALSE, FALSE, sizeof(CirrusTarget));
    if (!cirrus_cfg_string(cfg, "targets", NULL, &target, error) ||
        !cirrus_cfg_duration(cfg, "drain_delay", 10 * CIRRUS_SEC, 0, CIRRUS_DAY, &lb->drain_delay, error) ||
        !cirrus_cfg_duration(cfg, "probe_1", 0, 0, CIRRUS_DAY, &lb->probe_after[0], error) ||
        !cirrus_cfg_duration(cfg, "probe_2", 0, 0, CIRRUS_DAY, &lb->probe_after[1], error) ||
        !cirrus_cfg_duration(cfg, "unhealthy_at", 0, 0, CIRRUS_DAY, &lb->unhealthy_at, error))
        return FALSE;
    lb->target_node = cirrus_node_peek(cfg, "targets");
    lb->target_name = g_strdup(target);
    return TRUE;
}

static gboolean fake_link(CirrusComponent *self, void *state, CirrusScenario *sc, GError **error)
{
    FakeLb *lb = state;
    (void)self;
    lb->provider = cirrus_scenario_lookup(sc, lb->target_node, lb->target_name, error);
    return lb->provider != NULL;
}

static void fake_start(CirrusComponent *self, void *state)
{
    FakeLb *lb = state;
    cirrus_targets_attach(self, lb->provider);
    if (lb->unhealthy_at) cirrus_schedule(self, lb->unhealthy_at, FAKE_UNHEALTHY, NULL, 0);
}

static void fake_forget(FakeLb *lb, CirrusTarget t)
{
    for (guint i = 0; i < lb->targets->len; i++)
        if (g_array_index(lb->targets, CirrusTarget, i).id == t.id) {
            g_array_remove_index(lb->targets, i);
            return;
        }
}

static void fake_request(CirrusComponent *self, FakeLb *lb, CirrusRequest *req)
{
    if (lb->targets->len == 0) {
        cirrus_reply(self, req, CIRRUS_OUTCOME_REJECTED);
        return;
    }
    CirrusTarget t = g_array_index(lb->targets, CirrusTarget, lb->next++ % lb->targets->len);
    CirrusRequest *fwd = cirrus_request_new(self);
    fwd->created = req->created;
    fwd->invocation = req->invocation;
    fwd->caller.ptr = req;
    cirrus_request_data(fwd)->ref.instance = t.id;
    cirrus_send(self, lb->provider, fwd, 0);
}

static void fake_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    FakeLb *lb = state;
    switch (ev->kind) {
    case CIRRUS_EVENT_REQUEST: fake_request(self, lb, ev->request); break;
    case CIRRUS_EVENT_REPLY: {
        /* The instance answered the request we forwarded: so do we. */
        g_assert_cmpuint(cirrus_request_data(ev->request)->ref.instance, !=, 0);
        CirrusRequest *req = ev->request->caller.ptr;
        CirrusOutcome outcome = (CirrusOutcome)ev->request->outcome;
        cirrus_request_free(self, ev->request);
        cirrus_reply(self, req, outcome);
        break;
    }
    case CIRRUS_TARGETS_REGISTER: {
        CirrusTarget t = cirrus_target_of(ev);
        note(self, ev->kind, t);
        g_array_append_val(lb->targets, t);
        break;
    }
    case CIRRUS_TARGETS_DEREGISTER: {
        CirrusTarget t = cirrus_target_of(ev);
        note(self, ev->kind, t);
        fake_forget(lb, t);
        cirrus_schedule(self, lb->drain_delay, FAKE_DRAIN, NULL, timer_data(t));
        for (guint i = 0; i < 2; i++)
            if (lb->probe_after[i]) cirrus_schedule(self, lb->probe_after[i], FAKE_PROBE, NULL, timer_data(t));
        break;
    }
    case CIRRUS_TARGETS_HEALTH_RESULT:
        note(self, ev->kind, cirrus_target_of(ev));
        break;
    case FAKE_DRAIN:
        note(self, CIRRUS_TARGETS_DRAINED, timer_target(ev->data));
        cirrus_targets_drained(self, lb->provider, timer_target(ev->data));
        break;
    case FAKE_PROBE:
        note(self, CIRRUS_TARGETS_HEALTH_PROBE, timer_target(ev->data));
        cirrus_targets_probe(self, lb->provider, timer_target(ev->data));
        break;
    case FAKE_UNHEALTHY:
        if (lb->targets->len == 0) break;
        note(self, CIRRUS_TARGETS_UNHEALTHY, g_array_index(lb->targets, CirrusTarget, 0));
        cirrus_targets_unhealthy(self, lb->provider, g_array_index(lb->targets, CirrusTarget, 0));
        break;
    default: g_assert_not_reached();
    }
}

static void fake_destroy(CirrusComponent *self, void *state)
{
    FakeLb *lb = state;
    (void)self;
    g_free(lb->target_name);
    if (lb->targets) g_array_free(lb->targets, TRUE);
}

static const CirrusModelType fake_lb_type = {
    .name = "fakelb", .state_size = sizeof(FakeLb), .configure = fake_configure, .link = fake_link,
    .start = fake_start, .handle = fake_handle, .destroy = fake_destroy,
    .metrics = (const CirrusMetricDef[]){{NULL, 0, NULL}},
    .protocols = &(const struct CirrusProtocols){ .noun = "a fake lb",
                                                   .speaks = CIRRUS_SPEAKS_INVOKE | CIRRUS_SPEAKS_LOAD_BALANCER },
};

static const CirrusModelType *const test_types[] = {
    &cirrus_workload_type, &cirrus_service_type, &cirrus_asg_type, &fake_lb_type, NULL,
};

static const CirrusRegistry test_registry = {
    .types = test_types, .workload_type = "workload", .read_globals = cirrus_globals_read, .prepare = cirrus_models_prepare,
};

static TestRun *run(const char *text)
{
    if (seen) g_array_set_size(seen, 0);
    else seen = g_array_new(FALSE, FALSE, sizeof(Seen));
    return test_run_with(text, &test_registry, NULL, CIRRUS_PES_DEFAULT);
}

/* ---- helpers ------------------------------------------------------------- */

static double value(TestRun *r, guint row, const char *component, const char *series)
{
    char *group = g_strconcat("/components/", component, NULL);
    double v = test_value(r, row, test_series(r, group, series));
    g_free(group);
    return v;
}

/* Sum of a series over all rows (for a 1 s gauge: seconds at each level). */
static double series_sum(TestRun *r, const char *component, const char *series)
{
    double s = 0;
    for (guint i = 0; i < test_n_rows(r); i++) s += value(r, i, component, series);
    return s;
}

/* The start times (s) of the rows in which a count series is non-zero. */
static GArray *count_times(TestRun *r, const char *component, const char *series, double interval)
{
    GArray *t = g_array_new(FALSE, FALSE, sizeof(double));
    for (guint i = 0; i < test_n_rows(r); i++)
        if (value(r, i, component, series) > 0) {
            double start = g_array_index(r->times, double, i) - interval;
            g_array_append_val(t, start);
        }
    return t;
}

static const Seen *seen_at(guint i) { return &g_array_index(seen, Seen, i); }

static GError *load_error(const char *text)
{
    GError *error = NULL;
    CirrusScenario *sc = cirrus_scenario_load_text("bad.yaml", text, &test_registry, NULL, &error);
    g_assert_null(sc);
    g_assert_nonnull(error);
    g_test_message("%s", error->message);
    return error;
}

/* ---- capacity, boot, scaling --------------------------------------------- */

/* One instance, CPU 80% (8 evenly spaced requests/s of 100 ms): the first
 * period's datapoint (79.8%: the first request comes at 0.125 s) breaches
 * the simple policy's 50% alarm at 60 s.  The new instance is Pending for
 * exactly boot_time (45 s), InService from 105 s; after that each instance
 * has 40% and nothing more happens. */
static void test_boot_time(void)
{
    TestRun *r = run(
        "name: boot\nduration: 5m\nsample_interval: 1s\n"
        "workloads: [{name: u, target: web, arrival: {process: constant, rate: 8/s}}]\n"
        "components:\n"
        "  - name: web\n    type: asg\n    detailed_monitoring: true\n    max: 3\n"
        "    instance: {service_time: 100ms, boot_time: 45s}\n"
        "    policy: {type: simple, alarm: {threshold: 50}, change: 1}\n");
    for (guint i = 0; i < test_n_rows(r); i++) {
        gboolean pending = i >= 60 && i < 105;
        g_assert_cmpfloat(value(r, i, "web", "GroupPendingInstances"), ==, pending ? 1 : 0);
        g_assert_cmpfloat(value(r, i, "web", "GroupInServiceInstances"), ==, i < 105 ? 1 : 2);
        g_assert_cmpfloat(value(r, i, "web", "GroupDesiredCapacity"), ==, i < 60 ? 1 : 2);
    }
    g_assert_cmpfloat(series_sum(r, "web", "GroupPendingInstances"), ==, 45);
    g_assert_cmpfloat(test_summary(r, "web", "ScalingActivities").sum, ==, 1);
    /* The first datapoint, seen from 60 s on: 479 x 100 ms of 60 s. */
    g_assert_cmpfloat(fabs(value(r, 60, "web", "PeriodCPUUtilization") - 100 * 47.9 / 60), <, 1e-9);
    CirrusMetricSummary desired = test_summary(r, "web", "GroupDesiredCapacity");
    g_assert_cmpfloat(desired.min, ==, 1);
    g_assert_cmpfloat(desired.max, ==, 2);
    test_run_free(r);
}

/* A step load saturates the group; a simple policy (+1, cooldown 300 s,
 * alarm 2 periods) scales out once per (boot 60 s + cooldown 300 s): AWS
 * starts the cooldown when the activity completes, i.e. when the launched
 * instance is InService.  The load rises at 600 s, so the first two
 * breaching datapoints are at 660 s and 720 s; activities then come every
 * 360 s exactly, and stop when max (8) is reached. */
static void test_cooldown(void)
{
    TestRun *r = run(
        "name: cooldown\nduration: 1h\nsample_interval: 10s\n"
        "workloads:\n"
        "  - {name: u, target: web, arrival: {process: constant, schedule: [[0s, 5/s], [600s, 5/s], [600.001s, 100/s]]}}\n"
        "components:\n"
        "  - name: web\n    type: asg\n    detailed_monitoring: true\n    max: 8\n"
        "    instance: {service_time: 100ms, boot_time: 60s, queue_limit: 100}\n"
        "    policy: {type: simple, alarm: {threshold: 70, periods: 2}, change: 1, cooldown: 300s}\n");
    GArray *t = count_times(r, "web", "ScalingActivities", 10);
    g_assert_cmpuint(t->len, ==, 7);   /* 1 -> 8 */
    for (guint i = 0; i < t->len; i++) {
        double at = g_array_index(t, double, i);
        g_test_message("activity %u at %.0f s", i + 1, at);
        g_assert_cmpfloat(at, ==, 720 + 360.0 * i);
        if (i) g_assert_cmpfloat(at - g_array_index(t, double, i - 1), >=, 300 + 60);
    }
    g_array_free(t, TRUE);
    g_assert_cmpfloat(test_summary(r, "web", "GroupDesiredCapacity").max, ==, 8);
    g_assert_cmpfloat(test_summary(r, "web", "GroupInServiceInstances").last, ==, 8);
    test_run_free(r);
}

/* A 20 s burst that keeps the one instance 100% busy (10 requests/s of
 * 100 ms, back to back) inside the period [60 s, 120 s): the 1 s samples
 * of CPUUtilization show 100%, but the alarm sees the period's 33.3%, below
 * its 50% threshold, and nothing scales.  With a 30% threshold the same
 * datapoint breaches: the aggregate, not the peak, is what counts. */
static const char burst_template[] =
    "name: burst\nduration: 5m\nsample_interval: 1s\n"
    "workloads:\n"
    "  - {name: u, target: web, arrival: {process: constant,\n"
    "     schedule: [[0s, 0/s], [70s, 0/s], [70.001s, 10/s], [89.999s, 10/s], [90s, 0/s]]}}\n"
    "components:\n"
    "  - name: web\n    type: asg\n    detailed_monitoring: true\n    max: 3\n"
    "    instance: {service_time: 100ms}\n"
    "    policy: {type: simple, alarm: {threshold: %d}, change: 1}\n";

static void test_period_aggregate(void)
{
    char *text = g_strdup_printf(burst_template, 50);
    TestRun *r = run(text);
    g_free(text);
    double busy = 0;
    for (guint i = 71; i < 89; i++) g_assert_cmpfloat(value(r, i, "web", "CPUUtilization"), ==, 100);
    for (guint i = 60; i < 120; i++) busy += value(r, i, "web", "CPUUtilization") / 100;
    double datapoint = value(r, 120, "web", "PeriodCPUUtilization");
    g_test_message("burst: %.3f busy seconds; the period's datapoint %.3f%%", busy, datapoint);
    g_assert_cmpfloat(fabs(datapoint - 100 * busy / 60), <, 1e-6);
    g_assert_cmpfloat(datapoint, >, 30);
    g_assert_cmpfloat(datapoint, <, 50);
    g_assert_cmpfloat(test_summary(r, "web", "ScalingActivities").sum, ==, 0);
    g_assert_cmpfloat(test_summary(r, "web", "GroupDesiredCapacity").max, ==, 1);
    test_run_free(r);

    text = g_strdup_printf(burst_template, 30);
    r = run(text);
    g_free(text);
    GArray *t = count_times(r, "web", "ScalingActivities", 1);
    g_assert_cmpuint(t->len, ==, 1);
    g_assert_cmpfloat(g_array_index(t, double, 0), ==, 120);
    g_array_free(t, TRUE);
    test_run_free(r);
}

/* A scale-out and a scale-in policy; 100 requests/s of 100 ms for 20 min
 * (10 instances' worth), then nothing.  The group grows to max (4) and
 * stops there, shrinks to min (2) once idle and stops there: 2 activities
 * out, 2 in. */
static void test_min_max(void)
{
    TestRun *r = run(
        "name: bounds\nduration: 1h\nsample_interval: 10s\n"
        "workloads:\n"
        "  - {name: u, target: web, arrival: {process: constant, schedule: [[0s, 100/s], [20m, 100/s], [1201s, 0/s]]}}\n"
        "components:\n"
        "  - name: web\n    type: asg\n    detailed_monitoring: true\n    min: 2\n    max: 4\n"
        "    instance: {service_time: 100ms, boot_time: 30s, queue_limit: 50}\n"
        "    policy:\n"
        "      - {type: simple, alarm: {threshold: 70}, change: 1, cooldown: 60s}\n"
        "      - {type: simple, alarm: {threshold: 20, comparison: below}, change: -1, cooldown: 60s}\n");
    CirrusMetricSummary desired = test_summary(r, "web", "GroupDesiredCapacity");
    g_assert_cmpfloat(desired.max, ==, 4);
    g_assert_cmpfloat(desired.min, ==, 2);
    g_assert_cmpfloat(desired.last, ==, 2);
    g_assert_cmpfloat(test_summary(r, "web", "ScalingActivities").sum, ==, 4);
    g_assert_cmpfloat(test_summary(r, "web", "GroupInServiceInstances").max, ==, 4);
    test_run_free(r);
}

/* Three zones behind the fake load balancer.  The first instance goes to
 * a; a +4 scale-out launches into the emptiest zones in turn: b, c, then
 * a, b.  Idle, the group scales in one by one to min 2: first the zone
 * with the most instances (a and b tie at 2: the oldest of them, id 1 in
 * a), then b (id 2), then, with 1 in each zone, the oldest (ids 3 to 5
 * launched together: the lowest, 3 in c). */
static void test_zone_balance(void)
{
    TestRun *r = run(
        "name: zones\nduration: 30m\nsample_interval: 10s\n"
        "workloads:\n"
        "  - {name: u, target: lb, arrival: {process: constant, schedule: [[0s, 20/s], [60s, 20/s], [61s, 0/s]]}}\n"
        "components:\n"
        "  - {name: lb, type: fakelb, targets: web, drain_delay: 5s}\n"
        "  - name: web\n    type: asg\n    detailed_monitoring: true\n    min: 2\n    max: 5\n    zones: [a, b, c]\n"
        "    instance: {service_time: 100ms, boot_time: 30s}\n"
        "    policy:\n"
        "      - {type: simple, alarm: {threshold: 50}, change: 4, cooldown: 60s}\n"
        "      - {type: simple, alarm: {threshold: 5, comparison: below}, change: -1, cooldown: 60s}\n");
    static const struct { int kind; guint32 id; guint zone; } want[] = {
        {CIRRUS_TARGETS_REGISTER, 1, 0},
        {CIRRUS_TARGETS_REGISTER, 2, 1}, {CIRRUS_TARGETS_REGISTER, 3, 2},
        {CIRRUS_TARGETS_REGISTER, 4, 0}, {CIRRUS_TARGETS_REGISTER, 5, 1},
        {CIRRUS_TARGETS_DEREGISTER, 1, 0}, {CIRRUS_TARGETS_DRAINED, 1, 0},
        {CIRRUS_TARGETS_DEREGISTER, 2, 1}, {CIRRUS_TARGETS_DRAINED, 2, 1},
        {CIRRUS_TARGETS_DEREGISTER, 3, 2}, {CIRRUS_TARGETS_DRAINED, 3, 2},
    };
    for (guint i = 0; i < seen->len; i++)
        g_test_message("%.0f s: kind %d id %u zone %u", seen_at(i)->t, seen_at(i)->kind - CIRRUS_EVENT_PROTOCOL,
                       seen_at(i)->id, seen_at(i)->zone);
    g_assert_cmpuint(seen->len, ==, G_N_ELEMENTS(want));
    for (guint i = 0; i < seen->len; i++) {
        g_assert_cmpint(seen_at(i)->kind, ==, want[i].kind);
        g_assert_cmpuint(seen_at(i)->id, ==, want[i].id);
        g_assert_cmpuint(seen_at(i)->zone, ==, want[i].zone);
    }
    g_assert_cmpfloat(test_summary(r, "web", "GroupDesiredCapacity").last, ==, 2);
    test_run_free(r);
}

/* ---- requests ------------------------------------------------------------ */

/* One worker, 10 ms of service and then a sync call to a 40 ms backend:
 * the worker is held 50 ms.  Requests every 40 ms with no queue: every
 * other one finds the worker busy and is refused.  Of 249 arrivals (the
 * one at 10 s is not run), 125 are accepted, 124 refused; 124 complete in
 * exactly 50 ms (the last is still in its call at the end).  Async, the
 * worker is free after 10 ms: none is refused, each takes 10 ms. */
static const char calls_template[] =
    "name: calls\nduration: 10s\n"
    "workloads: [{name: u, target: web, arrival: {process: constant, rate: 25/s}}]\n"
    "components:\n"
    "  - {name: db, type: service, workers: 100, service_time: 40ms}\n"
    "  - name: web\n    type: asg\n    detailed_monitoring: true\n"
    "    instance: {queue_limit: 0, service_time: 10ms, calls: [{target: db, mode: %s}]}\n";

static void test_sync_calls(void)
{
    char *text = g_strdup_printf(calls_template, "sync");
    TestRun *r = run(text);
    g_free(text);
    CirrusMetricSummary lat = test_summary(r, "web", "Latency");
    g_assert_cmpuint(lat.latency->count, ==, 124);
    g_assert_cmpint(lat.latency->min, ==, 50 * CIRRUS_MS);
    g_assert_cmpint(lat.latency->max, ==, 50 * CIRRUS_MS);
    g_assert_cmpfloat(test_summary(r, "web", "Rejected").sum, ==, 124);
    g_assert_cmpfloat(test_summary(r, "db", "Requests").sum, ==, 125);
    g_assert_cmpfloat(test_summary(r, "u", "Succeeded").sum, ==, 124);
    g_assert_cmpint(test_summary(r, "u", "Latency").latency->max, ==, 50 * CIRRUS_MS);
    /* The CPU counts service time only: 10 ms of every 80 ms. */
    g_assert_cmpfloat(fabs(test_summary(r, "web", "CPUUtilization").mean - 100 * 125 * 0.010 / 10), <, 1e-9);
    test_run_free(r);

    text = g_strdup_printf(calls_template, "async");
    r = run(text);
    g_free(text);
    lat = test_summary(r, "web", "Latency");
    g_assert_cmpuint(lat.latency->count, ==, 249);
    g_assert_cmpint(lat.latency->max, ==, 10 * CIRRUS_MS);
    g_assert_cmpfloat(test_summary(r, "web", "Rejected").sum, ==, 0);
    g_assert_cmpfloat(test_summary(r, "db", "Requests").sum, ==, 249);
    test_run_free(r);
}

/* Without a load balancer requests go to the instance with the fewest
 * outstanding: 256 evenly spaced requests/s (an exact binary spacing) of
 * 20 ms keep at most 6 busy at once, below the 4 x 2 workers, and with no
 * queue at all none is refused. */
static void test_direct_no_503(void)
{
    TestRun *r = run(
        "name: direct\nduration: 10m\n"
        "workloads: [{name: u, target: web, arrival: {process: constant, rate: 256/s}}]\n"
        "components:\n"
        "  - name: web\n    type: asg\n    detailed_monitoring: true\n    desired: 4\n    zones: [a, b]\n"
        "    instance: {workers: 2, queue_limit: 0, service_time: 20ms}\n");
    g_assert_cmpfloat(test_summary(r, "web", "RequestCount").sum, ==, 256 * 600 - 1);
    g_assert_cmpfloat(test_summary(r, "web", "Rejected").sum, ==, 0);
    g_assert_cmpfloat(test_summary(r, "u", "Failed").sum, ==, 0);
    g_assert_cmpfloat(test_summary(r, "web", "CPUUtilization").max, <=, 100.0 * 6 / 8);
    test_run_free(r);
}

/* With Poisson arrivals the same routing makes the group one pool of
 * 4 x 2 workers: a request is refused only when the least busy instance
 * is full, i.e. all 8 workers are.  So the refused fraction is Erlang B
 * for c = 8, a = 5 Erlangs.  Tolerance: 4 standard errors of the
 * per-minute batch fractions (and those 4 SE under 5% of B). */
static double erlang_b(int c, double a)
{
    double b = 1.0;
    for (int k = 1; k <= c; k++) b = a * b / (k + a * b);
    return b;
}

static void test_direct_erlang_b(void)
{
    TestRun *r = run(
        "name: erlang\nduration: 4h\nwarmup: 1m\nsample_interval: 60s\nseed: 11\n"
        "workloads: [{name: u, target: web, arrival: {process: poisson, rate: 100/s}}]\n"
        "components:\n"
        "  - name: web\n    type: asg\n    detailed_monitoring: true\n    desired: 4\n    zones: [a, b]\n"
        "    instance: {workers: 2, queue_limit: 0, service_time: {dist: exponential, mean: 50ms}}\n");
    double b = erlang_b(8, 5.0), sum_rej = 0, sum_req = 0, m = 0, v = 0;
    GArray *p = g_array_new(FALSE, FALSE, sizeof(double));
    for (guint i = 1; i < test_n_rows(r); i++) {
        double rej = value(r, i, "web", "Rejected"), req = value(r, i, "web", "RequestCount"), x = rej / req;
        sum_rej += rej;
        sum_req += req;
        g_array_append_val(p, x);
    }
    for (guint i = 0; i < p->len; i++) m += g_array_index(p, double, i) / p->len;
    for (guint i = 0; i < p->len; i++) v += pow(g_array_index(p, double, i) - m, 2) / (p->len - 1);
    double se = sqrt(v / p->len), sim = sum_rej / sum_req;
    g_test_message("Erlang B(8, 5): simulated %.5f, theory %.5f, 4 SE %.5f", sim, b, 4 * se);
    g_assert_cmpfloat(4 * se, <, 0.05 * b);
    g_assert_cmpfloat(fabs(sim - b), <=, 4 * se);
    g_array_free(p, TRUE);
    test_run_free(r);
}

/* ---- health and faults --------------------------------------------------- */

/* Four instances, two of them killed at 70 s.  EC2 status checks run on
 * the minute: at 120 s the group sees them, terminates them and launches
 * two more, InService 30 s later: InService is 4, then 2 for exactly
 * [120 s, 150 s), then 4 again.  Traffic keeps to the instances that
 * answer; only what the dead ones held at 70 s fails. */
static void test_instance_failure(void)
{
    TestRun *r = run(
        "name: fail\nduration: 5m\nsample_interval: 1s\n"
        "workloads: [{name: u, target: web, arrival: {process: constant, rate: 40/s}}]\n"
        "components:\n"
        "  - name: web\n    type: asg\n    detailed_monitoring: true\n    desired: 4\n    zones: [a, b]\n"
        "    instance: {workers: 2, service_time: 50ms, boot_time: 30s}\n"
        "faults: [{at: 70s, kind: instance_failure, component: web, count: 2}]\n");
    for (guint i = 0; i < test_n_rows(r); i++)
        g_assert_cmpfloat(value(r, i, "web", "GroupInServiceInstances"), ==, i >= 120 && i < 150 ? 2 : 4);
    g_assert_cmpfloat(series_sum(r, "web", "GroupPendingInstances"), ==, 2 * 30);
    g_assert_cmpfloat(test_summary(r, "web", "InstanceReplacements").sum, ==, 2);
    g_assert_cmpfloat(test_summary(r, "web", "ScalingActivities").sum, ==, 0);
    double failed = test_summary(r, "web", "Failed").sum;
    g_test_message("requests lost with the dead instances: %.0f", failed);
    g_assert_cmpfloat(failed, <=, 2 * 2);   /* at most what their workers held */
    g_assert_cmpfloat(test_summary(r, "u", "Failed").sum, ==, failed);
    /* Memory: the dead instances' slots are reused; ids are not. */
    Asg *g = cirrus_component_state(cirrus_sim_find(r->sim, "web"));
    g_assert_cmpuint(g->slots->len, ==, 4);
    g_assert_cmpuint(g->next_id, ==, 6);
    test_run_free(r);
}

/* Twenty failures, one a minute: slots are reused, so the group never
 * holds more than its four slots, however long it runs. */
static void test_slots_reused(void)
{
    GString *text = g_string_new(
        "name: churn\nduration: 30m\n"
        "workloads: [{name: u, target: web, arrival: {process: poisson, rate: 40/s}}]\n"
        "components:\n"
        "  - name: web\n    type: asg\n    detailed_monitoring: true\n    desired: 4\n"
        "    instance: {workers: 2, service_time: {dist: exponential, mean: 50ms}, boot_time: 20s}\n"
        "faults:\n");
    for (int k = 0; k < 20; k++)
        g_string_append_printf(text, "  - {at: %ds, kind: instance_failure, component: web}\n", 90 + 60 * k);
    TestRun *r = run(text->str);
    g_string_free(text, TRUE);
    Asg *g = cirrus_component_state(cirrus_sim_find(r->sim, "web"));
    g_assert_cmpuint(g->slots->len, ==, 4);
    g_assert_cmpuint(g->next_id, ==, 24);
    g_assert_cmpfloat(test_summary(r, "web", "InstanceReplacements").sum, ==, 20);
    test_run_free(r);
}

/* Zone a fails at 70 s for 10 min.  Its two instances stop answering; the
 * status check at 120 s replaces them, in zone b (AWS launches into the
 * zones that work).  When a comes back nothing moves: the group is not
 * rebalanced. */
static void test_zone_outage(void)
{
    TestRun *r = run(
        "name: zone\nduration: 15m\nsample_interval: 1s\n"
        "workloads: [{name: u, target: lb, arrival: {process: constant, rate: 40/s}}]\n"
        "components:\n"
        "  - {name: lb, type: fakelb, targets: web, drain_delay: 1s}\n"
        "  - name: web\n    type: asg\n    detailed_monitoring: true\n    desired: 4\n    zones: [a, b]\n"
        "    instance: {workers: 2, service_time: 50ms, boot_time: 30s}\n"
        "faults: [{at: 70s, kind: zone_outage, zone: a, duration: 10m}]\n");
    guint registered_b = 0;
    for (guint i = 0; i < seen->len; i++) {
        const Seen *s = seen_at(i);
        if (s->kind == CIRRUS_TARGETS_REGISTER && s->t > 0) {
            g_assert_cmpfloat(s->t, ==, 150);
            g_assert_cmpuint(s->zone, ==, 1);
            registered_b++;
        }
        if (s->kind == CIRRUS_TARGETS_DEREGISTER) {
            g_assert_cmpfloat(s->t, ==, 120);
            g_assert_cmpuint(s->zone, ==, 0);
        }
    }
    g_assert_cmpuint(registered_b, ==, 2);
    g_assert_cmpfloat(value(r, 100, "web", "GroupInServiceInstances"), ==, 4);   /* not yet detected */
    g_assert_cmpfloat(value(r, 130, "web", "GroupInServiceInstances"), ==, 2);
    g_assert_cmpfloat(value(r, 800, "web", "GroupInServiceInstances"), ==, 4);
    g_assert_cmpfloat(test_summary(r, "web", "InstanceReplacements").sum, ==, 2);
    test_run_free(r);
}

/* The application is down on every instance (an outage of the group) from
 * 100 s.  EC2 status checks still pass, so with health_check_type ec2
 * nothing is replaced.  With elb, the load balancer's report replaces an
 * instance at once after the grace period (a: report at 130 s, grace
 * 60 s), or when the grace period ends if it still does not answer then
 * (b: report at 130 s, grace 300 s, outage until 400 s: replaced at 300 s);
 * one that answers again by then stays (c: outage until 250 s). */
static const char health_template[] =
    "name: health\nduration: 10m\nsample_interval: 1s\n"
    "workloads: [{name: u, target: lb, arrival: {process: constant, rate: 10/s}}]\n"
    "components:\n"
    "  - {name: lb, type: fakelb, targets: web, drain_delay: 1s, unhealthy_at: 130s}\n"
    "  - name: web\n    type: asg\n    detailed_monitoring: true\n    desired: 2\n"
    "    health_check_type: %s\n    health_check_grace: %s\n"
    "    instance: {service_time: 10ms, boot_time: 30s}\n"
    "faults: [{at: 100s, kind: outage, component: web, duration: %s}]\n";

static double replaced_at(const char *type, const char *grace, const char *outage, double *count)
{
    char *text = g_strdup_printf(health_template, type, grace, outage);
    TestRun *r = run(text);
    g_free(text);
    GArray *t = count_times(r, "web", "InstanceReplacements", 1);
    *count = test_summary(r, "web", "InstanceReplacements").sum;
    double at = t->len ? g_array_index(t, double, 0) : -1;
    g_array_free(t, TRUE);
    test_run_free(r);
    return at;
}

static void test_health_checks(void)
{
    double n;
    g_assert_cmpfloat(replaced_at("ec2", "60s", "300s", &n), ==, -1);
    g_assert_cmpfloat(n, ==, 0);
    g_assert_cmpfloat(replaced_at("elb", "60s", "300s", &n), ==, 130);
    g_assert_cmpfloat(n, ==, 1);
    g_assert_cmpfloat(replaced_at("elb", "300s", "300s", &n), ==, 300);
    g_assert_cmpfloat(n, ==, 1);
    g_assert_cmpfloat(replaced_at("elb", "300s", "150s", &n), ==, -1);
    g_assert_cmpfloat(n, ==, 0);
}

/* Scale-in behind the fake load balancer (drain delay 30 s): instance 1 is
 * deregistered at 60 s and terminated only when TARGETS_DRAINED comes at
 * 90 s.  A probe at 89 s still gets an answer, one at 91 s does not; the
 * group counts it Terminating for exactly those 30 s. */
static void test_deregistration(void)
{
    TestRun *r = run(
        "name: drain\nduration: 5m\nsample_interval: 1s\n"
        "components:\n"
        "  - {name: lb, type: fakelb, targets: web, drain_delay: 30s, probe_1: 29s, probe_2: 31s}\n"
        "  - name: web\n    type: asg\n    detailed_monitoring: true\n    desired: 2\n"
        "    instance: {service_time: 10ms}\n"
        "    policy: {type: simple, alarm: {threshold: 10, comparison: below}, change: -1}\n");
    static const struct { double t; int kind; } want[] = {
        {0, CIRRUS_TARGETS_REGISTER}, {0, CIRRUS_TARGETS_REGISTER},
        {60, CIRRUS_TARGETS_DEREGISTER},
        {89, CIRRUS_TARGETS_HEALTH_PROBE}, {89, CIRRUS_TARGETS_HEALTH_RESULT},
        {90, CIRRUS_TARGETS_DRAINED},
        {91, CIRRUS_TARGETS_HEALTH_PROBE},
    };
    g_assert_cmpuint(seen->len, ==, G_N_ELEMENTS(want));
    for (guint i = 0; i < seen->len; i++) {
        g_assert_cmpfloat(seen_at(i)->t, ==, want[i].t);
        g_assert_cmpint(seen_at(i)->kind, ==, want[i].kind);
    }
    g_assert_cmpuint(seen_at(2)->id, ==, 1);
    for (guint i = 0; i < test_n_rows(r); i++)
        g_assert_cmpfloat(value(r, i, "web", "GroupTerminatingInstances"), ==, i >= 60 && i < 90 ? 1 : 0);
    g_assert_cmpfloat(test_summary(r, "web", "ScalingActivities").sum, ==, 1);
    test_run_free(r);
}

/* ---- step and target tracking -------------------------------------------- */

/* Two instances 100% busy; steps +1 for a breach of [0, 20) above 60%,
 * +3 from 20 up.  At 60 s: +3, desired 5.  At 120 s the datapoint still
 * breaches by 40 (the period's CPU is the two old instances'; the new ones
 * were Pending all of it), but the three launched ones are now warming up:
 * current capacity 2, and 2 + 3 = 5 = desired, so nothing more is
 * launched (AWS warmup).  With `warmup: 0s` they count at once: 5 + 3,
 * desired 8 at 120 s.  (The run stops before the 300 s warmup ends.) */
static const char step_template[] =
    "name: step\nduration: 400s\nsample_interval: 10s\n"
    "workloads: [{name: u, target: web, arrival: {process: constant, rate: 20/s}}]\n"
    "components:\n"
    "  - name: web\n    type: asg\n    detailed_monitoring: true\n    desired: 2\n    max: 10\n"
    "    instance: {service_time: 100ms, boot_time: 60s}\n"
    "    policy:\n      type: step\n      alarm: {threshold: 60}\n      warmup: %s\n"
    "      steps: [{lower: 0, upper: 20, change: 1}, {lower: 20, change: 3}]\n";

static void test_step_warmup(void)
{
    char *text = g_strdup_printf(step_template, "300s");
    TestRun *r = run(text);
    g_free(text);
    GArray *t = count_times(r, "web", "ScalingActivities", 10);
    g_assert_cmpuint(t->len, ==, 1);
    g_assert_cmpfloat(g_array_index(t, double, 0), ==, 60);
    g_array_free(t, TRUE);
    g_assert_cmpfloat(value(r, 12, "web", "PeriodCPUUtilization"), ==, 100);   /* the datapoint at 120 s */
    g_assert_cmpfloat(test_summary(r, "web", "GroupDesiredCapacity").max, ==, 5);
    test_run_free(r);

    text = g_strdup_printf(step_template, "0s");
    r = run(text);
    g_free(text);
    t = count_times(r, "web", "ScalingActivities", 10);
    g_assert_cmpuint(t->len, ==, 2);
    g_assert_cmpfloat(g_array_index(t, double, 1), ==, 120);
    g_array_free(t, TRUE);
    g_assert_cmpfloat(test_summary(r, "web", "GroupDesiredCapacity").max, ==, 8);
    test_run_free(r);
}

/* Target tracking at 50% CPU, Poisson 43 requests/s of exponential 100 ms
 * (4.3 instances' worth of work), from 2 instances.  The group overloads,
 * scales out proportionally as warmups end, and settles at
 * ceil(4.3 / 0.5) = 9 instances, 47.8% busy: inside the band
 * [0.9 x 50, 50] where neither alarm fires.  After 40 min the per-minute
 * datapoints are checked: their spread is the period noise of the work
 * arriving (1.3 points: 3 datapoints in a row above 50 or 15 below 45 are
 * then rare), their mean within 4 SE of 4.3/9 and, 4 SE either way,
 * inside the band; desired stays 9. */
static void test_target_tracking(void)
{
    TestRun *r = run(
        "name: tt\nduration: 3h\nsample_interval: 60s\nseed: 5\n"
        "workloads: [{name: u, target: web, arrival: {process: poisson, rate: 43/s}}]\n"
        "components:\n"
        "  - name: web\n    type: asg\n    detailed_monitoring: true\n    desired: 2\n    max: 20\n    zones: [a, b]\n"
        "    instance: {service_time: {dist: exponential, mean: 100ms}, boot_time: 60s}\n"
        "    policy: {type: target_tracking, target: 50}\n");
    for (guint i = 0; i < 45; i++)
        g_test_message("%3.0f min: desired %2.0f in service %2.0f, datapoint %5.1f%%", g_array_index(r->times, double, i) / 60,
                       value(r, i, "web", "GroupDesiredCapacity"), value(r, i, "web", "GroupInServiceInstances"),
                       value(r, i, "web", "PeriodCPUUtilization"));
    GArray *x = g_array_new(FALSE, FALSE, sizeof(double));
    for (guint i = 40; i < test_n_rows(r); i++) {
        g_assert_cmpfloat(value(r, i, "web", "GroupDesiredCapacity"), ==, 9);
        /* The datapoint computed at the end of row i's minute shows in row i + 1. */
        if (i + 1 < test_n_rows(r)) {
            double d = value(r, i + 1, "web", "PeriodCPUUtilization");
            g_array_append_val(x, d);
        }
    }
    double m = 0, v = 0;
    for (guint i = 0; i < x->len; i++) m += g_array_index(x, double, i) / x->len;
    for (guint i = 0; i < x->len; i++) v += pow(g_array_index(x, double, i) - m, 2) / (x->len - 1);
    double sd = sqrt(v), se = sd / sqrt(x->len), theory = 100 * 4.3 / 9;
    /* The period noise: the work arriving in 60 s is compound Poisson,
     * variance lambda T E[S^2] = 43 x 60 x 0.02 s^2, spread over 9 x 60
     * instance-seconds. */
    double noise = 100 * sqrt(43 * 60 * 0.02) / (9 * 60);
    g_test_message("settled: mean datapoint %.2f%% (theory %.2f%%), sd %.2f (period noise %.2f), 4 SE %.2f",
                   m, theory, sd, noise, 4 * se);
    g_assert_cmpfloat(fabs(sd / noise - 1), <, 0.3);
    g_assert_cmpfloat(fabs(m - theory), <=, 4 * se);
    g_assert_cmpfloat(m - 4 * se, >=, 45);
    g_assert_cmpfloat(m + 4 * se, <=, 50);
    g_array_free(x, TRUE);
    test_run_free(r);
}

/* ---- configuration ------------------------------------------------------- */

static void assert_error(const char *text, const char *where, const char *what)
{
    GError *error = load_error(text);
    g_assert_error(error, CIRRUS_ERROR, CIRRUS_ERROR_SCENARIO);
    g_assert_nonnull(strstr(error->message, where));
    g_assert_nonnull(strstr(error->message, what));
    g_error_free(error);
}

/* EC2 sends its metrics every 5 minutes unless detailed monitoring is on
 * (basic monitoring, the launch templates' default): a simple policy
 * whose alarm breaches at once (one busy worker on one instance, CPU
 * 100% > 50) scales at the end of the first period — 300 s by default,
 * 60 s with detailed_monitoring. */
static void test_monitoring_period(void)
{
    static const char tmpl[] =
        "name: mon\nduration: 400s\nsample_interval: 1s\n"
        "workloads:\n  - {name: u, target: web, arrival: {process: constant, rate: 1/s}}\n"
        "components:\n"
        "  - name: web\n    type: asg\n    max: 5%s\n"
        "    instance: {workers: 1, service_time: 1s, boot_time: 0s}\n"
        "    policy: {type: simple, alarm: {threshold: 50, periods: 1}, change: 1, cooldown: 1h}\n";
    const char *variants[] = {"", "\n    detailed_monitoring: true"};
    const double first[] = {300, 60};
    for (guint v = 0; v < 2; v++) {
        char *text = g_strdup_printf(tmpl, variants[v]);
        TestRun *r = test_run_text(text, NULL);
        g_free(text);
        double at = -1;
        for (guint i = 0; i < test_n_rows(r) && at < 0; i++)
            if (test_component_value(r, i, "web", "ScalingActivities") > 0) at = g_array_index(r->times, double, i);
        g_test_message("first scaling activity in the row ending at %g s", at);
        /* The row ending at t covers [t - 1, t): the activity at exactly
         * `first` falls in the row ending one second later. */
        g_assert_cmpfloat(at, ==, first[v] + 1);
        test_run_free(r);
    }
}

static void test_config_errors(void)
{
    const char *head = "name: bad\nduration: 1m\ncomponents:\n  - name: web\n    type: asg\n";
    char *t;
#define BAD(body, where, what) \
    t = g_strconcat(head, body, NULL); assert_error(t, where, what); g_free(t)
    BAD("    instance: {service_time: 10ms, consumes: {source: q}}\n", "bad.yaml:6:", "unknown component 'q'");
    BAD("    instance: {service_time: 10ms}\n    policy: {type: target_tracking, target: 5,\n"
        "      metric: {metric: ApproximateNumberOfMessagesVisible, source: q}}\n",
        "bad.yaml:8:", "per_instance: true");
    BAD("    min: 2\n    max: 1\n    instance: {service_time: 10ms}\n", "bad.yaml:7:", "below min");
    BAD("    max: 3\n    desired: 4\n    instance: {service_time: 10ms}\n", "bad.yaml:7:", "desired (4)");
    BAD("    instance: {service_time: 10ms}\n    policy: {type: simple, alarm: {threshold: 5}, change: 1, cooldwon: 1s}\n",
        "bad.yaml:7:", "did you mean 'cooldown'");
    BAD("    instance: {service_time: 10ms}\n    policy: {type: step, alarm: {threshold: 5},\n"
        "      steps: [{lower: 0, upper: 10, change: 1}, {lower: 20, change: 2}]}\n",
        "bad.yaml:8:", "without a gap");
    BAD("    instance: {service_time: 10ms}\n    policy: {type: step, alarm: {threshold: 5},\n"
        "      steps: [{lower: 10, change: 1}]}\n", "bad.yaml:8:", "cover every breach");
    BAD("    instance: {service_time: 10ms}\n    policy: {type: step, cooldown: 60s, alarm: {threshold: 5},\n"
        "      steps: [{lower: 0, change: 1}]}\n", "bad.yaml:7:", "no cooldown");
    BAD("    zones: [a, a]\n    instance: {service_time: 10ms}\n", "bad.yaml:6:", "listed twice");
    /* CloudWatch's periods (models/aws/datapoint.h), as for Route 53's alarms. */
    BAD("    metrics_period: 45s\n    instance: {service_time: 10ms}\n", "bad.yaml:6:",
        "a CloudWatch period is 10s, 30s or a multiple of 60s");
    BAD("    detailed_monitoring: false\n    metrics_period: 60s\n    instance: {service_time: 10ms}\n", "bad.yaml:7:",
        "basic monitoring (detailed_monitoring: false) sends EC2 metrics every 5 minutes");
    BAD("    instance: {service_time: 10ms, calls: [{target: nowhere}]}\n", "bad.yaml:6:", "unknown component 'nowhere'");
#undef BAD
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/models/asg/boot-time", test_boot_time);
    g_test_add_func("/models/asg/cooldown", test_cooldown);
    g_test_add_func("/models/asg/period-aggregate", test_period_aggregate);
    g_test_add_func("/models/asg/min-max", test_min_max);
    g_test_add_func("/models/asg/zone-balance", test_zone_balance);
    g_test_add_func("/models/asg/sync-calls", test_sync_calls);
    g_test_add_func("/models/asg/monitoring-period", test_monitoring_period);
    g_test_add_func("/models/asg/direct-no-503", test_direct_no_503);
    g_test_add_func("/models/asg/direct-erlang-b", test_direct_erlang_b);
    g_test_add_func("/models/asg/instance-failure", test_instance_failure);
    g_test_add_func("/models/asg/slots-reused", test_slots_reused);
    g_test_add_func("/models/asg/zone-outage", test_zone_outage);
    g_test_add_func("/models/asg/health-checks", test_health_checks);
    g_test_add_func("/models/asg/deregistration", test_deregistration);
    g_test_add_func("/models/asg/step-warmup", test_step_warmup);
    g_test_add_func("/models/asg/target-tracking", test_target_tracking);
    g_test_add_func("/models/asg/config-errors", test_config_errors);
    int rc = g_test_run();
    if (seen) g_array_free(seen, TRUE);
    return rc;
}
