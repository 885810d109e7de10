/* cirrus — the `elasticache` model: an ElastiCache cluster (Redis OSS,
 * Valkey or Memcached) whose hit ratio emerges from key popularity, TTL
 * and memory (docs/models/elasticache.md). */
#ifndef CIRRUS_MODEL_ELASTICACHE_H
#define CIRRUS_MODEL_ELASTICACHE_H

#include "sim/kernel/model.h"

extern const CirrusModelType cirrus_elasticache_type;

#endif
