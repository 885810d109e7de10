/* cirrus tests — the load balancers (models/alb/alb.c) against numbers.
 *
 * The load balancer talks to an Auto Scaling group through the protocol of
 * models/protocol/targets.h.  Here a small fake group stands in for the real one,
 * registered under the type name "asg" in a test registry: it registers
 * chosen targets in chosen zones, serves each request on the instance the
 * load balancer named with a constant service time, answers health probes
 * unless a target has failed, and records what it sees.  Tolerances for
 * random shares are 4 binomial standard errors, sqrt(p(1-p)/n). */
#include "testutil.h"
#include "models/alb/alb.h"
#include "models/alb/min_tree.h"
#include "models/aws/globals.h"
#include "models/service/service.h"
#include "models/protocol/targets.h"
#include "models/workload/workload.h"

/* ---- the fake target group ---------------------------------------------- */

enum { FAKE_DONE = CIRRUS_EVENT_MODEL, FAKE_REGISTER, FAKE_DEREGISTER, FAKE_FAIL, FAKE_RECOVER };

typedef struct {
    guint zone;
    CirrusTime service_time;
    gint64 busy;
    GQueue waiting;
    gboolean registered, dead, probes_fail;
    gint64 requests;            /* arrived at or after count_from */
    gint64 after_deregister;    /* arrived after the deregistration */
    CirrusTime first_request, last_request, last_done;   /* -1: none */
    CirrusTime first_after_recovery;                     /* -1: none */
    CirrusTime deregistered_at, drained_at, unhealthy_at; /* -1: never */
} FakeTarget;

typedef struct {
    CirrusTime time;
    guint64 client;
    guint32 target;
} FakeLog;

typedef struct {
    GArray *targets;          /* FakeTarget; id i + 1 is index i */
    CirrusComponent *lb;      /* who attached */
    gint64 workers;
    CirrusTime count_from;
    gint64 late_target;       /* registers at late_at instead of at once */
    CirrusTime late_at;
    GArray *fail_targets;     /* gint64 ids */
    CirrusTime fail_at, fail_until;   /* fail_until: they recover (default never) */
    gboolean fail_dead;       /* dead: no probes, requests fail; else probes only */
    gint64 deregister_target;
    CirrusTime deregister_at;
    gboolean log_requests;
    GArray *log;              /* FakeLog */
} Fake;

static gboolean fake_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    static const char *const modes[] = {"dead", "probes", NULL};
    Fake *f = state;
    CirrusNode *zones, *slow, *fail, *fail_list, *dereg, *late;
    CirrusTime service, slow_time;
    gint64 slow_target;
    int mode;
    (void)self;
    if (!cirrus_cfg_list(cfg, "zones", &zones, error) ||
        !cirrus_cfg_duration(cfg, "service_time", 10 * CIRRUS_MS, 0, CIRRUS_HOUR, &service, error) ||
        !cirrus_cfg_int(cfg, "workers", 1000000, 1, G_MAXINT64, &f->workers, error) ||
        !cirrus_cfg_duration(cfg, "count_from", 0, 0, CIRRUS_TIME_NEVER, &f->count_from, error) ||
        !cirrus_cfg_bool(cfg, "log", FALSE, &f->log_requests, error) ||
        !cirrus_cfg_map(cfg, "slow", &slow, error) ||
        !cirrus_cfg_int(slow, "target", 0, 0, 1000, &slow_target, error) ||
        !cirrus_cfg_duration(slow, "service_time", service, 0, CIRRUS_HOUR, &slow_time, error) ||
        !cirrus_cfg_map(cfg, "fail", &fail, error) ||
        !cirrus_cfg_list(fail, "targets", &fail_list, error) ||
        !cirrus_cfg_duration(fail, "at", 0, 0, CIRRUS_TIME_NEVER, &f->fail_at, error) ||
        !cirrus_cfg_duration(fail, "until", CIRRUS_TIME_NEVER, 0, CIRRUS_TIME_NEVER, &f->fail_until, error) ||
        !cirrus_cfg_enum(fail, "mode", modes, 0, &mode, error) ||
        !cirrus_cfg_map(cfg, "deregister", &dereg, error) ||
        !cirrus_cfg_int(dereg, "target", 0, 0, 1000, &f->deregister_target, error) ||
        !cirrus_cfg_duration(dereg, "at", 0, 0, CIRRUS_TIME_NEVER, &f->deregister_at, error) ||
        !cirrus_cfg_map(cfg, "late", &late, error) ||
        !cirrus_cfg_int(late, "target", 0, 0, 1000, &f->late_target, error) ||
        !cirrus_cfg_duration(late, "at", 0, 0, CIRRUS_TIME_NEVER, &f->late_at, error))
        return FALSE;
    f->fail_dead = mode == 0;
    f->targets = g_array_new(FALSE, TRUE, sizeof(FakeTarget));
    for (guint i = 0; zones && i < cirrus_node_len(zones); i++) {
        double z;
        if (!cirrus_node_to_double(cirrus_node_item(zones, i), &z, error)) return FALSE;
        FakeTarget t = {.zone = (guint)z, .service_time = (gint64)(i + 1) == slow_target ? slow_time : service,
                        .first_request = -1, .last_request = -1, .last_done = -1,
                        .deregistered_at = -1, .drained_at = -1, .unhealthy_at = -1,
                        .first_after_recovery = -1};
        g_array_append_val(f->targets, t);
    }
    f->fail_targets = g_array_new(FALSE, FALSE, sizeof(gint64));
    for (guint i = 0; fail_list && i < cirrus_node_len(fail_list); i++) {
        double id;
        if (!cirrus_node_to_double(cirrus_node_item(fail_list, i), &id, error)) return FALSE;
        gint64 v = (gint64)id;
        g_array_append_val(f->fail_targets, v);
    }
    f->log = g_array_new(FALSE, FALSE, sizeof(FakeLog));
    return TRUE;
}

static FakeTarget *fake_target(Fake *f, guint64 id)
{
    return id >= 1 && id <= f->targets->len ? &g_array_index(f->targets, FakeTarget, id - 1) : NULL;
}

static void fake_start(CirrusComponent *self, void *state)
{
    Fake *f = state;
    if (f->fail_targets->len) cirrus_schedule(self, f->fail_at, FAKE_FAIL, NULL, 0);
    if (f->fail_targets->len && f->fail_until < CIRRUS_TIME_NEVER)
        cirrus_schedule(self, f->fail_until, FAKE_RECOVER, NULL, 0);
    if (f->deregister_target) cirrus_schedule(self, f->deregister_at, FAKE_DEREGISTER, NULL, 0);
}

static void fake_register(CirrusComponent *self, Fake *f, guint64 id)
{
    FakeTarget *t = fake_target(f, id);
    t->registered = TRUE;
    cirrus_targets_register(self, f->lb, (CirrusTarget){ (guint32)id, t->zone });
}

static void fake_begin(CirrusComponent *self, FakeTarget *t, CirrusRequest *req)
{
    t->busy++;
    cirrus_schedule(self, t->service_time, FAKE_DONE, req, cirrus_request_data(req)->ref.instance);
}

static void fake_request(CirrusComponent *self, Fake *f, CirrusRequest *req)
{
    CirrusTime now = cirrus_now(self);
    FakeTarget *t = fake_target(f, cirrus_request_data(req)->ref.instance);
    if (!t || !t->registered) {
        cirrus_reply(self, req, CIRRUS_OUTCOME_REJECTED);
        return;
    }
    if (now >= f->count_from) t->requests++;
    if (t->first_request < 0) t->first_request = now;
    if (now >= f->fail_until && t->first_after_recovery < 0) t->first_after_recovery = now;
    t->last_request = now;
    if (t->deregistered_at >= 0) t->after_deregister++;
    if (f->log_requests) {
        FakeLog e = {now, req->client, (guint32)cirrus_request_data(req)->ref.instance};
        g_array_append_val(f->log, e);
    }
    if (t->dead) {
        cirrus_reply(self, req, CIRRUS_OUTCOME_FAILED);
        return;
    }
    if (t->busy < f->workers) fake_begin(self, t, req);
    else g_queue_push_tail(&t->waiting, req);
}

static void fake_done(CirrusComponent *self, Fake *f, CirrusRequest *req, guint64 id)
{
    FakeTarget *t = fake_target(f, id);
    t->busy--;
    t->last_done = cirrus_now(self);
    cirrus_reply(self, req, CIRRUS_OUTCOME_OK);
    CirrusRequest *next = g_queue_pop_head(&t->waiting);
    if (next) fake_begin(self, t, next);
}

static void fake_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    Fake *f = state;
    CirrusTime now = cirrus_now(self);
    FakeTarget *t;
    switch (ev->kind) {
    case CIRRUS_EVENT_REQUEST: fake_request(self, f, ev->request); break;
    case FAKE_DONE: fake_done(self, f, ev->request, ev->data); break;
    case CIRRUS_TARGETS_ATTACH:
        f->lb = ev->source;
        for (guint i = 1; i <= f->targets->len; i++) {
            if ((gint64)i == f->late_target) cirrus_schedule(self, f->late_at, FAKE_REGISTER, NULL, i);
            else fake_register(self, f, i);
        }
        break;
    case FAKE_REGISTER: fake_register(self, f, ev->data); break;
    case FAKE_DEREGISTER:
        t = fake_target(f, (guint64)f->deregister_target);
        t->deregistered_at = now;
        cirrus_targets_deregister(self, f->lb, (CirrusTarget){ (guint32)f->deregister_target, t->zone });
        break;
    case FAKE_FAIL:
        for (guint i = 0; i < f->fail_targets->len; i++) {
            t = fake_target(f, (guint64)g_array_index(f->fail_targets, gint64, i));
            if (f->fail_dead) t->dead = TRUE;
            else t->probes_fail = TRUE;
        }
        break;
    case FAKE_RECOVER:
        for (guint i = 0; i < f->fail_targets->len; i++) {
            t = fake_target(f, (guint64)g_array_index(f->fail_targets, gint64, i));
            t->dead = t->probes_fail = FALSE;
        }
        break;
    case CIRRUS_TARGETS_HEALTH_PROBE:
        t = fake_target(f, cirrus_target_of(ev).id);
        if (!t->dead && !t->probes_fail) cirrus_targets_passed(self, ev->source, cirrus_target_of(ev));
        break;
    case CIRRUS_TARGETS_DRAINED:
        t = fake_target(f, cirrus_target_of(ev).id);
        g_assert_cmpint(t->drained_at, <, 0);   /* exactly once */
        t->drained_at = now;
        break;
    case CIRRUS_TARGETS_UNHEALTHY:
        t = fake_target(f, cirrus_target_of(ev).id);
        if (t->unhealthy_at < 0) t->unhealthy_at = now;
        break;
    default: g_assert_not_reached();
    }
}

static void fake_destroy(CirrusComponent *self, void *state)
{
    Fake *f = state;
    (void)self;
    for (guint i = 0; f->targets && i < f->targets->len; i++) g_queue_clear(&g_array_index(f->targets, FakeTarget, i).waiting);
    if (f->targets) g_array_free(f->targets, TRUE);
    if (f->fail_targets) g_array_free(f->fail_targets, TRUE);
    if (f->log) g_array_free(f->log, TRUE);
}

static const CirrusMetricDef fake_metrics[] = {{NULL, 0, NULL}};

static const CirrusModelType fake_asg_type = {
    .name = "asg", .state_size = sizeof(Fake), .configure = fake_configure, .start = fake_start,
    .handle = fake_handle, .destroy = fake_destroy, .metrics = fake_metrics,
    .protocols = &(const struct CirrusProtocols){ .noun = "a fake asg",
                                                   .speaks = CIRRUS_SPEAKS_INVOKE | CIRRUS_SPEAKS_TARGET_GROUP },
};

static const CirrusModelType *const test_types[] = {
    &cirrus_workload_type, &cirrus_service_type, &cirrus_alb_type, &cirrus_nlb_type, &fake_asg_type, NULL,
};
static const CirrusRegistry test_registry = {
    .types = test_types, .workload_type = "workload", .read_globals = cirrus_globals_read, .prepare = cirrus_models_prepare};

/* ---- helpers ------------------------------------------------------------ */

static TestRun *run(const char *text)
{
    return test_run_with(text, &test_registry, NULL, CIRRUS_PES_DEFAULT);
}

static Fake *fake_of(TestRun *r) { return cirrus_component_state(cirrus_sim_find(r->sim, "web")); }

static FakeTarget *target_of(TestRun *r, guint id) { return fake_target(fake_of(r), id); }

static double sum_of(TestRun *r, const char *component, const char *metric)
{
    return test_summary(r, component, metric).sum;
}

static gint64 total_requests(Fake *f)
{
    gint64 n = 0;
    for (guint i = 1; i <= f->targets->len; i++) n += fake_target(f, i)->requests;
    return n;
}

/* Share of target `id` within 4 binomial SE of p. */
static void assert_share(Fake *f, guint id, double p)
{
    double n = (double)total_requests(f), share = (double)fake_target(f, id)->requests / n;
    double se = sqrt(p * (1 - p) / n);
    g_test_message("target %u: share %.5f, expected %.5f, 4 SE = %.5f (n = %.0f)", id, share, p, 4 * se, n);
    g_assert_cmpfloat(fabs(share - p), <=, 4 * se);
}

static void assert_load_error(const char *text, const char *expect)
{
    GError *error = NULL;
    CirrusScenario *sc = cirrus_scenario_load_text("test.yaml", text, &test_registry, NULL, &error);
    g_assert_null(sc);
    g_assert_nonnull(error);
    g_test_message("%s", error->message);
    if (!strstr(error->message, expect)) g_error("expected '%s' in: %s", expect, error->message);
    g_error_free(error);
}

/* Scenario text: a workload `users` -> load balancer `lb` -> fake `web`. */
static char *scenario(const char *duration, const char *warmup, const char *arrival, const char *clients,
                      const char *lb, const char *web)
{
    return g_strdup_printf("name: lb\nduration: %s\nwarmup: %s\nseed: 3\nsample_interval: 10s\n"
                           "workloads:\n  - {name: users, target: lb, clients: %s, arrival: %s}\n"
                           "components:\n  - {name: lb, targets: web, %s}\n  - {name: web, type: asg, %s}\n",
                           duration, warmup, clients, arrival, lb, web);
}

static TestRun *run_scenario(const char *duration, const char *warmup, const char *arrival, const char *clients,
                             const char *lb, const char *web)
{
    char *text = scenario(duration, warmup, arrival, clients, lb, web);
    TestRun *r = run(text);
    g_free(text);
    return r;
}

/* Health checks every 5 s, 2 passes: every target serves within 10 s. */
#define QUICK_HC "health_check: {interval: 5s, timeout: 2s, healthy_threshold: 2}"

/* ---- routing ------------------------------------------------------------ */

/* Round robin over 4 targets at a constant 100/s: after warm-up every
 * target has the same count (to 1), nothing is refused, and the target
 * response time is exactly the 10 ms service time. */
static void test_round_robin_equal(void)
{
    TestRun *r = run_scenario("10m", "30s", "{process: constant, rate: 100/s}", "1",
                              "type: alb, " QUICK_HC, "zones: [0, 0, 1, 1], count_from: 30s");
    Fake *f = fake_of(r);
    gint64 lo = G_MAXINT64, hi = 0;
    for (guint i = 1; i <= 4; i++) {
        lo = MIN(lo, fake_target(f, i)->requests);
        hi = MAX(hi, fake_target(f, i)->requests);
    }
    g_test_message("round robin: per-target requests %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT,
                   lo, hi, total_requests(f));
    g_assert_cmpint(total_requests(f), ==, 57000);   /* 30 s .. 600 s at 100/s, the one at 600 s not run */
    g_assert_cmpint(hi - lo, <=, 1);
    g_assert_cmpfloat(sum_of(r, "lb", "RequestCount"), ==, 57000);
    g_assert_cmpfloat(sum_of(r, "lb", "HTTPCode_ELB_5XX_Count"), ==, 0);
    g_assert_cmpfloat(sum_of(r, "lb", "HTTPCode_Target_5XX_Count"), ==, 0);
    g_assert_cmpfloat(sum_of(r, "users", "Failed"), ==, 0);
    CirrusMetricSummary rt = test_summary(r, "lb", "TargetResponseTime");
    g_assert_cmpint(rt.latency->min, ==, 10 * CIRRUS_MS);
    g_assert_cmpint(rt.latency->max, ==, 10 * CIRRUS_MS);
    /* ActiveConnectionCount: one request in flight for 10 ms of every 10 ms. */
    CirrusMetricSummary active = test_summary(r, "lb", "ActiveConnectionCount");
    g_test_message("ActiveConnectionCount mean %.6f (Little: 100/s x 10 ms = 1)", active.mean);
    g_assert_cmpfloat(fabs(active.mean - 1.0), <, 1e-6);
    g_assert_cmpfloat(test_summary(r, "lb", "HealthyHostCount").mean, ==, 4);
    g_assert_cmpfloat(test_summary(r, "lb", "UnHealthyHostCount").max, ==, 0);
    test_run_free(r);
}

/* Random over 5 targets: each share within 4 SE of 1/5. */
static void test_random_shares(void)
{
    TestRun *r = run_scenario("20m", "30s", "{process: poisson, rate: 100/s}", "1",
                              "type: alb, algorithm: random, " QUICK_HC, "zones: [0, 0, 1, 1, 2], count_from: 30s");
    for (guint i = 1; i <= 5; i++) assert_share(fake_of(r), i, 0.2);
    g_assert_cmpfloat(sum_of(r, "lb", "HTTPCode_ELB_5XX_Count"), ==, 0);
    test_run_free(r);
}

/* Zone a: 1 target, zone b: 3.  Cross-zone off (the NLB default): each
 * zone's node takes half, so 1/2 and 1/6 each.  On: 1/4 each. */
static void test_cross_zone_off(void)
{
    TestRun *r = run_scenario("20m", "30s", "{process: poisson, rate: 100/s}", "1",
                              "type: nlb, " QUICK_HC, "zones: [0, 1, 1, 1], count_from: 30s");
    Fake *f = fake_of(r);
    assert_share(f, 1, 1.0 / 2);
    for (guint i = 2; i <= 4; i++) assert_share(f, i, 1.0 / 6);
    test_run_free(r);
}

static void test_cross_zone_on(void)
{
    TestRun *r = run_scenario("20m", "30s", "{process: poisson, rate: 100/s}", "1",
                              "type: nlb, cross_zone: true, " QUICK_HC, "zones: [0, 1, 1, 1], count_from: 30s");
    for (guint i = 1; i <= 4; i++) assert_share(fake_of(r), i, 1.0 / 4);
    test_run_free(r);
}

/* Cross-zone off with round robin: the zone is a coin toss per request,
 * round robin within it; zone b's three targets split its half exactly. */
static void test_cross_zone_off_round_robin(void)
{
    TestRun *r = run_scenario("20m", "30s", "{process: poisson, rate: 100/s}", "1",
                              "type: alb, cross_zone: false, " QUICK_HC, "zones: [0, 1, 1, 1], count_from: 30s");
    Fake *f = fake_of(r);
    assert_share(f, 1, 1.0 / 2);
    gint64 b2 = fake_target(f, 2)->requests, b3 = fake_target(f, 3)->requests, b4 = fake_target(f, 4)->requests;
    g_assert_cmpint(MAX(b2, MAX(b3, b4)) - MIN(b2, MIN(b3, b4)), <=, 1);
    test_run_free(r);
}

/* Four single-worker targets serving in 10 ms, one in 40 ms; Poisson 80/s.
 * Round robin sends the slow one a quarter (20/s, 80% busy): its queue
 * dominates the mean.  Least outstanding requests sends it less. */
static double mean_latency_ms(const char *algorithm, double *slow_share)
{
    char *lb = g_strdup_printf("type: alb, algorithm: %s, " QUICK_HC, algorithm);
    TestRun *r = run_scenario("2h", "1m", "{process: poisson, rate: 80/s}", "1", lb,
                              "zones: [0, 0, 1, 1], workers: 1, slow: {target: 4, service_time: 40ms}, count_from: 1m");
    double mean = test_summary(r, "users", "Latency").mean * 1e3;
    *slow_share = (double)target_of(r, 4)->requests / (double)total_requests(fake_of(r));
    g_assert_cmpfloat(sum_of(r, "users", "Failed"), ==, 0);
    test_run_free(r);
    g_free(lb);
    return mean;
}

static void test_least_outstanding_beats_round_robin(void)
{
    double rr_share, lor_share;
    double rr = mean_latency_ms("round_robin", &rr_share), lor = mean_latency_ms("least_outstanding_requests", &lor_share);
    g_test_message("mean latency: round robin %.2f ms (slow target's share %.4f), "
                   "least outstanding %.2f ms (share %.4f)", rr, rr_share, lor, lor_share);
    g_assert_cmpfloat(fabs(rr_share - 0.25), <, 1e-4);
    g_assert_cmpfloat(lor_share, <, 0.15);
    /* Least outstanding comes within 20% of the fast targets' 10 ms, and
     * under 60% of round robin's mean. */
    g_assert_cmpfloat(lor, <, 12.0);
    g_assert_cmpfloat(lor, <, 0.6 * rr);
}

/* The least-outstanding index: after every change of a random leaf's key
 * (small counts, as outstanding requests, and a unique low part, as an
 * id), and after rebuilds of other sizes (1, a power of two, one over),
 * its least is a scan's. */
static void test_min_tree_against_a_scan(void)
{
    static const guint sizes[] = {1, 2, 3, 40, 64, 65, 7};
    CirrusMinTree tree = { 0 };
    CirrusRng rng;
    cirrus_rng_seed(&rng, 22);
    for (guint k = 0; k < G_N_ELEMENTS(sizes); k++) {
        guint n = sizes[k];
        guint64 *keys = g_new(guint64, n);
        for (guint i = 0; i < n; i++) keys[i] = cirrus_rng_below(&rng, 4) << 32 | (guint64)(n - i);
        cirrus_min_tree_build(&tree, keys, n);
        for (int step = 0; step < 20000; step++) {
            guint least = 0;
            for (guint i = 1; i < n; i++)
                if (keys[i] < keys[least]) least = i;
            g_assert_cmpuint(cirrus_min_tree_least(&tree), ==, least);
            guint i = (guint)cirrus_rng_below(&rng, n);
            guint64 count = keys[i] >> 32;
            count = count == 0 || cirrus_rng_below(&rng, 2) ? count + 1 : count - 1;
            keys[i] = count << 32 | (keys[i] & 0xFFFFFFFFu);
            cirrus_min_tree_set(&tree, i, keys[i]);
        }
        g_free(keys);
    }
    cirrus_min_tree_clear(&tree);
}

/* ---- health ------------------------------------------------------------- */

/* Target 1 of 3 dies at 105 s (no probe answers, requests fail).  Checks
 * every 10 s, timeout 2 s, 3 failures: it is unhealthy between
 * 2 x 10 + 2 = 22 s and 3 x 10 + 2 = 32 s after it died (here: probes at
 * 110, 120 and 130 s fail, the last at 132 s, 27 s after), and gets no
 * request after that. */
static void test_unhealthy_detection(void)
{
    TestRun *r = run_scenario("5m", "0s", "{process: constant, rate: 100/s}", "1",
                              "type: alb, health_check: {interval: 10s, timeout: 2s, healthy_threshold: 2, "
                              "unhealthy_threshold: 3}",
                              "zones: [0, 1, 0], fail: {targets: [1], at: 105s}");
    FakeTarget *t = target_of(r, 1);
    double detect = cirrus_time_to_s(t->unhealthy_at) - 105.0;
    g_test_message("detected %.3f s after the failure (bounds [22, 32)); last request at %.3f s",
                   detect, cirrus_time_to_s(t->last_request));
    g_assert_cmpfloat(detect, >=, 22.0);
    g_assert_cmpfloat(detect, <, 32.0);
    g_assert_cmpint(t->last_request, <=, t->unhealthy_at);
    /* Until detection a third of the requests failed: 100/s x detect / 3. */
    double target_5xx = sum_of(r, "lb", "HTTPCode_Target_5XX_Count");
    g_test_message("HTTPCode_Target_5XX_Count %.0f (about %.0f)", target_5xx, 100 * detect / 3);
    g_assert_cmpfloat(fabs(target_5xx - 100 * detect / 3), <=, 2);
    /* The client's failures add up: the target's 5xx, and the load
     * balancer's 503s before the first target was healthy. */
    g_assert_cmpfloat(sum_of(r, "users", "Failed"), ==, target_5xx + sum_of(r, "lb", "HTTPCode_ELB_5XX_Count"));
    /* The gauges end at 2 healthy, 1 unhealthy. */
    g_assert_cmpfloat(test_summary(r, "lb", "HealthyHostCount").last, ==, 2);
    g_assert_cmpfloat(test_summary(r, "lb", "UnHealthyHostCount").last, ==, 1);
    test_run_free(r);
}

/* The ALB defaults (30 s, 5 passes): a new target needs only its first
 * passing check (AWS: "it must pass one health check to be considered
 * healthy"), so it is healthy 30 s after it registers and gets a request
 * within the next few arrivals (10/s, round robin); until then the load
 * balancer has nowhere to send and answers 503.  A target registered at
 * 300 s waits as long.  The threshold of 5 is for coming back from
 * unhealthy (tested in health/recovery). */
static void test_initial_health(void)
{
    TestRun *r = run_scenario("10m", "0s", "{process: constant, rate: 10/s}", "1", "type: alb",
                              "zones: [0, 1, 0], late: {target: 3, at: 300s}");
    for (guint i = 1; i <= 3; i++) {
        FakeTarget *t = target_of(r, i);
        double wait = cirrus_time_to_s(t->first_request) - (i == 3 ? 300.0 : 0.0);
        g_test_message("target %u: first request %.3f s after registering", i, wait);
        g_assert_cmpfloat(wait, >=, 30.0);
        g_assert_cmpfloat(wait, <, 31.0);
    }
    double first = MIN(cirrus_time_to_s(target_of(r, 1)->first_request), cirrus_time_to_s(target_of(r, 2)->first_request));
    double elb_5xx = sum_of(r, "lb", "HTTPCode_ELB_5XX_Count");
    g_test_message("503s before the first healthy target (%.3f s): %.0f", first, elb_5xx);
    g_assert_cmpfloat(elb_5xx, ==, (double)(llround(first * 10) - 1));   /* arrivals at 0.1, 0.2, ... before `first` */
    test_run_free(r);
}

/* Target 1 fails its probes from 100 s to 202 s.  Checks every 5 s, 2
 * failures: unhealthy by 110 s.  Coming back needs healthy_threshold = 2
 * passes (at 205 s and 210 s), not the single pass a new target needs: its
 * first request after recovery comes in [210 s, 210.1 s). */
static void test_recovery(void)
{
    TestRun *r = run_scenario("5m", "0s", "{process: constant, rate: 100/s}", "1", "type: alb, " QUICK_HC,
                              "zones: [0, 1], fail: {targets: [1], at: 100s, until: 202s, mode: probes}");
    FakeTarget *t = target_of(r, 1);
    double back = cirrus_time_to_s(t->first_after_recovery);
    g_test_message("unhealthy at %.3f s; first request after recovery at %.3f s",
                   cirrus_time_to_s(t->unhealthy_at), back);
    g_assert_cmpfloat(cirrus_time_to_s(t->unhealthy_at), <=, 110.0);
    g_assert_cmpfloat(back, >=, 210.0);
    g_assert_cmpfloat(back, <, 210.1);
    test_run_free(r);
}

/* Both targets stop answering probes at 100 s but still serve: once both
 * are unhealthy the load balancer fails open and keeps routing to them,
 * so nothing is refused. */
static void test_fail_open(void)
{
    TestRun *r = run_scenario("5m", "20s", "{process: constant, rate: 100/s}", "1", "type: alb, " QUICK_HC,
                              "zones: [0, 1], fail: {targets: [1, 2], at: 100s, mode: probes}");
    FakeTarget *a = target_of(r, 1), *b = target_of(r, 2);
    g_test_message("unhealthy at %.3f s and %.3f s; last requests at %.3f s and %.3f s",
                   cirrus_time_to_s(a->unhealthy_at), cirrus_time_to_s(b->unhealthy_at),
                   cirrus_time_to_s(a->last_request), cirrus_time_to_s(b->last_request));
    g_assert_cmpint(a->unhealthy_at, >, 100 * CIRRUS_SEC);
    g_assert_cmpint(b->unhealthy_at, >, 100 * CIRRUS_SEC);
    g_assert_cmpint(a->last_request, >, 299 * CIRRUS_SEC);
    g_assert_cmpint(b->last_request, >, 299 * CIRRUS_SEC);
    g_assert_cmpfloat(sum_of(r, "lb", "HTTPCode_ELB_5XX_Count"), ==, 0);
    g_assert_cmpfloat(sum_of(r, "users", "Failed"), ==, 0);
    g_assert_cmpfloat(test_summary(r, "lb", "UnHealthyHostCount").last, ==, 2);
    g_assert_cmpfloat(test_summary(r, "lb", "HealthyHostCount").last, ==, 0);
    test_run_free(r);
}

/* No targets at all: every request is a 503 from the load balancer. */
static void test_no_targets(void)
{
    TestRun *r = run_scenario("1m", "0s", "{process: constant, rate: 10/s}", "1", "type: alb", "zones: []");
    g_assert_cmpfloat(sum_of(r, "users", "Requests"), ==, 599);
    g_assert_cmpfloat(sum_of(r, "lb", "RequestCount"), ==, 599);
    g_assert_cmpfloat(sum_of(r, "lb", "HTTPCode_ELB_5XX_Count"), ==, 599);
    g_assert_cmpfloat(sum_of(r, "users", "Rejected"), ==, 599);
    test_run_free(r);
}

/* ---- stickiness --------------------------------------------------------- */

/* 20 clients, cookies of 60 s, random over 4 targets: within a cookie's
 * life every request of a client goes to one target; when the cookie
 * expires the client is routed anew, to another target 3 times in 4.
 * (Random, not round robin: with 20 clients on 4 targets, renewals come in
 * about the order of the first assignments and a round-robin cursor would
 * put most clients back on their old target.) */
static void test_sticky(void)
{
    TestRun *r = run_scenario("10m", "0s", "{process: poisson, rate: 50/s}", "20",
                              "type: alb, algorithm: random, stickiness: {enabled: true, duration: 60s}, " QUICK_HC,
                              "zones: [0, 0, 1, 1], log: true");
    GArray *log = fake_of(r)->log;
    CirrusTime start[20], expires[20];
    guint32 target[20];
    guint periods = 0, moves = 0;
    for (guint c = 0; c < 20; c++) expires[c] = -1;
    for (guint i = 0; i < log->len; i++) {
        const FakeLog *e = &g_array_index(log, FakeLog, i);
        g_assert_cmpuint(e->client, <, 20);
        guint c = (guint)e->client;
        if (expires[c] < 0 || e->time >= expires[c]) {
            if (expires[c] >= 0) {
                periods++;
                if (e->target != target[c]) moves++;
            }
            start[c] = e->time;
            expires[c] = e->time + 60 * CIRRUS_SEC;
            target[c] = e->target;
        } else {
            g_assert_cmpuint(e->target, ==, target[c]);   /* stuck for the whole cookie */
            g_assert_cmpint(e->time, >=, start[c]);
        }
    }
    double non_sticky = sum_of(r, "lb", "NonStickyRequestCount");
    g_test_message("%u requests; %u cookie renewals, %u moved to another target; NonStickyRequestCount %.0f",
                   log->len, periods, moves, non_sticky);
    g_assert_cmpuint(periods, >=, 20 * 8);       /* 10 min of 60 s cookies, less the first */
    double p = (double)moves / periods, se = sqrt(0.75 * 0.25 / periods);
    g_test_message("moved at renewal: %.4f, expected 0.75, 4 SE = %.4f", p, 4 * se);
    g_assert_cmpfloat(fabs(p - 0.75), <=, 4 * se);
    /* A new cookie for each client's first request and each renewal; the
     * requests refused before any target was healthy count too. */
    g_assert_cmpfloat(non_sticky - sum_of(r, "lb", "HTTPCode_ELB_5XX_Count"), ==, periods + 20);
    test_run_free(r);
}

/* ---- deregistration ----------------------------------------------------- */

/* Requests take 2 s; target 2 of 3 is deregistered at 60 s with the
 * default delay of 300 s.  It gets no new request, its in-flight ones
 * finish normally, and DRAINED comes at the instant the last one is
 * answered. */
static void test_drain_when_idle(void)
{
    TestRun *r = run_scenario("3m", "20s", "{process: constant, rate: 10/s}", "1", "type: alb, " QUICK_HC,
                              "zones: [0, 1, 0], service_time: 2s, deregister: {target: 2, at: 60s}");
    FakeTarget *t = target_of(r, 2);
    g_test_message("deregistered at %.3f s, last request at %.3f s, last reply at %.3f s, drained at %.3f s",
                   cirrus_time_to_s(t->deregistered_at), cirrus_time_to_s(t->last_request),
                   cirrus_time_to_s(t->last_done), cirrus_time_to_s(t->drained_at));
    g_assert_cmpint(t->after_deregister, ==, 0);
    g_assert_cmpint(t->last_request, <=, t->deregistered_at);
    g_assert_cmpint(t->last_done, >, t->deregistered_at);     /* there was something to drain */
    g_assert_cmpint(t->drained_at, ==, t->last_done);
    /* Nothing failed after the warm-up (which covers the first checks). */
    g_assert_cmpfloat(sum_of(r, "users", "Failed"), ==, 0);
    g_assert_cmpfloat(sum_of(r, "lb", "HTTPCode_Target_5XX_Count"), ==, 0);
    test_run_free(r);
}

/* Requests take 20 s and the delay is 5 s: DRAINED comes at the delay,
 * and the requests still in flight are answered normally afterwards. */
static void test_drain_at_delay(void)
{
    TestRun *r = run_scenario("3m", "20s", "{process: constant, rate: 10/s}", "1",
                              "type: alb, deregistration_delay: 5s, " QUICK_HC,
                              "zones: [0, 1, 0], service_time: 20s, deregister: {target: 2, at: 60s}");
    FakeTarget *t = target_of(r, 2);
    g_test_message("deregistered at %.3f s, drained at %.3f s, last reply at %.3f s",
                   cirrus_time_to_s(t->deregistered_at), cirrus_time_to_s(t->drained_at),
                   cirrus_time_to_s(t->last_done));
    g_assert_cmpint(t->drained_at, ==, t->deregistered_at + 5 * CIRRUS_SEC);
    g_assert_cmpint(t->last_done, >, t->drained_at);
    g_assert_cmpint(t->after_deregister, ==, 0);
    g_assert_cmpfloat(sum_of(r, "users", "Failed"), ==, 0);
    test_run_free(r);
}

/* A zero delay drains at once. */
static void test_drain_zero_delay(void)
{
    TestRun *r = run_scenario("2m", "0s", "{process: constant, rate: 10/s}", "1",
                              "type: alb, deregistration_delay: 0s, " QUICK_HC,
                              "zones: [0, 1], service_time: 2s, deregister: {target: 2, at: 60s}");
    FakeTarget *t = target_of(r, 2);
    g_assert_cmpint(t->drained_at, ==, t->deregistered_at);
    g_assert_cmpint(t->after_deregister, ==, 0);
    test_run_free(r);
}

/* ---- faults ------------------------------------------------------------- */

/* An outage of the load balancer from 100 s to 110 s refuses exactly the
 * 100 requests of that window (10/s), and nothing else. */
static void test_outage(void)
{
    char *text = scenario("3m", "30s", "{process: constant, rate: 10/s}", "1", "type: alb, " QUICK_HC, "zones: [0, 1]");
    char *with_fault = g_strconcat(text, "faults:\n  - {at: 100s, kind: outage, component: lb, duration: 10s}\n", NULL);
    TestRun *r = run(with_fault);
    g_assert_cmpfloat(sum_of(r, "lb", "HTTPCode_ELB_5XX_Count"), ==, 100);
    g_assert_cmpfloat(sum_of(r, "users", "Rejected"), ==, 100);
    g_assert_cmpfloat(sum_of(r, "users", "Failed"), ==, 100);
    test_run_free(r);
    g_free(with_fault);
    g_free(text);
}

/* ---- configuration ------------------------------------------------------ */

static void test_config_errors(void)
{
    const char *wl = "name: x\nduration: 1m\nworkloads: [{name: u, target: lb, arrival: {rate: 1/s}}]\ncomponents:\n";
#define BAD(components, expect)                                           \
    do {                                                                  \
        char *t = g_strconcat(wl, components, NULL);                      \
        assert_load_error(t, expect);                                     \
        g_free(t);                                                        \
    } while (0)
    BAD("  - {name: lb, type: alb}\n", "missing required key 'targets'");
    BAD("  - {name: lb, type: alb, targets: db}\n  - {name: db, type: service, service_time: 1ms}\n",
        "must be an Auto Scaling group (type asg); 'db' is a service");
    BAD("  - {name: lb, type: alb, targets: nope}\n  - {name: web, type: asg}\n", "unknown component 'nope'");
    BAD("  - {name: lb, type: nlb, targets: web, algorithm: least_outstanding_requests}\n  - {name: web, type: asg}\n",
        "offers no least_outstanding_requests");
    BAD("  - {name: lb, type: alb, targets: web, algorithm: fastest}\n  - {name: web, type: asg}\n", "algorithm");
    BAD("  - {name: lb, type: alb, targets: web, health_check: {interval: 5s}}\n  - {name: web, type: asg}\n",
        "health check timeout (5s) must be shorter than the interval (5s)");
    BAD("  - {name: lb, type: nlb, targets: web, health_check: {interval: 5s}}\n  - {name: web, type: asg}\n",
        "health check timeout (10s) must be at most the interval (5s)");
    BAD("  - {name: lb, type: alb, targets: web, health_check: {interval: 301s}}\n  - {name: web, type: asg}\n",
        "interval");
    BAD("  - {name: lb, type: alb, targets: web, health_check: {healthy_threshold: 11}}\n  - {name: web, type: asg}\n",
        "healthy_threshold");
    BAD("  - {name: lb, type: alb, targets: web, health_check: {unhealthy_threshold: 1}}\n  - {name: web, type: asg}\n",
        "unhealthy_threshold");
    BAD("  - {name: lb, type: alb, targets: web, deregistration_delay: 3601s}\n  - {name: web, type: asg}\n",
        "deregistration_delay");
    BAD("  - {name: lb, type: alb, targets: web, stickiness: {enabled: true, duration: 8d}}\n  - {name: web, type: asg}\n",
        "duration");
    BAD("  - {name: lb, type: alb, targets: web, cross_zone: false, stickiness: {enabled: true}}\n"
        "  - {name: web, type: asg}\n",
        "does not support stickiness with cross_zone: false");
    BAD("  - {name: lb, type: alb, targets: web, health_check: {intervall: 10s}}\n  - {name: web, type: asg}\n",
        "did you mean 'interval'");
#undef BAD
    /* An NLB may check every 10 s with its 10 s TCP timeout, and be sticky
     * without cross-zone. */
    GError *error = NULL;
    CirrusScenario *sc = cirrus_scenario_load_text(
        "test.yaml",
        "name: x\nduration: 1m\nworkloads: [{name: u, target: lb, arrival: {rate: 1/s}}]\ncomponents:\n"
        "  - {name: lb, type: nlb, targets: web, stickiness: {enabled: true}, health_check: {interval: 10s}}\n"
        "  - {name: web, type: asg}\n",
        &test_registry, NULL, &error);
    g_assert_no_error(error);
    cirrus_scenario_free(sc);
}

/* The real registry knows both types. */
static void test_registered(void)
{
    gboolean alb = FALSE, nlb = FALSE;
    for (const CirrusModelType *const *t = cirrus_models_registry()->types; *t; t++) {
        alb |= *t == &cirrus_alb_type;
        nlb |= *t == &cirrus_nlb_type;
    }
    g_assert_true(alb && nlb);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/models/alb/registered", test_registered);
    g_test_add_func("/models/alb/config-errors", test_config_errors);
    g_test_add_func("/models/alb/round-robin/equal-shares", test_round_robin_equal);
    g_test_add_func("/models/alb/random/shares", test_random_shares);
    g_test_add_func("/models/alb/cross-zone/off", test_cross_zone_off);
    g_test_add_func("/models/alb/cross-zone/on", test_cross_zone_on);
    g_test_add_func("/models/alb/cross-zone/off-round-robin", test_cross_zone_off_round_robin);
    g_test_add_func("/models/alb/least-outstanding/slow-target", test_least_outstanding_beats_round_robin);
    g_test_add_func("/models/alb/least-outstanding/min-tree", test_min_tree_against_a_scan);
    g_test_add_func("/models/alb/health/unhealthy-detection", test_unhealthy_detection);
    g_test_add_func("/models/alb/health/initial", test_initial_health);
    g_test_add_func("/models/alb/health/recovery", test_recovery);
    g_test_add_func("/models/alb/health/fail-open", test_fail_open);
    g_test_add_func("/models/alb/no-targets", test_no_targets);
    g_test_add_func("/models/alb/stickiness", test_sticky);
    g_test_add_func("/models/alb/deregistration/drained-at-last-reply", test_drain_when_idle);
    g_test_add_func("/models/alb/deregistration/drained-at-delay", test_drain_at_delay);
    g_test_add_func("/models/alb/deregistration/zero-delay", test_drain_zero_delay);
    g_test_add_func("/models/alb/fault/outage", test_outage);
    return g_test_run();
}
