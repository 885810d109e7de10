/* cirrus — key popularity: which of `count` keys a request uses (a Kinesis
 * record's partition key, a DynamoDB item's partition key, and later a
 * cache's key), uniform or zipf.
 *
 *   keys: {count: 100000, distribution: zipf, skew: 1.0}   # or uniform
 *
 * Zipf: key i (0-based) has probability proportional to 1 / (i + 1)^skew;
 * key 0 is the hottest.  A draw is one uniform number and, for zipf, the
 * first key whose cumulative probability exceeds it (inversion), found
 * through a guide table (Chen and Asau's indexed search): `count` equal
 * slices of [0, 1), each knowing the keys its numbers may fall on, so a
 * draw searches a few keys instead of all of them, with the same result. */
#ifndef CIRRUS_AWS_KEYS_H
#define CIRRUS_AWS_KEYS_H

#include "sim/kernel/rng.h"
#include "sim/loader/node.h"

#define CIRRUS_KEYS_MAX 10000000

typedef struct CirrusKeys {
    guint   count;
    double *cdf;      /* zipf: cumulative probabilities; NULL: uniform */
    guint  *guide;    /* zipf: guide[j], the first key whose cdf exceeds j / count */
} CirrusKeys;

/* Read the map under `key` of `cfg` (absent: `default_count` uniform
 * keys).  count 1 to `max_count`; skew (0-10, default 1) only with zipf. */
gboolean cirrus_keys_read(CirrusNode *cfg, const char *key, gint64 default_count, gint64 max_count, CirrusKeys *out,
                          GError **error);
guint    cirrus_keys_draw(const CirrusKeys *keys, CirrusRng *rng);
/* The probability of key i. */
double   cirrus_keys_share(const CirrusKeys *keys, guint i);
void     cirrus_keys_clear(CirrusKeys *keys);

#endif
