/* cirrus — backoff delays and the retry quota (see retry.h). */
#include "models/aws/retry.h"
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
