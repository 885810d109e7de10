/* cirrus — the least of n keys, kept as the keys change: a tournament tree
 * (a complete binary tree in which every inner node holds the leaf with the
 * smaller key below it).  The least in O(1); a key's change in O(log n).
 *
 * The ALB's least_outstanding_requests keys its routable targets by
 * (outstanding requests, id): a pick was a scan of every target (~10
 * instructions each: 17% of web-tier-40's instructions with 40 targets),
 * and is now the root, with two updates a request (docs/performance.md,
 * "Issue 22, seventh round"). */
#ifndef CIRRUS_ALB_MIN_TREE_H
#define CIRRUS_ALB_MIN_TREE_H

#include <glib.h>

typedef struct {
    guint n;          /* leaves in use: 0 .. n-1 */
    guint width;      /* a power of two >= n: leaf i is node width + i */
    guint64 *key;     /* key[i]: leaf i's; G_MAXUINT64 beyond n */
    guint32 *win;     /* win[p], 1 <= p < 2 * width: the leaf with the least key under node p */
} CirrusMinTree;

/* Rebuild over n leaves whose keys are keys[0 .. n-1] (copied), in O(n).
 * Keys must differ (the least is then one leaf, whatever the build). */
void  cirrus_min_tree_build(CirrusMinTree *t, const guint64 *keys, guint n);
/* Leaf i (< n) now has `key`. */
void  cirrus_min_tree_set(CirrusMinTree *t, guint i, guint64 key);
/* The leaf with the least key (n > 0). */
static inline guint cirrus_min_tree_least(const CirrusMinTree *t)
{
    return t->win[1];
}
void  cirrus_min_tree_clear(CirrusMinTree *t);

#endif
