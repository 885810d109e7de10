/* cirrus — the `kinesis` model's insides (kinesis.c: configuration,
 * PutRecord, shards and resharding, metrics; the records and the readers
 * are a stream log, models/protocol/stream_log.h).  Not for other models:
 * they talk to a stream only through models/protocol/stream.h. */
#ifndef CIRRUS_MODEL_KINESIS_PRIVATE_H
#define CIRRUS_MODEL_KINESIS_PRIVATE_H

#include "models/kinesis/kinesis.h"
#include "models/aws/keys.h"
#include "models/protocol/invoke.h"
#include "models/protocol/stream_log.h"
#include "sim/loader/config.h"

/* Hash keys are 128-bit integers (AWS: the MD5 of the partition key). */
__extension__ typedef unsigned __int128 HashKey;

enum { KIN_RESHARD = CIRRUS_EVENT_MODEL, KIN_PUSH, KIN_SCALE };

enum {
    M_INCOMING_RECORDS, M_INCOMING_BYTES, M_PUT_SUCCESS, M_WRITE_EXCEEDED, M_READ_EXCEEDED,
    M_GET_RECORDS, M_GET_BYTES, M_SUBSCRIBE_RECORDS, M_SUBSCRIBE_BYTES, M_ITERATOR_AGE, M_EXPIRED,
    M_EXPIRED_UNREAD, M_REJECTED, M_OPEN_SHARDS, M_MAX_SHARD,
};

/* AWS per-shard limits. */
#define SHARD_WRITE_RECORDS 1000
#define SHARD_WRITE_BYTES (1024 * 1024)
#define SHARD_READ_CALLS 5
#define SHARD_READ_BYTES (2.0 * 1024 * 1024)   /* per second, shared or per enhanced consumer */

/* What Kinesis keeps of a shard beyond its records (those are in the
 * stream log, models/protocol/stream_log.h, under the same id). */
typedef struct {
    HashKey lo, hi;            /* its hash key range, inclusive */
    /* Writes in the current whole second. */
    gint64 w_sec, w_records, w_bytes;
    gint64 interval_records;   /* for IncomingRecords.MaxShard */
    gint metric_records, metric_exceeded;   /* per-shard series, or -1 */
} Shard;

typedef struct {
    CirrusTime at;
    guint16 parent, adjacent;  /* adjacent NO_SHARD: a split */
    guint16 first_child;       /* the ids the action creates */
} Action;

typedef struct {
    /* configuration */
    gboolean on_demand;
    CirrusTime retention;
    /* prices (link) and what is billed by the unit, since time 0: PUT
     * payload units (25 KB each) and KB written (each record rounded up) */
    double usd_shard_hour, usd_put_unit, usd_stream_hour, usd_gb_written;
    double put_units, kb_written;
    guint n_keys;
    HashKey *key_hash;         /* per partition key */
    guint16 *key_shard;        /* per partition key: the open shard it maps to */
    CirrusKeys keys;           /* partition_keys: their popularity (models/aws/keys.h) */
    GArray *actions;           /* Action, in time order */
    /* state */
    CirrusStreamLog log;       /* the shards' records and the readers */
    GArray *shards;            /* Shard, indexed by id as the log's */
    CirrusRng key_rng;
    const CirrusFaultState *faults;   /* the kernel's: outages */
    /* on-demand: the stream's writes in the current whole second, their
     * busiest second since time 0, and the write capacity (in shards:
     * 1,000 records/s and 1 MB/s each) with its per-second limits */
    gint64 s_sec, s_records, s_bytes, peak_records, peak_bytes;
    double capacity;
    gint64 cap_records, cap_bytes;
} Kinesis;

static inline Shard *shard_at(Kinesis *k, guint id) { return &g_array_index(k->shards, Shard, id); }

#endif
