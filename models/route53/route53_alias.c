/* cirrus — Route 53 alias records to a load balancer (see
 * docs/models/route53.md#alias-records).
 *
 * AWS: an alias record has no TTL of its own; for an alias to an Elastic
 * Load Balancer, Route 53 answers with the load balancer's, 60 s.  With
 * EvaluateTargetHealth, an alias to an ALB or NLB is healthy while its
 * target group has at least one healthy target; a record with no healthy
 * target is unhealthy.  The load balancer tells us its healthy-target
 * count through CIRRUS_LB_WATCH / CIRRUS_LB_HEALTHY_TARGETS
 * (models/protocol/targets.h): components never read each other's state. */
#include "models/route53/route53-private.h"
#include "models/protocol/targets.h"

/* The TTL of an ELB's DNS name, which Route 53 uses for aliases to it. */
#define R53_ALIAS_TTL (60 * CIRRUS_SEC)

gboolean r53_read_alias(R53 *r, R53Record *rec, CirrusNode *item, GError **error)
{
    (void)r;
    if (!cirrus_cfg_bool(item, "alias", FALSE, &rec->alias, error) ||
        !cirrus_cfg_bool(item, "evaluate_target_health", FALSE, &rec->evaluate, error))
        return FALSE;
    if (rec->evaluate && !rec->alias) {
        cirrus_node_error(cirrus_node_peek(item, "evaluate_target_health"), error,
                          "'evaluate_target_health' is for alias records: add 'alias: true'");
        return FALSE;
    }
    /* One source of health per record: the load balancer's or a check's. */
    if (rec->evaluate && rec->check >= 0) {
        cirrus_node_error(item, error, "record '%s' has both 'health_check' and 'evaluate_target_health': "
                          "keep one", rec->id);
        return FALSE;
    }
    return TRUE;
}

gboolean r53_check_alias(const R53 *r, CirrusNode *cfg, GError **error)
{
    for (guint i = 0; i < r->records->len; i++)
        if (!r53_record(r, i)->alias) return TRUE;
    if (cirrus_node_peek(cfg, "ttl")) {
        cirrus_node_error(cirrus_node_peek(cfg, "ttl"), error, "every record is an alias, answered with the "
                          "load balancer's 60 s TTL: remove 'ttl'");
        return FALSE;
    }
    return TRUE;
}

gboolean r53_link_alias(const R53Record *rec, GError **error)
{
    if (!rec->alias || cirrus_speaks(rec->target, CIRRUS_SPEAKS_LOAD_BALANCER)) return TRUE;
    cirrus_node_error(rec->target_at, error, "an alias record's target is a load balancer (alb or nlb), "
                      "not %s '%s'", cirrus_component_type(rec->target), rec->target_name);
    return FALSE;
}

/* Subscribe to each load balancer whose health a record evaluates (the
 * load balancer ignores a second subscription). */
void r53_alias_start(CirrusComponent *self, R53 *r)
{
    for (guint i = 0; i < r->records->len; i++) {
        R53Record *rec = r53_record(r, i);
        if (rec->evaluate) cirrus_lb_watch(self, rec->target);
    }
}

void r53_on_lb_healthy(CirrusComponent *self, R53 *r, const CirrusComponent *lb, gint64 count)
{
    for (guint i = 0; i < r->records->len; i++) {
        R53Record *rec = r53_record(r, i);
        if (rec->evaluate && rec->target == lb) rec->lb_healthy = count;
    }
    r53_health_refresh(self, r, FALSE);
}

CirrusTime r53_record_ttl(const R53 *r, const R53Record *rec)
{
    return rec->alias ? R53_ALIAS_TTL : r->ttl;
}
