/* cirrus — the search of `cirrus plan` (see plansearch.h).
 *
 * With feasibility monotone, the feasible settings of a grid are an
 * up-set, and the cheapest one (for any objective that grows with every
 * knob, as cost does) is one of its minimal elements.  For two knobs
 * those form a staircase: the smallest feasible second knob f(x) never
 * grows as the first knob x grows, so walking x upwards and galloping f
 * down from its last value judges about (HI1 - LO1) + 2 log2(HI2 - LO2)
 * settings instead of the whole grid; with more knobs the first ones are
 * looped over and the last two walked so.
 *
 * Every verdict is kept; a setting at least as large as a feasible one is
 * feasible and one at most as large as an infeasible one is not, so
 * neither is judged again (their runs would add nothing under the
 * assumption).  A minimal feasible setting can only be known by judging
 * it: every setting below it fails. */
#include "tools/plansearch.h"
#include <string.h>

typedef struct {
    const CirrusPlanKnob *knobs;
    guint n;
    const CirrusPlanJudge *judge;
    GArray *seen;   /* gint64: per judged setting its n values, then 1 (feasible) or 0 */
} Search;

/* What is known of `v`: 1 feasible, 0 not, -1 nothing.  A setting judged
 * is its own verdict; otherwise the first judged one (in judging order)
 * that implies a verdict by monotonicity gives it. */
static int lookup(const Search *s, const gint64 *v)
{
    guint w = s->n + 1, count = s->seen->len / w;
    const gint64 *e = (const gint64 *)(gpointer)s->seen->data;
    for (guint i = 0; i < count; i++)
        if (memcmp(e + i * w, v, s->n * sizeof *v) == 0) return (int)e[i * w + s->n];
    for (guint i = 0; i < count; i++) {
        const gint64 *x = e + i * w;
        gboolean below = TRUE, above = TRUE;
        for (guint k = 0; k < s->n; k++) {
            below = below && x[k] <= v[k];
            above = above && x[k] >= v[k];
        }
        if (x[s->n] && below) return 1;
        if (!x[s->n] && above) return 0;
    }
    return -1;
}

/* The verdict on `v`, known or judged: 1, 0, or -1 with *error. */
static int verdict(Search *s, const gint64 *v, GError **error)
{
    int known = lookup(s, v);
    if (known >= 0) return known;
    gboolean feasible = FALSE;
    if (!s->judge->judge(v, s->judge->data, &feasible, error)) return -1;
    gint64 f = feasible ? 1 : 0;
    g_array_append_vals(s->seen, v, s->n);
    g_array_append_val(s->seen, f);
    return (int)f;
}

/* Between `fail` (infeasible, or LO - 1) and `pass` (feasible) in knob k:
 * halve the gap until they meet; v[k] and *out end at the smallest pass. */
static gboolean bisect(Search *s, gint64 *v, guint k, gint64 fail, gint64 pass, gint64 *out, GError **error)
{
    while (pass - fail > 1) {
        v[k] = fail + (pass - fail) / 2;
        int r = verdict(s, v, error);
        if (r < 0) return FALSE;
        if (r) pass = v[k];
        else fail = v[k];
    }
    v[k] = *out = pass;
    return TRUE;
}

/* The smallest value of knob k in lo..hi at which v (the other knobs as
 * they are) is feasible: hi first (*out = hi + 1 when it fails), then lo,
 * then bisection — the order a one-knob plan has always used. */
static gboolean smallest(Search *s, gint64 *v, guint k, gint64 lo, gint64 hi, gint64 *out, GError **error)
{
    v[k] = hi;
    int r = verdict(s, v, error);
    if (r <= 0) {
        *out = hi + 1;
        return r == 0;
    }
    gint64 fail = lo - 1, pass = hi;
    if (lo < hi) {
        v[k] = lo;
        if ((r = verdict(s, v, error)) < 0) return FALSE;
        if (r) pass = lo;
        else fail = lo;
    }
    return bisect(s, v, k, fail, pass, out, error);
}

/* The same when `pass` is known feasible and the answer is expected near
 * it (the staircase's next step): pass - 1, pass - 3, pass - 7, ... until
 * one fails, then bisection.  One setting when the answer is `pass`. */
static gboolean smallest_below(Search *s, gint64 *v, guint k, gint64 lo, gint64 pass, gint64 *out, GError **error)
{
    gint64 fail = lo - 1, step = 1;
    while (pass - fail > 1) {
        v[k] = pass - fail - 1 <= step ? fail + 1 : pass - step;
        int r = verdict(s, v, error);
        if (r < 0) return FALSE;
        if (!r) {
            fail = v[k];
            break;
        }
        pass = v[k];
        if (step < CIRRUS_PLAN_KNOB_LIMIT) step *= 2;
    }
    return bisect(s, v, k, fail, pass, out, error);
}

static void set_knobs(const Search *s, gint64 *v, guint from, gboolean high)
{
    for (guint k = from; k < s->n; k++) v[k] = high ? s->knobs[k].hi : s->knobs[k].lo;
}

/* The last two knobs, d and d + 1, free; v with both at HI is feasible. */
static gboolean staircase(Search *s, gint64 *v, guint d, GError **error)
{
    const CirrusPlanKnob *a = &s->knobs[d], *b = &s->knobs[d + 1];
    gint64 x, y;
    v[d + 1] = b->hi;
    if (!smallest(s, v, d, a->lo, a->hi, &x, error) || !smallest(s, v, d + 1, b->lo, b->hi, &y, error))
        return FALSE;
    while (x < a->hi && y > b->lo) {
        v[d] = ++x;
        if (!smallest_below(s, v, d + 1, b->lo, y, &y, error)) return FALSE;
    }
    return TRUE;
}

/* Knobs d.. free, the ones before fixed in v; v with the free ones at HI
 * is feasible.  Judges every minimal feasible setting with this prefix. */
static gboolean frontier(Search *s, gint64 *v, guint d, GError **error)
{
    const CirrusPlanKnob *a = &s->knobs[d];
    gint64 x0;
    if (d + 1 == s->n) return smallest(s, v, d, a->lo, a->hi, &x0, error);
    if (d + 2 == s->n) return staircase(s, v, d, error);
    set_knobs(s, v, d + 1, TRUE);
    if (!smallest(s, v, d, a->lo, a->hi, &x0, error)) return FALSE;
    for (gint64 x = x0; x <= a->hi; x++) {
        v[d] = x;
        set_knobs(s, v, d + 1, TRUE);
        if (!frontier(s, v, d + 1, error)) return FALSE;
        /* The others all at LO pass: every larger x is above that. */
        set_knobs(s, v, d + 1, FALSE);
        if (lookup(s, v) == 1) break;
    }
    return TRUE;
}

gboolean cirrus_plan_search(const CirrusPlanKnob *knobs, guint n, const CirrusPlanJudge *judge, guint *n_judged,
                            GError **error)
{
    g_return_val_if_fail(n >= 1 && n <= CIRRUS_PLAN_MAX_KNOBS, FALSE);
    Search s = {knobs, n, judge, g_array_new(FALSE, FALSE, sizeof(gint64))};
    gint64 v[CIRRUS_PLAN_MAX_KNOBS];
    set_knobs(&s, v, 0, TRUE);
    /* The all-HI corner first: if it fails, nothing in the grid passes. */
    int r = verdict(&s, v, error);
    gboolean ok = r == 0 || (r == 1 && frontier(&s, v, 0, error));
    *n_judged = s.seen->len / (n + 1);
    g_array_free(s.seen, TRUE);
    return ok;
}
