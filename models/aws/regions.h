/* cirrus — AWS regions: where they are, how far apart in round-trip time,
 * and which region a caller is in (docs/scenario-reference.md#regions).
 *
 * The scenario's top-level `regions:` lists names (built-in regions carry
 * their location, continent, country and measured round-trip times) or
 * maps that define a region or override round-trip times.  Workloads place
 * their clients in regions with `client.region` / `client.regions`; other
 * components with `region:` (read by the loader). */
#ifndef CIRRUS_MODEL_REGIONS_H
#define CIRRUS_MODEL_REGIONS_H

#include "sim/loader/config.h"
#include "sim/kernel/kernel.h"

typedef struct CirrusRegion {
    const char *name;        /* interned */
    const char *continent;   /* interned AF AN AS EU NA OC SA; NULL: not located */
    const char *country;     /* interned ISO 3166-1 alpha-2 */
    double lat, lon;         /* degrees */
} CirrusRegion;

typedef struct CirrusRegions CirrusRegions;

/* Read the top-level `regions:` list (may be NULL): the built-in regions
 * plus those it defines. */
CirrusRegions *cirrus_regions_read(CirrusNode *list, GError **error);
CirrusRegions *cirrus_regions_ref(CirrusRegions *t);
void           cirrus_regions_unref(CirrusRegions *t);
/* The region called `name` (any string), or NULL. */
const CirrusRegion *cirrus_region_find(const CirrusRegions *t, const char *name);
/* The same, or a located error at `at` ("unknown region", with a
 * suggestion); `located`: the region must have a location (for latency
 * and geographic routing). */
const CirrusRegion *cirrus_region_check(const CirrusRegions *t, const CirrusNode *at, const char *name,
                                        gboolean located, GError **error);
/* Round-trip time between two located regions: the scenario's override,
 * else the built-in table, else from the great-circle distance. */
CirrusTime cirrus_region_rtt(const CirrusRegions *t, const CirrusRegion *a, const CirrusRegion *b);
/* Great-circle distance in km. */
double     cirrus_region_distance_km(const CirrusRegion *a, const CirrusRegion *b);

/* ---- where callers are ---- */
#define CIRRUS_CLIENT_REGIONS_MAX 16
/* A workload's clients by region: client i of n is in the first region k
 * with (i + 0.5) / n < cum[k], so the shares are exact (up to one client). */
typedef struct CirrusClientRegions {
    guint n;
    gint64 clients;
    const char *name[CIRRUS_CLIENT_REGIONS_MAX];   /* interned */
    double cum[CIRRUS_CLIENT_REGIONS_MAX];
} CirrusClientRegions;

/* Which share client `client` of `clients` is in: the first k with
 * (client + 0.5) / clients < cum[k] (the last when none). */
guint cirrus_client_share(const double *cum, guint n, guint64 client, gint64 clients);
/* A workload's table: cirrus_client_regions() (models/protocol/client.h). */

#endif
