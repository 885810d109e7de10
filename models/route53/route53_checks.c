/* cirrus — Route 53 health checks as configured: endpoint checks and
 * calculated ones, inversion, and the status every check and record
 * derives from the checkers' views (see route53-private.h and
 * docs/models/route53.md#calculated-health-checks).
 *
 * AWS's HealthCheckConfig: a CALCULATED check is healthy when at least
 * HealthThreshold of its ChildHealthChecks are (0: always healthy; more
 * than there are children: never), and `Inverted` turns any check's
 * status over.  Probing endpoints is route53_health.c's job. */
#include "models/route53/route53-private.h"
#include "sim/loader/scenario.h"
#include "sim/loader/suggest.h"

/* AWS: a calculated check monitors up to 256 children. */
#define R53_MAX_CHILDREN 256

typedef enum { KIND_ENDPOINT, KIND_CALCULATED, KIND_ALARM } CheckKind;

static guint add_check(CirrusComponent *self, R53 *r, const char *name, CheckKind kind)
{
    /* CloudWatch's metric for each kind: the share of checkers that see an
     * endpoint healthy, the number of healthy children of a calculated one;
     * ours for an alarm check: the alarm's last datapoint. */
    static const char *const detail[] = {"HealthCheckPercentageHealthy.", "ChildHealthCheckHealthyCount.",
                                         "AlarmDatapoint."};
    static const char *const detail_unit[] = {"Percent", "Count", "None"};
    R53Check c = {0};
    c.name = g_strdup(name);
    c.calculated = kind == KIND_CALCULATED;
    char *metric = g_strconcat("HealthCheckStatus.", name, NULL);
    c.m_status = cirrus_metric_add(self, metric, CIRRUS_METRIC_GAUGE, "None");
    g_free(metric);
    metric = g_strconcat(detail[kind], name, NULL);
    c.m_detail = cirrus_metric_add(self, metric, CIRRUS_METRIC_GAUGE, detail_unit[kind]);
    g_free(metric);
    g_array_append_val(r->checks, c);
    return r->checks->len - 1;
}

static int find_check(const R53 *r, guint n, const char *name)
{
    for (guint i = 0; i < n; i++)
        if (strcmp(r53_check(r, i)->name, name) == 0) return (int)i;
    return -1;
}

/* "unknown health check 'x' (did you mean 'y'?)" among the first n. */
static void unknown_check(const R53 *r, guint n, const CirrusNode *at, const char *name, GError **error)
{
    GPtrArray *names = g_ptr_array_new();
    for (guint i = 0; i < n; i++) g_ptr_array_add(names, r53_check(r, i)->name);
    GString *msg = g_string_new(NULL);
    g_string_printf(msg, "unknown health check '%s': name one of 'health_checks'", name);
    cirrus_suggest_append(msg, name, (const char *const *)names->pdata, names->len);
    cirrus_node_error(at, error, "%s", msg->str);
    g_string_free(msg, TRUE);
    g_ptr_array_free(names, TRUE);
}

/* One entry of `health_checks:`: {target: X}, {children: [...]} or
 * {alarm: {...}}, with `invert` and, for a calculated one,
 * `healthy_threshold`. */
static gboolean read_named(R53 *r, guint index, CirrusNode *item, guint n_named, GError **error)
{
    R53Check *c = r53_check(r, index);
    CirrusNode *children;
    const char *target;
    if (!cirrus_cfg_bool(item, "invert", FALSE, &c->inverted, error)) return FALSE;
    if (cirrus_node_peek(item, "alarm")) return r53_read_alarm(c, item, error);
    if (!c->calculated) {
        if (!cirrus_cfg_string(item, "target", NULL, &target, error)) return FALSE;
        c->target_name = g_strdup(target);
        c->target_at = cirrus_node_peek(item, "target");
        return TRUE;
    }
    if (!cirrus_cfg_list(item, "children", &children, error)) return FALSE;
    guint n = cirrus_node_len(children);
    if (n == 0 || n > R53_MAX_CHILDREN) {
        cirrus_node_error(children, error, "a calculated health check has 1 to %d children", R53_MAX_CHILDREN);
        return FALSE;
    }
    c->children = g_array_new(FALSE, FALSE, sizeof(guint));
    for (guint k = 0; k < n; k++) {
        CirrusNode *child = cirrus_node_item(children, k);
        const char *name = cirrus_node_scalar(child);
        int j = name ? find_check(r, n_named, name) : -1;
        if (j < 0) {
            if (!name) cirrus_node_error(child, error, "a child is the name of another health check");
            else unknown_check(r, n_named, child, name, error);
            return FALSE;
        }
        for (guint m = 0; m < c->children->len; m++)
            if (g_array_index(c->children, guint, m) == (guint)j) {
                cirrus_node_error(child, error, "'%s' is listed twice", name);
                return FALSE;
            }
        guint u = (guint)j;
        g_array_append_val(c->children, u);
    }
    /* AWS's HealthThreshold, 0-256; all children (AND) unless given. */
    return cirrus_cfg_int(item, "healthy_threshold", n, 0, R53_MAX_CHILDREN, &c->threshold, error);
}

/* Depth-first: every check after its children, in a deterministic order;
 * a child that is on the current path is a cycle. */
static gboolean visit(R53 *r, guint i, guint8 *mark, CirrusNode *hcs, GError **error)
{
    if (mark[i] == 2) return TRUE;
    if (mark[i] == 1) {
        cirrus_node_error(cirrus_node_item(hcs, i), error, "health check '%s' is its own descendant: "
                          "calculated health checks cannot form a cycle", r53_check(r, i)->name);
        return FALSE;
    }
    mark[i] = 1;
    R53Check *c = r53_check(r, i);
    for (guint k = 0; c->children && k < c->children->len; k++)
        if (!visit(r, g_array_index(c->children, guint, k), mark, hcs, error)) return FALSE;
    mark[i] = 2;
    g_array_append_val(r->check_order, i);
    return TRUE;
}

static gboolean read_named_checks(CirrusComponent *self, R53 *r, CirrusNode *cfg, GError **error)
{
    CirrusNode *hcs;
    if (!cirrus_cfg_map(cfg, "health_checks", &hcs, error)) return FALSE;
    guint n = hcs ? cirrus_node_len(hcs) : 0;
    CirrusNode **items = g_new0(CirrusNode *, n + 1);
    gboolean ok = TRUE;
    /* Names first: a child may be named before it is defined. */
    for (guint i = 0; ok && i < n; i++) {
        const char *name = cirrus_node_key(hcs, i);
        ok = cirrus_cfg_map(hcs, name, &items[i], error);
        CirrusNode *it = items[i];
        guint kinds = ok && it ? (cirrus_node_peek(it, "target") != NULL) + (cirrus_node_peek(it, "children") != NULL) +
                                     (cirrus_node_peek(it, "alarm") != NULL)
                               : 0;
        if (ok && kinds != 1) {
            cirrus_node_error(it ? it : cirrus_node_key_node(hcs, i), error,
                              "a health check has one of 'target' (an endpoint check), 'children' (a calculated "
                              "one) or 'alarm' (one that follows a CloudWatch alarm)");
            ok = FALSE;
        }
        if (ok)
            add_check(self, r, name, cirrus_node_peek(it, "children") ? KIND_CALCULATED
                                     : cirrus_node_peek(it, "alarm")  ? KIND_ALARM
                                                                      : KIND_ENDPOINT);
    }
    r->n_named = n;
    for (guint i = 0; ok && i < n; i++) ok = read_named(r, i, items[i], n, error);
    if (ok) {
        guint8 *mark = g_new0(guint8, n + 1);
        for (guint i = 0; ok && i < n; i++) ok = visit(r, i, mark, hcs, error);
        g_free(mark);
    }
    g_free(items);
    return ok;
}

gboolean r53_read_health(CirrusComponent *self, R53 *r, CirrusNode *cfg, GError **error)
{
    CirrusNode *hc;
    r->checks = g_array_new(FALSE, TRUE, sizeof(R53Check));
    r->check_order = g_array_new(FALSE, FALSE, sizeof(guint));
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
    return read_named_checks(self, r, cfg, error);
}

gboolean r53_read_record_check(CirrusComponent *self, R53 *r, R53Record *rec, CirrusNode *item, GError **error)
{
    const char *value;
    rec->check = -1;
    if (!cirrus_cfg_string(item, "health_check", "false", &value, error)) return FALSE;
    if (strcmp(value, "false") == 0) return TRUE;
    guint n_named = r->n_named;
    if (strcmp(value, "true") != 0) {
        rec->check = find_check(r, n_named, value);
        if (rec->check < 0) unknown_check(r, n_named, cirrus_node_peek(item, "health_check"), value, error);
        return rec->check >= 0;
    }
    /* A check of the record's own, on its target, named by its id. */
    if (find_check(r, n_named, rec->id) >= 0) {
        cirrus_node_error(item, error, "record '%s' and a health check of that name would share metrics: "
                          "give the record another 'id', or use 'health_check: %s'", rec->id, rec->id);
        return FALSE;
    }
    rec->check = (int)add_check(self, r, rec->id, KIND_ENDPOINT);
    R53Check *c = r53_check(r, (guint)rec->check);
    c->target_name = g_strdup(rec->target_name);
    c->target_at = rec->target_at;
    guint i = (guint)rec->check;
    g_array_append_val(r->check_order, i);
    return TRUE;
}

gboolean r53_link_health(CirrusComponent *self, R53 *r, CirrusScenario *sc, GError **error)
{
    for (guint i = 0; i < r->checks->len; i++) {
        R53Check *c = r53_check(r, i);
        if (c->watch && !r53_link_alarm(self, c, sc, error)) return FALSE;
        if (!r53_is_endpoint(c)) continue;
        c->target = cirrus_scenario_lookup(sc, c->target_at, c->target_name, error);
        if (!c->target) return FALSE;
        if (!cirrus_speaks(c->target, CIRRUS_SPEAKS_INVOKE) || c->target == self) {
            cirrus_node_error(c->target_at, error, "a health check probes another component, not %s '%s'",
                              cirrus_component_type(c->target), c->target_name);
            return FALSE;
        }
    }
    return TRUE;
}

/* The 18% rule: healthy when more than 18% of the checkers say so. */
static gboolean endpoint_healthy(const R53 *r, const R53Check *c)
{
    return (gint64)c->n_healthy * 100 > 18 * r->n_checkers;
}

void r53_health_refresh(CirrusComponent *self, R53 *r, gboolean force)
{
    /* Children before parents: each status from its children's new ones. */
    for (guint k = 0; k < r->check_order->len; k++) {
        R53Check *c = r53_check(r, g_array_index(r->check_order, guint, k));
        gboolean raw;
        if (c->calculated) {
            guint n = 0;
            for (guint m = 0; m < c->children->len; m++) n += r53_check(r, g_array_index(c->children, guint, m))->healthy;
            if (force || n != c->n_children_healthy) cirrus_metric_gauge(self, c->m_detail, n);
            c->n_children_healthy = n;
            raw = (gint64)n >= c->threshold;
        } else
            raw = c->watch ? c->alarm_healthy : endpoint_healthy(r, c);
        gboolean healthy = raw != c->inverted;
        if (force || healthy != c->healthy) cirrus_metric_gauge(self, c->m_status, healthy ? 1.0 : 0.0);
        c->healthy = healthy;
    }
    guint n_checked = 0, n_healthy = 0;
    for (guint i = 0; i < r->records->len; i++) {
        R53Record *rec = r53_record(r, i);
        gboolean checked = rec->check >= 0 || rec->evaluate;
        rec->healthy = rec->evaluate ? rec->lb_healthy > 0
                       : rec->check < 0 || r53_check(r, (guint)rec->check)->healthy;
        n_checked += checked;
        n_healthy += checked && rec->healthy;
    }
    gboolean all = n_healthy == n_checked;
    if (force || all != r->all_healthy) cirrus_metric_gauge(self, R53_M_STATUS, all ? 1.0 : 0.0);
    r->all_healthy = all;
}

void r53_health_destroy(R53 *r)
{
    for (guint i = 0; r->checks && i < r->checks->len; i++) {
        R53Check *c = r53_check(r, i);
        g_free(c->name);
        g_free(c->target_name);
        g_free(c->checkers);
        r53_alarm_free(c->watch);
        if (c->children) g_array_free(c->children, TRUE);
    }
    if (r->checks) g_array_free(r->checks, TRUE);
    if (r->check_order) g_array_free(r->check_order, TRUE);
}
