/* cirrus — the pending-event set's layout and its common paths (see
 * pes.h), for pes.c and the kernel alone.
 *
 * The run loop and cirrus_post (kernel.c) take an event out and put one
 * in for every event, so the tests that choose a path, the sorted array's
 * push and pop, and the peek are inline there rather than behind a call
 * into pes.c (what a call level costs is measured in docs/performance.md,
 * "Instructions per request").  The radix heap proper and the 4-ary heap
 * stay out of line in pes.c, behind cirrus_pes_push_slow and _pop_slow.
 * Models and tools use pes.h. */
#ifndef CIRRUS_PES_INLINE_H
#define CIRRUS_PES_INLINE_H

#include "sim/kernel/pes.h"
#include <string.h>

/* One 128-bit unsigned key: time in the high half (times are never
 * negative), seq << INDEX_BITS | payload index in the low half.  Comparing
 * two entries is then one native 128-bit comparison. */
typedef unsigned __int128 PesEntry;

typedef struct {
    PesEntry *heap;   /* heap[0] is the root; &heap[1] is 64-byte aligned */
    void     *block;  /* the allocation behind heap */
    gsize     size, capacity;
    guint64   next_seq;
} Heap4;

typedef struct {
    CirrusTime time;
    guint32    index;
} RadixEntry;

typedef struct {
    RadixEntry *items;
    guint32 len, capacity;
    CirrusTime min;     /* smallest time in the bucket, kept as it fills */
} RadixBucket;

#define RADIX_LEVELS 8            /* bytes of a time */
#define RADIX_DIGITS 256
#define RADIX_WORDS (RADIX_DIGITS / 64)

/* While few events are pending (fewer than SMALL_HIGH, until the count
 * falls back to SMALL_LOW), they are kept in a sorted array instead: with
 * a handful of entries a radix heap still moves each one two or three
 * times, where inserting into a short sorted array shifts the few entries
 * due later (new events are mostly due after those already pending).
 * Only one of the two holds entries at a time, so the order is the
 * same. */
#define SMALL_HIGH 64
#define SMALL_LOW 16

typedef struct {
    gboolean big;       /* entries are in the radix heap, not in small[] */
    guint small_head, small_len;   /* small[small_head .. small_len) */
    RadixEntry small[SMALL_HIGH];
    RadixEntry *cur;    /* the current bucket: times == last */
    gsize cur_head, cur_len, cur_capacity;
    CirrusTime last;
    gsize size;
    guint32 levels;     /* bit p * RADIX_WORDS + w: word w of level p is non-zero */
    guint64 nonempty[RADIX_LEVELS][RADIX_WORDS];   /* bit d of level p: bucket (p, d) has entries */
    RadixBucket bucket[RADIX_LEVELS][RADIX_DIGITS];
} Radix;

G_STATIC_ASSERT(RADIX_LEVELS * RADIX_WORDS <= 32);

/* Insert into the sorted array (room for one more is guaranteed), after
 * the entries of equal time. */
static inline void small_insert(Radix *r, RadixEntry e)
{
    if (r->small_len == SMALL_HIGH) {
        memmove(r->small, r->small + r->small_head, (r->small_len - r->small_head) * sizeof(RadixEntry));
        r->small_len -= r->small_head;
        r->small_head = 0;
    }
    guint i = r->small_len++;
    for (; i > r->small_head && r->small[i - 1].time > e.time; i--) r->small[i] = r->small[i - 1];
    r->small[i] = e;
}

/* Push into the array (not full, radix heap not in use). */
static inline void radix_push_small(Radix *r, RadixEntry e)
{
    small_insert(r, e);
    r->size++;
}

/* The lowest non-empty bucket, (p, d) (there must be one). */
static inline void radix_lowest(const Radix *r, guint *p, guint *d)
{
    guint w = (guint)__builtin_ctz(r->levels);
    *p = w / RADIX_WORDS;
    *d = (w % RADIX_WORDS) * 64 + (guint)__builtin_ctzll(r->nonempty[*p][w % RADIX_WORDS]);
}

/* Pop from the array (radix heap not in use, size > 0). */
static inline RadixEntry radix_pop_small(Radix *r)
{
    RadixEntry e = r->small[r->small_head++];
    r->last = e.time;
    r->size--;
    if (r->small_head == r->small_len) r->small_head = r->small_len = 0;
    return e;
}

/* The minimum without settling: settling would move `last` up to it, and
 * the caller may still push times between now and it. */
static CirrusTime radix_peek_time(const Radix *r)
{
    if (r->size == 0) return CIRRUS_TIME_NEVER;
    if (!r->big) return r->small[r->small_head].time;
    if (r->cur_head < r->cur_len) return r->cur[r->cur_head].time;
    guint p, d;
    radix_lowest(r, &p, &d);
    return r->bucket[p][d].min;
}

struct CirrusPes {
    CirrusPesKind kind;
    union {
        Heap4 heap4;
        Radix radix;
    } u;
};

/* The rest of push and pop, out of line in pes.c: the radix heap proper
 * (and the switches to and from the array), and the 4-ary heap.  Same
 * contracts as cirrus_pes_push and cirrus_pes_pop. */
gboolean cirrus_pes_push_slow(CirrusPes *pes, CirrusTime time, guint32 index);
gboolean cirrus_pes_pop_slow(CirrusPes *pes, CirrusTime *time, guint32 *index);

/* cirrus_pes_push, cirrus_pes_pop and cirrus_pes_peek_time, inline. */
static inline gboolean cirrus_pes_push_inline(CirrusPes *pes, CirrusTime time, guint32 index)
{
    Radix *r = &pes->u.radix;
    if (pes->kind == CIRRUS_PES_RADIX && !r->big && r->size < SMALL_HIGH) {
        /* last >= 0, so this also checks time >= 0. */
        g_assert(index < CIRRUS_PES_MAX_INDEX && time >= r->last);
        radix_push_small(r, (RadixEntry){ time, index });
        return TRUE;
    }
    return cirrus_pes_push_slow(pes, time, index);
}

static inline gboolean cirrus_pes_pop_inline(CirrusPes *pes, CirrusTime *time, guint32 *index)
{
    Radix *r = &pes->u.radix;
    if (pes->kind == CIRRUS_PES_RADIX && !r->big && r->size > 0) {
        RadixEntry e = radix_pop_small(r);
        *time = e.time;
        *index = e.index;
        return TRUE;
    }
    return cirrus_pes_pop_slow(pes, time, index);
}

static inline CirrusTime cirrus_pes_peek_time_inline(const CirrusPes *pes)
{
    if (pes->kind == CIRRUS_PES_RADIX) {
        return radix_peek_time(&pes->u.radix);
    }
    const Heap4 *h = &pes->u.heap4;
    return h->size ? (CirrusTime)(guint64)(h->heap[0] >> 64) : CIRRUS_TIME_NEVER;
}

#endif
