/* cirrus — the price table (see prices.h, docs/cost.md). */
#include "models/aws/prices.h"
#include "sim/loader/config.h"
#include "sim/kernel/error.h"
#include "sim/loader/suggest.h"
#include <string.h>

extern const char cirrus_prices_default_yaml[];

struct CirrusPrices {
    GHashTable *usd;   /* key (owned) -> double * (owned) */
};

void cirrus_prices_free(CirrusPrices *p)
{
    if (!p) return;
    g_hash_table_unref(p->usd);
    g_free(p);
}

static void set_price(CirrusPrices *p, const char *key, double usd)
{
    double *v = g_new(double, 1);
    *v = usd;
    g_hash_table_replace(p->usd, g_strdup(key), v);
}

gboolean cirrus_prices_has(const CirrusPrices *p, const char *key)
{
    return g_hash_table_contains(p->usd, key);
}

double cirrus_price(const CirrusPrices *p, const char *key)
{
    const double *v = g_hash_table_lookup(p->usd, key);
    g_return_val_if_fail(v != NULL, 0.0);
    return *v;
}

static gint by_name(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void cirrus_prices_unknown(const CirrusPrices *p, const CirrusNode *at, const char *key, const char *prefix,
                           GError **error)
{
    /* Sorted, so that the message does not depend on hash order. */
    GPtrArray *keys = g_ptr_array_new();
    GHashTableIter it;
    gpointer k;
    g_hash_table_iter_init(&it, p->usd);
    while (g_hash_table_iter_next(&it, &k, NULL))
        if (g_str_has_prefix(k, prefix)) g_ptr_array_add(keys, k);
    g_ptr_array_sort(keys, by_name);
    GString *msg = g_string_new(NULL);
    g_string_printf(msg, "no price for '%s' in the price table", key);
    cirrus_suggest_append(msg, key, (const char *const *)keys->pdata, keys->len);
    g_string_append(msg, " (add it under the scenario's top-level 'prices:')");
    cirrus_node_error(at, error, "%s", msg->str);
    g_string_free(msg, TRUE);
    g_ptr_array_free(keys, TRUE);
}

/* The compiled-in table: a programming error if it does not parse. */
static gboolean read_defaults(CirrusPrices *p, GError **error)
{
    CirrusNode *root = cirrus_node_parse("models/aws/prices/us-east-1.yaml", cirrus_prices_default_yaml,
                                         strlen(cirrus_prices_default_yaml), error);
    if (!root) return FALSE;
    CirrusNode *table = NULL;
    const char *region;
    gboolean ok = cirrus_cfg_string(root, "region", "us-east-1", &region, error) &&
                  cirrus_cfg_map(root, "prices", &table, error);
    for (guint i = 0; ok && table && i < cirrus_node_len(table); i++) {
        CirrusNode *entry = cirrus_node_item(table, i);
        const char *date, *source;
        double usd;
        gboolean assumed;
        ok = cirrus_cfg_double(entry, "usd", 0, 0, 1e6, &usd, error) &&
             cirrus_cfg_string(entry, "date", NULL, &date, error) &&
             cirrus_cfg_string(entry, "source", NULL, &source, error) &&
             cirrus_cfg_bool(entry, "assumed", FALSE, &assumed, error);
        if (ok) set_price(p, cirrus_node_key(table, i), usd);
    }
    cirrus_node_free(root);
    return ok;
}

CirrusPrices *cirrus_prices_read(CirrusNode *overrides, GError **error)
{
    CirrusPrices *p = g_new0(CirrusPrices, 1);
    p->usd = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    gboolean ok = read_defaults(p, error);
    if (ok && overrides && cirrus_node_kind(overrides) != CIRRUS_NODE_MAP) {
        cirrus_node_error(overrides, error, "'prices' must be a map of price: USD, e.g. {ec2.m5.large.hour: 0.096}");
        ok = FALSE;
    }
    for (guint i = 0; ok && overrides && i < cirrus_node_len(overrides); i++) {
        const char *key = cirrus_node_key(overrides, i);
        CirrusNode *at = cirrus_node_key_node(overrides, i);
        /* New keys a scenario may add: an instance type, or the
         * transfer price of a pair of regions (models/transfer.c). */
        gboolean new_type = (g_str_has_prefix(key, "ec2.") && g_str_has_suffix(key, ".hour") && strlen(key) > 9) ||
                            (g_str_has_prefix(key, "data_transfer.") && g_str_has_suffix(key, ".gb") &&
                             strchr(key + strlen("data_transfer."), '.') < key + strlen(key) - strlen(".gb"));
        double usd;
        if (!cirrus_prices_has(p, key) && !new_type) {
            cirrus_prices_unknown(p, at, key, "", error);
            ok = FALSE;
        } else if ((ok = cirrus_cfg_double(overrides, key, 0, 0, 1e6, &usd, error))) {
            set_price(p, key, usd);
        }
    }
    if (!ok) {
        cirrus_prices_free(p);
        return NULL;
    }
    return p;
}
