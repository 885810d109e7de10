/* cirrus — hand-overs as a handler's last act (cirrus_send_last,
 * cirrus_reply_last): the receiver's handler runs at once only when the
 * hand-over would have been the next event, so the order is the order of
 * events; each counts as an event; at most CIRRUS_AT_ONCE_MAX_DEPTH deep;
 * and (debug builds) a handler that acts after its last act is stopped. */
#include "testutil.h"

enum { RELAY_TICK = CIRRUS_EVENT_MODEL, RELAY_NOTICE };

/* What a relay does at its tick (1 s): */
enum {
    RELAY_QUIET,        /* no tick; it forwards requests and answers */
    RELAY_NOTIFY_FIRST, /* notifies `notify` (now), then sends to `next` */
    RELAY_TWO_TICKS,    /* two ticks at 1 s: the first sends to `next` */
    RELAY_SEND,         /* sends to `next` */
    RELAY_ACT_AFTER,    /* sends to `next`, then schedules: breaks the contract */
};

typedef struct {
    gint64 mode, at_once;   /* at_once 0: plain cirrus_send / cirrus_reply */
    const char *next_name, *notify_name;
    CirrusNode *next_node, *notify_node;
    CirrusComponent *next, *notify;
} Relay;

/* "<name>:<what>" for each event handled, in order; how deep handlers ran
 * inside each other. */
static GString *trace;
static int depth, max_depth;

static gboolean relay_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    Relay *r = state;
    (void)self;
    r->next_node = cirrus_cfg_node(cfg, "next");
    r->notify_node = cirrus_cfg_node(cfg, "notify");
    return cirrus_cfg_int(cfg, "mode", RELAY_QUIET, RELAY_QUIET, RELAY_ACT_AFTER, &r->mode, error) &&
           cirrus_cfg_int(cfg, "at_once", 1, 0, 1, &r->at_once, error) &&
           cirrus_cfg_string(cfg, "next", NULL, &r->next_name, error) &&
           cirrus_cfg_string(cfg, "notify", NULL, &r->notify_name, error);
}

static gboolean relay_link(CirrusComponent *self, void *state, CirrusScenario *sc, GError **error)
{
    Relay *r = state;
    (void)self;
    if (r->next_name && !(r->next = cirrus_scenario_lookup(sc, r->next_node, r->next_name, error))) return FALSE;
    if (r->notify_name && !(r->notify = cirrus_scenario_lookup(sc, r->notify_node, r->notify_name, error)))
        return FALSE;
    return TRUE;
}

static void relay_start(CirrusComponent *self, void *state)
{
    Relay *r = state;
    if (r->mode == RELAY_QUIET) return;
    cirrus_schedule(self, CIRRUS_SEC, RELAY_TICK, NULL, 1);
    if (r->mode == RELAY_TWO_TICKS) cirrus_schedule(self, CIRRUS_SEC, RELAY_TICK, NULL, 2);
}

static void hand_over(CirrusComponent *self, const Relay *r, CirrusRequest *req)
{
    if (r->at_once) cirrus_send_last(self, r->next, req);
    else cirrus_send(self, r->next, req, 0);
}

static void answer(CirrusComponent *self, const Relay *r, CirrusRequest *req)
{
    if (r->at_once) cirrus_reply_last(self, req, CIRRUS_OUTCOME_OK);
    else cirrus_reply(self, req, CIRRUS_OUTCOME_OK);
}

/* A new request to `next`; its caller word is the request it serves
 * (none for one of its own). */
static void forward(CirrusComponent *self, const Relay *r, CirrusRequest *serves)
{
    CirrusRequest *req = serves ? cirrus_request_copy(self, serves) : cirrus_request_new(self);
    req->caller.ptr = serves;
    hand_over(self, r, req);
}

static void on_tick(CirrusComponent *self, Relay *r, guint64 which)
{
    if (r->mode == RELAY_NOTIFY_FIRST) cirrus_post(self, r->notify, 0, RELAY_NOTICE, NULL, 0);
    if (r->mode == RELAY_TWO_TICKS && which == 2) return;
    forward(self, r, NULL);
    if (r->mode == RELAY_ACT_AFTER) cirrus_schedule(self, CIRRUS_SEC, RELAY_TICK, NULL, 3);
}

static void relay_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    Relay *r = state;
    depth++;
    max_depth = MAX(max_depth, depth);
    g_assert_cmpint(ev->time, ==, cirrus_now(self));
    const char *what = ev->kind == RELAY_TICK ? (ev->data == 2 ? "tick2" : "tick")
                     : ev->kind == RELAY_NOTICE ? "notice"
                     : ev->kind == CIRRUS_EVENT_REQUEST ? "request" : "reply";
    g_string_append_printf(trace, "%s%s:%s", trace->len ? " " : "", cirrus_component_name(self), what);
    switch (ev->kind) {
    case RELAY_TICK: on_tick(self, r, ev->data); break;
    case RELAY_NOTICE: break;
    case CIRRUS_EVENT_REQUEST:
        if (r->next) forward(self, r, ev->request);
        else answer(self, r, ev->request);
        break;
    case CIRRUS_EVENT_REPLY: {
        CirrusRequest *serves = ev->request->caller.ptr;
        cirrus_request_free(self, ev->request);
        if (serves) answer(self, r, serves);
        break;
    }
    default: g_assert_not_reached();
    }
    depth--;
}

static const CirrusMetricDef relay_metrics[] = {{NULL, 0, NULL}};
static const CirrusModelType relay_type = {
    .name = "relay", .state_size = sizeof(Relay), .configure = relay_configure, .link = relay_link,
    .start = relay_start, .handle = relay_handle, .metrics = relay_metrics,
};
static const CirrusModelType *const relay_types[] = {&relay_type, NULL};
static const CirrusRegistry relay_registry = { .types = relay_types, .workload_type = "none" };

static const CirrusPesKind pes_kinds[] = {CIRRUS_PES_WHEEL, CIRRUS_PES_RADIX, CIRRUS_PES_HEAP4};

/* Run `components` (YAML flow list items, "%d" for at_once) with at_once
 * 0 and 1 on every pending-event set: the same trace, `want`, each time;
 * the same event count, `events`; and `at_once` of them run at once when
 * the relays hand over as their last act (none otherwise). */
static void check_run(const char *components, const char *want, guint64 events, guint64 at_once)
{
    for (int last = 0; last <= 1; last++) {
        for (guint k = 0; k < G_N_ELEMENTS(pes_kinds); k++) {
            char *list = g_strdup_printf(components, last, last, last, last, last, last, last, last, last, last, last,
                                         last);
            char *text = g_strdup_printf("name: h\nduration: 10s\ncomponents: [%s]\n", list);
            trace = g_string_new(NULL);
            depth = max_depth = 0;
            TestRun *run = test_run_with(text, &relay_registry, NULL, pes_kinds[k]);
            g_test_message("at_once %d, pes %u: %s", last, k, trace->str);
            g_assert_cmpstr(trace->str, ==, want);
            g_assert_cmpuint(cirrus_sim_events(run->sim), ==, events);
            g_assert_cmpuint(cirrus_sim_events_at_once(run->sim), ==, last ? at_once : 0);
            test_run_free(run);
            g_string_free(trace, TRUE);
            g_free(text);
            g_free(list);
        }
    }
}

/* a notifies c now, then sends to b as its last act: the notice was
 * posted first, so b's request waits its turn (an event); b's answer is
 * the next event when b makes it, so it runs at once. */
static void test_waits_for_the_ring(void)
{
    check_run("{name: a, type: relay, mode: 1, next: b, notify: c, at_once: %d},"
              "{name: b, type: relay, at_once: %d}, {name: c, type: relay, at_once: %d}",
              "a:tick c:notice b:request a:reply", 4, 1);
}

/* a's second tick is due at the instant its first sends to b: pending in
 * the event set (posted earlier), it goes first. */
static void test_waits_for_the_pes(void)
{
    check_run("{name: a, type: relay, mode: 2, next: b, at_once: %d}, {name: b, type: relay, at_once: %d}",
              "a:tick a:tick2 b:request a:reply", 4, 1);
}

/* A chain of 12 relays, each forwarding what it gets and answering when
 * answered: 1 tick, 11 requests and 11 answers, in chain order.  Handlers
 * run inside each other at most CIRRUS_AT_ONCE_MAX_DEPTH (8) deep below
 * the one the run loop called: the tick's handler runs r01 .. r08 at
 * once, r08's request to r09 is an event; r09's runs r10, r11 and the
 * answers back to r05, whose answer to r04 is an event; r04's runs r03 ..
 * r00.  So 3 events from the loop, 20 at once. */
static void test_depth_is_bounded(void)
{
    GString *chain = g_string_new(NULL), *want = g_string_new("r00:tick");
    for (int i = 0; i < 12; i++) {
        g_string_append_printf(chain, "%s{name: r%02d, type: relay, at_once: %%d", i ? ", " : "", i);
        if (i == 0) g_string_append(chain, ", mode: 3");
        if (i < 11) g_string_append_printf(chain, ", next: r%02d", i + 1);
        g_string_append(chain, "}");
    }
    for (int i = 1; i < 12; i++) g_string_append_printf(want, " r%02d:request", i);
    for (int i = 10; i >= 0; i--) g_string_append_printf(want, " r%02d:reply", i);
    check_run(chain->str, want->str, 23, 20);
    g_assert_cmpint(max_depth, ==, 1 + CIRRUS_AT_ONCE_MAX_DEPTH);
    g_string_free(chain, TRUE);
    g_string_free(want, TRUE);
}

/* Debug builds: scheduling after the last act is refused at once — it
 * would have run before the receiver's handler when the hand-over ran at
 * once, after it when it went as an event. */
static void test_act_after_last_is_refused(void)
{
#ifdef NDEBUG
    g_test_skip("the contract is asserted in debug builds (scripts/test.sh --sanitize)");
#else
    if (g_test_subprocess()) {
        trace = g_string_new(NULL);
        test_run_with("name: h\nduration: 10s\ncomponents: [{name: a, type: relay, mode: 4, next: b},"
                      "{name: b, type: relay}]\n", &relay_registry, NULL, CIRRUS_PES_DEFAULT);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*handed_over*");
#endif
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sim/kernel/hand-over/waits-for-the-ring", test_waits_for_the_ring);
    g_test_add_func("/sim/kernel/hand-over/waits-for-the-pes", test_waits_for_the_pes);
    g_test_add_func("/sim/kernel/hand-over/depth-is-bounded", test_depth_is_bounded);
    g_test_add_func("/sim/kernel/hand-over/act-after-last-is-refused", test_act_after_last_is_refused);
    return g_test_run();
}
