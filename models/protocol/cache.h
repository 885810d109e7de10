/* cirrus — the cache protocol: a component that holds keys for others
 * (an ElastiCache cluster, CIRRUS_SPEAKS_CACHE), read through by a `calls`
 * entry of the cache-aside form (calls.h, DESIGN.md §6-7):
 *
 *   - cache: sessions                 GET a key; a hit ends the step
 *     on_miss: [{target: users}]      a miss (or a failed GET) makes these,
 *                                     then SETs the key (lazy loading)
 *     writes: 0.1                     a share of requests that write instead:
 *     on_write: [{target: users, operation: PutItem}]   they make these, then
 *     write: through                  SET the key (through), DELETE it
 *                                     (invalidate), or leave it (around)
 *     keys: {count: 1000, distribution: zipf}   optional: the call's own
 *                                     popularity (else the cache's keys)
 *
 * Requests to a cache are invoke requests (cirrus_send) whose operation
 * is GET, SET or DELETE (CirrusCacheOp, the index into the cache's invoke
 * operations) and whose ref.cache.key_plus_1 names the key (0: the cache
 * draws one from its own keys, as for a workload aimed at it).  A GET is
 * answered OK with ref.cache.hit set on a hit and clear on a miss; SET and
 * DELETE are answered OK once done (a SET the cache could not store — full
 * with nothing evictable — is still OK: the cache counts it in its
 * FillFailures).  A cache that cannot answer (its node failed, an outage)
 * answers FAILED. */
#ifndef CIRRUS_PROTOCOL_CACHE_H
#define CIRRUS_PROTOCOL_CACHE_H

#include "models/aws/keys.h"
#include "models/protocol/protocol.h"

/* The operations, in the order of every cache's invoke operations. */
typedef enum {
    CIRRUS_CACHE_GET,
    CIRRUS_CACHE_SET,
    CIRRUS_CACHE_DELETE,
    /* Not a command: the data store's copy of the key changed and the
     * cache was not told (a write `around` it).  It lets the cache count
     * the hits that then answer stale data (StaleHits); it costs nothing
     * and is answered at once. */
    CIRRUS_CACHE_WRITTEN,
} CirrusCacheOp;

/* The names of CirrusCacheOp, NULL-terminated: a cache's invoke spec
 * points its `operations` here. */
extern const char *const cirrus_cache_op_names[];

struct CirrusCacheOps {
    /* The popularity of the keys it holds, from which a cache call draws
     * the key of each request (unless the call gives its own). */
    const CirrusKeys *(*keys)(const CirrusComponent *cache, void *state);
};

/* The keys of cache `c` (it speaks CIRRUS_SPEAKS_CACHE). */
const CirrusKeys *cirrus_cache_keys(const CirrusComponent *c);

#endif
