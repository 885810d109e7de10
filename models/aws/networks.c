/* cirrus — IPv4 CIDR blocks and client networks (see networks.h). */
#include "models/aws/networks.h"
#include "models/aws/regions.h"
#include <stdio.h>

gboolean cirrus_cidr_read(const CirrusNode *at, const char *text, CirrusCidr *out, GError **error)
{
    unsigned a, b, c, d, len;
    char end;
    if (!text || sscanf(text, "%3u.%3u.%3u.%3u/%2u%c", &a, &b, &c, &d, &len, &end) != 5 ||
        a > 255 || b > 255 || c > 255 || d > 255 || len > 32) {
        cirrus_node_error(at, error, "'%s' is not an IPv4 CIDR block such as 10.0.0.0/8", text ? text : "");
        return FALSE;
    }
    guint32 addr = (guint32)a << 24 | (guint32)b << 16 | (guint32)c << 8 | (guint32)d;
    guint32 mask = len ? ~(guint32)0 << (32 - len) : 0;
    if (addr & ~mask) {
        cirrus_node_error(at, error, "'%s' has host bits set: the block starting there is %u.%u.%u.%u/%u",
                          text, (addr & mask) >> 24, (addr & mask) >> 16 & 255, (addr & mask) >> 8 & 255,
                          addr & mask & 255, len);
        return FALSE;
    }
    *out = (CirrusCidr){ addr, (guint8)len };
    return TRUE;
}

gboolean cirrus_cidr_contains(CirrusCidr outer, CirrusCidr inner)
{
    guint32 mask = outer.len ? ~(guint32)0 << (32 - outer.len) : 0;
    return outer.len <= inner.len && (inner.addr & mask) == outer.addr;
}

CirrusClientNetworks *cirrus_client_networks(CirrusComponent *w)
{
    char *key = g_strconcat("client-networks\x1f", cirrus_component_name(w), NULL);
    CirrusClientNetworks *cn = cirrus_component_shared(w, key, sizeof(CirrusClientNetworks));
    g_free(key);
    return cn;
}

gboolean cirrus_caller_network(const CirrusRequest *req, CirrusCidr *out)
{
    if (!req->origin) return FALSE;
    const CirrusClientNetworks *cn = cirrus_client_networks(req->origin);
    if (cn->n == 0) return FALSE;
    *out = cn->net[cirrus_client_share(cn->cum, cn->n, req->client, cn->clients)];
    return TRUE;
}
