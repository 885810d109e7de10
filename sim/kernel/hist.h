/* cirrus — latency histogram with bounded relative error.
 *
 * An HDR-style log-bucketed histogram of non-negative int64 values (we store
 * nanoseconds).  Values below 2^CIRRUS_HIST_SUB_BITS = 128 get a bucket
 * each; above that, each power of two [2^e, 2^(e+1)) is split into 64
 * linear sub-buckets of width 2^(e-6), so the width of a bucket is at most
 * 1/64 of its lower bound and a percentile reported as the bucket's midpoint
 * is within 1/128 (0.78%) of a true sample value (DESIGN.md §4 asks for
 * <= 1%).  Count, sum, min and max are kept exactly. */
#ifndef CIRRUS_HIST_H
#define CIRRUS_HIST_H

#include <stdint.h>

#define CIRRUS_HIST_SUB_BITS 7
#define CIRRUS_HIST_SUB (1 << CIRRUS_HIST_SUB_BITS)
/* Values below CIRRUS_HIST_SUB are stored exactly (one bucket each); above
 * that, a non-negative int64 has its top bit at position SUB_BITS..62, so
 * (63 - SUB_BITS) powers of two with SUB/2 buckets each cover INT64_MAX. */
#define CIRRUS_HIST_BUCKETS (CIRRUS_HIST_SUB + (63 - CIRRUS_HIST_SUB_BITS) * (CIRRUS_HIST_SUB / 2))

typedef struct CirrusHist {
    uint64_t count;
    double   sum;          /* sum of values, for the exact mean */
    /* exact; INT64_MAX and INT64_MIN when count == 0.  The buckets in use
     * are those of min to max (hist.c): an add updates no bucket range. */
    int64_t  min, max;
    uint64_t buckets[CIRRUS_HIST_BUCKETS];
} CirrusHist;

void    cirrus_hist_init(CirrusHist *h);               /* empty */
void    cirrus_hist_reset(CirrusHist *h);              /* empty again; cheap: clears only used buckets */
void    cirrus_hist_merge(CirrusHist *into, const CirrusHist *from);
double  cirrus_hist_mean(const CirrusHist *h);         /* NaN when empty */
/* The q-quantile, 0 <= q <= 1 (0.99 for p99), as the midpoint of the bucket
 * holding the ceil(q * count)-th smallest value (the midpoint of the
 * integers it holds, so values below 128 come back exactly), clamped to
 * [min, max]; q == 1 gives max exactly.  NaN when empty. */
double  cirrus_hist_quantile(const CirrusHist *h, double q);
/* The same for n quantiles in ascending order (NaN entries aside), in one
 * walk over the buckets: out[k] == cirrus_hist_quantile(h, q[k]). */
void    cirrus_hist_quantiles(const CirrusHist *h, const double *q, int n, double *out);

/* Bucket index of a value, and the [lower, upper) bounds of a bucket:
 * exposed for tests.  The last bucket's upper bound, 2^63, does not fit in
 * an int64: it is reported as INT64_MAX, which that bucket also holds. */
int     cirrus_hist_bucket_of(int64_t value);
void    cirrus_hist_bucket_bounds(int index, int64_t *lower, int64_t *upper);

/* ---- adding a value: inline, it is on the path of every latency ---- */

/* The bucket of v >= 0.  With s = max(e - S + 1, 0), where e is the top
 * bit of v | 2^(S-1), the index is s * H + (v >> s) (H = SUB/2): for
 * v >= 2^S this is the layout in hist.c, and for v < 2^S (s = 0) it is v
 * itself, with no branch on the size of v. */
static inline int cirrus_hist_bucket_of_nonneg(int64_t value)
{
    int s = (63 - __builtin_clzll((uint64_t)value | (CIRRUS_HIST_SUB / 2))) - (CIRRUS_HIST_SUB_BITS - 1);
    return s * (CIRRUS_HIST_SUB / 2) + (int)((uint64_t)value >> s);
}

/* value < 0 counts as 0. */
static inline void cirrus_hist_add(CirrusHist *h, int64_t value)
{
    if (value < 0) value = 0;
    int b = cirrus_hist_bucket_of_nonneg(value);
    h->buckets[b]++;
    if (value < h->min) h->min = value;
    if (value > h->max) h->max = value;
    h->count++;
    h->sum += (double)value;
}

#endif
