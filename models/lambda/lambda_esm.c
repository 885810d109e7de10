/* cirrus — a Lambda function's event source mapping (the `event_source`
 * key; see lambda-private.h and docs/models/lambda.md): its configuration,
 * and the mapping from an SQS queue (models/protocol/queue.h).  The mapping from
 * a Kinesis stream runs in lambda_esm_stream.c.
 *
 * The keys of both kinds are read in configure(), before the source's
 * type is known; link() then refuses those that do not apply to it.
 *
 * AWS runs pollers on the function's behalf.  Each poller here is one
 * "concurrent batch": it long-polls the queue (20 s), gathers up to
 * batch_size messages — one receive of at most 10, or several until the
 * batching window runs out — and invokes the function synchronously with
 * the batch, one invocation per batch.  Success deletes every message;
 * a failure (an error, a timeout, a throttle, a service error) deletes
 * nothing, so the messages become visible again when the queue's
 * visibility timeout ends and are received again, until the queue's
 * redrive policy moves them to its dead-letter queue.
 *
 * Scaling (AWS, "Configuring scaling behavior for SQS event source
 * mappings"): five pollers to start; while messages are still available,
 * up to 300 more each minute, to at most 1,000 concurrent batches or the
 * mapping's maximum_concurrency; back to five when traffic is low.  Here a
 * minute counts as "messages still available" when some receive in it
 * left messages visible in the queue (CIRRUS_QUEUE_MORE: a backlog) and
 * none came back empty.  A minute with no full receive had more
 * pollers than messages: the pollers come down to a quarter more than
 * the most that were invoking at once in that minute, not below
 * `initial` (AWS does not publish its rule; this one keeps up with the
 * traffic without a backlog).  A poller whose long poll comes back
 * empty, or whose invocation is throttled, stops too if more than
 * `initial` are running.  Pollers are not limited by the function's concurrency: over
 * it, invocations are throttled and the batch goes back to the queue —
 * which is why AWS added maximum_concurrency.
 *
 * A poller's index is its poll request's `tag`; an invocation's request
 * has this function as origin and the poller index in its tag, with the
 * batch's messages chained from it as a batch. */
#include "models/lambda/lambda-private.h"
#include "models/protocol/queue.h"
#include "models/protocol/stream.h"
#include "sim/loader/scenario.h"
#include <string.h>

/* AWS: an SQS event source mapping polls with 20-second long polls. */
#define LONG_POLL_MS CIRRUS_QUEUE_MAX_WAIT_MS
/* AWS: the invocation payload limit of a synchronous invocation. */
#define MAX_PAYLOAD (6 * 1024 * 1024)
/* AWS: at most 1,000 concurrent batches per SQS event source mapping;
 * batch size up to 10,000 (standard queues) or 10 (FIFO); batching window
 * up to 300 s. */
#define MAX_BATCHES 1000
#define MAX_BATCH_STANDARD 10000
#define MAX_BATCH_FIFO 10
#define MAX_WINDOW (300 * CIRRUS_SEC)
/* A poller whose receive failed (the queue is down) waits this long. */
#define ERROR_PAUSE CIRRUS_SEC

typedef enum { POLLER_STOPPED, POLLER_RECEIVING, POLLER_INVOKING, POLLER_PAUSED } PollerState;

typedef struct {
    PollerState state;
    CirrusRequest *first, *last;   /* the batch gathered so far, as a batch chain */
    guint count;
    gint64 bytes;
    CirrusTime window_end;         /* invoke by then (gathering with a batching window) */
} Poller;

struct LambdaEsm {
    /* configuration */
    char *source_name;
    const CirrusNode *source_at, *batch_at, *window_at, *queue_only_at, *stream_only_at;
    const char *queue_only_key, *stream_only_key;
    CirrusComponent *source;
    gint64 batch_size, initial, per_minute, max_pollers;
    CirrusTime window;
    gboolean per_record;
    LambdaStreamConfig stream_cfg;   /* Kinesis sources */
    LambdaStream *stream;            /* set at link for a Kinesis source */
    /* run time */
    GArray *pollers;               /* Poller, max_pollers of them */
    gint64 running;                /* pollers not STOPPED */
    gint64 to_stop;                /* this many stop when their receive or invocation is over */
    gint64 invoking, minute_peak;  /* pollers invoking now; the most at once this minute */
    gboolean minute_full, minute_empty;   /* receives in this minute: some left a backlog / some empty */
    guint m_polled, m_invoked, m_failed, m_deleted, m_pollers;
};

static Poller *poller(const LambdaEsm *m, guint i) { return &g_array_index(m->pollers, Poller, i); }

/* ---- configuration ----------------------------------------------------- */

/* The first of `keys` present in cfg (its node, and its name in *key), or NULL. */
static const CirrusNode *first_present(CirrusNode *cfg, const char *const *keys, const char **key)
{
    for (; *keys; keys++) {
        *key = *keys;
        if (cirrus_node_peek(cfg, *keys)) return cirrus_node_peek(cfg, *keys);
    }
    return NULL;
}

/* Kinesis only.  AWS: StartingPosition; ParallelizationFactor 1-10;
 * BisectBatchOnFunctionError; MaximumRetryAttempts -1 (infinite) to
 * 10,000; MaximumRecordAgeInSeconds -1 (infinite) or 60 to 604,800;
 * DestinationConfig.OnFailure. */
static gboolean read_stream_keys(LambdaEsm *m, CirrusNode *cfg, GError **error)
{
    static const char *const starts[] = {"latest", "trim_horizon", NULL};
    static const char *const fan_outs[] = {"shared", "enhanced", NULL};
    static const char *const keys[] = {"starting_position", "parallelization_factor", "bisect_on_error",
                                       "max_retries", "max_record_age", "fan_out", "on_failure", NULL};
    LambdaStreamConfig *c = &m->stream_cfg;
    const char *on_failure;
    int start, fan_out;
    if (!cirrus_cfg_enum(cfg, "starting_position", starts, 0, &start, error) ||
        !cirrus_cfg_int(cfg, "parallelization_factor", 1, 1, 10, &c->parallel, error) ||
        !cirrus_cfg_bool(cfg, "bisect_on_error", FALSE, &c->bisect, error) ||
        !cirrus_cfg_int(cfg, "max_retries", -1, -1, 10000, &c->max_retries, error) ||
        !cirrus_cfg_duration(cfg, "max_record_age", CIRRUS_TIME_NEVER, 60 * CIRRUS_SEC, 7 * CIRRUS_DAY,
                             &c->max_age, error) ||
        !cirrus_cfg_enum(cfg, "fan_out", fan_outs, 0, &fan_out, error) ||
        !cirrus_cfg_string(cfg, "on_failure", NULL, &on_failure, error))
        return FALSE;
    c->latest = start == 0;
    c->enhanced = fan_out == 1;
    c->on_failure_name = g_strdup(on_failure);
    c->on_failure_at = cirrus_node_peek(cfg, "on_failure");
    m->stream_only_at = first_present(cfg, keys, &m->stream_only_key);
    return TRUE;
}

gboolean lambda_esm_configure(CirrusComponent *self, Lambda *f, CirrusNode *cfg, GError **error)
{
    static const char *const queue_keys[] = {"maximum_concurrency", "scaling", NULL};
    LambdaEsm *m = g_new0(LambdaEsm, 1);
    CirrusNode *scaling;
    const char *source;
    f->esm = m;
    if (!cirrus_cfg_require(cfg, "source", "the queue or stream the mapping reads, an sqs or kinesis component",
                            error) ||
        !cirrus_cfg_string(cfg, "source", NULL, &source, error) ||
        !cirrus_cfg_int(cfg, "batch_size", -1, 1, MAX_BATCH_STANDARD, &m->batch_size, error) ||
        !cirrus_cfg_duration(cfg, "batching_window", 0, 0, MAX_WINDOW, &m->window, error) ||
        !cirrus_cfg_int(cfg, "maximum_concurrency", MAX_BATCHES, 2, MAX_BATCHES, &m->max_pollers, error) ||
        !cirrus_cfg_bool(cfg, "per_record_duration", FALSE, &m->per_record, error) ||
        !cirrus_cfg_map(cfg, "scaling", &scaling, error) ||
        !cirrus_cfg_int(scaling, "initial", 5, 1, MAX_BATCHES, &m->initial, error) ||
        !cirrus_cfg_int(scaling, "per_minute", 300, 1, MAX_BATCHES, &m->per_minute, error) ||
        !read_stream_keys(m, cfg, error))
        return FALSE;
    m->queue_only_at = first_present(cfg, queue_keys, &m->queue_only_key);
    m->source_name = g_strdup(source);
    m->source_at = cirrus_node_peek(cfg, "source");
    m->batch_at = cirrus_node_peek(cfg, "batch_size");
    m->window_at = cirrus_node_peek(cfg, "batching_window");
    if (m->initial > m->max_pollers) m->initial = m->max_pollers;
    m->m_polled = cirrus_metric_add(self, "PolledEventCount", CIRRUS_METRIC_COUNT, "Count");
    m->m_invoked = cirrus_metric_add(self, "InvokedEventCount", CIRRUS_METRIC_COUNT, "Count");
    m->m_failed = cirrus_metric_add(self, "FailedInvokeEventCount", CIRRUS_METRIC_COUNT, "Count");
    m->m_deleted = cirrus_metric_add(self, "DeletedEventCount", CIRRUS_METRIC_COUNT, "Count");
    m->m_pollers = cirrus_metric_add(self, "EventSourcePollers", CIRRUS_METRIC_GAUGE, "Count");
    m->stream_cfg.m_polled = m->m_polled;
    m->stream_cfg.m_invoked = m->m_invoked;
    m->stream_cfg.m_failed = m->m_failed;
    m->stream_cfg.m_dropped = cirrus_metric_add(self, "DroppedEventCount", CIRRUS_METRIC_COUNT, "Count");
    m->stream_cfg.m_iterator_age = cirrus_metric_add(self, "IteratorAge", CIRRUS_METRIC_GAUGE, "Milliseconds");
    m->stream_cfg.window = m->window;
    m->stream_cfg.per_record = m->per_record;
    m->pollers = g_array_sized_new(FALSE, TRUE, sizeof(Poller), (guint)m->max_pollers);
    g_array_set_size(m->pollers, (guint)m->max_pollers);
    return TRUE;
}

/* A Kinesis source: its own keys, its defaults, the stream's lookup. */
static gboolean link_stream(CirrusComponent *self, Lambda *f, LambdaEsm *m, CirrusScenario *sc, GError **error)
{
    LambdaStreamConfig *c = &m->stream_cfg;
    if (m->queue_only_at) {
        cirrus_node_error(m->queue_only_at, error, "'%s' applies to SQS sources; '%s' is a kinesis stream",
                          m->queue_only_key, m->source_name);
        return FALSE;
    }
    /* AWS: a stream mapping's batch size defaults to 100, up to 10,000. */
    c->batch_size = m->batch_size < 0 ? 100 : m->batch_size;
    c->source = cirrus_stream_lookup(self, sc, m->source_at, m->source_name, c->enhanced, error);
    if (!c->source) return FALSE;
    c->poll_period = cirrus_stream_poll_period(c->source);
    if (c->on_failure_name) {
        c->on_failure = cirrus_scenario_lookup(sc, c->on_failure_at, c->on_failure_name, error);
        if (!c->on_failure) return FALSE;
    }
    m->stream = lambda_stream_new(self, f, c);
    return TRUE;
}

gboolean lambda_esm_link(CirrusComponent *self, Lambda *f, CirrusScenario *sc, GError **error)
{
    LambdaEsm *m = f->esm;
    m->source = cirrus_scenario_lookup(sc, m->source_at, m->source_name, error);
    if (!m->source) return FALSE;
    if (cirrus_speaks(m->source, CIRRUS_SPEAKS_STREAM)) return link_stream(self, f, m, sc, error);
    if (!cirrus_speaks(m->source, CIRRUS_SPEAKS_QUEUE)) {
        cirrus_node_error(m->source_at, error, "event_source '%s' is %s; a mapping reads an sqs queue or a "
                          "kinesis stream", m->source_name, cirrus_component_noun(m->source));
        return FALSE;
    }
    const CirrusQueueSettings settings = cirrus_queue_settings(m->source), *q = &settings;
    if (m->stream_only_at) {
        cirrus_node_error(m->stream_only_at, error, "'%s' applies to Kinesis sources; '%s' is an sqs queue",
                          m->stream_only_key, m->source_name);
        return FALSE;
    }
    if (m->batch_size < 0) m->batch_size = 10;   /* AWS: an SQS mapping's default batch size */
    /* AWS: "When the batch size is greater than 10, you must also set the
     * batching window to at least 1 second." */
    if (m->batch_size > CIRRUS_QUEUE_MAX_BATCH && m->window < CIRRUS_SEC) {
        cirrus_node_error(m->batch_at, error, "a batch_size over %d needs a batching_window of at least 1s, as on "
                          "AWS (a receive returns at most %d messages)", CIRRUS_QUEUE_MAX_BATCH, CIRRUS_QUEUE_MAX_BATCH);
        return FALSE;
    }
    /* AWS refuses to create the mapping: "Queue visibility timeout: X
     * seconds is less than Function timeout: Y seconds". */
    if (q->visibility_timeout < f->timeout) {
        cirrus_node_error(m->source_at, error, "the visibility timeout of queue '%s' (%g s) is shorter than the "
                          "function's timeout (%g s); AWS refuses such a mapping, since a message would be "
                          "received again while still being processed (AWS recommends 6 x the timeout)",
                          m->source_name, cirrus_time_to_s(q->visibility_timeout), cirrus_time_to_s(f->timeout));
        return FALSE;
    }
    if (q->fifo && m->batch_size > MAX_BATCH_FIFO) {
        cirrus_node_error(m->batch_at, error, "batch_size for a FIFO queue is at most %d (AWS), got %" G_GINT64_FORMAT,
                          MAX_BATCH_FIFO, m->batch_size);
        return FALSE;
    }
    if (q->fifo && m->window > 0) {
        cirrus_node_error(m->window_at, error, "AWS does not support a batching window for FIFO queues");
        return FALSE;
    }
    return TRUE;
}

void lambda_esm_free(Lambda *f)
{
    LambdaEsm *m = f->esm;
    if (!m) return;
    g_free(m->source_name);
    g_free(m->stream_cfg.on_failure_name);
    if (m->stream) lambda_stream_free(m->stream);
    if (m->pollers) g_array_free(m->pollers, TRUE);
    g_free(m);
    f->esm = NULL;
}

/* ---- polling ------------------------------------------------------------ */

static void receive(CirrusComponent *self, LambdaEsm *m, guint i)
{
    Poller *p = poller(m, i);
    CirrusTime now = cirrus_now(self);
    guint want = (guint)MIN((gint64)CIRRUS_QUEUE_MAX_BATCH, m->batch_size - p->count);
    CirrusTime wait = LONG_POLL_MS * CIRRUS_MS;
    if (p->count > 0) wait = MIN(wait, p->window_end - now);   /* gathering: only what is left of the window */
    p->state = POLLER_RECEIVING;
    cirrus_queue_receive(self, m->source, i, want, wait);
}

static void set_running(CirrusComponent *self, LambdaEsm *m, gint64 delta)
{
    m->running += delta;
    cirrus_metric_gauge(self, m->m_pollers, (double)m->running);
}

static void start_pollers(CirrusComponent *self, LambdaEsm *m, gint64 n)
{
    for (guint i = 0; i < m->pollers->len && n > 0; i++) {
        if (poller(m, i)->state != POLLER_STOPPED) continue;
        set_running(self, m, 1);
        receive(self, m, i);
        n--;
    }
}

static void stop_poller(CirrusComponent *self, LambdaEsm *m, guint i)
{
    poller(m, i)->state = POLLER_STOPPED;
    set_running(self, m, -1);
}

void lambda_esm_start(CirrusComponent *self, Lambda *f)
{
    LambdaEsm *m = f->esm;
    if (m->stream) {
        lambda_stream_start(self, m->stream);
        return;
    }
    start_pollers(self, m, m->initial);
    cirrus_schedule(self, CIRRUS_MIN, LAMBDA_ESM_SCALE, NULL, 0);
}

/* Once a minute: scale up while messages are still available. */
static void on_scale(CirrusComponent *self, LambdaEsm *m)
{
    gint64 target = m->running - m->to_stop;
    if (m->minute_full && !m->minute_empty && target < m->max_pollers) {
        gint64 more = MIN(m->per_minute, m->max_pollers - target), cancel = MIN(more, m->to_stop);
        m->to_stop -= cancel;
        start_pollers(self, m, more - cancel);
    } else if (!m->minute_full) {
        gint64 keep = MAX(m->initial, m->minute_peak + (m->minute_peak + 3) / 4);
        if (target > keep) m->to_stop += target - keep;
    }
    m->minute_peak = m->invoking;
    m->minute_full = m->minute_empty = FALSE;
    cirrus_schedule(self, CIRRUS_MIN, LAMBDA_ESM_SCALE, NULL, 0);
}

/* Whether poller i, between two receives, is one of those to stop. */
static gboolean stopping(CirrusComponent *self, LambdaEsm *m, guint i)
{
    if (m->to_stop == 0) return FALSE;
    m->to_stop--;
    stop_poller(self, m, i);
    return TRUE;
}

/* After an empty receive or a throttle: fewer pollers, down to `initial`. */
static void idle_or_stop(CirrusComponent *self, LambdaEsm *m, guint i, CirrusTime pause)
{
    if (stopping(self, m, i)) return;
    if (m->running - m->to_stop > m->initial) stop_poller(self, m, i);
    else if (pause > 0) {
        poller(m, i)->state = POLLER_PAUSED;
        cirrus_schedule(self, pause, LAMBDA_ESM_RESUME, NULL, i);
    } else receive(self, m, i);
}

static void invoke(CirrusComponent *self, Lambda *f, LambdaEsm *m, guint i)
{
    Poller *p = poller(m, i);
    CirrusRequest *inv = cirrus_request_new(self);
    inv->caller.word = i;
    cirrus_batch_link(inv, p->first);
    inv->size = p->bytes;
    inv->invocation = CIRRUS_INVOKE_SYNC;
    guint records = p->count;
    p->first = p->last = NULL;
    p->count = 0;
    p->bytes = 0;
    p->state = POLLER_INVOKING;
    m->invoking++;
    m->minute_peak = MAX(m->minute_peak, m->invoking);
    cirrus_metric_count(self, m->m_invoked, records);
    CirrusOutcome started = lambda_invoke(self, f, inv, m->per_record ? records : 1);
    if (started != CIRRUS_OUTCOME_OK) lambda_esm_invoked(self, f, inv, started);
}

static void on_messages(CirrusComponent *self, Lambda *f, LambdaEsm *m, const CirrusEvent *ev)
{
    CirrusQueueReceived got = cirrus_queue_received(self, ev);
    CirrusRequest *msg = got.messages;
    guint i = (guint)got.who;
    Poller *p = poller(m, i);
    CirrusTime now = cirrus_now(self);
    g_assert(p->state == POLLER_RECEIVING);
    if (got.count > 0) {
        if (got.flags & CIRRUS_QUEUE_MORE) m->minute_full = TRUE;
        cirrus_metric_count(self, m->m_polled, got.count);
        if (p->count == 0) p->window_end = now + m->window;
        if (p->last) cirrus_batch_link(p->last, msg);   /* this receive's chain goes after the batch so far */
        else p->first = msg;
        for (; msg; msg = cirrus_batch_next(msg)) {
            p->bytes += msg->size;
            p->count++;
            p->last = msg;
        }
        /* Invoke when the batch is full, the window is over, or the
         * payload is at its limit; else gather more. */
        if ((gint64)p->count >= m->batch_size || now >= p->window_end || p->bytes >= MAX_PAYLOAD)
            invoke(self, f, m, i);
        else
            receive(self, m, i);
        return;
    }
    if (p->count > 0) {   /* the window ran out while gathering */
        invoke(self, f, m, i);
        return;
    }
    if (got.flags & CIRRUS_QUEUE_FAILED) {
        idle_or_stop(self, m, i, ERROR_PAUSE);
        return;
    }
    m->minute_empty = TRUE;
    idle_or_stop(self, m, i, 0);
}

/* The invocation of a batch is over (or never began): delete the messages
 * on success, else leave them to come back after the visibility timeout. */
void lambda_esm_invoked(CirrusComponent *self, Lambda *f, CirrusRequest *inv, CirrusOutcome outcome)
{
    LambdaEsm *m = f->esm;
    if (m->stream) {
        lambda_stream_invoked(self, m->stream, inv, outcome);
        return;
    }
    guint i = (guint)inv->caller.word, n = 0;
    CirrusRequest *msg = cirrus_batch_next(inv);
    for (CirrusRequest *r = msg; r; r = cirrus_batch_next(r)) n++;
    /* AWS deletes a successful batch with DeleteMessageBatch; a failed
     * one comes back when its visibility timeout ends. */
    if (outcome == CIRRUS_OUTCOME_OK) cirrus_queue_delete_batch(self, m->source, msg);
    else cirrus_queue_abandon(self, msg);
    cirrus_batch_link(inv, NULL);
    cirrus_request_free(self, inv);
    m->invoking--;
    cirrus_metric_count(self, outcome == CIRRUS_OUTCOME_OK ? m->m_deleted : m->m_failed, n);
    if (outcome == CIRRUS_OUTCOME_THROTTLED) idle_or_stop(self, m, i, CIRRUS_SEC);
    else if (!stopping(self, m, i)) receive(self, m, i);
}

gboolean lambda_esm_owns(const Lambda *f, const CirrusComponent *self, const CirrusRequest *req)
{
    return f->esm && req->origin == self;
}

gboolean lambda_esm_handle(CirrusComponent *self, Lambda *f, const CirrusEvent *ev)
{
    LambdaEsm *m = f->esm;
    if (!m) return FALSE;
    if (m->stream) return lambda_stream_handle(self, m->stream, ev);
    switch (ev->kind) {
    case CIRRUS_QUEUE_MESSAGES: on_messages(self, f, m, ev); return TRUE;
    case LAMBDA_ESM_SCALE: on_scale(self, m); return TRUE;
    case LAMBDA_ESM_RESUME:
        if (!stopping(self, m, (guint)ev->data)) receive(self, m, (guint)ev->data);
        return TRUE;
    default: return FALSE;
    }
}
