/* cirrus — the price table that components' costs are computed from
 * (docs/cost.md): models/aws/prices/us-east-1.yaml, compiled in, with the
 * scenario's top-level `prices:` overriding entries. */
#ifndef CIRRUS_MODEL_PRICES_H
#define CIRRUS_MODEL_PRICES_H

#include <glib.h>
#include "sim/loader/node.h"

typedef struct CirrusPrices CirrusPrices;

/* AWS bills by the month as 730 hours (365 x 24 / 12). */
#define CIRRUS_HOURS_PER_MONTH 730.0

/* The default table with `overrides` (a map of key: USD, may be NULL)
 * applied.  An override must name a known key, except `ec2.<type>.hour`,
 * which adds an instance type, and `data_transfer.<from>.<to>.gb`, which
 * prices a pair of regions.  Located errors. */
CirrusPrices *cirrus_prices_read(CirrusNode *overrides, GError **error);
void          cirrus_prices_free(CirrusPrices *p);
/* The price called `key` in USD per its unit; the key must exist. */
double        cirrus_price(const CirrusPrices *p, const char *key);
gboolean      cirrus_prices_has(const CirrusPrices *p, const char *key);
/* A located "no price for 'key'" error at `at`, with a did-you-mean among
 * the keys that start with `prefix`. */
void          cirrus_prices_unknown(const CirrusPrices *p, const CirrusNode *at, const char *key,
                                    const char *prefix, GError **error);

#endif
