/* cirrus — fixed-size object pool.
 *
 * Objects are carved from chunks that are never moved or freed before the
 * pool is, so a pointer to a pooled object stays valid; released objects go
 * on a free list and are handed out again (most recently released first).
 * Memory therefore grows with the peak number of objects alive at once,
 * never with the number allocated over a run. */
#ifndef CIRRUS_POOL_H
#define CIRRUS_POOL_H

#include <glib.h>

typedef struct CirrusPool CirrusPool;

/* object_size >= sizeof(void *); objects come zeroed from cirrus_pool_alloc. */
CirrusPool *cirrus_pool_new(gsize object_size);
void        cirrus_pool_free(CirrusPool *pool);
void       *cirrus_pool_alloc(CirrusPool *pool);
/* The same, not zeroed: for a caller that assigns the whole object (a
 * request is assigned as one struct literal, which costs a few stores
 * where zeroing the pool's rounded-up size costs a call to memset). */
void       *cirrus_pool_take(CirrusPool *pool);
void        cirrus_pool_release(CirrusPool *pool, void *object);
gsize       cirrus_pool_in_use(const CirrusPool *pool);
gsize       cirrus_pool_capacity(const CirrusPool *pool); /* objects carved so far */

#endif
