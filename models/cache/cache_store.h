/* cirrus — a cache's contents: which keys it holds, when they expire, and
 * which one goes when it is full.  One implementation for every cache the
 * models have: each ElastiCache shard, DAX's item cache, and (later) API
 * Gateway's stage cache and CloudFront's edge caches.  It knows nothing of
 * requests or time passing: a model asks it about one key at a time.
 *
 * Keys are the integers 0 .. n_keys-1 (models/aws/keys.h draws them); a
 * store holds at most `capacity` of them.  An entry lives `ttl` from the
 * moment it is filled (0: for ever); a hit does not extend it (Redis's
 * EXPIRE semantics, and DESIGN.md §7: "an entry's TTL starts when it is
 * filled").  Expired entries are removed as Redis's active expiry removes
 * them, exactly when due (every store has one TTL, so they expire in the
 * order they were filled: a FIFO of fills does it in O(1)), and are not
 * evictions.
 *
 * When a new entry finds the store full, the eviction policy (Redis's
 * maxmemory-policy; AWS's default for ElastiCache parameter groups is
 * volatile-lru) chooses:
 *   allkeys-lru, volatile-lru       the least recently used entry — exactly
 *                                   (Redis approximates it by sampling 5
 *                                   keys; exact LRU is what its
 *                                   approximation tends to)
 *   allkeys-lfu, volatile-lfu       the least frequently used of 5 sampled
 *                                   entries, by Redis's logarithmic
 *                                   frequency counter (lfu-log-factor 10,
 *                                   lfu-decay-time 1 minute, new keys 5)
 *   allkeys-random, volatile-random an entry at random
 *   volatile-ttl                    of 5 sampled entries, the one nearest
 *                                   its expiry
 *   noeviction                      none: the new entry is refused
 * The volatile-* policies may only evict entries that have a TTL: with
 * `ttl` 0 nothing is evictable and a full store refuses new entries (as
 * Redis answers OOM), counted as fill failures. */
#ifndef CIRRUS_CACHE_STORE_H
#define CIRRUS_CACHE_STORE_H

#include "sim/kernel/clock.h"
#include "sim/kernel/rng.h"
#include <glib.h>

typedef enum {
    CIRRUS_EVICT_VOLATILE_LRU,
    CIRRUS_EVICT_ALLKEYS_LRU,
    CIRRUS_EVICT_VOLATILE_LFU,
    CIRRUS_EVICT_ALLKEYS_LFU,
    CIRRUS_EVICT_VOLATILE_RANDOM,
    CIRRUS_EVICT_ALLKEYS_RANDOM,
    CIRRUS_EVICT_VOLATILE_TTL,
    CIRRUS_EVICT_NOEVICTION,
} CirrusEviction;

/* The policies' names as Redis spells them, in CirrusEviction's order,
 * NULL-terminated (for cirrus_cfg_enum and its "did you mean"). */
extern const char *const cirrus_eviction_names[];

typedef struct CirrusCacheStore CirrusCacheStore;

/* What happened since the counts were last taken. */
typedef struct {
    guint64 evictions;       /* entries removed to make room */
    guint64 expirations;     /* entries removed because their TTL ran out */
    guint64 fill_failures;   /* new entries refused: full with nothing evictable */
} CirrusCacheCounts;

/* A store for keys 0 .. n_keys-1 holding at most `capacity` entries (0:
 * none: every fill fails), each living `ttl` (0: no expiry). */
CirrusCacheStore *cirrus_cache_store_new(guint n_keys, guint64 capacity, CirrusTime ttl, CirrusEviction policy);
void     cirrus_cache_store_free(CirrusCacheStore *store);

/* Whether `key` is held at `now` (a hit, which counts as a use for LRU and
 * LFU).  `rng`: LFU's counter increments are probabilistic. */
gboolean cirrus_cache_get(CirrusCacheStore *store, guint key, CirrusTime now, CirrusRng *rng);
/* Put `key` in at `now` (a fill after a miss, or a write-through): a held
 * key is refreshed (its TTL starts again); a new one may evict another.
 * FALSE when the store refused it (full, nothing evictable). */
gboolean cirrus_cache_set(CirrusCacheStore *store, guint key, CirrusTime now, CirrusRng *rng);
/* Remove `key` (an invalidation): whether it was held. */
gboolean cirrus_cache_delete(CirrusCacheStore *store, guint key, CirrusTime now);
/* Lose everything (a node replaced empty, a failover to a cold replica). */
void     cirrus_cache_flush(CirrusCacheStore *store);

/* When `key`, held, was last filled (set). */
CirrusTime cirrus_cache_filled_at(const CirrusCacheStore *store, guint key);

/* Entries held at `now` (expired ones removed first). */
guint64  cirrus_cache_items(CirrusCacheStore *store, CirrusTime now);
guint64  cirrus_cache_capacity(const CirrusCacheStore *store);
/* The counts since the last call, and start them again from 0. */
CirrusCacheCounts cirrus_cache_take_counts(CirrusCacheStore *store);

#endif
