/* cirrus — a growable ring buffer of pointers (FIFO), for queues of
 * requests.  GQueue would allocate a list node per element; this allocates
 * only when it doubles. */
#ifndef CIRRUS_FIFO_H
#define CIRRUS_FIFO_H

#include <glib.h>

typedef struct CirrusFifo {
    gpointer *items;
    gsize head, len, capacity;  /* capacity is 0 or a power of two */
} CirrusFifo;

static inline gsize cirrus_fifo_len(const CirrusFifo *q) { return q->len; }

/* Out of line: the push below is on hot paths and should stay small. */
G_GNUC_NO_INLINE static void cirrus_fifo_grow(CirrusFifo *q)
{
    gsize cap = q->capacity ? q->capacity * 2 : 16;
    gpointer *items = g_new(gpointer, cap);
    for (gsize i = 0; i < q->len; i++) items[i] = q->items[(q->head + i) & (q->capacity - 1)];
    g_free(q->items);
    q->items = items;
    q->head = 0;
    q->capacity = cap;
}

static inline void cirrus_fifo_push(CirrusFifo *q, gpointer item)
{
    if (q->len == q->capacity) cirrus_fifo_grow(q);
    q->items[(q->head + q->len++) & (q->capacity - 1)] = item;
}

/* NULL when empty. */
static inline gpointer cirrus_fifo_pop(CirrusFifo *q)
{
    if (q->len == 0) return NULL;
    gpointer item = q->items[q->head];
    q->head = (q->head + 1) & (q->capacity - 1);
    q->len--;
    return item;
}

static inline void cirrus_fifo_clear(CirrusFifo *q)
{
    g_free(q->items);
    *q = (CirrusFifo){0};
}

#endif
