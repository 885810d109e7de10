/* cirrus — kernel tests: pending-event set, pools, event delivery, the
 * metric recorder, determinism. */
#include "testutil.h"
#include "sim/kernel/pes.h"
#include "sim/kernel/pool.h"
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif
#include "tools/summary.h"

/* ---- pending-event set ---- */

typedef struct { CirrusTime t; guint32 idx; } Ref;

static gint ref_cmp(gconstpointer a, gconstpointer b)
{
    const Ref *x = a, *y = b;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;  /* idx = insertion order here */
}

/* The same entry into both structures. */
static void push_both(CirrusPes *a, CirrusPes *b, CirrusTime t, guint32 idx)
{
    g_assert_true(cirrus_pes_push(a, t, idx));
    g_assert_true(cirrus_pes_push(b, t, idx));
}

/* Pop the earliest of both sets: the same entry (time and index); its time. */
static CirrusTime pop_both(CirrusPes *a, CirrusPes *b)
{
    CirrusTime ta, tb;
    guint32 ia, ib;
    g_assert_true(cirrus_pes_pop(a, &ta, &ia));
    g_assert_true(cirrus_pes_pop(b, &tb, &ib));
    g_assert_cmpint(ta, ==, tb);
    g_assert_cmpuint(ia, ==, ib);
    return ta;
}

/* Pop what is left of both sets, entry by entry the same; then a has
 * nothing left either; both freed. */
static void drain_both_and_free(CirrusPes *a, CirrusPes *b)
{
    while (cirrus_pes_size(b) > 0) pop_both(a, b);
    g_assert_cmpuint(cirrus_pes_size(a), ==, 0);
    CirrusTime t;
    guint32 idx;
    g_assert_false(cirrus_pes_pop(a, &t, &idx));
    cirrus_pes_free(a);
    cirrus_pes_free(b);
}

/* Random times with many ties, interleaved pushes and pops: the output
 * must be the stable sort of the input by time. */
static void test_pes_order(gconstpointer data)
{
    CirrusPes *pes = cirrus_pes_new((CirrusPesKind)GPOINTER_TO_INT(data));
    CirrusRng rng;
    cirrus_rng_seed(&rng, 99);
    GArray *ref = g_array_new(FALSE, FALSE, sizeof(Ref));
    guint32 next = 0;
    CirrusTime last_t = -1;
    guint32 last_idx = 0;
    for (int round = 0; round < 200; round++) {
        for (int k = 0; k < 500; k++) {
            /* Times at or after the last popped one, drawn from a small
             * range so that ties are common. */
            CirrusTime t = MAX(last_t, 0) + (CirrusTime)cirrus_rng_below(&rng, 50);
            Ref r = { t, next };
            g_assert_true(cirrus_pes_push(pes, t, next++));
            g_array_append_val(ref, r);
        }
        g_array_sort(ref, ref_cmp);
        for (int k = 0; k < 400; k++) {
            CirrusTime t;
            guint32 idx;
            g_assert_true(cirrus_pes_pop(pes, &t, &idx));
            Ref want = g_array_index(ref, Ref, 0);
            g_array_remove_index(ref, 0);
            g_assert_cmpint(t, ==, want.t);
            g_assert_cmpuint(idx, ==, want.idx);
            g_assert_true(t > last_t || (t == last_t && idx > last_idx));
            last_t = t;
            last_idx = idx;
        }
        g_assert_cmpuint(cirrus_pes_size(pes), ==, ref->len);
    }
    g_assert_cmpint(cirrus_pes_peek_time(pes), ==, g_array_index(ref, Ref, 0).t);
    g_array_free(ref, TRUE);
    cirrus_pes_free(pes);
}

static void test_pes_empty(gconstpointer data)
{
    CirrusPes *pes = cirrus_pes_new((CirrusPesKind)GPOINTER_TO_INT(data));
    CirrusTime t;
    guint32 idx;
    g_assert_false(cirrus_pes_pop(pes, &t, &idx));
    g_assert_cmpint(cirrus_pes_peek_time(pes), ==, CIRRUS_TIME_NEVER);
    cirrus_pes_free(pes);
}

/* Each structure agrees with the 4-ary heap over a wide range of times,
 * including huge gaps (bit 62) and many equal times. */
static void test_pes_large_times(gconstpointer data)
{
    CirrusPes *a = cirrus_pes_new((CirrusPesKind)GPOINTER_TO_INT(data)), *b = cirrus_pes_new(CIRRUS_PES_HEAP4);
    CirrusRng rng;
    cirrus_rng_seed(&rng, 5);
    CirrusTime now = 0;
    for (guint32 i = 0; i < 20000; i++) {
        CirrusTime d = (CirrusTime)(cirrus_rng_next(&rng) >> (1 + cirrus_rng_below(&rng, 63)));
        if (cirrus_rng_below(&rng, 4) == 0) d = 0;
        if (d > (INT64_MAX >> 1)) d >>= 1;
        push_both(a, b, now + d, i);
        if (i % 3 == 2) {
            now = pop_both(a, b);
        }
    }
    CirrusTime ta, tb;
    guint32 ia, ib;
    while (cirrus_pes_pop(a, &ta, &ia)) {
        g_assert_true(cirrus_pes_pop(b, &tb, &ib));
        g_assert_cmpint(ta, ==, tb);
        g_assert_cmpuint(ia, ==, ib);
    }
    g_assert_cmpuint(cirrus_pes_size(b), ==, 0);
    cirrus_pes_free(a);
    cirrus_pes_free(b);
}

/* The number pending rises and falls through the radix heap's switch
 * between its sorted array (few pending) and its buckets (many), and
 * through the wheel's windows and overflow: the order stays that of the
 * 4-ary heap throughout. */
static void test_pes_small_and_big(gconstpointer data)
{
    CirrusPes *a = cirrus_pes_new((CirrusPesKind)GPOINTER_TO_INT(data)), *b = cirrus_pes_new(CIRRUS_PES_HEAP4);
    CirrusRng rng;
    cirrus_rng_seed(&rng, 11);
    CirrusTime now = 0;
    guint32 next = 0;
    for (int wave = 0; wave < 40; wave++) {
        /* Up to 0..200 pending, then down to 0..20. */
        gsize high = cirrus_rng_below(&rng, 201), low = cirrus_rng_below(&rng, 21);
        while (cirrus_pes_size(a) < high) {
            CirrusTime t = now + (CirrusTime)cirrus_rng_below(&rng, wave % 2 ? 8 : 100000);
            push_both(a, b, t, next++);
            if (cirrus_rng_below(&rng, 3) == 0) {
                now = pop_both(a, b);
            }
        }
        while (cirrus_pes_size(a) > low) {
            g_assert_cmpint(cirrus_pes_peek_time(a), ==, cirrus_pes_peek_time(b));
            now = pop_both(a, b);
        }
        g_assert_cmpuint(cirrus_pes_size(a), ==, cirrus_pes_size(b));
    }
    cirrus_pes_free(a);
    cirrus_pes_free(b);
}

/* ---- pool ---- */

static void test_pool_reuse(void)
{
    CirrusPool *pool = cirrus_pool_new(40);
    gpointer objs[1000];
    for (int i = 0; i < 1000; i++) {
        objs[i] = cirrus_pool_alloc(pool);
        memset(objs[i], 0xAB, 40);
    }
    g_assert_cmpuint(cirrus_pool_in_use(pool), ==, 1000);
    gsize carved = cirrus_pool_capacity(pool);
    for (int i = 0; i < 1000; i++) cirrus_pool_release(pool, objs[i]);
    g_assert_cmpuint(cirrus_pool_in_use(pool), ==, 0);
    /* A second generation reuses the same memory: nothing new is carved,
     * and objects come back zeroed. */
    for (int round = 0; round < 10; round++) {
        for (int i = 0; i < 1000; i++) {
            objs[i] = cirrus_pool_alloc(pool);
            for (int b = 0; b < 40; b++) g_assert_cmpint(((guint8 *)objs[i])[b], ==, 0);
        }
        for (int i = 0; i < 1000; i++) cirrus_pool_release(pool, objs[i]);
    }
    g_assert_cmpuint(cirrus_pool_capacity(pool), ==, carved);
    cirrus_pool_free(pool);
}

/* Under AddressSanitizer, a released object is poisoned past its first two
 * words (the free list's link and an owner's id word), and so are a
 * chunk's objects not yet handed out; taking it again makes all of it
 * usable.  Without ASan there is nothing to see. */
static void test_pool_poisons_released(void)
{
#if defined(__SANITIZE_ADDRESS__)
    CirrusPool *pool = cirrus_pool_new(64);
    char *a = cirrus_pool_alloc(pool), *b = cirrus_pool_alloc(pool);
    g_assert_false(__asan_address_is_poisoned(a + 63));
    g_assert_true(__asan_address_is_poisoned(b + 64));   /* the chunk's next, never handed out */
    cirrus_pool_release(pool, a);
    g_assert_false(__asan_address_is_poisoned(a));
    g_assert_false(__asan_address_is_poisoned(a + 2 * sizeof(void *) - 1));
    g_assert_true(__asan_address_is_poisoned(a + 2 * sizeof(void *)));
    g_assert_true(__asan_address_is_poisoned(a + 63));
    g_assert_true(cirrus_pool_take(pool) == a);
    g_assert_false(__asan_address_is_poisoned(a + 63));
    cirrus_pool_release(pool, a);
    cirrus_pool_release(pool, b);
    cirrus_pool_free(pool);
#else
    g_test_skip("needs AddressSanitizer (scripts/test.sh --sanitize)");
#endif
}

/* ---- a probe model: records what it is delivered ---- */

enum { PROBE_TICK = CIRRUS_EVENT_MODEL };
enum { PROBE_COUNT, PROBE_LEVEL, PROBE_LAT, PROBE_LEVEL_INT, PROBE_THIRDS };
static const CirrusMetricDef probe_metrics[] = {
    {"Ticks", CIRRUS_METRIC_COUNT, "Count"},
    {"Level", CIRRUS_METRIC_GAUGE, "Count"},
    {"Lat", CIRRUS_METRIC_LATENCY, "Seconds"},
    /* Level's pattern as an integer level gauge (cirrus_metric_level) */
    {"LevelInt", CIRRUS_METRIC_GAUGE, "Count"},
    /* a level gauge of 0, 2, then 1 of 3 workers busy, as a percentage */
    {"Thirds", CIRRUS_METRIC_GAUGE, "Percent"},
    {NULL, 0, NULL},
};

typedef struct { GArray *log; gint64 mode; } Probe;

static gboolean probe_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    Probe *p = state;
    p->log = g_array_new(FALSE, FALSE, sizeof(guint64));
    cirrus_metric_set_level(self, PROBE_LEVEL_INT, 1, 1);
    cirrus_metric_set_level(self, PROBE_THIRDS, 100, 3);
    return cirrus_cfg_int(cfg, "mode", 0, 0, 10, &p->mode, error);
}

static void probe_start(CirrusComponent *self, void *state)
{
    Probe *p = state;
    if (p->mode == 0) {
        /* Three events at the same instant, scheduled in order 1, 2, 3, and
         * one earlier: delivered 4, 1, 2, 3. */
        cirrus_schedule(self, 5 * CIRRUS_SEC, PROBE_TICK, NULL, 1);
        cirrus_schedule(self, 5 * CIRRUS_SEC, PROBE_TICK, NULL, 2);
        cirrus_schedule(self, 5 * CIRRUS_SEC, PROBE_TICK, NULL, 3);
        cirrus_schedule(self, 1 * CIRRUS_SEC, PROBE_TICK, NULL, 4);
    } else {
        /* Level pattern: 0 until 2 s, 10 until 7 s, then 4; ticks counted
         * at 1, 2, ..., 29 s; a latency of k ms at tick k. */
        for (int k = 1; k < 30; k++) cirrus_schedule(self, k * CIRRUS_SEC, PROBE_TICK, NULL, (guint64)k);
    }
}

static void probe_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    Probe *p = state;
    g_assert_cmpint(ev->kind, ==, PROBE_TICK);
    g_assert_cmpint(ev->time, ==, cirrus_now(self));
    guint64 entry = ev->data;
    g_array_append_val(p->log, entry);
    if (p->mode == 0 && ev->data == 1) {
        /* Scheduled now for now: runs after the events already due now. */
        cirrus_schedule(self, 0, PROBE_TICK, NULL, 5);
    }
    cirrus_metric_count(self, PROBE_COUNT, 1);
    if (ev->data == 2) {
        cirrus_metric_gauge(self, PROBE_LEVEL, 10);
        cirrus_metric_level(self, PROBE_LEVEL_INT, 10);
        cirrus_metric_level(self, PROBE_THIRDS, 2);
    }
    if (ev->data == 7) {
        cirrus_metric_gauge(self, PROBE_LEVEL, 4);
        cirrus_metric_level(self, PROBE_LEVEL_INT, 4);
        cirrus_metric_level(self, PROBE_THIRDS, 1);
    }
    cirrus_metric_latency(self, PROBE_LAT, (CirrusTime)ev->data * CIRRUS_MS);
}

static void probe_destroy(CirrusComponent *self, void *state)
{
    Probe *p = state;
    (void)self;
    g_array_free(p->log, TRUE);
}

static const CirrusModelType probe_type = {
    .name = "probe", .state_size = sizeof(Probe), .configure = probe_configure,
    .start = probe_start, .handle = probe_handle, .destroy = probe_destroy, .metrics = probe_metrics,
};

static const CirrusModelType *const probe_types[] = {&probe_type, NULL};
static const CirrusRegistry probe_registry = { .types = probe_types, .workload_type = "none" };

static TestRun *run_probe(const char *text)
{
    return test_run_with(text, &probe_registry, NULL, CIRRUS_PES_DEFAULT);
}

/* (time, order of posting), with every pending-event set: the event
 * posted for now at 5 s (5) waits for the two still pending at 5 s (2, 3),
 * which the run loop must see in the set before it takes 5 from its
 * due-now ring. */
static void test_event_order(void)
{
    static const CirrusPesKind kinds[] = {CIRRUS_PES_WHEEL, CIRRUS_PES_RADIX, CIRRUS_PES_HEAP4};
    for (guint k = 0; k < G_N_ELEMENTS(kinds); k++) {
        TestRun *r = test_run_with("name: p\nduration: 10s\ncomponents: [{name: a, type: probe}]\n",
                                   &probe_registry, NULL, kinds[k]);
        Probe *p = cirrus_component_state(cirrus_sim_find(r->sim, "a"));
        static const guint64 want[] = {4, 1, 2, 3, 5};
        g_assert_cmpuint(p->log->len, ==, G_N_ELEMENTS(want));
        for (guint i = 0; i < G_N_ELEMENTS(want); i++) g_assert_cmpuint(g_array_index(p->log, guint64, i), ==, want[i]);
        test_run_free(r);
    }
}

/* Rows: interval k covers [(k-1)Δ, kΔ); an event exactly at kΔ falls in
 * the next row.  Duration 25 s with Δ = 10 s gives rows at 10, 20, 25. */
static void test_recorder_rows(void)
{
    TestRun *r = run_probe("name: p\nduration: 25s\nwarmup: 5s\nsample_interval: 10s\n"
                           "components: [{name: a, type: probe, mode: 1}]\n");
    g_assert_cmpuint(test_n_rows(r), ==, 3);
    g_assert_cmpfloat(g_array_index(r->times, double, 0), ==, 10.0);
    g_assert_cmpfloat(g_array_index(r->times, double, 2), ==, 25.0);
    guint ticks = test_series(r, "/components/a", "Ticks");
    guint level = test_series(r, "/components/a", "Level"), level_max = test_series(r, "/components/a", "Level.max");
    guint p50 = test_series(r, "/components/a", "Lat.p50");
    /* Ticks at 1..9 | 10..19 | 20..24 (the one at 25 s is not run). */
    g_assert_cmpfloat(test_value(r, 0, ticks), ==, 9);
    g_assert_cmpfloat(test_value(r, 1, ticks), ==, 10);
    g_assert_cmpfloat(test_value(r, 2, ticks), ==, 5);
    /* Level over [0,10): 0 for 2 s, 10 for 5 s, 4 for 3 s -> 6.2; max 10.
     * Over [20,25): 4. */
    g_assert_cmpfloat(fabs(test_value(r, 0, level) - 6.2), <, 1e-12);
    g_assert_cmpfloat(test_value(r, 0, level_max), ==, 10);
    g_assert_cmpfloat(test_value(r, 1, level), ==, 4);
    g_assert_cmpfloat(test_value(r, 2, level), ==, 4);
    g_assert_cmpfloat(test_value(r, 1, level_max), ==, 4);
    /* Latencies 10..19 ms: the median is 14 or 15 ms, within 0.4%. */
    g_assert_cmpfloat(test_value(r, 1, p50), >=, 0.014 * 0.996);
    g_assert_cmpfloat(test_value(r, 1, p50), <=, 0.015 * 1.004);
    /* Summary after the 5 s warm-up: ticks at 5..24 = 20; the level's
     * time-weighted mean over [5,25) = (10*2 + 4*18)/20 = 4.6, max 10 (it
     * is 10 at 5 s), min 4. */
    CirrusMetricSummary t = test_summary(r, "a", "Ticks"), l = test_summary(r, "a", "Level");
    g_assert_cmpfloat(t.sum, ==, 20);
    g_assert_cmpfloat(fabs(l.mean - 4.6), <, 1e-12);
    g_assert_cmpfloat(l.max, ==, 10);
    g_assert_cmpfloat(l.min, ==, 4);
    g_assert_cmpfloat(l.last, ==, 4);
    CirrusMetricSummary lat = test_summary(r, "a", "Lat");
    g_assert_cmpuint(lat.latency->count, ==, 20);
    g_assert_cmpint(lat.latency->min, ==, 5 * CIRRUS_MS);
    g_assert_cmpint(lat.latency->max, ==, 24 * CIRRUS_MS);
    /* Since time 0, warm-up included (costs and CloudWatch read these):
     * ticks 1..24, latencies 1..24 ms summing to 0.3 s, the level's
     * 10*5 + 4*18 = 122 level-seconds. */
    CirrusComponent *a = cirrus_sim_find(r->sim, "a");
    g_assert_cmpfloat(cirrus_metric_run_total(a, PROBE_COUNT), ==, 24);
    g_assert_cmpuint(cirrus_metric_run_samples(a, PROBE_COUNT), ==, 24);
    g_assert_cmpuint(cirrus_metric_run_samples(a, PROBE_LAT), ==, 24);
    g_assert_cmpfloat(fabs(cirrus_metric_run_total(a, PROBE_LAT) - 0.3), <, 1e-12);
    g_assert_cmpfloat(fabs(cirrus_metric_run_total(a, PROBE_LEVEL) - 122), <, 1e-9);
    test_run_free(r);
}

static void assert_same_summary(const CirrusMetricSummary *x, const CirrusMetricSummary *y)
{
    g_assert_cmpfloat(x->sum, ==, y->sum);
    g_assert_cmpfloat(x->mean, ==, y->mean);
    g_assert_cmpfloat(x->min, ==, y->min);
    g_assert_cmpfloat(x->max, ==, y->max);
    g_assert_cmpfloat(x->last, ==, y->last);
}

/* A level gauge (integer levels, its area kept in integers) gives a gauge
 * of whole values exactly what the double gauge gives — every row and the
 * summary, with or without a warm-up — and a level scaled by 100/3 the
 * exact time-weighted means of the scaled values. */
static void test_recorder_level_gauge(void)
{
    static const char *const scenarios[] = {
        "name: p\nduration: 25s\nwarmup: 5s\nsample_interval: 10s\ncomponents: [{name: a, type: probe, mode: 1}]\n",
        "name: p\nduration: 25s\nwarmup: 8s\nsample_interval: 10s\ncomponents: [{name: a, type: probe, mode: 1}]\n",
        "name: p\nduration: 25s\nsample_interval: 10s\ncomponents: [{name: a, type: probe, mode: 1}]\n",
        "name: p\nduration: 25s\nwarmup: 10s\nsample_interval: 10s\ncomponents: [{name: a, type: probe, mode: 1}]\n",
    };
    for (guint k = 0; k < G_N_ELEMENTS(scenarios); k++) {
        TestRun *r = run_probe(scenarios[k]);
        guint level = test_series(r, "/components/a", "Level"), level_int = test_series(r, "/components/a", "LevelInt");
        guint max = test_series(r, "/components/a", "Level.max"), max_int = test_series(r, "/components/a", "LevelInt.max");
        for (guint row = 0; row < test_n_rows(r); row++) {
            g_assert_cmpfloat(test_value(r, row, level), ==, test_value(r, row, level_int));
            g_assert_cmpfloat(test_value(r, row, max), ==, test_value(r, row, max_int));
        }
        CirrusMetricSummary d = test_summary(r, "a", "Level"), i = test_summary(r, "a", "LevelInt");
        assert_same_summary(&d, &i);
        CirrusComponent *a = cirrus_sim_find(r->sim, "a");
        g_assert_cmpfloat(cirrus_metric_run_total(a, PROBE_LEVEL), ==, cirrus_metric_run_total(a, PROBE_LEVEL_INT));
        test_run_free(r);
    }
    /* Thirds: 0 until 2 s, 2 of 3 busy until 7 s, then 1.  Row [0,10):
     * 13 worker-seconds of 30, 43.33%; its max 66.67%.  After the 5-s
     * warm-up, [5,25): 22 of 60, 36.67%, min 33.33%, max 66.67%. */
    TestRun *r = run_probe(scenarios[0]);
    guint thirds = test_series(r, "/components/a", "Thirds"), thirds_max = test_series(r, "/components/a", "Thirds.max");
    g_assert_cmpfloat(fabs(test_value(r, 0, thirds) - 1300.0 / 30), <, 1e-12);
    g_assert_cmpfloat(test_value(r, 0, thirds_max), ==, 100.0 * 2 / 3);
    g_assert_cmpfloat(fabs(test_value(r, 1, thirds) - 100.0 / 3), <, 1e-12);
    CirrusMetricSummary t = test_summary(r, "a", "Thirds");
    g_assert_cmpfloat(fabs(t.mean - 2200.0 / 60), <, 1e-12);
    g_assert_cmpfloat(t.max, ==, 100.0 * 2 / 3);
    g_assert_cmpfloat(t.min, ==, 100.0 * 1 / 3);
    g_assert_cmpfloat(t.last, ==, 100.0 * 1 / 3);
    /* since time 0: 2 x 5 s + 1 x 18 s = 28 worker-seconds, x 100/3 */
    g_assert_cmpfloat(fabs(cirrus_metric_run_total(cirrus_sim_find(r->sim, "a"), PROBE_THIRDS) - 2800.0 / 3), <, 1e-9);
    test_run_free(r);
}

/* A gauge's extremes before the warm-up ends count in its interval's row
 * but not in the summary: level 10 from 2 s, 4 from 7 s, warm-up 8 s. */
static void test_recorder_gauge_extremes_after_warmup(void)
{
    TestRun *r = run_probe("name: p\nduration: 25s\nwarmup: 8s\nsample_interval: 10s\n"
                           "components: [{name: a, type: probe, mode: 1}]\n");
    guint level_max = test_series(r, "/components/a", "Level.max");
    g_assert_cmpfloat(test_value(r, 0, level_max), ==, 10);
    g_assert_cmpfloat(test_value(r, 1, level_max), ==, 4);
    CirrusMetricSummary l = test_summary(r, "a", "Level");
    g_assert_cmpfloat(l.max, ==, 4);
    g_assert_cmpfloat(l.min, ==, 4);
    g_assert_cmpfloat(l.mean, ==, 4);
    test_run_free(r);
}

/* ---- determinism ---- */

static const char det_scenario[] =
    "name: det\nduration: 30m\nwarmup: 1m\nseed: 7\n"
    "workloads:\n"
    "  - {name: u1, target: s1, arrival: {process: poisson, rate: 50/s}, client: {timeout: 300ms}}\n"
    "  - {name: u2, target: s2, invocation: async, arrival: {process: poisson, schedule: [[0s, 10/s], [20m, 90/s]]}}\n"
    "components:\n"
    "  - {name: s1, type: service, workers: 2, queue_limit: 5, service_time: {dist: lognormal, mean: 30ms, cv: 1.5}}\n"
    "  - {name: s2, type: service, workers: 4, service_time: {dist: gamma, mean: 40ms, cv: 0.5}}\n";

/* The same scenario with its entries in another order. */
static const char det_scenario_reordered[] =
    "name: det\nduration: 30m\nwarmup: 1m\nseed: 7\n"
    "components:\n"
    "  - {name: s2, type: service, workers: 4, service_time: {dist: gamma, mean: 40ms, cv: 0.5}}\n"
    "  - {name: s1, type: service, workers: 2, queue_limit: 5, service_time: {dist: lognormal, mean: 30ms, cv: 1.5}}\n"
    "workloads:\n"
    "  - {name: u2, target: s2, invocation: async, arrival: {process: poisson, schedule: [[0s, 10/s], [20m, 90/s]]}}\n"
    "  - {name: u1, target: s1, arrival: {process: poisson, rate: 50/s}, client: {timeout: 300ms}}\n";

/* The compute tier, with a scaling policy and a fault, in two orders. */
#define TIER_ALB "  - {name: lb, type: alb, targets: web, health_check: {interval: 10s, healthy_threshold: 2}}\n"
#define TIER_ASG "  - {name: web, type: asg, min: 2, max: 6, zones: [a, b], policy: {type: target_tracking, target: 50},\n" \
                 "     instance: {workers: 4, queue_limit: 20, service_time: {dist: exponential, mean: 40ms}, boot_time: 30s}}\n"
static const char tier_scenario[] =
    "name: tier\nduration: 30m\nwarmup: 1m\nseed: 9\n"
    "workloads: [{name: u, target: lb, clients: 50, arrival: {process: poisson, schedule: [[0s, 50/s], [20m, 250/s]]}}]\n"
    "components:\n" TIER_ALB TIER_ASG
    "faults: [{at: 15m, kind: instance_failure, component: web, count: 1}]\n";
static const char tier_scenario_reordered[] =
    "name: tier\nduration: 30m\nwarmup: 1m\nseed: 9\n"
    "faults: [{at: 15m, kind: instance_failure, component: web, count: 1}]\n"
    "components:\n" TIER_ASG TIER_ALB
    "workloads: [{name: u, target: lb, clients: 50, arrival: {process: poisson, schedule: [[0s, 50/s], [20m, 250/s]]}}]\n";

/* A series by group/name, as bytes, for bit-for-bit comparison. */
static GBytes *series_bytes(TestRun *r, const char *group, const char *name)
{
    guint col = test_series(r, group, name);
    GByteArray *b = g_byte_array_new();
    for (guint i = 0; i < test_n_rows(r); i++) {
        double v = test_value(r, i, col);
        g_byte_array_append(b, (const guint8 *)&v, sizeof v);
    }
    return g_byte_array_free_to_bytes(b);
}

static void assert_runs_identical(TestRun *a, TestRun *b)
{
    g_assert_cmpuint(a->n_series, ==, b->n_series);
    g_assert_cmpuint(test_n_rows(a), ==, test_n_rows(b));
    g_assert_cmpuint(cirrus_sim_events(a->sim), ==, cirrus_sim_events(b->sim));
    for (guint i = 0; i < a->n_series; i++) {
        const char *g, *n;
        cirrus_sim_series(a->sim, i, &g, &n);
        GBytes *x = series_bytes(a, g, n), *y = series_bytes(b, g, n);
        if (!g_bytes_equal(x, y)) g_error("series %s/%s differs between runs", g, n);
        g_bytes_unref(x);
        g_bytes_unref(y);
    }
    CirrusRunInfo info = { .seed = 7, .duration_s = 1800, .warmup_s = 60 };
    char *ja = cirrus_summary_json(a->sc, a->sim, &info), *jb = cirrus_summary_json(b->sc, b->sim, &info);
    g_assert_cmpstr(ja, ==, jb);
    g_free(ja);
    g_free(jb);
}

static void test_determinism_same_seed(void)
{
    TestRun *a = test_run_text(det_scenario, NULL), *b = test_run_text(det_scenario, NULL);
    g_assert_cmpfloat(test_summary(a, "s1", "Rejected").sum, >, 0);   /* the run exercises refusals */
    g_assert_cmpfloat(test_summary(a, "u1", "TimedOut").sum, >, 0);   /* and timeouts */
    assert_runs_identical(a, b);
    /* A different seed gives a different run. */
    const char *sets[] = {"seed=8", NULL};
    TestRun *c = test_run_text(det_scenario, sets);
    g_assert_cmpfloat(test_summary(a, "u1", "Requests").sum, !=, test_summary(c, "u1", "Requests").sum);
    test_run_free(a);
    test_run_free(b);
    test_run_free(c);
}

static void test_determinism_file_order(gconstpointer data)
{
    const char *const *pair = data;
    TestRun *a = test_run_text(pair[0], NULL), *b = test_run_text(pair[1], NULL);
    /* Series come in file order, so compare them by name. */
    g_assert_cmpuint(cirrus_sim_events(a->sim), ==, cirrus_sim_events(b->sim));
    for (guint i = 0; i < a->n_series; i++) {
        const char *g, *n;
        cirrus_sim_series(a->sim, i, &g, &n);
        GBytes *x = series_bytes(a, g, n), *y = series_bytes(b, g, n);
        if (!g_bytes_equal(x, y)) g_error("series %s/%s depends on the order of the file", g, n);
        g_bytes_unref(x);
        g_bytes_unref(y);
    }
    test_run_free(a);
    test_run_free(b);
}

/* The wheel's width follows the load (docs/performance.md, "the calendar
 * wheel"): phases of very different density — bursts of thousands of
 * entries within nanoseconds, pushed in reverse order (long walks that
 * empty the wheel into its overflow at once), hours-long gaps, times near
 * the end of time, and thousands of ties — each in the 4-ary heap's
 * order. */
static void test_pes_wheel_phases(void)
{
    CirrusPes *a = cirrus_pes_new(CIRRUS_PES_WHEEL), *b = cirrus_pes_new(CIRRUS_PES_HEAP4);
    CirrusRng rng;
    cirrus_rng_seed(&rng, 2026);
    CirrusTime now = 0;
    guint32 next = 0;
    /* Spread of the times pushed in each phase, in ns. */
    static const CirrusTime spreads[] = {1000, 3, 1000000000, 50, 3600 * CIRRUS_SEC, 0, 100000, 7};
    for (int phase = 0; phase < 24; phase++) {
        CirrusTime spread = spreads[phase % G_N_ELEMENTS(spreads)];
        gboolean reverse = phase % 3 == 1;
        guint n = 200 + (guint)cirrus_rng_below(&rng, 3000);
        for (guint k = 0; k < n; k++) {
            CirrusTime d = spread ? (CirrusTime)cirrus_rng_below(&rng, (guint64)spread) : 0;
            if (reverse) d = spread ? spread - 1 - (CirrusTime)(k % (guint64)spread) : 0;
            push_both(a, b, now + d, next++);
            if (cirrus_rng_below(&rng, 4) == 0) now = pop_both(a, b);
        }
        /* Drain most of it, peeking as the kernel does. */
        while (cirrus_pes_size(b) > (gsize)(phase % 4) * 50) {
            g_assert_cmpint(cirrus_pes_peek_time(a), ==, cirrus_pes_peek_time(b));
            now = pop_both(a, b);
        }
        g_assert_cmpuint(cirrus_pes_size(a), ==, cirrus_pes_size(b));
    }
    /* Near the end of time: the window's span must not overflow. */
    CirrusTime end = CIRRUS_TIME_NEVER - 5;
    for (guint k = 0; k < 100; k++) {
        CirrusTime t = k % 2 ? CIRRUS_TIME_NEVER : end + (CirrusTime)(k % 5);
        push_both(a, b, t, next++);
    }
    drain_both_and_free(a, b);
}

/* The wheel's size limits (pes-inline.h, pes.c): from a few entries a
 * window apart — the next bucket holding one lies several summary words
 * (4,096 buckets each) away — to a crowd of 150,000, past the 16,384 above
 * which the radix heap serves alone, with ties, and back; each in the
 * 4-ary heap's order. */
static void test_pes_wheel_sparse_and_crowded(void)
{
    CirrusPes *a = cirrus_pes_new(CIRRUS_PES_WHEEL), *b = cirrus_pes_new(CIRRUS_PES_HEAP4);
    CirrusRng rng;
    cirrus_rng_seed(&rng, 65536);
    CirrusTime now = 0;
    guint32 next = 0;
    /* Sparse: ~10 pending over ~4 s, about one bucket in 6,500 holding
     * one at the starting width (2^16 ns). */
    for (guint k = 0; k < 5000; k++) {
        CirrusTime t = now + (CirrusTime)cirrus_rng_below(&rng, 4 * CIRRUS_SEC);
        push_both(a, b, t, next++);
        if (cirrus_pes_size(b) > 10) now = pop_both(a, b);
    }
    /* Crowded, in waves up to 150,000 and down to 30,000: every tenth a
     * tie with the one before. */
    CirrusTime previous = now;
    for (int wave = 0; wave < 3; wave++) {
        while (cirrus_pes_size(b) < 150000) {
            CirrusTime t = next % 10 == 0 ? previous : now + (CirrusTime)cirrus_rng_below(&rng, CIRRUS_SEC);
            push_both(a, b, t, next++);
            previous = t;
            if (next % 5 == 0) now = previous = pop_both(a, b);
        }
        while (cirrus_pes_size(b) > 30000) {
            g_assert_cmpint(cirrus_pes_peek_time(a), ==, cirrus_pes_peek_time(b));
            now = previous = pop_both(a, b);
        }
        g_assert_cmpuint(cirrus_pes_size(a), ==, cirrus_pes_size(b));
    }
    drain_both_and_free(a, b);
}

/* The radix heap's sorted runs (pes.c): 100,000 pending spread over
 * `span` ns, so that settled buckets are sorted into runs — with 25,000,
 * several entries a nanosecond (256-ns buckets, one counting pass); with
 * 3 x 10^6, ~2,000 to a 65.5-us bucket (two passes, and inserts that
 * would move more than 512 entries give the run up); with 5 x 10^7, ~130
 * (two passes, inserts by halves).  Pushes land at the time just popped,
 * near the run's start, a little later, in the near future, as ties with
 * the one before, and anywhere in the span; the crowd shrinks to the
 * array and grows again, three times.  Each pop and peek as the 4-ary
 * heap gives them.  For the wheel too, whose overflow serves alone at
 * this size. */
typedef struct { CirrusPesKind kind; CirrusTime span; } RunsCase;

static void test_pes_runs(gconstpointer data)
{
    const RunsCase *rc = data;
    CirrusPes *a = cirrus_pes_new(rc->kind), *b = cirrus_pes_new(CIRRUS_PES_HEAP4);
    CirrusRng rng;
    cirrus_rng_seed(&rng, 256);
    CirrusTime now = 0, previous = 0, span = rc->span;
    guint32 next = 0;
    for (int wave = 0; wave < 3; wave++) {
        while (cirrus_pes_size(b) < 100000) push_both(a, b, now + (CirrusTime)cirrus_rng_below(&rng, (guint64)span), next++);
        /* 300,000 holds at 100,000 pending, then every other pop pushes
         * one, down to 20 pending. */
        for (guint k = 0; cirrus_pes_size(b) > 20; k++) {
            g_assert_cmpint(cirrus_pes_peek_time(a), ==, cirrus_pes_peek_time(b));
            now = pop_both(a, b);
            if (k >= 300000 && k % 2 == 0) continue;
            CirrusTime t;
            switch (cirrus_rng_below(&rng, 7)) {
            case 0: t = now; break;                                                              /* at once */
            case 1: t = now + (CirrusTime)cirrus_rng_below(&rng, 16); break;                     /* near the run's start */
            case 2: t = now + 200 + (CirrusTime)cirrus_rng_below(&rng, 56); break;               /* a little later */
            case 3: t = now + (CirrusTime)cirrus_rng_below(&rng, (guint64)span / 64 + 1); break; /* the near future */
            case 4: t = MAX(previous, now); break;                                               /* a tie */
            default: t = now + (CirrusTime)cirrus_rng_below(&rng, (guint64)span); break;
            }
            push_both(a, b, t, next++);
            previous = t;
        }
        g_assert_cmpuint(cirrus_pes_size(a), ==, cirrus_pes_size(b));
    }
    drain_both_and_free(a, b);
}

static const RunsCase runs_radix_dense = { CIRRUS_PES_RADIX, 25000 };
static const RunsCase runs_radix_level2 = { CIRRUS_PES_RADIX, 3000000 };
static const RunsCase runs_radix_sparse = { CIRRUS_PES_RADIX, 50000000 };
static const RunsCase runs_wheel_dense = { CIRRUS_PES_WHEEL, 25000 };
static const RunsCase runs_wheel_sparse = { CIRRUS_PES_WHEEL, 50000000 };

/* The wheel, the radix heap and the 4-ary heap give bit-identical runs. */
static void test_determinism_pes_kinds(void)
{
    static const CirrusPesKind kinds[] = {CIRRUS_PES_WHEEL, CIRRUS_PES_RADIX, CIRRUS_PES_HEAP4};
    TestRun *runs[G_N_ELEMENTS(kinds)];
    for (guint k = 0; k < G_N_ELEMENTS(kinds); k++)
        runs[k] = test_run_with(det_scenario, cirrus_models_registry(), NULL, kinds[k]);
    for (guint k = 1; k < G_N_ELEMENTS(kinds); k++) assert_runs_identical(runs[0], runs[k]);
    for (guint k = 0; k < G_N_ELEMENTS(kinds); k++) test_run_free(runs[k]);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_data_func("/sim/pes/wheel/order-and-ties", GINT_TO_POINTER(CIRRUS_PES_WHEEL), test_pes_order);
    g_test_add_data_func("/sim/pes/radix/order-and-ties", GINT_TO_POINTER(CIRRUS_PES_RADIX), test_pes_order);
    g_test_add_data_func("/sim/pes/heap4/order-and-ties", GINT_TO_POINTER(CIRRUS_PES_HEAP4), test_pes_order);
    g_test_add_data_func("/sim/pes/wheel/empty", GINT_TO_POINTER(CIRRUS_PES_WHEEL), test_pes_empty);
    g_test_add_data_func("/sim/pes/radix/empty", GINT_TO_POINTER(CIRRUS_PES_RADIX), test_pes_empty);
    g_test_add_data_func("/sim/pes/heap4/empty", GINT_TO_POINTER(CIRRUS_PES_HEAP4), test_pes_empty);
    g_test_add_data_func("/sim/pes/wheel/small-and-big", GINT_TO_POINTER(CIRRUS_PES_WHEEL), test_pes_small_and_big);
    g_test_add_data_func("/sim/pes/radix/small-and-big", GINT_TO_POINTER(CIRRUS_PES_RADIX), test_pes_small_and_big);
    g_test_add_data_func("/sim/pes/wheel/large-times", GINT_TO_POINTER(CIRRUS_PES_WHEEL), test_pes_large_times);
    g_test_add_data_func("/sim/pes/radix/large-times", GINT_TO_POINTER(CIRRUS_PES_RADIX), test_pes_large_times);
    g_test_add_data_func("/sim/pes/radix/runs/dense", &runs_radix_dense, test_pes_runs);
    g_test_add_data_func("/sim/pes/radix/runs/level-2", &runs_radix_level2, test_pes_runs);
    g_test_add_data_func("/sim/pes/radix/runs/sparse", &runs_radix_sparse, test_pes_runs);
    g_test_add_data_func("/sim/pes/wheel/runs/dense", &runs_wheel_dense, test_pes_runs);
    g_test_add_data_func("/sim/pes/wheel/runs/sparse", &runs_wheel_sparse, test_pes_runs);
    g_test_add_func("/sim/pes/wheel/phases", test_pes_wheel_phases);
    g_test_add_func("/sim/pes/wheel/sparse-and-crowded", test_pes_wheel_sparse_and_crowded);
    g_test_add_func("/sim/determinism/pes-kinds", test_determinism_pes_kinds);
    g_test_add_func("/sim/pool/reuse", test_pool_reuse);
    g_test_add_func("/sim/pool/poisons-released", test_pool_poisons_released);
    g_test_add_func("/sim/kernel/event-order", test_event_order);
    g_test_add_func("/sim/recorder/rows-and-summary", test_recorder_rows);
    g_test_add_func("/sim/recorder/gauge-extremes-after-warmup", test_recorder_gauge_extremes_after_warmup);
    g_test_add_func("/sim/recorder/level-gauge", test_recorder_level_gauge);
    g_test_add_func("/sim/determinism/same-seed", test_determinism_same_seed);
    static const char *const services[] = {det_scenario, det_scenario_reordered};
    static const char *const tier[] = {tier_scenario, tier_scenario_reordered};
    g_test_add_data_func("/sim/determinism/file-order", services, test_determinism_file_order);
    g_test_add_data_func("/sim/determinism/file-order-compute-tier", tier, test_determinism_file_order);
    return g_test_run();
}
