/* cirrus — scenario-wide settings (see globals.h, docs/scenario-reference.md). */
#include "models/aws/globals.h"
#include "sim/loader/config.h"

static void globals_free(gpointer data)
{
    CirrusGlobals *g = data;
    cirrus_regions_unref(g->regions);
    cirrus_prices_free(g->prices);
    g_free(g);
}

/* account.apigateway_throttle: AWS's account-level throttle per region,
 * "10,000 requests per second (RPS) with an additional burst capacity
 * provided by the token bucket algorithm, using a maximum bucket capacity
 * of 5,000 requests". */
static gboolean read_apigateway_throttle(CirrusGlobals *g, CirrusNode *account, GError **error)
{
    CirrusNode *t;
    gint64 burst;
    if (!cirrus_cfg_map(account, "apigateway_throttle", &t, error) ||
        !cirrus_cfg_rate(t, "rate", 10000, &g->apigateway_rate, error) ||
        !cirrus_cfg_int(t, "burst", 5000, 0, 100000000, &burst, error))
        return FALSE;
    g->apigateway_burst = (double)burst;
    if (g->apigateway_rate == 0 && burst > 0) {
        cirrus_node_error(cirrus_node_peek(t, "burst"), error, "a rate of 0 blocks every request: AWS refuses a "
                          "burst above 0 with it");
        return FALSE;
    }
    return TRUE;
}

gboolean cirrus_globals_read(CirrusScenario *sc, CirrusNode *root, GError **error)
{
    CirrusGlobals *g = g_new0(CirrusGlobals, 1);
    CirrusNode *account, *regions, *prices;
    cirrus_scenario_set_globals(sc, g, globals_free);
    /* AWS: the default regional quota is 1,000 concurrent executions; new
     * accounts may start lower.  (The rule that 100 must stay unreserved
     * limits reservations, so it is checked where they are made.) */
    if (!cirrus_cfg_map(root, "account", &account, error) ||
        !cirrus_cfg_int(account, "lambda_concurrency_limit", 1000, 1, 10000000,
                        &g->lambda_concurrency_limit, error) ||
        !cirrus_cfg_list(root, "regions", &regions, error) ||
        !read_apigateway_throttle(g, account, error))
        return FALSE;
    /* Components' costs (docs/cost.md): the built-in table, overridden. */
    prices = cirrus_cfg_node(root, "prices");
    if (!(g->prices = cirrus_prices_read(prices, error))) return FALSE;
    if (!(g->regions = cirrus_regions_read(regions, error))) return FALSE;
    /* Components' `region:` (the loader reads it): a known region. */
    CirrusNode *components = cirrus_node_peek(root, "components");
    for (guint i = 0; components && cirrus_node_kind(components) == CIRRUS_NODE_SEQ &&
                      i < cirrus_node_len(components); i++) {
        CirrusNode *at = cirrus_node_peek(cirrus_node_item(components, i), "region");
        const char *name = at ? cirrus_node_scalar(at) : NULL;
        if (name && *name && !cirrus_region_check(g->regions, at, name, FALSE, error)) return FALSE;
    }
    return TRUE;
}

const CirrusGlobals *cirrus_globals(const CirrusScenario *sc)
{
    return cirrus_scenario_globals(sc);
}
