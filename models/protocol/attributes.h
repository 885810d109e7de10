/* cirrus — message attributes on requests (SNS filter policies).
 *
 * A workload may give each request a few attributes drawn from weighted
 * choices (`attributes: {type: {order: 0.7, refund: 0.3}}`); an SNS topic
 * matches them against its subscriptions' filter policies.  A request
 * carries them in one 64-bit field, CirrusRequest.attributes: up to 8
 * slots of one byte, each the number of an interned "name=value" pair
 * (1-255; 0: an empty slot).  The numbers are interned per simulation, in
 * a block shared by every component (made by cirrus_attr_prepare, the
 * registry's prepare hook; found with cirrus_component_shared), so a
 * workload and a topic that name the same pair get the same number; only
 * equality of numbers is ever used, so results do not depend on the order
 * in which components intern. */
#ifndef CIRRUS_MODEL_ATTRIBUTES_H
#define CIRRUS_MODEL_ATTRIBUTES_H

#include "models/protocol/request.h"
#include "sim/loader/node.h"

#define CIRRUS_ATTR_SLOTS 8      /* attributes per request */
#define CIRRUS_ATTR_MAX 255      /* distinct name=value pairs per simulation */
#define CIRRUS_ATTR_TEXT 64      /* bytes of "name=value", with its NUL */

/* Make the simulation's table (the registry's prepare hook, before any
 * component is configured). */
void cirrus_attr_prepare(CirrusSim *sim);
/* The number of the pair (name, value) in this simulation, interning it if
 * new; 0 with a located error (at `at`) when the table is full or the
 * pair too long. */
guint cirrus_attr_intern(CirrusComponent *c, const CirrusNode *at, const char *name, const char *value,
                         GError **error);

static inline guint cirrus_attr_slot(guint64 attributes, guint k) { return (guint)((attributes >> (8 * k)) & 0xFFu); }

static inline guint64 cirrus_attr_set_slot(guint64 attributes, guint k, guint id)
{
    return (attributes & ~((guint64)0xFFu << (8 * k))) | ((guint64)(id & 0xFFu) << (8 * k));
}

/* TRUE if one of the request's attributes is pair `id`. */
static inline gboolean cirrus_attr_has(guint64 attributes, guint id)
{
    for (guint k = 0; k < CIRRUS_ATTR_SLOTS; k++)
        if (cirrus_attr_slot(attributes, k) == id) return TRUE;
    return FALSE;
}

#endif
