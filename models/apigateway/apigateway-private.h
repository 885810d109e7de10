/* cirrus — the apigateway model's own declarations, shared by its files
 * (apigateway.c: keys, metrics, cost; apigw_limits.c: token buckets,
 * usage plans and the account's throttle; apigw_flow.c: a request's way
 * through throttling, the authorizer, the cache and the integration). */
#ifndef CIRRUS_APIGATEWAY_PRIVATE_H
#define CIRRUS_APIGATEWAY_PRIVATE_H

#include "models/apigateway/apigateway.h"
#include "models/aws/keys.h"
#include "models/cache/cache_store.h"
#include "models/protocol/invoke.h"
#include "sim/kernel/dist.h"
#include "sim/kernel/pool.h"
#include "sim/loader/config.h"

enum {
    APIGW_ANSWER = CIRRUS_EVENT_MODEL,   /* a request's answer leaves API Gateway */
    APIGW_TIMEOUT,                       /* the integration timeout of an attempt */
};

enum {
    M_COUNT, M_4XX, M_5XX, M_LATENCY, M_INTEGRATION_LATENCY, M_CACHE_HITS, M_CACHE_MISSES, M_THROTTLES,
    M_QUOTA, M_AUTHORIZER_CALLS, M_AUTHORIZER_CACHE_HITS, M_TIMEOUTS, M_CANARY, M_BILLED,
};

/* A token bucket (AWS: "API Gateway throttles requests to your API using
 * the token bucket algorithm, where a token counts for a request"): it
 * holds up to `burst` tokens, starts full, gains `rate` a second, and a
 * request takes one. */
typedef struct {
    double rate, burst, tokens;
    CirrusTime at;               /* when `tokens` was last brought up to date */
} ApigwBucket;

void     apigw_bucket_init(ApigwBucket *b, double rate, double burst);
/* Whether a token is there at `now` (brought up to date first). */
gboolean apigw_bucket_has(ApigwBucket *b, CirrusTime now);
static inline void apigw_bucket_take(ApigwBucket *b) { b->tokens -= 1.0; }

/* A usage plan: `share` of each workload's clients carry one of its
 * `keys` API keys; rate, burst and quota apply per key. */
typedef struct {
    char *name;
    gint64 quota;                /* requests per period; 0: none */
    CirrusTime period;
    double share, from;          /* clients whose draw falls in [from, from + share) */
    gint64 keys;
    ApigwBucket *buckets;        /* per key */
    gint64 *used;                /* per key: requests in its current period */
    gint64 *period_of;           /* per key: which period `used` counts */
} ApigwPlan;

/* A method's own throttle on the stage. */
typedef struct {
    guint8 method;
    ApigwBucket bucket;
} ApigwMethodThrottle;

/* An integration: where requests go, with what keys. */
typedef struct {
    char *target_name;
    const CirrusNode *target_at;
    CirrusComponent *target;     /* NULL: a mock integration */
    CirrusInvocation mode;
    CirrusRequestKeysSpec keys;
} ApigwIntegration;

typedef enum { API_REST, API_HTTP } ApiKind;

/* A request in progress at the gateway (pooled). */
typedef struct ApigwCtx {
    CirrusRequest *req;          /* the caller's, held until answered */
    CirrusRequest *out;          /* the authorizer's or integration's copy in flight; NULL: none */
    CirrusTime sent;             /* when `out` was sent */
    guint64 identity;            /* the client's (authorizer cache) */
    guint32 cache_key;           /* + 1; 0: not cacheable */
    gboolean authorizing;        /* `out` is the authorizer's */
    const ApigwIntegration *integration;
} ApigwCtx;

typedef struct {
    /* configuration */
    ApiKind api;
    CirrusTime timeout;
    gint64 max_payload;
    CirrusDist overhead;         /* the gateway's own time per request */
    ApigwIntegration integration, canary;
    double canary_share;
    gboolean has_canary;
    gboolean has_throttle;
    ApigwBucket stage;
    ApigwMethodThrottle *methods;
    guint n_methods;
    ApigwPlan *plans;
    guint n_plans;
    /* the stage cache (size 0: none) */
    double cache_gb;
    guint cache_index;           /* into AWS's sizes */
    gint64 cache_item_size;
    CirrusTime cache_ttl;
    CirrusKeys cache_keys;
    guint32 cache_methods;       /* bit per method */
    CirrusCacheStore *cache;
    /* the Lambda authorizer (target NULL: none) */
    char *authorizer_name;
    const CirrusNode *authorizer_at;
    CirrusComponent *authorizer;
    CirrusTime authorizer_ttl;
    GHashTable *policies;        /* identity -> expiry (CirrusTime, boxed in the value pointer) */
    /* run time */
    ApigwBucket *account;        /* the account's bucket for this region (type state) */
    const CirrusFaultState *faults;
    CirrusPool *ctxs;
    CirrusRng rng, cache_rng;
    double usd_per_request, usd_cache_hour;
    guint64 billed;              /* requests billed since time 0 */
} Apigw;

/* The type state: the account's bucket per region, shared by every
 * apigateway of the simulation in that region. */
#define APIGW_MAX_REGIONS 64
typedef struct {
    guint n;
    struct {
        const char *region;      /* interned; NULL: the default region */
        ApigwBucket bucket;
    } regions[APIGW_MAX_REGIONS];
} ApigwAccount;

/* apigw_limits.c */
gboolean apigw_limits_read(CirrusComponent *self, Apigw *g, CirrusNode *cfg, GError **error);
void     apigw_limits_link(CirrusComponent *self, Apigw *g, double account_rate, double account_burst);
/* Whether `req` may pass every throttle and quota at `now`; when it may,
 * its tokens (and quota) are taken.  *quota: it was refused by a quota. */
gboolean apigw_admit(Apigw *g, const CirrusRequest *req, guint8 method, CirrusTime now, gboolean *quota);
void     apigw_limits_clear(Apigw *g);
/* A client's identity: its workload and client id, mixed. */
guint64  apigw_identity(const CirrusRequest *req);

/* apigw_flow.c */
void apigw_on_request(CirrusComponent *self, Apigw *g, CirrusRequest *req);
void apigw_on_reply(CirrusComponent *self, Apigw *g, CirrusRequest *reply);
void apigw_on_timeout(CirrusComponent *self, Apigw *g, CirrusRequest *out, guint64 id);
void apigw_on_answer(CirrusComponent *self, Apigw *g, CirrusRequest *req);

/* The HTTP methods, in the order of the invoke operations. */
extern const char *const apigw_methods[];

#endif
