/* cirrus — a Lambda function's event source mapping from a Kinesis stream
 * (see lambda-private.h, models/protocol/stream.h, docs/models/lambda.md).
 *
 * AWS (Lambda with Kinesis): the mapping reads each shard in order and
 * invokes the function synchronously with batches of records; a shard has
 * one batch in flight at a time, or, with a parallelization factor N, up
 * to N, records of one partition key always in the same one, so per-key
 * order holds.  Here each shard has N lanes; a record goes to lane
 * (partition key mod N).  A lane invokes with up to batch_size of its
 * records (waiting for the batching window to fill a batch), and takes the
 * next batch only when this one succeeded or was given up.
 *
 * A failed batch (an error, a timeout, an outage) blocks its lane and is
 * retried — AWS: "until the records expire" by default — every second,
 * until it succeeds, or max_retries retries have failed, or its oldest
 * record is older than max_record_age; then it is discarded (counted in
 * DroppedEventCount) and, with an on_failure destination, one notice of
 * the batch is sent there.  With bisect_on_error a failed batch is split
 * in two and the first half retried alone (the second half goes back to
 * the front of the lane).  A throttled batch is retried after a second
 * and costs no retry.
 *
 * Reading: shared fan-out polls each shard once a second at most (AWS:
 * Lambda "polls each shard ... at a base rate of once per second"; a
 * DynamoDB stream's 4 times a second), and
 * only while the shard's lanes hold less than one batch per lane, so a
 * slow function lets the iterator age grow rather than memory; enhanced
 * fan-out subscribes and re-subscribes under the same rule.  IteratorAge
 * is the age of the last record of each batch invoked, as Lambda reports
 * it.  An invocation's tag is its shard and lane; its records hang from
 * its batch chain. */
#include "models/lambda/lambda-private.h"
#include "models/protocol/stream.h"
#include <string.h>

/* Lambda polls a shard at the stream's rate (Kinesis once a second,
 * DynamoDB Streams 4 times a second: cirrus_stream_poll_period); a failed
 * or throttled batch waits a second before its retry. */
#define RETRY_DELAY CIRRUS_SEC

typedef struct {
    CirrusRequest *head, *tail;   /* buffered records, in order, as a batch chain */
    guint n;
    CirrusRequest *batch;         /* in flight or waiting for its retry */
    guint batch_n;
    gint64 retries;
    guint cap;                    /* records the next batch may take (halved by bisect) */
    gboolean busy, timer;         /* a batch out; a window or retry timer pending */
} Lane;

typedef struct {
    guint id;
    guint64 pos;                  /* the position to read from */
    gboolean reading;             /* a GetRecords / subscribe out */
    gboolean fetch_due;           /* a LAMBDA_STREAM_FETCH pending */
    gboolean ended;               /* STREAM_END: nothing more will come */
    CirrusTime last_fetch;
    Lane *lanes;
} Shard;

struct LambdaStream {
    LambdaStreamConfig cfg;
    Lambda *f;
    GPtrArray *shards;            /* Shard *, indexed by shard id, NULL when unknown or done */
};

#define TAG(shard, lane) (((guint64)(shard) << 8) | (guint64)(lane))
#define TAG_SHARD(tag) ((guint)((tag) >> 8))
#define TAG_LANE(tag) ((guint)((tag) & 0xFFu))

LambdaStream *lambda_stream_new(CirrusComponent *self, Lambda *f, const LambdaStreamConfig *cfg)
{
    LambdaStream *s = g_new0(LambdaStream, 1);
    (void)self;
    s->cfg = *cfg;
    s->f = f;
    s->shards = g_ptr_array_new();
    return s;
}

static void shard_free(Shard *sh)
{
    g_free(sh->lanes);
    g_free(sh);
}

void lambda_stream_free(LambdaStream *s)
{
    for (guint i = 0; i < s->shards->len; i++)
        if (s->shards->pdata[i]) shard_free(s->shards->pdata[i]);
    g_ptr_array_free(s->shards, TRUE);
    g_free(s);
}

void lambda_stream_start(CirrusComponent *self, LambdaStream *s)
{
    cirrus_stream_register(self, s->cfg.source, s->cfg.enhanced ? CIRRUS_STREAM_ENHANCED : CIRRUS_STREAM_SHARED,
                           s->cfg.latest ? CIRRUS_STREAM_LATEST : CIRRUS_STREAM_TRIM_HORIZON, CIRRUS_STREAM_MAX_BATCH,
                           TRUE);
}

static Shard *shard_at(const LambdaStream *s, guint id)
{
    return id < s->shards->len ? s->shards->pdata[id] : NULL;
}

static guint buffered(const LambdaStream *s, const Shard *sh)
{
    guint n = 0;
    for (gint64 l = 0; l < s->cfg.parallel; l++) n += sh->lanes[l].n;
    return n;
}

/* ---- reading ------------------------------------------------------------ */

/* Read the shard again if its lanes need records and nothing is out. */
static void want_records(CirrusComponent *self, LambdaStream *s, Shard *sh)
{
    if (sh->reading || sh->fetch_due || sh->ended) return;
    if (buffered(s, sh) >= (guint)(s->cfg.batch_size * s->cfg.parallel)) return;   /* back-pressure */
    CirrusTime now = cirrus_now(self), at = s->cfg.enhanced ? now : MAX(now, sh->last_fetch + s->cfg.poll_period);
    if (at > now) {
        sh->fetch_due = TRUE;
        cirrus_schedule(self, at - now, LAMBDA_STREAM_FETCH, NULL, sh->id);
        return;
    }
    sh->reading = TRUE;
    sh->last_fetch = now;
    /* `who` is the shard that reads (ours; the stream leaves it). */
    if (s->cfg.enhanced) cirrus_stream_subscribe(self, s->cfg.source, sh->id, sh->pos);
    else cirrus_stream_get_records(self, s->cfg.source, sh->id, sh->pos);
}

static void on_shard(CirrusComponent *self, LambdaStream *s, const CirrusEvent *ev)
{
    guint id = cirrus_stream_shard(ev).shard;
    if (id >= s->shards->len) g_ptr_array_set_size(s->shards, id + 1);
    g_assert(!s->shards->pdata[id]);
    Shard *sh = g_new0(Shard, 1);
    sh->id = id;
    sh->pos = CIRRUS_STREAM_POS(id, CIRRUS_STREAM_START);
    sh->last_fetch = -s->cfg.poll_period;
    sh->lanes = g_new0(Lane, s->cfg.parallel);
    for (gint64 l = 0; l < s->cfg.parallel; l++) sh->lanes[l].cap = (guint)s->cfg.batch_size;
    s->shards->pdata[id] = sh;
    want_records(self, s, sh);
}

/* A shard that has ended and whose lanes are empty is forgotten. */
static void maybe_done(LambdaStream *s, Shard *sh)
{
    if (!sh->ended || sh->reading || sh->fetch_due) return;
    for (gint64 l = 0; l < s->cfg.parallel; l++)
        if (sh->lanes[l].n || sh->lanes[l].busy || sh->lanes[l].timer) return;
    s->shards->pdata[sh->id] = NULL;
    shard_free(sh);
}

static void lane_push(Lane *lane, CirrusRequest *rec)
{
    cirrus_batch_link(rec, NULL);
    if (lane->tail) cirrus_batch_link(lane->tail, rec);
    else lane->head = rec;
    lane->tail = rec;
    lane->n++;
}

static void try_start(CirrusComponent *self, LambdaStream *s, Shard *sh, guint l);

static void on_records(CirrusComponent *self, LambdaStream *s, const CirrusEvent *ev)
{
    CirrusStreamRecords got = cirrus_stream_records(self, ev);
    Shard *sh = shard_at(s, got.shard);
    g_assert(sh && sh->reading);
    sh->reading = FALSE;
    if (got.count) cirrus_metric_count(self, s->cfg.m_polled, got.count);
    for (CirrusRequest *rec = got.records, *next; rec; rec = next) {
        next = cirrus_batch_next(rec);
        sh->pos = cirrus_stream_position(rec);
        lane_push(&sh->lanes[rec->client % (guint64)s->cfg.parallel], rec);
    }
    if (got.flags & CIRRUS_STREAM_END) sh->ended = TRUE;
    for (gint64 l = 0; l < s->cfg.parallel; l++) try_start(self, s, sh, (guint)l);
    if (got.flags & (CIRRUS_STREAM_THROTTLED | CIRRUS_STREAM_FAILED)) sh->last_fetch = cirrus_now(self);
    want_records(self, s, sh);
    maybe_done(s, sh);
}

/* ---- batches ------------------------------------------------------------ */

static void invoke(CirrusComponent *self, LambdaStream *s, Shard *sh, guint l)
{
    Lane *lane = &sh->lanes[l];
    CirrusRequest *inv = cirrus_request_new(self), *last = lane->batch;
    gint64 bytes = 0;
    for (CirrusRequest *r = lane->batch; r; r = cirrus_batch_next(r)) {
        bytes += r->size;
        last = r;
    }
    inv->caller.word = TAG(sh->id, l);
    cirrus_batch_link(inv, lane->batch);
    inv->size = bytes;
    inv->invocation = CIRRUS_INVOKE_SYNC;
    lane->busy = TRUE;
    cirrus_metric_count(self, s->cfg.m_invoked, lane->batch_n);
    cirrus_metric_gauge(self, s->cfg.m_iterator_age, cirrus_time_to_s(cirrus_now(self) - last->arrived) * 1000.0);
    CirrusOutcome started = lambda_invoke(self, s->f, inv, s->cfg.per_record ? lane->batch_n : 1);
    if (started != CIRRUS_OUTCOME_OK) lambda_stream_invoked(self, s, inv, started);
}

/* Start the lane's next batch if it has records and none is out: at once
 * with a full batch or no batching window, else when the window since its
 * oldest buffered record ends. */
static void try_start(CirrusComponent *self, LambdaStream *s, Shard *sh, guint l)
{
    Lane *lane = &sh->lanes[l];
    if (lane->busy || lane->timer || lane->n == 0) return;
    CirrusTime now = cirrus_now(self), due = lane->head->arrived + s->cfg.window;
    if (lane->n < lane->cap && s->cfg.window > 0 && due > now && !sh->ended) {
        lane->timer = TRUE;
        cirrus_schedule(self, due - now, LAMBDA_STREAM_LANE, NULL, TAG(sh->id, l));
        return;
    }
    guint take = MIN(lane->n, lane->cap);
    CirrusRequest *cut = lane->head;
    for (guint i = 1; i < take; i++) cut = cirrus_batch_next(cut);
    lane->batch = lane->head;
    lane->batch_n = take;
    lane->head = cirrus_batch_next(cut);
    if (!lane->head) lane->tail = NULL;
    cirrus_batch_link(cut, NULL);
    lane->n -= take;
    invoke(self, s, sh, l);
}

static void free_chain(CirrusComponent *self, CirrusRequest *r)
{
    for (CirrusRequest *next; r; r = next) {
        next = cirrus_batch_next(r);
        cirrus_request_free(self, r);
    }
}

/* Give a failed batch up: counted, and one notice of it to on_failure. */
static void discard(CirrusComponent *self, LambdaStream *s, Lane *lane)
{
    cirrus_metric_count(self, s->cfg.m_dropped, lane->batch_n);
    if (s->cfg.on_failure) {
        CirrusRequest *notice = cirrus_request_new(self);
        notice->invocation = CIRRUS_INVOKE_ASYNC;
        notice->size = 1024;   /* the batch's metadata, not its records (AWS) */
        cirrus_send(self, s->cfg.on_failure, notice, 0);
    }
    free_chain(self, lane->batch);
    lane->batch = NULL;
}

/* With bisect_on_error: the second half of the failed batch goes back to
 * the front of the lane; the first half is retried alone. */
static void bisect(Lane *lane)
{
    guint keep = (lane->batch_n + 1) / 2;
    CirrusRequest *cut = lane->batch;
    for (guint i = 1; i < keep; i++) cut = cirrus_batch_next(cut);
    CirrusRequest *rest = cirrus_batch_next(cut), *rest_tail = rest;
    cirrus_batch_link(cut, NULL);
    while (cirrus_batch_next(rest_tail)) rest_tail = cirrus_batch_next(rest_tail);
    cirrus_batch_link(rest_tail, lane->head);
    if (!lane->head) lane->tail = rest_tail;
    lane->head = rest;
    lane->n += lane->batch_n - keep;
    lane->batch_n = keep;
}

/* The lane's batch is over (done or given up): on to the next. */
static void next_batch(CirrusComponent *self, LambdaStream *s, Shard *sh, guint l)
{
    Lane *lane = &sh->lanes[l];
    lane->retries = 0;
    lane->cap = (guint)s->cfg.batch_size;
    try_start(self, s, sh, l);
    want_records(self, s, sh);
    maybe_done(s, sh);
}

void lambda_stream_invoked(CirrusComponent *self, LambdaStream *s, CirrusRequest *inv, CirrusOutcome outcome)
{
    Shard *sh = shard_at(s, TAG_SHARD(inv->caller.word));
    guint l = TAG_LANE(inv->caller.word);
    cirrus_batch_link(inv, NULL);
    cirrus_request_free(self, inv);
    g_assert(sh);
    Lane *lane = &sh->lanes[l];
    lane->busy = FALSE;
    if (outcome == CIRRUS_OUTCOME_OK) {
        free_chain(self, lane->batch);
        lane->batch = NULL;
        next_batch(self, s, sh, l);
        return;
    }
    cirrus_metric_count(self, s->cfg.m_failed, lane->batch_n);
    if (outcome != CIRRUS_OUTCOME_THROTTLED) {
        CirrusTime age = cirrus_now(self) - lane->batch->arrived;
        if ((s->cfg.max_retries >= 0 && lane->retries >= s->cfg.max_retries) ||
            (s->cfg.max_age != CIRRUS_TIME_NEVER && age > s->cfg.max_age)) {
            discard(self, s, lane);
            next_batch(self, s, sh, l);
            return;
        }
        lane->retries++;
        if (s->cfg.bisect && lane->batch_n > 1) {
            bisect(lane);
            lane->cap = lane->batch_n;
        }
    }
    lane->timer = TRUE;   /* the same batch again, a second from now */
    cirrus_schedule(self, RETRY_DELAY, LAMBDA_STREAM_LANE, NULL, TAG(sh->id, l));
}

/* A lane's timer: a batching window is over, or a retry is due. */
static void on_lane_timer(CirrusComponent *self, LambdaStream *s, guint64 tag)
{
    Shard *sh = shard_at(s, TAG_SHARD(tag));
    Lane *lane = &sh->lanes[TAG_LANE(tag)];
    lane->timer = FALSE;
    if (lane->batch) invoke(self, s, sh, TAG_LANE(tag));
    else try_start(self, s, sh, TAG_LANE(tag));
}

gboolean lambda_stream_handle(CirrusComponent *self, LambdaStream *s, const CirrusEvent *ev)
{
    switch (ev->kind) {
    case CIRRUS_STREAM_SHARD: on_shard(self, s, ev); return TRUE;
    case CIRRUS_STREAM_RECORDS: on_records(self, s, ev); return TRUE;
    case LAMBDA_STREAM_FETCH: {
        Shard *sh = shard_at(s, (guint)ev->data);
        sh->fetch_due = FALSE;
        want_records(self, s, sh);
        return TRUE;
    }
    case LAMBDA_STREAM_LANE: on_lane_timer(self, s, ev->data); return TRUE;
    default: return FALSE;
    }
}
