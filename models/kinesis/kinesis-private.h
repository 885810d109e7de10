/* cirrus — the `kinesis` model's insides, shared by kinesis.c
 * (configuration, PutRecord, shards and resharding, retention, metrics)
 * and kinesis_read.c (consumers: registration, GetRecords, enhanced
 * fan-out, iterator age).  Not for other models: they talk to a stream
 * only through models/protocol/stream.h. */
#ifndef CIRRUS_MODEL_KINESIS_PRIVATE_H
#define CIRRUS_MODEL_KINESIS_PRIVATE_H

#include "models/kinesis/kinesis.h"
#include "models/aws/keys.h"
#include "models/protocol/invoke.h"
#include "models/protocol/stream.h"
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

typedef enum { SHARD_PLANNED, SHARD_OPEN, SHARD_CLOSED } ShardState;

/* One record as the stream keeps it. */
typedef struct {
    CirrusTime arrived;        /* ApproximateArrivalTimestamp */
    CirrusTime created;        /* the producer's request's */
    CirrusComponent *origin;
    guint32 size;
    guint32 key;               /* partition key index */
} Rec;

/* A 2 MB/s read allowance that a read may overdraw (see streams.h). */
typedef struct {
    double tokens;
    CirrusTime at;
} Bucket;

typedef struct {
    HashKey lo, hi;            /* its hash key range, inclusive */
    guint16 id, parent, adjacent, child[2];   /* CIRRUS_STREAM_NO_SHARD when none */
    guint8 state;              /* ShardState */
    /* Records: recs[head] has sequence number first; last is the newest. */
    GArray *recs;              /* Rec */
    guint head;
    guint64 first, last;       /* first > last: none retained */
    /* Writes in the current whole second. */
    gint64 w_sec, w_records, w_bytes;
    /* Shared reads: GetRecords calls in the current second, and bytes. */
    gint64 r_sec, r_calls;
    Bucket r_bytes;
    gint64 interval_records;   /* for IncomingRecords.MaxShard */
    gint metric_records, metric_exceeded;   /* per-shard series, or -1 */
} Shard;

/* What a consumer has of one shard. */
typedef struct {
    guint64 start_after;       /* CIRRUS_STREAM_START resolves to "after this" */
    guint64 delivered;         /* the last sequence number delivered to it */
    gboolean announced, drained;
    /* Enhanced fan-out: the waiting subscribe, and the consumer's own 2 MB/s. */
    CirrusRequest *poll;
    guint64 from;              /* the waiting subscribe reads after this */
    guint32 gen;               /* + 1 whenever a scheduled push becomes stale */
    gboolean push_scheduled;
    Bucket bytes;
} Lease;

typedef struct {
    CirrusComponent *who;
    CirrusStreamFanOut fan_out;
    CirrusStreamStart start;
    guint max_records;
    GArray *leases;            /* Lease, indexed by shard id */
} Consumer;

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
    GArray *shards;            /* Shard, indexed by id */
    guint n_open;
    GPtrArray *consumers;      /* Consumer *, in registration order */
    CirrusRng key_rng;
    const CirrusFaultState *faults;   /* the kernel's: outages */
    gboolean store;            /* keep records (someone may read them) */
    /* on-demand: the stream's writes in the current whole second, their
     * busiest second since time 0, and the write capacity (in shards:
     * 1,000 records/s and 1 MB/s each) with its per-second limits */
    gint64 s_sec, s_records, s_bytes, peak_records, peak_bytes;
    double capacity;
    gint64 cap_records, cap_bytes;
    guint enhanced_consumers;  /* consumers linked with fan_out enhanced (AWS: at most 20) */
} Kinesis;

static inline Shard *shard_at(Kinesis *k, guint id) { return &g_array_index(k->shards, Shard, id); }
static inline Rec *rec_at(Shard *s, guint64 seq)
{
    return &g_array_index(s->recs, Rec, s->head + (guint)(seq - s->first));
}
static inline Lease *lease_at(Consumer *c, guint id) { return &g_array_index(c->leases, Lease, id); }

/* kinesis.c */
void kinesis_trim(CirrusComponent *self, Kinesis *k, Shard *s);

/* kinesis_read.c */
void kinesis_register(CirrusComponent *self, Kinesis *k, const CirrusEvent *ev);
void kinesis_get_records(CirrusComponent *self, Kinesis *k, const CirrusEvent *ev);
void kinesis_subscribe(CirrusComponent *self, Kinesis *k, const CirrusEvent *ev);
void kinesis_cancel(CirrusComponent *self, Kinesis *k, const CirrusEvent *ev);
void kinesis_push(CirrusComponent *self, Kinesis *k, guint64 data);
/* A record was written to `s`: wake the enhanced consumers waiting on it. */
void kinesis_wake(CirrusComponent *self, Kinesis *k, Shard *s);
/* Shards were created or closed by a reshard: a closed shard may now end
 * for readers that are caught up; grow the leases. */
void kinesis_resharded(CirrusComponent *self, Kinesis *k);
/* An outage began: answer every waiting subscribe FAILED. */
void kinesis_fail_waiting(CirrusComponent *self, Kinesis *k);
void kinesis_update_age(CirrusComponent *self, Kinesis *k);
void kinesis_consumers_free(Kinesis *k);
/* The stream protocol's add_consumer slot (models/protocol/stream.h). */
guint kinesis_add_consumer(CirrusComponent *self, void *state, gboolean enhanced);

#endif
