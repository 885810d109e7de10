/* cirrus — the client protocol: where a workload's callers are.
 *
 * A workload (CIRRUS_SPEAKS_CLIENT) has `clients` callers; its
 * `client.region(s)` and `client.networks` assign each caller id a region
 * and an IPv4 network, in fixed shares (models/aws/regions.h,
 * models/aws/networks.h).  Route 53 reads them to route a request by where
 * its caller is, and the inter-region transfer accounting to bill it.
 * The tables are fixed by the workload's configure(); these slots answer
 * from them at link or run time. */
#ifndef CIRRUS_PROTOCOL_CLIENT_H
#define CIRRUS_PROTOCOL_CLIENT_H

#include "models/aws/networks.h"
#include "models/aws/regions.h"
#include "models/protocol/protocol.h"

struct CirrusClientOps {
    /* Its callers' regions; n == 0 when none were given. */
    const CirrusClientRegions *(*regions)(const CirrusComponent *client, const void *state);
    /* Its callers' networks; n == 0 when none were given. */
    const CirrusClientNetworks *(*networks)(const CirrusComponent *client, const void *state);
};

/* The regions of the callers of `c`, or NULL when it is no client (a
 * component, not a workload). */
const CirrusClientRegions  *cirrus_client_regions(const CirrusComponent *c);
const CirrusClientNetworks *cirrus_client_networks(const CirrusComponent *c);
/* The region of whoever handed `req` over: the sender's `region:`, else
 * the region of the workload client it came from; NULL when unknown. */
const char *cirrus_caller_region(const CirrusRequest *req);
/* The network of the workload client `req` came from; FALSE when unknown. */
gboolean    cirrus_caller_network(const CirrusRequest *req, CirrusCidr *out);

#endif
