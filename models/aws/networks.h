/* cirrus — where callers are on the network: IPv4 CIDR blocks, and each
 * workload's clients by network (`client.networks`), for Route 53's
 * IP-based routing (docs/models/route53.md#ip-based-routing). */
#ifndef CIRRUS_MODEL_NETWORKS_H
#define CIRRUS_MODEL_NETWORKS_H

#include "sim/kernel/kernel.h"
#include "sim/loader/config.h"

typedef struct {
    guint32 addr;   /* host bits zero */
    guint8  len;    /* prefix length, 0-32 */
} CirrusCidr;

/* "a.b.c.d/len" into `out`, or a located error at `at` (IPv4 only; the
 * host bits must be zero, as AWS's CIDR collections require). */
gboolean cirrus_cidr_read(const CirrusNode *at, const char *text, CirrusCidr *out, GError **error);
/* Does `outer` contain the whole of `inner`? */
gboolean cirrus_cidr_contains(CirrusCidr outer, CirrusCidr inner);

#define CIRRUS_CLIENT_NETWORKS_MAX 16
/* A workload's clients by network, assigned by id as client regions are
 * (cirrus_client_share in regions.h): the shares are exact. */
typedef struct {
    guint n;
    gint64 clients;
    CirrusCidr net[CIRRUS_CLIENT_NETWORKS_MAX];
    double cum[CIRRUS_CLIENT_NETWORKS_MAX];
} CirrusClientNetworks;

/* A workload's table: cirrus_client_networks() (models/protocol/client.h). */

#endif
