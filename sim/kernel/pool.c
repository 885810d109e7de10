/* cirrus — fixed-size object pool (see pool.h). */
#include "sim/kernel/pool.h"
#include "sim/kernel/hot-assert.h"
#include <stddef.h>
#include <string.h>

/* Under AddressSanitizer (CI's sanitised build), a released object is
 * poisoned but for its first two words, and a chunk's objects until they
 * are carved: a read or write through a pointer kept past release is
 * reported where it happens, instead of silently reading whatever the
 * object's next owner wrote.  The first two words stay readable on
 * purpose: the free list's link, and the id word owners zero before
 * release (CirrusRequest.id) so that a stale timer carrying the pointer
 * sees a mismatch and stops there. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POOL_READABLE_WORDS (2 * sizeof(void *))
#define pool_poison(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define pool_unpoison(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POOL_READABLE_WORDS 0
#define pool_poison(p, n) ((void)(p), (void)(n))
#define pool_unpoison(p, n) ((void)(p), (void)(n))
#endif

#define POOL_FIRST_CHUNK 256

typedef struct FreeObject { struct FreeObject *next; } FreeObject;

struct CirrusPool {
    gsize       object_size;
    GPtrArray  *chunks;      /* owned blocks of objects */
    gsize       chunk_next;  /* objects in the newest chunk not yet carved */
    gsize       chunk_len;   /* objects in the newest chunk */
    FreeObject *free_list;
    gsize       in_use, capacity;
};

CirrusPool *cirrus_pool_new(gsize object_size)
{
    CirrusPool *pool = g_new0(CirrusPool, 1);
    /* Round up so every object is aligned for any member type. */
    gsize align = sizeof(max_align_t);
    if (object_size < sizeof(FreeObject)) object_size = sizeof(FreeObject);
    pool->object_size = (object_size + align - 1) / align * align;
    pool->chunks = g_ptr_array_new_with_free_func(g_free);
    return pool;
}

void cirrus_pool_free(CirrusPool *pool)
{
    if (!pool) return;
    g_ptr_array_unref(pool->chunks);
    g_free(pool);
}

/* An object carved from the newest chunk (a new one when it is used up):
 * out of line, so that the free list's path makes no call and saves no
 * registers (a request is taken and released on every arrival). */
G_GNUC_NO_INLINE static void *pool_carve(CirrusPool *pool)
{
    if (pool->chunk_next == pool->chunk_len) {
        /* Chunks double in size, so the number of chunks stays small. */
        gsize len = pool->chunk_len ? pool->chunk_len * 2 : POOL_FIRST_CHUNK;
        char *chunk = g_malloc(len * pool->object_size);
        pool_poison(chunk, len * pool->object_size);
        g_ptr_array_add(pool->chunks, chunk);
        pool->chunk_len = len;
        pool->chunk_next = 0;
    }
    char *chunk = g_ptr_array_index(pool->chunks, pool->chunks->len - 1);
    void *object = chunk + pool->chunk_next++ * pool->object_size;
    pool->capacity++;
    pool_unpoison(object, pool->object_size);
    pool->in_use++;
    return object;
}

void *cirrus_pool_take(CirrusPool *pool)
{
    FreeObject *object = pool->free_list;
    if (G_UNLIKELY(!object)) return pool_carve(pool);
    pool->free_list = object->next;
    pool_unpoison(object, pool->object_size);
    pool->in_use++;
    return object;
}

void *cirrus_pool_alloc(CirrusPool *pool)
{
    return memset(cirrus_pool_take(pool), 0, pool->object_size);
}

void cirrus_pool_release(CirrusPool *pool, void *object)
{
    cirrus_hot_assert(object != NULL && pool->in_use > 0);
    FreeObject *f = object;
    f->next = pool->free_list;
    pool->free_list = f;
    pool->in_use--;
    pool_poison((char *)object + POOL_READABLE_WORDS, pool->object_size - POOL_READABLE_WORDS);
}

gsize cirrus_pool_in_use(const CirrusPool *pool) { return pool->in_use; }
gsize cirrus_pool_capacity(const CirrusPool *pool) { return pool->capacity; }
