/* cirrus — the compute protocol: a component that runs code makes the
 * downstream calls of its `calls` list (DESIGN.md §6), with one shared
 * implementation for every compute type (service, asg instances, lambda
 * functions, and later ecs tasks).
 *
 *   calls:                                   after the component's own time, in order
 *     - {target: table}                      sync (the default): wait for the reply
 *     - {target: events, mode: async}        send and go on (answered on acceptance)
 *     - {target: cache, probability: 0.3}    made on 30% of requests (a draw per request)
 *     - {target: db, timeout: 2s, retries: {max: 2, base: 50ms, cap: 1s, jitter: full}}
 *     - {target: orders, operation: SendMessage, size: 2KB}   protocol keys (invoke.h)
 *     - parallel: [{target: prices}, {target: stock}]          sent together; wait for all
 *
 * A step is one call or one parallel group.  The steps run one after the
 * other; a sync call (or every sync call of a group) is answered before the
 * next step starts; an async call's acceptance is not waited for.  A sync
 * call that fails — throttled, rejected, failed, or timed out, after its
 * retries — fails the request at once (the model turns that into a 5xx or
 * a function error); the other calls of its group are abandoned (their
 * late replies are dropped).  `retries` follow the client rules
 * (models/aws/retry.h); `timeout` is per attempt, as an SDK's attempt
 * timeout.  A cycle of sync calls is refused at load (sim/loader/callgraph.h).
 * A parallel group may not hold another (one level: list its calls in the
 * outer group).
 *
 * A cache call (cache.h) is a step of its own:
 *     - {cache: sessions, on_miss: [{target: db}], writes: 0.1,
 *        on_write: [{target: db}], write: through | invalidate | around}
 * draws a key (the call's `keys`, else the cache's), GETs it and waits; a
 * hit ends the step; a miss, or a GET that failed or timed out, makes the
 * on_miss steps and then SETs the key without waiting (lazy loading).  A
 * request drawn as a write (share `writes`) makes the on_write steps and
 * then SETs the key (through), DELETEs it (invalidate) or leaves it
 * (around, the default).  Its lists may hold any calls, parallel groups
 * and caches (4 deep).  Metrics: CallsMade.C (GETs), CallFailures.C,
 * CallLatency.C (the GET's).
 *
 * The model calls cirrus_calls_begin() when its own time ends, with the
 * worker (or environment) still held, and gets `done` when the calls are
 * over; its handle() passes replies and the calls' timers to
 * cirrus_calls_handle() first.
 *
 * Metrics, per target T (added only for components with calls):
 *   CallsMade.T     calls made (a retry is not a new call)
 *   CallFailures.T  calls that failed after their retries (sync), or whose
 *                   message was refused (async)
 * and for targets called synchronously
 *   CallRetries.T   retries made
 *   CallLatency.T   from the first attempt to the last answer (ok or not) */
#ifndef CIRRUS_PROTOCOL_CALLS_H
#define CIRRUS_PROTOCOL_CALLS_H

#include "models/protocol/events.h"
#include "models/protocol/invoke.h"
#include "sim/loader/scenario.h"

typedef struct CirrusCalls CirrusCalls;
/* One request's calls in progress (for cirrus_calls_abandon). */
typedef struct CirrusCallRun CirrusCallRun;

/* The calls of `req` are over: OK, or FAILED when a sync call failed.  May
 * be called from inside cirrus_calls_begin (nothing to wait for). */
typedef void (*CirrusCallsDone)(CirrusComponent *self, void *state, CirrusRequest *req, CirrusOutcome outcome);
/* Before each step: may `req` go on making calls?  FALSE fails it at once
 * (its instance stopped, say).  May be NULL: always. */
typedef gboolean (*CirrusCallsProceed)(CirrusComponent *self, void *state, CirrusRequest *req);

/* The caller's session for the calls of `req` (request.h: one Lambda
 * environment's life, say), 0 for none; asked once per request, at
 * cirrus_calls_begin. */
typedef guint64 (*CirrusCallsSession)(CirrusComponent *self, void *state, const CirrusRequest *req);

/* configure(): read the list under `key` of `cfg` (absent or empty: *out =
 * NULL, no calls).  `who` names the caller in messages ("an instance", "a
 * function"). */
gboolean cirrus_calls_read(CirrusComponent *self, CirrusNode *cfg, const char *key, const char *who,
                           CirrusCallsDone done, CirrusCallsProceed proceed, CirrusCalls **out, GError **error);
/* link(): find each target (it must take requests), check its protocol
 * keys, declare sync calls to the loader's cycle check, add the metrics. */
gboolean cirrus_calls_link(CirrusCalls *calls, CirrusComponent *self, CirrusScenario *sc, GError **error);
/* A model whose requests run in something that keeps connections (a
 * Lambda environment) says how to name it; calls to targets that keep
 * sessions (CirrusInvokeSpec.sessions) carry it.  Without: 0. */
void     cirrus_calls_set_session(CirrusCalls *calls, CirrusCallsSession session);
/* start(): the random streams (probability draws, backoff jitter). */
void     cirrus_calls_start(CirrusCalls *calls, CirrusComponent *self);
void     cirrus_calls_free(CirrusCalls *calls);

/* Make the calls of `req` on behalf of the model whose state is `state`.
 * The run, or NULL when it ended at once (done has been called). */
CirrusCallRun *cirrus_calls_begin(CirrusCalls *calls, CirrusComponent *self, void *state, CirrusRequest *req);
/* The same as the handler's last act (cirrus_send_last's contract: the
 * handler returns right after it), so that a single call's hand-over may
 * be handled at once. */
void           cirrus_calls_begin_last(CirrusCalls *calls, CirrusComponent *self, void *state, CirrusRequest *req);
/* A reply to a call or a calls' timer: handled (TRUE), or not the calls'
 * (FALSE).  A model whose handler switches on its own kinds first may
 * call this from its default branch; cirrus_calls_handle, below, is the
 * test to make before the model's own kinds. */
gboolean cirrus_calls_handle_event(CirrusCalls *calls, CirrusComponent *self, const CirrusEvent *ev);
/* Inline, so that a model without calls (NULL) pays one test per event,
 * and one with calls a test of the kind for its other events (requests,
 * its own timers) rather than a call that would return FALSE. */
static inline gboolean cirrus_calls_handle(CirrusCalls *calls, CirrusComponent *self, const CirrusEvent *ev)
{
    return calls &&
           (ev->kind == CIRRUS_EVENT_REPLY || ev->kind == CIRRUS_CALL_TIMEOUT || ev->kind == CIRRUS_CALL_RETRY) &&
           cirrus_calls_handle_event(calls, self, ev);
}
/* Give up a run (a Lambda timeout cut the handler): its outstanding calls'
 * replies will be dropped; done is not called. */
void     cirrus_calls_abandon(CirrusCalls *calls, CirrusComponent *self, CirrusCallRun *run);

#endif
