/* cirrus — Route 53 endpoint health checkers (see route53-private.h and
 * docs/models/route53.md#health-checks).
 *
 * Each endpoint check is probed by `checkers` independent health checkers,
 * each every `interval` from a phase of its own (AWS's checkers "don't
 * coordinate with one another").  A probe is a request sent to the
 * check's target: it passes when the answer is ok within `check_timeout`.
 * A checker changes its view after `failure_threshold` consecutive results
 * that disagree with it (the same threshold both ways, as AWS's
 * FailureThreshold).  Route 53 considers the endpoint healthy when more
 * than 18% of the checkers see it healthy (route53_checks.c turns that
 * into every check's and record's status). */
#include "models/route53/route53-private.h"

#define PACK(check, checker) (((guint64)(check) << 32) | (guint32)(checker))

/* A probe sent and awaited (r->pending); removed by its answer or its
 * timeout, whichever comes first. */
typedef struct {
    gint64 id;             /* the key */
    guint  check, checker;
} R53Pending;

static void percent_gauge(CirrusComponent *self, const R53 *r, const R53Check *c)
{
    cirrus_metric_gauge(self, c->m_detail, 100.0 * c->n_healthy / (double)r->n_checkers);
}

void r53_health_start(CirrusComponent *self, R53 *r)
{
    CirrusRng phase;
    cirrus_component_substream(self, "checkers", &phase);
    /* A new health check starts healthy: every checker sees it so. */
    for (guint i = 0; i < r->checks->len; i++) {
        R53Check *c = r53_check(r, i);
        if (!r53_is_endpoint(c)) continue;
        c->checkers = g_new0(R53Checker, r->n_checkers);
        c->n_healthy = (guint)r->n_checkers;
        for (gint64 k = 0; k < r->n_checkers; k++) {
            c->checkers[k].healthy = TRUE;
            CirrusTime at = (CirrusTime)(cirrus_rng_uniform(&phase) * (double)r->interval);
            cirrus_schedule(self, at, R53_CHECK, NULL, PACK(i, k));
        }
        percent_gauge(self, r, c);
    }
    r53_alarm_start(self, r);
    r53_health_refresh(self, r, TRUE);
}

void r53_on_check(CirrusComponent *self, R53 *r, guint64 data)
{
    guint i = (guint)(data >> 32), k = (guint)(data & 0xFFFFFFFFu);
    CirrusRequest *probe = cirrus_request_new(self);
    probe->client = k;   /* the checker: a target may tell checkers apart by it */
    probe->size = 0;
    R53Pending *p = g_new(R53Pending, 1);
    *p = (R53Pending){ (gint64)probe->id, i, k };
    g_hash_table_insert(r->pending, &p->id, p);
    cirrus_send(self, r53_check(r, i)->target, probe, 0);
    cirrus_schedule(self, r->check_timeout, R53_CHECK_TIMEOUT, NULL, probe->id);
    cirrus_schedule(self, r->interval, R53_CHECK, NULL, data);
}

static void check_result(CirrusComponent *self, R53 *r, guint i, guint k, gboolean passed)
{
    R53Check *c = r53_check(r, i);
    R53Checker *ck = &c->checkers[k];
    if (passed == ck->healthy) {
        ck->streak = 0;
        return;
    }
    if (++ck->streak < r->threshold) return;
    ck->healthy = passed;
    ck->streak = 0;
    c->n_healthy = passed ? c->n_healthy + 1 : c->n_healthy - 1;
    percent_gauge(self, r, c);
    r53_health_refresh(self, r, FALSE);
}

/* The probe `id`'s result, once: whichever of its answer and its timeout
 * comes first removes it, and the other finds nothing. */
static void probe_result(CirrusComponent *self, R53 *r, guint64 id, gboolean passed)
{
    gint64 key = (gint64)id;
    R53Pending *p = g_hash_table_lookup(r->pending, &key);
    if (!p) return;
    guint i = p->check, k = p->checker;
    g_hash_table_remove(r->pending, &key);
    check_result(self, r, i, k, passed);
}

void r53_on_check_timeout(CirrusComponent *self, R53 *r, guint64 id)
{
    probe_result(self, r, id, FALSE);
}

void r53_on_check_reply(CirrusComponent *self, R53 *r, guint64 id, CirrusOutcome outcome)
{
    probe_result(self, r, id, outcome == CIRRUS_OUTCOME_OK);
}
