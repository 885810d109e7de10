/* What the kernel keeps for every model: the station (workers, a FIFO
 * queue, its limit) and the fault state (outages, epochs, slowdowns). */
#include "testutil.h"
#include "sim/kernel/station.h"

/* Two workers and at most two waiting: the first two start, the next two
 * wait, the fifth is refused; workers hand over in arrival order. */
static void test_station_admission(void)
{
    CirrusStation s = {0};
    CirrusRequest r[5];
    cirrus_station_init(&s, 2, 2);
    g_assert_cmpint(cirrus_station_admit(&s, &r[0]), ==, CIRRUS_STATION_STARTED);
    g_assert_cmpint(cirrus_station_admit(&s, &r[1]), ==, CIRRUS_STATION_STARTED);
    g_assert_false(cirrus_station_has_free_worker(&s));
    g_assert_cmpint(cirrus_station_admit(&s, &r[2]), ==, CIRRUS_STATION_QUEUED);
    g_assert_false(cirrus_station_full(&s));
    g_assert_cmpint(cirrus_station_admit(&s, &r[3]), ==, CIRRUS_STATION_QUEUED);
    g_assert_true(cirrus_station_full(&s));
    g_assert_cmpint(cirrus_station_admit(&s, &r[4]), ==, CIRRUS_STATION_FULL);
    g_assert_cmpuint(cirrus_station_waiting(&s), ==, 2);
    /* A worker frees: the first waiting takes it (busy unchanged). */
    g_assert_true(cirrus_station_release(&s, TRUE) == &r[2]);
    g_assert_cmpint(s.busy, ==, 2);
    /* A failing instance's worker takes no other: it is freed, the queue left. */
    g_assert_null(cirrus_station_release(&s, FALSE));
    g_assert_cmpint(s.busy, ==, 1);
    g_assert_true(cirrus_station_take_waiting(&s) == &r[3]);
    g_assert_null(cirrus_station_take_waiting(&s));
    g_assert_null(cirrus_station_release(&s, TRUE));
    g_assert_cmpint(s.busy, ==, 0);
    /* No limit: never full. */
    cirrus_station_init(&s, 1, -1);
    for (int i = 0; i < 5; i++) cirrus_station_admit(&s, &r[i]);
    g_assert_false(cirrus_station_full(&s));
    g_assert_cmpuint(cirrus_station_waiting(&s), ==, 4);
    cirrus_station_clear(&s);
}

/* ---- the fault state, as a model sees it ------------------------------------ */

enum { WATCH_TICK = CIRRUS_EVENT_MODEL };

typedef struct {
    const CirrusFaultState *faults;
    GArray *seen;   /* Seen, one per tick and per fault event */
} Watch;

typedef struct {
    double t;
    gint outages;
    guint32 epoch;
    double slowdown;
} Seen;

static gboolean watch_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    Watch *w = state;
    (void)cfg;
    (void)error;
    w->faults = cirrus_component_faults(self);
    w->seen = g_array_new(FALSE, FALSE, sizeof(Seen));
    return TRUE;
}

static void watch_start(CirrusComponent *self, void *state)
{
    (void)state;
    for (int k = 1; k < 20; k++) cirrus_schedule(self, k * CIRRUS_SEC - CIRRUS_MS, WATCH_TICK, NULL, 0);
}

static void watch_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    Watch *w = state;
    /* Fault events arrive with the state already brought up to date. */
    g_assert_true(ev->target == self && ev->source == self);
    Seen s = { cirrus_time_to_s(cirrus_now(self)), w->faults->outages, w->faults->epoch, w->faults->slowdown };
    if (ev->kind == WATCH_TICK) g_array_append_val(w->seen, s);
}

static void watch_destroy(CirrusComponent *self, void *state)
{
    Watch *w = state;
    (void)self;
    g_array_free(w->seen, TRUE);
}

static const CirrusModelType watch_type = {
    .name = "watch", .state_size = sizeof(Watch), .configure = watch_configure, .start = watch_start,
    .handle = watch_handle, .destroy = watch_destroy, .metrics = (const CirrusMetricDef[]){{NULL, 0, NULL}},
    .faults = CIRRUS_FAULT_BIT(CIRRUS_FAULT_OUTAGE) | CIRRUS_FAULT_BIT(CIRRUS_FAULT_SLOWDOWN),
};

static const CirrusModelType *const watch_types[] = {&watch_type, NULL};
static const CirrusRegistry watch_registry = { .types = watch_types, .workload_type = "none" };

/* Outages at 2-6 s and 4-8 s overlap (two epochs, down 2-8 s); slowdowns
 * x1.9 at 10-14 s and x1.7 at 12-16 s multiply, and the factor is exactly
 * 1 once both are over (dividing back would leave 1.0000000000000002). */
static void test_fault_state(void)
{
    TestRun *r = test_run_with("name: f\nduration: 20s\ncomponents: [{name: w, type: watch}]\nfaults:\n"
                               "  - {at: 2s, kind: outage, component: w, duration: 4s}\n"
                               "  - {at: 4s, kind: outage, component: w, duration: 4s}\n"
                               "  - {at: 10s, kind: slowdown, component: w, factor: 1.9, duration: 4s}\n"
                               "  - {at: 12s, kind: slowdown, component: w, factor: 1.7, duration: 4s}\n",
                               &watch_registry, NULL, CIRRUS_PES_DEFAULT);
    Watch *w = cirrus_component_state(cirrus_sim_find(r->sim, "w"));
    g_assert_cmpuint(w->seen->len, ==, 19);
    static const gint outages[] = {0, 0, 1, 1, 2, 2, 1, 1, 0, 0};
    static const guint32 epochs[] = {0, 0, 1, 1, 2, 2, 2, 2, 2, 2};
    for (guint k = 0; k < 10; k++) {   /* tick k+1 at (k+1) s - 1 ms */
        const Seen *s = &g_array_index(w->seen, Seen, k);
        g_assert_cmpint(s->outages, ==, outages[k]);
        g_assert_cmpuint(s->epoch, ==, epochs[k]);
    }
    const double both = 1.9 * 1.7, after = both / 1.9;   /* as the kernel computes them */
    const double slow[] = {1.9, 1.9, both, both, after, after, 1, 1, 1};   /* ticks at 11 s .. 19 s */
    g_assert_cmpfloat(after / 1.7, !=, 1.0);   /* why the last one is set, not divided */
    for (guint k = 10; k < 19 && k - 10 < G_N_ELEMENTS(slow); k++)
        g_assert_cmpfloat(g_array_index(w->seen, Seen, k).slowdown, ==, slow[k - 10]);
    g_assert_cmpfloat(g_array_index(w->seen, Seen, 18).slowdown, ==, 1.0);
    test_run_free(r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sim/station/admission", test_station_admission);
    g_test_add_func("/sim/faults/state", test_fault_state);
    return g_test_run();
}
