/* cirrus — downstream calls of compute components (see calls.h).
 *
 * A request that makes calls gets a run (CirrusCallRun) for as long as it
 * waits on sync calls: which step it is at, how many sync calls of the step
 * are still out, and one CallOut per call of the step in flight.  A call's
 * attempt is a copy of the request (cirrus_request_copy: the client and
 * creation time travel; the protocol keys are the call's) whose `caller`
 * word points at its CallOut; a reply, a timeout or a retry timer finds the
 * CallOut there.  An attempt given up (timed out, or its run over) is
 * marked `abandoned`: its late reply, or its retry timer, only frees it.
 * Runs and CallOuts come from pools of the component's own, so memory
 * follows the calls in flight. */
#include "models/protocol/calls.h"
#include "models/aws/retry.h"
#include "sim/kernel/pool.h"
#include "sim/loader/config.h"

/* At most this many calls in a list (a group's members count), and in one
 * parallel group. */
#define MAX_CALLS 64
#define MAX_PARALLEL 16

typedef struct {
    char *target_name;
    const CirrusNode *target_at;
    CirrusComponent *target;
    CirrusInvocation mode;
    double probability;          /* 1: every request */
    CirrusTime timeout;          /* per attempt; 0: none */
    CirrusRetryPolicy retry;     /* max_retries 0: none; its quota is this call's */
    gint64 size;                 /* bytes; -1: the request's */
    CirrusRequestKeysSpec keys;
    gboolean partial;            /* the target may leave a batch's items unprocessed */
    gboolean memo;               /* the target's answers carry a memo for retries */
    guint m_made, m_retries, m_failed, m_latency;
} Call;

typedef struct {
    guint first, n;              /* calls[first .. first + n) go together */
} Step;

struct CirrusCalls {
    Call *calls;
    guint n_calls;
    Step *steps;
    guint n_steps;
    guint widest;                /* the most calls in one step */
    const char *who;
    CirrusCallsDone done;
    CirrusCallsProceed proceed;
    CirrusRng draw_rng;          /* probability: apart from the model's own stream */
    CirrusRng retry_rng;         /* backoff jitter */
    CirrusPool *runs, *outs;
};

/* One call in flight: its current attempt is out, or waits for its retry. */
typedef struct {
    CirrusCallRun *run;          /* NULL: an async call (nobody waits for it) */
    const Call *call;
    CirrusRequest *attempt;
    CirrusTime first_sent;
    CirrusTime wait;             /* the wait before the latest retry */
    gint64 quota_taken;          /* tokens the latest retry took */
    guint n;                     /* attempts made before the current one */
    guint unprocessed;           /* a batch's items the last attempt left undone; 0: all of them */
    guint32 memo;                /* the target's memo from the last answer (request.h); 0: none */
    guint slot;                  /* its index in run->outs */
} CallOut;

struct CirrusCallRun {
    CirrusRequest *req;
    void *state;
    guint step;                  /* the next step to start */
    guint pending;               /* sync calls of the current step not yet answered */
    CallOut *outs[];             /* `widest` slots */
};

/* ---- configuration --------------------------------------------------------- */

static gboolean read_call(CirrusNode *item, Call *c, GError **error)
{
    static const char *const modes[] = {"sync", "async", NULL};
    CirrusNode *retries;
    const char *target;
    int mode;
    if (cirrus_node_kind(item) != CIRRUS_NODE_MAP) {
        cirrus_node_error(item, error, "each call must be a map such as {target: table, mode: sync}");
        return FALSE;
    }
    if (cirrus_node_peek(item, "cache")) {
        cirrus_node_error(cirrus_node_peek(item, "cache"), error,
                          "'cache:' calls (cache-aside with on_miss) need a cache component (ElastiCache or DAX), "
                          "which cirrus does not model yet; call the data store directly");
        return FALSE;
    }
    if (!cirrus_cfg_require(item, "target", "the component called", error) ||
        !cirrus_cfg_string(item, "target", NULL, &target, error) ||
        !cirrus_cfg_enum(item, "mode", modes, CIRRUS_INVOKE_SYNC, &mode, error) ||
        !cirrus_cfg_double(item, "probability", 1.0, 0.0, 1.0, &c->probability, error) ||
        !cirrus_cfg_duration(item, "timeout", 0, 0, CIRRUS_DAY, &c->timeout, error) ||
        !cirrus_cfg_map(item, "retries", &retries, error) ||
        !cirrus_retry_policy_read(retries, &c->retry, error) ||
        !cirrus_cfg_size(item, "size", -1, &c->size, error) ||
        !cirrus_request_keys_read(item, &c->keys, error))
        return FALSE;
    c->target_name = g_strdup(target);
    c->target_at = cirrus_node_peek(item, "target");
    c->mode = (CirrusInvocation)mode;
    /* As for a workload's client: an async caller is answered on
     * acceptance and waits for nothing. */
    if (c->mode == CIRRUS_INVOKE_ASYNC && (retries || c->timeout > 0)) {
        cirrus_node_error(retries ? retries : cirrus_node_peek(item, "timeout"), error,
                          "'%s' applies to sync calls; an async call is answered on acceptance",
                          retries ? "retries" : "timeout");
        return FALSE;
    }
    if (cirrus_node_peek(item, "size") && c->size < 0) {
        cirrus_node_error(cirrus_node_peek(item, "size"), error, "'size' must not be negative");
        return FALSE;
    }
    return TRUE;
}

/* One entry of the list: a call, or a parallel group of calls. */
static gboolean read_step(CirrusCalls *calls, CirrusNode *item, GArray *list, GError **error)
{
    Step step = { list->len, 1 };
    CirrusNode *group = cirrus_node_kind(item) == CIRRUS_NODE_MAP ? cirrus_node_peek(item, "parallel") : NULL;
    if (group) {
        if (!cirrus_cfg_list(item, "parallel", &group, error)) return FALSE;
        step.n = cirrus_node_len(group);
        if (step.n == 0 || step.n > MAX_PARALLEL) {
            cirrus_node_error(group, error, "a parallel group holds 1 to %d calls", MAX_PARALLEL);
            return FALSE;
        }
    }
    if (list->len + step.n > MAX_CALLS) {
        cirrus_node_error(item, error, "at most %d calls per request", MAX_CALLS);
        return FALSE;
    }
    for (guint k = 0; k < step.n; k++) {
        CirrusNode *one = group ? cirrus_node_item(group, k) : item;
        if (group && cirrus_node_kind(one) == CIRRUS_NODE_MAP && cirrus_node_peek(one, "parallel")) {
            cirrus_node_error(cirrus_node_peek(one, "parallel"), error,
                              "a parallel group cannot hold another (groups nest one level deep: list its calls "
                              "in the outer group)");
            return FALSE;
        }
        g_array_set_size(list, list->len + 1);
        if (!read_call(one, &g_array_index(list, Call, list->len - 1), error)) return FALSE;
    }
    calls->steps[calls->n_steps++] = step;
    calls->widest = MAX(calls->widest, step.n);
    return TRUE;
}

gboolean cirrus_calls_read(CirrusComponent *self, CirrusNode *cfg, const char *key, const char *who,
                           CirrusCallsDone done, CirrusCallsProceed proceed, CirrusCalls **out, GError **error)
{
    CirrusNode *list;
    (void)self;
    *out = NULL;
    if (!cirrus_cfg_list(cfg, key, &list, error)) return FALSE;
    guint n = list ? cirrus_node_len(list) : 0;
    if (n == 0) return TRUE;
    if (n > MAX_CALLS) {
        cirrus_node_error(list, error, "at most %d calls per request", MAX_CALLS);
        return FALSE;
    }
    CirrusCalls *calls = g_new0(CirrusCalls, 1);
    GArray *parsed = g_array_new(FALSE, TRUE, sizeof(Call));
    calls->steps = g_new0(Step, n);
    calls->who = who;
    calls->done = done;
    calls->proceed = proceed;
    gboolean ok = TRUE;
    for (guint i = 0; ok && i < n; i++) ok = read_step(calls, cirrus_node_item(list, i), parsed, error);
    calls->n_calls = parsed->len;
    calls->calls = (Call *)(void *)g_array_free(parsed, FALSE);
    if (!ok) {
        cirrus_calls_free(calls);
        return FALSE;
    }
    calls->runs = cirrus_pool_new(sizeof(CirrusCallRun) + calls->widest * sizeof(CallOut *));
    calls->outs = cirrus_pool_new(sizeof(CallOut));
    *out = calls;
    return TRUE;
}

/* The metric `prefix.target`, shared by every call to that target. */
static guint call_metric(CirrusComponent *self, const char *prefix, const char *target, CirrusMetricKind kind,
                         const char *unit)
{
    char *name = g_strconcat(prefix, ".", target, NULL);
    gint i = cirrus_component_metric_index(self, name);
    guint m = i >= 0 ? (guint)i : cirrus_metric_add(self, name, kind, unit);
    g_free(name);
    return m;
}

gboolean cirrus_calls_link(CirrusCalls *calls, CirrusComponent *self, CirrusScenario *sc, GError **error)
{
    if (!calls) return TRUE;
    for (guint i = 0; i < calls->n_calls; i++) {
        Call *c = &calls->calls[i];
        c->target = cirrus_scenario_lookup(sc, c->target_at, c->target_name, error);
        if (!c->target) return FALSE;
        if (c->target == self || !cirrus_speaks(c->target, CIRRUS_SPEAKS_INVOKE)) {
            cirrus_node_error(c->target_at, error, "%s cannot call '%s': a call goes to another component that "
                              "takes requests ('%s' is %s)", calls->who, c->target_name, c->target_name,
                              c->target == self ? "the caller itself" : cirrus_component_noun(c->target));
            return FALSE;
        }
        if (!cirrus_request_keys_link(&c->keys, c->target, "'calls' target", c->size, error)) return FALSE;
        const CirrusInvokeSpec *inv = cirrus_component_protocols(c->target)->invoke;
        c->partial = inv && inv->partial_batches;
        c->memo = inv && inv->memo;
        cirrus_retry_policy_default(&c->retry, inv ? inv->retry_defaults : NULL);
        /* The caller waits for a sync call's reply: an edge of the graph
         * the loader checks for cycles. */
        if (c->mode == CIRRUS_INVOKE_SYNC) cirrus_scenario_sync_call(sc, self, c->target, c->target_at);
        c->m_made = call_metric(self, "CallsMade", c->target_name, CIRRUS_METRIC_COUNT, "Count");
        c->m_failed = call_metric(self, "CallFailures", c->target_name, CIRRUS_METRIC_COUNT, "Count");
        if (c->mode != CIRRUS_INVOKE_SYNC) continue;   /* retried and timed only when waited for */
        c->m_retries = call_metric(self, "CallRetries", c->target_name, CIRRUS_METRIC_COUNT, "Count");
        c->m_latency = call_metric(self, "CallLatency", c->target_name, CIRRUS_METRIC_LATENCY, "Seconds");
    }
    return TRUE;
}

void cirrus_calls_start(CirrusCalls *calls, CirrusComponent *self)
{
    if (!calls) return;
    cirrus_component_substream(self, "calls", &calls->draw_rng);
    cirrus_component_substream(self, "call-retries", &calls->retry_rng);
}

void cirrus_calls_free(CirrusCalls *calls)
{
    if (!calls) return;
    for (guint i = 0; i < calls->n_calls; i++) g_free(calls->calls[i].target_name);
    g_free(calls->calls);
    g_free(calls->steps);
    if (calls->runs) cirrus_pool_free(calls->runs);
    if (calls->outs) cirrus_pool_free(calls->outs);
    g_free(calls);
}

/* ---- running ------------------------------------------------------------------ */

/* An attempt of call `c` on behalf of `req`: the request's client, size
 * and creation time; the call's own protocol keys and mode. */
static CirrusRequest *new_attempt(CirrusComponent *self, const Call *c, const CirrusRequest *req, guint n)
{
    CirrusRequest *d = cirrus_request_copy(self, req);
    CirrusRequestData *data = cirrus_request_data(d);
    data->next = NULL;
    data->ref.dedup_id = 0;   /* nothing of the request's own protocol (an LB's instance, a receipt) */
    cirrus_request_keys_apply(&c->keys, d);
    if (c->size >= 0) d->size = c->size;
    d->invocation = (guint8)c->mode;
    d->attempt = n;
    d->abandoned = 0;
    return d;
}

static void send_attempt(CirrusComponent *self, CallOut *out)
{
    CirrusRequest *d = out->attempt;
    d->caller.ptr = out;
    cirrus_send(self, out->call->target, d, 0);
    if (out->call->timeout > 0) cirrus_schedule(self, out->call->timeout, CIRRUS_CALL_TIMEOUT, d, d->id);
}

static void drop_out(CirrusCalls *calls, CallOut *out)
{
    if (out->run) out->run->outs[out->slot] = NULL;
    cirrus_pool_release(calls->outs, out);
}

/* The run is over: what is still out is abandoned, and the model hears. */
static void run_end(CirrusCalls *calls, CirrusComponent *self, CirrusCallRun *run, CirrusOutcome outcome, gboolean tell)
{
    for (guint k = 0; k < calls->widest; k++) {
        CallOut *out = run->outs[k];
        if (!out) continue;
        if (out->attempt) out->attempt->abandoned = 1;   /* its reply, or its retry timer, frees it */
        drop_out(calls, out);
    }
    CirrusRequest *req = run->req;
    void *state = run->state;
    cirrus_pool_release(calls->runs, run);
    if (tell) calls->done(self, state, req, outcome);
}

/* Start steps until one has sync calls to wait for, or the list ends.
 * FALSE when the run is over (and freed). */
static gboolean advance(CirrusCalls *calls, CirrusComponent *self, CirrusCallRun *run)
{
    CirrusTime now = cirrus_now(self);
    while (run->step < calls->n_steps) {
        if (calls->proceed && !calls->proceed(self, run->state, run->req)) {
            run_end(calls, self, run, CIRRUS_OUTCOME_FAILED, TRUE);
            return FALSE;
        }
        const Step *s = &calls->steps[run->step++];
        run->pending = 0;
        for (guint k = 0; k < s->n; k++) {
            const Call *c = &calls->calls[s->first + k];
            if (c->probability < 1.0 && cirrus_rng_uniform(&calls->draw_rng) >= c->probability) continue;
            cirrus_metric_count(self, c->m_made, 1);
            CallOut *out = cirrus_pool_alloc(calls->outs);
            *out = (CallOut){ .call = c, .first_sent = now, .wait = c->retry.backoff.base };
            out->attempt = new_attempt(self, c, run->req, 0);
            if (c->mode == CIRRUS_INVOKE_SYNC) {
                out->run = run;
                out->slot = k;
                run->outs[k] = out;
                run->pending++;
            }
            send_attempt(self, out);
        }
        if (run->pending > 0) return TRUE;
    }
    run_end(calls, self, run, CIRRUS_OUTCOME_OK, TRUE);
    return FALSE;
}

CirrusCallRun *cirrus_calls_begin(CirrusCalls *calls, CirrusComponent *self, void *state, CirrusRequest *req)
{
    CirrusCallRun *run = cirrus_pool_alloc(calls->runs);
    run->req = req;
    run->state = state;
    run->step = 0;
    run->pending = 0;
    for (guint k = 0; k < calls->widest; k++) run->outs[k] = NULL;
    return advance(calls, self, run) ? run : NULL;
}

void cirrus_calls_abandon(CirrusCalls *calls, CirrusComponent *self, CirrusCallRun *run)
{
    run_end(calls, self, run, CIRRUS_OUTCOME_FAILED, FALSE);
}

static gboolean retryable(CirrusOutcome outcome)
{
    return outcome == CIRRUS_OUTCOME_THROTTLED || outcome == CIRRUS_OUTCOME_REJECTED ||
           outcome == CIRRUS_OUTCOME_FAILED || outcome == CIRRUS_OUTCOME_TIMED_OUT;
}

/* Retry the call if its rules and quota allow: TRUE when a retry is due. */
static gboolean retry(CirrusCalls *calls, CirrusComponent *self, CallOut *out, CirrusOutcome outcome)
{
    const Call *c = out->call;
    CirrusRetryPolicy *p = &calls->calls[c - calls->calls].retry;
    if (!retryable(outcome) || (gint64)out->n >= p->max_retries) return FALSE;
    gint64 taken = 0;
    if (p->has_quota && (taken = cirrus_retry_quota_acquire(&p->quota, outcome == CIRRUS_OUTCOME_TIMED_OUT)) == 0)
        return FALSE;
    out->wait = cirrus_retry_delay(p, outcome == CIRRUS_OUTCOME_THROTTLED, out->n, out->wait, &calls->retry_rng);
    out->quota_taken = taken;
    out->n++;
    cirrus_metric_count(self, c->m_retries, 1);
    out->attempt = new_attempt(self, c, out->run->req, out->n);
    if (out->unprocessed) cirrus_request_data(out->attempt)->keys.items = out->unprocessed;
    if (out->memo) cirrus_request_data(out->attempt)->ref.answer.memo = out->memo;
    out->attempt->caller.ptr = out;
    cirrus_schedule(self, out->wait, CIRRUS_CALL_RETRY, out->attempt, 0);
    return TRUE;
}

/* The current attempt of a sync call is over with `outcome`. */
static void call_answered(CirrusCalls *calls, CirrusComponent *self, CallOut *out, CirrusOutcome outcome)
{
    out->attempt = NULL;
    if (outcome != CIRRUS_OUTCOME_OK && retry(calls, self, out, outcome)) return;
    const Call *c = out->call;
    CirrusCallRun *run = out->run;
    cirrus_metric_latency(self, c->m_latency, cirrus_now(self) - out->first_sent);
    if (outcome == CIRRUS_OUTCOME_OK) {
        CirrusRetryPolicy *p = &calls->calls[c - calls->calls].retry;
        if (p->has_quota) cirrus_retry_quota_success(&p->quota, out->quota_taken);
        drop_out(calls, out);
        if (--run->pending == 0) advance(calls, self, run);
    } else {
        cirrus_metric_count(self, c->m_failed, 1);
        drop_out(calls, out);
        run_end(calls, self, run, CIRRUS_OUTCOME_FAILED, TRUE);
    }
}

gboolean cirrus_calls_handle_event(CirrusCalls *calls, CirrusComponent *self, const CirrusEvent *ev)
{
    CirrusRequest *d = ev->request;
    switch (ev->kind) {
    case CIRRUS_EVENT_REPLY: {
        CallOut *out = d->caller.ptr;
        if (!out) return FALSE;   /* not a call's: the model's own */
        CirrusOutcome outcome = (CirrusOutcome)d->outcome;
        gboolean abandoned = d->abandoned;
        if (out && out->call->memo) out->memo = cirrus_request_data(d)->ref.answer.memo;
        if (out && out->call->partial && outcome == CIRRUS_OUTCOME_OK) {
            /* A batch with items left unprocessed is not done yet: it is
             * retried with those items, as a throttle would be. */
            out->unprocessed = cirrus_request_data(d)->ref.answer.unprocessed;
            if (out->unprocessed) outcome = CIRRUS_OUTCOME_THROTTLED;
        }
        cirrus_request_free(self, d);
        if (abandoned) return TRUE;   /* timed out or its run is over */
        if (!out->run) {              /* async: accepted or refused, nobody waits */
            if (outcome != CIRRUS_OUTCOME_OK) cirrus_metric_count(self, out->call->m_failed, 1);
            drop_out(calls, out);
            return TRUE;
        }
        call_answered(calls, self, out, outcome);
        return TRUE;
    }
    case CIRRUS_CALL_TIMEOUT:
        /* Only the same attempt still waiting counts: it may have been
         * answered (its reply on the way) or freed and its memory reused. */
        if (d->id != ev->data || d->abandoned || d->outcome != CIRRUS_OUTCOME_PENDING) return TRUE;
        d->abandoned = 1;   /* the late reply is dropped */
        call_answered(calls, self, d->caller.ptr, CIRRUS_OUTCOME_TIMED_OUT);
        return TRUE;
    case CIRRUS_CALL_RETRY:
        if (d->abandoned) cirrus_request_free(self, d);   /* its run ended meanwhile */
        else send_attempt(self, d->caller.ptr);
        return TRUE;
    default:
        return FALSE;
    }
}
