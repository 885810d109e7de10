/* cirrus — latency histogram with bounded relative error.
 *
 * Layout (S = CIRRUS_HIST_SUB_BITS = 7, H = 2^(S-1) = 64 sub-buckets):
 *   value v < 2^S                  -> bucket v (exact)
 *   v in [2^e, 2^(e+1)), e >= S    -> bucket 2^S + (e - S) * H + (v >> (e-S+1)) - H
 * v >> (e-S+1) keeps the top S bits of v, i.e. a number in [H, 2H), so the
 * power of two is cut into H buckets of width 2^(e-S+1).  The last bucket
 * (e = 62, top bits 127) is index CIRRUS_HIST_BUCKETS - 1. */
#include "sim/kernel/hist.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#define HALF (CIRRUS_HIST_SUB / 2)

G_STATIC_ASSERT(CIRRUS_HIST_BUCKETS == CIRRUS_HIST_SUB + (63 - CIRRUS_HIST_SUB_BITS) * HALF);

int cirrus_hist_bucket_of(int64_t value)
{
    return cirrus_hist_bucket_of_nonneg(value < 0 ? 0 : value);
}

void cirrus_hist_bucket_bounds(int index, int64_t *lower, int64_t *upper)
{
    uint64_t lo = 0, hi = 0;
    if (index < 0 || index >= CIRRUS_HIST_BUCKETS) {
        g_critical("cirrus_hist_bucket_bounds: index %d out of range", index);
    } else if (index < CIRRUS_HIST_SUB) {
        lo = (uint64_t)index;
        hi = lo + 1;
    } else {
        int j = index - CIRRUS_HIST_SUB;
        int shift = j / HALF + 1;             /* e - S + 1 */
        uint64_t top = (uint64_t)(HALF + j % HALF);
        lo = top << shift;
        /* (top + 1) << shift is 2^63 for the very last bucket: computed in
         * uint64 it does not wrap, and it saturates to INT64_MAX below. */
        hi = (top + 1) << shift;
    }
    if (lower) *lower = (int64_t)lo;
    if (upper) *upper = hi > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)hi;
}

/* An empty histogram's min and max are the extremes of int64, so that
 * adding a value needs no test of the count. */
void cirrus_hist_init(CirrusHist *h)
{
    memset(h, 0, sizeof *h);
    h->min = INT64_MAX;
    h->max = INT64_MIN;
}

/* The buckets that can be non-zero: those of min to max (values are
 * clamped to >= 0 as they are added, and the bucket of a value grows with
 * it), so an add keeps no bucket range of its own — two compares fewer on
 * every latency (issue 22).  Empty: *lo > *hi. */
static void buckets_in_use(const CirrusHist *h, int *lo, int *hi)
{
    if (h->count == 0) {
        *lo = 0;
        *hi = -1;
        return;
    }
    *lo = cirrus_hist_bucket_of_nonneg(h->min);
    *hi = cirrus_hist_bucket_of_nonneg(h->max);
}

void cirrus_hist_reset(CirrusHist *h)
{
    /* Only the buckets in use can be non-zero; a latency histogram
     * typically spans a few hundred of the ~3700, and interval histograms
     * are reset often. */
    int lo, hi;
    buckets_in_use(h, &lo, &hi);
    if (hi >= lo) memset(&h->buckets[lo], 0, (size_t)(hi - lo + 1) * sizeof h->buckets[0]);
    h->count = 0;
    h->sum = 0.0;
    h->min = INT64_MAX;
    h->max = INT64_MIN;
}

void cirrus_hist_merge(CirrusHist *into, const CirrusHist *from)
{
    if (from->count == 0) return;
    int lo, hi;
    buckets_in_use(from, &lo, &hi);
    for (int i = lo; i <= hi; i++) into->buckets[i] += from->buckets[i];
    if (from->min < into->min) into->min = from->min;
    if (from->max > into->max) into->max = from->max;
    into->count += from->count;
    into->sum += from->sum;
}

double cirrus_hist_mean(const CirrusHist *h)
{
    if (h->count == 0) return NAN;
    return h->sum / (double)h->count;
}

/* The rank of the q-quantile among count values: ceil(q * count) within
 * [1, count]. */
static uint64_t quantile_rank(const CirrusHist *h, double q)
{
    double r = ceil(q * (double)h->count);
    return r < 1.0 ? 1 : r >= (double)h->count ? h->count : (uint64_t)r;
}

/* The reported value of bucket b (see hist.h). */
static double bucket_value(const CirrusHist *h, int b)
{
    /* The bucket holds the integers lower .. upper-1; report their midpoint.
     * For a value v in it, |mid - v| <= (width - 1) / 2 < lower / 128 <= v / 128
     * (width <= lower / 64), and single-value buckets come back exactly.
     * The last bucket's upper bound saturated to INT64_MAX, which it holds. */
    int64_t lower, upper;
    cirrus_hist_bucket_bounds(b, &lower, &upper);
    int64_t last = b == CIRRUS_HIST_BUCKETS - 1 ? INT64_MAX : upper - 1;
    double mid = (double)lower + (double)(last - lower) / 2.0;
    /* Clamping moves mid towards the true value, never away from it. */
    if (mid < (double)h->min) mid = (double)h->min;
    if (mid > (double)h->max) mid = (double)h->max;
    return mid;
}

double cirrus_hist_quantile(const CirrusHist *h, double q)
{
    double out;
    cirrus_hist_quantiles(h, &q, 1, &out);
    return out;
}

void cirrus_hist_quantiles(const CirrusHist *h, const double *q, int n, double *out)
{
    /* One walk over the buckets in use for all n quantiles: the sample
     * rows ask for three of every latency metric, and the walk is what
     * they cost. */
    uint64_t seen = 0;
    int i, hi;
    buckets_in_use(h, &i, &hi);
    for (int k = 0; k < n; k++) {
        if (h->count == 0 || isnan(q[k])) {
            out[k] = NAN;
            continue;
        }
        if (q[k] >= 1.0) {
            out[k] = (double)h->max;
            continue;
        }
        g_return_if_fail(k == 0 || q[k] >= q[k - 1]);
        uint64_t rank = quantile_rank(h, q[k]);
        int b = hi;
        for (; i <= hi; i++) {
            if (seen + h->buckets[i] >= rank) {
                b = i;
                break;
            }
            seen += h->buckets[i];
        }
        out[k] = bucket_value(h, b);
    }
}
