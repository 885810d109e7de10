/* cirrus — scenario-wide settings (see globals.h, docs/scenario-reference.md). */
#include "models/globals.h"
#include "sim/config.h"

static void globals_free(gpointer data)
{
    CirrusGlobals *g = data;
    g_strfreev(g->regions);
    g_free(g);
}

gboolean cirrus_globals_read(CirrusScenario *sc, CirrusNode *root, GError **error)
{
    CirrusGlobals *g = g_new0(CirrusGlobals, 1);
    CirrusNode *account, *regions;
    cirrus_scenario_set_globals(sc, g, globals_free);
    /* AWS: the default regional quota is 1,000 concurrent executions; new
     * accounts may start lower.  (The rule that 100 must stay unreserved
     * limits reservations, so it is checked where they are made.) */
    if (!cirrus_cfg_map(root, "account", &account, error) ||
        !cirrus_cfg_int(account, "lambda_concurrency_limit", 1000, 1, 10000000,
                        &g->lambda_concurrency_limit, error) ||
        !cirrus_cfg_list(root, "regions", &regions, error))
        return FALSE;
    guint n = regions ? cirrus_node_len(regions) : 0;
    g->regions = g_new0(char *, n + 1);
    for (guint i = 0; i < n; i++) {
        const char *r = cirrus_node_scalar(cirrus_node_item(regions, i));
        if (!r || !*r) {
            cirrus_node_error(cirrus_node_item(regions, i), error, "a region must be a name such as us-east-1");
            return FALSE;
        }
        g->regions[i] = g_strdup(r);
    }
    return TRUE;
}

const CirrusGlobals *cirrus_globals(const CirrusScenario *sc)
{
    return cirrus_scenario_globals(sc);
}
