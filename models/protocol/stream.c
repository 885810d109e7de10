/* cirrus — the stream protocol's events and link-time questions (see
 * stream.h). */
#include "models/protocol/stream.h"
#include "sim/loader/node.h"

/* What the events of this protocol carry in their 64-bit data word: the
 * typed functions below are the only code that packs or unpacks it. */
typedef union {
    guint64 word;
    guint64 position;                                           /* GET_RECORDS, SUBSCRIBE */
    guint64 poll_id;                                            /* CANCEL */
    struct { guint8 fan_out, start; guint16 max_records; guint8 trigger; } reg;
    struct { guint16 shard, parent, adjacent; } shard;
    struct { guint16 shard, count; guint8 flags; } records;
} StreamWord;

G_STATIC_ASSERT(sizeof(StreamWord) == sizeof(guint64));

static guint64 word_of(StreamWord w) { return w.word; }
static StreamWord word_from(guint64 data) { return (StreamWord){ .word = data }; }

CirrusComponent *cirrus_stream_lookup(CirrusComponent *consumer, CirrusScenario *sc, const CirrusNode *at,
                                      const char *name, gboolean enhanced, GError **error)
{
    CirrusComponent *stream = cirrus_scenario_lookup(sc, at, name, error);
    void *state;
    if (!stream) return NULL;
    if (!cirrus_speaks(stream, CIRRUS_SPEAKS_STREAM) || stream == consumer) {
        cirrus_node_error(at, error, "'%s' is %s, not a kinesis stream or a dynamodb table's stream", name,
                          cirrus_component_noun(stream));
        return NULL;
    }
    const CirrusStreamOps *ops = cirrus_protocols_of(stream, CIRRUS_SPEAKS_STREAM, &state)->stream;
    const char *why = ops->refuse ? ops->refuse(stream, state, enhanced) : NULL;
    if (why) {
        cirrus_node_error(at, error, "'%s' (%s) cannot be read here: %s", name, cirrus_component_noun(stream), why);
        return NULL;
    }
    guint enhanced_now = ops->add_consumer(stream, state, enhanced);
    if (enhanced && enhanced_now > CIRRUS_STREAM_MAX_ENHANCED) {
        cirrus_node_error(at, error, "stream '%s' already has %d enhanced fan-out consumers, AWS's limit per stream",
                          name, CIRRUS_STREAM_MAX_ENHANCED);
        return NULL;
    }
    return stream;
}

CirrusTime cirrus_stream_poll_period(const CirrusComponent *stream)
{
    void *state;
    const CirrusStreamOps *ops = cirrus_protocols_of(stream, CIRRUS_SPEAKS_STREAM, &state)->stream;
    return ops->poll_period > 0 ? ops->poll_period : CIRRUS_SEC;
}

/* ---- the consumer's side ---- */

void cirrus_stream_register(CirrusComponent *consumer, CirrusComponent *stream, CirrusStreamFanOut fan_out,
                            CirrusStreamStart start, guint max_records, gboolean trigger)
{
    g_assert(fan_out == CIRRUS_STREAM_SHARED || fan_out == CIRRUS_STREAM_ENHANCED);
    g_assert(start == CIRRUS_STREAM_TRIM_HORIZON || start == CIRRUS_STREAM_LATEST);
    g_assert(max_records >= 1 && max_records <= CIRRUS_STREAM_MAX_BATCH);
    StreamWord w = { .word = 0 };
    w.reg.fan_out = (guint8)fan_out;
    w.reg.start = (guint8)start;
    w.reg.max_records = (guint16)max_records;
    w.reg.trigger = trigger != FALSE;
    cirrus_post(consumer, stream, 0, CIRRUS_STREAM_REGISTER, NULL, word_of(w));
}

CirrusStreamShard cirrus_stream_shard(const CirrusEvent *ev)
{
    g_assert(ev->kind == CIRRUS_STREAM_SHARD);
    StreamWord w = word_from(ev->data);
    return (CirrusStreamShard){ w.shard.shard, w.shard.parent, w.shard.adjacent };
}

/* A poll for `kind`, lent to the stream. */
static guint64 read_from(CirrusComponent *consumer, CirrusComponent *stream, int kind, guint64 who,
                         guint64 position)
{
    CirrusRequest *poll = cirrus_request_new(consumer);
    poll->caller.word = who;
    StreamWord w = { .position = position };
    cirrus_post(consumer, stream, 0, kind, poll, word_of(w));
    return poll->id;
}

guint64 cirrus_stream_get_records(CirrusComponent *consumer, CirrusComponent *stream, guint64 who,
                                  guint64 position)
{
    return read_from(consumer, stream, CIRRUS_STREAM_GET_RECORDS, who, position);
}

guint64 cirrus_stream_subscribe(CirrusComponent *consumer, CirrusComponent *stream, guint64 who,
                                guint64 position)
{
    return read_from(consumer, stream, CIRRUS_STREAM_SUBSCRIBE, who, position);
}

void cirrus_stream_cancel(CirrusComponent *consumer, CirrusComponent *stream, guint64 poll_id)
{
    StreamWord w = { .poll_id = poll_id };
    cirrus_post(consumer, stream, 0, CIRRUS_STREAM_CANCEL, NULL, word_of(w));
}

CirrusStreamRecords cirrus_stream_records(CirrusComponent *consumer, const CirrusEvent *ev)
{
    g_assert(ev->kind == CIRRUS_STREAM_RECORDS);
    CirrusRequest *poll = ev->request;
    StreamWord w = word_from(ev->data);
    CirrusStreamRecords r = { poll->caller.word, w.records.shard, cirrus_batch_next(poll), w.records.count,
                              poll->size, w.records.flags };
    cirrus_request_free(consumer, poll);
    return r;
}

/* ---- the stream's side ---- */

CirrusStreamRegister cirrus_stream_register_args(const CirrusEvent *ev)
{
    g_assert(ev->kind == CIRRUS_STREAM_REGISTER);
    StreamWord w = word_from(ev->data);
    return (CirrusStreamRegister){ (CirrusStreamFanOut)w.reg.fan_out, (CirrusStreamStart)w.reg.start,
                                   w.reg.max_records, w.reg.trigger };
}

void cirrus_stream_shard_notice(CirrusComponent *stream, CirrusComponent *consumer, guint shard, guint parent,
                                guint adjacent)
{
    g_assert(shard <= 0xFFFFu && parent <= 0xFFFFu && adjacent <= 0xFFFFu);
    StreamWord w = { .word = 0 };
    w.shard.shard = (guint16)shard;
    w.shard.parent = (guint16)parent;
    w.shard.adjacent = (guint16)adjacent;
    cirrus_post(stream, consumer, 0, CIRRUS_STREAM_SHARD, NULL, word_of(w));
}

CirrusStreamRead cirrus_stream_read_args(const CirrusEvent *ev)
{
    g_assert(ev->kind == CIRRUS_STREAM_GET_RECORDS || ev->kind == CIRRUS_STREAM_SUBSCRIBE);
    StreamWord w = word_from(ev->data);
    return (CirrusStreamRead){ ev->request, CIRRUS_STREAM_POS_SHARD(w.position), CIRRUS_STREAM_POS_SEQ(w.position) };
}

guint64 cirrus_stream_cancel_id(const CirrusEvent *ev)
{
    g_assert(ev->kind == CIRRUS_STREAM_CANCEL);
    return word_from(ev->data).poll_id;
}

void cirrus_stream_answer(CirrusComponent *stream, CirrusComponent *consumer, CirrusRequest *poll, guint shard,
                          CirrusRequest *records, guint count, gint64 bytes, guint flags)
{
    g_assert(shard <= 0xFFFFu && count <= CIRRUS_STREAM_MAX_BATCH && flags <= 0xFFu);
    StreamWord w = { .word = 0 };
    w.records.shard = (guint16)shard;
    w.records.count = (guint16)count;
    w.records.flags = (guint8)flags;
    cirrus_batch_link(poll, records);
    poll->size = bytes;   /* the answer's size: the bytes of its records */
    cirrus_post(stream, consumer, 0, CIRRUS_STREAM_RECORDS, poll, word_of(w));
}
