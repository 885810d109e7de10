/* cirrus — backoff delays and the retry quota (see retry.h). */
#include "models/aws/retry.h"
#include "sim/loader/config.h"
#include <math.h>

static CirrusTime uniform_between(CirrusRng *rng, CirrusTime lo, CirrusTime hi)
{
    return lo + (CirrusTime)llround(cirrus_rng_uniform(rng) * (double)(hi - lo));
}

CirrusTime cirrus_backoff_delay(const CirrusBackoff *b, guint n, CirrusTime prev, CirrusRng *rng)
{
    /* base * 2^n, saturating at cap (2^n overflows long before n reaches 63). */
    CirrusTime t = b->cap;
    if (n < 62 && b->base <= b->cap >> n) t = MIN(b->cap, b->base << n);
    switch (b->jitter) {
    case CIRRUS_JITTER_NONE: return t;
    case CIRRUS_JITTER_FULL: return uniform_between(rng, 0, t);
    case CIRRUS_JITTER_EQUAL: return t / 2 + uniform_between(rng, 0, t - t / 2);
    case CIRRUS_JITTER_DECORRELATED: {
        CirrusTime hi = prev > G_MAXINT64 / 3 ? G_MAXINT64 : 3 * prev;
        CirrusTime d = uniform_between(rng, b->base, MAX(hi, b->base));   /* once: MIN evaluates twice */
        return MIN(b->cap, d);
    }
    }
    g_assert_not_reached();
    return 0;
}

gint64 cirrus_retry_quota_acquire(CirrusRetryQuota *q, gboolean after_timeout)
{
    gint64 cost = after_timeout ? q->timeout_cost : q->cost;
    if (q->tokens < cost) return 0;
    q->tokens -= cost;
    return cost;
}

void cirrus_retry_quota_success(CirrusRetryQuota *q, gint64 taken)
{
    q->tokens = MIN(q->capacity, q->tokens + (taken > 0 ? taken : q->refill));
}

/* The backoff after a throttle: the service's own (`d`) when the backoff
 * was left unsaid altogether (base, jitter, throttle_base, throttle_jitter:
 * any of them written out says how this caller backs off); else the
 * backoff after any other error, with what throttle_base and
 * throttle_jitter say. */
static void settle_throttle_backoff(CirrusRetryPolicy *p, const CirrusRetryDefaults *d)
{
    p->throttle_backoff = p->backoff;
    if (d && d->throttle_base > 0 && !p->base_given && !p->jitter_given && p->throttle_base == 0 &&
        p->throttle_jitter < 0) {
        p->throttle_backoff.base = MIN(d->throttle_base, p->backoff.cap);
        p->throttle_backoff.jitter = d->throttle_jitter;
        return;
    }
    if (p->throttle_base > 0) p->throttle_backoff.base = p->throttle_base;
    if (p->throttle_jitter >= 0) p->throttle_backoff.jitter = (CirrusJitter)p->throttle_jitter;
}

void cirrus_retry_policy_default(CirrusRetryPolicy *p, const CirrusRetryDefaults *d)
{
    if (!d || !p->given) return;
    if (!p->max_given) p->max_retries = d->max_retries;
    /* Below the cap, which the reading checked against the larger 100 ms. */
    if (!p->base_given) p->backoff.base = MIN(d->base, p->backoff.cap);
    settle_throttle_backoff(p, d);
}

CirrusTime cirrus_retry_delay(const CirrusRetryPolicy *p, gboolean throttled, guint n, CirrusTime prev,
                              CirrusRng *rng)
{
    return cirrus_backoff_delay(throttled ? &p->throttle_backoff : &p->backoff, n, prev, rng);
}

gboolean cirrus_retry_policy_read(CirrusNode *retries, CirrusRetryPolicy *p, GError **error)
{
    static const char *const jitters[] = {"none", "full", "equal", "decorrelated", NULL};
    CirrusNode *budget;
    gint64 max, attempts;
    int jitter;
    *p = (CirrusRetryPolicy){0};
    if (!retries) return TRUE;
    if (!cirrus_cfg_int(retries, "max", -1, 0, 100, &max, error) ||
        !cirrus_cfg_int(retries, "max_attempts", -1, 1, 101, &attempts, error) ||
        !cirrus_cfg_duration(retries, "base", 100 * CIRRUS_MS, 1, CIRRUS_TIME_NEVER, &p->backoff.base, error) ||
        !cirrus_cfg_duration(retries, "cap", 20 * CIRRUS_SEC, 1, CIRRUS_TIME_NEVER, &p->backoff.cap, error) ||
        !cirrus_cfg_enum(retries, "jitter", jitters, CIRRUS_JITTER_FULL, &jitter, error) ||
        !cirrus_cfg_duration(retries, "throttle_base", 0, 1, CIRRUS_TIME_NEVER, &p->throttle_base, error) ||
        !cirrus_cfg_enum(retries, "throttle_jitter", jitters, -1, &p->throttle_jitter, error) ||
        !cirrus_cfg_map(retries, "budget", &budget, error))
        return FALSE;
    if (max >= 0 && attempts >= 0) {
        cirrus_node_error(retries, error, "give either 'max' (retries) or 'max_attempts' (the first try "
                          "included), not both");
        return FALSE;
    }
    if (p->backoff.cap < p->backoff.base) {
        /* Either may be the default: point at the one that was given. */
        CirrusNode *cap = cirrus_node_peek(retries, "cap");
        if (cap) cirrus_node_error(cap, error, "'cap' must be at least 'base'");
        else cirrus_node_error(cirrus_node_peek(retries, "base"), error,
                               "'base' must be at most 'cap' (default 20s): lower 'base' or give a larger 'cap'");
        return FALSE;
    }
    p->max_retries = max >= 0 ? max : attempts >= 0 ? attempts - 1 : 2;
    p->given = TRUE;
    p->max_given = max >= 0 || attempts >= 0;
    p->base_given = cirrus_node_peek(retries, "base") != NULL;
    p->jitter_given = cirrus_node_peek(retries, "jitter") != NULL;
    p->backoff.jitter = (CirrusJitter)jitter;
    settle_throttle_backoff(p, NULL);
    if (p->throttle_backoff.cap < p->throttle_backoff.base) {
        cirrus_node_error(cirrus_node_peek(retries, "throttle_base"), error, "'throttle_base' must be at most 'cap'");
        return FALSE;
    }
    if (!budget) return TRUE;
    p->has_quota = TRUE;
    if (!cirrus_cfg_int(budget, "tokens", 500, 1, G_MAXINT32, &p->quota.capacity, error) ||
        !cirrus_cfg_int(budget, "cost", 5, 1, G_MAXINT32, &p->quota.cost, error) ||
        !cirrus_cfg_int(budget, "timeout_cost", 10, 1, G_MAXINT32, &p->quota.timeout_cost, error) ||
        !cirrus_cfg_int(budget, "refill", 1, 0, G_MAXINT32, &p->quota.refill, error))
        return FALSE;
    p->quota.tokens = p->quota.capacity;
    return TRUE;
}
