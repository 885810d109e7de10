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
