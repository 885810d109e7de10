/* cirrus — client retries: exponential backoff with jitter, and a retry
 * quota (see docs/models/workload.md#retries).
 *
 * Backoff follows AWS's Architecture Blog "Exponential Backoff And Jitter"
 * (Brooker, 2015), with n the number of the retry (0 for the first):
 *   none:         min(cap, base * 2^n)
 *   full:         uniform(0, min(cap, base * 2^n))
 *   equal:        t/2 + uniform(0, t/2), t = min(cap, base * 2^n)
 *   decorrelated: min(cap, uniform(base, 3 * prev)), prev = base before the
 *                 first retry and the previous delay after.
 *
 * The quota is the AWS SDKs' "standard" retry mode token bucket: it starts
 * full; a retry takes `cost` tokens (`timeout_cost` after a timeout, as
 * the SDKs' TIMEOUT_RETRY_COST) and is not made when the bucket holds fewer; a call that
 * succeeds at its first attempt puts `refill` back, one that succeeds on a
 * retry puts back what that retry took; never above `capacity`. */
#ifndef CIRRUS_MODEL_RETRY_H
#define CIRRUS_MODEL_RETRY_H

#include <glib.h>
#include "sim/kernel/clock.h"
#include "sim/kernel/rng.h"
#include "sim/loader/node.h"

typedef enum {
    CIRRUS_JITTER_NONE, CIRRUS_JITTER_FULL, CIRRUS_JITTER_EQUAL, CIRRUS_JITTER_DECORRELATED,
} CirrusJitter;

typedef struct CirrusBackoff {
    CirrusJitter jitter;
    CirrusTime base, cap;   /* base > 0, cap >= base */
} CirrusBackoff;

/* The wait before retry `n` (0 for the first); `prev` is the wait before
 * the previous retry (only decorrelated jitter uses it; pass base for n = 0). */
CirrusTime cirrus_backoff_delay(const CirrusBackoff *b, guint n, CirrusTime prev, CirrusRng *rng);

typedef struct CirrusRetryQuota {
    gint64 capacity, tokens, cost, timeout_cost, refill;
} CirrusRetryQuota;

/* A client's retry rules, as a workload's `client.retries` or a call's
 * `retries` give them (docs/clients.md). */
typedef struct CirrusRetryPolicy {
    gint64 max_retries;          /* 0: no retries */
    gboolean given;              /* `retries` written out */
    gboolean max_given, base_given, jitter_given;   /* max (or max_attempts), base, jitter written out */
    CirrusTime throttle_base;    /* throttle_base written out; 0: not */
    gint throttle_jitter;        /* throttle_jitter written out (CirrusJitter); -1: not */
    CirrusBackoff backoff;
    CirrusBackoff throttle_backoff;   /* after a throttle (429, ThrottlingException); the same unless told */
    gboolean has_quota;          /* `budget` given */
    CirrusRetryQuota quota;      /* full at the start */
} CirrusRetryPolicy;

/* Read `retries: {max | max_attempts, base, cap, jitter, budget: {...}}`
 * (`retries` may be NULL: no retries).  Defaults follow the AWS SDKs'
 * standard retry mode: 3 attempts, a 100 ms base, a 20 s cap, full jitter,
 * and (when `budget` is given) a 500-token quota at 5 per retry, 10 per
 * retry after a timeout, 1 back per success. */
gboolean cirrus_retry_policy_read(CirrusNode *retries, CirrusRetryPolicy *out, GError **error);

/* A service whose SDK client retries differently from the standard
 * mode's 3 attempts and 100 ms base (the target's invoke spec,
 * models/protocol/invoke.h): its own defaults. */
typedef struct CirrusRetryDefaults {
    gint64 max_retries;
    CirrusTime base;
    /* after a throttle: the backoff's base and jitter (throttle_base 0:
     * as after any other error) */
    CirrusTime throttle_base;
    CirrusJitter throttle_jitter;
} CirrusRetryDefaults;

/* Where `retries` was written out, give what it left unsaid (max, base,
 * the backoff after throttles) the target service's defaults `d` (may be
 * NULL: none). */
void cirrus_retry_policy_default(CirrusRetryPolicy *p, const CirrusRetryDefaults *d);

/* The wait before retry `n` (0 for the first) after an attempt that was
 * throttled (`throttled`) or failed otherwise; `prev` as for
 * cirrus_backoff_delay. */
CirrusTime cirrus_retry_delay(const CirrusRetryPolicy *p, gboolean throttled, guint n, CirrusTime prev,
                              CirrusRng *rng);

/* Take the tokens for one retry: what was taken, or 0 (and nothing taken)
 * when the bucket holds too few. */
gint64 cirrus_retry_quota_acquire(CirrusRetryQuota *q, gboolean after_timeout);
/* A call succeeded: at its first attempt (taken = 0) or on a retry that
 * took `taken` tokens. */
void   cirrus_retry_quota_success(CirrusRetryQuota *q, gint64 taken);

#endif
