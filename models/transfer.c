/* cirrus — data transfer between regions (see transfer.h, docs/cost.md).
 *
 * AWS bills inter-region transfer to the account whose resource sends it,
 * per GB out of the source region at that region's rate to the
 * destination; what comes in is free.  Here the sender is the component
 * that hands the request over, when it has a `region:`; a component
 * without one (Route 53 is global; a load balancer or group left without a
 * region) is taken to be where the request's client is, and the bytes are
 * billed to the client's workload.  The bytes are the request's `size`:
 * requests carry no response size, so responses are not counted.
 *
 * This is registry-level glue, like the loader, not a component model: it
 * walks the simulation's components (sim/kernel/sim.h) once, at build time. */
#include "models/transfer.h"
#include "models/aws/globals.h"
#include "models/protocol/client.h"
#include "sim/kernel/sim.h"
#include <string.h>

/* AWS's pricing GB for data transfer is 2^30 bytes (as for Kinesis). */
#define BYTES_PER_GB 1073741824.0
#define SHARED_KEY "data-transfer"
#define DEFAULT_PRICE "data_transfer.inter_region.gb"

typedef struct {
    guint metric;                          /* its InterRegionBytes */
    const CirrusClientRegions *clients;    /* a workload's client regions; NULL for a component */
    double usd;                            /* billed since time 0 */
} Payer;

typedef struct {
    const char *from, *to;   /* interned */
    double usd_per_byte;
} Rate;

typedef struct {
    GHashTable *payers;   /* CirrusComponent * -> Payer *; looked up, never iterated */
    GArray *rates;        /* Rate, one per ordered pair of regions in play */
} Transfer;

static void transfer_free(gpointer data)
{
    Transfer *t = data;
    g_hash_table_unref(t->payers);
    g_array_free(t->rates, TRUE);
    g_free(t);
}

static double rate(const Transfer *t, const char *from, const char *to)
{
    for (guint i = 0; i < t->rates->len; i++) {
        const Rate *r = &g_array_index(t->rates, Rate, i);
        if (r->from == from && r->to == to) return r->usd_per_byte;
    }
    g_assert_not_reached();
    return 0;
}

/* Where the sender of `req` is, and whom it is billed to. */
static Payer *payer_of(const Transfer *t, CirrusComponent *from, const CirrusRequest *req, CirrusComponent **who,
                       const char **region)
{
    *who = cirrus_component_region(from) ? from : req->origin;
    Payer *p = *who ? g_hash_table_lookup(t->payers, *who) : NULL;
    if (!p) return NULL;
    *region = cirrus_component_region(*who);
    if (!*region && p->clients)
        *region = p->clients->name[cirrus_client_share(p->clients->cum, p->clients->n, req->client,
                                                       p->clients->clients)];
    return *region ? p : NULL;
}

static void sent(CirrusComponent *from, CirrusComponent *to, const CirrusRequest *req, gpointer data)
{
    const Transfer *t = data;
    const char *dst = cirrus_component_region(to), *src = NULL;
    CirrusComponent *who = NULL;
    if (!dst || req->size <= 0) return;
    Payer *p = payer_of(t, from, req, &who, &src);
    if (!p || src == dst) return;
    cirrus_metric_count(who, p->metric, req->size);
    p->usd += (double)req->size * rate(t, src, dst);
}

/* A region in play, once. */
static void add_region(GPtrArray *regions, const char *name)
{
    if (name && !g_ptr_array_find(regions, name, NULL)) g_ptr_array_add(regions, (gpointer)name);
}

gboolean cirrus_transfer_built(CirrusScenario *sc, CirrusSim *sim, GError **error)
{
    (void)error;
    GPtrArray *regions = g_ptr_array_new();   /* interned names, in file order */
    for (guint i = 0; i < cirrus_sim_n_components(sim); i++) {
        CirrusComponent *c = cirrus_sim_component(sim, i);
        add_region(regions, cirrus_component_region(c));
        const CirrusClientRegions *cr = cirrus_client_regions(c);
        if (!cr) continue;
        for (guint k = 0; k < cr->n; k++) add_region(regions, cr->name[k]);
    }
    /* One region or none: nothing can cross, and nothing changes. */
    if (regions->len < 2) {
        g_ptr_array_unref(regions);
        return TRUE;
    }
    Transfer *t = g_new0(Transfer, 1);
    t->payers = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    t->rates = g_array_new(FALSE, FALSE, sizeof(Rate));
    const CirrusPrices *prices = cirrus_globals(sc)->prices;
    for (guint a = 0; a < regions->len; a++)
        for (guint b = 0; b < regions->len; b++) {
            if (a == b) continue;
            char *key = g_strdup_printf("data_transfer.%s.%s.gb", (char *)regions->pdata[a],
                                        (char *)regions->pdata[b]);
            double usd = cirrus_price(prices, cirrus_prices_has(prices, key) ? key : DEFAULT_PRICE);
            Rate r = {regions->pdata[a], regions->pdata[b], usd / BYTES_PER_GB};
            g_array_append_val(t->rates, r);
            g_free(key);
        }
    g_ptr_array_unref(regions);
    for (guint i = 0; i < cirrus_sim_n_components(sim); i++) {
        CirrusComponent *c = cirrus_sim_component(sim, i);
        const CirrusClientRegions *cr = cirrus_client_regions(c);
        if (!cirrus_component_region(c) && !(cr && cr->n)) continue;
        Payer *p = g_new0(Payer, 1);
        p->metric = cirrus_metric_add(c, CIRRUS_TRANSFER_METRIC, CIRRUS_METRIC_COUNT, "Bytes");
        p->clients = cr && cr->n ? cr : NULL;
        g_hash_table_insert(t->payers, c, p);
    }
    /* For cirrus_transfer_usd, which has only the component. */
    *(Transfer **)cirrus_sim_shared_new(sim, SHARED_KEY, sizeof(Transfer *)) = t;
    cirrus_sim_watch_sends(sim, sent, t, transfer_free);
    return TRUE;
}

gboolean cirrus_transfer_usd(CirrusComponent *c, double *usd)
{
    *usd = 0;
    if (cirrus_component_metric_index(c, CIRRUS_TRANSFER_METRIC) < 0) return FALSE;
    Transfer *const *shared = cirrus_component_shared(c, SHARED_KEY);
    const Transfer *t = shared ? *shared : NULL;
    const Payer *p = t ? g_hash_table_lookup(t->payers, c) : NULL;
    if (p) *usd = p->usd;
    return p != NULL;
}
