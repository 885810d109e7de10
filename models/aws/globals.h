/* cirrus — scenario-wide settings that models share (DESIGN.md §3):
 * the AWS account's limits and the regions in play. */
#ifndef CIRRUS_MODEL_GLOBALS_H
#define CIRRUS_MODEL_GLOBALS_H

#include "models/aws/prices.h"
#include "models/aws/regions.h"
#include "sim/loader/scenario.h"

typedef struct CirrusGlobals {
    /* account.lambda_concurrency_limit: the regional concurrency quota
     * shared by the account's functions (AWS default 1,000). */
    gint64 lambda_concurrency_limit;
    /* account.apigateway_throttle: {rate, burst}, the token bucket API
     * Gateway keeps per account and region, shared by its APIs (AWS
     * default 10,000 requests/s, burst 5,000). */
    double apigateway_rate, apigateway_burst;
    CirrusRegions *regions;   /* the built-in regions and those of `regions:` */
    CirrusPrices  *prices;    /* models/aws/prices/us-east-1.yaml with `prices:` applied */
} CirrusGlobals;

gboolean cirrus_globals_read(CirrusScenario *sc, CirrusNode *root, GError **error);
/* The globals of a scenario being linked. */
const CirrusGlobals *cirrus_globals(const CirrusScenario *sc);

#endif
