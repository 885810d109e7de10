/* cirrus — the queue protocol's link-time questions (see queue.h). */
#include "models/protocol/queue.h"

CirrusQueueSettings cirrus_queue_settings(const CirrusComponent *queue)
{
    void *state;
    CirrusQueueSettings s;
    cirrus_protocols_of(queue, CIRRUS_SPEAKS_QUEUE, &state)->queue->settings(queue, state, &s);
    return s;
}
