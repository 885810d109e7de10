/* cirrus — the least of n keys, kept as the keys change (min_tree.h). */
#include "models/alb/min_tree.h"

/* Node p holds the better of its children's leaves. */
static inline void settle(CirrusMinTree *t, guint p)
{
    guint32 a = t->win[2 * p], b = t->win[2 * p + 1];
    t->win[p] = t->key[b] < t->key[a] ? b : a;
}

void cirrus_min_tree_build(CirrusMinTree *t, const guint64 *keys, guint n)
{
    guint width = 1;
    while (width < n) width *= 2;
    if (width > t->width) {
        t->key = g_renew(guint64, t->key, width);
        t->win = g_renew(guint32, t->win, 2 * width);
    }
    t->width = width;
    t->n = n;
    for (guint i = 0; i < width; i++) {
        t->key[i] = i < n ? keys[i] : G_MAXUINT64;
        t->win[width + i] = i;
    }
    for (guint p = width - 1; p >= 1; p--) settle(t, p);
}

void cirrus_min_tree_set(CirrusMinTree *t, guint i, guint64 key)
{
    g_assert(i < t->n);
    t->key[i] = key;
    for (guint p = (t->width + i) / 2; p >= 1; p /= 2) settle(t, p);
}

void cirrus_min_tree_clear(CirrusMinTree *t)
{
    g_free(t->key);
    g_free(t->win);
    *t = (CirrusMinTree){ 0 };
}
