/* cirrus — a station's out-of-line parts (see station.h). */
#include "sim/kernel/station.h"

void cirrus_station_init(CirrusStation *s, gint64 workers, gint64 queue_limit)
{
    g_assert(workers >= 1 && queue_limit >= -1);
    cirrus_fifo_clear(&s->waiting);
    *s = (CirrusStation){ .workers = workers, .queue_limit = queue_limit };
}

void cirrus_station_clear(CirrusStation *s) { cirrus_fifo_clear(&s->waiting); }

CirrusRequest *cirrus_station_accept_copy(CirrusComponent *self, CirrusRequest *req)
{
    CirrusRequest *work = cirrus_request_copy(self, req);
    work->arrived = req->arrived;
    work->holder = req->holder;
    cirrus_reply(self, req, CIRRUS_OUTCOME_OK);
    return work;
}
