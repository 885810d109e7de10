/* cirrus — the `lambda` model's insides, shared by lambda.c (configuration,
 * invocations, async retries, faults) and lambda_env.c (execution
 * environments, concurrency pools, the scaling rate).  Not for other
 * models: they talk to a function only through the kernel. */
#ifndef CIRRUS_MODEL_LAMBDA_PRIVATE_H
#define CIRRUS_MODEL_LAMBDA_PRIVATE_H

#include "models/lambda/lambda.h"
#include "models/protocol/calls.h"
#include "models/protocol/request.h"
#include "sim/loader/config.h"

enum {
    LAMBDA_DONE = CIRRUS_EVENT_MODEL, LAMBDA_RETRY, LAMBDA_RECLAIM, LAMBDA_EXPIRE, LAMBDA_DEADLINE,
    LAMBDA_ESM_SCALE, LAMBDA_ESM_RESUME,   /* lambda_esm.c */
    LAMBDA_STREAM_FETCH, LAMBDA_STREAM_LANE,   /* lambda_esm_stream.c */
};

/* An event source mapping's state (lambda_esm.c). */
typedef struct LambdaEsm LambdaEsm;
/* A mapping from a Kinesis stream at run time (lambda_esm_stream.c). */
typedef struct LambdaStream LambdaStream;

/* A Kinesis mapping's settings, read by lambda_esm.c. */
typedef struct {
    CirrusComponent *source, *on_failure;
    char *on_failure_name;
    const CirrusNode *on_failure_at;
    gint64 batch_size, parallel, max_retries;   /* max_retries -1: until the records expire */
    CirrusTime window, max_age;                 /* max_age CIRRUS_TIME_NEVER: no limit */
    gboolean per_record, bisect, latest, enhanced;
    CirrusTime poll_period;                     /* the source's (cirrus_stream_poll_period) */
    guint m_polled, m_invoked, m_failed, m_dropped, m_iterator_age;
} LambdaStreamConfig;

enum {
    M_INVOCATIONS, M_ERRORS, M_THROTTLES, M_CONCURRENT, M_DURATION, M_COLD_STARTS, M_DLQ_ERRORS,
    M_DROPPED, M_SPILLOVER, M_ENVIRONMENTS, M_PROV_CONCURRENT, M_ASYNC_RECEIVED, M_ASYNC_AGE,
    M_TIMEOUTS, M_SERVICE_ERRORS, M_ON_FAILURE_SENT,
};

/* Which idle environment takes the next invocation. */
typedef enum { REUSE_MRU, REUSE_LRU, REUSE_RANDOM } Reuse;

/* How an invocation ends, decided when it starts. */
typedef enum { END_OK, END_ERROR, END_TIMEOUT } End;

typedef enum { ENV_FREE, ENV_BUSY, ENV_IDLE } EnvState;

#define ENV_NONE G_MAXUINT32

/* One execution environment.  Slots live in an array and are reused, so
 * memory follows the number alive at once. */
typedef struct {
    CirrusRequest *req;        /* the invocation it runs (BUSY) */
    CirrusTime expires;        /* recycled when it is next free at or after this (NEVER: provisioned) */
    CirrusTime idle_since;     /* IDLE: when it became idle */
    CirrusTime reclaim_at;     /* IDLE, on-demand, in the heap: when it is reclaimed (its key) */
    CirrusTime started;        /* BUSY: when the invocation began (its cold start first) */
    CirrusTime init;           /* BUSY: its cold start (0 when warm), billed with it */
    CirrusCallRun *calls;      /* BUSY: the handler's calls in progress, or NULL */
    guint32 invocation;        /* + 1 at each invocation: a stale LAMBDA_DEADLINE sees it */
    guint32 gen;               /* + 1 when it dies: a stale LAMBDA_EXPIRE sees it */
    guint32 prev, next;        /* IDLE: neighbours in its idle list, oldest first */
    guint32 pos;               /* IDLE, random reuse: its index in the list's `members` */
    guint32 heap_pos;          /* IDLE, on-demand: its index in the idle heap */
    guint32 epoch;             /* BUSY: the function's outage epoch when it started */
    guint8 state;              /* EnvState */
    guint8 provisioned;
    guint8 end;                /* End */
    guint8 expire_set;         /* its LAMBDA_EXPIRE is scheduled (at most one per life) */
    guint8 in_heap;            /* IDLE, on-demand: in the idle heap (idle at least idle_min) */
} Env;

/* Idle environments in the order they became idle (head: longest idle),
 * plus, for random reuse, an array to draw from. */
typedef struct {
    guint32 head, tail, len;
    GArray *members;           /* guint32 slots; NULL unless reuse is random */
} IdleList;

/* The account's regional concurrency, shared by every function of a run
 * (the lambda type's state, cirrus_component_type_state).  Functions with reserved
 * concurrency, and the provisioned concurrency of those without, claim
 * part of the limit at link time; the rest is the unreserved pool. */
typedef struct {
    gint64 limit;              /* account.lambda_concurrency_limit */
    gint64 claimed;            /* sum of reservations (+ unreserved functions' provisioned) */
    gint64 unreserved_busy;    /* on-demand invocations in flight in the unreserved pool */
} LambdaAccount;

/* AWS keeps this much of the account's concurrency unreserved. */
#define LAMBDA_MIN_UNRESERVED 100

typedef struct {
    /* configuration */
    gint64 memory_mb;
    /* prices (link): per request, per GB-second run, per GB-second of
     * provisioned concurrency configured */
    double usd_request, usd_gb_s, usd_prov_gb_s;
    gint64 billed_ms;          /* init + handler of each ended invocation, rounded up to 1 ms */
    CirrusTime timeout;
    gint64 reserved;           /* -1: none, the function uses the unreserved pool */
    gint64 provisioned;
    CirrusDist duration, cold_start;   /* seconds */
    /* Idle reclamation (lambda_env.c).  Fixed (`idle_timeout`): every idle
     * environment goes after exactly idle_last.  Otherwise (`idle_lifetime`):
     * the function's last on-demand environment goes after exactly
     * idle_last; any other survives each idle_period with probability
     * idle_survival. */
    gboolean idle_fixed;
    CirrusTime idle_last, idle_period;
    double idle_survival;
    CirrusTime idle_min;       /* no idle environment goes sooner: min(idle_last, idle_period), fixed: idle_last */
    CirrusTime max_lifetime;
    double failure_rate;
    gboolean scale_with_memory;
    double duration_factor;    /* max(1, 1769 / memory) when scaling with memory, else 1 */
    gint64 scale_envs;         /* scaling rate: this many new environments ... */
    CirrusTime scale_per;      /* ... per this long */
    Reuse reuse;
    gint64 max_retries;
    CirrusTime max_event_age;
    char *on_failure_name;
    const CirrusNode *on_failure_at, *reserved_at, *provisioned_at;
    CirrusComponent *on_failure;
    LambdaEsm *esm;            /* NULL: no event_source */
    CirrusCalls *calls;        /* the handler's downstream calls; NULL: none */
    guint64 session_base;      /* its name's hash: sessions of its environments are told apart from others' */

    /* run time */
    LambdaAccount *account;
    GArray *envs;              /* Env */
    GArray *free_slots;        /* guint32 */
    IdleList idle;             /* on-demand environments */
    IdleList prov_idle;        /* provisioned environments */
    gint64 live;               /* environments alive */
    gint64 busy;               /* invocations in flight (= ConcurrentExecutions) */
    gint64 busy_prov;          /* of them on provisioned environments */
    GArray *idle_heap;         /* guint32: the on-demand environments idle for idle_min or more, a
                                * min-heap on reclaim_at */
    guint32 young;             /* the longest idle on-demand environment not in the heap (ENV_NONE: none):
                                * it and those after it in `idle` have been idle less than idle_min */
    gboolean reclaim_pending;  /* a LAMBDA_RECLAIM is scheduled ... */
    CirrusTime reclaim_due;    /* ... for this time, */
    guint64 reclaim_gen;       /* ... with this number (an earlier one is stale) */
    GArray *scale_times;       /* CirrusTime: creation times of the last scale_envs new environments */
    guint scale_head;          /* oldest entry once scale_times is full */
    CirrusRng reuse_rng, retry_rng, idle_rng;
    const CirrusFaultState *faults;   /* the kernel's: outages (epochs), slowdowns */
} Lambda;

static inline Env *lambda_env(const Lambda *f, guint32 slot) { return &g_array_index(f->envs, Env, slot); }

/* lambda_env.c */
void lambda_envs_init(Lambda *f);
void lambda_envs_clear(Lambda *f);
/* The provisioned environments, initialised before the run starts. */
void lambda_envs_start(CirrusComponent *self, Lambda *f);
/* An environment for one invocation, marked BUSY with its concurrency
 * taken, or ENV_NONE: throttled.  *cold says whether it is new. */
guint32 lambda_acquire(CirrusComponent *self, Lambda *f, gboolean *cold);
/* The invocation on `slot` is over: give its concurrency back, and the
 * environment to its idle list, or recycle it past its lifetime. */
void lambda_release(CirrusComponent *self, Lambda *f, guint32 slot);
/* LAMBDA_RECLAIM (data: its number): reclaim the idle environments due. */
void lambda_on_reclaim(CirrusComponent *self, Lambda *f, guint64 data);
void lambda_on_expire(CirrusComponent *self, Lambda *f, guint64 data);

/* lambda.c */
/* Invoke synchronously: the invocation begins (OK), or is refused
 * (THROTTLED; FAILED during an outage) and counted as such.  The handler
 * runs `records` draws of `duration`. */
CirrusOutcome lambda_invoke(CirrusComponent *self, Lambda *f, CirrusRequest *req, guint records);

/* lambda_esm.c: the event source mapping, when the function has one.
 * configure() gets the `event_source` map. */
gboolean lambda_esm_configure(CirrusComponent *self, Lambda *f, CirrusNode *cfg, GError **error);
gboolean lambda_esm_link(CirrusComponent *self, Lambda *f, CirrusScenario *sc, GError **error);
void     lambda_esm_start(CirrusComponent *self, Lambda *f);
void     lambda_esm_free(Lambda *f);
/* An event of the mapping's (queue answers, its timers): handled, or FALSE. */
gboolean lambda_esm_handle(CirrusComponent *self, Lambda *f, const CirrusEvent *ev);
/* Whether `req` is an invocation the mapping made. */
gboolean lambda_esm_owns(const Lambda *f, const CirrusComponent *self, const CirrusRequest *req);
/* The mapping's invocation `req` ended (or was refused) with `outcome`. */
void     lambda_esm_invoked(CirrusComponent *self, Lambda *f, CirrusRequest *req, CirrusOutcome outcome);

/* lambda_esm_stream.c */
LambdaStream *lambda_stream_new(CirrusComponent *self, Lambda *f, const LambdaStreamConfig *cfg);
void     lambda_stream_start(CirrusComponent *self, LambdaStream *s);
gboolean lambda_stream_handle(CirrusComponent *self, LambdaStream *s, const CirrusEvent *ev);
void     lambda_stream_invoked(CirrusComponent *self, LambdaStream *s, CirrusRequest *req, CirrusOutcome outcome);
void     lambda_stream_free(LambdaStream *s);

#endif
