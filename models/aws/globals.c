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
        !cirrus_cfg_list(root, "regions", &regions, error))
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
