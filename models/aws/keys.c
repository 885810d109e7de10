/* cirrus — key popularity (see keys.h). */
#include "models/aws/keys.h"
#include "sim/loader/config.h"
#include <math.h>

gboolean cirrus_keys_read(CirrusNode *cfg, const char *key, gint64 default_count, gint64 max_count, CirrusKeys *out,
                          GError **error)
{
    static const char *const dists[] = {"uniform", "zipf", NULL};
    CirrusNode *map;
    gint64 count;
    int dist;
    double skew;
    *out = (CirrusKeys){0};
    if (!cirrus_cfg_map(cfg, key, &map, error) ||
        !cirrus_cfg_int(map, "count", default_count, 1, max_count, &count, error) ||
        !cirrus_cfg_enum(map, "distribution", dists, 0, &dist, error) ||
        !cirrus_cfg_double(map, "skew", 1.0, 0.0, 10.0, &skew, error))
        return FALSE;
    if (dist == 0 && cirrus_node_peek(map, "skew")) {
        cirrus_node_error(cirrus_node_peek(map, "skew"), error, "'skew' applies to distribution: zipf");
        return FALSE;
    }
    out->count = (guint)count;
    if (dist == 1) {
        double total = 0;
        out->cdf = g_new(double, out->count);
        for (guint i = 0; i < out->count; i++) out->cdf[i] = total += pow(i + 1.0, -skew);
        for (guint i = 0; i < out->count; i++) out->cdf[i] /= total;
        out->cdf[out->count - 1] = 1.0;
        out->guide = g_new(guint, out->count);
        guint i = 0;
        for (guint j = 0; j < out->count; j++) {
            while (out->cdf[i] <= (double)j / out->count) i++;   /* ends: cdf[count - 1] = 1 */
            out->guide[j] = i;
        }
    }
    return TRUE;
}

guint cirrus_keys_draw(const CirrusKeys *keys, CirrusRng *rng)
{
    if (!keys->cdf) return (guint)cirrus_rng_below(rng, keys->count);
    double u = cirrus_rng_uniform(rng);
    guint n = keys->count, j = MIN((guint)(u * n), n - 1);
    /* The answer lies between the guides of u's slice and the next; the
     * checks keep it exact whatever u * n rounded to. */
    guint lo = keys->guide[j], hi = j + 1 < n ? keys->guide[j + 1] : n - 1;
    if (lo > 0 && keys->cdf[lo - 1] > u) lo = 0;
    if (keys->cdf[hi] <= u) hi = n - 1;
    while (lo < hi) {   /* the first key whose cumulative probability exceeds u */
        guint mid = lo + (hi - lo) / 2;
        if (keys->cdf[mid] > u) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

double cirrus_keys_share(const CirrusKeys *keys, guint i)
{
    g_assert(i < keys->count);
    if (!keys->cdf) return 1.0 / keys->count;
    return i == 0 ? keys->cdf[0] : keys->cdf[i] - keys->cdf[i - 1];
}

void cirrus_keys_clear(CirrusKeys *keys)
{
    g_free(keys->cdf);
    g_free(keys->guide);
    *keys = (CirrusKeys){0};
}
