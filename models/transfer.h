/* cirrus — data transfer between regions: the bytes that requests carry
 * from one region to another, and what AWS bills for them (docs/cost.md,
 * "Data transfer between regions").
 *
 * Not a component model: the registry's `built` hook, run for each
 * simulation once every component has linked.  In a scenario whose
 * components' `region:` and workloads' client regions name two or more
 * regions, every component with a `region:` and every workload with client
 * regions gets a count metric InterRegionBytes, and every request handed
 * over (cirrus_send) from one region to another is counted on its sender
 * and billed at the price of that pair of regions. */
#ifndef CIRRUS_MODEL_TRANSFER_H
#define CIRRUS_MODEL_TRANSFER_H

#include "sim/loader/scenario.h"

#define CIRRUS_TRANSFER_METRIC "InterRegionBytes"

/* The registry's `built` hook. */
gboolean cirrus_transfer_built(CirrusScenario *sc, CirrusSim *sim, GError **error);

/* What `c` has been billed for data sent to other regions since time 0
 * (warm-up included, as every cost): TRUE and *usd when it can send across
 * regions (it has InterRegionBytes), else FALSE and 0. */
gboolean cirrus_transfer_usd(CirrusComponent *c, double *usd);

#endif
