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
 * follows the calls in flight.
 *
 * The commonest list — one sync call on every request, with no timeout,
 * retries, quota, cache or partial batches (CirrusCalls.single) — takes a
 * path of its own: its run holds the CallOut, cirrus_calls_begin sends the
 * attempt and the reply ends the run, without the step machinery (advance,
 * the slots of run_end).  It makes the same calls, metrics, draws (none)
 * and events in the same order as the general path would; every other list
 * takes the general path. */
#include "models/protocol/calls.h"
#include "models/aws/retry.h"
#include "models/protocol/cache.h"
#include "sim/kernel/pool.h"
#include "sim/loader/config.h"

/* At most this many calls in a list (a group's members count), and in one
 * parallel group. */
#define MAX_CALLS 64
#define MAX_PARALLEL 16
/* Cache calls inside a cache call's on_miss or on_write, at most this
 * deep (a cache in front of a cache in front of ...). */
#define MAX_CACHE_DEPTH 4

/* What a cache call does to its key after a write (cache.h). */
typedef enum { WRITE_AROUND, WRITE_THROUGH, WRITE_INVALIDATE } CacheWrite;

/* A cache call (cache.h): its GET, and the steps of its on_miss and
 * on_write lists (ranges of CirrusCalls.steps). */
typedef struct {
    guint miss_first, miss_n, write_first, write_n;
    double writes;               /* the share of requests that write */
    CacheWrite write;
    CirrusKeys own_keys;         /* count 0: none given, the cache's */
    const CirrusKeys *keys;      /* after link: where keys are drawn from */
    const CirrusNode *keys_at;
    CirrusNode *on_miss, *on_write;   /* while reading */
} CacheCall;

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
    gboolean sessions;           /* the target keeps the caller's session */
    guint m_made, m_retries, m_failed, m_latency;
    CacheCall *cache;            /* a `cache:` call; NULL: a call to `target` */
} Call;

typedef struct {
    guint first, n;              /* calls[first .. first + n) go together */
} Step;

struct CirrusCalls {
    Call *calls;
    guint n_calls;
    Step *steps;
    guint n_steps;
    guint n_main;                /* steps[0 .. n_main): the list itself; then the caches' lists */
    guint widest;                /* the most calls in one step */
    gboolean single;             /* after link: one plain sync call (the single path, above) */
    const char *who;
    CirrusCallsDone done;
    CirrusCallsProceed proceed;
    CirrusCallsSession session;  /* NULL: the caller has no sessions */
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
    guint32 key;                 /* a cache call: its key */
    gboolean hit;                /* a cache call: the GET's answer */
} CallOut;

/* A cache call in progress on its miss or write list: where to go on
 * after it, and what to do to the key then. */
typedef struct {
    const Call *call;
    guint return_step, return_end;
    guint32 key;
    gboolean writing;
} CacheFrame;

struct CirrusCallRun {
    CirrusRequest *req;
    void *state;
    union {
        CallOut one;             /* the single path: its call (no pool object of its own) */
        struct {                 /* the general path */
            guint step;          /* the next step to start */
            guint end;           /* the end of the steps it is in (n_main, or a cache's list's) */
            guint n_frames;
            CacheFrame frames[MAX_CACHE_DEPTH];
            guint64 session;     /* the caller's session for this request; 0: none */
            guint pending;       /* sync calls of the current step not yet answered */
        };
    };
    CallOut *outs[];             /* the general path: `widest` slots */
};

/* ---- configuration --------------------------------------------------------- */

/* A `cache:` call (cache.h): the cache, its lists, writes and keys. */
static gboolean read_cache_call(CirrusNode *item, Call *c, GError **error)
{
    static const char *const writes[] = {"around", "through", "invalidate", NULL};
    CacheCall *cc = c->cache = g_new0(CacheCall, 1);
    const char *name;
    int write;
    if (!cirrus_cfg_string(item, "cache", NULL, &name, error) ||
        !cirrus_cfg_require(item, "on_miss", "the calls a miss makes (lazy loading)", error) ||
        !cirrus_cfg_list(item, "on_miss", &cc->on_miss, error) ||
        !cirrus_cfg_list(item, "on_write", &cc->on_write, error) ||
        !cirrus_cfg_double(item, "writes", 0.0, 0.0, 1.0, &cc->writes, error) ||
        !cirrus_cfg_enum(item, "write", writes, WRITE_AROUND, &write, error) ||
        !cirrus_cfg_duration(item, "timeout", 0, 0, CIRRUS_DAY, &c->timeout, error))
        return FALSE;
    if (cirrus_node_peek(item, "keys") && !cirrus_keys_read(item, "keys", 1, CIRRUS_KEYS_MAX, &cc->own_keys, error))
        return FALSE;
    cc->keys_at = cirrus_node_peek(item, "keys");
    cc->write = (CacheWrite)write;
    if (cirrus_node_len(cc->on_miss) == 0) {
        cirrus_node_error(cc->on_miss, error, "'on_miss' needs at least one call: where a miss reads the data from");
        return FALSE;
    }
    if ((cc->writes > 0) != (cc->on_write && cirrus_node_len(cc->on_write) > 0)) {
        cirrus_node_error(cc->writes > 0 ? cirrus_node_peek(item, "writes") : cirrus_node_peek(item, "on_write"),
                          error, cc->writes > 0 ? "'writes' needs 'on_write': the calls a write makes"
                                                : "'on_write' needs 'writes': the share of requests that write");
        return FALSE;
    }
    if (cirrus_node_peek(item, "write") && cc->writes == 0) {
        cirrus_node_error(cirrus_node_peek(item, "write"), error,
                          "'write' says what a write does to the cache; give 'writes' and 'on_write' too");
        return FALSE;
    }
    c->target_name = g_strdup(name);
    c->target_at = cirrus_node_peek(item, "cache");
    c->mode = CIRRUS_INVOKE_SYNC;
    c->probability = 1.0;
    c->size = -1;
    return TRUE;
}

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
    if (cirrus_node_peek(item, "cache")) return read_cache_call(item, c, error);
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

/* One entry of a list: a call, or a parallel group of calls. */
static gboolean read_step(CirrusCalls *calls, CirrusNode *item, GArray *list, GArray *steps, GError **error)
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
        if (group && cirrus_node_kind(one) == CIRRUS_NODE_MAP && cirrus_node_peek(one, "cache")) {
            cirrus_node_error(cirrus_node_peek(one, "cache"), error,
                              "a cache call is a step of its own: put it before or after the parallel group");
            return FALSE;
        }
        g_array_set_size(list, list->len + 1);
        if (!read_call(one, &g_array_index(list, Call, list->len - 1), error)) return FALSE;
    }
    g_array_append_val(steps, step);
    calls->widest = MAX(calls->widest, step.n);
    return TRUE;
}

/* The entries of `list` as consecutive steps (*first, *n), then the lists
 * of its cache calls after them, `depth` caches deep. */
static gboolean read_list(CirrusCalls *calls, CirrusNode *list, guint depth, GArray *parsed, GArray *steps,
                          guint *first, guint *n, GError **error)
{
    guint n_items = cirrus_node_len(list), first_call = parsed->len;
    *first = steps->len;
    *n = n_items;
    for (guint i = 0; i < n_items; i++)
        if (!read_step(calls, cirrus_node_item(list, i), parsed, steps, error)) return FALSE;
    guint last_call = parsed->len;
    for (guint i = first_call; i < last_call; i++) {
        CacheCall *cc = g_array_index(parsed, Call, i).cache;
        if (!cc) continue;
        if (depth >= MAX_CACHE_DEPTH) {
            cirrus_node_error(g_array_index(parsed, Call, i).target_at, error,
                              "caches nest at most %d deep (a cache call in an on_miss in ...)", MAX_CACHE_DEPTH);
            return FALSE;
        }
        if (!read_list(calls, cc->on_miss, depth + 1, parsed, steps, &cc->miss_first, &cc->miss_n, error)) return FALSE;
        if (cc->on_write &&
            !read_list(calls, cc->on_write, depth + 1, parsed, steps, &cc->write_first, &cc->write_n, error))
            return FALSE;
    }
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
    GArray *steps = g_array_new(FALSE, TRUE, sizeof(Step));
    guint first;
    calls->who = who;
    calls->done = done;
    calls->proceed = proceed;
    gboolean ok = read_list(calls, list, 0, parsed, steps, &first, &calls->n_main, error);
    calls->n_calls = parsed->len;
    calls->calls = (Call *)(void *)g_array_free(parsed, FALSE);
    calls->n_steps = steps->len;
    calls->steps = (Step *)(void *)g_array_free(steps, FALSE);
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

/* A cache call's cache, and the keys it draws from. */
static gboolean link_cache_call(Call *c, CirrusComponent *self, CirrusScenario *sc, GError **error)
{
    CacheCall *cc = c->cache;
    c->target = cirrus_protocol_lookup(sc, self, c->target_at, c->target_name, CIRRUS_SPEAKS_CACHE, "'cache'",
                                       "a cache", error);
    if (!c->target) return FALSE;
    const CirrusKeys *theirs = cirrus_cache_keys(c->target);
    cc->keys = cc->own_keys.count ? &cc->own_keys : theirs;
    if (cc->keys->count > theirs->count) {
        cirrus_node_error(cc->keys_at, error, "the call's keys (count %u) must be among the cache's (count %u)",
                          cc->keys->count, theirs->count);
        return FALSE;
    }
    cirrus_scenario_sync_call(sc, self, c->target, c->target_at);
    c->m_made = call_metric(self, "CallsMade", c->target_name, CIRRUS_METRIC_COUNT, "Count");
    c->m_failed = call_metric(self, "CallFailures", c->target_name, CIRRUS_METRIC_COUNT, "Count");
    c->m_latency = call_metric(self, "CallLatency", c->target_name, CIRRUS_METRIC_LATENCY, "Seconds");
    return TRUE;
}

gboolean cirrus_calls_link(CirrusCalls *calls, CirrusComponent *self, CirrusScenario *sc, GError **error)
{
    if (!calls) return TRUE;
    for (guint i = 0; i < calls->n_calls; i++) {
        Call *c = &calls->calls[i];
        if (c->cache) {
            if (!link_cache_call(c, self, sc, error)) return FALSE;
            continue;
        }
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
        c->sessions = inv && inv->sessions;
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
    /* Here, once the target's retry defaults and batches are known: a call
     * that may be retried, timed out, skipped or answered in part needs
     * the general path. */
    const Call *c = &calls->calls[0];
    calls->single = calls->n_main == 1 && calls->steps[0].n == 1 && !c->cache && c->mode == CIRRUS_INVOKE_SYNC &&
                    c->probability >= 1.0 && c->timeout == 0 && c->retry.max_retries == 0 && !c->retry.has_quota &&
                    !c->partial;
    return TRUE;
}

void cirrus_calls_set_session(CirrusCalls *calls, CirrusCallsSession session)
{
    if (calls) calls->session = session;
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
    for (guint i = 0; i < calls->n_calls; i++) {
        g_free(calls->calls[i].target_name);
        if (calls->calls[i].cache) cirrus_keys_clear(&calls->calls[i].cache->own_keys);
        g_free(calls->calls[i].cache);
    }
    g_free(calls->calls);
    g_free(calls->steps);
    if (calls->runs) cirrus_pool_free(calls->runs);
    if (calls->outs) cirrus_pool_free(calls->outs);
    g_free(calls);
}

/* ---- running ------------------------------------------------------------------ */

/* An attempt of call `c` on behalf of `req`: the request's client, size
 * and creation time; the call's own protocol keys and mode; the caller's
 * `session` when the target keeps sessions. */
static CirrusRequest *new_attempt(CirrusComponent *self, const Call *c, const CirrusRequest *req, guint n,
                                  guint64 session)
{
    CirrusRequest *d = cirrus_request_copy(self, req);
    CirrusRequestData *data = cirrus_request_data(d);
    data->next = NULL;
    data->ref.dedup_id = 0;   /* nothing of the request's own protocol (an LB's instance, a receipt) */
    if (c->sessions) data->session = session;
    cirrus_request_keys_apply(&c->keys, d);
    if (c->size >= 0) d->size = c->size;
    d->invocation = (guint8)c->mode;
    d->attempt = n;
    d->abandoned = 0;
    return d;
}

/* inline: gcc leaves it out of line (four callers), and the single path
 * would pay a call for a few stores. */
/* `last`: the handler's last act (cirrus_send_last).  The timer goes
 * first: of the two posts it alone takes a place in the pending-event
 * set (the hand-over, from a handler, goes to the due-now ring), so
 * either order is the same, and this one lets the hand-over be last. */
static inline void send_attempt(CirrusComponent *self, CallOut *out, gboolean last)
{
    CirrusRequest *d = out->attempt;
    d->caller.ptr = out;
    /* Only a waited-for attempt times out (a cache's fill is not waited for). */
    if (out->call->timeout > 0 && out->run) cirrus_schedule(self, out->call->timeout, CIRRUS_CALL_TIMEOUT, d, d->id);
    if (last) cirrus_send_last(self, out->call->target, d);
    else cirrus_send(self, out->call->target, d, 0);
}

static void drop_out(CirrusCalls *calls, CallOut *out)
{
    if (out->run) out->run->outs[out->slot] = NULL;
    cirrus_pool_release(calls->outs, out);
}

/* The run is freed, and the model hears unless it gave the run up. */
static void run_free(CirrusCalls *calls, CirrusComponent *self, CirrusCallRun *run, CirrusOutcome outcome,
                     gboolean tell)
{
    CirrusRequest *req = run->req;
    void *state = run->state;
    cirrus_pool_release(calls->runs, run);
    if (tell) calls->done(self, state, req, outcome);
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
    run_free(calls, self, run, outcome, tell);
}

/* May the run's request go on making calls (CirrusCallsProceed)? */
static gboolean may_proceed(const CirrusCalls *calls, CirrusComponent *self, const CirrusCallRun *run)
{
    return !calls->proceed || calls->proceed(self, run->state, run->req);
}

/* A sync call's answer, ok or not, for its metrics (its latency from the
 * first attempt).  Always inline: gcc would keep it out of line (three
 * callers), a call and its register saves on every answer. */
static inline __attribute__((always_inline)) void record_answer(CirrusComponent *self, const Call *c,
                                                                const CallOut *out, CirrusOutcome outcome)
{
    cirrus_metric_latency(self, c->m_latency, cirrus_now(self) - out->first_sent);
    if (outcome != CIRRUS_OUTCOME_OK) cirrus_metric_count(self, c->m_failed, 1);
}

/* A cache request for `key` with operation `op`, on behalf of `req`. */
static CirrusRequest *cache_attempt(CirrusComponent *self, const Call *c, const CirrusRequest *req, CirrusCacheOp op,
                                    guint32 key, CirrusInvocation mode)
{
    CirrusRequest *d = new_attempt(self, c, req, 0, 0);
    CirrusRequestData *data = cirrus_request_data(d);
    data->keys.operation = (guint8)op;
    data->keys.given = CIRRUS_KEYS_OPERATION;
    data->ref.cache.key_plus_1 = key + 1;
    d->invocation = (guint8)mode;
    return d;
}

/* Enter a cache call's miss list (writing: FALSE) or write list, coming
 * back to where the run is now when it is over. */
static void cache_enter(CirrusCallRun *run, const Call *c, guint32 key, gboolean writing)
{
    g_assert(run->n_frames < MAX_CACHE_DEPTH);
    run->frames[run->n_frames++] = (CacheFrame){ c, run->step, run->end, key, writing };
    run->step = writing ? c->cache->write_first : c->cache->miss_first;
    run->end = run->step + (writing ? c->cache->write_n : c->cache->miss_n);
}

/* A cache call's list is over: the key is filled after a miss (lazy
 * loading), set or deleted after a write as the call says — sent without
 * waiting (its answer is not the request's) — and the run goes on after
 * the cache call. */
static void cache_leave(CirrusCalls *calls, CirrusComponent *self, CirrusCallRun *run)
{
    const CacheFrame *f = &run->frames[--run->n_frames];
    const CacheCall *cc = f->call->cache;
    /* Around: the cache is not told; WRITTEN only lets it count stale hits. */
    CirrusCacheOp op = !f->writing || cc->write == WRITE_THROUGH ? CIRRUS_CACHE_SET
                     : cc->write == WRITE_INVALIDATE             ? CIRRUS_CACHE_DELETE
                                                                 : CIRRUS_CACHE_WRITTEN;
    CallOut *out = cirrus_pool_take(calls->outs);   /* the literal below sets it all */
    *out = (CallOut){ .call = f->call, .first_sent = cirrus_now(self) };
    out->attempt = cache_attempt(self, f->call, run->req, op, f->key, CIRRUS_INVOKE_ASYNC);
    send_attempt(self, out, FALSE);
    run->step = f->return_step;
    run->end = f->return_end;
}

/* Start a cache call: a write goes to its write list; a read GETs the key
 * and waits (TRUE). */
static gboolean cache_begin(CirrusCalls *calls, CirrusComponent *self, CirrusCallRun *run, const Call *c)
{
    const CacheCall *cc = c->cache;
    guint32 key = cirrus_keys_draw(cc->keys, &calls->draw_rng);
    if (cc->writes > 0 && cirrus_rng_uniform(&calls->draw_rng) < cc->writes) {
        cache_enter(run, c, key, TRUE);
        return FALSE;
    }
    cirrus_metric_count(self, c->m_made, 1);
    CallOut *out = cirrus_pool_take(calls->outs);   /* the literal below sets it all */
    *out = (CallOut){ .run = run, .call = c, .first_sent = cirrus_now(self), .key = key };
    out->attempt = cache_attempt(self, c, run->req, CIRRUS_CACHE_GET, key, CIRRUS_INVOKE_SYNC);
    run->outs[0] = out;
    run->pending = 1;
    send_attempt(self, out, FALSE);
    return TRUE;
}

/* Start steps until one has sync calls to wait for, or the list ends.
 * FALSE when the run is over (and freed). */
static gboolean advance(CirrusCalls *calls, CirrusComponent *self, CirrusCallRun *run)
{
    for (;;) {
        if (run->step >= run->end) {
            if (run->n_frames == 0) break;
            cache_leave(calls, self, run);
            continue;
        }
        if (!may_proceed(calls, self, run)) {
            run_end(calls, self, run, CIRRUS_OUTCOME_FAILED, TRUE);
            return FALSE;
        }
        const Step *s = &calls->steps[run->step++];
        run->pending = 0;
        if (calls->calls[s->first].cache) {   /* a cache call is a step of its own */
            if (cache_begin(calls, self, run, &calls->calls[s->first])) return TRUE;
            continue;
        }
        CirrusTime now = cirrus_now(self);   /* here: the last advance of a run starts no step */
        for (guint k = 0; k < s->n; k++) {
            const Call *c = &calls->calls[s->first + k];
            if (c->probability < 1.0 && cirrus_rng_uniform(&calls->draw_rng) >= c->probability) continue;
            cirrus_metric_count(self, c->m_made, 1);
            CallOut *out = cirrus_pool_take(calls->outs);   /* the literal below sets it all */
            *out = (CallOut){ .call = c, .first_sent = now, .wait = c->retry.backoff.base };
            out->attempt = new_attempt(self, c, run->req, 0, run->session);
            if (c->mode == CIRRUS_INVOKE_SYNC) {
                out->run = run;
                out->slot = k;
                run->outs[k] = out;
                run->pending++;
            }
            send_attempt(self, out, FALSE);
        }
        if (run->pending > 0) return TRUE;
    }
    run_end(calls, self, run, CIRRUS_OUTCOME_OK, TRUE);
    return FALSE;
}

/* The single path's start: its one call, sent (the general path's advance
 * would make the same call, its probability 1 drawing nothing). */
static CirrusCallRun *begin_single(CirrusCalls *calls, CirrusComponent *self, CirrusCallRun *run, guint64 session,
                                   gboolean last)
{
    if (!may_proceed(calls, self, run)) {
        run_free(calls, self, run, CIRRUS_OUTCOME_FAILED, TRUE);
        return NULL;
    }
    const Call *c = &calls->calls[0];
    cirrus_metric_count(self, c->m_made, 1);
    CallOut *out = &run->one;   /* only run, call, attempt and first_sent are read on this path */
    out->run = run;
    out->call = c;
    out->first_sent = cirrus_now(self);
    out->attempt = new_attempt(self, c, run->req, 0, session);
    send_attempt(self, out, last);
    return run;
}

/* The single path's reply: no retry, no step after it — the run is over. */
static void single_answered(CirrusCalls *calls, CirrusComponent *self, CallOut *out, CirrusRequest *d)
{
    CirrusOutcome outcome = (CirrusOutcome)d->outcome;
    gboolean abandoned = d->abandoned;
    cirrus_request_free(self, d);
    if (abandoned) return;   /* its run was given up, and `out` with it */
    record_answer(self, out->call, out, outcome);
    run_free(calls, self, out->run, outcome == CIRRUS_OUTCOME_OK ? CIRRUS_OUTCOME_OK : CIRRUS_OUTCOME_FAILED, TRUE);
}

/* cirrus_calls_begin; `last`: as the handler's last act. */
static CirrusCallRun *calls_begin(CirrusCalls *calls, CirrusComponent *self, void *state, CirrusRequest *req,
                                  gboolean last)
{
    /* Not zeroed: every field is set here, and frames[] is read only
     * below n_frames (cache_enter writes before it counts). */
    CirrusCallRun *run = cirrus_pool_take(calls->runs);
    run->req = req;
    run->state = state;
    guint64 session = calls->session ? calls->session(self, state, req) : 0;
    if (calls->single) return begin_single(calls, self, run, session, last);
    run->step = 0;
    run->end = calls->n_main;
    run->n_frames = 0;
    run->session = session;
    run->pending = 0;
    /* The first slot by hand: most lists are of single calls (widest 1),
     * and gcc makes the loop a call to memset. */
    run->outs[0] = NULL;
    for (guint k = 1; k < calls->widest; k++) run->outs[k] = NULL;
    return advance(calls, self, run) ? run : NULL;
}

CirrusCallRun *cirrus_calls_begin(CirrusCalls *calls, CirrusComponent *self, void *state, CirrusRequest *req)
{
    return calls_begin(calls, self, state, req, FALSE);
}

void cirrus_calls_begin_last(CirrusCalls *calls, CirrusComponent *self, void *state, CirrusRequest *req)
{
    calls_begin(calls, self, state, req, TRUE);
}

void cirrus_calls_abandon(CirrusCalls *calls, CirrusComponent *self, CirrusCallRun *run)
{
    if (calls->single) {
        run->one.attempt->abandoned = 1;   /* a single run lives while its attempt is out: its reply frees it */
        run_free(calls, self, run, CIRRUS_OUTCOME_FAILED, FALSE);
        return;
    }
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
    out->attempt = new_attempt(self, c, out->run->req, out->n, out->run->session);
    if (out->unprocessed) cirrus_request_data(out->attempt)->keys.items = out->unprocessed;
    if (out->memo) cirrus_request_data(out->attempt)->ref.answer.memo = out->memo;
    out->attempt->caller.ptr = out;
    cirrus_schedule(self, out->wait, CIRRUS_CALL_RETRY, out->attempt, 0);
    return TRUE;
}

/* A cache call's GET is answered: a hit ends the step; a miss — or a
 * cache that could not answer, as cache-aside code falls back to the data
 * store — makes the miss list. */
static void cache_answered(CirrusCalls *calls, CirrusComponent *self, CallOut *out, CirrusOutcome outcome)
{
    const Call *c = out->call;
    CirrusCallRun *run = out->run;
    gboolean hit = outcome == CIRRUS_OUTCOME_OK && out->hit;
    guint32 key = out->key;
    record_answer(self, c, out, outcome);
    drop_out(calls, out);
    run->pending = 0;
    if (!hit) cache_enter(run, c, key, FALSE);
    advance(calls, self, run);
}

/* The current attempt of a sync call is over with `outcome`. */
static void call_answered(CirrusCalls *calls, CirrusComponent *self, CallOut *out, CirrusOutcome outcome)
{
    out->attempt = NULL;
    if (out->call->cache) {
        cache_answered(calls, self, out, outcome);
        return;
    }
    if (outcome != CIRRUS_OUTCOME_OK && retry(calls, self, out, outcome)) return;
    const Call *c = out->call;
    CirrusCallRun *run = out->run;
    record_answer(self, c, out, outcome);
    if (outcome == CIRRUS_OUTCOME_OK) {
        CirrusRetryPolicy *p = &calls->calls[c - calls->calls].retry;
        if (p->has_quota) cirrus_retry_quota_success(&p->quota, out->quota_taken);
        drop_out(calls, out);
        if (--run->pending == 0) advance(calls, self, run);
    } else {
        drop_out(calls, out);
        run_end(calls, self, run, CIRRUS_OUTCOME_FAILED, TRUE);
    }
}

/* A reply to one of the calls' attempts (TRUE), or to the model's own
 * request (FALSE). */
static gboolean replied(CirrusCalls *calls, CirrusComponent *self, CirrusRequest *d)
{
    CallOut *out = d->caller.ptr;
    if (!out) return FALSE;   /* not a call's: the model's own */
    if (calls->single) {
        single_answered(calls, self, out, d);
        return TRUE;
    }
    CirrusOutcome outcome = (CirrusOutcome)d->outcome;
    if (d->abandoned) {
        /* Timed out or its run is over: its CallOut is gone (back in the
         * pool, perhaps another call's by now) or waits on a retry, whose
         * own answer is the one that counts — so nothing of this late
         * answer is kept. */
        cirrus_request_free(self, d);
        return TRUE;
    }
    if (out->call->memo) out->memo = cirrus_request_data(d)->ref.answer.memo;
    if (out->call->cache) out->hit = cirrus_request_data(d)->ref.cache.hit != 0;
    if (out->call->partial && outcome == CIRRUS_OUTCOME_OK) {
        /* A batch with items left unprocessed is not done yet: it is
         * retried with those items, as a throttle would be. */
        out->unprocessed = cirrus_request_data(d)->ref.answer.unprocessed;
        if (out->unprocessed) outcome = CIRRUS_OUTCOME_THROTTLED;
    }
    cirrus_request_free(self, d);
    if (!out->run) {              /* async: accepted or refused, nobody waits */
        if (outcome != CIRRUS_OUTCOME_OK) cirrus_metric_count(self, out->call->m_failed, 1);
        drop_out(calls, out);
        return TRUE;
    }
    call_answered(calls, self, out, outcome);
    return TRUE;
}

gboolean cirrus_calls_handle_event(CirrusCalls *calls, CirrusComponent *self, const CirrusEvent *ev)
{
    CirrusRequest *d = ev->request;
    /* Replies first: most of the events the calls get. */
    if (ev->kind == CIRRUS_EVENT_REPLY) return replied(calls, self, d);
    switch (ev->kind) {
    case CIRRUS_CALL_TIMEOUT:
        /* Only the same attempt still waiting counts: it may have been
         * answered (its reply on the way) or freed and its memory reused. */
        if (d->id != ev->data || d->abandoned || d->outcome != CIRRUS_OUTCOME_PENDING) return TRUE;
        d->abandoned = 1;   /* the late reply is dropped */
        call_answered(calls, self, d->caller.ptr, CIRRUS_OUTCOME_TIMED_OUT);
        return TRUE;
    case CIRRUS_CALL_RETRY:
        if (d->abandoned) cirrus_request_free(self, d);   /* its run ended meanwhile */
        else send_attempt(self, d->caller.ptr, FALSE);
        return TRUE;
    default:
        return FALSE;
    }
}
