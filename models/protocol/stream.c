/* cirrus — the stream protocol's link-time questions (see stream.h). */
#include "models/protocol/stream.h"
#include "sim/loader/node.h"

CirrusComponent *cirrus_stream_lookup(CirrusComponent *consumer, CirrusScenario *sc, const CirrusNode *at,
                                      const char *name, gboolean enhanced, GError **error)
{
    CirrusComponent *stream = cirrus_scenario_lookup(sc, at, name, error);
    void *state;
    if (!stream) return NULL;
    if (!cirrus_speaks(stream, CIRRUS_SPEAKS_STREAM) || stream == consumer) {
        cirrus_node_error(at, error, "'%s' is %s, not a kinesis stream", name, cirrus_component_noun(stream));
        return NULL;
    }
    guint enhanced_now = cirrus_protocols_of(stream, CIRRUS_SPEAKS_STREAM, &state)->stream->add_consumer(
        stream, state, enhanced);
    if (enhanced && enhanced_now > CIRRUS_STREAM_MAX_ENHANCED) {
        cirrus_node_error(at, error, "stream '%s' already has %d enhanced fan-out consumers, AWS's limit per stream",
                          name, CIRRUS_STREAM_MAX_ENHANCED);
        return NULL;
    }
    return stream;
}
