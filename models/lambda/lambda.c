/* cirrus — the `lambda` model (see lambda.h, docs/models/lambda.md).
 *
 * An invocation needs an execution environment and a unit of concurrency
 * (lambda_env.c): a provisioned environment if one is idle; else, within
 * the function's reserved concurrency or the account's unreserved pool,
 * an idle on-demand environment, or a new one if the scaling rate allows
 * (a cold start: cold_start, then the handler).  Otherwise it is
 * throttled.  The handler takes `duration` (scaled for memory below one
 * vCPU if asked, times any slowdown), then makes its `calls`
 * (models/protocol/calls.h), its environment busy meanwhile; it fails
 * with probability failure_rate (at the end of its own time, before any
 * call), or when a sync call fails; the `timeout` cuts the whole handler,
 * calls included: an error.  Duration, and the bill, run from the end of
 * the cold start to the end of the handler, calls included.
 *
 * Sync: a throttle is answered THROTTLED at once (counted in Throttles,
 * not Invocations, as CloudWatch does); the end of the invocation answers
 * OK or FAILED.  Async: the event is accepted at once (OK) and goes on as
 * a copy in the function's internal queue.  A throttled attempt, or one
 * lost to a service outage, is retried with exponential backoff (1 s
 * doubling up to 5 min, equal jitter); a function error or timeout is
 * retried max_retries times, 1 min then 2 min after the failure.  An event
 * older than max_event_age, or out of retries, is given up: counted in
 * AsyncEventsDropped and sent to on_failure (as an async request) if there
 * is one.
 *
 * While we hold an async event, its `attempt` counts the function-error
 * retries made, `holder` the throttle (and system error) retries since it
 * last ran, and `arrived` is when we accepted it (its age counts from
 * there). */
#include "models/lambda/lambda-private.h"
#include "models/aws/globals.h"
#include "sim/loader/scenario.h"
#include <math.h>

/* AWS: a function has the equivalent of one vCPU at 1,769 MB. */
#define ONE_VCPU_MB 1769.0
#define MB (G_GINT64_CONSTANT(1) << 20)

/* AWS retries a throttled or system-failed async event after 1 s, then
 * exponentially longer intervals up to 5 minutes. */
#define BACKOFF_BASE CIRRUS_SEC
#define BACKOFF_CAP (5 * CIRRUS_MIN)

static const CirrusMetricDef lambda_metrics[] = {
    [M_INVOCATIONS]    = {"Invocations", CIRRUS_METRIC_COUNT, "Count"},
    [M_ERRORS]         = {"Errors", CIRRUS_METRIC_COUNT, "Count"},
    [M_THROTTLES]      = {"Throttles", CIRRUS_METRIC_COUNT, "Count"},
    [M_CONCURRENT]     = {"ConcurrentExecutions", CIRRUS_METRIC_GAUGE, "Count"},
    [M_DURATION]       = {"Duration", CIRRUS_METRIC_LATENCY, "Seconds"},
    [M_COLD_STARTS]    = {"ColdStarts", CIRRUS_METRIC_COUNT, "Count"},
    [M_DLQ_ERRORS]     = {"DeadLetterErrors", CIRRUS_METRIC_COUNT, "Count"},
    [M_DROPPED]        = {"AsyncEventsDropped", CIRRUS_METRIC_COUNT, "Count"},
    [M_SPILLOVER]      = {"ProvisionedConcurrencySpilloverInvocations", CIRRUS_METRIC_COUNT, "Count"},
    [M_ENVIRONMENTS]   = {"Environments", CIRRUS_METRIC_GAUGE, "Count"},
    [M_PROV_CONCURRENT]= {"ProvisionedConcurrentExecutions", CIRRUS_METRIC_GAUGE, "Count"},
    [M_ASYNC_RECEIVED] = {"AsyncEventsReceived", CIRRUS_METRIC_COUNT, "Count"},
    [M_ASYNC_AGE]      = {"AsyncEventAge", CIRRUS_METRIC_LATENCY, "Seconds"},
    [M_TIMEOUTS]       = {"Timeouts", CIRRUS_METRIC_COUNT, "Count"},
    [M_SERVICE_ERRORS] = {"ServiceErrors", CIRRUS_METRIC_COUNT, "Count"},
    [M_ON_FAILURE_SENT]= {"OnFailureSent", CIRRUS_METRIC_COUNT, "Count"},
    {NULL, 0, NULL},
};

static void calls_done(CirrusComponent *self, void *state, CirrusRequest *req, CirrusOutcome outcome);
static guint64 env_session(CirrusComponent *self, void *state, const CirrusRequest *req);

/* ---- configuration ----------------------------------------------------- */

static gboolean read_scaling_rate(Lambda *f, CirrusNode *cfg, GError **error)
{
    CirrusNode *rate;
    /* AWS (since 2023): each function may add 1,000 execution environments
     * every 10 seconds. */
    return cirrus_cfg_map(cfg, "scaling_rate", &rate, error) &&
           cirrus_cfg_int(rate, "environments", 1000, 1, 1000000, &f->scale_envs, error) &&
           cirrus_cfg_duration(rate, "per", 10 * CIRRUS_SEC, CIRRUS_MS, CIRRUS_DAY, &f->scale_per, error);
}

static gboolean read_async(Lambda *f, CirrusNode *cfg, GError **error)
{
    CirrusNode *async;
    const char *on_failure;
    /* AWS: MaximumRetryAttempts 0-2 (default 2); MaximumEventAgeInSeconds
     * 60-21,600 (default 6 h). */
    if (!cirrus_cfg_map(cfg, "async", &async, error) ||
        !cirrus_cfg_int(async, "max_retries", 2, 0, 2, &f->max_retries, error) ||
        !cirrus_cfg_duration(async, "max_event_age", 6 * CIRRUS_HOUR, CIRRUS_MIN, 6 * CIRRUS_HOUR,
                             &f->max_event_age, error) ||
        !cirrus_cfg_string(async, "on_failure", NULL, &on_failure, error))
        return FALSE;
    if (on_failure) {
        f->on_failure_name = g_strdup(on_failure);
        f->on_failure_at = cirrus_node_peek(async, "on_failure");
    }
    return TRUE;
}

/* Idle environments (docs/models/lambda.md, "Idle environments").  AWS
 * documents none of this.  The defaults follow published measurements:
 * a single idle environment is kept ten minutes (Shilkov 2019, and the
 * 2020 measurements of docs/validation.md), and of N environments idle
 * together half go after each 380 s (SeBS, Copik et al. 2021). */
#define IDLE_LAST_DEFAULT (10 * CIRRUS_MIN)
#define IDLE_PERIOD_DEFAULT (380 * CIRRUS_SEC)
#define IDLE_SURVIVAL_DEFAULT 0.5

static gboolean read_idle(Lambda *f, CirrusNode *cfg, GError **error)
{
    CirrusNode *life;
    const CirrusNode *fixed = cirrus_node_get(cfg, "idle_timeout");   /* asked: a misspelling gets a suggestion */
    if (!cirrus_cfg_map(cfg, "idle_lifetime", &life, error)) return FALSE;
    if (fixed && life) {
        cirrus_node_error(life, error, "give either 'idle_timeout' (every idle environment reclaimed after exactly "
                          "that long) or 'idle_lifetime', not both");
        return FALSE;
    }
    if (fixed) {
        f->idle_fixed = TRUE;
        if (!cirrus_cfg_duration(cfg, "idle_timeout", IDLE_LAST_DEFAULT, 0, CIRRUS_DAY, &f->idle_last, error))
            return FALSE;
        f->idle_min = f->idle_last;
        return TRUE;
    }
    if (!cirrus_cfg_duration(life, "last", IDLE_LAST_DEFAULT, 0, CIRRUS_DAY, &f->idle_last, error) ||
        !cirrus_cfg_duration(life, "period", IDLE_PERIOD_DEFAULT, CIRRUS_SEC, CIRRUS_DAY, &f->idle_period, error) ||
        !cirrus_cfg_double(life, "survival", IDLE_SURVIVAL_DEFAULT, 0.0, 0.999, &f->idle_survival, error))
        return FALSE;
    f->idle_min = MIN(f->idle_last, f->idle_period);
    return TRUE;
}

static gboolean read_memory(Lambda *f, CirrusNode *cfg, GError **error)
{
    gint64 bytes;
    if (!cirrus_cfg_size(cfg, "memory", 128 * MB, &bytes, error)) return FALSE;
    /* AWS: 128 MB to 10,240 MB in 1-MB increments. */
    if (bytes < 128 * MB || bytes > 10240 * MB || bytes % MB != 0) {
        cirrus_node_error(cirrus_node_peek(cfg, "memory"), error,
                          "'memory' must be a whole number of MB from 128MB to 10240MB (AWS's range), got %s",
                          cirrus_node_scalar(cirrus_node_peek(cfg, "memory")));
        return FALSE;
    }
    f->memory_mb = bytes / MB;
    return TRUE;
}

static gboolean lambda_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    static const char *const reuses[] = {"mru", "lru", "random", NULL};
    Lambda *f = state;
    CirrusDist cold_default;
    CirrusNode *source;
    int reuse;
    f->faults = cirrus_component_faults(self);
    /* Counts of invocations and environments: level gauges. */
    cirrus_metric_set_level(self, M_CONCURRENT, 1, 1);
    cirrus_metric_set_level(self, M_PROV_CONCURRENT, 1, 1);
    cirrus_metric_set_level(self, M_ENVIRONMENTS, 1, 1);
    if (!cirrus_cfg_map(cfg, "event_source", &source, error) ||
        (source && !lambda_esm_configure(self, f, source, error)))
        return FALSE;
    /* Cold start: AWS publishes no figure (it depends on the runtime, the
     * package and the init code); 250 ms, lognormal with cv 0.5, is a
     * typical small Node.js or Python function. */
    if (!cirrus_dist_set(&cold_default, CIRRUS_DIST_LOGNORMAL, 0.250, 0.5, error)) return FALSE;
    /* AWS: timeout 1-900 s, default 3 s.  Idle reclamation and max_lifetime
     * are not documented by AWS: see docs/models/lambda.md for the choices. */
    if (!read_memory(f, cfg, error) ||
        !cirrus_cfg_duration(cfg, "timeout", 3 * CIRRUS_SEC, CIRRUS_SEC, 900 * CIRRUS_SEC, &f->timeout, error) ||
        !cirrus_cfg_int(cfg, "reserved_concurrency", -1, 0, 10000000, &f->reserved, error) ||
        !cirrus_cfg_int(cfg, "provisioned_concurrency", 0, 0, 10000000, &f->provisioned, error) ||
        !cirrus_cfg_dist(cfg, "duration", NULL, &f->duration, error) ||
        !cirrus_cfg_dist(cfg, "cold_start", &cold_default, &f->cold_start, error) ||
        !read_idle(f, cfg, error) ||
        !cirrus_cfg_duration(cfg, "max_lifetime", 2 * CIRRUS_HOUR, CIRRUS_SEC, 365 * CIRRUS_DAY,
                             &f->max_lifetime, error) ||
        !cirrus_cfg_double(cfg, "failure_rate", 0.0, 0.0, 1.0, &f->failure_rate, error) ||
        !cirrus_cfg_bool(cfg, "scale_duration_with_memory", FALSE, &f->scale_with_memory, error) ||
        !cirrus_cfg_enum(cfg, "reuse", reuses, REUSE_MRU, &reuse, error) ||
        !read_scaling_rate(f, cfg, error) || !read_async(f, cfg, error) ||
        !cirrus_calls_read(self, cfg, "calls", "a function", calls_done, NULL, &f->calls, error)) {
        cirrus_dist_clear(&cold_default);
        return FALSE;
    }
    cirrus_dist_clear(&cold_default);
    cirrus_calls_set_session(f->calls, env_session);
    f->session_base = g_str_hash(cirrus_component_name(self));   /* a stable hash: runs stay identical */
    f->reuse = (Reuse)reuse;
    f->reserved_at = cirrus_node_peek(cfg, "reserved_concurrency");
    f->provisioned_at = cirrus_node_peek(cfg, "provisioned_concurrency");
    /* AWS: provisioned concurrency cannot exceed reserved concurrency. */
    if (f->reserved >= 0 && f->provisioned > f->reserved) {
        cirrus_node_error(f->provisioned_at, error,
                          "provisioned_concurrency (%" G_GINT64_FORMAT ") cannot exceed reserved_concurrency (%"
                          G_GINT64_FORMAT "), as on AWS", f->provisioned, f->reserved);
        return FALSE;
    }
    f->duration_factor = f->scale_with_memory ? MAX(1.0, ONE_VCPU_MB / (double)f->memory_mb) : 1.0;
    lambda_envs_init(f);
    return TRUE;
}

/* The account's concurrency: each function claims its reservation (or,
 * without one, its provisioned concurrency).  Links run one function after
 * another, so the first whose claim leaves fewer than 100 unreserved is
 * the one named. */
static gboolean claim_concurrency(CirrusComponent *self, Lambda *f, CirrusScenario *sc, GError **error)
{
    LambdaAccount *a = cirrus_component_type_state(self);
    gint64 claim = f->reserved >= 0 ? f->reserved : f->provisioned;
    f->account = a;
    a->limit = cirrus_globals(sc)->lambda_concurrency_limit;
    a->claimed += claim;
    if (claim > 0 && a->limit - a->claimed < LAMBDA_MIN_UNRESERVED) {
        const gboolean res = f->reserved >= 0;
        cirrus_node_error(res ? f->reserved_at : f->provisioned_at, error,
                          "%s %" G_GINT64_FORMAT " for '%s' brings the account's allocated concurrency to %"
                          G_GINT64_FORMAT " of its limit of %" G_GINT64_FORMAT ", leaving %" G_GINT64_FORMAT
                          " unreserved; AWS keeps at least %d unreserved for functions without reserved "
                          "concurrency (lower the reservations or raise account.lambda_concurrency_limit)",
                          res ? "reserved_concurrency" : "provisioned_concurrency", claim,
                          cirrus_component_name(self), a->claimed, a->limit, a->limit - a->claimed,
                          LAMBDA_MIN_UNRESERVED);
        return FALSE;
    }
    return TRUE;
}

static gboolean lambda_link(CirrusComponent *self, void *state, CirrusScenario *sc, GError **error)
{
    Lambda *f = state;
    const CirrusPrices *prices = cirrus_globals(sc)->prices;
    f->usd_request = cirrus_price(prices, "lambda.request");
    f->usd_gb_s = cirrus_price(prices, "lambda.gb_second");
    f->usd_prov_gb_s = cirrus_price(prices, "lambda.provisioned_gb_second");
    if (!claim_concurrency(self, f, sc, error)) return FALSE;
    if (f->esm && !lambda_esm_link(self, f, sc, error)) return FALSE;
    if (!cirrus_calls_link(f->calls, self, sc, error)) return FALSE;
    if (f->on_failure_name) {
        f->on_failure = cirrus_scenario_lookup(sc, f->on_failure_at, f->on_failure_name, error);
        if (!f->on_failure) return FALSE;
        if (f->on_failure == self || !cirrus_speaks(f->on_failure, CIRRUS_SPEAKS_INVOKE)) {
            cirrus_node_error(f->on_failure_at, error, "on_failure '%s' must be another component (a queue, "
                              "a topic, a function or a service), not %s", f->on_failure_name,
                              f->on_failure == self ? "the function itself" : "a workload");
            return FALSE;
        }
    }
    return TRUE;
}

/* ---- invocations ------------------------------------------------------- */

/* `records`: the handler's time is the sum of that many draws of
 * `duration` (an event source mapping's batch, processed one by one). */
static void start_invocation(CirrusComponent *self, Lambda *f, guint32 slot, CirrusRequest *req, gboolean cold,
                             guint records)
{
    CirrusRng *rng = cirrus_component_rng(self);
    CirrusTime init = 0;
    if (cold) {
        cirrus_metric_count(self, M_COLD_STARTS, 1);
        init = cirrus_time_from_s(cirrus_dist_sample(&f->cold_start, rng));
    }
    double seconds = 0;
    for (guint r = 0; r < records; r++) seconds += cirrus_dist_sample(&f->duration, rng);
    seconds *= f->duration_factor * f->faults->slowdown;
    CirrusTime handler = cirrus_time_from_s(seconds);
    End end = END_OK;
    if (f->failure_rate > 0 && cirrus_rng_uniform(rng) < f->failure_rate) end = END_ERROR;
    if (handler > f->timeout) {
        handler = f->timeout;   /* cut off: the invocation ends (and is billed) at the timeout */
        end = END_TIMEOUT;
    }
    Env *e = lambda_env(f, slot);
    e->req = req;
    e->started = cirrus_now(self);
    e->init = init;
    e->end = (guint8)end;
    e->epoch = f->faults->epoch;
    e->invocation++;
    cirrus_metric_count(self, M_INVOCATIONS, 1);
    cirrus_schedule(self, init + handler, LAMBDA_DONE, req, slot);
}

/* Schedule an async event's next attempt `delay` from now; one that would
 * come after its maximum age is dropped at that age instead. */
static void schedule_retry(CirrusComponent *self, Lambda *f, CirrusRequest *ev, CirrusTime delay)
{
    CirrusTime now = cirrus_now(self), deadline = ev->arrived + f->max_event_age;
    if (now + delay > deadline) delay = deadline > now ? deadline - now : 0;
    cirrus_schedule(self, delay, LAMBDA_RETRY, ev, ev->id);
}

/* A throttle or a system error: back off exponentially. */
static void backoff(CirrusComponent *self, Lambda *f, CirrusRequest *ev)
{
    guint64 k = MIN(ev->holder, 20);
    CirrusTime d = MIN(BACKOFF_CAP, BACKOFF_BASE << k);
    /* Equal jitter: half the interval, plus a uniform share of the other half. */
    CirrusTime delay = d / 2 + (CirrusTime)(cirrus_rng_uniform(&f->retry_rng) * (double)(d / 2));
    ev->holder++;
    schedule_retry(self, f, ev, delay);
}

/* Out of retries or too old: to on_failure if there is one. */
static void give_up(CirrusComponent *self, Lambda *f, CirrusRequest *ev)
{
    cirrus_metric_count(self, M_DROPPED, 1);
    if (f->on_failure) {
        CirrusRequest *d = cirrus_request_copy(self, ev);
        d->invocation = CIRRUS_INVOKE_ASYNC;
        d->attempt = 0;
        cirrus_batch_link(d, NULL);
        cirrus_request_data(d)->ref.dedup_id = 0;
        d->abandoned = 0;
        cirrus_metric_count(self, M_ON_FAILURE_SENT, 1);
        cirrus_send(self, f->on_failure, d, 0);
    }
    cirrus_request_free(self, ev);
}

/* An async event's attempt: now on arrival, or when a retry is due. */
static void async_attempt(CirrusComponent *self, Lambda *f, CirrusRequest *ev)
{
    CirrusTime now = cirrus_now(self);
    if (now - ev->arrived >= f->max_event_age) {
        give_up(self, f, ev);
        return;
    }
    if (cirrus_fault_down(f->faults)) {   /* the service fails: a system error, retried */
        cirrus_metric_count(self, M_SERVICE_ERRORS, 1);
        backoff(self, f, ev);
        return;
    }
    gboolean cold;
    guint32 slot = lambda_acquire(self, f, &cold);
    if (slot == ENV_NONE) {
        cirrus_metric_count(self, M_THROTTLES, 1);
        backoff(self, f, ev);
        return;
    }
    ev->holder = 0;
    cirrus_metric_latency(self, M_ASYNC_AGE, now - ev->arrived);
    start_invocation(self, f, slot, ev, cold, 1);
}

CirrusOutcome lambda_invoke(CirrusComponent *self, Lambda *f, CirrusRequest *req, guint records)
{
    if (cirrus_fault_down(f->faults)) {
        cirrus_metric_count(self, M_SERVICE_ERRORS, 1);
        return CIRRUS_OUTCOME_FAILED;
    }
    gboolean cold;
    guint32 slot = lambda_acquire(self, f, &cold);
    if (slot == ENV_NONE) {
        cirrus_metric_count(self, M_THROTTLES, 1);
        return CIRRUS_OUTCOME_THROTTLED;
    }
    start_invocation(self, f, slot, req, cold, records);
    return CIRRUS_OUTCOME_OK;
}

/* A synchronous invocation is over: the answer goes to the caller, or to
 * the event source mapping that made it. */
static void answer_sync(CirrusComponent *self, Lambda *f, CirrusRequest *req, CirrusOutcome outcome)
{
    if (lambda_esm_owns(f, self, req)) lambda_esm_invoked(self, f, req, outcome);
    else cirrus_reply_last(self, req, outcome);   /* every caller's last act */
}

static void on_request(CirrusComponent *self, Lambda *f, CirrusRequest *req)
{
    if (cirrus_fault_down(f->faults)) {
        /* The Invoke API itself fails (a 5xx), sync or async. */
        cirrus_metric_count(self, M_SERVICE_ERRORS, 1);
        cirrus_reply_last(self, req, CIRRUS_OUTCOME_FAILED);
        return;
    }
    if (req->invocation == CIRRUS_INVOKE_ASYNC) {
        /* Queued: the caller hears 202 now; the event goes on as a copy. */
        CirrusRequest *ev = cirrus_request_copy(self, req);
        ev->arrived = cirrus_now(self);
        ev->attempt = 0;
        cirrus_batch_link(ev, NULL);
        ev->abandoned = 0;
        cirrus_reply(self, req, CIRRUS_OUTCOME_OK);
        cirrus_metric_count(self, M_ASYNC_RECEIVED, 1);
        async_attempt(self, f, ev);
        return;
    }
    CirrusOutcome started = lambda_invoke(self, f, req, 1);
    if (started != CIRRUS_OUTCOME_OK) cirrus_reply_last(self, req, started);
}

/* The invocation on `slot` is over, as `end` says: Duration and the bill,
 * its environment back, and its answer. */
static void finish_invocation(CirrusComponent *self, Lambda *f, guint32 slot, End end)
{
    Env *e = lambda_env(f, slot);
    CirrusRequest *req = e->req;
    gboolean service_error = e->epoch != f->faults->epoch;
    CirrusTime handler = cirrus_now(self) - e->started - e->init;
    req->holder = 0;   /* no longer its environment's slot (an async event's throttle count again) */
    cirrus_metric_latency(self, M_DURATION, handler);
    /* AWS bills each invocation's duration rounded up to the next 1 ms, the
     * INIT phase of a cold start included (on-demand functions with
     * managed runtimes too, since August 2025). */
    f->billed_ms += (e->init + handler + CIRRUS_MS - 1) / CIRRUS_MS;
    lambda_release(self, f, slot);   /* e is not to be used after this */
    if (service_error) {
        /* Begun before an outage struck: lost to it, not the function's error. */
        cirrus_metric_count(self, M_SERVICE_ERRORS, 1);
        if (req->invocation == CIRRUS_INVOKE_ASYNC) backoff(self, f, req);
        else answer_sync(self, f, req, CIRRUS_OUTCOME_FAILED);
        return;
    }
    if (end != END_OK) {
        cirrus_metric_count(self, M_ERRORS, 1);
        if (end == END_TIMEOUT) cirrus_metric_count(self, M_TIMEOUTS, 1);
    }
    if (req->invocation != CIRRUS_INVOKE_ASYNC) {
        answer_sync(self, f, req, end == END_OK ? CIRRUS_OUTCOME_OK : CIRRUS_OUTCOME_FAILED);
    } else if (end == END_OK) {
        cirrus_request_free(self, req);
    } else if ((gint64)req->attempt < f->max_retries) {
        /* AWS: retried 1 minute after the first failure, 2 minutes after the second. */
        req->attempt++;
        schedule_retry(self, f, req, req->attempt == 1 ? CIRRUS_MIN : 2 * CIRRUS_MIN);
    } else {
        give_up(self, f, req);
    }
}

/* The handler's own time is over: its calls, or the end. */
static void on_done(CirrusComponent *self, Lambda *f, guint32 slot)
{
    Env *e = lambda_env(f, slot);
    if (!f->calls || e->end != END_OK || e->epoch != f->faults->epoch) {
        finish_invocation(self, f, slot, (End)e->end);
        return;
    }
    guint32 invocation = e->invocation;
    CirrusTime deadline = e->started + e->init + f->timeout;
    e->req->holder = slot;   /* ours while it runs: calls_done finds its environment */
    CirrusCallRun *run = cirrus_calls_begin(f->calls, self, f, e->req);
    if (!run) return;   /* no call to wait for: finished already */
    lambda_env(f, slot)->calls = run;
    cirrus_schedule(self, deadline - cirrus_now(self), LAMBDA_DEADLINE, NULL,
                    ((guint64)invocation << 32) | slot);
}

/* An environment's session (calls.h): its life — the slot and the slot's
 * generation — and the function, mixed; what keeps a database connection
 * open from one invocation to the next, as a handler that opens its
 * connection outside the handler does. */
static guint64 env_session(CirrusComponent *self, void *state, const CirrusRequest *req)
{
    Lambda *f = state;
    guint32 slot = (guint32)req->holder;
    guint64 z = f->session_base ^ (((guint64)lambda_env(f, slot)->gen << 32) | slot);
    (void)self;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (z ^ (z >> 31)) | 1;   /* never 0: "no session" */
}

/* The handler's calls are over: it ends, an error if a sync call failed. */
static void calls_done(CirrusComponent *self, void *state, CirrusRequest *req, CirrusOutcome outcome)
{
    Lambda *f = state;
    guint32 slot = (guint32)req->holder;
    lambda_env(f, slot)->calls = NULL;
    finish_invocation(self, f, slot, outcome == CIRRUS_OUTCOME_OK ? END_OK : END_ERROR);
}

/* The timeout cuts a handler still waiting on its calls. */
static void on_deadline(CirrusComponent *self, Lambda *f, guint64 data)
{
    guint32 slot = (guint32)(data & 0xFFFFFFFFu), invocation = (guint32)(data >> 32);
    Env *e = lambda_env(f, slot);
    if (e->state != ENV_BUSY || e->invocation != invocation || !e->calls) return;   /* over already */
    cirrus_calls_abandon(f->calls, self, e->calls);
    e->calls = NULL;
    finish_invocation(self, f, slot, END_TIMEOUT);
}

static void on_reply(CirrusComponent *self, CirrusRequest *d)
{
    /* on_failure's answer: accepted, or not (a failed delivery). */
    if (d->outcome != CIRRUS_OUTCOME_OK) cirrus_metric_count(self, M_DLQ_ERRORS, 1);
    cirrus_request_free(self, d);
}

/* ---- the model ---------------------------------------------------------- */

static void lambda_start(CirrusComponent *self, void *state)
{
    Lambda *f = state;
    cirrus_component_substream(self, "reuse", &f->reuse_rng);
    cirrus_component_substream(self, "retry", &f->retry_rng);
    cirrus_component_substream(self, "idle", &f->idle_rng);
    cirrus_calls_start(f->calls, self);
    lambda_envs_start(self, f);
    if (f->esm) lambda_esm_start(self, f);
}

static void lambda_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    Lambda *f = state;
    if (cirrus_calls_handle(f->calls, self, ev)) return;
    switch (ev->kind) {
    case CIRRUS_EVENT_REQUEST: on_request(self, f, ev->request); break;
    case CIRRUS_EVENT_REPLY: on_reply(self, ev->request); break;
    case LAMBDA_DONE: on_done(self, f, (guint32)ev->data); break;
    case LAMBDA_DEADLINE: on_deadline(self, f, ev->data); break;
    case LAMBDA_RETRY:
        g_assert(ev->request->id == ev->data);   /* we hold it until then */
        async_attempt(self, f, ev->request);
        break;
    case LAMBDA_RECLAIM: lambda_on_reclaim(self, f, ev->data); break;
    case LAMBDA_EXPIRE: lambda_on_expire(self, f, ev->data); break;
    case CIRRUS_EVENT_FAULT_BEGIN: case CIRRUS_EVENT_FAULT_END:
        break;   /* the kernel keeps outages (what runs now fails when it ends) and slowdowns */
    default:
        if (!lambda_esm_handle(self, f, ev)) g_assert_not_reached();
    }
}

static void lambda_destroy(CirrusComponent *self, void *state)
{
    Lambda *f = state;
    (void)self;
    cirrus_dist_clear(&f->duration);
    cirrus_dist_clear(&f->cold_start);
    g_free(f->on_failure_name);
    lambda_envs_clear(f);
    lambda_esm_free(f);
    cirrus_calls_free(f->calls);
}

/* AWS Lambda pricing (https://aws.amazon.com/lambda/pricing/): each request
 * (an invocation that ran, error or not; throttles are not billed), and the
 * duration in GB-seconds at the function's memory; provisioned concurrency
 * is billed per GB-second configured, for the whole run.  The billed
 * duration of an invocation is its cold start (if any) and its handler,
 * rounded up to 1 ms; that of invocations served by provisioned
 * environments is charged here at the on-demand rate (AWS's lower rate for
 * it is left out, docs/cost.md). */
static double lambda_cost(CirrusComponent *self, void *state)
{
    const Lambda *f = state;
    double gb = (double)f->memory_mb / 1024.0;
    double run_s = cirrus_time_to_s(cirrus_now(self));
    return cirrus_metric_run_total(self, M_INVOCATIONS) * f->usd_request +
           (double)f->billed_ms / 1000.0 * gb * f->usd_gb_s +
           (double)f->provisioned * gb * run_s * f->usd_prov_gb_s;
}

static const CirrusInvokeSpec lambda_invoke_spec = {
    .operations = (const char *const[]){"Invoke", NULL},
    .keys = 0,
};

static const struct CirrusProtocols lambda_protocols = {
    .noun = "a lambda function",
    .speaks = CIRRUS_SPEAKS_INVOKE | CIRRUS_SPEAKS_FUNCTION | CIRRUS_SPEAKS_COMPUTE,
    .invoke = &lambda_invoke_spec,
};

const CirrusModelType cirrus_lambda_type = {
    .name = "lambda",
    .state_size = sizeof(Lambda),
    .type_state_size = sizeof(LambdaAccount),
    .configure = lambda_configure,
    .link = lambda_link,
    .start = lambda_start,
    .handle = lambda_handle,
    .destroy = lambda_destroy,
    .metrics = lambda_metrics,
    .cost = lambda_cost,
    .faults = CIRRUS_FAULT_BIT(CIRRUS_FAULT_OUTAGE) | CIRRUS_FAULT_BIT(CIRRUS_FAULT_SLOWDOWN),
    .protocols = &lambda_protocols,
};
