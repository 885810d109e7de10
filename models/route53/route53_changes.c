/* cirrus — changing a weighted record set during a run (see
 * route53-private.h and docs/models/route53.md#changes).
 *
 * `changes: [{at: 10m, record: green, weight: 50}, ...]` sets a record's
 * weight at a time, as a ChangeResourceRecordSets UPSERT would.  Route 53
 * answers with the new weights from that instant; callers keep their
 * cached answers until their TTL runs out (route53.c), so traffic moves
 * only as caches expire.  Changes at the same instant apply in list order.
 * Propagation to Route 53's servers (AWS: "generally within 60 seconds")
 * is not modelled: the change is seen by the next query. */
#include "models/route53/route53-private.h"

static gboolean read_change(R53 *r, CirrusNode *item, R53Change *ch, GError **error)
{
    const char *id;
    if (cirrus_node_kind(item) != CIRRUS_NODE_MAP) {
        cirrus_node_error(item, error, "each change is a map, e.g. {at: 10m, record: green, weight: 50}");
        return FALSE;
    }
    if (!cirrus_cfg_require(item, "at", "when the change is made", error) ||
        !cirrus_cfg_duration(item, "at", 0, 0, CIRRUS_TIME_NEVER - 1, &ch->at, error) ||
        !cirrus_cfg_require(item, "record", "the id of the record to change", error) ||
        !cirrus_cfg_string(item, "record", NULL, &id, error) ||
        !cirrus_cfg_require(item, "weight", "the record's new weight, 0 to 255", error) ||
        !cirrus_cfg_int(item, "weight", 0, 0, 255, &ch->weight, error))
        return FALSE;
    for (guint i = 0; i < r->records->len; i++)
        if (strcmp(r53_record(r, i)->id, id) == 0) {
            ch->record = i;
            return TRUE;
        }
    cirrus_node_error(cirrus_node_peek(item, "record"), error, "no record with id '%s' (a record's id is its "
                      "'id', else its target's name)", id);
    return FALSE;
}

gboolean r53_read_changes(CirrusComponent *self, R53 *r, CirrusNode *cfg, GError **error)
{
    CirrusNode *list;
    if (!cirrus_cfg_list(cfg, "changes", &list, error)) return FALSE;
    if (!list) return TRUE;
    if (r->policy != POLICY_WEIGHTED) {
        cirrus_node_error(list, error, "'changes' set weights: only a weighted record set takes them");
        return FALSE;
    }
    r->changes = g_array_new(FALSE, TRUE, sizeof(R53Change));
    for (guint k = 0; k < cirrus_node_len(list); k++) {
        R53Change ch;
        if (!read_change(r, cirrus_node_item(list, k), &ch, error)) return FALSE;
        g_array_append_val(r->changes, ch);
    }
    /* The weights in force, so a plot shows the shift beside its effect. */
    for (guint i = 0; i < r->records->len; i++) {
        R53Record *rec = r53_record(r, i);
        char *name = g_strconcat("Weight.", rec->id, NULL);
        rec->m_weight = cirrus_metric_add(self, name, CIRRUS_METRIC_GAUGE, "None");
        g_free(name);
    }
    return TRUE;
}

void r53_changes_start(CirrusComponent *self, R53 *r)
{
    if (!r->changes) return;
    for (guint i = 0; i < r->records->len; i++) {
        const R53Record *rec = r53_record(r, i);
        cirrus_metric_gauge(self, rec->m_weight, (double)rec->weight);
    }
    /* Same-instant events are handled in the order they were scheduled. */
    for (guint k = 0; k < r->changes->len; k++)
        cirrus_schedule(self, g_array_index(r->changes, R53Change, k).at, R53_CHANGE, NULL, k);
}

void r53_on_change(CirrusComponent *self, R53 *r, guint64 index)
{
    const R53Change *ch = &g_array_index(r->changes, R53Change, index);
    R53Record *rec = r53_record(r, ch->record);
    rec->weight = ch->weight;
    cirrus_metric_gauge(self, rec->m_weight, (double)rec->weight);
}
