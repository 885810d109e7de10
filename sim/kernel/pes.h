/* cirrus — the pending-event set.
 *
 * A priority queue of (time, payload) in which ties in time come out in the
 * order they went in (FIFO), which is what makes a run deterministic (as in
 * libuv's timer heap, ordered by (timeout, start_id)).  The payload is a
 * 32-bit index chosen by the caller (the kernel's event slot).
 *
 * It is its own module behind this small interface so that it can be
 * benchmarked alone (`cirrus bench`) and replaced.  Three structures are
 * offered; all deliver exactly the same order, so results do not depend
 * on the choice:
 *   CIRRUS_PES_WHEEL  a calendar wheel (the default): a window of 65,536
 *                     buckets whose width follows the load, a two-level
 *                     bitmap to find the first non-empty one, and a radix
 *                     heap for what is due after the window (and alone
 *                     above 16,384 pending).
 *   CIRRUS_PES_RADIX  a radix heap of radix 256.  Push is an append to
 *                     one of 8 x 256 buckets (lists of 64-entry chunks);
 *                     pop redistributes one bucket at a time, reading and
 *                     writing memory in sequence, and sorts a small
 *                     bucket, a 256-ns one or a modest 65.5-us one into a
 *                     run; below 64 pending, a short sorted array.
 *   CIRRUS_PES_HEAP4  an implicit 4-ary min-heap of 16-byte keys.
 * The wheel and the radix heap rely on what holds in a discrete-event
 * simulation: nothing is pushed earlier than the last time popped.
 * docs/performance.md has the measurements behind the default. */
#ifndef CIRRUS_PES_H
#define CIRRUS_PES_H

#include <glib.h>
#include "sim/kernel/clock.h"

typedef struct CirrusPes CirrusPes;

typedef enum { CIRRUS_PES_RADIX, CIRRUS_PES_HEAP4, CIRRUS_PES_WHEEL } CirrusPesKind;

/* What a simulation uses unless told otherwise. */
#define CIRRUS_PES_DEFAULT CIRRUS_PES_WHEEL

/* "radix" / "heap4" -> kind; FALSE if unknown. */
gboolean    cirrus_pes_kind_from_name(const char *name, CirrusPesKind *kind);
const char *cirrus_pes_kind_name(CirrusPesKind kind);

/* Largest payload index + 1, and the number of insertions a set accepts over
 * its life (seq numbers are packed beside the index in 64 bits). */
#define CIRRUS_PES_INDEX_BITS 25
#define CIRRUS_PES_MAX_INDEX  ((guint32)1 << CIRRUS_PES_INDEX_BITS)
#define CIRRUS_PES_MAX_SEQ    ((guint64)1 << (64 - CIRRUS_PES_INDEX_BITS))

CirrusPes *cirrus_pes_new(CirrusPesKind kind);
void       cirrus_pes_free(CirrusPes *pes);

/* Insert; index < CIRRUS_PES_MAX_INDEX; time >= 0 and, for the radix
 * heap, time >= the last time popped.  Returns FALSE (and inserts nothing)
 * only when the heap's lifetime sequence numbers are exhausted. */
gboolean   cirrus_pes_push(CirrusPes *pes, CirrusTime time, guint32 index);

/* Remove the earliest entry (FIFO among equal times).  FALSE when empty. */
gboolean   cirrus_pes_pop(CirrusPes *pes, CirrusTime *time, guint32 *index);

/* Time of the earliest entry, CIRRUS_TIME_NEVER when empty. */
CirrusTime cirrus_pes_peek_time(const CirrusPes *pes);

gsize      cirrus_pes_size(const CirrusPes *pes);

#endif
