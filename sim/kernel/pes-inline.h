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
#include "sim/kernel/hot-assert.h"
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

/* A bucket of the radix heap is a list of chunks of RADIX_CHUNK entries,
 * all drawn from one free list (pes.c, "chunks"). */
#define RADIX_CHUNK 64

typedef struct RadixChunk {
    RadixEntry e[RADIX_CHUNK];
    struct RadixChunk *next;   /* the bucket's next chunk, or the free list's */
} RadixChunk;

typedef struct {
    RadixChunk *head, *tail;   /* entries [0, len) in order, RADIX_CHUNK a chunk */
    guint32 len;
    CirrusTime min;     /* smallest time in the bucket, kept as it fills */
} RadixBucket;

typedef struct RadixSlab RadixSlab;

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
    RadixEntry *cur;    /* the current bucket: times == last, or a sorted run (run_shift) */
    gsize cur_head, cur_len, cur_capacity;
    /* 0: cur[cur_head .. cur_len) holds the entries due at `last`, in the
     * order pushed.  8 * p (p >= 1): it holds, sorted by (time, push
     * order), every pending entry of last's block at level p (the times
     * t with t >> run_shift == last >> run_shift), and no bucket below
     * level p holds any (pes.c, "sorted runs"). */
    guint run_shift;
    RadixEntry *scratch;        /* a bucket's entries, gathered to be sorted */
    gsize scratch_capacity;
    RadixChunk *free_chunks;    /* chunks no bucket holds */
    RadixSlab *slabs;           /* every chunk's allocation, freed with the set */
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

/* ---- the calendar wheel (the default; see pes.c) ---- */

/* 65,536 buckets (512 KB of list heads and tails): with 4,096, a
 * thousand pending already filled windows short enough to spill often
 * (hold model: 142 → 126 instructions at 10^3, 356 → 172 at 2 × 10^4;
 * an M/M/100 unchanged) — docs/performance.md, "A wider wheel".  Above
 * 16,384 pending the radix heap serves alone (pes.c). */
#define WHEEL_BITS 16
#define WHEEL_BUCKETS (1u << WHEEL_BITS)
#define WHEEL_WORDS (WHEEL_BUCKETS / 64)       /* bit b % 64 of word b / 64: bucket b */
#define WHEEL_SUMMARIES (WHEEL_WORDS / 64)     /* bit w % 64 of summary w / 64: word w */
#define WHEEL_NIL G_MAXUINT32

G_STATIC_ASSERT(WHEEL_SUMMARIES >= 1);

typedef struct {
    CirrusTime time;
    guint32 index;
    guint32 next;       /* the next node of its bucket (or of the free list) */
} WheelNode;

typedef struct {
    guint32 head, tail; /* WHEEL_NIL when the bucket is empty */
} WheelBucket;

typedef struct {
    CirrusTime start;       /* the window: bucket b holds start + [b, b+1) << shift */
    guint64 span;           /* WHEEL_BUCKETS << shift; 0 after a flush (pushes spill) */
    CirrusTime last;        /* the last time popped */
    guint shift;
    guint cursor;           /* the first bucket holding entries; WHEEL_BUCKETS when none */
    gsize size;             /* entries in the wheel, not counting the overflow */
    guint64 summary[WHEEL_SUMMARIES];   /* bit w % 64 of summary w / 64: words[w] != 0 */
    guint64 words[WHEEL_WORDS];   /* bit b % 64 of word b / 64: bucket b holds entries */
    WheelBucket bucket[WHEEL_BUCKETS];
    WheelNode *nodes;
    guint32 n_nodes, nodes_capacity, free_node;
    /* this window's counts, from which the next window's width follows */
    guint64 spilled, walked;
    Radix overflow;         /* entries at or after start + span, in (time, push) order */
} Wheel;

struct CirrusPes {
    CirrusPesKind kind;
    union {
        Heap4 heap4;
        Radix radix;
        Wheel wheel;
    } u;
};

/* Out of line, in pes.c: a push at or after the window's end (to the
 * overflow); one in the window that wheel_try_push does not take (no
 * free node, or due before its bucket's last entry); a pop with the
 * window empty (the next window is filled from the overflow, or with very
 * many pending the overflow gives the entry itself; FALSE when nothing is
 * pending). */
void     cirrus_pes_wheel_spill_(Wheel *w, CirrusTime time, guint32 index);
void     cirrus_pes_wheel_push_other_(Wheel *w, CirrusTime time, guint32 index);
gboolean cirrus_pes_wheel_pop_empty_(Wheel *w, CirrusTime *time, guint32 *index);

/* A node for (time, index) from the free list (it has one), counted in
 * the wheel's size. */
static inline guint32 wheel_node_new(Wheel *w, CirrusTime time, guint32 index)
{
    guint32 n = w->free_node;
    WheelNode *node = &w->nodes[n];
    w->free_node = node->next;
    *node = (WheelNode){ time, index, WHEEL_NIL };
    w->size++;
    return n;
}

/* The first bucket at or after `from` that holds entries (there is one). */
static inline guint wheel_first_from(const Wheel *w, guint from)
{
    guint word = from >> 6;
    guint64 bits = w->words[word] & (~(guint64)0 << (from & 63));
    if (G_LIKELY(bits)) return word * 64 + (guint)__builtin_ctzll(bits);
    /* A later word of this summary, else of a later one: a scan of at
     * most 16 words, nearly always none (a third level, a word of
     * summaries, cost 20 instructions a hold at 10^3 pending to keep up
     * on every push and pop). */
    guint s = word >> 6;
    guint64 sum = w->summary[s] & ((~(guint64)0 << (word & 63)) << 1);
    while (!sum) {
        s++;
        cirrus_hot_assert(s < WHEEL_SUMMARIES);
        sum = w->summary[s];
    }
    word = s * 64 + (guint)__builtin_ctzll(sum);
    return word * 64 + (guint)__builtin_ctzll(w->words[word]);
}

/* Push (time, index) when that takes no call — in the window, a free
 * node, and no walk of the bucket's list (an empty bucket, or at or after
 * its last entry): TRUE.  Else FALSE, and nothing done. */
static inline __attribute__((always_inline)) gboolean wheel_try_push(Wheel *w, CirrusTime time, guint32 index)
{
    cirrus_hot_assert(index < CIRRUS_PES_MAX_INDEX && time >= w->last);
    guint64 offset = (guint64)(time - w->start);   /* time >= last >= start */
    if (G_UNLIKELY(offset >= w->span || w->free_node == WHEEL_NIL)) return FALSE;
    guint b = (guint)(offset >> w->shift);
    WheelBucket *bk = &w->bucket[b];
    if (bk->head != WHEEL_NIL && time < w->nodes[bk->tail].time) return FALSE;
    guint32 n = wheel_node_new(w, time, index);
    if (bk->head == WHEEL_NIL) {
        bk->head = bk->tail = n;
        w->words[b >> 6] |= (guint64)1 << (b & 63);
        w->summary[b >> 12] |= (guint64)1 << ((b >> 6) & 63);
        if (b < w->cursor) w->cursor = b;
    } else {
        w->nodes[bk->tail].next = n;
        bk->tail = n;
    }
    return TRUE;
}

static inline __attribute__((always_inline)) void wheel_push(Wheel *w, CirrusTime time, guint32 index)
{
    /* The window's end tested first: above 16,384 pending every push
     * goes to the overflow, and one call is all it should cost (the
     * test is the one wheel_try_push makes: gcc merges them). */
    if (G_UNLIKELY((guint64)(time - w->start) >= w->span)) cirrus_pes_wheel_spill_(w, time, index);
    else if (G_UNLIKELY(!wheel_try_push(w, time, index))) cirrus_pes_wheel_push_other_(w, time, index);
}

/* Bucket b (the cursor's) has just been emptied: its bits go, and the
 * cursor moves to the next bucket holding entries, if any of the
 * `remaining` entries are left. */
static inline void wheel_bucket_emptied(Wheel *w, guint b, gsize remaining)
{
    guint64 *word = &w->words[b >> 6];
    *word &= ~((guint64)1 << (b & 63));
    if (*word == 0) w->summary[b >> 12] &= ~((guint64)1 << ((b >> 6) & 63));
    w->cursor = remaining > 0 ? wheel_first_from(w, b) : WHEEL_BUCKETS;
}

/* Take the earliest entry of the window (size > 0: it is the head of
 * the cursor's bucket).  Returns whether another entry has the same time:
 * only the bucket's next can (a time has one bucket, a bucket's list is
 * in time order, and the overflow holds only times after the window's). */
static inline gboolean wheel_take(Wheel *w, CirrusTime *time, guint32 *index)
{
    guint b = w->cursor;
    WheelBucket *bk = &w->bucket[b];
    guint32 n = bk->head;
    WheelNode *node = &w->nodes[n];
    CirrusTime t = *time = w->last = node->time;
    *index = node->index;
    guint32 next = bk->head = node->next;
    node->next = w->free_node;
    w->free_node = n;
    w->size--;
    if (next == WHEEL_NIL) {
        wheel_bucket_emptied(w, b, w->size);
        return FALSE;
    }
    return w->nodes[next].time == t;
}

static inline gboolean wheel_pop(Wheel *w, CirrusTime *time, guint32 *index)
{
    if (G_UNLIKELY(w->size == 0)) return cirrus_pes_wheel_pop_empty_(w, time, index);
    wheel_take(w, time, index);
    return TRUE;
}

static inline CirrusTime wheel_peek_time(const Wheel *w)
{
    if (w->size) return w->nodes[w->bucket[w->cursor].head].time;
    return radix_peek_time(&w->overflow);
}

/* The rest of push and pop, out of line in pes.c: the radix heap proper
 * (and the switches to and from the array), and the 4-ary heap.  Same
 * contracts as cirrus_pes_push and cirrus_pes_pop. */
gboolean cirrus_pes_push_slow(CirrusPes *pes, CirrusTime time, guint32 index);
gboolean cirrus_pes_pop_slow(CirrusPes *pes, CirrusTime *time, guint32 *index);

/* cirrus_pes_push, cirrus_pes_pop and cirrus_pes_peek_time, inline. */
/* Push (time, index) when that takes no call — the calendar wheel, its
 * window, a free node, and no walk of the bucket's list — as
 * cirrus_pes_push_inline would: TRUE.  Else FALSE, and nothing done: the
 * caller pushes through cirrus_pes_push_inline in a function of its own
 * (kernel.c, cirrus_schedule: a call on a path makes gcc save registers
 * on every entry). */
static inline __attribute__((always_inline)) gboolean cirrus_pes_try_push_inline(CirrusPes *pes, CirrusTime time,
                                                                                 guint32 index)
{
    return G_LIKELY(pes->kind == CIRRUS_PES_WHEEL) && wheel_try_push(&pes->u.wheel, time, index);
}

static inline __attribute__((always_inline)) gboolean cirrus_pes_push_inline(CirrusPes *pes, CirrusTime time, guint32 index)
{
    if (G_LIKELY(pes->kind == CIRRUS_PES_WHEEL)) {
        wheel_push(&pes->u.wheel, time, index);
        return TRUE;
    }
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
    if (G_LIKELY(pes->kind == CIRRUS_PES_WHEEL)) return wheel_pop(&pes->u.wheel, time, index);
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
    if (G_LIKELY(pes->kind == CIRRUS_PES_WHEEL)) return wheel_peek_time(&pes->u.wheel);
    if (pes->kind == CIRRUS_PES_RADIX) {
        return radix_peek_time(&pes->u.radix);
    }
    const Heap4 *h = &pes->u.heap4;
    return h->size ? (CirrusTime)(guint64)(h->heap[0] >> 64) : CIRRUS_TIME_NEVER;
}

/* cirrus_pes_pop_inline, and *same_time: whether another entry pending
 * has the time of the one popped — FALSE only when none has (the wheel
 * knows it from the popped entry's bucket; elsewhere a peek tells). */
static inline gboolean cirrus_pes_pop_same_time_inline(CirrusPes *pes, CirrusTime *time, guint32 *index,
                                                       gboolean *same_time)
{
    Wheel *w = &pes->u.wheel;
    if (G_LIKELY(pes->kind == CIRRUS_PES_WHEEL && w->size > 0)) {
        *same_time = wheel_take(w, time, index);
        return TRUE;
    }
    if (!cirrus_pes_pop_inline(pes, time, index)) return FALSE;
    *same_time = cirrus_pes_peek_time_inline(pes) == *time;
    return TRUE;
}

#endif
