/* cirrus — pending-event set (see pes.h): the 4-ary heap, the radix heap,
 * and the dispatch between them.
 *
 * ---- the 4-ary heap ----
 *
 * Each entry is 16 bytes, (time, seq << INDEX_BITS | index), kept in one
 * array, so a comparison never touches the event itself.  Because seq is
 * unique and sits in the high bits of the second word, comparing (time, key)
 * orders ties by insertion.
 *
 * Speed comes from two things (measured with `cirrus bench`, see
 * docs/performance.md):
 *  - the array is offset so that the four children of every node, entries
 *    4i+1 .. 4i+4, fill exactly one 64-byte cache line: one miss per level;
 *  - an entry is one 128-bit integer, so a comparison is one instruction
 *    pair, and the smallest of four children is a tournament of three;
 *  - pops use Floyd's bottom-up deletion, with a prefetch one level ahead. */
#include "sim/pes.h"
#include <stdlib.h>
#include <string.h>

/* One 128-bit unsigned key: time in the high half (times are never
 * negative), seq << INDEX_BITS | payload index in the low half.  Comparing
 * two entries is then one native 128-bit comparison. */
typedef unsigned __int128 PesEntry;

static inline PesEntry make_entry(CirrusTime time, guint64 low)
{
    return ((PesEntry)(guint64)time << 64) | low;
}

typedef struct {
    PesEntry *heap;   /* heap[0] is the root; &heap[1] is 64-byte aligned */
    void     *block;  /* the allocation behind heap */
    gsize     size, capacity;
    guint64   next_seq;
} Heap4;

#define CACHE_LINE 64

static inline int entry_before(const PesEntry *a, const PesEntry *b) { return *a < *b; }

/* Allocate room for `capacity` entries with &heap[1] on a cache line. */
static void pes_grow(Heap4 *pes, gsize capacity)
{
    void *block = NULL;
    if (posix_memalign(&block, CACHE_LINE, (capacity + 4) * sizeof(PesEntry)) != 0)
        g_error("cirrus: out of memory for %zu pending events", capacity);
    PesEntry *heap = (PesEntry *)block + 3;  /* 3 * 16 + 16 = 64 */
    if (pes->size) memcpy(heap, pes->heap, pes->size * sizeof(PesEntry));
    free(pes->block);
    pes->block = block;
    pes->heap = heap;
    pes->capacity = capacity;
}

static gboolean heap4_push(Heap4 *pes, CirrusTime time, guint32 index)
{
    if (pes->next_seq >= CIRRUS_PES_MAX_SEQ) return FALSE;
    if (pes->size == pes->capacity) pes_grow(pes, pes->capacity * 2);
    PesEntry e = make_entry(time, (pes->next_seq++ << CIRRUS_PES_INDEX_BITS) | index);
    /* Sift up: move parents down until e's place is found. */
    PesEntry *h = pes->heap;
    gsize i = pes->size++;
    while (i > 0) {
        gsize parent = (i - 1) / 4;
        if (!entry_before(&e, &h[parent])) break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = e;
    return TRUE;
}

/* The smallest of the four children starting at c (all four exist). */
static inline gsize min_of_four(const PesEntry *h, gsize c)
{
    gsize a = entry_before(&h[c + 1], &h[c]) ? c + 1 : c;
    gsize b = entry_before(&h[c + 3], &h[c + 2]) ? c + 3 : c + 2;
    return entry_before(&h[b], &h[a]) ? b : a;
}

static gboolean heap4_pop(Heap4 *pes, CirrusTime *time, guint32 *index)
{
    if (pes->size == 0) return FALSE;
    PesEntry *h = pes->heap;
    *time = (CirrusTime)(guint64)(h[0] >> 64);
    *index = (guint32)((guint64)h[0] & (CIRRUS_PES_MAX_INDEX - 1));
    PesEntry last = h[--pes->size];
    gsize n = pes->size, i = 0;
    /* Floyd's bottom-up deletion: walk the hole down to a leaf along the
     * smallest children without comparing against `last` (which came from
     * the bottom and usually belongs near it), then sift `last` up from
     * there.  Prefetching the grandchildren's line hides the miss of the
     * next level in large heaps. */
    for (;;) {
        gsize first = 4 * i + 1, best;
        if (first + 3 < n) {
            if (16 * i + 20 < n) {
                /* The four children's own child blocks: one line each. */
                __builtin_prefetch(&h[16 * i + 5]);
                __builtin_prefetch(&h[16 * i + 9]);
                __builtin_prefetch(&h[16 * i + 13]);
                __builtin_prefetch(&h[16 * i + 17]);
            }
            best = min_of_four(h, first);
        } else if (first < n) {
            best = first;
            for (gsize c = first + 1; c < n; c++)
                if (entry_before(&h[c], &h[best])) best = c;
        } else {
            break;
        }
        h[i] = h[best];
        i = best;
    }
    while (i > 0) {
        gsize parent = (i - 1) / 4;
        if (!entry_before(&last, &h[parent])) break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = last;
    return TRUE;
}

/* ---- the radix heap ----
 *
 * Keys are times t >= last (the last time popped).  Bucket 0 holds t ==
 * last; bucket k >= 1 holds the times whose highest bit differing from last
 * is bit k-1.  Bucket ranges are disjoint and increase with k.  When bucket
 * 0 runs out, the lowest non-empty bucket's minimum becomes the new last and
 * its entries move, in order, to lower buckets.  Entries with equal times
 * are always in the same bucket and move together, in order, so they come
 * out first-in first-out — the same order as the heap's (time, seq). */

typedef struct {
    CirrusTime time;
    guint32    index;
} RadixEntry;

typedef struct {
    RadixEntry *items;
    gsize len, capacity;
    CirrusTime min;     /* smallest time in the bucket, kept as it fills */
} RadixBucket;

typedef struct {
    RadixBucket bucket[65];
    gsize head0;        /* next entry of bucket 0 to pop */
    CirrusTime last;
    gsize size;
    guint64 nonempty;   /* bit k: bucket k has entries (for k >= 1) */
} Radix;

static inline guint radix_bucket_of(const Radix *r, CirrusTime t)
{
    guint64 diff = (guint64)(t ^ r->last);
    return diff ? 64u - (guint)__builtin_clzll(diff) : 0u;
}

static inline void radix_append(Radix *r, guint k, RadixEntry e)
{
    RadixBucket *b = &r->bucket[k];
    if (b->len == b->capacity) {
        b->capacity = b->capacity ? b->capacity * 2 : 64;
        b->items = g_renew(RadixEntry, b->items, b->capacity);
    }
    if (b->len == 0 || e.time < b->min) b->min = e.time;
    b->items[b->len++] = e;
    r->nonempty |= (guint64)1 << (k & 63);   /* bit 0 is never read */
}

static void radix_push(Radix *r, CirrusTime time, guint32 index)
{
    g_assert(time >= r->last);
    radix_append(r, radix_bucket_of(r, time), (RadixEntry){ time, index });
    r->size++;
}

/* Make bucket 0 non-empty (if anything is pending). */
static void radix_settle(Radix *r)
{
    RadixBucket *b0 = &r->bucket[0];
    if (r->head0 < b0->len || r->size == 0) return;
    b0->len = r->head0 = 0;
    guint64 mask = r->nonempty & ~(guint64)1;
    /* Bucket 64 (highest bit 63 differs) cannot occur: times are >= 0. */
    g_assert(mask != 0);
    guint k = (guint)__builtin_ctzll(mask);
    RadixBucket *bk = &r->bucket[k];
    r->last = bk->min;   /* so redistributing is a single pass */
    gsize n = bk->len;
    bk->len = 0;
    r->nonempty &= ~((guint64)1 << k);
    for (gsize i = 0; i < n; i++) radix_append(r, radix_bucket_of(r, bk->items[i].time), bk->items[i]);
}

static gboolean radix_pop(Radix *r, CirrusTime *time, guint32 *index)
{
    if (r->size == 0) return FALSE;
    radix_settle(r);
    RadixEntry e = r->bucket[0].items[r->head0++];
    r->size--;
    *time = e.time;
    *index = e.index;
    return TRUE;
}

static void radix_clear(Radix *r)
{
    for (guint k = 0; k < G_N_ELEMENTS(r->bucket); k++) g_free(r->bucket[k].items);
}

/* ---- dispatch ---- */

struct CirrusPes {
    CirrusPesKind kind;
    union {
        Heap4 heap4;
        Radix radix;
    } u;
};

gboolean cirrus_pes_kind_from_name(const char *name, CirrusPesKind *kind)
{
    if (g_strcmp0(name, "radix") == 0) *kind = CIRRUS_PES_RADIX;
    else if (g_strcmp0(name, "heap4") == 0) *kind = CIRRUS_PES_HEAP4;
    else return FALSE;
    return TRUE;
}

const char *cirrus_pes_kind_name(CirrusPesKind kind)
{
    return kind == CIRRUS_PES_RADIX ? "radix" : "heap4";
}

CirrusPes *cirrus_pes_new(CirrusPesKind kind)
{
    CirrusPes *pes = g_new0(CirrusPes, 1);
    pes->kind = kind;
    if (kind == CIRRUS_PES_HEAP4) pes_grow(&pes->u.heap4, 1024);
    return pes;
}

void cirrus_pes_free(CirrusPes *pes)
{
    if (!pes) return;
    if (pes->kind == CIRRUS_PES_HEAP4) free(pes->u.heap4.block);
    else radix_clear(&pes->u.radix);
    g_free(pes);
}

gboolean cirrus_pes_push(CirrusPes *pes, CirrusTime time, guint32 index)
{
    g_assert(index < CIRRUS_PES_MAX_INDEX && time >= 0);
    if (pes->kind == CIRRUS_PES_RADIX) {
        radix_push(&pes->u.radix, time, index);
        return TRUE;
    }
    return heap4_push(&pes->u.heap4, time, index);
}

gboolean cirrus_pes_pop(CirrusPes *pes, CirrusTime *time, guint32 *index)
{
    return pes->kind == CIRRUS_PES_RADIX ? radix_pop(&pes->u.radix, time, index)
                                         : heap4_pop(&pes->u.heap4, time, index);
}

CirrusTime cirrus_pes_peek_time(const CirrusPes *pes)
{
    if (pes->kind == CIRRUS_PES_RADIX) {
        /* Without settling: settling would move `last` up to the minimum,
         * and the caller may still push times between now and it.  The
         * minimum is bucket 0's head, else the lowest non-empty bucket's
         * minimum (bucket ranges increase with k). */
        const Radix *r = &pes->u.radix;
        if (r->size == 0) return CIRRUS_TIME_NEVER;
        if (r->head0 < r->bucket[0].len) return r->bucket[0].items[r->head0].time;
        return r->bucket[__builtin_ctzll(r->nonempty & ~(guint64)1)].min;
    }
    const Heap4 *h = &pes->u.heap4;
    return h->size ? (CirrusTime)(guint64)(h->heap[0] >> 64) : CIRRUS_TIME_NEVER;
}

gsize cirrus_pes_size(const CirrusPes *pes)
{
    return pes->kind == CIRRUS_PES_RADIX ? pes->u.radix.size : pes->u.heap4.size;
}
