/* cirrus — a stream's records and readers: the stream's side of the
 * stream protocol (stream.h), for any model that is a stream (a `kinesis`
 * stream, a `dynamodb` table's stream).
 *
 * The owner decides what is written where and when shards open and close
 * (its writes, its resharding, its partitions); the log keeps each shard's
 * records for the retention period, each consumer's lease on each shard,
 * answers GetRecords under the owner's per-shard read limits and
 * SubscribeToShard (enhanced fan-out, 2 MB/s per consumer and shard),
 * ends closed shards for the readers that drained them and tells them of
 * the children, and publishes the iterator age — all as stream.h
 * specifies.
 *
 * Leases: per consumer and shard, where START resolves to, how far it has
 * delivered (for the iterator age and for records that expire unread),
 * whether the consumer has been told about the shard and has read it to
 * its end, and for enhanced fan-out the waiting subscribe and the
 * consumer's own bucket of bytes.
 *
 * A log that nobody has registered to read by the first moment after time
 * 0 keeps no records at all, only their sequence numbers. */
#ifndef CIRRUS_PROTOCOL_STREAM_LOG_H
#define CIRRUS_PROTOCOL_STREAM_LOG_H

#include "models/protocol/stream.h"
#include "sim/kernel/kernel.h"

typedef enum { CIRRUS_SHARD_PLANNED, CIRRUS_SHARD_OPEN, CIRRUS_SHARD_CLOSED } CirrusShardState;

/* One record as the log keeps it. */
typedef struct {
    CirrusTime arrived;        /* ApproximateArrivalTimestamp */
    CirrusTime created;        /* the producer's request's */
    CirrusComponent *origin;
    guint32 size;
    guint32 key;               /* partition key index (the delivered record's `client`) */
} CirrusStreamRec;

/* A bytes-per-second allowance that a read may overdraw (stream.h). */
typedef struct {
    double tokens;
    CirrusTime at;
} CirrusStreamBucket;

typedef struct {
    guint16 id, parent, adjacent, child[2];   /* CIRRUS_STREAM_NO_SHARD when none */
    guint8 state;              /* CirrusShardState */
    /* Records: recs[head] has sequence number first; last is the newest. */
    GArray *recs;              /* CirrusStreamRec */
    guint head;
    guint64 first, last;       /* first > last: none retained */
    /* Shared reads: GetRecords calls in the current whole second, and bytes. */
    gint64 r_sec, r_calls;
    CirrusStreamBucket r_bytes;
} CirrusLogShard;

/* The owner's rules and metrics. */
typedef struct {
    CirrusTime retention;
    guint read_calls;           /* GetRecords per shard and second, shared by the shared readers */
    double read_bytes;          /* bytes per shard and second (shared readers, and each enhanced one) */
    guint max_batch;            /* records per answer at most (also each consumer's own maximum) */
    gint64 max_batch_bytes;     /* bytes per answer at most */
    guint push_event;           /* an event kind of the owner's, for enhanced fan-out pushes */
    /* the owner's metric indices, -1 for none */
    gint m_read_exceeded, m_get_records, m_get_bytes, m_subscribe_records, m_subscribe_bytes, m_iterator_age,
         m_expired, m_expired_unread,
         m_billed_reads;   /* GetRecords calls answered to consumers other than Lambda triggers */
} CirrusStreamLogRules;

typedef struct {
    CirrusStreamLogRules rules;
    const CirrusFaultState *faults;   /* the owner's: an outage fails reads */
    GArray *shards;            /* CirrusLogShard, indexed by id */
    guint n_open;
    GPtrArray *consumers;      /* in registration order */
    gboolean store;            /* keep records (someone may read them) */
    guint enhanced_consumers;  /* linked with fan_out enhanced */
} CirrusStreamLog;

static inline CirrusLogShard *cirrus_log_shard(CirrusStreamLog *log, guint id)
{
    return &g_array_index(log->shards, CirrusLogShard, id);
}

/* An empty log (no shards) with the owner's rules. */
void    cirrus_stream_log_init(CirrusStreamLog *log, const CirrusStreamLogRules *rules,
                               const CirrusFaultState *faults);
void    cirrus_stream_log_clear(CirrusStreamLog *log);

/* A new shard, planned (not yet written or read), with the next id; its
 * parents (CIRRUS_STREAM_NO_SHARD: none) learn it as their child. */
guint16 cirrus_stream_log_plan(CirrusStreamLog *log, guint16 parent, guint16 adjacent);
/* A planned shard opens; an open one closes (its last record is its last). */
void    cirrus_stream_log_open(CirrusStreamLog *log, guint16 id);
void    cirrus_stream_log_close(CirrusStreamLog *log, guint16 id);
/* After shards opened or closed: consumers' leases grow, and readers
 * caught up with a closed shard are told it ended. */
void    cirrus_stream_log_resharded(CirrusComponent *self, CirrusStreamLog *log);

/* Append a record to open shard `id` (its sequence number is the next). */
void    cirrus_stream_log_append(CirrusComponent *self, CirrusStreamLog *log, guint16 id, const CirrusStreamRec *rec);
/* Records were appended to shard `id`: the enhanced consumers waiting on
 * it may have something (the owner calls it once its write is answered,
 * so that a push is scheduled after the reply). */
void    cirrus_stream_log_wake(CirrusComponent *self, CirrusStreamLog *log, guint16 id);
/* Drop the records of shard `id` older than the retention period, counting
 * those some consumer had not been given. */
void    cirrus_stream_log_trim(CirrusComponent *self, CirrusStreamLog *log, guint16 id);

/* The protocol's events (REGISTER, GET_RECORDS, SUBSCRIBE, CANCEL) and the
 * owner's push event: TRUE when `ev` was one of them (and is handled). */
gboolean cirrus_stream_log_handle(CirrusComponent *self, CirrusStreamLog *log, const CirrusEvent *ev);
/* An outage began: waiting subscribes are answered FAILED. */
void    cirrus_stream_log_fail_waiting(CirrusComponent *self, CirrusStreamLog *log);
/* At a sample: expiries of every shard up to now, and the iterator age. */
void    cirrus_stream_log_sample(CirrusComponent *self, CirrusStreamLog *log);
/* The stream protocol's add_consumer slot, for the owner's to call. */
guint   cirrus_stream_log_add_consumer(CirrusStreamLog *log, gboolean enhanced);

#endif
