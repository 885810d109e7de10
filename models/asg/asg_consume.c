/* cirrus — Auto Scaling group instances that consume an SQS queue
 * (`instance.consumes`; see asg-private.h, models/protocol/queue.h and
 * docs/models/asg.md).
 *
 * Each worker of an InService instance runs the usual consumer loop:
 * ReceiveMessage (up to batch_size messages, waiting `wait` — long polling
 * — or the queue's receive_wait), then for each message in turn
 * service_time of work (the CPU) and DeleteMessage.  An empty answer to a
 * long poll is polled again at once; an empty short poll, or an error
 * from a queue that is down, waits poll_interval first, as a consumer
 * loop would.
 *
 * Messages are never lost here, only not deleted: a worker whose instance
 * stops answering (a failure, its zone's outage, the group's outage) or
 * is gone drops what it holds, and those messages become visible again
 * when the queue's visibility timeout ends — SQS's at-least-once
 * delivery.  A terminating instance stops polling (its waiting receives
 * are cancelled) and finishes the batches it holds before it goes.
 *
 * A poll's tag and a message's event data are the instance id in the low
 * 32 bits and the worker's index above; a message keeps its receipt handle
 * in its own tag. */
#include "models/asg/asg-private.h"
#include "models/protocol/queue.h"
#include "sim/loader/scenario.h"
#include <string.h>

struct AsgPoller {
    guint64 poll_id;          /* the receive out at the queue, 0 if none */
    CirrusRequest *next;      /* the rest of its batch, in delivery order */
    CirrusRequest *done;      /* delete: batch — the batch's processed messages, to delete together */
    gboolean busy;            /* receiving, pausing or processing; FALSE: stopped */
};

struct AsgConsume {
    char *source_name;
    const CirrusNode *source_at;
    CirrusComponent *source;
    gint64 batch;
    CirrusTime wait;          /* -1: the queue's receive_wait */
    CirrusTime pause;         /* after an empty short poll or an error */
    gboolean delete_batch;    /* DeleteMessageBatch at the end of each batch */
    guint m_processed, m_latency, m_abandoned;
};

#define PACK(in, k) ((guint64)(in)->id | ((guint64)(k) << 32))
#define PACK_ID(data) ((guint32)((data) & 0xFFFFFFFFu))
#define PACK_WORKER(data) ((guint)((data) >> 32))

/* ---- configuration ----------------------------------------------------- */

gboolean asg_consume_configure(CirrusComponent *self, Asg *g, CirrusNode *cfg, GError **error)
{
    static const char *const deletes[] = {"each", "batch", NULL};
    AsgConsume *c = g_new0(AsgConsume, 1);
    const char *source;
    int del;
    g->consume = c;
    c->wait = -1;
    /* AWS ReceiveMessage: MaxNumberOfMessages 1 to 10 (default 1),
     * WaitTimeSeconds 0 to 20 (default: the queue's
     * ReceiveMessageWaitTimeSeconds). */
    if (!cirrus_cfg_require(cfg, "source", "the queue the workers poll, an sqs component", error) ||
        !cirrus_cfg_string(cfg, "source", NULL, &source, error) ||
        !cirrus_cfg_int(cfg, "batch_size", 1, 1, CIRRUS_QUEUE_MAX_BATCH, &c->batch, error) ||
        (cirrus_cfg_node(cfg, "wait") &&
         !cirrus_cfg_duration(cfg, "wait", 0, 0, CIRRUS_QUEUE_MAX_WAIT_MS * CIRRUS_MS, &c->wait, error)) ||
        !cirrus_cfg_duration(cfg, "poll_interval", CIRRUS_SEC, CIRRUS_MS, CIRRUS_HOUR, &c->pause, error) ||
        !cirrus_cfg_enum(cfg, "delete", deletes, 0, &del, error))
        return FALSE;
    c->delete_batch = del == 1;
    c->source_name = g_strdup(source);
    c->source_at = cirrus_node_peek(cfg, "source");
    c->m_processed = cirrus_metric_add(self, "MessagesProcessed", CIRRUS_METRIC_COUNT, "Count");
    c->m_latency = cirrus_metric_add(self, "MessageLatency", CIRRUS_METRIC_LATENCY, "Seconds");
    c->m_abandoned = cirrus_metric_add(self, "MessagesAbandoned", CIRRUS_METRIC_COUNT, "Count");
    return TRUE;
}

gboolean asg_consume_link(CirrusComponent *self, Asg *g, CirrusScenario *sc, GError **error)
{
    AsgConsume *c = g->consume;
    (void)self;
    c->source = cirrus_scenario_lookup(sc, c->source_at, c->source_name, error);
    if (!c->source) return FALSE;
    if (!cirrus_speaks(c->source, CIRRUS_SPEAKS_QUEUE)) {
        cirrus_node_error(c->source_at, error, "consumes: '%s' is %s; instances consume an sqs queue",
                          c->source_name, cirrus_component_noun(c->source));
        return FALSE;
    }
    return TRUE;
}

void asg_consume_free(Asg *g)
{
    if (!g->consume) return;
    g_free(g->consume->source_name);
    g_free(g->consume);
    g->consume = NULL;
}

/* ---- the consumer loop -------------------------------------------------- */

static gboolean polls(const Asg *g, const Instance *in)
{
    return in->state == INST_IN_SERVICE && asg_answers(g, in);
}

static void receive(CirrusComponent *self, Asg *g, Instance *in, guint k)
{
    AsgConsume *c = g->consume;
    in->pollers[k].poll_id = cirrus_queue_receive(self, c->source, PACK(in, k), (guint)c->batch,
                                                  c->wait < 0 ? CIRRUS_QUEUE_WAIT_DEFAULT : c->wait);
    in->pollers[k].busy = TRUE;
}

/* Messages this worker will not process: left for the queue to show
 * again when their visibility timeout ends.  Returns how many. */
static gint64 abandon(CirrusComponent *self, Asg *g, CirrusRequest *msg)
{
    gint64 n = cirrus_queue_abandon(self, msg);
    if (n) cirrus_metric_count(self, g->consume->m_abandoned, n);
    return n;
}

void asg_consume_start(CirrusComponent *self, Asg *g, Instance *in)
{
    if (!in->pollers) in->pollers = g_new0(AsgPoller, g->workers);
    else memset(in->pollers, 0, sizeof(AsgPoller) * (gsize)g->workers);
    for (guint k = 0; k < g->workers; k++) receive(self, g, in, k);
}

void asg_consume_stop(CirrusComponent *self, Asg *g, Instance *in)
{
    if (!in->pollers) return;   /* never InService */
    for (guint k = 0; k < g->workers; k++)
        if (in->pollers[k].poll_id)
            cirrus_queue_cancel(self, g->consume->source, in->pollers[k].poll_id);
}

void asg_consume_resume(CirrusComponent *self, Asg *g)
{
    for (guint i = 0; i < g->slots->len; i++) {
        Instance *in = g->slots->pdata[i];
        if (!in->pollers || !polls(g, in)) continue;
        for (guint k = 0; k < g->workers; k++)
            if (!in->pollers[k].busy) receive(self, g, in, k);
    }
}

/* The worker takes the next message of its batch; with none left, or if
 * its instance stopped answering, it polls again or stops. */
static void process_next(CirrusComponent *self, Asg *g, Instance *in, guint k)
{
    AsgPoller *p = &in->pollers[k];
    if (p->next && !asg_answers(g, in)) {
        in->outstanding -= abandon(self, g, p->next);
        p->next = NULL;
    }
    CirrusRequest *msg = p->next;
    if (!msg) {
        if (p->done) {
            /* DeleteMessageBatch with what this batch processed; a stopped
             * instance sends nothing, and they come back. */
            if (asg_answers(g, in)) cirrus_queue_delete_batch(self, g->consume->source, p->done);
            else abandon(self, g, p->done);
            p->done = NULL;
        }
        if (polls(g, in)) receive(self, g, in, k);
        else p->busy = FALSE;
        asg_maybe_gone(self, g, in);
        return;
    }
    p->next = cirrus_batch_next(msg);
    cirrus_batch_link(msg, NULL);
    in->station.busy++;   /* the worker is on a message */
    asg_computing(self, g, in, 1);
    double seconds = cirrus_dist_sample(&g->service_time, cirrus_component_rng(self)) * g->faults->slowdown;
    cirrus_schedule(self, cirrus_time_from_s(seconds), ASG_MESSAGE_DONE, msg, PACK(in, k));
}

static void on_messages(CirrusComponent *self, Asg *g, const CirrusEvent *ev)
{
    CirrusQueueReceived got = cirrus_queue_received(self, ev);
    CirrusRequest *first = got.messages;
    guint64 tag = got.who;
    Instance *in = asg_find(g, PACK_ID(tag));
    if (!in) {   /* gone meanwhile */
        abandon(self, g, first);
        return;
    }
    guint k = PACK_WORKER(tag);
    AsgPoller *p = &in->pollers[k];
    p->poll_id = 0;
    if (!polls(g, in)) {
        abandon(self, g, first);
        p->busy = FALSE;
        asg_maybe_gone(self, g, in);
        return;
    }
    if (got.count == 0) {
        if (cirrus_queue_should_pause(&got)) cirrus_schedule(self, g->consume->pause, ASG_POLL_AGAIN, NULL, tag);
        else receive(self, g, in, k);
        return;
    }
    in->outstanding += got.count;
    p->next = first;
    process_next(self, g, in, k);
}

/* The worker is done with a message (its service time and calls): deleted
 * when `ok`, else left to come back; then the worker takes the next. */
static void message_finished(CirrusComponent *self, Asg *g, Instance *in, guint64 data, CirrusRequest *msg,
                             gboolean ok)
{
    AsgConsume *c = g->consume;
    in->station.busy--;
    in->outstanding--;
    if (!ok || msg->arrived <= in->failed_at) {
        abandon(self, g, msg);   /* a call failed, or the instance stopped while it worked on it */
    } else {
        cirrus_metric_count(self, c->m_processed, 1);
        cirrus_metric_latency(self, c->m_latency, cirrus_now(self) - msg->created);
        if (c->delete_batch) {
            AsgPoller *p = &in->pollers[PACK_WORKER(data)];
            cirrus_batch_link(msg, p->done);   /* the queue deletes them in any order */
            p->done = msg;
        } else {
            cirrus_queue_delete(self, c->source, cirrus_queue_receipt(msg));
            cirrus_request_free(self, msg);
        }
    }
    process_next(self, g, in, PACK_WORKER(data));
}

static void on_message_done(CirrusComponent *self, Asg *g, CirrusRequest *msg, guint64 data)
{
    Instance *in = asg_find(g, PACK_ID(data));
    if (!in) {
        abandon(self, g, msg);
        return;
    }
    asg_computing(self, g, in, -1);
    if (g->calls && msg->arrived > in->failed_at) {
        msg->holder = data;   /* ours: the instance and worker, for asg_consume_calls_done */
        cirrus_calls_begin(g->calls, self, g, msg);
        return;
    }
    message_finished(self, g, in, data, msg, TRUE);
}

void asg_consume_calls_done(CirrusComponent *self, Asg *g, CirrusRequest *msg, CirrusOutcome outcome)
{
    guint64 data = msg->holder;
    Instance *in = asg_find(g, PACK_ID(data));
    if (!in) abandon(self, g, msg);
    else message_finished(self, g, in, data, msg, outcome == CIRRUS_OUTCOME_OK);
}

static void on_poll_again(CirrusComponent *self, Asg *g, guint64 data)
{
    Instance *in = asg_find(g, PACK_ID(data));
    if (!in) return;
    if (polls(g, in)) receive(self, g, in, PACK_WORKER(data));
    else in->pollers[PACK_WORKER(data)].busy = FALSE;
}

void asg_consume_handle(CirrusComponent *self, Asg *g, const CirrusEvent *ev)
{
    switch (ev->kind) {
    case CIRRUS_QUEUE_MESSAGES: on_messages(self, g, ev); break;
    case ASG_MESSAGE_DONE: on_message_done(self, g, ev->request, ev->data); break;
    case ASG_POLL_AGAIN: on_poll_again(self, g, ev->data); break;
    default: g_assert_not_reached();
    }
}
