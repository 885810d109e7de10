/* cirrus — protocol keys of requests (see invoke.h). */
#include "models/protocol/invoke.h"
#include "sim/loader/suggest.h"
#include "sim/loader/config.h"

gboolean cirrus_request_keys_read(CirrusNode *map, CirrusRequestKeysSpec *spec, GError **error)
{
    gboolean consistent;
    *spec = (CirrusRequestKeysSpec){ .items = -1, .messages = -1, .consistent = -1 };
    if (!map) return TRUE;
    if (!cirrus_cfg_string(map, "operation", NULL, &spec->operation, error) ||
        !cirrus_cfg_int(map, "items", -1, 1, 1000000, &spec->items, error) ||
        !cirrus_cfg_int(map, "messages", -1, 1, 10, &spec->messages, error) ||
        !cirrus_cfg_bool(map, "consistent", FALSE, &consistent, error))
        return FALSE;
    spec->operation_at = cirrus_node_peek(map, "operation");
    spec->items_at = cirrus_node_peek(map, "items");
    spec->messages_at = cirrus_node_peek(map, "messages");
    spec->consistent_at = cirrus_node_peek(map, "consistent");
    spec->size_at = cirrus_node_peek(map, "size");
    if (spec->consistent_at) spec->consistent = consistent;
    return TRUE;
}

/* "SendMessage or SendMessageBatch" */
static char *operations_text(const char *const *ops)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; ops[i]; i++) {
        if (i > 0) g_string_append(s, ops[i + 1] ? ", " : " or ");
        g_string_append(s, ops[i]);
    }
    return g_string_free(s, FALSE);
}

/* "size, messages" */
static char *keys_text(guint32 keys)
{
    GString *s = g_string_new("size");
    if (keys & CIRRUS_KEY_ITEMS) g_string_append(s, ", items");
    if (keys & CIRRUS_KEY_CONSISTENT) g_string_append(s, ", consistent");
    if (keys & CIRRUS_KEY_MESSAGES) g_string_append(s, ", messages");
    return g_string_free(s, FALSE);
}

static gboolean refuse_key(const CirrusNode *at, const CirrusComponent *target, const char *role, const char *key,
                           guint32 keys, GError **error)
{
    char *has = keys_text(keys);
    cirrus_node_error(at, error, "%s '%s' is %s: it takes no '%s' (its keys: %s)", role, cirrus_component_name(target),
                      cirrus_component_noun(target), key, has);
    g_free(has);
    return FALSE;
}

gboolean cirrus_request_keys_link(CirrusRequestKeysSpec *spec, const CirrusComponent *target, const char *role,
                                  gint64 size, GError **error)
{
    const struct CirrusProtocols *p = cirrus_component_protocols(target);
    const CirrusInvokeSpec *inv = p ? p->invoke : NULL;
    const char *const *ops = inv ? inv->operations : NULL;
    guint32 keys = inv ? inv->keys : 0;
    spec->resolved = (CirrusRequestKeys){0};
    if (spec->operation) {
        guint i = 0;
        while (ops && ops[i] && g_strcmp0(ops[i], spec->operation) != 0) i++;
        if (!ops || !ops[i]) {
            if (!ops) {
                cirrus_node_error(spec->operation_at, error, "%s '%s' is %s: it takes no 'operation' (it has none "
                                  "to name), not %s", role, cirrus_component_name(target),
                                  cirrus_component_noun(target), spec->operation);
            } else {
                char *list = operations_text(ops);
                GString *hint = g_string_new(NULL);
                cirrus_suggest_append(hint, spec->operation, (const char *const *)ops, g_strv_length((char **)ops));
                cirrus_node_error(spec->operation_at, error, "%s '%s' is %s: it takes operation %s, not %s%s", role,
                                  cirrus_component_name(target), cirrus_component_noun(target), list,
                                  spec->operation, hint->str);
                g_string_free(hint, TRUE);
                g_free(list);
            }
            return FALSE;
        }
        spec->resolved.operation = (guint8)i;
        spec->resolved.given |= CIRRUS_KEYS_OPERATION;
    }
    if (size >= 0) spec->resolved.given |= CIRRUS_KEYS_SIZE;
    if (spec->items >= 0) {
        if (!(keys & CIRRUS_KEY_ITEMS)) return refuse_key(spec->items_at, target, role, "items", keys, error);
        spec->resolved.items = (guint32)spec->items;
    }
    if (spec->consistent >= 0) {
        if (!(keys & CIRRUS_KEY_CONSISTENT))
            return refuse_key(spec->consistent_at, target, role, "consistent", keys, error);
        spec->resolved.consistent = (guint8)spec->consistent;
    }
    if (spec->messages >= 0) {
        if (!(keys & CIRRUS_KEY_MESSAGES))
            return refuse_key(spec->messages_at, target, role, "messages", keys, error);
        spec->resolved.messages = (guint8)spec->messages;
    }
    return !inv || !inv->check || inv->check(target, spec, size, role, error);
}

const char *cirrus_request_operation(const CirrusComponent *target, const CirrusRequest *req)
{
    const struct CirrusProtocols *p = cirrus_component_protocols(target);
    const char *const *ops = p && p->invoke ? p->invoke->operations : NULL;
    return ops ? ops[cirrus_request_data_const(req)->keys.operation] : NULL;
}
