/* cirrus — protocols: capabilities and lookups (see protocol.h).
 *
 * Registry-level glue: it includes sim/kernel/sim.h for a component's state,
 * which it hands only to that component's own slots. */
#include "models/protocol/protocol.h"
#include "sim/kernel/error.h"
#include "sim/kernel/sim.h"
#include "sim/loader/node.h"

gboolean cirrus_speaks(const CirrusComponent *c, guint32 capabilities)
{
    const struct CirrusProtocols *p = cirrus_component_protocols(c);
    return p && (p->speaks & capabilities) == capabilities;
}

const char *cirrus_component_noun(const CirrusComponent *c)
{
    const struct CirrusProtocols *p = cirrus_component_protocols(c);
    return p && p->noun ? p->noun : cirrus_component_type(c);
}

char *cirrus_protocol_types(const CirrusRegistry *registry, guint32 capabilities)
{
    GPtrArray *names = g_ptr_array_new();
    for (guint i = 0; registry->types[i]; i++) {
        const struct CirrusProtocols *p = registry->types[i]->protocols;
        if (p && (p->speaks & capabilities) == capabilities) g_ptr_array_add(names, (gpointer)registry->types[i]->name);
    }
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < names->len; i++) {
        if (i > 0) g_string_append(s, i + 1 == names->len ? " or " : ", ");
        g_string_append(s, names->pdata[i]);
    }
    g_ptr_array_free(names, TRUE);
    return g_string_free(s, FALSE);
}

CirrusComponent *cirrus_protocol_lookup(CirrusScenario *sc, CirrusComponent *self, const CirrusNode *at,
                                        const char *name, guint32 capabilities, const char *role,
                                        const char *what, GError **error)
{
    CirrusComponent *c = cirrus_scenario_lookup(sc, at, name, error);
    if (!c) return NULL;
    if (c == self) {
        cirrus_node_error(at, error, "%s must be another component, not '%s' itself", role, name);
        return NULL;
    }
    if (cirrus_speaks(c, capabilities)) return c;
    char *types = cirrus_protocol_types(cirrus_scenario_registry(sc), capabilities);
    cirrus_node_error(at, error, "%s '%s' is %s; %s takes %s (type %s)", role, name, cirrus_component_noun(c), role,
                      what, types);
    g_free(types);
    return NULL;
}

const struct CirrusProtocols *cirrus_protocols_of(const CirrusComponent *c, guint32 capability, void **state)
{
    g_assert(cirrus_speaks(c, capability));
    *state = cirrus_component_state((CirrusComponent *)c);
    return cirrus_component_protocols(c);
}

gboolean cirrus_protocols_valid(const CirrusModelType *type, GError **error)
{
    const struct CirrusProtocols *p = type->protocols;
    const char *bad = NULL;
    if (!p) return TRUE;
    if (!p->noun) bad = "no noun";
    else if (!(p->speaks & CIRRUS_SPEAKS_QUEUE) != !p->queue) bad = "queue slots and capability disagree";
    else if (!(p->speaks & CIRRUS_SPEAKS_STREAM) != !p->stream) bad = "stream slots and capability disagree";
    else if (!(p->speaks & CIRRUS_SPEAKS_CLIENT) != !p->client) bad = "client slots and capability disagree";
    else if (!(p->speaks & CIRRUS_SPEAKS_CACHE) != !p->cache) bad = "cache slots and capability disagree";
    else if (p->invoke && !(p->speaks & CIRRUS_SPEAKS_INVOKE)) bad = "invoke keys without the invoke capability";
    if (!bad) return TRUE;
    g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_RUN, "model type '%s': %s", type->name, bad);
    return FALSE;
}
