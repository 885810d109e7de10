/* cirrus — the client protocol (see client.h). */
#include "models/protocol/client.h"

const CirrusClientRegions *cirrus_client_regions(const CirrusComponent *c)
{
    void *state;
    if (!cirrus_speaks(c, CIRRUS_SPEAKS_CLIENT)) return NULL;
    return cirrus_protocols_of(c, CIRRUS_SPEAKS_CLIENT, &state)->client->regions(c, state);
}

const CirrusClientNetworks *cirrus_client_networks(const CirrusComponent *c)
{
    void *state;
    if (!cirrus_speaks(c, CIRRUS_SPEAKS_CLIENT)) return NULL;
    return cirrus_protocols_of(c, CIRRUS_SPEAKS_CLIENT, &state)->client->networks(c, state);
}

const char *cirrus_caller_region(const CirrusRequest *req)
{
    const char *r = req->reply_to ? cirrus_component_region(req->reply_to) : NULL;
    if (r || !req->origin) return r;
    const CirrusClientRegions *cr = cirrus_client_regions(req->origin);
    if (!cr || cr->n == 0) return NULL;
    return cr->name[cirrus_client_share(cr->cum, cr->n, req->client, cr->clients)];
}

gboolean cirrus_caller_network(const CirrusRequest *req, CirrusCidr *out)
{
    const CirrusClientNetworks *cn = req->origin ? cirrus_client_networks(req->origin) : NULL;
    if (!cn || cn->n == 0) return FALSE;
    *out = cn->net[cirrus_client_share(cn->cum, cn->n, req->client, cn->clients)];
    return TRUE;
}
