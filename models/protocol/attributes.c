/* cirrus — interned message attributes (see attributes.h). */
#include "models/protocol/attributes.h"
#include "sim/kernel/sim.h"
#include <string.h>

typedef struct {
    guint n;
    char text[CIRRUS_ATTR_MAX][CIRRUS_ATTR_TEXT];
} AttrTable;

#define ATTR_TABLE "message-attributes"

void cirrus_attr_prepare(CirrusSim *sim)
{
    cirrus_sim_shared_new(sim, ATTR_TABLE, sizeof(AttrTable));
}

guint cirrus_attr_intern(CirrusComponent *c, const CirrusNode *at, const char *name, const char *value,
                         GError **error)
{
    AttrTable *t = cirrus_component_shared(c, ATTR_TABLE);
    g_assert(t);   /* made by cirrus_attr_prepare */
    /* Joined by '\x1f' (unit separator), which no attribute name holds, so
     * that "a" = "b=c" and "a=b" = "c" stay apart. */
    char *pair = g_strconcat(name, "\x1f", value, NULL);
    guint id = 0;
    if (strlen(pair) >= CIRRUS_ATTR_TEXT) {
        cirrus_node_error(at, error, "attribute '%s' value '%s' is too long (name and value together: at most %d "
                          "characters)", name, value, CIRRUS_ATTR_TEXT - 2);
        g_free(pair);
        return 0;
    }
    for (guint i = 0; i < t->n && !id; i++)
        if (strcmp(t->text[i], pair) == 0) id = i + 1;
    if (!id && t->n < CIRRUS_ATTR_MAX) {
        g_strlcpy(t->text[t->n], pair, CIRRUS_ATTR_TEXT);
        id = ++t->n;
    }
    if (!id)
        cirrus_node_error(at, error, "too many distinct message attribute values (at most %d name=value pairs in a "
                          "scenario)", CIRRUS_ATTR_MAX);
    g_free(pair);
    return id;
}
