/* cirrus — a request's way through API Gateway (see apigateway-private.h,
 * docs/models/apigateway.md):
 *
 *   payload limit (413) -> throttles and quota (429) -> Lambda authorizer
 *   (its policy cached per client) -> stage cache (GETs) -> integration
 *   (its timeout: 504) -> the answer, after the gateway's own time.
 *
 * A request held at the gateway has a context (ApigwCtx, pooled) for as
 * long as the authorizer or the integration has its copy; the copy's
 * `caller` word points at it.  An integration that times out leaves its
 * copy abandoned: the backend goes on (a Lambda function runs and is
 * billed to its end) and its late answer is dropped. */
#include "models/apigateway/apigateway-private.h"

const char *const apigw_methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", NULL};

/* The answer's HTTP class, kept with its outcome in req->holder until the
 * answer leaves. */
enum { CLASS_2XX = 2, CLASS_4XX = 4, CLASS_5XX = 5 };

/* Answer `req` with `outcome` (an HTTP `cls`) after the gateway's own
 * time; `ctx`, if any, is done with. */
static void answer(CirrusComponent *self, Apigw *g, ApigwCtx *ctx, CirrusRequest *req, CirrusOutcome outcome, int cls)
{
    if (ctx) cirrus_pool_release(g->ctxs, ctx);
    req->holder = (guint64)outcome | ((guint64)cls << 8);
    double seconds = cirrus_dist_sample(&g->overhead, &g->rng) * g->faults->slowdown;
    cirrus_schedule(self, cirrus_time_from_s(seconds), APIGW_ANSWER, req, 0);
}

void apigw_on_answer(CirrusComponent *self, Apigw *g, CirrusRequest *req)
{
    CirrusOutcome outcome = (CirrusOutcome)(req->holder & 0xFF);
    int cls = (int)(req->holder >> 8);
    (void)g;
    if (cls == CLASS_4XX) cirrus_metric_count(self, M_4XX, 1);
    if (cls == CLASS_5XX) cirrus_metric_count(self, M_5XX, 1);
    cirrus_metric_latency(self, M_LATENCY, cirrus_now(self) - req->arrived);
    /* An HTTP API answers every request, whatever its caller does with
     * the answer (an async caller's "accepted" is this response too).
     * The handler's last act: it may be handled at once. */
    cirrus_reply_last(self, req, outcome);
}

/* A copy of the request for the authorizer or the integration, keyed as
 * `keys` says (NULL: no protocol keys: the target's defaults). */
static CirrusRequest *copy_for(CirrusComponent *self, ApigwCtx *ctx, const CirrusRequestKeysSpec *keys,
                               CirrusInvocation mode)
{
    CirrusRequest *d = cirrus_request_copy(self, ctx->req);
    CirrusRequestData *data = cirrus_request_data(d);
    data->next = NULL;
    data->ref.dedup_id = 0;
    data->keys = keys ? keys->resolved : (CirrusRequestKeys){0};
    d->invocation = (guint8)mode;
    d->attempt = 0;
    d->abandoned = 0;
    d->caller.ptr = ctx;
    return d;
}

static void integrate(CirrusComponent *self, Apigw *g, ApigwCtx *ctx)
{
    const ApigwIntegration *in = ctx->integration;
    if (!in->target) {   /* mock: API Gateway answers itself */
        answer(self, g, ctx, ctx->req, CIRRUS_OUTCOME_OK, CLASS_2XX);
        return;
    }
    CirrusRequest *d = copy_for(self, ctx, &in->keys, in->mode);
    ctx->out = d;
    ctx->authorizing = FALSE;
    ctx->sent = cirrus_now(self);
    /* Every caller's last act (proceed's, itself the last of its
     * callers'): the timer, then the hand-over, which may be handled at
     * once. */
    cirrus_schedule(self, g->timeout, APIGW_TIMEOUT, d, d->id);
    cirrus_send_last(self, in->target, d);
}

/* Authorized: billed (AWS does not charge for throttled or unauthorized
 * requests), then the stage cache, then the integration. */
static void proceed(CirrusComponent *self, Apigw *g, ApigwCtx *ctx)
{
    guint8 method = cirrus_request_data(ctx->req)->keys.operation;
    gint64 size = ctx->req->size;
    g->billed += g->api == API_HTTP ? MAX(1, (size + 512 * 1024 - 1) / (512 * 1024)) : 1;
    cirrus_metric_count(self, M_BILLED, 1);
    if (g->cache && (g->cache_methods & (1u << method))) {
        guint32 key = cirrus_keys_draw(&g->cache_keys, &g->cache_rng);
        if (cirrus_cache_get(g->cache, key, cirrus_now(self), &g->cache_rng)) {
            cirrus_metric_count(self, M_CACHE_HITS, 1);
            answer(self, g, ctx, ctx->req, CIRRUS_OUTCOME_OK, CLASS_2XX);
            return;
        }
        cirrus_metric_count(self, M_CACHE_MISSES, 1);
        ctx->cache_key = key + 1;
    }
    integrate(self, g, ctx);
}

/* A policy the authorizer returned for this client is still cached. */
static gboolean policy_cached(Apigw *g, guint64 identity, CirrusTime now)
{
    gpointer expiry;
    if (!g->policies || !g_hash_table_lookup_extended(g->policies, &identity, NULL, &expiry)) return FALSE;
    return (CirrusTime)GPOINTER_TO_SIZE(expiry) > now;
}

void apigw_on_request(CirrusComponent *self, Apigw *g, CirrusRequest *req)
{
    CirrusRequestData *data = cirrus_request_data(req);
    CirrusTime now = cirrus_now(self);
    gboolean quota;
    cirrus_metric_count(self, M_COUNT, 1);
    if (!(data->keys.given & CIRRUS_KEYS_OPERATION)) data->keys.operation = 0;   /* GET */
    if (cirrus_fault_down(g->faults)) {
        answer(self, g, NULL, req, CIRRUS_OUTCOME_FAILED, CLASS_5XX);
        return;
    }
    if (req->size > g->max_payload) {   /* 413 Request Entity Too Large */
        answer(self, g, NULL, req, CIRRUS_OUTCOME_REJECTED, CLASS_4XX);
        return;
    }
    if (!apigw_admit(g, req, data->keys.operation, now, &quota)) {   /* 429 */
        cirrus_metric_count(self, quota ? M_QUOTA : M_THROTTLES, 1);
        answer(self, g, NULL, req, CIRRUS_OUTCOME_THROTTLED, CLASS_4XX);
        return;
    }
    ApigwCtx *ctx = cirrus_pool_alloc(g->ctxs);
    *ctx = (ApigwCtx){ .req = req, .integration = &g->integration };
    if (g->canary_share > 0 && cirrus_rng_uniform(&g->rng) < g->canary_share) {
        ctx->integration = &g->canary;
        cirrus_metric_count(self, M_CANARY, 1);
    }
    if (g->authorizer) {
        ctx->identity = apigw_identity(req);
        if (!policy_cached(g, ctx->identity, now)) {
            cirrus_metric_count(self, M_AUTHORIZER_CALLS, 1);
            CirrusRequest *d = copy_for(self, ctx, NULL, CIRRUS_INVOKE_SYNC);
            ctx->out = d;
            ctx->authorizing = TRUE;
            cirrus_send_last(self, g->authorizer, d);
            return;
        }
        cirrus_metric_count(self, M_AUTHORIZER_CACHE_HITS, 1);
    }
    proceed(self, g, ctx);
}

void apigw_on_reply(CirrusComponent *self, Apigw *g, CirrusRequest *reply)
{
    ApigwCtx *ctx = reply->caller.ptr;
    CirrusOutcome outcome = (CirrusOutcome)reply->outcome;
    gboolean abandoned = reply->abandoned;
    cirrus_request_free(self, reply);
    if (abandoned) return;   /* the integration timed out: answered 504 already */
    ctx->out = NULL;
    CirrusTime now = cirrus_now(self);
    if (ctx->authorizing) {
        if (outcome != CIRRUS_OUTCOME_OK) {   /* the authorizer failed: AWS answers 500 */
            answer(self, g, ctx, ctx->req, CIRRUS_OUTCOME_FAILED, CLASS_5XX);
            return;
        }
        if (g->authorizer_ttl > 0) {
            guint64 *id = g_new(guint64, 1);
            *id = ctx->identity;
            g_hash_table_replace(g->policies, id, GSIZE_TO_POINTER((gsize)(now + g->authorizer_ttl)));
        }
        proceed(self, g, ctx);
        return;
    }
    cirrus_metric_latency(self, M_INTEGRATION_LATENCY, now - ctx->sent);
    if (outcome != CIRRUS_OUTCOME_OK) {   /* 502 Bad Gateway / 500 */
        answer(self, g, ctx, ctx->req, CIRRUS_OUTCOME_FAILED, CLASS_5XX);
        return;
    }
    if (ctx->cache_key) cirrus_cache_set(g->cache, ctx->cache_key - 1, now, &g->cache_rng);
    answer(self, g, ctx, ctx->req, CIRRUS_OUTCOME_OK, CLASS_2XX);
}

void apigw_on_timeout(CirrusComponent *self, Apigw *g, CirrusRequest *out, guint64 id)
{
    /* Only the same copy still unanswered: it may have been answered (its
     * reply on the way) or freed and its memory reused. */
    if (out->id != id || out->abandoned || out->outcome != CIRRUS_OUTCOME_PENDING) return;
    ApigwCtx *ctx = out->caller.ptr;
    out->abandoned = 1;   /* the backend goes on; its answer is dropped */
    cirrus_metric_count(self, M_TIMEOUTS, 1);
    answer(self, g, ctx, ctx->req, CIRRUS_OUTCOME_FAILED, CLASS_5XX);   /* 504 */
}
