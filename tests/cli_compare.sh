#!/usr/bin/env bash
# `cirrus compare` end to end: a what-if with a known answer, JSON, overlay
# plots, and the exit status 2 errors (DESIGN.md §2).
#
# The what-if: the M/M/4 station of scenarios/validation/mm4.yaml with 4
# and with 8 workers, same seed.  The arrivals come from the workload's own
# stream, so Requests is identical (difference exactly 0), and the station
# does the same work with twice the workers: Utilization halves, -50%
# (within 2%: the work done in the window differs by the few requests in
# service at its edges).
#
# Usage: bash tests/cli_compare.sh /path/to/cirrus /path/to/source
set -u
source "$(dirname "$0")/clilib.sh"
cli_setup compare "$@"

run "run A" 0 run "$SRC/scenarios/validation/mm4.yaml" --duration 20m -o a.h5 -q
run "run B" 0 run "$SRC/scenarios/validation/mm4.yaml" --duration 20m --set components.station.workers=8 -o b.h5 -q

run "compare table" 0 compare a.h5 b.h5
contains "compare table" "$OUT" "A = a.h5 (1 replication)"
contains "compare table" "$OUT" "station/Utilization"
contains "compare table" "$OUT" "B-A %"

run "compare json" 0 compare a.h5 b.h5 --json
if python3 - "$OUT" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
m = {(x["entity"], x["metric"], x["stat"]): x for x in d["metrics"]}
req = m[("users", "Requests", "sum")]
assert req["diff"][1] == 0 and req["values"][0] > 10000, req
util = m[("station", "Utilization", "mean")]
assert -52 < util["diff_pct"][1] < -48, util
assert util["ci95"] == [None, None], util
assert d["runs"][1]["file"] == "b.h5" and d["left_out"] == 0
EOF
then pass; else fail "compare json: the known differences"; fi

run "overlays" 0 compare a.h5 b.h5 -o plots
for f in plots/workloads-users-Latency.png plots/components-station-Utilization.png; do
    if [ "$(head -c 4 "$f" 2>/dev/null | od -An -c | tr -d ' ')" = "211PNG" ]; then pass; else fail "overlay $f is not a PNG"; fi
done

# Errors: exit status 2 and a message naming the file.
run "one file" 2 compare a.h5
run "missing file" 2 compare a.h5 nothere.h5
contains "missing file" "$ERR" "cannot read 'nothere.h5': no such file"
echo "not hdf5" >text.h5
run "not HDF5" 2 compare a.h5 text.h5
contains "not HDF5" "$ERR" "not an HDF5 file written by cirrus run"
h5mkgrp -p other.h5 /something >/dev/null 2>&1
run "HDF5 not from cirrus" 2 compare a.h5 other.h5
contains "HDF5 not from cirrus" "$ERR" "not written by cirrus run"
cat >other.yaml <<'EOF'
name: other
duration: 1m
workloads:
  - {name: clients, target: box, arrival: {process: poisson, rate: 10/s}}
components:
  - {name: box, type: service, workers: 1, service_time: {dist: constant, value: 1ms}}
EOF
run "run other" 0 run other.yaml -o other2.h5 -q
run "nothing in common" 2 compare a.h5 other2.h5
contains "nothing in common" "$ERR" "no metrics in common"

cli_finish
