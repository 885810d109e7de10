/* cirrus — Route 53 IP-based routing (see route53-private.h and
 * docs/models/route53.md#ip-based-routing).
 *
 * AWS: each record names a location of a CIDR collection; a query is
 * answered with the record whose CIDR block is the longest prefix
 * matching the client's address, and with the default ("*") record when
 * none matches.  Clients have no addresses here but networks
 * (`client.networks` of the workload): a block matches a client whose
 * whole network lies inside it. */
#include "models/route53/route53-private.h"
#include "models/protocol/client.h"

gboolean r53_read_ip(R53 *r, R53Record *rec, CirrusNode *item, GError **error)
{
    if (r->policy != POLICY_IP) return TRUE;
    if (!cirrus_cfg_require(item, "cidr_blocks", "a list of CIDR blocks, or 'default'", error)) return FALSE;
    CirrusNode *blocks = cirrus_node_peek(item, "cidr_blocks");
    const char *scalar = cirrus_node_scalar(blocks);
    if (scalar && strcmp(scalar, "default") == 0) {
        rec->ip_default = TRUE;
        return cirrus_cfg_string(item, "cidr_blocks", NULL, &scalar, error);   /* marks the key used */
    }
    if (!cirrus_cfg_list(item, "cidr_blocks", &blocks, error)) return FALSE;
    guint n = cirrus_node_len(blocks);
    if (n == 0) {
        cirrus_node_error(blocks, error, "'cidr_blocks' lists at least one block (or is 'default')");
        return FALSE;
    }
    rec->cidrs = g_array_sized_new(FALSE, FALSE, sizeof(CirrusCidr), n);
    for (guint k = 0; k < n; k++) {
        CirrusNode *b = cirrus_node_item(blocks, k);
        CirrusCidr c;
        if (!cirrus_cidr_read(b, cirrus_node_scalar(b), &c, error)) return FALSE;
        /* AWS: a CIDR collection's IPv4 blocks are /0 to /24. */
        if (c.len > 24) {
            cirrus_node_error(b, error, "a record's IPv4 block is /0 to /24 (AWS's CIDR collections)");
            return FALSE;
        }
        g_array_append_val(rec->cidrs, c);
    }
    return TRUE;
}

static gboolean same(CirrusCidr a, CirrusCidr b)
{
    return a.addr == b.addr && a.len == b.len;
}

/* One default record; each block in one record only (AWS: a block
 * belongs to one location of a collection). */
gboolean r53_check_ip(const R53 *r, CirrusNode *list, GError **error)
{
    if (r->policy != POLICY_IP) return TRUE;
    guint defaults = 0;
    for (guint i = 0; i < r->records->len; i++) {
        const R53Record *a = r53_record(r, i);
        defaults += a->ip_default;
        for (guint k = 0; a->cidrs && k < a->cidrs->len; k++)
            for (guint j = 0; j <= i; j++) {
                const R53Record *b = r53_record(r, j);
                guint upto = j == i ? k : (b->cidrs ? b->cidrs->len : 0);
                for (guint m = 0; m < upto; m++)
                    if (same(g_array_index(a->cidrs, CirrusCidr, k), g_array_index(b->cidrs, CirrusCidr, m))) {
                        cirrus_node_error(cirrus_node_item(list, i), error, "a CIDR block of record '%s' is also "
                                          "in record '%s': each block belongs to one record", a->id, b->id);
                        return FALSE;
                    }
            }
    }
    if (defaults != 1) {
        cirrus_node_error(list, error, "IP-based records need exactly one with 'cidr_blocks: default' for "
                          "callers that no block matches (%u given)", defaults);
        return FALSE;
    }
    return TRUE;
}

/* The longest block of `rec` that contains `net`, or -1. */
static int match_len(const R53Record *rec, CirrusCidr net)
{
    int best = -1;
    for (guint k = 0; rec->cidrs && k < rec->cidrs->len; k++) {
        CirrusCidr c = g_array_index(rec->cidrs, CirrusCidr, k);
        if (cirrus_cidr_contains(c, net) && c.len > best) best = c.len;
    }
    return best;
}

/* The healthy record with the longest matching block; else the default,
 * healthy or not (as geolocation's default). */
guint r53_resolve_ip(const R53 *r, const CirrusRequest *req)
{
    CirrusCidr net;
    guint best = G_MAXUINT, dflt = 0;
    int best_len = -1;
    gboolean known = cirrus_caller_network(req, &net);
    for (guint i = 0; i < r->records->len; i++) {
        const R53Record *rec = r53_record(r, i);
        if (rec->ip_default) dflt = i;
        if (!known || !rec->healthy) continue;
        int len = match_len(rec, net);
        if (len > best_len) {
            best_len = len;
            best = i;
        }
    }
    return best != G_MAXUINT ? best : dflt;
}
