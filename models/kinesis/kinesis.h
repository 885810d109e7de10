/* cirrus — `kinesis`: an Amazon Kinesis data stream.  PutRecord is a
 * request answered at once (accepted, or throttled over the shard's 1 MB/s
 * and 1,000 records/s); the stream draws each record's partition key from
 * its `partition_keys` (uniform or zipf), hashes it with MD5 onto the
 * shard that owns that part of the 128-bit key space, and keeps records
 * for the retention period (24 h to 365 d).  Consumers read through
 * models/protocol/stream.h: shared GetRecords (5 calls/s and 2 MB/s per shard
 * among them) or enhanced fan-out (2 MB/s per consumer per shard).
 * Shards split and merge at set times (`reshard:`), parents being read to
 * the end before their children; an on-demand stream doubles its shards
 * to hold twice its peak write rate.  See docs/models/kinesis.md. */
#ifndef CIRRUS_MODEL_KINESIS_H
#define CIRRUS_MODEL_KINESIS_H

#include "sim/kernel/model.h"

extern const CirrusModelType cirrus_kinesis_type;

#endif
