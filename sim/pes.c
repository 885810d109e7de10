/* cirrus — pending-event set: an implicit 4-ary min-heap.
 *
 * Each entry is 16 bytes, (time, seq << INDEX_BITS | index), kept in one
 * array, so four children share a cache line and a comparison never touches
 * the event itself.  Because seq is unique and sits in the high bits of the
 * second word, comparing (time, key) orders ties by insertion. A 4-ary heap
 * halves the depth of a binary one at the cost of three extra comparisons
 * per level, which are cheap on data already in cache. */
#include "sim/pes.h"

typedef struct {
    CirrusTime time;
    guint64    key;   /* seq << CIRRUS_PES_INDEX_BITS | payload index */
} PesEntry;

struct CirrusPes {
    PesEntry *heap;
    gsize     size, capacity;
    guint64   next_seq;
};

static inline gboolean entry_before(const PesEntry *a, const PesEntry *b)
{
    return a->time < b->time || (a->time == b->time && a->key < b->key);
}

CirrusPes *cirrus_pes_new(void)
{
    CirrusPes *pes = g_new0(CirrusPes, 1);
    pes->capacity = 1024;
    pes->heap = g_new(PesEntry, pes->capacity);
    return pes;
}

void cirrus_pes_free(CirrusPes *pes)
{
    if (!pes) return;
    g_free(pes->heap);
    g_free(pes);
}

gboolean cirrus_pes_push(CirrusPes *pes, CirrusTime time, guint32 index)
{
    g_assert(index < CIRRUS_PES_MAX_INDEX);
    if (pes->next_seq >= CIRRUS_PES_MAX_SEQ) return FALSE;
    if (pes->size == pes->capacity) {
        pes->capacity *= 2;
        pes->heap = g_renew(PesEntry, pes->heap, pes->capacity);
    }
    PesEntry e = { time, (pes->next_seq++ << CIRRUS_PES_INDEX_BITS) | index };
    /* Sift up: move parents down until e's place is found. */
    gsize i = pes->size++;
    while (i > 0) {
        gsize parent = (i - 1) / 4;
        if (!entry_before(&e, &pes->heap[parent])) break;
        pes->heap[i] = pes->heap[parent];
        i = parent;
    }
    pes->heap[i] = e;
    return TRUE;
}

gboolean cirrus_pes_pop(CirrusPes *pes, CirrusTime *time, guint32 *index)
{
    if (pes->size == 0) return FALSE;
    PesEntry *h = pes->heap;
    *time = h[0].time;
    *index = (guint32)(h[0].key & (CIRRUS_PES_MAX_INDEX - 1));
    PesEntry last = h[--pes->size];
    gsize n = pes->size, i = 0;
    /* Sift down the former last entry from the root. */
    for (;;) {
        gsize first = 4 * i + 1;
        if (first >= n) break;
        gsize best = first, end = first + 4 < n ? first + 4 : n;
        for (gsize c = first + 1; c < end; c++)
            if (entry_before(&h[c], &h[best])) best = c;
        if (!entry_before(&h[best], &last)) break;
        h[i] = h[best];
        i = best;
    }
    h[i] = last;
    return TRUE;
}

CirrusTime cirrus_pes_peek_time(const CirrusPes *pes)
{
    return pes->size ? pes->heap[0].time : CIRRUS_TIME_NEVER;
}

gsize cirrus_pes_size(const CirrusPes *pes) { return pes->size; }
