/* cirrus — Route 53's routing by where the caller is: latency,
 * geolocation and geoproximity (see route53-private.h and
 * docs/models/route53.md#answers-by-policy).
 *
 * A caller's region is its sender's `region:` or its workload client's
 * region (regions.h); a record's is its `region:` or its target's. */
#include "models/route53/route53-private.h"
#include "models/aws/globals.h"
#include "models/protocol/client.h"
#include "sim/loader/scenario.h"
#include <math.h>
#include <string.h>

static const char *const continents[] = {"AF", "AN", "AS", "EU", "NA", "OC", "SA", NULL};

/* location: default | a continent code | a country code, or
 * {continent: EU} / {country: SA} where the codes clash (AF, AS, NA and
 * SA are also countries: Afghanistan, American Samoa, Namibia, Saudi
 * Arabia; the scalar form takes the continent). */
static gboolean read_location(R53Record *rec, CirrusNode *item, GError **error)
{
    CirrusNode *loc;
    if (!cirrus_cfg_require(item, "location", "default, a continent (EU) or a country (DE)", error)) return FALSE;
    loc = cirrus_node_peek(item, "location");
    if (cirrus_node_kind(loc) == CIRRUS_NODE_MAP) {
        const char *continent, *country;
        if (!cirrus_cfg_map(item, "location", &loc, error) ||
            !cirrus_cfg_string(loc, "continent", NULL, &continent, error) ||
            !cirrus_cfg_string(loc, "country", NULL, &country, error))
            return FALSE;
        if (!continent == !country) {
            cirrus_node_error(loc, error, "give one of 'continent' or 'country'");
            return FALSE;
        }
        rec->geo_level = continent ? GEO_CONTINENT : GEO_COUNTRY;
        rec->geo_code = g_intern_string(continent ? continent : country);
    } else {
        const char *code;
        if (!cirrus_cfg_string(item, "location", NULL, &code, error)) return FALSE;
        rec->geo_code = g_intern_string(code);
        rec->geo_level = strcmp(code, "default") == 0 ? GEO_DEFAULT
                       : g_strv_contains(continents, code) ? GEO_CONTINENT : GEO_COUNTRY;
    }
    gboolean ok = rec->geo_level == GEO_DEFAULT ||
                  (rec->geo_level == GEO_CONTINENT ? g_strv_contains(continents, rec->geo_code)
                                                   : strlen(rec->geo_code) == 2 &&
                                                     g_ascii_isupper(rec->geo_code[0]) &&
                                                     g_ascii_isupper(rec->geo_code[1]));
    if (!ok) {
        cirrus_node_error(loc, error, "a location is 'default', a continent code (AF AN AS EU NA OC SA) or a "
                          "two-letter country code in capitals (ISO 3166-1, e.g. DE)");
        return FALSE;
    }
    return TRUE;
}

gboolean r53_read_geo(R53 *r, R53Record *rec, CirrusNode *item, GError **error)
{
    if (r->policy == POLICY_GEOLOCATION) return read_location(rec, item, error);
    if (r->policy != POLICY_LATENCY && r->policy != POLICY_GEOPROXIMITY) return TRUE;
    /* AWS's bias: -99 to 99. */
    if (r->policy == POLICY_GEOPROXIMITY && !cirrus_cfg_int(item, "bias", 0, -99, 99, &rec->bias, error))
        return FALSE;
    if (!cirrus_cfg_string(item, "region", NULL, &rec->region_name, error)) return FALSE;
    rec->region_at = cirrus_node_peek(item, "region");
    return TRUE;
}

/* Geolocation: each location at most once, and a default (required here,
 * as the issue asks: without one, callers from elsewhere get no answer). */
gboolean r53_check_geo(const R53 *r, CirrusNode *list, GError **error)
{
    if (r->policy != POLICY_GEOLOCATION) return TRUE;
    gboolean has_default = FALSE;
    for (guint i = 0; i < r->records->len; i++) {
        const R53Record *a = r53_record(r, i);
        has_default |= a->geo_level == GEO_DEFAULT;
        for (guint j = 0; j < i; j++) {
            const R53Record *b = r53_record(r, j);
            if (a->geo_level == b->geo_level && a->geo_code == b->geo_code) {
                cirrus_node_error(cirrus_node_item(list, i), error, "location '%s' has two records", a->geo_code);
                return FALSE;
            }
        }
    }
    if (!has_default) {
        cirrus_node_error(list, error, "geolocation records need one with 'location: default' for callers "
                          "that no other location matches");
        return FALSE;
    }
    return TRUE;
}

/* The record's region: its own `region:`, else its target's; latency and
 * geoproximity need one with a location. */
gboolean r53_link_geo(R53 *r, R53Record *rec, CirrusScenario *sc, GError **error)
{
    if (!r->regions) r->regions = cirrus_regions_ref(cirrus_globals(sc)->regions);
    const CirrusNode *at = rec->region_at ? rec->region_at : rec->target_at;
    const char *name = rec->region_name ? rec->region_name : cirrus_component_region(rec->target);
    gboolean needed = r->policy == POLICY_LATENCY || r->policy == POLICY_GEOPROXIMITY;
    if (!name) {
        if (!needed) return TRUE;
        cirrus_node_error(at, error, "a %s record needs a 'region' (or a target with 'region:')",
                          r->policy == POLICY_LATENCY ? "latency" : "geoproximity");
        return FALSE;
    }
    const CirrusRegion *region = cirrus_region_check(r->regions, at, name, needed, error);
    if (!region) return FALSE;
    rec->region = region->continent ? region : NULL;
    return TRUE;
}

/* The caller's region, if it has a location. */
const CirrusRegion *r53_caller_region(const R53 *r, const CirrusRequest *req)
{
    const char *name = cirrus_caller_region(req);
    const CirrusRegion *region = name && r->regions ? cirrus_region_find(r->regions, name) : NULL;
    return region && region->continent ? region : NULL;
}

/* A record's distance from the caller: the round-trip time (latency) or
 * the biased great-circle distance (geoproximity, AWS's formula: positive
 * bias d × (1 − bias/100), negative d / (1 + bias/100)). */
static double distance(const R53 *r, const R53Record *rec, const CirrusRegion *caller)
{
    if (r->policy == POLICY_LATENCY) return (double)cirrus_region_rtt(r->regions, caller, rec->region);
    double d = cirrus_region_distance_km(caller, rec->region);
    return rec->bias >= 0 ? d * (1 - rec->bias / 100.0) : d / (1 + rec->bias / 100.0);
}

/* The nearest healthy record (all, when none is healthy); ties, and a
 * caller without a location, uniformly among the candidates. */
static guint nearest(R53 *r, const CirrusRegion *caller)
{
    guint set[R53_MAX_RECORDS], n = 0;
    gboolean any_healthy = FALSE;
    for (guint i = 0; i < r->records->len; i++) any_healthy |= r53_record(r, i)->healthy;
    double best = INFINITY;
    for (guint i = 0; i < r->records->len; i++) {
        const R53Record *rec = r53_record(r, i);
        if (any_healthy && !rec->healthy) continue;
        double d = caller ? distance(r, rec, caller) : 0;
        if (d < best) {
            best = d;
            n = 0;
        }
        if (d == best) set[n++] = i;
    }
    return set[n > 1 ? cirrus_rng_below(&r->pick_rng, n) : 0];
}

/* The most specific of country, continent, default that is healthy; if
 * none of those is, the most specific of them (as if all were healthy). */
static guint by_location(R53 *r, const CirrusRegion *caller)
{
    guint match[3];
    gboolean found[3] = {FALSE, FALSE, FALSE};
    for (guint i = 0; i < r->records->len; i++) {
        const R53Record *rec = r53_record(r, i);
        gboolean hit = rec->geo_level == GEO_DEFAULT ||
                       (caller && rec->geo_code == (rec->geo_level == GEO_COUNTRY ? caller->country
                                                                                  : caller->continent));
        if (hit) {
            match[rec->geo_level] = i;
            found[rec->geo_level] = TRUE;
        }
    }
    for (int level = GEO_COUNTRY; level <= GEO_DEFAULT; level++)
        if (found[level] && r53_record(r, match[level])->healthy) return match[level];
    for (int level = GEO_COUNTRY; level <= GEO_DEFAULT; level++)
        if (found[level]) return match[level];
    g_assert_not_reached();
    return 0;
}

guint r53_resolve_geo(R53 *r, const CirrusRegion *caller)
{
    return r->policy == POLICY_GEOLOCATION ? by_location(r, caller) : nearest(r, caller);
}
