/* cirrus — service levels (see slo.h). */
#include "tools/slo.h"
#include "sim/kernel/error.h"
#include "sim/loader/node.h"
#include <math.h>
#include <string.h>

gboolean cirrus_slo_parse(const char *text, const char *option, CirrusSlo *s, GError **error)
{
    memset(s, 0, sizeof *s);
    s->row = s->denominator = -1;
    s->text = g_strdup(text);
    const char *op = strpbrk(text, "<>");
    char *end = NULL;
    if (op) {
        s->op = op[0] == '<' ? (op[1] == '=' ? CIRRUS_SLO_LE : CIRRUS_SLO_LT)
                             : (op[1] == '=' ? CIRRUS_SLO_GE : CIRRUS_SLO_GT);
        const char *rhs = op + (op[1] == '=' ? 2 : 1);
        s->bound = g_ascii_strtod(rhs, &end);
        if (end && *end == '%') { s->percent = TRUE; end++; }
        s->lhs = g_strstrip(g_strndup(text, (gsize)(op - text)));
        if (end == rhs || *end || !isfinite(s->bound) || !*s->lhs) op = NULL;
    }
    if (!op)
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE, "%s takes ENTITY.METRIC[.STAT] < or > a number "
                    "(or a percentage), e.g. 'users.latency_ms.p99<200' or 'users.Failed<0.1%%', not '%s'",
                    option, text);
    return op != NULL;
}

void cirrus_slo_clear(CirrusSlo *s)
{
    g_free(s->text);
    g_free(s->lhs);
    s->text = s->lhs = NULL;
}

const char *cirrus_slo_op_text(CirrusSloOp op)
{
    static const char *const texts[] = {"<", "<=", ">", ">="};
    return texts[op];
}

static gint stat_of(const char *name)
{
    for (guint k = 0; k < CIRRUS_STAT_N; k++)
        if (strcmp(name, cirrus_stat_names[k]) == 0) return (gint)k;
    return -1;
}

static CirrusStat default_stat(const CirrusSummaryRow *r)
{
    return strcmp(r->kind, "count") == 0 || strcmp(r->kind, "cost") == 0 ? CIRRUS_STAT_SUM : CIRRUS_STAT_MEAN;
}

gboolean cirrus_slo_resolve(CirrusSlo *s, GPtrArray *rows, const char *option, GError **error)
{
    gsize best = 0;
    for (guint pass = 0; pass < 2 && s->row < 0; pass++)
        for (guint i = 0; i < rows->len; i++) {
            const CirrusSummaryRow *r = rows->pdata[i];
            gsize el = strlen(r->entity);
            if (strncmp(s->lhs, r->entity, el) != 0 || s->lhs[el] != '.') continue;
            /* pass 0: the metric by name; pass 1: latency_ms, the first latency */
            if (pass == 1 && strcmp(r->kind, "latency") != 0) continue;
            const char *rest = s->lhs + el + 1, *metric = pass == 0 ? r->metric : "latency_ms";
            gsize ml = strlen(metric);
            if (strncmp(rest, metric, ml) != 0 || (rest[ml] && rest[ml] != '.')) continue;
            gint stat = rest[ml] ? stat_of(rest + ml + 1) : (gint)default_stat(r);
            if (stat < 0 || el + ml <= best) continue;
            best = el + ml;
            s->row = (gint)i;
            s->stat = (CirrusStat)stat;
        }
    if (s->row < 0) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE, "%s '%s': the run has no such number "
                    "(ENTITY.METRIC[.STAT], STAT one of count, sum, mean, min, max, last, p50, p90, p99, p999; "
                    "ENTITY.latency_ms.STAT for the entity's latency)", option, s->text);
        return FALSE;
    }
    if (!s->percent) return TRUE;
    /* A percentage: of the entity's first count metric (a workload's
     * Requests), per replication. */
    const CirrusSummaryRow *row = rows->pdata[s->row];
    for (guint i = 0; i < rows->len && s->denominator < 0; i++) {
        const CirrusSummaryRow *r = rows->pdata[i];
        if (strcmp(r->entity, row->entity) == 0 && strcmp(r->kind, "count") == 0) s->denominator = (gint)i;
    }
    if (s->denominator < 0 || (gint)s->row == s->denominator) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE, "%s '%s': a percentage needs a count that is not "
                    "the entity's first (its total, e.g. a workload's Requests)", option, s->text);
        s->row = s->denominator = -1;
        return FALSE;
    }
    return TRUE;
}

double cirrus_slo_value(const CirrusSlo *s, GPtrArray *rows)
{
    double v = ((CirrusSummaryRow *)rows->pdata[s->row])->v[s->stat];
    if (!s->percent) return v;
    double total = ((CirrusSummaryRow *)rows->pdata[s->denominator])->v[CIRRUS_STAT_SUM];
    return total > 0 ? 100.0 * v / total : NAN;
}

double cirrus_slo_margin(const CirrusSlo *s, double mean, double hw)
{
    double h = isfinite(hw) ? hw : 0;
    return s->op == CIRRUS_SLO_LT || s->op == CIRRUS_SLO_LE ? s->bound - (mean + h) : (mean - h) - s->bound;
}

gboolean cirrus_slo_meets(const CirrusSlo *s, double mean, double hw)
{
    double m = cirrus_slo_margin(s, mean, hw);
    return isfinite(mean) && (m > 0 || (m == 0 && (s->op == CIRRUS_SLO_LE || s->op == CIRRUS_SLO_GE)));
}

static void slo_array_clear(gpointer p)
{
    cirrus_slo_clear(p);
}

/* Parse the items of a `slo:` list node; FALSE with a located error. */
static gboolean read_list(const CirrusNode *list, GArray *out, GError **error)
{
    for (guint i = 0; list && i < cirrus_node_len(list); i++) {
        const CirrusNode *item = cirrus_node_item(list, i);
        const char *text = cirrus_node_scalar(item);
        CirrusSlo s;
        GError *bad = NULL;
        if (!text) {
            cirrus_node_error(item, error, "each item of 'slo' is one service level such as "
                              "'users.latency_ms.p99 < 200', not %s", cirrus_node_kind_name(cirrus_node_kind(item)));
            return FALSE;
        }
        if (!cirrus_slo_parse(text, "slo:", &s, &bad)) {
            cirrus_node_error(item, error, "%s", bad->message);
            g_error_free(bad);
            cirrus_slo_clear(&s);
            return FALSE;
        }
        g_array_append_val(out, s);
    }
    return TRUE;
}

static GArray *slo_array_new(void)
{
    GArray *a = g_array_new(FALSE, TRUE, sizeof(CirrusSlo));
    g_array_set_clear_func(a, slo_array_clear);
    return a;
}

GArray *cirrus_scenario_slos(const CirrusScenario *sc, GError **error)
{
    GArray *a = slo_array_new();
    if (!read_list(cirrus_node_peek(cirrus_scenario_root(sc), "slo"), a, error)) {
        g_array_unref(a);
        return NULL;
    }
    return a;
}

GArray *cirrus_slos_from_yaml(const char *yaml)
{
    GArray *a = slo_array_new();
    CirrusNode *root = yaml ? cirrus_node_parse("scenario", yaml, strlen(yaml), NULL) : NULL;
    const CirrusNode *list = root && cirrus_node_kind(root) == CIRRUS_NODE_MAP ? cirrus_node_peek(root, "slo") : NULL;
    if (list && cirrus_node_kind(list) == CIRRUS_NODE_SEQ && !read_list(list, a, NULL)) g_array_set_size(a, 0);
    cirrus_node_free(root);
    return a;
}
