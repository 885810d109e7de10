/* cirrus — pending-event set: an implicit 4-ary min-heap.
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

struct CirrusPes {
    PesEntry *heap;   /* heap[0] is the root; &heap[1] is 64-byte aligned */
    void     *block;  /* the allocation behind heap */
    gsize     size, capacity;
    guint64   next_seq;
};

#define CACHE_LINE 64

static inline int entry_before(const PesEntry *a, const PesEntry *b) { return *a < *b; }

/* Allocate room for `capacity` entries with &heap[1] on a cache line. */
static void pes_grow(CirrusPes *pes, gsize capacity)
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

CirrusPes *cirrus_pes_new(void)
{
    CirrusPes *pes = g_new0(CirrusPes, 1);
    pes_grow(pes, 1024);
    return pes;
}

void cirrus_pes_free(CirrusPes *pes)
{
    if (!pes) return;
    free(pes->block);
    g_free(pes);
}

gboolean cirrus_pes_push(CirrusPes *pes, CirrusTime time, guint32 index)
{
    g_assert(index < CIRRUS_PES_MAX_INDEX && time >= 0);
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

gboolean cirrus_pes_pop(CirrusPes *pes, CirrusTime *time, guint32 *index)
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

CirrusTime cirrus_pes_peek_time(const CirrusPes *pes)
{
    return pes->size ? (CirrusTime)(guint64)(pes->heap[0] >> 64) : CIRRUS_TIME_NEVER;
}

gsize cirrus_pes_size(const CirrusPes *pes) { return pes->size; }
