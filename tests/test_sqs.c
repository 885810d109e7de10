/* cirrus — the `sqs` model against numbers.
 *
 * Exact rules (visibility, deletes, ChangeMessageVisibility, retention,
 * delay, size, DLQ, polling, batches, FIFO ordering, deduplication and
 * throughput) are asserted exactly with a test-only `consumer` model that
 * plays both sides of models/protocol/queue.h at chosen instants:
 *
 *   - {name: c, type: consumer, queue: q, actions: [...], loop: {...}}
 *
 * Each action is a map with `at` and `do`:
 *   send     count (1), size (1KB), client (0: the FIFO message group),
 *            tag (0: an explicit deduplication id), created (default:
 *            now) and attempt (0): a retry repeats created with attempt 1
 *   receive  max (1), wait (absent: the queue's receive_wait)
 *   delete   msg: the index of a delivery in the log (its receipt handle)
 *   change   msg, seconds: ChangeMessageVisibility
 *   cancel   poll: the index of an earlier receive action
 *   query    attr: visible | not_visible | delayed | oldest
 * and `loop` runs `workers` consumers from `start`, each receiving (max,
 * wait), working `service_time` per message, deleting it (unless
 * `delete: false`) and receiving again; after an empty answer that did not
 * wait (a short poll) it pauses `pause` first.
 *
 * Everything that comes back is logged with its exact time: deliveries
 * (receipt handle, ApproximateReceiveCount - 1, creation time, client),
 * answers to receives (count, flags), replies to sends (outcome) and
 * attribute values.
 *
 * The statistical test (Little's law and M/M/c for a queue with a Poisson
 * producer and a pool of long-polling workers) derives its tolerance from
 * per-minute batch means, as tests/test_lambda.c does. */
#include "testutil.h"
#include "models/protocol/attributes.h"
#include "models/aws/globals.h"
#include "models/protocol/queue.h"
#include "models/service/service.h"
#include "models/sqs/sqs.h"
#include "models/workload/workload.h"
#include "sim/kernel/error.h"

/* ---- the consumer ---------------------------------------------------------- */

enum { C_ACTION = CIRRUS_EVENT_MODEL, C_DONE, C_POLL };
typedef enum { A_SEND, A_RECEIVE, A_DELETE, A_CHANGE, A_CANCEL, A_QUERY } ActionKind;

typedef struct {
    CirrusTime at, created, wait;   /* created -1: now; wait -1: the queue's */
    ActionKind kind;
    gint64 count, size, client, tag, attempt, max, msg, seconds, poll;
    int attr;
} Action;

typedef struct { CirrusTime t; guint64 handle; guint attempt; CirrusTime created; guint64 client; gint64 poll; guint64 attributes; } Delivery;
typedef struct { CirrusTime t; gint64 poll; guint count, flags; } Answer;
typedef struct { CirrusTime t; int outcome; } Reply;
typedef struct { CirrusTime t; int attr; guint64 value; } Attr;

typedef struct {
    CirrusRequest *current;   /* the message being worked on (its batch chain: the rest) */
} Worker;

typedef struct {
    const CirrusNode *queue_at;
    char *queue_name;
    CirrusComponent *queue;
    GArray *actions;          /* Action */
    GArray *polls;            /* guint64: the id of each receive action's poll */
    /* loop */
    gint64 workers, loop_max;
    CirrusTime loop_wait, pause, start;
    gboolean delete_after;
    CirrusDist service;
    CirrusRng rng;
    Worker *worker;
    /* logs */
    GArray *deliveries, *answers, *replies, *attrs;
} Consumer;

static gboolean read_action(Consumer *c, CirrusNode *a, GError **error)
{
    static const char *const kinds[] = {"send", "receive", "delete", "change", "cancel", "query", NULL};
    static const char *const attrs[] = {"visible", "not_visible", "delayed", "oldest", NULL};
    Action x = {0};
    int kind;
    if (!cirrus_cfg_duration(a, "at", 0, 0, CIRRUS_TIME_NEVER, &x.at, error) ||
        !cirrus_cfg_enum(a, "do", kinds, 0, &kind, error) ||
        !cirrus_cfg_int(a, "count", 1, 1, 100000, &x.count, error) ||
        !cirrus_cfg_size(a, "size", 1024, &x.size, error) ||
        !cirrus_cfg_int(a, "client", 0, 0, G_MAXINT64, &x.client, error) ||
        !cirrus_cfg_int(a, "tag", 0, 0, G_MAXINT64, &x.tag, error) ||
        !cirrus_cfg_duration(a, "created", -1, -1, CIRRUS_TIME_NEVER, &x.created, error) ||
        !cirrus_cfg_int(a, "attempt", 0, 0, 100, &x.attempt, error) ||
        !cirrus_cfg_int(a, "max", 1, 1, CIRRUS_QUEUE_MAX_BATCH, &x.max, error) ||
        !cirrus_cfg_duration(a, "wait", -1, -1, CIRRUS_QUEUE_MAX_WAIT_MS * CIRRUS_MS, &x.wait, error) ||
        !cirrus_cfg_int(a, "msg", 0, 0, G_MAXINT64, &x.msg, error) ||
        !cirrus_cfg_int(a, "seconds", 0, 0, CIRRUS_QUEUE_MAX_VISIBILITY_S + 1, &x.seconds, error) ||
        !cirrus_cfg_int(a, "poll", 0, 0, G_MAXINT64, &x.poll, error) ||
        !cirrus_cfg_enum(a, "attr", attrs, 0, &x.attr, error))
        return FALSE;
    x.kind = (ActionKind)kind;
    g_array_append_val(c->actions, x);
    return TRUE;
}

static gboolean consumer_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    Consumer *c = state;
    const char *queue;
    CirrusNode *actions, *loop;
    (void)self;
    c->actions = g_array_new(FALSE, TRUE, sizeof(Action));
    c->polls = g_array_new(FALSE, FALSE, sizeof(guint64));
    c->deliveries = g_array_new(FALSE, FALSE, sizeof(Delivery));
    c->answers = g_array_new(FALSE, FALSE, sizeof(Answer));
    c->replies = g_array_new(FALSE, FALSE, sizeof(Reply));
    c->attrs = g_array_new(FALSE, FALSE, sizeof(Attr));
    cirrus_dist_constant(&c->service, 0);
    if (!cirrus_cfg_string(cfg, "queue", NULL, &queue, error) || !cirrus_cfg_list(cfg, "actions", &actions, error) ||
        !cirrus_cfg_map(cfg, "loop", &loop, error) ||
        !cirrus_cfg_int(loop, "workers", 0, 0, 100000, &c->workers, error) ||
        !cirrus_cfg_int(loop, "max", 1, 1, CIRRUS_QUEUE_MAX_BATCH, &c->loop_max, error) ||
        !cirrus_cfg_duration(loop, "wait", -1, -1, CIRRUS_QUEUE_MAX_WAIT_MS * CIRRUS_MS, &c->loop_wait, error) ||
        !cirrus_cfg_duration(loop, "pause", CIRRUS_SEC, 0, CIRRUS_TIME_NEVER, &c->pause, error) ||
        !cirrus_cfg_duration(loop, "start", 0, 0, CIRRUS_TIME_NEVER, &c->start, error) ||
        !cirrus_cfg_bool(loop, "delete", TRUE, &c->delete_after, error) ||
        (loop && cirrus_node_peek(loop, "service_time") && !cirrus_cfg_dist(loop, "service_time", NULL, &c->service, error)))
        return FALSE;
    for (guint i = 0; actions && i < cirrus_node_len(actions); i++)
        if (!read_action(c, cirrus_node_item(actions, i), error)) return FALSE;
    c->queue_name = g_strdup(queue);
    c->queue_at = cirrus_node_peek(cfg, "queue");
    return TRUE;
}

static gboolean consumer_link(CirrusComponent *self, void *state, CirrusScenario *sc, GError **error)
{
    Consumer *c = state;
    (void)self;
    c->queue = cirrus_scenario_lookup(sc, c->queue_at, c->queue_name, error);
    return c->queue != NULL;
}

static CirrusTime wait_arg(CirrusTime wait) { return wait < 0 ? CIRRUS_QUEUE_WAIT_DEFAULT : wait; }

static void worker_poll(CirrusComponent *self, Consumer *c, gint64 w)
{
    cirrus_queue_receive(self, c->queue, G_GUINT64_CONSTANT(1) << 40 | (guint64)w, (guint)c->loop_max,
                         wait_arg(c->loop_wait));
}

static void consumer_start(CirrusComponent *self, void *state)
{
    Consumer *c = state;
    cirrus_component_substream(self, "service", &c->rng);
    for (guint i = 0; i < c->actions->len; i++)
        cirrus_schedule(self, g_array_index(c->actions, Action, i).at, C_ACTION, NULL, i);
    c->worker = g_new0(Worker, c->workers);
    for (gint64 w = 0; w < c->workers; w++) cirrus_schedule(self, c->start, C_POLL, NULL, (guint64)w);
}

static guint64 handle_of(Consumer *c, gint64 k)
{
    g_assert_cmpint(k, <, c->deliveries->len);
    return g_array_index(c->deliveries, Delivery, k).handle;
}

static void do_action(CirrusComponent *self, Consumer *c, const Action *a)
{
    CirrusTime now = cirrus_now(self);
    switch (a->kind) {
    case A_SEND:
        for (gint64 i = 0; i < a->count; i++) {
            CirrusRequest *r = cirrus_request_new(self);
            r->invocation = CIRRUS_INVOKE_ASYNC;
            r->size = a->size;
            r->client = (guint64)a->client;
            cirrus_request_data(r)->ref.dedup_id = (guint64)a->tag;
            r->attempt = (guint32)a->attempt;
            if (a->created >= 0) r->created = a->created;
            cirrus_send(self, c->queue, r, 0);
        }
        break;
    case A_RECEIVE: {
        guint64 id = cirrus_queue_receive(self, c->queue, c->polls->len, (guint)a->max, wait_arg(a->wait));
        g_array_append_val(c->polls, id);
        break;
    }
    case A_DELETE: cirrus_queue_delete(self, c->queue, handle_of(c, a->msg)); break;
    case A_CHANGE: cirrus_queue_change_visibility(self, c->queue, handle_of(c, a->msg), (guint)a->seconds); break;
    case A_CANCEL: cirrus_queue_cancel(self, c->queue, g_array_index(c->polls, guint64, a->poll)); break;
    case A_QUERY: cirrus_queue_query(self, c->queue, (CirrusQueueAttr)a->attr); break;
    }
    (void)now;
}

/* Work on the worker's current message, or ask for more. */
static void worker_next(CirrusComponent *self, Consumer *c, gint64 w)
{
    Worker *k = &c->worker[w];
    if (k->current) {
        double s = cirrus_dist_sample(&c->service, &c->rng);
        cirrus_schedule(self, cirrus_time_from_s(s), C_DONE, NULL, (guint64)w);
    } else {
        worker_poll(self, c, w);
    }
}

static void on_messages(CirrusComponent *self, Consumer *c, const CirrusEvent *ev)
{
    CirrusQueueReceived got = cirrus_queue_received(self, ev);
    guint n = got.count, flags = got.flags;
    gboolean looped = (got.who >> 40) != 0;
    gint64 which = looped ? -1 - (gint64)(got.who & 0xFFFFFFFFu) : (gint64)got.who;
    Answer a = { cirrus_now(self), which, n, flags };
    g_array_append_val(c->answers, a);
    guint seen = 0;
    for (CirrusRequest *m = got.messages; m; m = cirrus_batch_next(m), seen++) {
        Delivery d = { cirrus_now(self), cirrus_request_data(m)->ref.receipt, m->attempt, m->created, m->client, which, cirrus_request_data(m)->attributes };
        g_assert_true(m->arrived == cirrus_now(self));
        g_array_append_val(c->deliveries, d);
    }
    g_assert_cmpuint(seen, ==, n);
    if (!looped) {
        cirrus_queue_abandon(self, got.messages);
        return;
    }
    gint64 w = (gint64)(got.who & 0xFFFFFFFFu);
    c->worker[w].current = got.messages;
    if (cirrus_queue_should_pause(&got)) {
        cirrus_schedule(self, c->pause, C_POLL, NULL, (guint64)w);
        return;
    }
    worker_next(self, c, w);
}

static void on_done(CirrusComponent *self, Consumer *c, gint64 w)
{
    Worker *k = &c->worker[w];
    CirrusRequest *m = k->current;
    k->current = cirrus_batch_next(m);
    if (c->delete_after) cirrus_queue_delete(self, c->queue, cirrus_queue_receipt(m));
    cirrus_request_free(self, m);
    worker_next(self, c, w);
}

static void consumer_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    Consumer *c = state;
    switch (ev->kind) {
    case C_ACTION: do_action(self, c, &g_array_index(c->actions, Action, ev->data)); break;
    case C_POLL: worker_poll(self, c, (gint64)ev->data); break;
    case C_DONE: on_done(self, c, (gint64)ev->data); break;
    case CIRRUS_QUEUE_MESSAGES: on_messages(self, c, ev); break;
    case CIRRUS_QUEUE_ATTRIBUTE: {
        CirrusQueueAttribute got = cirrus_queue_attribute(ev);
        Attr a = { cirrus_now(self), got.attr, got.value };
        g_array_append_val(c->attrs, a);
        break;
    }
    case CIRRUS_EVENT_REPLY: {
        Reply r = { cirrus_now(self), ev->request->outcome };
        g_array_append_val(c->replies, r);
        cirrus_request_free(self, ev->request);
        break;
    }
    default: g_assert_not_reached();
    }
}

static void consumer_destroy(CirrusComponent *self, void *state)
{
    Consumer *c = state;
    (void)self;
    g_free(c->queue_name);
    g_free(c->worker);
    cirrus_dist_clear(&c->service);
    if (c->actions) g_array_free(c->actions, TRUE);
    if (c->polls) g_array_free(c->polls, TRUE);
    if (c->deliveries) g_array_free(c->deliveries, TRUE);
    if (c->answers) g_array_free(c->answers, TRUE);
    if (c->replies) g_array_free(c->replies, TRUE);
    if (c->attrs) g_array_free(c->attrs, TRUE);
}

static const CirrusModelType consumer_type = {
    .name = "consumer", .state_size = sizeof(Consumer), .configure = consumer_configure, .link = consumer_link,
    .start = consumer_start, .handle = consumer_handle, .destroy = consumer_destroy,
    .metrics = (const CirrusMetricDef[]){{NULL, 0, NULL}},
    .protocols = &test_takes_requests,
};

static const CirrusModelType *const test_types[] = {
    &cirrus_workload_type, &cirrus_service_type, &cirrus_sqs_type, &consumer_type, NULL,
};

static const CirrusRegistry test_registry = {
    .types = test_types, .workload_type = "workload", .read_globals = cirrus_globals_read, .prepare = cirrus_models_prepare,
};

static TestRun *run(const char *text)
{
    return test_run_with(text, &test_registry, NULL, CIRRUS_PES_DEFAULT);
}

/* ---- helpers ------------------------------------------------------------- */

#define S(x) ((CirrusTime)((x) * CIRRUS_SEC))

static Consumer *consumer(TestRun *r, const char *name)
{
    return cirrus_component_state(cirrus_sim_find(r->sim, name));
}


static const Delivery *delivery(Consumer *c, guint i)
{
    g_assert_cmpuint(i, <, c->deliveries->len);
    return &g_array_index(c->deliveries, Delivery, i);
}

static const Answer *answer_at(Consumer *c, guint i)
{
    g_assert_cmpuint(i, <, c->answers->len);
    return &g_array_index(c->answers, Answer, i);
}

static const Attr *attr_at(Consumer *c, guint i)
{
    g_assert_cmpuint(i, <, c->attrs->len);
    return &g_array_index(c->attrs, Attr, i);
}

static void assert_delivery(Consumer *c, guint i, CirrusTime t, guint attempt)
{
    const Delivery *d = delivery(c, i);
    g_test_message("delivery %u at %.3f s, receive count %u", i, cirrus_time_to_s(d->t), d->attempt + 1);
    g_assert_cmpint(d->t, ==, t);
    g_assert_cmpuint(d->attempt, ==, attempt);
}

/* The attribute values the consumer was answered, in order. */
#define ASSERT_ATTRS(c, ...) do { \
        static const guint64 want_[] = {__VA_ARGS__}; \
        g_assert_cmpuint((c)->attrs->len, ==, G_N_ELEMENTS(want_)); \
        for (guint i_ = 0; i_ < G_N_ELEMENTS(want_); i_++) g_assert_cmpuint(attr_at((c), i_)->value, ==, want_[i_]); \
    } while (0)

/* A count series is 1 in the rows (of `width` s) that start at the `n`
 * times `at` and 0 in every other row. */
static void assert_ones_at(TestRun *r, const char *component, const char *metric, double width, const double *at,
                           guint n)
{
    char *group = g_strconcat("/components/", component, NULL);
    guint col = test_series(r, group, metric);
    g_free(group);
    for (guint i = 0; i < test_n_rows(r); i++) {
        double start = g_array_index(r->times, double, i) - width, want = 0;
        for (guint k = 0; k < n; k++) want += start == at[k];
        g_assert_cmpfloat(test_value(r, i, col), ==, want);
    }
}

static void assert_agrees(const char *what, double sim, double theory, double se, double bar)
{
    g_test_message("%s: simulated %.6g, theory %.6g (%+.2f%%), 4 SE = %.2f%% (bar %.0f%%)", what, sim, theory,
                   100 * (sim - theory) / theory, 400 * se / theory, 100 * bar);
    g_assert_cmpfloat(4 * se, <, bar * theory);
    g_assert_cmpfloat(fabs(sim - theory), <=, 4 * se);
}

#define QUEUE_HEAD "name: t\nduration: %s\nsample_interval: 1s\ncomponents:\n  - {name: q, type: sqs%s}\n"

static TestRun *run_queue(const char *duration, const char *queue_keys, const char *rest)
{
    char *head = g_strdup_printf(QUEUE_HEAD, duration, queue_keys);
    char *text = g_strconcat(head, rest, NULL);
    TestRun *r = run(text);
    g_free(head);
    g_free(text);
    return r;
}

/* ---- visibility ---------------------------------------------------------- */

/* A received, undeleted message is received again exactly
 * visibility_timeout after each receive: sent at 0 s, received at 1 s (short
 * poll), visible again at 11 s, where a long poll waiting since 2 s gets it
 * (receive count 2), and again at 21 s (3); deleted at 22 s, it never
 * returns: a long poll from 23 s comes back empty at 43 s.  Three receives,
 * two of them duplicates. */
static void test_visibility_timeout(void)
{
    TestRun *r = run_queue("60s", ", visibility_timeout: 10s",
        "  - {name: c, type: consumer, queue: q, actions: [\n"
        "     {at: 0s, do: send}, {at: 1s, do: receive, wait: 0s}, {at: 2s, do: receive, wait: 20s},\n"
        "     {at: 12s, do: receive, wait: 20s}, {at: 22s, do: delete, msg: 2}, {at: 23s, do: receive, wait: 20s}]}\n");
    Consumer *c = consumer(r, "c");
    g_assert_cmpuint(c->deliveries->len, ==, 3);
    assert_delivery(c, 0, S(1), 0);
    assert_delivery(c, 1, S(11), 1);
    assert_delivery(c, 2, S(21), 2);
    for (guint i = 0; i < 3; i++) g_assert_cmpint(delivery(c, i)->created, ==, 0);
    g_assert_cmpuint(c->answers->len, ==, 4);
    g_assert_cmpint(answer_at(c, 3)->t, ==, S(43));
    g_assert_cmpuint(answer_at(c, 3)->count, ==, 0);
    g_assert_cmpfloat(test_sum(r, "q", "NumberOfMessagesReceived"), ==, 3);
    g_assert_cmpfloat(test_sum(r, "q", "DuplicateDeliveries"), ==, 2);
    g_assert_cmpfloat(test_sum(r, "q", "NumberOfMessagesDeleted"), ==, 1);
    g_assert_cmpfloat(test_sum(r, "q", "NumberOfEmptyReceives"), ==, 1);
    /* WaitTime: only the first receive, 1 s after the send. */
    CirrusMetricSummary w = test_summary(r, "q", "WaitTime");
    g_assert_cmpuint(w.latency->count, ==, 1);
    test_run_free(r);
}

/* AWS: a message deleted with the handle of an earlier receive is still
 * deleted.  Received at 1 s (handle 0) and at 12 s (handle 1); deleted with
 * handle 0 at 13 s: it does not come back at 22 s (a long poll from 13.5 s
 * ends empty at 33.5 s).  A second delete with either handle is ignored. */
static void test_delete_old_handle(void)
{
    TestRun *r = run_queue("60s", ", visibility_timeout: 10s",
        "  - {name: c, type: consumer, queue: q, actions: [\n"
        "     {at: 0s, do: send}, {at: 1s, do: receive, wait: 0s}, {at: 12s, do: receive, wait: 0s},\n"
        "     {at: 13s, do: delete, msg: 0}, {at: 13250ms, do: delete, msg: 0}, {at: 13300ms, do: delete, msg: 1},\n"
        "     {at: 13500ms, do: receive, wait: 20s}]}\n");
    Consumer *c = consumer(r, "c");
    g_assert_cmpuint(c->deliveries->len, ==, 2);
    assert_delivery(c, 1, S(12), 1);
    g_assert_cmpint(answer_at(c, 2)->t, ==, S(33.5));
    g_assert_cmpuint(answer_at(c, 2)->count, ==, 0);
    g_assert_cmpfloat(test_sum(r, "q", "NumberOfMessagesDeleted"), ==, 1);
    g_assert_cmpfloat(test_summary(r, "q", "ApproximateNumberOfMessagesNotVisible").last, ==, 0);
    g_assert_cmpfloat(test_summary(r, "q", "ApproximateNumberOfMessagesVisible").last, ==, 0);
    test_run_free(r);
}

/* ChangeMessageVisibility (visibility timeout 30 s, received at 1 s):
 *   extend: at 20 s to 60 s: visible at 80 s, not 31 s;
 *   release: 0 s at 5 s: a long poll waiting since 2 s gets it at 5 s;
 *   with an older receipt handle: refused;
 *   12 h: at 10 s, 43,191 s takes it to exactly 12 h after the receive
 *   (allowed); at 12 s, 43,200 s would pass that (refused): visible at
 *   12 h + 1 s. */
static void test_change_visibility(void)
{
    TestRun *r = run_queue("2m", ", visibility_timeout: 30s",
        "  - {name: c, type: consumer, queue: q, actions: [\n"
        "     {at: 0s, do: send}, {at: 1s, do: receive, wait: 0s}, {at: 20s, do: change, msg: 0, seconds: 60},\n"
        "     {at: 25s, do: receive, wait: 20s}, {at: 70s, do: receive, wait: 20s}]}\n");
    Consumer *c = consumer(r, "c");
    g_assert_cmpuint(c->deliveries->len, ==, 2);
    assert_delivery(c, 1, S(80), 1);
    g_assert_cmpint(answer_at(c, 1)->t, ==, S(45));
    g_assert_cmpuint(answer_at(c, 1)->count, ==, 0);
    test_run_free(r);

    r = run_queue("1m", ", visibility_timeout: 30s",
        "  - {name: c, type: consumer, queue: q, actions: [\n"
        "     {at: 0s, do: send}, {at: 1s, do: receive, wait: 0s}, {at: 2s, do: receive, wait: 20s},\n"
        "     {at: 5s, do: change, msg: 0, seconds: 0}]}\n");
    c = consumer(r, "c");
    g_assert_cmpuint(c->deliveries->len, ==, 2);
    assert_delivery(c, 1, S(5), 1);
    test_run_free(r);

    /* The older handle: received at 1 s and (after 10 s) at 12 s; a change
     * with handle 0 at 13 s to 0 s is refused; the latest receive's 10 s
     * timeout holds, and the poll from 14 s gets it at 22 s. */
    r = run_queue("1m", ", visibility_timeout: 10s",
        "  - {name: c, type: consumer, queue: q, actions: [\n"
        "     {at: 0s, do: send}, {at: 1s, do: receive, wait: 0s}, {at: 12s, do: receive, wait: 0s},\n"
        "     {at: 13s, do: change, msg: 0, seconds: 0}, {at: 14s, do: receive, wait: 20s}]}\n");
    c = consumer(r, "c");
    g_assert_cmpuint(c->deliveries->len, ==, 3);
    assert_delivery(c, 2, S(22), 2);
    test_run_free(r);

    r = run_queue("13h", ", visibility_timeout: 30s",
        "  - {name: c, type: consumer, queue: q, actions: [\n"
        "     {at: 0s, do: send}, {at: 1s, do: receive, wait: 0s}, {at: 10s, do: change, msg: 0, seconds: 43191},\n"
        "     {at: 12s, do: change, msg: 0, seconds: 43200}, {at: 12s, do: change, msg: 0, seconds: 43201},\n"
        "     {at: 43200500ms, do: query, attr: not_visible}, {at: 43201s, do: query, attr: not_visible},\n"
        "     {at: 43201s, do: query, attr: visible}]}\n");
    c = consumer(r, "c");
    g_assert_cmpuint(c->attrs->len, ==, 3);
    ASSERT_ATTRS(c, 1, 0, 1);
    test_run_free(r);
}

/* ---- retention, delay, size ---------------------------------------------- */

/* Retention 60 s.  Messages sent at 0 s and 10 s expire at exactly 60 s
 * and 70 s (MessagesExpired in those rows only); the first was received at
 * 11 s and visible again at 16 s, and its receipt handle is stale after
 * the expiry (a delete at 71 s deletes nothing).  A message in flight
 * (visibility 1 h) expires just the same. */
static void test_retention(void)
{
    TestRun *r;
    Consumer *c;
    r = run_queue("2m", ", retention: 60s, visibility_timeout: 5s",
        "  - {name: c, type: consumer, queue: q, actions: [\n"
        "     {at: 0s, do: send}, {at: 10s, do: send, client: 1}, {at: 11s, do: receive, wait: 0s, max: 1},\n"
        "     {at: 59999ms, do: query, attr: visible}, {at: 60s, do: query, attr: visible},\n"
        "     {at: 70s, do: query, attr: visible}, {at: 71s, do: delete, msg: 0}]}\n");
    c = consumer(r, "c");
    ASSERT_ATTRS(c, 2, 1, 0);
    g_assert_cmpfloat(test_sum(r, "q", "MessagesExpired"), ==, 2);
    assert_ones_at(r, "q", "MessagesExpired", 1, (const double[]){60, 70}, 2);
    g_assert_cmpfloat(test_sum(r, "q", "NumberOfMessagesDeleted"), ==, 0);   /* the handle of 71 s is stale */
    test_run_free(r);

    /* The same with an in-flight message: received at 11 s for 1 h, it
     * still expires at 60 s. */
    r = run_queue("2m", ", retention: 60s, visibility_timeout: 1h",
        "  - {name: c, type: consumer, queue: q, actions: [\n"
        "     {at: 0s, do: send}, {at: 11s, do: receive, wait: 0s},\n"
        "     {at: 59999ms, do: query, attr: not_visible}, {at: 60s, do: query, attr: not_visible}]}\n");
    c = consumer(r, "c");
    ASSERT_ATTRS(c, 1, 0);
    g_assert_cmpfloat(test_sum(r, "q", "MessagesExpired"), ==, 1);
    test_run_free(r);
}

/* Delay 15 min (the most AWS allows): a message sent at 10 s is delayed
 * until exactly 910 s; a long poll waiting from 900 s gets it then. */
static void test_delay(void)
{
    TestRun *r = run_queue("20m", ", delay: 15m",
        "  - {name: c, type: consumer, queue: q, actions: [\n"
        "     {at: 10s, do: send}, {at: 909999ms, do: query, attr: delayed}, {at: 909999ms, do: query, attr: visible},\n"
        "     {at: 900s, do: receive, wait: 20s}, {at: 911s, do: query, attr: delayed}]}\n");
    Consumer *c = consumer(r, "c");
    g_assert_cmpuint(c->deliveries->len, ==, 1);
    assert_delivery(c, 0, S(910), 0);
    ASSERT_ATTRS(c, 1, 0, 0);
    /* WaitTime counts from the send: 900 s. */
    g_assert_cmpint(test_summary(r, "q", "WaitTime").latency->max, ==, S(900));
    test_run_free(r);
}

/* AWS: a message may be up to 256 KiB (262,144 bytes) by default; larger
 * is refused.  max_message_size raises the limit up to 1 MiB. */
static void test_size_limit(void)
{
    TestRun *r = run_queue("10s", "",
        "  - {name: c, type: consumer, queue: q, actions: [\n"
        "     {at: 1s, do: send, size: 262144}, {at: 2s, do: send, size: 262145}, {at: 3s, do: send, size: 1MB}]}\n");
    Consumer *c = consumer(r, "c");
    g_assert_cmpuint(c->replies->len, ==, 3);
    g_assert_cmpint(g_array_index(c->replies, Reply, 0).outcome, ==, CIRRUS_OUTCOME_OK);
    g_assert_cmpint(g_array_index(c->replies, Reply, 1).outcome, ==, CIRRUS_OUTCOME_REJECTED);
    g_assert_cmpint(g_array_index(c->replies, Reply, 2).outcome, ==, CIRRUS_OUTCOME_REJECTED);
    g_assert_cmpfloat(test_sum(r, "q", "NumberOfMessagesSent"), ==, 1);
    g_assert_cmpfloat(test_sum(r, "q", "SendRejected"), ==, 2);
    test_run_free(r);

    r = run_queue("10s", ", max_message_size: 1MB",
        "  - {name: c, type: consumer, queue: q, actions: [{at: 1s, do: send, size: 1MB}]}\n");
    c = consumer(r, "c");
    g_assert_cmpint(g_array_index(c->replies, Reply, 0).outcome, ==, CIRRUS_OUTCOME_OK);
    test_run_free(r);
}

/* ---- dead-letter queue ------------------------------------------------------ */

/* max_receive_count 3, visibility 10 s, a worker that never deletes and
 * long-polls without pause: the message sent at 0 s is received at 0, 10 and
 * 20 s (receive counts 1-3); at 30 s it is visible again and the waiting
 * poll would receive it a 4th time: it moves to the DLQ instead.  The DLQ
 * (retention 60 s) keeps its original enqueue time: it expires there at
 * 60 s, 30 s after it arrived, and its age counts from its arrival. */
static void test_dlq(void)
{
    TestRun *r = run(
        "name: dlq\nduration: 2m\nsample_interval: 1s\n"
        "components:\n"
        "  - {name: q, type: sqs, visibility_timeout: 10s, dlq: {target: dead, max_receive_count: 3}}\n"
        "  - {name: dead, type: sqs, retention: 60s}\n"
        "  - {name: c, type: consumer, queue: q, actions: [{at: 0s, do: send}], loop: {workers: 1, wait: 20s, delete: false}}\n"
        "  - {name: d, type: consumer, queue: dead, actions: [\n"
        "     {at: 45s, do: query, attr: oldest}, {at: 59999ms, do: query, attr: visible}, {at: 60s, do: query, attr: visible}]}\n");
    Consumer *c = consumer(r, "c");
    g_assert_cmpuint(c->deliveries->len, ==, 3);
    for (guint i = 0; i < 3; i++) assert_delivery(c, i, S(10 * i), i);
    g_assert_cmpfloat(test_sum(r, "q", "MessagesMovedToDLQ"), ==, 1);
    g_assert_cmpfloat(test_sum(r, "dead", "MessagesMovedIn"), ==, 1);
    g_assert_cmpfloat(test_sum(r, "dead", "NumberOfMessagesSent"), ==, 0);
    g_assert_cmpfloat(test_sum(r, "dead", "MessagesExpired"), ==, 1);
    Consumer *d = consumer(r, "d");
    ASSERT_ATTRS(d, 15000, 1, 0);
    g_assert_cmpfloat(test_summary(r, "q", "ApproximateNumberOfMessagesVisible").last, ==, 0);
    g_assert_cmpfloat(test_summary(r, "q", "ApproximateNumberOfMessagesNotVisible").last, ==, 0);
    test_run_free(r);

    /* FIFO: the DLQ resets the enqueue time: the message lives there
     * until 30 + 60 = 90 s. */
    r = run(
        "name: dlq-fifo\nduration: 2m\nsample_interval: 1s\n"
        "components:\n"
        "  - {name: q, type: sqs, fifo: true, visibility_timeout: 10s, dlq: {target: dead, max_receive_count: 3}}\n"
        "  - {name: dead, type: sqs, fifo: true, retention: 60s}\n"
        "  - {name: c, type: consumer, queue: q, actions: [{at: 0s, do: send}], loop: {workers: 1, wait: 20s, delete: false}}\n"
        "  - {name: d, type: consumer, queue: dead, actions: [\n"
        "     {at: 89999ms, do: query, attr: visible}, {at: 90s, do: query, attr: visible}]}\n");
    c = consumer(r, "c");
    g_assert_cmpuint(c->deliveries->len, ==, 3);
    d = consumer(r, "d");
    ASSERT_ATTRS(d, 1, 0);
    test_run_free(r);
}

/* Redrive back (StartMessageMoveTask as `move_tasks` on the DLQ).  Five
 * messages are received once at 1 s and dead-lettered at 12 s
 * (max_receive_count 1).  A task at 100 s at 2/s moves them back to their
 * source, one every 0.5 s: at 100, 100.5, ..., 102 s.  They are new
 * messages there: received at 103 s with receive count 1, and their
 * retention (120 s) counts from the move, so they expire at 220-222 s, not
 * 120 s.  A second task due at 101 s, while the first runs, is refused. */
static void test_move_task(void)
{
    TestRun *r = run(
        "name: move\nduration: 4m\nsample_interval: 500ms\n"
        "components:\n"
        "  - {name: q, type: sqs, visibility_timeout: 10s, retention: 120s, dlq: {target: dead, max_receive_count: 1}}\n"
        "  - {name: dead, type: sqs, move_tasks: [{at: 100s, rate: 2/s}, {at: 101s, rate: 1/s}]}\n"
        "  - {name: c, type: consumer, queue: q, actions: [\n"
        "     {at: 0s, do: send, count: 5}, {at: 1s, do: receive, max: 10, wait: 0s}, {at: 12s, do: receive, wait: 0s},\n"
        "     {at: 101001ms, do: query, attr: visible}, {at: 102001ms, do: query, attr: visible},\n"
        "     {at: 103s, do: receive, max: 10, wait: 0s}, {at: 200s, do: query, attr: visible},\n"
        "     {at: 223s, do: query, attr: visible}]}\n");
    g_assert_cmpfloat(test_sum(r, "q", "MessagesMovedToDLQ"), ==, 5);
    g_assert_cmpfloat(test_sum(r, "dead", "MessagesMovedOut"), ==, 5);
    g_assert_cmpfloat(test_sum(r, "dead", "MessageMoveTasksRefused"), ==, 1);
    g_assert_cmpfloat(test_sum(r, "q", "MessagesMovedIn"), ==, 5);
    assert_ones_at(r, "dead", "MessagesMovedOut", 0.5, (const double[]){100, 100.5, 101, 101.5, 102}, 5);
    Consumer *c = consumer(r, "c");
    ASSERT_ATTRS(c, 3, 5, 5, 0);
    g_assert_cmpuint(c->deliveries->len, ==, 10);
    for (guint i = 5; i < 10; i++) assert_delivery(c, i, S(103), 0);
    assert_ones_at(r, "q", "MessagesExpired", 0.5, (const double[]){220, 220.5, 221, 221.5, 222}, 5);
    test_run_free(r);

    /* Without a rate, all at once; to a named destination; messages sent
     * to the DLQ directly have no source and stay without a destination. */
    r = run(
        "name: move-all\nduration: 1m\n"
        "components:\n"
        "  - {name: q, type: sqs, visibility_timeout: 1s, dlq: {target: dead, max_receive_count: 1}}\n"
        "  - {name: dead, type: sqs, move_tasks: [{at: 30s}, {at: 40s, destination: other}]}\n"
        "  - {name: other, type: sqs}\n"
        "  - {name: c, type: consumer, queue: q, actions: [\n"
        "     {at: 0s, do: send, count: 4}, {at: 1s, do: receive, max: 10, wait: 0s}, {at: 5s, do: receive, wait: 0s}]}\n"
        "  - {name: d, type: consumer, queue: dead, actions: [{at: 0s, do: send, count: 3},\n"
        "     {at: 29s, do: query, attr: visible}, {at: 35s, do: query, attr: visible}]}\n");
    Consumer *d = consumer(r, "d");
    ASSERT_ATTRS(d, 7, 3);
    g_assert_cmpfloat(test_sum(r, "q", "MessagesMovedIn"), ==, 4);
    g_assert_cmpfloat(test_sum(r, "other", "MessagesMovedIn"), ==, 3);
    g_assert_cmpfloat(test_summary(r, "dead", "ApproximateNumberOfMessagesVisible").last, ==, 0);
    test_run_free(r);
}

/* ---- polling ----------------------------------------------------------------- */

/* Empty receives of a consumer polling an empty queue (q) for 600.5 s.
 * Short polling (wait 0, a 1 s pause after each empty answer): one a
 * second, at 0 s to 600 s: 601.  Long polling with the queue's receive_wait
 * of 20 s: one per 20 s, 600 / 20 = 30.  Beside it, on q2, a message sent at
 * 77.25 s is received at once by a long poller (WaitTime 0) and at the
 * next whole second by a short poller. */
static void test_polling(void)
{
    static const struct { const char *queue, *loop; double empty; CirrusTime got; } cases[] = {
        {"", "{workers: 1, wait: 0s, pause: 1s}", 601, S(78)},
        {", receive_wait: 20s", "{workers: 1}", 30, S(77.25)},
    };
    for (guint k = 0; k < G_N_ELEMENTS(cases); k++) {
        char *text = g_strdup_printf(
            "name: poll\nduration: 600500ms\nsample_interval: 1s\ncomponents:\n"
            "  - {name: q, type: sqs%s}\n  - {name: q2, type: sqs%s}\n"
            "  - {name: c, type: consumer, queue: q, loop: %s}\n"
            "  - {name: c2, type: consumer, queue: q2, loop: %s, actions: [{at: 77250ms, do: send}]}\n",
            cases[k].queue, cases[k].queue, cases[k].loop, cases[k].loop);
        TestRun *r = run(text);
        g_free(text);
        double empty = test_sum(r, "q", "NumberOfEmptyReceives");
        g_test_message("%s: %.0f empty receives in 600.5 s", k ? "long polling" : "short polling", empty);
        g_assert_cmpfloat(empty, ==, cases[k].empty);
        g_assert_cmpuint(consumer(r, "c")->deliveries->len, ==, 0);
        Consumer *c = consumer(r, "c2");
        g_assert_cmpuint(c->deliveries->len, ==, 1);
        g_assert_cmpint(delivery(c, 0)->t, ==, cases[k].got);
        test_run_free(r);
    }
}

/* A receive returns at most `max` messages, at most 10: 28 visible
 * messages come as 3 (max 3), 10, 10, 5, then an empty short poll. */
static void test_batch(void)
{
    TestRun *r = run_queue("10s", "",
        "  - {name: c, type: consumer, queue: q, actions: [\n"
        "     {at: 0s, do: send, count: 28}, {at: 1s, do: receive, max: 3, wait: 0s},\n"
        "     {at: 2s, do: receive, max: 10, wait: 0s}, {at: 3s, do: receive, max: 10, wait: 0s},\n"
        "     {at: 4s, do: receive, max: 10, wait: 0s}, {at: 5s, do: receive, max: 10, wait: 0s}]}\n");
    Consumer *c = consumer(r, "c");
    static const guint want[] = {3, 10, 10, 5, 0};
    g_assert_cmpuint(c->answers->len, ==, 5);
    for (guint i = 0; i < 5; i++) g_assert_cmpuint(answer_at(c, i)->count, ==, want[i]);
    g_assert_cmpuint(answer_at(c, 4)->flags, ==, CIRRUS_QUEUE_SHORT);
    g_assert_cmpfloat(test_sum(r, "q", "NumberOfMessagesReceived"), ==, 28);
    test_run_free(r);
}

/* QUEUE_CANCEL answers a waiting long poll at once, empty and marked
 * cancelled (not an empty receive); a message sent later is not lost. */
static void test_cancel(void)
{
    TestRun *r = run_queue("30s", "",
        "  - {name: c, type: consumer, queue: q, actions: [\n"
        "     {at: 1s, do: receive, wait: 20s}, {at: 3s, do: cancel, poll: 0}, {at: 4s, do: send},\n"
        "     {at: 5s, do: receive, wait: 0s}]}\n");
    Consumer *c = consumer(r, "c");
    g_assert_cmpint(answer_at(c, 0)->t, ==, S(3));
    g_assert_cmpuint(answer_at(c, 0)->flags, ==, CIRRUS_QUEUE_CANCELLED);
    g_assert_cmpuint(c->deliveries->len, ==, 1);
    assert_delivery(c, 0, S(5), 0);
    g_assert_cmpfloat(test_sum(r, "q", "NumberOfEmptyReceives"), ==, 0);
    test_run_free(r);
}

/* An outage (10 s to 20 s): a long poll waiting at its start is answered
 * at once with an error, and so is a receive during it; a send fails; a
 * delete fails, so the message received at 2 s (visibility 30 s) comes
 * back at 32 s.  A failed receive is an error, not an empty receive
 * (NumberOfEmptyReceives counts calls that succeeded and returned
 * nothing), so none is counted. */
static void test_outage(void)
{
    TestRun *r = run(
        "name: outage\nduration: 1m\nsample_interval: 1s\n"
        "faults: [{at: 10s, kind: outage, component: q, duration: 10s}]\n"
        "components:\n"
        "  - {name: q, type: sqs}\n"
        "  - {name: c, type: consumer, queue: q, actions: [\n"
        "     {at: 0s, do: send}, {at: 2s, do: receive, wait: 20s}, {at: 3s, do: receive, wait: 20s},\n"
        "     {at: 12s, do: send}, {at: 13s, do: receive, wait: 0s}, {at: 14s, do: delete, msg: 0},\n"
        "     {at: 21s, do: send}, {at: 22s, do: receive, max: 10, wait: 0s}, {at: 40s, do: receive, wait: 0s}]}\n");
    Consumer *c = consumer(r, "c");
    g_assert_cmpuint(c->answers->len, ==, 5);
    g_assert_cmpint(answer_at(c, 1)->t, ==, S(10));
    g_assert_cmpuint(answer_at(c, 1)->flags, ==, CIRRUS_QUEUE_FAILED);
    g_assert_cmpint(answer_at(c, 2)->t, ==, S(13));
    g_assert_cmpuint(answer_at(c, 2)->flags, ==, CIRRUS_QUEUE_FAILED);
    g_assert_cmpuint(answer_at(c, 3)->count, ==, 1);   /* 22 s: only the message of 21 s */
    g_assert_cmpuint(c->deliveries->len, ==, 3);
    assert_delivery(c, 2, S(40), 1);                   /* the delete of 14 s failed */
    g_assert_cmpint(g_array_index(c->replies, Reply, 1).outcome, ==, CIRRUS_OUTCOME_FAILED);
    g_assert_cmpint(g_array_index(c->replies, Reply, 2).outcome, ==, CIRRUS_OUTCOME_OK);
    g_assert_cmpfloat(test_sum(r, "q", "NumberOfMessagesSent"), ==, 2);
    g_assert_cmpfloat(test_sum(r, "q", "NumberOfMessagesDeleted"), ==, 0);
    g_assert_cmpfloat(test_sum(r, "q", "NumberOfEmptyReceives"), ==, 0);
    test_run_free(r);
}

/* A message keeps its producer's attributes (models/protocol/attributes.h), also
 * through a dead-letter queue: a workload gives every message kind=a. */
static void test_attributes_kept(void)
{
    TestRun *r = run(
        "name: attrs\nduration: 30s\n"
        "workloads: [{name: u, target: q, invocation: async, arrival: {process: constant, rate: 1/s},\n"
        "             attributes: {kind: {a: 1}}}]\n"
        "components:\n"
        "  - {name: q, type: sqs, visibility_timeout: 1s, dlq: {target: dead, max_receive_count: 1}}\n"
        "  - {name: dead, type: sqs}\n"
        "  - {name: c, type: consumer, queue: q, actions: [{at: 3500ms, do: receive, max: 10, wait: 0s},\n"
        "     {at: 5s, do: receive, max: 10, wait: 0s}]}\n"
        "  - {name: d, type: consumer, queue: dead, actions: [{at: 6s, do: receive, max: 10, wait: 0s}]}\n");
    Consumer *c = consumer(r, "c"), *d = consumer(r, "d");
    g_assert_cmpuint(c->deliveries->len, ==, 4);   /* 1, 2, 3 s at 3.5 s; 4 s at 5 s */
    g_assert_cmpuint(d->deliveries->len, ==, 3);
    guint64 want = delivery(c, 0)->attributes;
    g_assert_cmpuint(cirrus_attr_slot(want, 0), !=, 0);
    g_assert_cmpuint(want >> 8, ==, 0);
    for (guint i = 0; i < 4; i++) g_assert_cmpuint(delivery(c, i)->attributes, ==, want);
    for (guint i = 0; i < 3; i++) g_assert_cmpuint(delivery(d, i)->attributes, ==, want);
    test_run_free(r);
}

/* ---- FIFO ------------------------------------------------------------------- */

/* Group ordering.  Three messages for group 0, two for group 1, sent at
 * 0 s.  Receives of one message: 0/1 at 1 s; 1/1 at 2 s (group 0 is
 * blocked while 0/1 is in flight); nothing at 3 s (both blocked); 0/1 is
 * deleted at 4 s, so 0/2 comes at 5 s.  Then 0/2 is not deleted: after its
 * 30 s timeout (35 s) it comes again before 0/3, at 36 s, receive count 2. */
static void test_fifo_group_order(void)
{
    TestRun *r = run_queue("1m", ", fifo: true",
        "  - {name: c, type: consumer, queue: q, actions: [\n"
        "     {at: 0s, do: send, count: 3}, {at: 0s, do: send, count: 2, client: 1},\n"
        "     {at: 1s, do: receive, wait: 0s}, {at: 2s, do: receive, wait: 0s}, {at: 3s, do: receive, wait: 0s},\n"
        "     {at: 4s, do: delete, msg: 0}, {at: 5s, do: receive, wait: 0s}, {at: 6s, do: delete, msg: 1},\n"
        "     {at: 7s, do: receive, wait: 0s}, {at: 8s, do: receive, wait: 0s}, {at: 36s, do: receive, wait: 0s}]}\n");
    Consumer *c = consumer(r, "c");
    static const struct { CirrusTime t; guint64 client; guint attempt; } want[] = {
        {S(1), 0, 0}, {S(2), 1, 0}, {S(5), 0, 0}, {S(7), 1, 0}, {S(36), 0, 1},
    };
    g_assert_cmpuint(c->deliveries->len, ==, G_N_ELEMENTS(want));
    for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
        assert_delivery(c, i, want[i].t, want[i].attempt);
        g_assert_cmpuint(delivery(c, i)->client, ==, want[i].client);
    }
    g_assert_cmpuint(answer_at(c, 2)->count, ==, 0);   /* 3 s: both groups blocked */
    g_assert_cmpuint(answer_at(c, 5)->count, ==, 0);   /* 8 s: 0/2 and 1/2 in flight */
    /* 0/2 again at 36 s is the same message as at 5 s (the same handle slot). */
    g_assert_cmpuint(delivery(c, 4)->handle & 0xFFFFFFFFu, ==, delivery(c, 2)->handle & 0xFFFFFFFFu);
    test_run_free(r);

    /* A batch takes a group's messages in order, then the next group's. */
    r = run_queue("10s", ", fifo: true",
        "  - {name: c, type: consumer, queue: q, actions: [\n"
        "     {at: 0s, do: send, count: 3}, {at: 0s, do: send, count: 2, client: 1},\n"
        "     {at: 1s, do: receive, max: 10, wait: 0s}, {at: 2s, do: receive, max: 10, wait: 0s}]}\n");
    c = consumer(r, "c");
    g_assert_cmpuint(answer_at(c, 0)->count, ==, 5);
    g_assert_cmpuint(answer_at(c, 1)->count, ==, 0);
    for (guint i = 0; i < 5; i++) g_assert_cmpuint(delivery(c, i)->client, ==, i < 3 ? 0 : 1);
    test_run_free(r);
}

/* Deduplication within 5 minutes of the first send.  Explicit id 42 at
 * 0 s, again at 299.999 s (accepted, not delivered), again at 300 s (a new
 * message).  Without an id, a retry (attempt 1, same creation time) of the
 * message sent at 100 s is dropped, while another message sent at the same
 * instant is not. */
static void test_fifo_dedup(void)
{
    TestRun *r = run_queue("10m", ", fifo: true, content_based_deduplication: true",
        "  - {name: c, type: consumer, queue: q, actions: [\n"
        "     {at: 0s, do: send, tag: 42}, {at: 299999ms, do: send, tag: 42}, {at: 300s, do: send, tag: 42},\n"
        "     {at: 100s, do: send, client: 5}, {at: 100s, do: send, client: 5},\n"
        "     {at: 150s, do: send, client: 5, created: 100s, attempt: 1},\n"
        "     {at: 400s, do: send, client: 5, created: 100s, attempt: 1}]}\n");
    Consumer *c = consumer(r, "c");
    g_assert_cmpuint(c->replies->len, ==, 7);
    for (guint i = 0; i < 7; i++) g_assert_cmpint(g_array_index(c->replies, Reply, i).outcome, ==, CIRRUS_OUTCOME_OK);
    g_test_message("sent %.0f, deduplicated %.0f", test_sum(r, "q", "NumberOfMessagesSent"), test_sum(r, "q", "MessagesDeduplicated"));
    g_assert_cmpfloat(test_sum(r, "q", "MessagesDeduplicated"), ==, 2);
    g_assert_cmpfloat(test_sum(r, "q", "NumberOfMessagesSent"), ==, 5);   /* 0 s, 300 s, 100 s twice, 400 s */
    test_run_free(r);
}

/* Throughput: 300 SendMessage calls/s.  400 at 1 s: 300 accepted, 100
 * throttled; 300 at 2 s: all accepted.  High throughput: 300/s per message
 * group: 400 of one group at 1 s, 300 accepted; 4 groups of 100: all. */
static void test_fifo_throughput(void)
{
    TestRun *r = run_queue("5s", ", fifo: true",
        "  - {name: c, type: consumer, queue: q, actions: [\n"
        "     {at: 1s, do: send, count: 400}, {at: 2s, do: send, count: 300}]}\n");
    g_assert_cmpfloat(test_sum(r, "q", "NumberOfMessagesSent"), ==, 600);
    g_assert_cmpfloat(test_sum(r, "q", "SendThrottled"), ==, 100);
    Consumer *c = consumer(r, "c");
    guint throttled = 0;
    for (guint i = 0; i < c->replies->len; i++)
        if (g_array_index(c->replies, Reply, i).outcome == CIRRUS_OUTCOME_THROTTLED) {
            g_assert_cmpint(g_array_index(c->replies, Reply, i).t, ==, S(1));
            throttled++;
        }
    g_assert_cmpuint(throttled, ==, 100);
    test_run_free(r);

    r = run_queue("5s", ", fifo: true, high_throughput: true",
        "  - {name: c, type: consumer, queue: q, actions: [\n"
        "     {at: 1s, do: send, count: 400}, {at: 2s, do: send, count: 100, client: 1},\n"
        "     {at: 2s, do: send, count: 100, client: 2}, {at: 2s, do: send, count: 100, client: 3},\n"
        "     {at: 2s, do: send, count: 100, client: 4}]}\n");
    g_assert_cmpfloat(test_sum(r, "q", "NumberOfMessagesSent"), ==, 700);
    g_assert_cmpfloat(test_sum(r, "q", "SendThrottled"), ==, 100);
    test_run_free(r);
}

/* ---- gauges ------------------------------------------------------------------- */

/* 5 messages sent at 0 s, 2 received at 10 s (timeout 30 s), which
 * return at 40 s.  Exact levels: visible 5 on
 * [0, 10), 3 on [10, 40), 5 from 40 s; not visible 2 on [10, 40).  The
 * per-second rows hold exactly these (time-weighted means of a level
 * constant within each row), and queries at 15 s give 3, 2 and an oldest
 * age of 15 s. */
static void test_gauges(void)
{
    TestRun *r = run_queue("1m", "",
        "  - {name: c, type: consumer, queue: q, actions: [\n"
        "     {at: 0s, do: send, count: 5}, {at: 10s, do: receive, max: 2, wait: 0s},\n"
        "     {at: 15s, do: query, attr: visible}, {at: 15s, do: query, attr: not_visible},\n"
        "     {at: 15s, do: query, attr: oldest}, {at: 15s, do: query, attr: delayed}]}\n");
    Consumer *c = consumer(r, "c");
    ASSERT_ATTRS(c, 3, 2, 15000, 0);
    guint vis = test_series(r, "/components/q", "ApproximateNumberOfMessagesVisible");
    guint inv = test_series(r, "/components/q", "ApproximateNumberOfMessagesNotVisible");
    guint age = test_series(r, "/components/q", "ApproximateAgeOfOldestMessage.max");
    for (guint i = 0; i < test_n_rows(r); i++) {
        double start = g_array_index(r->times, double, i) - 1;
        g_assert_cmpfloat(test_value(r, i, vis), ==, start < 10 ? 5 : start < 40 ? 3 : 5);
        g_assert_cmpfloat(test_value(r, i, inv), ==, start >= 10 && start < 40 ? 2 : 0);
        /* The oldest message's age peaks at the end of each row. */
        g_assert_cmpfloat(test_value(r, i, age), ==, start + 1);
    }
    test_run_free(r);
}

/* ---- Little's law and M/M/c ----------------------------------------------------- */

static double erlang_c(int c, double a)
{
    double b = 1.0;
    for (int k = 1; k <= c; k++) b = a * b / (k + a * b);
    return c * b / (c - a * (1 - b));
}

/* Mean and standard error of a series' per-row values (rows from `skip`). */
static void batch_mean(TestRun *r, const char *component, const char *series, guint skip, double *mean, double *se)
{
    char *group = g_strconcat("/components/", component, NULL);
    guint col = test_series(r, group, series), n = test_n_rows(r) - skip;
    double m = 0, v = 0;
    for (guint i = skip; i < test_n_rows(r); i++) m += test_value(r, i, col) / n;
    for (guint i = skip; i < test_n_rows(r); i++) v += pow(test_value(r, i, col) - m, 2) / (n - 1);
    *mean = m;
    *se = sqrt(v / n);
    g_free(group);
}

/* A Poisson producer at 40/s and 5 workers that long-poll one message at
 * a time, work an exponential 100 ms on it and delete it: an M/M/5 queue,
 * a = 4, rho = 0.8.  The visible messages are the queue of waiting
 * messages (Lq = C(5, 4) rho / (1 - rho)), the messages in flight those in
 * service (a).  Little's law on the run's own numbers: mean visible =
 * received rate x mean WaitTime, and both agree with M/M/5 within 4 SE of
 * the per-minute batch means. */
static void test_littles_law(void)
{
    TestRun *r = run(
        "name: little\nduration: 4h\nwarmup: 10m\nsample_interval: 60s\nseed: 11\n"
        "workloads: [{name: u, target: q, invocation: async, arrival: {process: poisson, rate: 40/s}}]\n"
        "components:\n"
        "  - {name: q, type: sqs, receive_wait: 20s}\n"
        "  - {name: c, type: consumer, queue: q, loop: {workers: 5, service_time: {dist: exponential, mean: 100ms}}}\n");
    const double lambda = 40, a = 4, rho = 0.8;
    double lq = erlang_c(5, a) * rho / (1 - rho);
    CirrusMetricSummary vis = test_summary(r, "q", "ApproximateNumberOfMessagesVisible");
    CirrusMetricSummary inv = test_summary(r, "q", "ApproximateNumberOfMessagesNotVisible");
    CirrusMetricSummary wait = test_summary(r, "q", "WaitTime");
    double received = test_sum(r, "q", "NumberOfMessagesReceived"), T = 4 * 3600 - 600;
    double w_mean = wait.latency ? cirrus_hist_mean(wait.latency) / 1e9 : 0;
    g_test_message("L visible %.4f, lambda W (run) %.4f, Lq (M/M/5) %.4f; in flight %.4f (a = %.1f); %.0f received",
                   vis.mean, received / T * w_mean, lq, inv.mean, a, received);
    g_assert_cmpfloat(test_sum(r, "q", "DuplicateDeliveries"), ==, 0);
    /* Little's law on the run's own numbers holds to edge terms. */
    g_assert_cmpfloat(fabs(vis.mean - received / T * w_mean) / vis.mean, <, 0.01);
    double m, se;
    batch_mean(r, "q", "ApproximateNumberOfMessagesVisible", 10, &m, &se);
    assert_agrees("mean visible vs M/M/5 Lq", vis.mean, lq, se, 0.15);
    batch_mean(r, "q", "ApproximateNumberOfMessagesNotVisible", 10, &m, &se);
    assert_agrees("mean in flight vs a", inv.mean, a, se, 0.02);
    (void)lambda;
    test_run_free(r);
}

/* ---- configuration errors --------------------------------------------------------- */

static void assert_error(const char *text, const char *where, const char *what)
{
    test_assert_scenario_error(text, &test_registry, where, what);
}

static void test_config_errors(void)
{
    static const char head[] = "name: bad\nduration: 1m\ncomponents:\n";
    static const struct { const char *body, *where, *what; } cases[] = {
        {"  - {name: q, type: sqs, retention: 15d}\n", "bad.yaml:4:", "retention"},
        {"  - {name: q, type: sqs, retention: 59s}\n", "bad.yaml:4:", "retention"},
        {"  - {name: q, type: sqs, visibility_timeout: 13h}\n", "bad.yaml:4:", "visibility_timeout"},
        {"  - {name: q, type: sqs, delay: 16m}\n", "bad.yaml:4:", "delay"},
        {"  - {name: q, type: sqs, receive_wait: 21s}\n", "bad.yaml:4:", "receive_wait"},
        {"  - {name: q, type: sqs, max_message_size: 2MB}\n", "bad.yaml:4:", "1MB"},
        {"  - {name: q, type: sqs, max_message_size: 1000}\n", "bad.yaml:4:", "max_message_size"},
        {"  - {name: q, type: sqs, visiblity_timeout: 1m}\n", "bad.yaml:4:", "did you mean 'visibility_timeout'"},
        {"  - {name: q, type: sqs, high_throughput: true}\n", "bad.yaml:4:", "FIFO queues only"},
        {"  - {name: q, type: sqs, content_based_deduplication: true}\n", "bad.yaml:4:", "FIFO queues only"},
        {"  - {name: q, type: sqs, dlq: {target: q2}}\n", "bad.yaml:4:", "max_receive_count"},
        {"  - {name: q, type: sqs, dlq: {target: dead, max_receive_count: 0}}\n"
         "  - {name: dead, type: sqs}\n", "bad.yaml:4:", "max_receive_count"},
        {"  - {name: q, type: sqs, dlq: {target: ded, max_receive_count: 3}}\n"
         "  - {name: dead, type: sqs}\n", "bad.yaml:4:", "did you mean 'dead'"},
        {"  - {name: q, type: sqs, dlq: {target: s, max_receive_count: 3}}\n"
         "  - {name: s, type: service, service_time: 1s}\n", "bad.yaml:4:", "another sqs component"},
        {"  - {name: q, type: sqs, dlq: {target: q, max_receive_count: 3}}\n", "bad.yaml:4:", "another sqs"},
        {"  - {name: q, type: sqs, fifo: true, dlq: {target: dead, max_receive_count: 3}}\n"
         "  - {name: dead, type: sqs}\n", "bad.yaml:4:", "must also be a FIFO queue"},
        {"  - {name: q, type: sqs, dlq: {target: dead, max_receive_count: 3}}\n"
         "  - {name: dead, type: sqs, fifo: true}\n", "bad.yaml:4:", "must also be a standard queue"},
        {"  - {name: q, type: sqs, move_tasks: [{at: 1s, rate: 501/s}]}\n", "bad.yaml:4:", "at most 500"},
        {"  - {name: q, type: sqs, move_tasks: [{rate: 5/s}]}\n", "bad.yaml:4:", "'at'"},
        {"  - {name: q, type: sqs, move_tasks: [{at: 2s}, {at: 1s}]}\n", "bad.yaml:4:", "time order"},
        {"  - {name: q, type: sqs, move_tasks: [{at: 1s, destination: f}]}\n"
         "  - {name: f, type: sqs, fifo: true}\n", "bad.yaml:4:", "must be a standard queue"},
        {"  - {name: q, type: sqs, move_tasks: [{at: 1s, destination: s}]}\n"
         "  - {name: s, type: service, service_time: 1s}\n", "bad.yaml:4:", "another sqs component"},
        {"  - {name: q, type: sqs, move_tasks: [{at: 1s, destinaton: q}]}\n", "bad.yaml:4:", "did you mean 'destination'"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *t = g_strconcat(head, cases[i].body, NULL);
        assert_error(t, cases[i].where, cases[i].what);
        g_free(t);
    }
}

/* SendMessageBatch against a FIFO queue: the limit is 300 calls a second
 * (AWS), so batches of 10 carry 3,000 messages a second.  400 batch calls
 * within one second: 300 accepted (3,000 messages), 100 throttled. */
static void test_fifo_batch_throughput(void)
{
    TestRun *r = test_run_text(
        "name: fb\nduration: 10s\nsample_interval: 1s\nseed: 1\n"
        "workloads: [{name: p, target: q, invocation: async, request: {size: 1KB, messages: 10},\n"
        "             arrival: {process: constant, schedule: [[0s, 400/s], [999ms, 400/s], [999ms, 0/s]]}}]\n"
        "components: [{name: q, type: sqs, fifo: true}]\n", NULL);
    g_assert_cmpfloat(test_sum(r, "p", "Requests"), ==, 399);
    g_assert_cmpfloat(test_sum(r, "q", "SendThrottled"), ==, 99);
    g_assert_cmpfloat(test_sum(r, "q", "NumberOfMessagesSent"), ==, 3000);
    test_run_free(r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/models/sqs/visibility-timeout", test_visibility_timeout);
    g_test_add_func("/models/sqs/delete-old-handle", test_delete_old_handle);
    g_test_add_func("/models/sqs/change-visibility", test_change_visibility);
    g_test_add_func("/models/sqs/retention", test_retention);
    g_test_add_func("/models/sqs/delay", test_delay);
    g_test_add_func("/models/sqs/size-limit", test_size_limit);
    g_test_add_func("/models/sqs/dlq", test_dlq);
    g_test_add_func("/models/sqs/move-task", test_move_task);
    g_test_add_func("/models/sqs/polling", test_polling);
    g_test_add_func("/models/sqs/batch", test_batch);
    g_test_add_func("/models/sqs/cancel", test_cancel);
    g_test_add_func("/models/sqs/outage", test_outage);
    g_test_add_func("/models/sqs/attributes-kept", test_attributes_kept);
    g_test_add_func("/models/sqs/fifo-group-order", test_fifo_group_order);
    g_test_add_func("/models/sqs/fifo-dedup", test_fifo_dedup);
    g_test_add_func("/models/sqs/fifo-throughput", test_fifo_throughput);
    g_test_add_func("/models/sqs/gauges", test_gauges);
    g_test_add_func("/models/sqs/littles-law", test_littles_law);
    g_test_add_func("/models/sqs/config-errors", test_config_errors);
    g_test_add_func("/models/sqs/fifo-batch-throughput", test_fifo_batch_throughput);
    return g_test_run();
}
