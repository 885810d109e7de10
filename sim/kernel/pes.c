/* cirrus — pending-event set (see pes.h): the 4-ary heap, the radix heap,
 * the calendar wheel (the default; its radix heap is its overflow), and
 * the dispatch between them.
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
#include "sim/kernel/pes-inline.h"
#include <stdlib.h>
#include <string.h>

static inline PesEntry make_entry(CirrusTime time, guint64 low)
{
    return ((PesEntry)(guint64)time << 64) | low;
}

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

G_GNUC_NO_INLINE static gboolean heap4_push(Heap4 *pes, CirrusTime time, guint32 index)
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

G_GNUC_NO_INLINE static gboolean heap4_pop(Heap4 *pes, CirrusTime *time, guint32 *index)
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
 * Keys are times t >= last (the last time popped).  The current bucket
 * holds t == last, in the order pushed.  Every other key goes to bucket
 * (p, d): p is the highest byte in which t differs from last, d is t's
 * byte p (which is above last's).  For a given last, the ranges of the
 * buckets are disjoint and increase with (p, d), so the lowest non-empty
 * bucket, found with two bit scans, holds the minimum.  When the current
 * bucket runs out, that bucket's minimum becomes the new last and its
 * entries move, in order, to buckets of lower p; a bucket with p == 0
 * holds a single time, so it simply becomes the current one (its array is
 * swapped in, nothing is copied).
 *
 * With a byte per level (a radix of 256 rather than 2) an entry moves at
 * most once per byte of the gap between its time and the time at which
 * it was pushed — two or three moves for nanosecond times milliseconds
 * apart — where a binary radix heap moves it about once per bit.  Entries
 * with equal times are always in the same bucket and move together, in
 * order, so they come out first-in first-out — the same order as the
 * heap's (time, seq). */

/* The hot paths below are forced inline: left to itself, gcc calls
 * radix_add from both push and settle, at a cost of a quarter of a hold. */
#define RADIX_INLINE static inline __attribute__((always_inline))

/* ---- chunks ----
 *
 * A bucket's entries are kept in chunks of RADIX_CHUNK (64) entries, in
 * a list; every chunk comes from one free list, to which a bucket gives
 * its chunks back as it is emptied.  Bucket arrays grown by doubling had
 * each kept its largest size (at 10^6 pending, 256 arrays of 1 MB at
 * level 2 alone: 286 MB resident in a hold test of 16 MB of entries, and
 * a page fault every 256 entries as they grew); chunks bound the memory
 * to the most entries ever pending (plus a part-filled chunk a bucket),
 * nothing is copied as a bucket grows, and a chunk just given back — still
 * in the cache — is the next one taken. */
#define RADIX_SLAB_CHUNKS 64    /* chunks an allocation (66 KB) */

struct RadixSlab {
    RadixSlab *next;
    RadixChunk chunk[RADIX_SLAB_CHUNKS];
};

G_GNUC_NO_INLINE static void radix_chunks_more(Radix *r)
{
    RadixSlab *slab = g_new(RadixSlab, 1);
    slab->next = r->slabs;
    r->slabs = slab;
    for (guint i = RADIX_SLAB_CHUNKS; i > 0; i--) {
        slab->chunk[i - 1].next = r->free_chunks;
        r->free_chunks = &slab->chunk[i - 1];
    }
}

static inline RadixChunk *radix_chunk_take(Radix *r)
{
    if (G_UNLIKELY(!r->free_chunks)) radix_chunks_more(r);
    RadixChunk *c = r->free_chunks;
    r->free_chunks = c->next;
    return c;
}

static inline void radix_chunk_give(Radix *r, RadixChunk *c)
{
    c->next = r->free_chunks;
    r->free_chunks = c;
}

/* A bucket being emptied, chunk by chunk: each chunk goes back to the
 * free list once the next is asked for (its link read before). */
typedef struct {
    RadixChunk *next, *read;
    guint32 left;
} RadixDrain;

static inline RadixDrain radix_drain(const RadixBucket *b, guint32 n)
{
    return (RadixDrain){ b->head, NULL, n };
}

/* The next chunk's entries into *entries, and how many (0 when none are
 * left, the last chunk given back). */
static inline guint32 radix_drain_next(Radix *r, RadixDrain *dr, const RadixEntry **entries)
{
    if (dr->read) radix_chunk_give(r, dr->read);
    dr->read = NULL;
    if (dr->left == 0) return 0;
    RadixChunk *c = dr->next;
    guint32 m = MIN(dr->left, RADIX_CHUNK);
    dr->next = c->next;
    dr->read = c;
    dr->left -= m;
    *entries = c->e;
    return m;
}

/* Every entry of b (n of them), in order, into out; its chunks go back to
 * the free list. */
static void radix_bucket_gather(Radix *r, const RadixBucket *b, guint32 n, RadixEntry *out)
{
    RadixDrain dr = radix_drain(b, n);
    const RadixEntry *e;
    for (guint32 m; (m = radix_drain_next(r, &dr, &e)) > 0; out += m) memcpy(out, e, m * sizeof(RadixEntry));
}

static void radix_cur_grow(Radix *r)
{
    r->cur_capacity = r->cur_capacity ? r->cur_capacity * 2 : 64;
    r->cur = g_renew(RadixEntry, r->cur, r->cur_capacity);
}

RADIX_INLINE void radix_cur_append(Radix *r, RadixEntry e)
{
    if (r->cur_len == r->cur_capacity) radix_cur_grow(r);
    r->cur[r->cur_len++] = e;
}

/* Append e (time > last) to its bucket. */
RADIX_INLINE void radix_place(Radix *r, RadixEntry e, guint64 diff)
{
    guint p = (63u - (guint)__builtin_clzll(diff)) >> 3;
    guint d = (guint)((guint64)e.time >> (8 * p)) & (RADIX_DIGITS - 1);
    RadixBucket *b = &r->bucket[p][d];
    guint32 k = b->len % RADIX_CHUNK;
    if (k == 0) {
        RadixChunk *c = radix_chunk_take(r);
        if (b->len == 0) {
            b->head = c;
            b->min = e.time;
            r->nonempty[p][d / 64] |= (guint64)1 << (d % 64);
            r->levels |= 1u << (p * RADIX_WORDS + d / 64);
        } else {
            b->tail->next = c;
        }
        b->tail = c;
    }
    if (e.time < b->min) b->min = e.time;
    b->tail->e[k] = e;
    b->len++;
}

/* ---- sorted runs ----
 *
 * At 10^6 pending a bucket of level 1 (256 ns) holds a few hundred
 * entries of nearly all different times: settling it would place each
 * in a bucket of its own at level 0 and settle each of those in turn,
 * two thirds of a hold's instructions.  Instead such a bucket — and a
 * 65.5-us one of at most RUN_SORT_LEVEL2 entries (sparser loads), and
 * any bucket of a handful — is sorted, stably, straight into the current
 * bucket, which then serves as a sorted run of its whole block
 * (run_shift, pes-inline.h); the levels above are untouched, since every
 * time of the block shares their bytes.  A push into the block while the
 * run lasts goes into its place (found from the end, where new times
 * mostly land, then by halves) when that moves at most RUN_INSERT_MOVE
 * entries; otherwise the rest of the run is put back into buckets the
 * ordinary way (radix_unrun) — each entry is sorted once and put back at
 * most once, so this stays O(1) a push.  Order is kept throughout: sorts
 * are stable, and ties go after their equals (docs/performance.md,
 * "fourth round"). */
#define RUN_SORT_SMALL 16      /* this many or fewer: insertion sort, any level */
#define RUN_SORT_LEVEL2 2048   /* a 65.5-us bucket of this many or fewer: two passes */
#define RUN_INSERT_WALK 8      /* an insert's place is looked for this far from the end, then by halves */
#define RUN_INSERT_MOVE 512    /* an insert moves at most this many entries (8 KB) */

/* Room for n in an array whose contents may go. */
static void radix_reserve(RadixEntry **array, gsize *capacity, gsize n)
{
    if (*capacity >= n) return;
    *capacity = MAX(n, 2 * *capacity);
    g_free(*array);
    *array = g_new(RadixEntry, *capacity);
}

/* scratch[0..n) into cur, sorted by time, equal times in their order. */
static void run_insertion_sort(Radix *r, guint32 n)
{
    const RadixEntry *items = r->scratch;
    RadixEntry *out = r->cur;
    for (guint32 i = 0; i < n; i++) {
        guint32 j = i;
        for (; j > 0 && out[j - 1].time > items[i].time; j--) out[j] = out[j - 1];
        out[j] = items[i];
    }
}

/* from[0..n) into to[0..n) by byte `byte` of their times: a counting
 * sort, stable. */
static void run_counting_pass(const RadixEntry *from, RadixEntry *to, guint32 n, guint byte)
{
    guint32 at[RADIX_DIGITS] = { 0 };
    guint shift = 8 * byte;
    for (guint32 i = 0; i < n; i++) at[((guint64)from[i].time >> shift) & (RADIX_DIGITS - 1)]++;
    guint32 sum = 0;
    for (guint d = 0; d < RADIX_DIGITS; d++) {
        guint32 c = at[d];
        at[d] = sum;
        sum += c;
    }
    for (guint32 i = 0; i < n; i++) to[at[((guint64)from[i].time >> shift) & (RADIX_DIGITS - 1)]++] = from[i];
}

/* scratch[0..n), all of one block of level `p` (1 or 2), into cur sorted
 * by time: p counting passes from the lowest byte up (LSD, so stable). */
static void run_radix_sort(Radix *r, guint32 n, guint p)
{
    run_counting_pass(r->scratch, r->cur, n, 0);
    if (p == 2) {
        run_counting_pass(r->cur, r->scratch, n, 1);
        RadixEntry *sorted = r->scratch;
        gsize capacity = r->scratch_capacity;
        r->scratch = r->cur;
        r->scratch_capacity = r->cur_capacity;
        r->cur = sorted;
        r->cur_capacity = capacity;
    }
}

static void radix_place_from(Radix *r, RadixEntry e);

/* The run is given up: the entries due at `last` stay in cur, the rest
 * go to their buckets, in order. */
static void radix_unrun(Radix *r)
{
    gsize keep = r->cur_head;
    while (keep < r->cur_len && r->cur[keep].time == r->last) keep++;
    for (gsize i = keep; i < r->cur_len; i++) radix_place_from(r, r->cur[i]);
    r->cur_len = keep;
    r->run_shift = 0;
}

/* e falls in the run's block (run_shift > 0): after the last entry due
 * at or before it (searched from the end, where new times mostly land,
 * then by halves). */
G_GNUC_NO_INLINE static void radix_run_add(Radix *r, RadixEntry e)
{
    gsize at = r->cur_len;
    for (guint step = 0; step < RUN_INSERT_WALK && at > r->cur_head && r->cur[at - 1].time > e.time; step++) at--;
    if (at > r->cur_head && r->cur[at - 1].time > e.time) {
        gsize lo = r->cur_head, hi = at - 1;   /* the answer is in [lo, hi] */
        while (lo < hi) {
            gsize mid = lo + (hi - lo) / 2;
            if (r->cur[mid].time > e.time) hi = mid;
            else lo = mid + 1;
        }
        at = lo;
    }
    if (r->cur_len - at > RUN_INSERT_MOVE) {
        radix_unrun(r);
        if (e.time == r->last) radix_cur_append(r, e);
        else radix_place_from(r, e);
        return;
    }
    if (r->cur_len == r->cur_capacity) radix_cur_grow(r);
    memmove(r->cur + at + 1, r->cur + at, (r->cur_len - at) * sizeof(RadixEntry));
    r->cur[at] = e;
    r->cur_len++;
}

RADIX_INLINE void radix_add(Radix *r, RadixEntry e)
{
    guint64 diff = (guint64)(e.time ^ r->last);
    if ((diff >> r->run_shift) != 0) radix_place(r, e, diff);
    else if (r->run_shift == 0) radix_cur_append(r, e);
    else radix_run_add(r, e);
}

static void radix_place_from(Radix *r, RadixEntry e)
{
    radix_place(r, e, (guint64)(e.time ^ r->last));
}

/* Push while the entries are in the radix heap (or must move there). */
static inline void radix_push_big(Radix *r, RadixEntry e)
{
    if (!r->big) {
        /* Too many for the array: on to the radix heap, in order. */
        for (guint i = r->small_head; i < r->small_len; i++) radix_add(r, r->small[i]);
        r->small_head = r->small_len = 0;
        r->big = TRUE;
    }
    radix_add(r, e);
}

/* Make the current bucket non-empty (if anything is pending); or, when
 * the lowest bucket holds a single entry (the common case with a few
 * hundred pending), take that entry into *one at once (TRUE) rather than
 * pass it through the current bucket. */
static gboolean radix_settle(Radix *r, RadixEntry *one)
{
    if (r->cur_head < r->cur_len || r->size == 0) return FALSE;
    r->cur_head = r->cur_len = 0;
    r->run_shift = 0;
    guint p, d;
    radix_lowest(r, &p, &d);
    RadixBucket *b = &r->bucket[p][d];
    r->last = b->min;
    guint64 *word = &r->nonempty[p][d / 64];
    *word &= ~((guint64)1 << (d % 64));
    if (*word == 0) r->levels &= ~(1u << (p * RADIX_WORDS + d / 64));
    guint32 n = b->len;
    b->len = 0;
    if (n == 1) {
        /* No bucket to sort out. */
        *one = b->head->e[0];
        radix_chunk_give(r, b->head);
        return TRUE;
    }
    if (p == 0) {
        /* One time only: in order, the current bucket. */
        radix_reserve(&r->cur, &r->cur_capacity, n);
        radix_bucket_gather(r, b, n, r->cur);
        r->cur_len = n;
        return FALSE;
    }
    if (n <= RUN_SORT_SMALL || p == 1 || (p == 2 && n <= RUN_SORT_LEVEL2)) {
        /* A sorted run of the block (see "sorted runs"). */
        radix_reserve(&r->cur, &r->cur_capacity, n);
        radix_reserve(&r->scratch, &r->scratch_capacity, n);
        radix_bucket_gather(r, b, n, r->scratch);
        if (n <= RUN_SORT_SMALL) run_insertion_sort(r, n);
        else run_radix_sort(r, n, p);
        r->cur_len = n;
        r->run_shift = 8 * p;
        return FALSE;
    }
    /* Entries go to lower levels only, so b is not appended to while it
     * is read; each chunk is given back once read, to be taken again at
     * once by the buckets below. */
    RadixDrain dr = radix_drain(b, n);
    const RadixEntry *e;
    for (guint32 m; (m = radix_drain_next(r, &dr, &e)) > 0;)
        for (guint32 i = 0; i < m; i++) radix_add(r, e[i]);
    return FALSE;
}

/* The earliest entry of the radix heap (size > 0). */
static inline RadixEntry radix_take(Radix *r)
{
    RadixEntry one;
    if (r->cur_head == r->cur_len && radix_settle(r, &one)) {
        r->size--;
        return one;
    }
    r->size--;
    return r->cur[r->cur_head++];
}

static inline RadixEntry radix_pop_big(Radix *r)
{
    RadixEntry e = radix_take(r);
    if (r->size == SMALL_LOW) {
        /* Few left: back to the array, in order. */
        guint n = 0;
        while (r->size > 0) r->small[n++] = radix_take(r);
        r->size = r->small_len = n;
        r->small_head = 0;
        r->cur_head = r->cur_len = 0;
        r->run_shift = 0;
        r->last = e.time;   /* draining moved it to the latest */
        r->big = FALSE;
    }
    return e;
}

static void radix_clear(Radix *r)
{
    while (r->slabs) {
        RadixSlab *next = r->slabs->next;
        g_free(r->slabs);
        r->slabs = next;
    }
    g_free(r->cur);
    g_free(r->scratch);
}

/* The radix heap as the wheel's overflow: push and pop whichever form
 * (array or buckets) it is in. */
static void radix_push_any(Radix *r, CirrusTime time, guint32 index)
{
    g_assert(time >= r->last);
    RadixEntry e = { time, index };
    if (!r->big && r->size < SMALL_HIGH) {
        radix_push_small(r, e);
        return;
    }
    radix_push_big(r, e);
    r->size++;
}

static RadixEntry radix_pop_any(Radix *r)
{
    return r->big ? radix_pop_big(r) : radix_pop_small(r);
}

/* ---- the calendar wheel ----
 *
 * A window of simulated time, [start, start + span), is cut into
 * WHEEL_BUCKETS (65,536) buckets of 2^shift ns; each bucket is a linked
 * list of its entries sorted by time, ties in the order pushed, and a
 * two-level bitmap (a word per 64 buckets, a summary bit per word, 16
 * summary words) finds the first non-empty bucket at or after the cursor
 * with two bit scans (and, past the end of its summary word, a scan of
 * the next ones).  A push
 * into the window is an append to its bucket (an entry is nearly always
 * due after those already in its bucket: the list is walked only when it
 * is not); a pop takes the head of the first non-empty bucket.  Entries
 * due at or after the window's end wait in a radix heap (the overflow).
 *
 * The window never slides: it is left as it is until every entry in it
 * has been popped, and then the next one starts at the overflow's
 * earliest time and takes, in order, every overflow entry that falls in
 * it.  So everything in the overflow is due after everything in the
 * wheel, entries of equal time move together and keep their order, and
 * the output is exactly (time, push order), as the other two structures
 * give it.
 *
 * With a bucket per gap between consecutive events, a push and a pop
 * each touch one bucket and one node (docs/performance.md, "Second
 * round").  The width follows the load: when a window ends, the next one
 * is twice as wide if its spills past the end cost more than its list
 * walks, half as wide in the opposite case (wheel_choose_width).  Between
 * windows the wheel is empty, so a new width costs nothing.  A push that
 * walks a long list (a much denser load than the width was chosen for)
 * empties the wheel into the overflow, in order, at once, and narrows
 * the next window.  With more than WHEEL_BYPASS_ABOVE pending the radix
 * heap serves alone (cirrus_pes_wheel_pop_empty_): there the wheel takes
 * about half the instructions but more time, its lists and buckets
 * scattered over a megabyte or more where the radix heap reads and writes
 * chunks in sequence — hold model, best of 2: 3 x 10^4 pending 36.1 ns
 * against the radix heap's 29.0, 5 x 10^4 41.7 against 25.9, 10^5 (at
 * the former threshold of 65,536) 40.5 against 20.2; at 2 x 10^4 they
 * are level (30.0 and 29.2), at 10^4 the wheel is ahead (28.4 against
 * 32.9) — docs/performance.md, "Fourth round". */

#define WHEEL_SHIFT_START 16                    /* 65.5 us buckets, a 268 ms window */
#define WHEEL_SHIFT_MAX (62 - WHEEL_BITS)
#define WHEEL_WALK_LIMIT 32                     /* a longer walk narrows at once */
#define WHEEL_BYPASS_ABOVE 16384                /* more pending: the radix heap alone */

static void wheel_grow(Wheel *w)
{
    guint32 old = w->nodes_capacity, cap = old ? old * 2 : 1024;
    g_assert(cap <= CIRRUS_PES_MAX_INDEX);
    w->nodes = g_renew(WheelNode, w->nodes, cap);
    for (guint32 i = cap; i > old; i--) {
        w->nodes[i - 1].next = w->free_node;
        w->free_node = i - 1;
    }
    w->nodes_capacity = cap;
}

/* Every entry in the wheel, in order, into the overflow, ahead of those
 * already there (which are all due later); until the next refill, pushes
 * go to the overflow too.  The overflow is a radix heap, which takes no
 * time before the last it gave out — and the refill took times up to the
 * window's end — so it is emptied and filled again in order: O(pending),
 * and rare (each flush narrows the width several times over). */
static void wheel_flush(Wheel *w)
{
    Radix *o = &w->overflow;
    gsize n_later = o->size;
    RadixEntry *later = g_new(RadixEntry, MAX(n_later, 1));
    for (gsize i = 0; i < n_later; i++) later[i] = radix_pop_any(o);
    g_assert(!o->big && o->size == 0);
    o->last = w->last;   /* empty: nothing is placed relative to it */
    o->run_shift = 0;
    while (w->size > 0) {
        guint b = w->cursor;
        WheelBucket *bk = &w->bucket[b];
        for (guint32 n = bk->head; n != WHEEL_NIL;) {
            WheelNode *node = &w->nodes[n];
            guint32 next = node->next;
            radix_push_any(o, node->time, node->index);
            node->next = w->free_node;
            w->free_node = n;
            w->size--;
            n = next;
        }
        *bk = (WheelBucket){ WHEEL_NIL, WHEEL_NIL };
        wheel_bucket_emptied(w, b, w->size);
    }
    for (gsize i = 0; i < n_later; i++) radix_push_any(o, later[i].time, later[i].index);
    g_free(later);
    w->span = 0;
}

static void wheel_insert(Wheel *w, WheelBucket *bk, guint32 n)
{
    /* Earlier than the bucket's last entry: before the first entry due
     * later than it (there is one, the tail). */
    CirrusTime time = w->nodes[n].time;
    guint32 prev = WHEEL_NIL, cur = bk->head;
    guint steps = 0;
    while (w->nodes[cur].time <= time) {
        prev = cur;
        cur = w->nodes[cur].next;
        steps++;
    }
    w->nodes[n].next = cur;
    if (prev == WHEEL_NIL) bk->head = n;
    else w->nodes[prev].next = n;
    w->walked += steps + 1;
    if (steps > WHEEL_WALK_LIMIT && w->shift > 0) {
        wheel_flush(w);
        /* Narrow so that such a list would hold about one entry per bucket. */
        guint by = (guint)g_bit_storage(steps);
        w->shift = w->shift > by ? w->shift - by : 0;
        w->walked = w->spilled = 0;
    }
}

void cirrus_pes_wheel_spill_(Wheel *w, CirrusTime time, guint32 index)
{
    Radix *o = &w->overflow;
    w->spilled++;
    if (o->big) {
        /* With many pending (the radix heap alone) this is every push:
         * radix_push_any's big case with `big` known, which measured
         * 14 Ir a hold less at 10^6 pending than calling it. */
        g_assert(time >= o->last);
        radix_push_big(o, (RadixEntry){ time, index });
        o->size++;
        return;
    }
    radix_push_any(o, time, index);
}

/* A push in the window that wheel_try_push does not take: with no free
 * node the node array grows; one due before its bucket's last entry walks
 * the bucket's list. */
void cirrus_pes_wheel_push_other_(Wheel *w, CirrusTime time, guint32 index)
{
    guint64 offset = (guint64)(time - w->start);   /* in the window */
    if (w->free_node == WHEEL_NIL) {
        wheel_grow(w);
        if (wheel_try_push(w, time, index)) return;
    }
    guint32 n = wheel_node_new(w, time, index);
    wheel_insert(w, &w->bucket[offset >> w->shift], n);
}

/* The next window's width, from how the last one went.  Doubling the
 * width about doubles the walks (twice the entries share a bucket) and
 * halves the spills (the window is twice as long); halving it, the
 * reverse.  A walk step costs about WALK_COST instructions, a spill
 * (into the radix heap and out again) about SPILL_COST
 * (docs/performance.md), so with K steps walked and S spills the width
 * doubles when K * WALK_COST < S * SPILL_COST / 2 and halves when
 * S * SPILL_COST < K * WALK_COST / 2. */
#define WALK_COST 15
#define SPILL_COST 250
static void wheel_choose_width(Wheel *w)
{
    guint64 walks = w->walked * WALK_COST, spills = w->spilled * SPILL_COST;
    if (2 * walks < spills && w->shift < WHEEL_SHIFT_MAX) w->shift++;
    else if (2 * spills < walks && w->shift > 0) w->shift--;
    w->walked = w->spilled = 0;
}

/* A new window from the overflow (not empty, not too full), and its
 * first entry. */
G_GNUC_NO_INLINE static void wheel_refill(Wheel *w, CirrusTime *time, guint32 *index)
{
    Radix *o = &w->overflow;
    wheel_choose_width(w);
    w->start = radix_peek_time(o);
    w->span = (guint64)WHEEL_BUCKETS << w->shift;
    /* In order, so each is appended to its bucket. */
    while (o->size > 0 && (guint64)(radix_peek_time(o) - w->start) < w->span) {
        RadixEntry e = radix_pop_any(o);
        wheel_push(w, e.time, e.index);
    }
    wheel_take(w, time, index);
}

gboolean cirrus_pes_wheel_pop_empty_(Wheel *w, CirrusTime *time, guint32 *index)
{
    Radix *o = &w->overflow;
    if (o->size > WHEEL_BYPASS_ABOVE) {
        /* More than a window could hold a bucket each: the radix heap is
         * the better structure (docs/performance.md), so it serves alone
         * — pushes spill into it — until fewer are pending.  (With that
         * many it is in its buckets, not its array.) */
        RadixEntry e = radix_pop_big(o);
        w->span = 0;
        *time = w->last = e.time;
        *index = e.index;
        return TRUE;
    }
    if (o->size == 0) return FALSE;
    wheel_refill(w, time, index);
    return TRUE;
}

static void wheel_init(Wheel *w)
{
    w->shift = WHEEL_SHIFT_START;
    w->span = (guint64)WHEEL_BUCKETS << w->shift;
    w->free_node = WHEEL_NIL;
    w->cursor = WHEEL_BUCKETS;
    memset(w->bucket, 0xff, sizeof w->bucket);   /* every head and tail WHEEL_NIL */
}

/* ---- dispatch ---- */

gboolean cirrus_pes_kind_from_name(const char *name, CirrusPesKind *kind)
{
    if (g_strcmp0(name, "wheel") == 0) *kind = CIRRUS_PES_WHEEL;
    else if (g_strcmp0(name, "radix") == 0) *kind = CIRRUS_PES_RADIX;
    else if (g_strcmp0(name, "heap4") == 0) *kind = CIRRUS_PES_HEAP4;
    else return FALSE;
    return TRUE;
}

const char *cirrus_pes_kind_name(CirrusPesKind kind)
{
    switch (kind) {
    case CIRRUS_PES_WHEEL: return "wheel";
    case CIRRUS_PES_RADIX: return "radix";
    case CIRRUS_PES_HEAP4: return "heap4";
    }
    return "?";
}

CirrusPes *cirrus_pes_new(CirrusPesKind kind)
{
    CirrusPes *pes = g_new0(CirrusPes, 1);
    pes->kind = kind;
    if (kind == CIRRUS_PES_HEAP4) pes_grow(&pes->u.heap4, 1024);
    if (kind == CIRRUS_PES_WHEEL) wheel_init(&pes->u.wheel);
    return pes;
}

void cirrus_pes_free(CirrusPes *pes)
{
    if (!pes) return;
    if (pes->kind == CIRRUS_PES_HEAP4) free(pes->u.heap4.block);
    else if (pes->kind == CIRRUS_PES_WHEEL) {
        g_free(pes->u.wheel.nodes);
        radix_clear(&pes->u.wheel.overflow);
    } else radix_clear(&pes->u.radix);
    g_free(pes);
}

/* The radix heap's array (few pending) is handled inline (pes-inline.h);
 * everything else goes to these, out of line, so that the common path
 * with few pending saves few registers. */
G_GNUC_NO_INLINE gboolean cirrus_pes_push_slow(CirrusPes *pes, CirrusTime time, guint32 index)
{
    g_assert(index < CIRRUS_PES_MAX_INDEX && time >= 0);
    if (pes->kind == CIRRUS_PES_HEAP4) return heap4_push(&pes->u.heap4, time, index);
    g_assert(time >= pes->u.radix.last);
    radix_push_big(&pes->u.radix, (RadixEntry){ time, index });
    pes->u.radix.size++;
    return TRUE;
}

G_GNUC_NO_INLINE gboolean cirrus_pes_pop_slow(CirrusPes *pes, CirrusTime *time, guint32 *index)
{
    if (pes->kind == CIRRUS_PES_HEAP4) return heap4_pop(&pes->u.heap4, time, index);
    if (pes->u.radix.size == 0) return FALSE;
    RadixEntry e = radix_pop_big(&pes->u.radix);
    *time = e.time;
    *index = e.index;
    return TRUE;
}

gboolean cirrus_pes_push(CirrusPes *pes, CirrusTime time, guint32 index)
{
    return cirrus_pes_push_inline(pes, time, index);
}

gboolean cirrus_pes_pop(CirrusPes *pes, CirrusTime *time, guint32 *index)
{
    return cirrus_pes_pop_inline(pes, time, index);
}

CirrusTime cirrus_pes_peek_time(const CirrusPes *pes)
{
    return cirrus_pes_peek_time_inline(pes);
}

gsize cirrus_pes_size(const CirrusPes *pes)
{
    switch (pes->kind) {
    case CIRRUS_PES_WHEEL: return pes->u.wheel.size + pes->u.wheel.overflow.size;
    case CIRRUS_PES_RADIX: return pes->u.radix.size;
    case CIRRUS_PES_HEAP4: return pes->u.heap4.size;
    }
    return 0;
}
