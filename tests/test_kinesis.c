/* cirrus — the `kinesis` model against numbers.
 *
 * Exact rules (the per-shard write limits, GetRecords' 5 calls/s and
 * 2 MB/s, enhanced fan-out's 2 MB/s per consumer, retention, iterator age,
 * parent-before-child reading) are asserted exactly with writes at chosen
 * instants (`producer`) and a test consumer (`reader`).  The hashing is
 * checked against an independent computation here: MD5 of the key's
 * decimal string, read big-endian, times the shard count over 2^128.
 * Shares of records per shard are binomial: a test asserts the simulated
 * share within 4 standard errors of the expected one, and that 4 SE is a
 * small fraction of it.
 *
 * `producer` sends `count` PutRecords of `size` bytes at each time in
 * `send_at` and counts the outcomes.  `reader` registers with `source`
 * (fan_out shared or enhanced, start trim_horizon or latest, batches of
 * `max`), reads every shard it is told about from `begin` until `stop`:
 * again at once after records, after `pause` after an empty answer; with
 * `burst: N`, the first read of each shard is N GetRecords at once.  It
 * logs every record, every answer's flags and every shard announced. */
#include "testutil.h"
#include "models/aws/globals.h"
#include "models/kinesis/kinesis.h"
#include "models/protocol/stream.h"
#include "models/workload/workload.h"
#include "sim/kernel/error.h"

/* ---- producer --------------------------------------------------------------- */

enum { PRODUCER_SEND = CIRRUS_EVENT_MODEL };

typedef struct {
    const CirrusNode *target_at;
    char *target_name;
    CirrusComponent *target;
    GArray *send_at;
    gint64 count, size;
    gint64 outcomes[8];
} Producer;

static gboolean read_times(CirrusNode *cfg, const char *key, GArray **out, GError **error)
{
    CirrusNode *times;
    *out = g_array_new(FALSE, FALSE, sizeof(CirrusTime));
    if (!cirrus_cfg_list(cfg, key, &times, error)) return FALSE;
    for (guint i = 0; times && i < cirrus_node_len(times); i++) {
        CirrusTime t;
        if (!cirrus_node_to_duration(cirrus_node_item(times, i), &t, error)) return FALSE;
        g_array_append_val(*out, t);
    }
    return TRUE;
}

static gboolean producer_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    Producer *p = state;
    const char *target;
    (void)self;
    if (!cirrus_cfg_string(cfg, "target", NULL, &target, error) || !read_times(cfg, "send_at", &p->send_at, error) ||
        !cirrus_cfg_int(cfg, "count", 1, 1, 1000000, &p->count, error) ||
        !cirrus_cfg_size(cfg, "size", 100, &p->size, error))
        return FALSE;
    p->target_name = g_strdup(target);
    p->target_at = cirrus_node_peek(cfg, "target");
    return TRUE;
}

static gboolean producer_link(CirrusComponent *self, void *state, CirrusScenario *sc, GError **error)
{
    Producer *p = state;
    (void)self;
    return (p->target = cirrus_scenario_lookup(sc, p->target_at, p->target_name, error)) != NULL;
}

static void producer_start(CirrusComponent *self, void *state)
{
    Producer *p = state;
    for (guint i = 0; i < p->send_at->len; i++)
        cirrus_schedule(self, g_array_index(p->send_at, CirrusTime, i), PRODUCER_SEND, NULL, 0);
}

static void producer_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    Producer *p = state;
    if (ev->kind == PRODUCER_SEND) {
        for (gint64 i = 0; i < p->count; i++) {
            CirrusRequest *req = cirrus_request_new(self);
            req->size = p->size;
            req->invocation = CIRRUS_INVOKE_ASYNC;
            cirrus_send(self, p->target, req, 0);
        }
        return;
    }
    g_assert_cmpint(ev->kind, ==, CIRRUS_EVENT_REPLY);
    p->outcomes[ev->request->outcome]++;
    cirrus_request_free(self, ev->request);
}

static void producer_destroy(CirrusComponent *self, void *state)
{
    Producer *p = state;
    (void)self;
    g_free(p->target_name);
    if (p->send_at) g_array_free(p->send_at, TRUE);
}

static const CirrusModelType producer_type = {
    .name = "producer", .state_size = sizeof(Producer), .configure = producer_configure, .link = producer_link,
    .start = producer_start, .handle = producer_handle, .destroy = producer_destroy,
    .metrics = (const CirrusMetricDef[]){{NULL, 0, NULL}},
};

/* ---- reader ------------------------------------------------------------------ */

enum { READER_READ = CIRRUS_EVENT_MODEL };

typedef struct { double t, arrived; guint shard, key; guint64 seq; gint64 size; } Got;
typedef struct { double t; guint shard, flags, count; } Answer;
typedef struct { double t; guint shard, parent, adjacent; } Told;

typedef struct {
    const CirrusNode *source_at;
    char *source_name;
    CirrusComponent *stream;
    int fan_out, start;
    gint64 max, burst;
    CirrusTime begin, stop, pause;
    guint64 pos[64];
    gboolean ended[64];
    GArray *got, *answers, *told;
} Reader;

static gboolean reader_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    static const char *const fan_outs[] = {"shared", "enhanced", NULL};
    static const char *const starts[] = {"trim_horizon", "latest", NULL};
    Reader *r = state;
    const char *source;
    (void)self;
    r->got = g_array_new(FALSE, FALSE, sizeof(Got));
    r->answers = g_array_new(FALSE, FALSE, sizeof(Answer));
    r->told = g_array_new(FALSE, FALSE, sizeof(Told));
    if (!cirrus_cfg_string(cfg, "source", NULL, &source, error) ||
        !cirrus_cfg_enum(cfg, "fan_out", fan_outs, 0, &r->fan_out, error) ||
        !cirrus_cfg_enum(cfg, "start", starts, 0, &r->start, error) ||
        !cirrus_cfg_int(cfg, "max", 10000, 1, 10000, &r->max, error) ||
        !cirrus_cfg_int(cfg, "burst", 1, 1, 100, &r->burst, error) ||
        !cirrus_cfg_duration(cfg, "begin", 0, 0, CIRRUS_TIME_NEVER, &r->begin, error) ||
        !cirrus_cfg_duration(cfg, "stop", CIRRUS_TIME_NEVER, 0, CIRRUS_TIME_NEVER, &r->stop, error) ||
        !cirrus_cfg_duration(cfg, "pause", CIRRUS_SEC, 0, CIRRUS_TIME_NEVER, &r->pause, error))
        return FALSE;
    r->source_name = g_strdup(source);
    r->source_at = cirrus_node_peek(cfg, "source");
    return TRUE;
}

static gboolean reader_link(CirrusComponent *self, void *state, CirrusScenario *sc, GError **error)
{
    Reader *r = state;
    r->stream = cirrus_stream_lookup(self, sc, r->source_at, r->source_name, r->fan_out == 1, error);
    return r->stream != NULL;
}

static void reader_start(CirrusComponent *self, void *state)
{
    Reader *r = state;
    cirrus_stream_register(self, r->stream, (CirrusStreamFanOut)r->fan_out, (CirrusStreamStart)r->start,
                           (guint)r->max, FALSE);
}

static void reader_read(CirrusComponent *self, Reader *r, guint shard, gint64 n)
{
    if (cirrus_now(self) >= r->stop) return;
    for (gint64 i = 0; i < n; i++) {
        if (r->fan_out == CIRRUS_STREAM_ENHANCED)
            cirrus_stream_subscribe(self, r->stream, shard, CIRRUS_STREAM_POS(shard, r->pos[shard]));
        else
            cirrus_stream_get_records(self, r->stream, shard, CIRRUS_STREAM_POS(shard, r->pos[shard]));
    }
}

static void reader_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    Reader *r = state;
    double now = cirrus_time_to_s(cirrus_now(self));
    switch (ev->kind) {
    case CIRRUS_STREAM_SHARD: {
        CirrusStreamShard told = cirrus_stream_shard(ev);
        Told t = {now, told.shard, told.parent, told.adjacent};
        g_assert_cmpuint(t.shard, <, 64);
        g_array_append_val(r->told, t);
        CirrusTime at = MAX(cirrus_now(self), r->begin);
        cirrus_schedule(self, at - cirrus_now(self), READER_READ, NULL, t.shard | ((guint64)r->burst << 32));
        break;
    }
    case READER_READ: reader_read(self, r, (guint)(ev->data & 0xFFFF), (gint64)(ev->data >> 32)); break;
    case CIRRUS_STREAM_RECORDS: {
        CirrusStreamRecords got = cirrus_stream_records(self, ev);
        Answer a = {now, got.shard, got.flags, got.count};
        g_assert_cmpuint(got.who, ==, a.shard);   /* the poll came back with what we lent it */
        g_array_append_val(r->answers, a);
        gint64 bytes = 0;
        guint n = 0;
        for (CirrusRequest *rec = got.records, *next; rec; rec = next) {
            next = cirrus_batch_next(rec);
            guint64 pos = cirrus_stream_position(rec);
            Got g = {now, cirrus_time_to_s(rec->arrived), CIRRUS_STREAM_POS_SHARD(pos), (guint)rec->client,
                     CIRRUS_STREAM_POS_SEQ(pos), rec->size};
            g_assert_cmpuint(g.shard, ==, a.shard);
            g_array_append_val(r->got, g);
            r->pos[a.shard] = MAX(r->pos[a.shard], g.seq);
            bytes += rec->size;
            n++;
            cirrus_request_free(self, rec);
        }
        g_assert_cmpuint(n, ==, a.count);
        g_assert_cmpint(bytes, ==, got.bytes);
        if (a.flags & CIRRUS_STREAM_END) r->ended[a.shard] = TRUE;
        else if (a.count > 0) reader_read(self, r, a.shard, 1);
        else if (!(a.flags & CIRRUS_STREAM_THROTTLED) || r->burst == 1)
            cirrus_schedule(self, r->pause, READER_READ, NULL, a.shard | ((guint64)1 << 32));
        break;
    }
    default: g_assert_not_reached();
    }
}

static void reader_destroy(CirrusComponent *self, void *state)
{
    Reader *r = state;
    (void)self;
    g_free(r->source_name);
    if (r->got) g_array_free(r->got, TRUE);
    if (r->answers) g_array_free(r->answers, TRUE);
    if (r->told) g_array_free(r->told, TRUE);
}

static const CirrusModelType reader_type = {
    .name = "reader", .state_size = sizeof(Reader), .configure = reader_configure, .link = reader_link,
    .start = reader_start, .handle = reader_handle, .destroy = reader_destroy,
    .metrics = (const CirrusMetricDef[]){{NULL, 0, NULL}},
};

static const CirrusModelType *const test_types[] = {
    &cirrus_workload_type, &cirrus_kinesis_type, &producer_type, &reader_type, NULL,
};

static const CirrusRegistry test_registry = {
    .types = test_types, .workload_type = "workload", .read_globals = cirrus_globals_read, .prepare = cirrus_models_prepare,
};

static TestRun *run(const char *text)
{
    return test_run_with(text, &test_registry, NULL, CIRRUS_PES_DEFAULT);
}

/* ---- helpers ------------------------------------------------------------------ */


static gpointer state_of(TestRun *r, const char *name)
{
    return cirrus_component_state(cirrus_sim_find(r->sim, name));
}

/* The shard of key `key` among n shards splitting the hash space evenly,
 * computed independently of the model: floor(MD5 * n / 2^128), on the
 * top 64 bits (the low bits matter only when the product lands within
 * 2^-64 of a boundary). */
static guint expected_shard(guint key, guint n)
{
    char *text = g_strdup_printf("%u", key);
    guint8 d[16];
    gsize len = sizeof d;
    GChecksum *md5 = g_checksum_new(G_CHECKSUM_MD5);
    g_checksum_update(md5, (const guchar *)text, -1);
    g_checksum_get_digest(md5, d, &len);
    g_checksum_free(md5);
    g_free(text);
    guint64 top = 0;
    for (int i = 0; i < 8; i++) top = (top << 8) | d[i];
    guint64 hi = (top >> 32) * n, lo = (top & 0xFFFFFFFFu) * n;   /* top * n = hi 2^32 + lo */
    return (guint)((hi + (lo >> 32)) >> 32);
}

static void assert_agrees(const char *what, double sim, double theory, double se, double bar)
{
    g_test_message("%s: simulated %.6g, expected %.6g (%+.2f%%), 4 SE = %.2f%% (bar %.0f%%)", what, sim, theory,
                   100 * (sim - theory) / theory, 400 * se / theory, 100 * bar);
    g_assert_cmpfloat(4 * se, <, bar * theory);
    g_assert_cmpfloat(fabs(sim - theory), <=, 4 * se);
}

static double shard_sum(TestRun *r, const char *what, guint shard)
{
    char *name = g_strdup_printf("%s.shard%u", what, shard);
    double v = test_sum(r, "s", name);
    g_free(name);
    return v;
}

/* ---- partition keys -------------------------------------------------------------- */

/* Every record a reader gets is on the shard the independent hash says,
 * and with uniform keys each of 4 shards takes a quarter of the records:
 * binomial over both the keys (which land on a shard with p = 1/4) and the
 * records (which draw a key). */
static void test_uniform_shares(void)
{
    TestRun *r = run(
        "name: uni\nduration: 100s\nsample_interval: 10s\nseed: 7\n"
        "workloads: [{name: u, target: s, invocation: async, arrival: {process: poisson, rate: 3000/s}}]\n"
        "components:\n"
        "  - {name: s, type: kinesis, shards: 4, partition_keys: {count: 1000000}}\n"
        "  - {name: rd, type: reader, source: s, pause: 200ms}\n");
    Reader *rd = state_of(r, "rd");
    double total = test_sum(r, "s", "IncomingRecords");
    g_assert_cmpfloat(test_sum(r, "s", "WriteProvisionedThroughputExceeded"), ==, 0);
    for (guint i = 0; i < rd->got->len; i++) {
        const Got *g = &g_array_index(rd->got, Got, i);
        g_assert_cmpuint(g->shard, ==, expected_shard(g->key, 4));
    }
    g_assert_cmpuint(rd->got->len, >, 0.99 * total);
    const double p = 0.25, se = sqrt(p * (1 - p) * (1 / total + 1 / 1e6));
    for (guint s = 0; s < 4; s++) {
        char *what = g_strdup_printf("share of shard %u, uniform keys", s);
        assert_agrees(what, shard_sum(r, "IncomingRecords", s) / total, p, se, 0.02);
        g_free(what);
    }
    test_run_free(r);
}

/* Zipf keys: a shard's share is the zipf mass of the keys that hash to it.
 * At 800 records/s nothing is throttled; at 3,000/s (75% of the stream's
 * 4,000/s) the hot shard takes exactly 1,000 a second and refuses the
 * rest while the others are under their limit, and uniform keys at the
 * same rate are never throttled. */
static const char zipf_template[] =
    "name: zipf\nduration: 120s\nsample_interval: 10s\nseed: 11\n"
    "workloads: [{name: u, target: s, invocation: async, arrival: {process: poisson, rate: %d/s}}]\n"
    "components:\n"
    "  - {name: s, type: kinesis, shards: 4, partition_keys: %s}\n";

static void test_zipf_hot_shard(void)
{
    const char *zipf = "{count: 1000, distribution: zipf, skew: 1.1}";
    double mass[4] = {0}, total_mass = 0;
    for (guint i = 0; i < 1000; i++) {
        double w = pow(i + 1.0, -1.1);
        mass[expected_shard(i, 4)] += w;
        total_mass += w;
    }
    guint hot = 0;
    for (guint s = 0; s < 4; s++) {
        mass[s] /= total_mass;
        if (mass[s] > mass[hot]) hot = s;
    }
    g_test_message("zipf(1.1) mass per shard: %.4f %.4f %.4f %.4f", mass[0], mass[1], mass[2], mass[3]);
    char *text = g_strdup_printf(zipf_template, 800, zipf);
    TestRun *r = run(text);
    g_free(text);
    double total = test_sum(r, "s", "IncomingRecords");
    g_assert_cmpfloat(test_sum(r, "s", "WriteProvisionedThroughputExceeded"), ==, 0);
    for (guint s = 0; s < 4; s++) {
        char *what = g_strdup_printf("share of shard %u, zipf keys", s);
        assert_agrees(what, shard_sum(r, "IncomingRecords", s) / total, mass[s], sqrt(mass[s] * (1 - mass[s]) / total),
                      0.05);
        g_free(what);
    }
    test_run_free(r);

    g_assert_cmpfloat(3000 * mass[hot], >, 1000 * 1.3);   /* the hot shard is well over its limit */
    text = g_strdup_printf(zipf_template, 3000, zipf);
    r = run(text);
    g_free(text);
    g_assert_cmpfloat(shard_sum(r, "IncomingRecords", hot), ==, 120 * 1000);
    g_assert_cmpfloat(test_sum(r, "s", "WriteProvisionedThroughputExceeded"), ==,
                      shard_sum(r, "WriteProvisionedThroughputExceeded", hot));
    g_assert_cmpfloat(test_sum(r, "s", "WriteProvisionedThroughputExceeded"), >, 0.25 * 120 * 3000 * mass[hot]);
    g_assert_cmpfloat(test_sum(r, "s", "IncomingRecords.MaxShard"), ==, 120 * 1000);
    g_test_message("zipf at 3000/s: accepted %.0f, throttled %.0f (hot shard %u)", test_sum(r, "s", "IncomingRecords"),
                   test_sum(r, "s", "WriteProvisionedThroughputExceeded"), hot);
    test_run_free(r);

    text = g_strdup_printf(zipf_template, 3000, "{count: 1000}");
    r = run(text);
    g_free(text);
    g_assert_cmpfloat(test_sum(r, "s", "WriteProvisionedThroughputExceeded"), ==, 0);
    test_run_free(r);
}

/* ---- write limits ----------------------------------------------------------------- */

/* 1,500 records at one instant to a one-shard stream: 1,000 accepted, 500
 * throttled.  Whole seconds: again at 2.0 s the same; at 2.5 s (the same
 * second) all refused.  Bytes: 15 records of 100 KB in one second, 10
 * fit in 1 MB; a 2 MB record is rejected outright. */
static void test_write_limits(void)
{
    TestRun *r = run(
        "name: limits\nduration: 5s\nsample_interval: 1s\n"
        "components:\n"
        "  - {name: s, type: kinesis, shards: 1}\n"
        "  - {name: p, type: producer, target: s, send_at: [1s, 2s, 2500ms], count: 1500, size: 10}\n");
    Producer *p = state_of(r, "p");
    g_assert_cmpint(p->outcomes[CIRRUS_OUTCOME_OK], ==, 2000);
    g_assert_cmpint(p->outcomes[CIRRUS_OUTCOME_THROTTLED], ==, 2500);
    g_assert_cmpfloat(test_sum(r, "s", "WriteProvisionedThroughputExceeded"), ==, 2500);
    g_assert_cmpfloat(test_sum(r, "s", "IncomingRecords"), ==, 2000);
    test_run_free(r);

    r = run("name: bytes\nduration: 5s\nsample_interval: 1s\n"
            "components:\n"
            "  - {name: s, type: kinesis, shards: 1}\n"
            "  - {name: p, type: producer, target: s, send_at: [1s], count: 15, size: 100KB}\n"
            "  - {name: big, type: producer, target: s, send_at: [3s], count: 2, size: 2MB}\n");
    p = state_of(r, "p");
    g_assert_cmpint(p->outcomes[CIRRUS_OUTCOME_OK], ==, 10);
    g_assert_cmpint(p->outcomes[CIRRUS_OUTCOME_THROTTLED], ==, 5);
    g_assert_cmpfloat(test_sum(r, "s", "IncomingBytes"), ==, 10 * 102400);
    g_assert_cmpint(((Producer *)state_of(r, "big"))->outcomes[CIRRUS_OUTCOME_REJECTED], ==, 2);
    g_assert_cmpfloat(test_sum(r, "s", "PutRecord.Rejected"), ==, 2);
    test_run_free(r);
}

/* ---- shared reads ---------------------------------------------------------------- */

static guint count_flag(Reader *rd, guint flag)
{
    guint n = 0;
    for (guint i = 0; i < rd->answers->len; i++) n += (g_array_index(rd->answers, Answer, i).flags & flag) != 0;
    return n;
}

/* 8 GetRecords at one instant on one shard: 5 served, 3 throttled
 * (ReadProvisionedThroughputExceeded). */
static void test_read_calls(void)
{
    TestRun *r = run(
        "name: calls\nduration: 3s\nsample_interval: 1s\n"
        "components:\n"
        "  - {name: s, type: kinesis, shards: 1}\n"
        "  - {name: p, type: producer, target: s, send_at: [0s], count: 10}\n"
        "  - {name: rd, type: reader, source: s, begin: 1s, burst: 8, pause: 10s}\n");
    Reader *rd = state_of(r, "rd");
    for (guint i = 0; i < 5; i++) g_assert_cmpuint(g_array_index(rd->answers, Answer, i).count, ==, 10);
    for (guint i = 5; i < 8; i++) g_assert_cmpuint(g_array_index(rd->answers, Answer, i).flags, ==, CIRRUS_STREAM_THROTTLED);
    /* The 5 served calls each ask again at once, in the same second: refused. */
    g_assert_cmpuint(rd->answers->len, ==, 13);
    g_assert_cmpuint(count_flag(rd, CIRRUS_STREAM_THROTTLED), ==, 8);
    g_assert_cmpfloat(test_sum(r, "s", "ReadProvisionedThroughputExceeded"), ==, 8);
    g_assert_cmpfloat(test_sum(r, "s", "GetRecords.Records"), ==, 5 * 10);   /* each served call reads all 10 */
    test_run_free(r);
}

/* 2 MB/s shared by all shared readers.  40 records of 512 KB (20 MB,
 * 2 a second: 1 MB/s) wait on one shard.  At 30 s a reader gets 10 MB
 * (20 records) in one call; the bucket, 2 MB full, is 8 MB in debt and
 * refuses calls (retried every 250 ms) until 34 s, when the other 20 come.
 * Three shared readers calling at the same instants share the 2 MB/s: the
 * 60 MB they read in all take at least (60 - 2 - 10) / 2 = 24 s (the
 * first 2 MB are in the bucket, the last call may overdraw 10 MB) and at
 * most 29 s and a retry.  Enhanced readers each have their own 2 MB/s:
 * 2 MB at once, then 512 KB every 250 ms, all 40 by 38.75 s. */
static const char read_template[] =
    "name: reads\nduration: 90s\nsample_interval: 1s\n"
    "components:\n"
    "  - {name: s, type: kinesis, shards: 1}\n"
    "  - {name: p, type: producer, target: s, count: 2, size: 512KB,\n"
    "     send_at: [0s, 1s, 2s, 3s, 4s, 5s, 6s, 7s, 8s, 9s, 10s, 11s, 12s, 13s, 14s, 15s, 16s, 17s, 18s, 19s]}\n"
    "%s";

static const char *const reader_names[] = {"a", "b", "c"};

static TestRun *run_readers(const char *fan_out, guint n)
{
    GString *readers = g_string_new(NULL);
    for (guint i = 0; i < n; i++)
        g_string_append_printf(readers, "  - {name: %s, type: reader, source: s, fan_out: %s, begin: 30s, pause: 250ms}\n",
                               reader_names[i], fan_out);
    char *text = g_strdup_printf(read_template, readers->str);
    TestRun *r = run(text);
    g_free(text);
    g_string_free(readers, TRUE);
    return r;
}

static double time_of_all(Reader *rd, guint n)
{
    g_assert_cmpuint(rd->got->len, ==, n);
    return g_array_index(rd->got, Got, n - 1).t;
}

static void test_read_bytes(void)
{
    TestRun *r = run_readers("shared", 1);
    Reader *a = state_of(r, "a");
    g_assert_cmpfloat(test_sum(r, "s", "IncomingRecords"), ==, 40);
    g_assert_cmpfloat(g_array_index(a->got, Got, 0).t, ==, 30.0);
    g_assert_cmpfloat(g_array_index(a->got, Got, 19).t, ==, 30.0);
    g_assert_cmpfloat(g_array_index(a->got, Got, 20).t, ==, 34.0);
    g_assert_cmpfloat(time_of_all(a, 40), ==, 34.0);
    /* Refused: the re-read at 30 s and every 250 ms to 33.75 s (16); the
     * re-read at 34 s and on to 38.75 s, until the second debt is paid (20). */
    g_assert_cmpfloat(test_sum(r, "s", "ReadProvisionedThroughputExceeded"), ==, 16 + 20);
    test_run_free(r);

    r = run_readers("shared", 3);
    double last = 0;
    for (guint i = 0; i < 3; i++) {
        double t = time_of_all(state_of(r, reader_names[i]), 40);
        g_test_message("3 shared readers: %s has all 40 records at %.2f s", reader_names[i], t);
        last = MAX(last, t);
    }
    g_assert_cmpfloat(last, >=, 30 + (60.0 - 2 - 10) / 2);
    g_assert_cmpfloat(last, <=, 30 + (60.0 - 2) / 2 + 0.25);
    g_assert_cmpfloat(test_sum(r, "s", "GetRecords.Bytes"), ==, 3 * 40 * 524288.0);
    test_run_free(r);

    r = run_readers("enhanced", 3);
    for (guint i = 0; i < 3; i++) {
        Reader *rd = state_of(r, reader_names[i]);
        /* 4 records (2 MB) at 30 s, then one each time the bucket is out of
         * debt (a push may overdraw by one record): at 30 s + 1 ns, and
         * the other 35 every 250 ms (each 1 ns past the exact refill). */
        g_assert_cmpfloat(g_array_index(rd->got, Got, 3).t, ==, 30.0);
        double t = time_of_all(rd, 40);
        g_test_message("3 enhanced readers: %s has all 40 records at %.9f s", reader_names[i], t);
        g_assert_cmpfloat(t, >=, 38.75);
        g_assert_cmpfloat(t, <, 38.75 + 1e-6);
    }
    g_assert_cmpfloat(test_sum(r, "s", "ReadProvisionedThroughputExceeded"), ==, 0);
    g_assert_cmpfloat(test_sum(r, "s", "SubscribeToShardEvent.Bytes"), ==, 3 * 40 * 524288.0);
    test_run_free(r);
}

/* ---- retention and iterator age ---------------------------------------------------- */

/* Retention 24 h.  10 records at 1 h, 5 at 3 h.  Reader `a` never reads
 * (it begins at 30 h); `b` reads at 2 h (the 10; asking again at once,
 * nothing) and next from its position at 28 h: the 5 expired at 27 h unread, so the
 * answer is TRIMMED and empty.  Expired: 15; expired unread: 15 for a, 5
 * for b.  The expiries land in the rows after 25 h and 27 h. */
static void test_retention(void)
{
    TestRun *r = run(
        "name: retention\nduration: 31h\nsample_interval: 30m\n"
        "components:\n"
        "  - {name: s, type: kinesis, shards: 1}\n"
        "  - {name: p, type: producer, target: s, send_at: [1h, 3h], count: 5}\n"
        "  - {name: q, type: producer, target: s, send_at: [1h], count: 5}\n"
        "  - {name: a, type: reader, source: s, begin: 30h}\n"
        "  - {name: b, type: reader, source: s, begin: 2h, pause: 26h}\n");
    Reader *a = state_of(r, "a"), *b = state_of(r, "b");
    g_assert_cmpfloat(test_sum(r, "s", "RecordsExpired"), ==, 15);
    g_assert_cmpfloat(test_sum(r, "s", "RecordsExpiredUnread"), ==, 20);
    g_assert_cmpuint(a->got->len, ==, 0);
    g_assert_cmpuint(b->got->len, ==, 10);
    g_assert_cmpuint(count_flag(a, CIRRUS_STREAM_TRIMMED), ==, 0);   /* START is the trim horizon */
    g_assert_cmpuint(count_flag(b, CIRRUS_STREAM_TRIMMED), ==, 1);
    guint col = test_series(r, "/components/s", "RecordsExpired");
    for (guint i = 0; i < test_n_rows(r); i++) {
        double t = g_array_index(r->times, double, i), v = test_value(r, i, col);
        g_assert_cmpfloat(v, ==, t == 25 * 3600.0 ? 10 : t == 27 * 3600.0 ? 5 : 0);
    }
    test_run_free(r);
}

/* A consumer that stops reading at 60 s falls behind at 1 s per second:
 * 10 records a second arrive; the age of the oldest undelivered one, at
 * each sample, is 10 s more than at the one before. */
static void test_iterator_age(void)
{
    TestRun *r = run(
        "name: age\nduration: 150s\nsample_interval: 10s\n"
        "workloads: [{name: u, target: s, invocation: async, arrival: {process: constant, rate: 10/s}}]\n"
        "components:\n"
        "  - {name: s, type: kinesis, shards: 1}\n"
        "  - {name: rd, type: reader, source: s, stop: 60s, pause: 550ms}\n");
    guint col = test_series(r, "/components/s", "GetRecords.IteratorAgeMilliseconds.max");
    double prev = -1;
    for (guint i = 0; i < test_n_rows(r); i++) {
        double t = g_array_index(r->times, double, i), v = test_value(r, i, col);
        /* It keeps up: an empty read, 550 ms, a read with what came in
         * that time and an empty one at once: at most 4 calls in a second,
         * within the 5 allowed, and nothing waits more than 550 ms. */
        if (t <= 50) g_assert_cmpfloat(v, <=, 550);
        if (t <= 50) g_assert_cmpfloat(test_sum(r, "s", "ReadProvisionedThroughputExceeded"), ==, 0);
        if (t >= 80) g_assert_cmpfloat(v - prev, ==, 10000);
        g_test_message("t %.0f s: IteratorAge max %.0f ms", t, v);
        prev = v;
    }
    g_assert_cmpfloat(prev, >=, (150 - 60) * 1000);
    g_assert_cmpfloat(prev, <=, (150 - 60 + 0.55) * 1000);
    test_run_free(r);
}

/* ---- resharding ---------------------------------------------------------------------- */

/* Two shards; shard 0 splits at 30 s (children 2 and 3), and they merge
 * back at 60 s (child 4).  The reader begins at 45 s, so shard 0 still
 * holds records when its children open: it must get shard 0's END before
 * anything from 2 or 3, and 2's and 3's before 4's.  Every record arrives
 * once (writes stop at 85 s, so the reader catches up), in order within
 * its shard and within its key. */
static void test_reshard(void)
{
    TestRun *r = run(
        "name: reshard\nduration: 90s\nsample_interval: 10s\nseed: 3\n"
        "workloads: [{name: u, target: s, invocation: async,\n"
        "             arrival: {process: poisson, schedule: [[0s, 200/s], [85s, 200/s], [85s, 0/s], [90s, 0/s]]}}]\n"
        "components:\n"
        "  - {name: s, type: kinesis, shards: 2, partition_keys: {count: 50},\n"
        "     reshard: [{at: 30s, split: 0}, {at: 60s, merge: [2, 3]}]}\n"
        "  - {name: rd, type: reader, source: s, begin: 45s, max: 100, pause: 200ms}\n");
    Reader *rd = state_of(r, "rd");
    g_assert_cmpuint(rd->told->len, ==, 5);
    double end_t[5], first_t[5];
    for (guint s = 0; s < 5; s++) end_t[s] = first_t[s] = -1;
    for (guint i = 0; i < rd->answers->len; i++) {
        const Answer *a = &g_array_index(rd->answers, Answer, i);
        if (a->flags & CIRRUS_STREAM_END) end_t[a->shard] = a->t;
    }
    for (guint i = 0; i < rd->told->len; i++) {
        const Told *t = &g_array_index(rd->told, Told, i);
        if (t->shard == 2 || t->shard == 3) g_assert_cmpuint(t->parent, ==, 0);
        if (t->shard == 4) g_assert_true(t->parent == 2 && t->adjacent == 3);
        if (t->shard >= 2) g_assert_cmpfloat(t->t, >=, 45.0);   /* after the reader drained the parent */
    }
    guint64 last_seq[5] = {0};
    double key_last[50];
    for (guint k = 0; k < 50; k++) key_last[k] = -1;
    for (guint i = 0; i < rd->got->len; i++) {
        const Got *g = &g_array_index(rd->got, Got, i);
        if (first_t[g->shard] < 0) first_t[g->shard] = g->t;
        g_assert_cmpuint(g->seq, ==, last_seq[g->shard] + 1);   /* in order, none missed */
        last_seq[g->shard] = g->seq;
        g_assert_cmpfloat(g->arrived, >=, key_last[g->key]);    /* per key: write order */
        key_last[g->key] = g->arrived;
    }
    g_assert_cmpuint(rd->got->len, ==, (guint)test_sum(r, "s", "IncomingRecords"));
    g_test_message("END of 0 at %.2f s; first of 2, 3 at %.2f, %.2f s; END of 2, 3 at %.2f, %.2f; first of 4 at %.2f",
                   end_t[0], first_t[2], first_t[3], end_t[2], end_t[3], first_t[4]);
    g_assert_cmpfloat(end_t[0], >=, 45.0);
    g_assert_cmpfloat(first_t[2], >=, end_t[0]);
    g_assert_cmpfloat(first_t[3], >=, end_t[0]);
    g_assert_cmpfloat(first_t[4], >=, MAX(end_t[2], end_t[3]));
    g_assert_cmpfloat(end_t[1], <, 0);   /* never closed */
    test_run_free(r);
}

/* ---- on-demand ---------------------------------------------------------------------- */

/* The rule under test (docs/models/kinesis.md, "On-demand"; AWS: a new
 * stream takes 4,000 records/s and 4 MB/s, a stream "accommodates up to
 * double its previous peak write throughput observed in the last 30
 * days", traffic that grows past double the previous peak within 15
 * minutes is throttled, and the default maximum is 200,000 records/s and
 * 200 MB/s).  The capacity W, in shards of 1,000 records/s and 1 MB/s,
 * starts at 4.  Its aim is twice the busiest second so far, clamped to
 * [4, 200]; at every whole minute, if the aim is above W, W grows to it
 * but by at most 2^(1/15).  The stream refuses the records of each second
 * beyond W; its shards double while fewer than the aim.  While a stream
 * is throttled its busiest second is W itself, so its aim 2W keeps W
 * growing at the most: W = 4 x 2^(m/15) at minute m from the first tick. */

/* W after `ticks` minutes of growth from `w`, multiplied as the model does. */
static double grown(double w, guint ticks)
{
    for (guint i = 0; i < ticks; i++) w *= pow(2.0, 1.0 / 15);
    return w;
}

/* A new stream at a constant 5,000 records/s: in minute 0 it takes
 * 4,000/s (4 shards), then floor(1000 W)/s with W = 4 x 2^(m/15) per
 * minute, exactly, until W covers 5,000/s at minute 5 (15 log2(5/4) =
 * 4.8).  Its shards double to 8 at the first tick (aim: twice the 4,000
 * of minute 0) and to 16 at the second (twice 4,189); W goes on to its
 * aim of twice 5,000/s.  Each row is one minute; the arrival at a
 * minute's last instant may fall on either side of the row boundary,
 * hence +-1. */
static void test_on_demand_growth(void)
{
    TestRun *r = run(
        "name: od\nduration: 25m\nsample_interval: 1m\n"
        "workloads: [{name: u, target: s, invocation: async, arrival: {process: constant, rate: 5000/s}}]\n"
        "components:\n"
        "  - {name: s, type: kinesis, mode: on_demand}\n");
    guint in = test_series(r, "/components/s", "IncomingRecords");
    guint thr = test_series(r, "/components/s", "WriteProvisionedThroughputExceeded");
    guint open = test_series(r, "/components/s", "OpenShards.max");
    g_assert_cmpuint(test_n_rows(r), ==, 25);
    for (guint m = 0; m < 25; m++) {
        double w = MIN(grown(4, m), 10);
        double per_s = MIN(5000, floor(1000 * w));
        g_test_message("minute %2u: W %.3f, in %.0f (want %.0f/s), throttled %.0f, %g shards", m, w,
                       test_value(r, m, in), per_s, test_value(r, m, thr), test_value(r, m, open));
        if (m == 0) {   /* the first second has 4,999 arrivals: still over 4,000 */
            g_assert_cmpfloat(test_value(r, m, in), ==, 60 * 4000);
        } else {
            g_assert_cmpfloat(fabs(test_value(r, m, in) - 60 * per_s), <=, 1);
        }
        g_assert_cmpfloat(test_value(r, m, thr) > 0, ==, m < 5);
        g_assert_cmpfloat(test_value(r, m, open), ==, m == 0 ? 4 : m == 1 ? 8 : 16);   /* a row ends as a tick comes */
    }
    test_run_free(r);
}

/* The last row (minute) with refused writes; -1 if none. */
static int last_throttled(TestRun *r)
{
    guint thr = test_series(r, "/components/s", "WriteProvisionedThroughputExceeded");
    int last = -1;
    for (guint i = 0; i < test_n_rows(r); i++)
        if (test_value(r, i, thr) > 0) last = (int)i;
    return last;
}

/* Issue 17: 170,000 records/s reach an on-demand stream.  It grows to
 * 256 shards (the first of 4, 8, ... over the 200 of capacity) and
 * takes the load without a refusal, up to exactly its 200,000 records/s
 * maximum.
 *
 * The growth takes 15 log2(170/4) = 81.2 minutes.  The capacity rule
 * sees only the busiest second, and while the stream is throttled that
 * second is the capacity itself whatever the load, so 170,000 records
 * written in one second of every minute (30 s into it) drive it exactly
 * as a steady 170,000/s would, at a sixtieth of the cost: each such
 * second is refused 170,000 - floor(1000 W) records, W = 4 x 2^(m/15),
 * the last at minute 81.  Then a steady 170,000/s for a minute, and
 * 205,000 records in one second: exactly 5,000 refused.  500,000 keys
 * put about 1,950 on each of the 256 shards, within 7% of one another,
 * so a shard takes 664 +- 26 records of its 1,000 in a steady second and
 * 801 of the 205,000: none fills, and the stream's limit alone refuses. */
static void test_on_demand_maximum(void)
{
    GString *at = g_string_new("");
    for (guint m = 0; m < 88; m++) g_string_append_printf(at, "%s%us", m ? ", " : "", 60 * m + 30);
    char *text = g_strdup_printf(
        "name: odmax\nduration: 91m\nsample_interval: 1m\n"
        "workloads: [{name: u, target: s, invocation: async,\n"
        "             arrival: {process: constant, schedule: [[0s, 0/s], [89m, 0/s], [89m, 170000/s],"
        " [90m, 170000/s], [90m, 0/s]]}}]\n"
        "components:\n"
        "  - {name: s, type: kinesis, mode: on_demand, partition_keys: {count: 500000}}\n"
        "  - {name: bursts, type: producer, target: s, count: 170000, send_at: [%s]}\n"
        "  - {name: top, type: producer, target: s, count: 205000, send_at: [5430s]}\n", at->str);
    g_string_free(at, TRUE);
    TestRun *r = run(text);
    g_free(text);
    guint in = test_series(r, "/components/s", "IncomingRecords");
    guint thr = test_series(r, "/components/s", "WriteProvisionedThroughputExceeded");
    guint open = test_series(r, "/components/s", "OpenShards.max");
    for (guint m = 0; m < 88; m++) {
        double w = grown(4, m), refused = MAX(0, 170000 - floor(1000 * w));
        if (m % 10 == 0 || (m >= 80 && m <= 83))
            g_test_message("minute %2u: W %.2f, refused %.0f (want %.0f), %g shards", m, w, test_value(r, m, thr),
                           refused, test_value(r, m, open));
        g_assert_cmpfloat(test_value(r, m, thr), ==, refused);
        g_assert_cmpfloat(test_value(r, m, in), ==, 170000 - refused);
    }
    g_assert_cmpint(last_throttled(r), ==, 90);   /* only the 205,000 */
    g_assert_cmpfloat(grown(4, 81), <, 170);
    g_assert_cmpfloat(grown(4, 82), >=, 170);
    /* minute 89: steady 170,000/s, nothing refused */
    g_test_message("steady minute: in %.0f, refused %.0f, %g shards", test_value(r, 89, in), test_value(r, 89, thr),
                   test_value(r, 89, open));
    g_assert_cmpfloat(fabs(test_value(r, 89, in) - 60 * 170000.0), <=, 1);
    g_assert_cmpfloat(test_value(r, 89, thr), ==, 0);
    g_assert_cmpfloat(test_value(r, 89, open), >=, 170);
    g_assert_cmpfloat(test_value(r, 89, open), ==, 256);
    /* minute 90: 205,000 in one second against 200,000 */
    g_test_message("205,000 in a second: refused %.0f", test_value(r, 90, thr));
    g_assert_cmpfloat(test_value(r, 90, thr), ==, 5000);
    test_run_free(r);
}

/* Issue 17: a 40x step.  A new stream written at a constant 2 MB/s
 * (128 records of 16 KB a second) has twice that, its 4 MB/s start, as
 * capacity; at 10 min the writes step to 80 MB/s (5,120 records/s), 40
 * times the previous peak.  AWS's rule: double the previous peak at once
 * (4 MB/s), then each further doubling within 15 minutes, so the
 * remaining 80/4 = 20x takes log2(20) = 4.32 doublings = 64.8 minutes.
 * The model grows once a minute, so the first minute without throttling
 * is the first whole minute after the step with 4 x 2^(m/15) >= 80:
 * m = 65 (W = 80.6; at 64, W = 77.1 and 3.6% of the writes are refused).
 * The minute ticks can only delay the end, by less than a minute, so the
 * throttling lasts 64.8 to 65.8 minutes: asserted as the last throttled
 * minute being 64 after the step (the row [74 min, 75 min)).
 *
 * Bytes rather than records keep the run cheap (the rule takes the
 * larger of the two).  After the step each of the 256 shards (the aim,
 * 160, is over 128) takes 20 records/s of its 64 on average, and 100,000
 * keys spread them within 10%: no shard reaches its own limit, and
 * before the step 4 shards take 32 records/s each. */
static void test_on_demand_step(void)
{
    TestRun *r = run(
        "name: odstep\nduration: 90m\nsample_interval: 1m\n"
        "workloads: [{name: u, target: s, invocation: async, request: {size: 16KB},\n"
        "             arrival: {process: constant, schedule: [[0s, 128/s], [10m, 128/s], [10m, 5120/s]]}}]\n"
        "components:\n"
        "  - {name: s, type: kinesis, mode: on_demand, partition_keys: {count: 100000}}\n");
    guint in = test_series(r, "/components/s", "IncomingRecords");
    guint thr = test_series(r, "/components/s", "WriteProvisionedThroughputExceeded");
    double before = 0, after = 0;
    for (guint m = 0; m < 10; m++) before += test_value(r, m, thr);
    for (guint m = 76; m < 90; m++) after += test_value(r, m, thr);
    for (guint m = 9; m < 90; m += (m >= 70 && m <= 77) ? 1 : 5)
        g_test_message("minute %2u: in %.0f, refused %.0f", m, test_value(r, m, in), test_value(r, m, thr));
    int last = last_throttled(r);
    double expected = 15 * log2(80.0 / 4);   /* 64.8 minutes */
    g_test_message("refused before the step %.0f, after minute 76 %.0f; throttled until minute %d after the step"
                   " (AWS's rule: %.1f)", before, after, last + 1 - 10, expected);
    g_assert_cmpfloat(before, ==, 0);
    g_assert_cmpint(last - 10 + 1, ==, 65);   /* throttled during [10, 75) min: 65 minutes */
    g_assert_cmpfloat(last - 10 + 1, >=, expected);
    g_assert_cmpfloat(last - 10 + 1, <, expected + 1);
    /* the first minute of the step: W = 4, 4 MB/s = 256 records of 16 KB a second */
    g_assert_cmpfloat(fabs(test_value(r, 10, in) - 60 * 256), <=, 1);
    g_assert_cmpfloat(after, ==, 0);
    test_run_free(r);
}

/* Issue 17: the capacity follows the previous peak.  A new stream takes
 * a burst of 5,000 records/s for 8 minutes: refused in the first 5 (W =
 * 4 x 2^(m/15) < 5 until minute 5), so its peak is 5,000/s and its aim
 * 10,000/s, reached during the 30 minutes of 500/s that follow.  Writes
 * then return to the old peak, 5,000/s, and go on to 9,500/s, just under
 * double it: neither is refused, as AWS takes up to double the previous
 * peak at once (a new stream would refuse 9,500/s for
 * ceil(15 log2(9.5/4)) = 19 minutes). */
static void test_on_demand_previous_peak(void)
{
    TestRun *r = run(
        "name: odpeak\nduration: 48m\nsample_interval: 1m\n"
        "workloads: [{name: u, target: s, invocation: async,\n"
        "             arrival: {process: constant, schedule: [[0s, 5000/s], [8m, 5000/s], [8m, 500/s], [38m, 500/s],\n"
        "                       [38m, 5000/s], [43m, 5000/s], [43m, 9500/s]]}}]\n"
        "components:\n"
        "  - {name: s, type: kinesis, mode: on_demand}\n");
    guint in = test_series(r, "/components/s", "IncomingRecords");
    guint thr = test_series(r, "/components/s", "WriteProvisionedThroughputExceeded");
    guint open = test_series(r, "/components/s", "OpenShards.max");
    for (guint m = 0; m < 48; m++) {
        if (m < 9 || m % 5 == 0 || m >= 37)
            g_test_message("minute %2u: in %.0f, refused %.0f, %g shards", m, test_value(r, m, in),
                           test_value(r, m, thr), test_value(r, m, open));
        g_assert_cmpfloat(test_value(r, m, thr) > 0, ==, m < 5);
    }
    g_assert_cmpfloat(fabs(test_value(r, 40, in) - 60 * 5000), <=, 1);
    g_assert_cmpfloat(fabs(test_value(r, 45, in) - 60 * 9500), <=, 1);
    test_run_free(r);
}

/* ---- faults, determinism, errors ------------------------------------------------------- */

static void test_outage(void)
{
    TestRun *r = run(
        "name: out\nduration: 10s\nsample_interval: 1s\n"
        "components:\n"
        "  - {name: s, type: kinesis, shards: 1}\n"
        "  - {name: p, type: producer, target: s, send_at: [1s, 3s, 6s], count: 10}\n"
        "  - {name: rd, type: reader, source: s, fan_out: enhanced, begin: 2s, pause: 1s}\n"
        "faults: [{at: 2500ms, kind: outage, component: s, duration: 2s}]\n");
    Producer *p = state_of(r, "p");
    Reader *rd = state_of(r, "rd");
    g_assert_cmpint(p->outcomes[CIRRUS_OUTCOME_OK], ==, 20);
    g_assert_cmpint(p->outcomes[CIRRUS_OUTCOME_FAILED], ==, 10);
    g_assert_cmpuint(rd->got->len, ==, 20);   /* 10 at 2 s, 10 at 6.07 s */
    g_assert_cmpuint(count_flag(rd, CIRRUS_STREAM_FAILED), >=, 1);   /* the waiting subscribe at 2.5 s */
    g_assert_cmpfloat(g_array_index(rd->got, Got, 19).t, ==, 6.07);
    test_run_free(r);
}

static void test_determinism(void)
{
    char *text = g_strdup_printf(zipf_template, 3000, "{count: 1000, distribution: zipf, skew: 1.1}");
    TestRun *a = run(text), *b = run(text);
    g_free(text);
    g_assert_cmpuint(a->rows->len, ==, b->rows->len);
    g_assert_cmpint(memcmp(a->rows->data, b->rows->data, a->rows->len * sizeof(double)), ==, 0);
    test_run_free(a);
    test_run_free(b);
}

static void assert_error(const char *text, const char *where, const char *what)
{
    test_assert_scenario_error(text, &test_registry, where, what);
}

static void test_config_errors(void)
{
    const char *head = "name: bad\nduration: 1h\ncomponents:\n  - name: s\n    type: kinesis\n";
    char *t;
#define BAD(body, where, what) \
    t = g_strconcat(head, body, NULL); assert_error(t, where, what); g_free(t)
    BAD("    mode: provisioned\n", "bad.yaml:4:", "shards");
    BAD("    shards: 0\n", "bad.yaml:6:", "shards");
    BAD("    mode: on_demand\n    shards: 4\n", "bad.yaml:7:", "manages its own shards");
    BAD("    shards: 2\n    retention: 12h\n", "bad.yaml:7:", "retention");
    BAD("    shards: 2\n    retention: 366d\n", "bad.yaml:7:", "retention");
    BAD("    shards: 2\n    partition_keys: {count: 10, skew: 2}\n", "bad.yaml:7:", "applies to distribution: zipf");
    BAD("    shards: 2\n    partition_keys: {distribution: pareto}\n", "bad.yaml:7:", "uniform, zipf");
    BAD("    shards: 2\n    reshard: [{at: 1m, split: 5}]\n", "bad.yaml:7:", "no shard 5");
    BAD("    shards: 3\n    reshard: [{at: 1m, merge: [0, 2]}]\n", "bad.yaml:7:", "not adjacent");
    BAD("    shards: 2\n    reshard: [{at: 1m, split: 0}, {at: 2m, split: 0}]\n", "bad.yaml:7:", "already closed");
    BAD("    shards: 2\n    reshard: [{at: 2m, split: 0}, {at: 1m, split: 1}]\n", "bad.yaml:7:", "time order");
    BAD("    shards: 2\n    reshard: [{at: 2m}]\n", "bad.yaml:7:", "split: SHARD");
    BAD("    shards: 2\n    retension: 2d\n", "bad.yaml:7:", "did you mean 'retention'");
#undef BAD
    /* A 21st enhanced fan-out consumer. */
    GString *s = g_string_new("name: bad\nduration: 1h\ncomponents:\n  - {name: s, type: kinesis, shards: 1}\n");
    for (int i = 0; i < 21; i++) g_string_append_printf(s, "  - {name: r%d, type: reader, source: s, fan_out: enhanced}\n", i);
    assert_error(s->str, "bad.yaml:", "already has 20 enhanced fan-out consumers");
    g_string_free(s, TRUE);
    assert_error("name: bad\nduration: 1h\ncomponents:\n  - {name: w, type: producer, target: w}\n"
                 "  - {name: r, type: reader, source: w}\n", "bad.yaml:5:", "not a kinesis stream or a dynamodb table's stream");
}

/* A count the stream records in its sample hook (the busiest shard's
 * records per interval) covers the same time as the others when the
 * warm-up ends on a sample instant: with one shard its total after the
 * warm-up equals IncomingRecords' exactly (the row before the warm-up
 * ends is not counted). */
static void test_sampled_count_after_warmup(void)
{
    TestRun *r = test_run_text("name: k\nduration: 5m\nwarmup: 1m\nsample_interval: 10s\nseed: 3\n"
                               "workloads: [{name: p, target: s, invocation: async,"
                               " arrival: {process: poisson, rate: 50/s}}]\n"
                               "components: [{name: s, type: kinesis, shards: 1}]\n", NULL);
    g_assert_cmpfloat(test_sum(r, "s", "IncomingRecords"), >, 0);
    g_assert_cmpfloat(test_sum(r, "s", "IncomingRecords.MaxShard"), ==, test_sum(r, "s", "IncomingRecords"));
    test_run_free(r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/models/kinesis/uniform-shares", test_uniform_shares);
    g_test_add_func("/models/kinesis/zipf-hot-shard", test_zipf_hot_shard);
    g_test_add_func("/models/kinesis/write-limits", test_write_limits);
    g_test_add_func("/models/kinesis/read-calls", test_read_calls);
    g_test_add_func("/models/kinesis/read-bytes", test_read_bytes);
    g_test_add_func("/models/kinesis/retention", test_retention);
    g_test_add_func("/models/kinesis/iterator-age", test_iterator_age);
    g_test_add_func("/models/kinesis/reshard", test_reshard);
    g_test_add_func("/models/kinesis/on-demand-growth", test_on_demand_growth);
    g_test_add_func("/models/kinesis/on-demand-maximum", test_on_demand_maximum);
    g_test_add_func("/models/kinesis/on-demand-step", test_on_demand_step);
    g_test_add_func("/models/kinesis/on-demand-previous-peak", test_on_demand_previous_peak);
    g_test_add_func("/models/kinesis/outage", test_outage);
    g_test_add_func("/models/kinesis/determinism", test_determinism);
    g_test_add_func("/models/kinesis/config-errors", test_config_errors);
    g_test_add_func("/models/kinesis/sampled-count-after-warmup", test_sampled_count_after_warmup);
    return g_test_run();
}
