/* cirrus — Route 53 health checks (see route53-private.h and
 * docs/models/route53.md#health-checks).
 *
 * Each checked record is probed by `checkers` independent health checkers,
 * each every `interval` from a phase of its own (AWS's checkers "don't
 * coordinate with one another").  A probe is a request sent to the
 * record's target: it passes when the answer is ok within `check_timeout`.
 * A checker changes its view after `failure_threshold` consecutive results
 * that disagree with it (the same threshold both ways, as AWS's
 * FailureThreshold).  Route 53 considers the endpoint healthy when more
 * than 18% of the checkers see it healthy. */
#include "models/route53-private.h"

#define PACK(record, checker) (((guint64)(record) << 32) | (guint32)(checker))

gboolean r53_read_health(R53 *r, CirrusNode *cfg, GError **error)
{
    CirrusNode *hc;
    if (!cirrus_cfg_map(cfg, "health_check", &hc, error) ||
        !cirrus_cfg_duration(hc, "interval", 30 * CIRRUS_SEC, 1, CIRRUS_HOUR, &r->interval, error) ||
        !cirrus_cfg_int(hc, "failure_threshold", 3, 1, 10, &r->threshold, error) ||
        !cirrus_cfg_int(hc, "checkers", 16, 1, 256, &r->n_checkers, error))
        return FALSE;
    /* AWS offers two request intervals only: standard (30 s) and fast (10 s). */
    if (r->interval != 10 * CIRRUS_SEC && r->interval != 30 * CIRRUS_SEC) {
        cirrus_node_error(cirrus_node_peek(hc, "interval"), error,
                          "a Route 53 health check's interval is 10s (fast) or 30s (standard)");
        return FALSE;
    }
    /* An HTTP check must connect within 4 s and get its status within 2 s
     * after; connecting is not modelled, so the answer must come in 2 s. */
    r->check_timeout = 2 * CIRRUS_SEC;
    return TRUE;
}

/* The 18% rule: healthy when more than 18% of the checkers say so. */
static gboolean aggregate(gint64 n_healthy, gint64 n_checkers)
{
    return n_healthy * 100 > 18 * n_checkers;
}

static void record_gauges(CirrusComponent *self, const R53 *r, const R53Record *rec)
{
    cirrus_metric_gauge(self, rec->m_status, rec->healthy ? 1.0 : 0.0);
    cirrus_metric_gauge(self, rec->m_percent, 100.0 * rec->n_healthy / (double)r->n_checkers);
}

void r53_health_status_gauge(CirrusComponent *self, const R53 *r)
{
    cirrus_metric_gauge(self, R53_M_STATUS, r->n_checked_healthy == r->n_checked ? 1.0 : 0.0);
}

void r53_health_start(CirrusComponent *self, R53 *r)
{
    CirrusRng phase;
    cirrus_component_substream(self, "checkers", &phase);
    for (guint i = 0; i < r->records->len; i++) {
        R53Record *rec = r53_record(r, i);
        rec->healthy = TRUE;   /* a new health check starts healthy */
        if (!rec->checked) continue;
        r->n_checked++;
        r->n_checked_healthy++;
        rec->checkers = g_new0(R53Checker, r->n_checkers);
        rec->n_healthy = (guint)r->n_checkers;
        for (gint64 c = 0; c < r->n_checkers; c++) {
            rec->checkers[c].healthy = TRUE;
            CirrusTime at = (CirrusTime)(cirrus_rng_uniform(&phase) * (double)r->interval);
            cirrus_schedule(self, at, R53_CHECK, NULL, PACK(i, c));
        }
        record_gauges(self, r, rec);
    }
    r53_health_status_gauge(self, r);
}

void r53_on_check(CirrusComponent *self, R53 *r, guint64 data)
{
    guint i = (guint)(data >> 32), c = (guint)(data & 0xFFFFFFFFu);
    R53Record *rec = r53_record(r, i);
    CirrusRequest *probe = cirrus_request_new(self);
    probe->client = c;   /* the checker: a target may tell checkers apart by it */
    probe->size = 0;
    R53Pending *p = g_new(R53Pending, 1);
    *p = (R53Pending){ (gint64)probe->id, NULL, i, c };
    g_hash_table_insert(r->pending, &p->id, p);
    cirrus_send(self, rec->target, probe, 0);
    cirrus_schedule(self, r->check_timeout, R53_CHECK_TIMEOUT, NULL, probe->id);
    cirrus_schedule(self, r->interval, R53_CHECK, NULL, data);
}

static void check_result(CirrusComponent *self, R53 *r, guint i, guint c, gboolean passed)
{
    R53Record *rec = r53_record(r, i);
    R53Checker *k = &rec->checkers[c];
    if (passed == k->healthy) {
        k->streak = 0;
        return;
    }
    if (++k->streak < r->threshold) return;
    k->healthy = passed;
    k->streak = 0;
    rec->n_healthy = passed ? rec->n_healthy + 1 : rec->n_healthy - 1;
    gboolean healthy = aggregate(rec->n_healthy, r->n_checkers);
    if (healthy != rec->healthy) {
        rec->healthy = healthy;
        r->n_checked_healthy = healthy ? r->n_checked_healthy + 1 : r->n_checked_healthy - 1;
        r53_health_status_gauge(self, r);
    }
    record_gauges(self, r, rec);
}

void r53_on_check_timeout(CirrusComponent *self, R53 *r, guint64 id)
{
    gint64 key = (gint64)id;
    R53Pending *p = g_hash_table_lookup(r->pending, &key);
    if (!p) return;   /* answered in time */
    guint i = p->record, c = p->checker;
    g_hash_table_remove(r->pending, &key);   /* its late answer will find nothing */
    check_result(self, r, i, c, FALSE);
}

void r53_on_check_reply(CirrusComponent *self, R53 *r, const R53Pending *p, CirrusOutcome outcome)
{
    check_result(self, r, p->record, p->checker, outcome == CIRRUS_OUTCOME_OK);
}
