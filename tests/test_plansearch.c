/* cirrus — the search of `cirrus plan` (tools/plansearch.c) against brute
 * force on monotone feasibility rules whose grids are small enough to
 * enumerate: every minimal feasible setting and the all-HI corner must be
 * judged, none twice, none whose verdict the judged ones imply, and far
 * fewer than the grid; the best judged setting by an objective that grows
 * (or shrinks) with every knob must be the best of the whole grid. */
#include "testutil.h"
#include "tools/plansearch.h"
#include <math.h>

typedef gboolean (*Rule)(const gint64 *v);

typedef struct {
    Rule rule;
    guint n;
    GArray *judged;   /* gint64: n values then the verdict, per judgement */
    gboolean fail_at_third;
} Oracle;

static gboolean judge(const gint64 *values, gpointer data, gboolean *feasible, GError **error)
{
    Oracle *o = data;
    if (o->fail_at_third && o->judged->len / (o->n + 1) == 2) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_RUN, "the third run failed");
        return FALSE;
    }
    *feasible = o->rule(values);
    gint64 f = *feasible;
    g_array_append_vals(o->judged, values, o->n);
    g_array_append_val(o->judged, f);
    return TRUE;
}

static gboolean product_24(const gint64 *v) { return v[0] * v[1] >= 24; }
static gboolean never(const gint64 *v) { (void)v; return FALSE; }
static gboolean always(const gint64 *v) { (void)v; return TRUE; }
/* Two independent stations: each knob has its own threshold. */
static gboolean separable(const gint64 *v) { return v[0] >= 12 && v[1] >= 10; }
static gboolean product_60(const gint64 *v) { return v[0] * v[1] * v[2] >= 60; }
static gboolean one_knob(const gint64 *v) { return v[0] >= 13; }

/* Enumerate the grid: *a < *b in every knob? */
static gboolean below(const gint64 *a, const gint64 *b, guint n)
{
    for (guint k = 0; k < n; k++)
        if (a[k] > b[k]) return FALSE;
    return TRUE;
}

static gboolean next_setting(gint64 *v, const CirrusPlanKnob *knobs, guint n)
{
    for (guint k = n; k-- > 0;) {
        if (v[k] < knobs[k].hi) {
            v[k]++;
            return TRUE;
        }
        v[k] = knobs[k].lo;
    }
    return FALSE;
}

static gint64 judged_index(const Oracle *o, const gint64 *v)
{
    const gint64 *e = (const gint64 *)(gpointer)o->judged->data;
    guint w = o->n + 1;
    for (guint i = 0; i < o->judged->len / w; i++)
        if (memcmp(e + i * w, v, o->n * sizeof *v) == 0) return i;
    return -1;
}

/* Two objectives: cost-like (weights grow with every knob, not
 * separable-looking: 3x + 5y + xy) and latency-like (1/x + 1/y + ...). */
static double cost_of(const gint64 *v, guint n)
{
    double c = 0;
    for (guint k = 0; k < n; k++) c += (double)(3 + 2 * k) * (double)v[k];
    return c + (n > 1 ? (double)(v[0] * v[1]) / 7.0 : 0);
}

static double latency_of(const gint64 *v, guint n)
{
    double l = 0;
    for (guint k = 0; k < n; k++) l += 1.0 / (double)(v[k] + 1);
    return l;
}

/* Run the search and check it against the grid; returns the number judged. */
static guint check(const CirrusPlanKnob *knobs, guint n, Rule rule, guint max_judged)
{
    Oracle o = {rule, n, g_array_new(FALSE, FALSE, sizeof(gint64)), FALSE};
    CirrusPlanJudge j = {judge, &o};
    guint n_judged = 0;
    GError *error = NULL;
    g_assert_true(cirrus_plan_search(knobs, n, &j, &n_judged, &error));
    g_assert_no_error(error);
    guint w = n + 1, count = o.judged->len / w;
    g_assert_cmpuint(n_judged, ==, count);
    const gint64 *e = (const gint64 *)(gpointer)o.judged->data;
    /* None twice, none implied by those judged before it. */
    for (guint i = 0; i < count; i++)
        for (guint p = 0; p < i; p++) {
            g_assert_false(e[p * w + n] && below(e + p * w, e + i * w, n));
            g_assert_false(!e[p * w + n] && below(e + i * w, e + p * w, n));
        }
    /* Brute force: the minimal feasible settings, the grid's best by
     * both objectives. */
    gint64 v[CIRRUS_PLAN_MAX_KNOBS], u[CIRRUS_PLAN_MAX_KNOBS];
    double grid = 1, best_cost = INFINITY, best_latency = INFINITY;
    for (guint k = 0; k < n; k++) {
        v[k] = knobs[k].lo;
        grid *= (double)(knobs[k].hi - knobs[k].lo + 1);
    }
    guint minimal = 0;
    do {
        if (!rule(v)) continue;
        best_cost = MIN(best_cost, cost_of(v, n));
        best_latency = MIN(best_latency, latency_of(v, n));
        gboolean is_minimal = TRUE;
        for (guint k = 0; k < n && is_minimal; k++) {
            memcpy(u, v, sizeof u);
            u[k]--;
            is_minimal = u[k] < knobs[k].lo || !rule(u);
        }
        if (!is_minimal) continue;
        minimal++;
        g_assert_cmpint(judged_index(&o, v), >=, 0);
    } while (next_setting(v, knobs, n));
    for (guint k = 0; k < n; k++) v[k] = knobs[k].hi;
    g_assert_cmpint(judged_index(&o, v), >=, 0);
    /* The best judged feasible setting is the grid's best. */
    double judged_cost = INFINITY, judged_latency = INFINITY;
    for (guint i = 0; i < count; i++)
        if (e[i * w + n]) {
            judged_cost = MIN(judged_cost, cost_of(e + i * w, n));
            judged_latency = MIN(judged_latency, latency_of(e + i * w, n));
        }
    g_assert_cmpfloat(judged_cost, ==, best_cost);
    g_assert_cmpfloat(judged_latency, ==, best_latency);
    g_test_message("%u knob(s), grid %.0f: %u minimal feasible, %u judged (at most %u allowed)", n, grid, minimal,
                   count, max_judged);
    g_assert_cmpuint(count, <=, max_judged);
    g_array_free(o.judged, TRUE);
    return count;
}

static guint log2_ceil(gint64 x)
{
    guint b = 0;
    while (((gint64)1 << b) < x) b++;
    return b;
}

/* The staircase's bound: the corner, two bisections (1 + log2 R each), then
 * per further column one setting plus galloping (2 per halving of the
 * remaining drop): at most R1 + 2 R2 + 2 log2 R1 + 2 log2 R2 + 3. */
static guint staircase_bound(const CirrusPlanKnob *k)
{
    gint64 r1 = k[0].hi - k[0].lo + 1, r2 = k[1].hi - k[1].lo + 1;
    return (guint)(r1 + 2 * r2) + 2 * log2_ceil(r1) + 2 * log2_ceil(r2) + 3;
}

static void test_two_knobs(void)
{
    const CirrusPlanKnob k[] = {{"x", 1, 30}, {"y", 1, 30}};
    guint judged = check(k, 2, product_24, staircase_bound(k));
    g_assert_cmpfloat(judged, <, 900 / 4.0);
    const CirrusPlanKnob s[] = {{"a", 9, 20}, {"b", 7, 16}};
    check(s, 2, separable, staircase_bound(s));
    check(s, 2, always, 3);   /* the corner, then LO in each knob */
    check(s, 2, never, 1);    /* the corner fails: nothing else to judge */
    /* A degenerate knob. */
    const CirrusPlanKnob d[] = {{"x", 5, 5}, {"y", 1, 30}};
    check(d, 2, product_24, 2 + 2 * log2_ceil(30));
}

static void test_one_knob(void)
{
    /* hi, lo, then bisection: at most 2 + ceil(log2(R - 1)) settings. */
    const CirrusPlanKnob k[] = {{"x", 9, 20}};
    check(k, 1, one_knob, 2 + log2_ceil(11));
}

static void test_three_knobs(void)
{
    const CirrusPlanKnob k[] = {{"x", 1, 8}, {"y", 1, 8}, {"z", 1, 8}};
    /* A staircase per first-knob value. */
    check(k, 3, product_60, 8 * staircase_bound(k + 1) + 2 + log2_ceil(8));
}

static void test_judge_fails(void)
{
    const CirrusPlanKnob k[] = {{"x", 1, 30}, {"y", 1, 30}};
    Oracle o = {product_24, 2, g_array_new(FALSE, FALSE, sizeof(gint64)), TRUE};
    CirrusPlanJudge j = {judge, &o};
    guint n_judged = 0;
    GError *error = NULL;
    g_assert_false(cirrus_plan_search(k, 2, &j, &n_judged, &error));
    g_assert_error(error, CIRRUS_ERROR, CIRRUS_ERROR_RUN);
    g_assert_cmpuint(n_judged, ==, 2);
    g_clear_error(&error);
    g_array_free(o.judged, TRUE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/plansearch/one-knob", test_one_knob);
    g_test_add_func("/plansearch/two-knobs", test_two_knobs);
    g_test_add_func("/plansearch/three-knobs", test_three_knobs);
    g_test_add_func("/plansearch/judge-fails", test_judge_fails);
    return g_test_run();
}
