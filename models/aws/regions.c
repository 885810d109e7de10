/* cirrus — AWS regions (see regions.h). */
#include "models/aws/regions.h"
#include "sim/loader/suggest.h"
#include <math.h>
#include <string.h>

/* Built-in regions: the metro area each is in (approximate city
 * coordinates), its continent and country. */
typedef struct {
    const char *name, *continent, *country;
    double lat, lon;
} Builtin;

static const Builtin builtin[] = {
    {"us-east-1", "NA", "US", 39.04, -77.49},       /* N. Virginia (Ashburn) */
    {"us-west-1", "NA", "US", 37.34, -121.89},      /* N. California (San Jose) */
    {"us-west-2", "NA", "US", 45.84, -119.70},      /* Oregon (Boardman) */
    {"eu-west-1", "EU", "IE", 53.35, -6.26},        /* Ireland (Dublin) */
    {"eu-central-1", "EU", "DE", 50.11, 8.68},      /* Frankfurt */
    {"ap-northeast-1", "AS", "JP", 35.68, 139.69},  /* Tokyo */
    {"ap-northeast-2", "AS", "KR", 37.57, 126.98},  /* Seoul */
    {"ap-southeast-1", "AS", "SG", 1.35, 103.82},   /* Singapore */
    {"ap-southeast-2", "OC", "AU", -33.87, 151.21}, /* Sydney */
    {"sa-east-1", "SA", "BR", -23.55, -46.63},      /* São Paulo */
};
#define N_BUILTIN G_N_ELEMENTS(builtin)

/* Round-trip times in ms between the built-in regions, in the order above:
 * averages of inter-region pings published in 2017 ("Latency Between AWS
 * Global Regions", as tabulated in docs/scenario-reference.md#regions),
 * the two directions averaged and rounded.  An assumption to override
 * with measurements of one's own. */
static const double builtin_rtt_ms[N_BUILTIN][N_BUILTIN] = {
    /*          use1 usw1 usw2 euw1 euc1 apne1 apne2 apse1 apse2 sae1 */
    /* use1 */ {0, 72, 88, 81, 89, 145, 178, 217, 230, 120},
    /* usw1 */ {72, 0, 19, 153, 167, 102, 132, 174, 158, 193},
    /* usw2 */ {88, 19, 0, 137, 160, 89, 118, 161, 162, 183},
    /* euw1 */ {81, 153, 137, 0, 20, 212, 242, 239, 310, 191},
    /* euc1 */ {89, 167, 160, 20, 0, 237, 266, 326, 323, 195},
    /* apne1 */ {145, 102, 89, 212, 237, 0, 31, 74, 104, 257},
    /* apne2 */ {178, 132, 118, 242, 266, 31, 0, 72, 134, 286},
    /* apse1 */ {217, 174, 161, 239, 326, 74, 72, 0, 175, 328},
    /* apse2 */ {230, 158, 162, 310, 323, 104, 134, 175, 0, 323},
    /* sae1 */ {120, 193, 183, 191, 195, 257, 286, 328, 323, 0},
};

/* A caller "in" a region is near it, not in its data centres. */
#define SAME_REGION_RTT (2 * CIRRUS_MS)

struct CirrusRegions {
    gint refs;
    GArray *regions;        /* CirrusRegion; the built-in ones first */
    GHashTable *rtt;        /* "a\x1fb" (a < b by name) -> CirrusTime *, overrides */
};

static char *pair_key(const char *a, const char *b)
{
    return strcmp(a, b) < 0 ? g_strconcat(a, "\x1f", b, NULL) : g_strconcat(b, "\x1f", a, NULL);
}

const CirrusRegion *cirrus_region_find(const CirrusRegions *t, const char *name)
{
    for (guint i = 0; i < t->regions->len; i++) {
        const CirrusRegion *r = &g_array_index(t->regions, CirrusRegion, i);
        if (strcmp(r->name, name) == 0) return r;
    }
    return NULL;
}

const CirrusRegion *cirrus_region_check(const CirrusRegions *t, const CirrusNode *at, const char *name,
                                        gboolean located, GError **error)
{
    const CirrusRegion *r = cirrus_region_find(t, name);
    if (r && (r->continent || !located)) return r;
    if (r) {
        cirrus_node_error(at, error, "region '%s' has no location: define it in the top-level 'regions:' as "
                          "{name: %s, continent: NA, country: US, location: [lat, lon]}", name, name);
        return NULL;
    }
    const char **names = g_new(const char *, t->regions->len);
    for (guint i = 0; i < t->regions->len; i++) names[i] = g_array_index(t->regions, CirrusRegion, i).name;
    GString *msg = g_string_new(NULL);
    g_string_printf(msg, "unknown region '%s': not built in; list it in the top-level 'regions:'", name);
    cirrus_suggest_append(msg, name, names, t->regions->len);
    cirrus_node_error(at, error, "%s", msg->str);
    g_string_free(msg, TRUE);
    g_free(names);
    return NULL;
}

double cirrus_region_distance_km(const CirrusRegion *a, const CirrusRegion *b)
{
    /* Haversine on a sphere of the Earth's mean radius. */
    const double rad = G_PI / 180, radius_km = 6371.0;
    double dlat = (b->lat - a->lat) * rad, dlon = (b->lon - a->lon) * rad;
    double h = sin(dlat / 2) * sin(dlat / 2) + cos(a->lat * rad) * cos(b->lat * rad) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * radius_km * asin(fmin(1.0, sqrt(h)));
}

static int builtin_index(const char *name)
{
    for (guint i = 0; i < N_BUILTIN; i++)
        if (strcmp(builtin[i].name, name) == 0) return (int)i;
    return -1;
}

CirrusTime cirrus_region_rtt(const CirrusRegions *t, const CirrusRegion *a, const CirrusRegion *b)
{
    char *key = pair_key(a->name, b->name);
    const CirrusTime *over = g_hash_table_lookup(t->rtt, key);
    g_free(key);
    if (over) return *over;
    if (a == b) return SAME_REGION_RTT;
    int i = builtin_index(a->name), j = builtin_index(b->name);
    if (i >= 0 && j >= 0) return (CirrusTime)(builtin_rtt_ms[i][j] * CIRRUS_MS);
    /* Light in fibre covers ~200 km per ms; paths run ~1.4 times the
     * great-circle distance (which fits the built-in table within ~40%). */
    double ms = 2.0 + 1.4 * 2 * cirrus_region_distance_km(a, b) / 200.0;
    return (CirrusTime)(ms * CIRRUS_MS);
}

/* {name, continent, country, location: [lat, lon], latency: {other: 80ms}} */
static gboolean read_defined(CirrusRegions *t, CirrusNode *item, GError **error)
{
    static const char *const continents[] = {"AF", "AN", "AS", "EU", "NA", "OC", "SA", NULL};
    const char *name, *country;
    CirrusNode *loc, *latency;
    int continent;
    if (!cirrus_cfg_require(item, "name", "the region's name, e.g. us-east-1", error) ||
        !cirrus_cfg_string(item, "name", NULL, &name, error) ||
        !cirrus_cfg_enum(item, "continent", continents, -1, &continent, error) ||
        !cirrus_cfg_string(item, "country", NULL, &country, error) ||
        !cirrus_cfg_list(item, "location", &loc, error) ||
        !cirrus_cfg_map(item, "latency", &latency, error))
        return FALSE;
    CirrusRegion *r = (CirrusRegion *)cirrus_region_find(t, name);
    gboolean defines = continent >= 0 || country || loc;
    if (r && defines && builtin_index(name) >= 0) {
        cirrus_node_error(item, error, "region '%s' is built in: give only 'latency' overrides for it", name);
        return FALSE;
    }
    if (!r) {
        CirrusRegion fresh = { g_intern_string(name), NULL, NULL, 0, 0 };
        g_array_append_val(t->regions, fresh);
        r = &g_array_index(t->regions, CirrusRegion, t->regions->len - 1);
    }
    if (defines) {
        double ll[2];
        if (continent < 0 || !country || !loc || cirrus_node_len(loc) != 2 ||
            !cirrus_node_to_double(cirrus_node_item(loc, 0), &ll[0], NULL) ||
            !cirrus_node_to_double(cirrus_node_item(loc, 1), &ll[1], NULL) ||
            fabs(ll[0]) > 90 || fabs(ll[1]) > 180 || strlen(country) != 2) {
            cirrus_node_error(item, error, "a region of your own needs 'continent' (AF AN AS EU NA OC SA), "
                              "'country' (two letters, e.g. US) and 'location: [latitude, longitude]' in degrees");
            return FALSE;
        }
        r->continent = g_intern_static_string(continents[continent]);
        r->country = g_intern_string(country);
        r->lat = ll[0];
        r->lon = ll[1];
    }
    for (guint i = 0; latency && i < cirrus_node_len(latency); i++) {
        const char *other = cirrus_node_key(latency, i);
        CirrusTime *rtt = g_new(CirrusTime, 1);
        if (!cirrus_cfg_duration(latency, other, 0, 0, 10 * CIRRUS_SEC, rtt, error)) {
            g_free(rtt);
            return FALSE;
        }
        g_hash_table_replace(t->rtt, pair_key(name, other), rtt);
    }
    return TRUE;
}

/* Names in overrides must be regions: checked once every region is read. */
static gboolean check_overrides(CirrusRegions *t, CirrusNode *list, GError **error)
{
    for (guint i = 0; list && i < cirrus_node_len(list); i++) {
        CirrusNode *latency = cirrus_node_peek(cirrus_node_item(list, i), "latency");
        for (guint k = 0; latency && k < cirrus_node_len(latency); k++)
            if (!cirrus_region_check(t, cirrus_node_key_node(latency, k), cirrus_node_key(latency, k), FALSE, error))
                return FALSE;
    }
    return TRUE;
}

CirrusRegions *cirrus_regions_read(CirrusNode *list, GError **error)
{
    CirrusRegions *t = g_new0(CirrusRegions, 1);
    t->refs = 1;
    t->regions = g_array_new(FALSE, TRUE, sizeof(CirrusRegion));
    t->rtt = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    for (guint i = 0; i < N_BUILTIN; i++) {
        CirrusRegion r = { g_intern_static_string(builtin[i].name), g_intern_static_string(builtin[i].continent),
                           g_intern_static_string(builtin[i].country), builtin[i].lat, builtin[i].lon };
        g_array_append_val(t->regions, r);
    }
    for (guint i = 0; list && i < cirrus_node_len(list); i++) {
        CirrusNode *item = cirrus_node_item(list, i);
        const char *name = cirrus_node_scalar(item);
        if (cirrus_node_kind(item) == CIRRUS_NODE_MAP) {
            if (!read_defined(t, item, error)) goto fail;
            continue;
        }
        if (!name || !*name) {
            cirrus_node_error(item, error, "a region must be a name such as us-east-1, or a map such as "
                              "{name: on-prem, continent: NA, country: US, location: [40.7, -74.0]}");
            goto fail;
        }
        /* A name alone: a built-in region, or one without a location
         * (usable for region: and region_outage, not for routing). */
        if (!cirrus_region_find(t, name)) {
            CirrusRegion bare = { g_intern_string(name), NULL, NULL, 0, 0 };
            g_array_append_val(t->regions, bare);
        }
    }
    if (check_overrides(t, list, error)) return t;
fail:
    cirrus_regions_unref(t);
    return NULL;
}

CirrusRegions *cirrus_regions_ref(CirrusRegions *t)
{
    t->refs++;
    return t;
}

void cirrus_regions_unref(CirrusRegions *t)
{
    if (!t || --t->refs > 0) return;
    g_array_free(t->regions, TRUE);
    g_hash_table_destroy(t->rtt);
    g_free(t);
}

/* ---- where callers are ---------------------------------------------------- */

guint cirrus_client_share(const double *cum, guint n, guint64 client, gint64 clients)
{
    double u = ((double)client + 0.5) / (double)clients;
    for (guint k = 0; k + 1 < n; k++)
        if (u < cum[k]) return k;
    return n - 1;
}
