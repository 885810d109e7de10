/* cirrus — the `kinesis` model: configuration, PutRecord, shards and
 * resharding, retention, on-demand scaling and metrics (see kinesis.h,
 * models/protocol/stream.h, docs/models/kinesis.md).  Consumers are in
 * kinesis_read.c.
 *
 * Partition keys are the strings "0", "1", ... "count-1"; each one's MD5,
 * read as a big-endian 128-bit integer, is its hash key (AWS: "Kinesis
 * Data Streams uses MD5 to map partition keys to 128-bit integer values
 * and to map associated data records to shards").  The hashes and the
 * shard of every key are computed once (and again for the keys of a
 * reshard's parents), so a record costs one draw and a table look-up.
 *
 * The records and the readers are a stream log (models/protocol/
 * stream_log.h): each shard's records oldest first, trimmed as they pass
 * the retention period (lazily: when the shard is written or read, and at
 * every sample, so that expiries are counted in the interval in which
 * they happen); a stream that nobody has registered to read by the first
 * moment after time 0 keeps no records at all, only its counts. */
#include "models/kinesis/kinesis-private.h"
#include "models/aws/globals.h"
#include "sim/loader/scenario.h"
#include <math.h>
#include <string.h>

static const CirrusMetricDef kinesis_metrics[] = {
    [M_INCOMING_RECORDS]  = {"IncomingRecords", CIRRUS_METRIC_COUNT, "Count"},
    [M_INCOMING_BYTES]    = {"IncomingBytes", CIRRUS_METRIC_COUNT, "Bytes"},
    [M_PUT_SUCCESS]       = {"PutRecord.Success", CIRRUS_METRIC_COUNT, "Count"},
    [M_WRITE_EXCEEDED]    = {"WriteProvisionedThroughputExceeded", CIRRUS_METRIC_COUNT, "Count"},
    [M_READ_EXCEEDED]     = {"ReadProvisionedThroughputExceeded", CIRRUS_METRIC_COUNT, "Count"},
    [M_GET_RECORDS]       = {"GetRecords.Records", CIRRUS_METRIC_COUNT, "Count"},
    [M_GET_BYTES]         = {"GetRecords.Bytes", CIRRUS_METRIC_COUNT, "Bytes"},
    [M_SUBSCRIBE_RECORDS] = {"SubscribeToShardEvent.Records", CIRRUS_METRIC_COUNT, "Count"},
    [M_SUBSCRIBE_BYTES]   = {"SubscribeToShardEvent.Bytes", CIRRUS_METRIC_COUNT, "Bytes"},
    [M_ITERATOR_AGE]      = {"GetRecords.IteratorAgeMilliseconds", CIRRUS_METRIC_GAUGE, "Milliseconds"},
    [M_EXPIRED]           = {"RecordsExpired", CIRRUS_METRIC_COUNT, "Count"},
    [M_EXPIRED_UNREAD]    = {"RecordsExpiredUnread", CIRRUS_METRIC_COUNT, "Count"},
    [M_REJECTED]          = {"PutRecord.Rejected", CIRRUS_METRIC_COUNT, "Count"},
    [M_OPEN_SHARDS]       = {"OpenShards", CIRRUS_METRIC_GAUGE, "Count"},
    [M_MAX_SHARD]         = {"IncomingRecords.MaxShard", CIRRUS_METRIC_COUNT, "Count"},
    {NULL, 0, NULL},
};

/* Per-shard series only while they stay readable: at most this many shard
 * ids (a provisioned stream's shards and those its `reshard:` creates). */
#define PER_SHARD_SERIES_MAX 32
/* AWS: shard ids here are 16 bits, one value meaning "none". */
#define MAX_SHARD_IDS 0xFFFF
/* A PUT payload unit: 25 KB of a record (taken as 25 x 1024 bytes). */
#define PUT_UNIT ((gint64)25 * 1024)
/* AWS on-demand (docs/models/kinesis.md [6][10]): a new stream takes 4 MB/s
 * and 4,000 records/s of writes (4 shards); by default a stream scales up
 * to 200 MB/s and 200,000 records/s; traffic that grows past double the
 * previous peak within 15 minutes is throttled.  Capacities are in shards
 * (1,000 records/s and 1 MB/s each). */
#define ON_DEMAND_SHARDS 4
#define ON_DEMAND_MAX_CAPACITY 200
#define ON_DEMAND_DOUBLING_MINUTES 15

/* ---- hash keys ------------------------------------------------------------- */

static const HashKey HASH_MAX = ~(HashKey)0;

static HashKey md5_of_key(guint key)
{
    char text[16];
    guint8 digest[16];
    gsize len = sizeof digest;
    g_snprintf(text, sizeof text, "%u", key);
    GChecksum *md5 = g_checksum_new(G_CHECKSUM_MD5);
    g_checksum_update(md5, (const guchar *)text, (gssize)strlen(text));
    g_checksum_get_digest(md5, digest, &len);
    g_checksum_free(md5);
    HashKey h = 0;
    for (int i = 0; i < 16; i++) h = (h << 8) | digest[i];
    return h;
}

/* ceil(i * 2^128 / n), for 0 < i < n: the first hash key of shard i when
 * n shards split the space evenly. */
static HashKey even_boundary(guint i, guint n)
{
    HashKey top = (HashKey)i << 64;          /* i * 2^128 as (i, 0, 0) in 64-bit words */
    HashKey q_hi = top / n, r = top % n;
    HashKey q_lo = ((r << 64) | (n - 1)) / n;
    return (q_hi << 64) | q_lo;
}

/* The open shard owning hash key h, among the children of a reshard (or
 * the initial shards): ranges are disjoint, so the first match is it. */
static guint16 owner(Kinesis *k, const guint16 *ids, guint n, HashKey h)
{
    for (guint i = 0; i < n; i++) {
        Shard *s = shard_at(k, ids[i]);
        if (h >= s->lo && h <= s->hi) return ids[i];
    }
    g_assert_not_reached();
    return CIRRUS_STREAM_NO_SHARD;
}

/* ---- shards ------------------------------------------------------------------ */

/* A planned shard of the log (which links it to its parents) and its
 * hash key range here, under the same id. */
static guint16 shard_new(Kinesis *k, HashKey lo, HashKey hi, guint16 parent, guint16 adjacent)
{
    Shard s = { .lo = lo, .hi = hi, .w_sec = -1, .metric_records = -1, .metric_exceeded = -1 };
    guint16 id = cirrus_stream_log_plan(&k->log, parent, adjacent);
    g_assert(id == k->shards->len);
    g_array_append_val(k->shards, s);
    return id;
}

/* Plan a split of `parent` at the middle of its range (AWS SplitShard with
 * NewStartingHashKey half way, as UpdateShardCount's uniform scaling
 * does): the lower half gets the first new id. */
static guint16 plan_split(Kinesis *k, guint16 parent)
{
    HashKey lo = shard_at(k, parent)->lo, hi = shard_at(k, parent)->hi;
    HashKey mid = lo + ((hi - lo) >> 1) + 1;
    guint16 a = shard_new(k, lo, mid - 1, parent, CIRRUS_STREAM_NO_SHARD);
    shard_new(k, mid, hi, parent, CIRRUS_STREAM_NO_SHARD);
    return a;
}

/* Plan a merge of two shards with adjacent ranges (AWS MergeShards). */
static guint16 plan_merge(Kinesis *k, guint16 parent, guint16 adjacent)
{
    HashKey lo = MIN(shard_at(k, parent)->lo, shard_at(k, adjacent)->lo);
    HashKey hi = MAX(shard_at(k, parent)->hi, shard_at(k, adjacent)->hi);
    return shard_new(k, lo, hi, parent, adjacent);
}

/* Close the parents of the shards `first`..`first + n - 1` and open them;
 * the keys of the parents move to the children. */
static void activate(CirrusComponent *self, Kinesis *k, guint16 first, guint n)
{
    guint16 ids[2] = {first, (guint16)(first + 1)};
    CirrusLogShard *c0 = cirrus_log_shard(&k->log, first);
    guint16 parents[2] = {c0->parent, c0->adjacent};
    for (guint i = 0; i < n; i++) cirrus_stream_log_open(&k->log, ids[i]);
    for (guint j = 0; j < 2; j++)
        if (parents[j] != CIRRUS_STREAM_NO_SHARD) cirrus_stream_log_close(&k->log, parents[j]);
    for (guint key = 0; key < k->n_keys; key++) {
        guint16 s = k->key_shard[key];
        if (s == parents[0] || s == parents[1]) k->key_shard[key] = owner(k, ids, n, k->key_hash[key]);
    }
    cirrus_metric_gauge(self, M_OPEN_SHARDS, k->log.n_open);
}

/* ---- PutRecord --------------------------------------------------------------- */

static guint draw_key(Kinesis *k) { return cirrus_keys_draw(&k->keys, &k->key_rng); }

/* On-demand: whether the stream's write capacity has room for a record of
 * `bytes` in this whole second (counted like a shard's limits). */
static gboolean stream_has_room(CirrusComponent *self, Kinesis *k, gint64 bytes)
{
    gint64 sec = cirrus_now(self) / CIRRUS_SEC;
    if (k->s_sec != sec) k->s_sec = sec, k->s_records = k->s_bytes = 0;
    return k->s_records + 1 <= k->cap_records && k->s_bytes + bytes <= k->cap_bytes;
}

/* On-demand: a record written in this second, and the busiest second
 * since time 0 (AWS's previous peak of the last 30 days; runs are shorter). */
static void note_stream_write(Kinesis *k, gint64 bytes)
{
    k->s_records++;
    k->s_bytes += bytes;
    k->peak_records = MAX(k->peak_records, k->s_records);
    k->peak_bytes = MAX(k->peak_bytes, k->s_bytes);
}

static void set_capacity(Kinesis *k, double capacity)
{
    k->capacity = capacity;
    k->cap_records = (gint64)(capacity * SHARD_WRITE_RECORDS);
    k->cap_bytes = (gint64)(capacity * SHARD_WRITE_BYTES);
}

static void shard_count(CirrusComponent *self, gint metric, gint64 n)
{
    if (metric >= 0) cirrus_metric_count(self, (guint)metric, n);
}

static void on_put(CirrusComponent *self, Kinesis *k, CirrusRequest *req)
{
    if (cirrus_fault_down(k->faults)) {
        cirrus_reply(self, req, CIRRUS_OUTCOME_FAILED);
        return;
    }
    if (req->size > CIRRUS_STREAM_MAX_RECORD_BYTES) {   /* AWS: a record's data is at most 1 MB */
        cirrus_metric_count(self, M_REJECTED, 1);
        cirrus_reply(self, req, CIRRUS_OUTCOME_REJECTED);
        return;
    }
    guint key = draw_key(k);
    guint16 id = k->key_shard[key];
    Shard *s = shard_at(k, id);
    gint64 size = MAX(req->size, 0), sec = cirrus_now(self) / CIRRUS_SEC;
    /* AWS: each shard takes up to 1,000 records and 1 MB per second; we
     * count whole seconds of simulated time. */
    if (s->w_sec != sec) s->w_sec = sec, s->w_records = s->w_bytes = 0;
    gboolean full = s->w_records + 1 > SHARD_WRITE_RECORDS || s->w_bytes + size > SHARD_WRITE_BYTES;
    /* On demand, the stream's write capacity too. */
    if (!full && k->on_demand) full = !stream_has_room(self, k, size);
    if (full) {
        cirrus_metric_count(self, M_WRITE_EXCEEDED, 1);
        shard_count(self, s->metric_exceeded, 1);
        cirrus_reply(self, req, CIRRUS_OUTCOME_THROTTLED);
        return;
    }
    s->w_records++;
    s->w_bytes += size;
    CirrusStreamRec r = {cirrus_now(self), req->created, req->origin, (guint32)size, key};
    cirrus_stream_log_append(self, &k->log, id, &r);
    s->interval_records++;
    /* AWS bills a provisioned stream's records in 25 KB PUT payload units
     * and an on-demand stream's by the KB, each record rounded up. */
    k->put_units += (double)MAX((size + PUT_UNIT - 1) / PUT_UNIT, (gint64)1);
    k->kb_written += (double)MAX((size + 1023) / 1024, (gint64)1);
    if (k->on_demand) note_stream_write(k, size);
    cirrus_metric_count(self, M_INCOMING_RECORDS, 1);
    cirrus_metric_count(self, M_INCOMING_BYTES, size);
    cirrus_metric_count(self, M_PUT_SUCCESS, 1);
    shard_count(self, s->metric_records, 1);
    cirrus_reply(self, req, CIRRUS_OUTCOME_OK);
    cirrus_stream_log_wake(self, &k->log, id);
}

/* ---- resharding ------------------------------------------------------------- */

static void on_reshard(CirrusComponent *self, Kinesis *k, guint i)
{
    const Action *a = &g_array_index(k->actions, Action, i);
    activate(self, k, a->first_child, a->adjacent == CIRRUS_STREAM_NO_SHARD ? 2 : 1);
    cirrus_stream_log_resharded(self, &k->log);
}

/* On-demand, once a minute.  AWS: a stream "accommodates up to double its
 * previous peak write throughput observed in the last 30 days", and
 * traffic that grows past double the previous peak within 15 minutes is
 * throttled [6][10].  The capacity aims at twice the busiest second so
 * far (records or bytes, whichever needs more), at least the new
 * stream's 4 shards and at most the 200-shard default maximum.  Below
 * its aim it grows by 2^(1/15) a minute, so that it at most doubles in
 * any 15 minutes; it never shrinks (the 30-day window outlasts most
 * runs).  The shards follow the aim, not the capacity: AWS splits a shard
 * whose traffic passes 500 KB/s, half its limit [6], so every open shard
 * splits while the busiest second used more than half of the open
 * shards' limits.  Their count is the first of 4, 8, ..., 256 at or over
 * the aim, and with keys spread evenly the stream's capacity is the
 * limit that binds. */
static void on_scale(CirrusComponent *self, Kinesis *k)
{
    double peak = MAX((double)k->peak_records / SHARD_WRITE_RECORDS, (double)k->peak_bytes / SHARD_WRITE_BYTES);
    double aim = CLAMP(2 * peak, ON_DEMAND_SHARDS, ON_DEMAND_MAX_CAPACITY);
    if (aim > k->capacity) set_capacity(k, MIN(aim, k->capacity * pow(2.0, 1.0 / ON_DEMAND_DOUBLING_MINUTES)));
    while (k->log.n_open < aim && k->shards->len + 2 * k->log.n_open < MAX_SHARD_IDS) {
        guint n = k->shards->len;
        for (guint16 id = 0; id < n; id++) {
            if (cirrus_log_shard(&k->log, id)->state != CIRRUS_SHARD_OPEN) continue;
            guint16 first = plan_split(k, id);
            activate(self, k, first, 2);
        }
        cirrus_stream_log_resharded(self, &k->log);
    }
    cirrus_schedule(self, CIRRUS_MIN, KIN_SCALE, NULL, 0);
}

/* ---- configuration ------------------------------------------------------------ */

static gboolean read_keys(Kinesis *k, CirrusNode *cfg, GError **error)
{
    /* AWS has no partition key default (producers choose them); 1,000
     * keys drawn uniformly spread evenly over any shard count we allow. */
    if (!cirrus_keys_read(cfg, "partition_keys", 1000, 1000000, &k->keys, error)) return FALSE;
    k->n_keys = k->keys.count;
    k->key_hash = g_new(HashKey, k->n_keys);
    k->key_shard = g_new(guint16, k->n_keys);
    for (guint i = 0; i < k->n_keys; i++) k->key_hash[i] = md5_of_key(i);
    return TRUE;
}

/* `reshard: [{at: 10m, split: 0}, {at: 20m, merge: [4, 1]}]`, in time
 * order.  The shards are planned now, so every id is known (and checked)
 * before the run: a split's children take the next two ids (lower half
 * first), a merge's child the next one. */
static gboolean read_action(Kinesis *k, CirrusNode *entry, CirrusTime last_at, GError **error)
{
    Action a = {0};
    CirrusNode *split = cirrus_node_peek(entry, "split"), *merge = cirrus_node_peek(entry, "merge");
    if (cirrus_node_kind(entry) != CIRRUS_NODE_MAP || !split == !merge) {
        cirrus_node_error(entry, error, "each reshard is {at: 10m, split: SHARD} or {at: 10m, merge: [SHARD, SHARD]}");
        return FALSE;
    }
    if (!cirrus_cfg_require(entry, "at", "when the reshard happens, e.g. 10m", error) ||
        !cirrus_cfg_duration(entry, "at", 0, 0, CIRRUS_TIME_NEVER, &a.at, error))
        return FALSE;
    if (a.at < last_at) {
        cirrus_node_error(cirrus_node_peek(entry, "at"), error, "reshards must be listed in time order");
        return FALSE;
    }
    gint64 ids[2] = {0, CIRRUS_STREAM_NO_SHARD};
    CirrusNode *nodes[2] = {split, NULL};
    if (merge) {
        if (cirrus_node_kind(merge) != CIRRUS_NODE_SEQ || cirrus_node_len(merge) != 2) {
            cirrus_node_error(merge, error, "'merge' takes two adjacent shards, e.g. [0, 1]");
            return FALSE;
        }
        nodes[0] = cirrus_node_item(merge, 0);
        nodes[1] = cirrus_node_item(merge, 1);
    }
    cirrus_cfg_node(entry, split ? "split" : "merge");
    for (int i = 0; i < (merge ? 2 : 1); i++) {
        const char *text = cirrus_node_scalar(nodes[i]);
        char *end = NULL;
        ids[i] = text ? g_ascii_strtoll(text, &end, 10) : -1;
        if (!text || *end || ids[i] < 0 || ids[i] >= (gint64)k->shards->len) {
            cirrus_node_error(nodes[i], error, "no shard %s: this stream has shards 0 to %u at that point",
                              text ? text : "(not a number)", k->shards->len - 1);
            return FALSE;
        }
        if (cirrus_log_shard(&k->log, (guint)ids[i])->child[0] != CIRRUS_STREAM_NO_SHARD) {
            cirrus_node_error(nodes[i], error, "shard %s is already closed by an earlier reshard", text);
            return FALSE;
        }
    }
    a.parent = (guint16)ids[0];
    a.adjacent = (guint16)ids[1];
    if (k->shards->len + 2 > MAX_SHARD_IDS) {
        cirrus_node_error(entry, error, "too many reshards (shard ids run out at %u)", MAX_SHARD_IDS);
        return FALSE;
    }
    if (merge) {
        Shard *p = shard_at(k, a.parent), *q = shard_at(k, a.adjacent);
        gboolean adjacent = (p->hi != HASH_MAX && p->hi + 1 == q->lo) || (q->hi != HASH_MAX && q->hi + 1 == p->lo);
        if (!adjacent) {   /* AWS MergeShards: "the two shards must be adjacent" */
            cirrus_node_error(merge, error, "shards %u and %u are not adjacent (their hash key ranges do not touch)",
                              a.parent, a.adjacent);
            return FALSE;
        }
        a.first_child = plan_merge(k, a.parent, a.adjacent);
    } else {
        a.first_child = plan_split(k, a.parent);
    }
    g_array_append_val(k->actions, a);
    return TRUE;
}

static gboolean read_shards(CirrusComponent *self, Kinesis *k, CirrusNode *cfg, GError **error)
{
    static const char *const modes[] = {"provisioned", "on_demand", NULL};
    int mode;
    gint64 n = ON_DEMAND_SHARDS;
    CirrusNode *reshard;
    (void)self;
    if (!cirrus_cfg_enum(cfg, "mode", modes, 0, &mode, error) || !cirrus_cfg_list(cfg, "reshard", &reshard, error))
        return FALSE;
    k->on_demand = mode == 1;
    if (k->on_demand) {
        set_capacity(k, ON_DEMAND_SHARDS);
        CirrusNode *bad = cirrus_node_peek(cfg, "shards") ? cirrus_node_peek(cfg, "shards") : reshard;
        if (bad) {
            cirrus_node_error(bad, error, "an on_demand stream manages its own shards (drop '%s', or use mode: provisioned)",
                              bad == reshard ? "reshard" : "shards");
            return FALSE;
        }
    } else if (!cirrus_cfg_require(cfg, "shards", "the number of shards, e.g. 4", error) ||
               /* AWS: the default shard quota is 500 per account (200 in
                * smaller regions); we allow up to 10,000. */
               !cirrus_cfg_int(cfg, "shards", 1, 1, 10000, &n, error)) {
        return FALSE;
    }
    k->shards = g_array_new(FALSE, FALSE, sizeof(Shard));
    for (guint i = 0; i < (guint)n; i++)
        shard_new(k, i ? even_boundary(i, (guint)n) : 0, i + 1 < n ? even_boundary(i + 1, (guint)n) - 1 : HASH_MAX,
                  CIRRUS_STREAM_NO_SHARD, CIRRUS_STREAM_NO_SHARD);
    k->actions = g_array_new(FALSE, FALSE, sizeof(Action));
    for (guint i = 0; reshard && i < cirrus_node_len(reshard); i++)
        if (!read_action(k, cirrus_node_item(reshard, i),
                         i ? g_array_index(k->actions, Action, i - 1).at : 0, error))
            return FALSE;
    return TRUE;
}

static void add_shard_series(CirrusComponent *self, Kinesis *k)
{
    if (k->on_demand || k->shards->len > PER_SHARD_SERIES_MAX) return;
    for (guint i = 0; i < k->shards->len; i++) {
        char *name = g_strdup_printf("IncomingRecords.shard%u", i);
        shard_at(k, i)->metric_records = (gint)cirrus_metric_add(self, name, CIRRUS_METRIC_COUNT, "Count");
        g_free(name);
        name = g_strdup_printf("WriteProvisionedThroughputExceeded.shard%u", i);
        shard_at(k, i)->metric_exceeded = (gint)cirrus_metric_add(self, name, CIRRUS_METRIC_COUNT, "Count");
        g_free(name);
    }
}

static gboolean kinesis_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    Kinesis *k = state;
    k->faults = cirrus_component_faults(self);
    k->s_sec = -1;
    /* AWS: retention 24 h by default, from 24 h to 8,760 h (365 days). */
    if (!cirrus_cfg_duration(cfg, "retention", CIRRUS_DAY, CIRRUS_DAY, 365 * CIRRUS_DAY, &k->retention, error))
        return FALSE;
    /* AWS: per shard, 5 GetRecords calls a second and 2 MB/s shared by the
     * readers without enhanced fan-out, 2 MB/s for each enhanced one; an
     * answer of at most 10,000 records and 10 MB. */
    const CirrusStreamLogRules rules = {
        .retention = k->retention, .read_calls = SHARD_READ_CALLS, .read_bytes = SHARD_READ_BYTES,
        .max_batch = CIRRUS_STREAM_MAX_BATCH, .max_batch_bytes = CIRRUS_STREAM_MAX_BATCH_BYTES,
        .push_event = KIN_PUSH,
        .m_read_exceeded = M_READ_EXCEEDED, .m_get_records = M_GET_RECORDS, .m_get_bytes = M_GET_BYTES,
        .m_subscribe_records = M_SUBSCRIBE_RECORDS, .m_subscribe_bytes = M_SUBSCRIBE_BYTES,
        .m_iterator_age = M_ITERATOR_AGE, .m_expired = M_EXPIRED, .m_expired_unread = M_EXPIRED_UNREAD,
        .m_billed_reads = -1,
    };
    cirrus_stream_log_init(&k->log, &rules, k->faults);
    if (!read_keys(k, cfg, error) || !read_shards(self, k, cfg, error)) return FALSE;
    add_shard_series(self, k);
    return TRUE;
}

static void kinesis_start(CirrusComponent *self, void *state)
{
    Kinesis *k = state;
    guint n = 0;
    cirrus_component_substream(self, "partition-keys", &k->key_rng);
    for (guint16 i = 0; i < k->shards->len; i++) {
        if (cirrus_log_shard(&k->log, i)->parent != CIRRUS_STREAM_NO_SHARD) continue;
        cirrus_stream_log_open(&k->log, i);
        n++;
    }
    /* The initial shards split the space evenly: key -> shard by division,
     * checked against the ranges. */
    for (guint key = 0; key < k->n_keys; key++) {
        HashKey h = k->key_hash[key];
        HashKey t = (h >> 64) * n + ((HashKey)(guint64)h * n >> 64);
        k->key_shard[key] = (guint16)(t >> 64);
        g_assert(h >= shard_at(k, k->key_shard[key])->lo && h <= shard_at(k, k->key_shard[key])->hi);
    }
    cirrus_metric_gauge(self, M_OPEN_SHARDS, n);
    for (guint i = 0; i < k->actions->len; i++)
        cirrus_schedule(self, g_array_index(k->actions, Action, i).at, KIN_RESHARD, NULL, i);
    if (k->on_demand) cirrus_schedule(self, CIRRUS_MIN, KIN_SCALE, NULL, 0);
}

/* ---- events ---------------------------------------------------------------------- */

/* An outage: PutRecord and reads fail; waiting subscribes are answered
 * FAILED.  Records are kept (Kinesis replicates them across three zones). */
static void on_fault(CirrusComponent *self, Kinesis *k, const CirrusFault *f, gboolean begin)
{
    g_assert(f->kind == CIRRUS_FAULT_OUTAGE);   /* counted by the kernel */
    if (begin) cirrus_stream_log_fail_waiting(self, &k->log);
}

static gboolean kinesis_link(CirrusComponent *self, void *state, CirrusScenario *sc, GError **error)
{
    Kinesis *k = state;
    const CirrusPrices *p = cirrus_globals(sc)->prices;
    (void)self;
    (void)error;
    k->usd_shard_hour = cirrus_price(p, "kinesis.shard_hour");
    k->usd_put_unit = cirrus_price(p, "kinesis.put_payload_unit");
    k->usd_stream_hour = cirrus_price(p, "kinesis.on_demand.stream_hour");
    k->usd_gb_written = cirrus_price(p, "kinesis.on_demand.gb_written");
    return TRUE;
}

/* Kinesis Data Streams pricing (https://aws.amazon.com/kinesis/data-streams/pricing/):
 * provisioned, every open shard by the hour and every 25 KB PUT payload
 * unit; on demand, the stream by the hour and the data written per GB
 * (2^30 bytes, records rounded up to 1 KB).  Retrieval (on demand),
 * extended retention and enhanced fan-out charges are left out. */
static double kinesis_cost(CirrusComponent *self, void *state)
{
    const Kinesis *k = state;
    if (k->on_demand)
        return cirrus_time_to_s(cirrus_now(self)) / 3600.0 * k->usd_stream_hour +
               k->kb_written / (1024.0 * 1024.0) * k->usd_gb_written;
    return cirrus_metric_run_total(self, M_OPEN_SHARDS) / 3600.0 * k->usd_shard_hour + k->put_units * k->usd_put_unit;
}

static void kinesis_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    Kinesis *k = state;
    switch (ev->kind) {
    case CIRRUS_EVENT_REQUEST: on_put(self, k, ev->request); break;
    case CIRRUS_STREAM_REGISTER: case CIRRUS_STREAM_GET_RECORDS: case CIRRUS_STREAM_SUBSCRIBE:
    case CIRRUS_STREAM_CANCEL: case KIN_PUSH: cirrus_stream_log_handle(self, &k->log, ev); break;
    case KIN_RESHARD: on_reshard(self, k, (guint)ev->data); break;
    case KIN_SCALE: on_scale(self, k); break;
    case CIRRUS_EVENT_FAULT_BEGIN: on_fault(self, k, cirrus_event_fault(self, ev), TRUE); break;
    case CIRRUS_EVENT_FAULT_END: on_fault(self, k, cirrus_event_fault(self, ev), FALSE); break;
    default: g_assert_not_reached();   /* a stream sends no requests, so gets no replies */
    }
}

/* Expiries, the iterator age and the busiest shard, up to the sample time. */
static void kinesis_sample(CirrusComponent *self, void *state)
{
    Kinesis *k = state;
    gint64 busiest = 0;
    for (guint i = 0; i < k->shards->len; i++) {
        Shard *s = shard_at(k, i);
        busiest = MAX(busiest, s->interval_records);
        s->interval_records = 0;
    }
    cirrus_metric_count(self, M_MAX_SHARD, busiest);
    cirrus_stream_log_sample(self, &k->log);
}

static void kinesis_destroy(CirrusComponent *self, void *state)
{
    Kinesis *k = state;
    (void)self;
    if (k->shards) g_array_free(k->shards, TRUE);
    if (k->actions) g_array_free(k->actions, TRUE);
    cirrus_stream_log_clear(&k->log);
    g_free(k->key_hash);
    g_free(k->key_shard);
    cirrus_keys_clear(&k->keys);
}

static guint kinesis_add_consumer(CirrusComponent *self, void *state, gboolean enhanced)
{
    Kinesis *k = state;
    (void)self;
    return cirrus_stream_log_add_consumer(&k->log, enhanced);
}

static const CirrusStreamOps kinesis_stream = { .add_consumer = kinesis_add_consumer };

static const CirrusInvokeSpec kinesis_invoke = {
    .operations = (const char *const[]){"PutRecord", NULL},
    .keys = 0,
};

static const struct CirrusProtocols kinesis_protocols = {
    .noun = "a kinesis stream",
    .speaks = CIRRUS_SPEAKS_INVOKE | CIRRUS_SPEAKS_STREAM,
    .invoke = &kinesis_invoke,
    .stream = &kinesis_stream,
};

const CirrusModelType cirrus_kinesis_type = {
    .name = "kinesis",
    .state_size = sizeof(Kinesis),
    .configure = kinesis_configure,
    .link = kinesis_link,
    .start = kinesis_start,
    .handle = kinesis_handle,
    .sample = kinesis_sample,
    .destroy = kinesis_destroy,
    .metrics = kinesis_metrics,
    .cost = kinesis_cost,
    .faults = CIRRUS_FAULT_BIT(CIRRUS_FAULT_OUTAGE),
    .protocols = &kinesis_protocols,
};
