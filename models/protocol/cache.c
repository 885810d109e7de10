/* cirrus — the cache protocol (see cache.h). */
#include "models/protocol/cache.h"

const char *const cirrus_cache_op_names[] = {"GET", "SET", "DELETE", "WRITTEN", NULL};

const CirrusKeys *cirrus_cache_keys(const CirrusComponent *c)
{
    void *state;
    const struct CirrusProtocols *p = cirrus_protocols_of(c, CIRRUS_SPEAKS_CACHE, &state);
    return p->cache->keys(c, state);
}
