/* cirrus — a DynamoDB table's stream (`stream: true`; see
 * dynamodb-private.h and docs/models/dynamodb.md#streams).
 *
 * AWS: DynamoDB Streams keeps "a time-ordered sequence of item-level
 * modifications" for 24 hours; "stream records are organized into groups,
 * or shards", and a shard is split when its partition is.  Here each
 * partition of the table writes to its own open shard; a partition split
 * (more capacity) or a hot item's isolation closes the partition's shard
 * and opens two children (ddb_partitions.c), so a reader that finishes a
 * parent before its children (the stream protocol's rule) keeps each
 * item's modifications in order.  Every write served — a PutItem,
 * UpdateItem or DeleteItem, each item of a batch or transaction — is one
 * record of the item's size (the NEW_AND_OLD_IMAGES view's size is not
 * modelled: the item's), keyed by its partition key.
 *
 * Reading is the stream protocol's (models/protocol/stream.h) with
 * DynamoDB Streams' limits: GetRecords returns at most 1,000 records and
 * 1 MB; AWS: "no more than two processes at most should be reading from
 * the same streams shard at the same time. Having more than two readers
 * per shard can result in throttling" — cirrus allows 10 GetRecords calls
 * a second per shard, two readers' worth at Lambda's rate of 4 polls a
 * second, and counts a throttle beyond (an assumption: AWS publishes no
 * rate).  No enhanced fan-out (a Kinesis Data Streams feature).  Lambda
 * polls each shard 4 times a second.  Billing: $0.02 per 100,000 read
 * request units, one per GetRecords call; AWS: reads by Lambda triggers
 * are free. */
#include "models/dynamodb/dynamodb-private.h"

#define STREAM_RETENTION CIRRUS_DAY
#define STREAM_MAX_RECORDS 1000
#define STREAM_MAX_BYTES (1024 * 1024)
#define STREAM_READ_CALLS 10
#define STREAM_POLL_PERIOD (250 * CIRRUS_MS)

static gint add(CirrusComponent *self, const char *name, CirrusMetricKind kind, const char *unit)
{
    return (gint)cirrus_metric_add(self, name, kind, unit);
}

gboolean ddb_stream_read(CirrusComponent *self, Ddb *t, CirrusNode *cfg, GError **error)
{
    gboolean on;
    if (!cirrus_cfg_bool(cfg, "stream", FALSE, &on, error)) return FALSE;
    if (!on) return TRUE;
    t->m_stream_records = (guint)add(self, "Stream.Records", CIRRUS_METRIC_COUNT, "Count");
    t->m_stream_shards = (guint)add(self, "Stream.OpenShards", CIRRUS_METRIC_GAUGE, "Count");
    t->m_stream_billed = (guint)add(self, "Stream.BilledReadRequests", CIRRUS_METRIC_COUNT, "Count");
    const CirrusStreamLogRules rules = {
        .retention = STREAM_RETENTION, .read_calls = STREAM_READ_CALLS,
        .read_bytes = 1e15,   /* no byte rate published: the 1-MB answers bound it */
        .max_batch = STREAM_MAX_RECORDS, .max_batch_bytes = STREAM_MAX_BYTES, .push_event = DDB_PUSH,
        .m_read_exceeded = add(self, "Stream.ReadThrottleEvents", CIRRUS_METRIC_COUNT, "Count"),
        /* CloudWatch's names for the GetRecords operation's counts */
        .m_get_records = add(self, "ReturnedRecordsCount", CIRRUS_METRIC_COUNT, "Count"),
        .m_get_bytes = add(self, "ReturnedBytes", CIRRUS_METRIC_COUNT, "Bytes"),
        .m_subscribe_records = -1, .m_subscribe_bytes = -1,
        .m_iterator_age = add(self, "Stream.IteratorAgeMilliseconds", CIRRUS_METRIC_GAUGE, "Milliseconds"),
        .m_expired = add(self, "Stream.RecordsExpired", CIRRUS_METRIC_COUNT, "Count"),
        .m_expired_unread = add(self, "Stream.RecordsExpiredUnread", CIRRUS_METRIC_COUNT, "Count"),
        .m_billed_reads = (gint)t->m_stream_billed,
    };
    t->stream = g_new0(CirrusStreamLog, 1);
    cirrus_stream_log_init(t->stream, &rules, t->faults);
    return TRUE;
}

void ddb_stream_start(CirrusComponent *self, Ddb *t)
{
    if (!t->stream) return;
    ddb_space_stream(&t->table, t->stream);
    cirrus_metric_gauge(self, t->m_stream_shards, t->stream->n_open);
}

void ddb_stream_write(CirrusComponent *self, Ddb *t, guint p, guint key, gint64 size, const CirrusRequest *req)
{
    guint16 shard = t->table.shard_of[p];
    CirrusStreamRec rec = { cirrus_now(self), req->created, req->origin, (guint32)MAX(size, 1), key };
    cirrus_stream_log_append(self, t->stream, shard, &rec);
    cirrus_stream_log_wake(self, t->stream, shard);
    cirrus_metric_count(self, t->m_stream_records, 1);
}

void ddb_stream_resharded(CirrusComponent *self, Ddb *t)
{
    if (!t->stream) return;
    cirrus_stream_log_resharded(self, t->stream);
    cirrus_metric_gauge(self, t->m_stream_shards, t->stream->n_open);
}

void ddb_stream_clear(Ddb *t)
{
    if (!t->stream) return;
    cirrus_stream_log_clear(t->stream);
    g_free(t->stream);
}

/* ---- the stream protocol's slots ---- */

static guint ddb_add_consumer(CirrusComponent *self, void *state, gboolean enhanced)
{
    Ddb *t = state;
    (void)self;
    return cirrus_stream_log_add_consumer(t->stream, enhanced);
}

static const char *ddb_refuse(CirrusComponent *self, void *state, gboolean enhanced)
{
    const Ddb *t = state;
    (void)self;
    if (!t->stream) return "the table's stream is off (give the table stream: true)";
    if (enhanced) return "DynamoDB Streams has no enhanced fan-out (a Kinesis Data Streams feature): use fan_out: shared";
    return NULL;
}

const CirrusStreamOps ddb_stream_ops = {
    .add_consumer = ddb_add_consumer,
    .refuse = ddb_refuse,
    .poll_period = STREAM_POLL_PERIOD,   /* AWS: Lambda polls a DynamoDB stream's shards 4 times a second */
};
