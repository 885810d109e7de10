/* cirrus — the `faults:` list (see faults.h, docs/scenario-reference.md). */
#include "sim/loader/faults.h"
#include "sim/loader/config.h"
#include "sim/loader/scenario.h"
#include "sim/loader/suggest.h"

static const char *const kind_names[] = {"outage", "slowdown", "instance_failure", "zone_outage",
                                         "region_outage", NULL};

/* "outage, slowdown" — the kinds a model lists, for messages. */
static char *kinds_of(guint32 bits)
{
    GString *s = g_string_new(NULL);
    for (int k = 0; kind_names[k]; k++)
        if (bits & CIRRUS_FAULT_BIT(k)) g_string_append_printf(s, "%s%s", s->len ? ", " : "", kind_names[k]);
    if (!s->len) g_string_append(s, "none");
    return g_string_free(s, FALSE);
}

static gboolean read_target(CirrusNode *entry, CirrusSim *sim, CirrusFault *f, CirrusComponent **target,
                            GError **error)
{
    const char *name;
    if (!cirrus_cfg_require(entry, "component", "the component the fault hits", error) ||
        !cirrus_cfg_string(entry, "component", NULL, &name, error))
        return FALSE;
    CirrusNode *at = cirrus_node_peek(entry, "component");
    if (!(*target = cirrus_sim_lookup_at(sim, at, name, error))) return FALSE;
    guint32 bits = cirrus_component_model(*target)->faults;
    if (!(bits & CIRRUS_FAULT_BIT(f->kind))) {
        char *kinds = kinds_of(bits);
        cirrus_node_error(at, error, "%s '%s' does not model %s faults (it models: %s)",
                          cirrus_component_type(*target), name, kind_names[f->kind], kinds);
        g_free(kinds);
        return FALSE;
    }
    f->component = cirrus_component_name(*target);
    return TRUE;
}

/* A region outage: some component of that region must model it (or an
 * outage, which is how the kernel hands it to such a component). */
static gboolean read_region(CirrusNode *entry, CirrusSim *sim, CirrusFault *f, const char *place, GError **error)
{
    const guint32 bits = CIRRUS_FAULT_BIT(CIRRUS_FAULT_REGION_OUTAGE) | CIRRUS_FAULT_BIT(CIRRUS_FAULT_OUTAGE);
    f->region = g_intern_string(place);
    GPtrArray *regions = g_ptr_array_new();
    gboolean hit = FALSE;
    for (guint i = 0; i < cirrus_sim_n_components(sim); i++) {
        const CirrusComponent *c = cirrus_sim_component(sim, i);
        const char *r = cirrus_component_region(c);
        if (!r) continue;
        if (r == f->region && (cirrus_component_model(c)->faults & bits)) hit = TRUE;
        gboolean seen = FALSE;
        for (guint k = 0; k < regions->len && !seen; k++) seen = regions->pdata[k] == r;
        if (!seen) g_ptr_array_add(regions, (gpointer)r);
    }
    if (!hit) {
        GString *msg = g_string_new(NULL);
        g_string_printf(msg, "no component with 'region: %s' models outages", place);
        cirrus_suggest_append(msg, place, (const char *const *)regions->pdata, regions->len);
        cirrus_node_error(cirrus_node_peek(entry, "region"), error, "%s", msg->str);
        g_string_free(msg, TRUE);
    }
    g_ptr_array_free(regions, TRUE);
    return hit;
}

/* A zone or region fault: some component must model it. */
static gboolean read_place(CirrusNode *entry, CirrusSim *sim, CirrusFault *f, const char *key, GError **error)
{
    const char *place;
    if (!cirrus_cfg_require(entry, key, key[0] == 'z' ? "the zone that fails, e.g. a" : "the region that fails",
                            error) ||
        !cirrus_cfg_string(entry, key, NULL, &place, error))
        return FALSE;
    if (key[0] == 'r') return read_region(entry, sim, f, place, error);
    gboolean modelled = FALSE;
    for (guint i = 0; i < cirrus_sim_n_components(sim) && !modelled; i++)
        modelled = (cirrus_component_model(cirrus_sim_component(sim, i))->faults & CIRRUS_FAULT_BIT(f->kind)) != 0;
    if (!modelled) {
        cirrus_node_error(entry, error, "no component in this scenario models %s faults", kind_names[f->kind]);
        return FALSE;
    }
    f->zone = g_intern_string(place);
    return TRUE;
}

static gboolean read_fault(CirrusNode *entry, CirrusSim *sim, CirrusTime duration, GError **error)
{
    CirrusFault f = {0};
    CirrusComponent *target = NULL;
    int kind;
    if (cirrus_node_kind(entry) != CIRRUS_NODE_MAP) {
        cirrus_node_error(entry, error, "each fault must be a map such as {at: 30m, kind: outage, component: db, duration: 5m}");
        return FALSE;
    }
    if (!cirrus_cfg_require(entry, "at", "when the fault starts, e.g. 30m", error) ||
        !cirrus_cfg_duration(entry, "at", 0, 0, CIRRUS_TIME_NEVER, &f.at, error) ||
        !cirrus_cfg_require(entry, "kind", "outage, slowdown, instance_failure, zone_outage or region_outage", error) ||
        !cirrus_cfg_enum(entry, "kind", kind_names, 0, &kind, error))
        return FALSE;
    f.kind = (CirrusFaultKind)kind;
    if (f.at >= duration) {
        cirrus_node_error(cirrus_node_peek(entry, "at"), error, "the fault starts at or after the end of the run");
        return FALSE;
    }
    gboolean ends = f.kind != CIRRUS_FAULT_INSTANCE_FAILURE;
    if (ends && (!cirrus_cfg_require(entry, "duration", "how long the fault lasts, e.g. 10m", error) ||
                 !cirrus_cfg_duration(entry, "duration", 0, CIRRUS_MS, CIRRUS_TIME_NEVER, &f.duration, error)))
        return FALSE;
    switch (f.kind) {
    case CIRRUS_FAULT_OUTAGE:
        if (!read_target(entry, sim, &f, &target, error)) return FALSE;
        break;
    case CIRRUS_FAULT_SLOWDOWN:
        if (!cirrus_cfg_require(entry, "factor", "how many times slower, e.g. 5", error) ||
            !cirrus_cfg_double(entry, "factor", 1, 1e-6, 1e6, &f.factor, error) ||
            !read_target(entry, sim, &f, &target, error))
            return FALSE;
        break;
    case CIRRUS_FAULT_INSTANCE_FAILURE:
        if (!cirrus_cfg_int(entry, "count", 1, 1, 1000000, &f.count, error) ||
            !read_target(entry, sim, &f, &target, error))
            return FALSE;
        break;
    case CIRRUS_FAULT_ZONE_OUTAGE:
        if (!read_place(entry, sim, &f, "zone", error)) return FALSE;
        break;
    case CIRRUS_FAULT_REGION_OUTAGE:
        if (!read_place(entry, sim, &f, "region", error)) return FALSE;
        break;
    }
    cirrus_sim_add_fault(sim, &f, target);
    return TRUE;
}

gboolean cirrus_faults_read(CirrusNode *list, CirrusSim *sim, CirrusTime duration, GError **error)
{
    for (guint i = 0; list && i < cirrus_node_len(list); i++)
        if (!read_fault(cirrus_node_item(list, i), sim, duration, error)) return FALSE;
    return TRUE;
}
