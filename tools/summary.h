/* cirrus — what a run reports: the summary table on stdout and the summary
 * JSON of DESIGN.md §4 (contract). */
#ifndef CIRRUS_TOOLS_SUMMARY_H
#define CIRRUS_TOOLS_SUMMARY_H

#include <stdio.h>
#include "sim/scenario.h"

typedef struct CirrusRunInfo {
    guint64 seed;
    double duration_s, warmup_s, wall_s;
    guint64 events;
} CirrusRunInfo;

void  cirrus_summary_print(FILE *out, CirrusScenario *sc, CirrusSim *sim, const CirrusRunInfo *info);
/* The summary JSON document (newly allocated). */
char *cirrus_summary_json(CirrusScenario *sc, CirrusSim *sim, const CirrusRunInfo *info);

#endif
