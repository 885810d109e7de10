#!/usr/bin/env bash
# `cirrus sweep` end to end: the summary table, -j 2 writing what -j 1
# writes, `cirrus plot` of a sweep (metric vs parameter, error bars),
# `cirrus compare` refusing a sweep, and command-line errors (exit 2).
#
# Usage: bash tests/cli_sweep.sh /path/to/cirrus /path/to/source
set -u
source "$(dirname "$0")/clilib.sh"
cli_setup sweep "$@"
MM4="$SRC/scenarios/validation/mm4.yaml"

run "sweep -j 1" 0 sweep "$MM4" --set components.station.workers=4,8 --set duration=10m --replications 3 -j 1 -o j1.h5
contains "table" "$OUT" "P0 = components.station.workers=4, duration=10m"
contains "table" "$OUT" "P1 = components.station.workers=8, duration=10m"
contains "table" "$OUT" "station/Utilization"
contains "table" "$OUT" "sweep written to j1.h5"
run "sweep -j 2" 0 sweep "$MM4" --set components.station.workers=4,8 --set duration=10m --replications 3 -j 2 -o j2.h5 -q
# The copied point files carry their own wall_s: exclude every attribute,
# then compare the root's and the points' attributes but wall_s.
if h5diff --exclude-attribute / --exclude-attribute /points/0 --exclude-attribute /points/1 j1.h5 j2.h5 >/dev/null
then pass; else fail "-j 2 datasets differ from -j 1"; fi
strip() { h5dump -A "$1" | sed 1d | sed '/ATTRIBUTE "wall_s"/,/^ *}/d'; }
if diff <(strip j1.h5) <(strip j2.h5) >/dev/null; then pass; else fail "-j 2 attributes differ from -j 1"; fi

# Two keys: the cross product, first key slowest.
run "two keys" 0 sweep "$MM4" --set components.station.workers=4,8 \
    --set workloads.0.arrival.rate=40/s,80/s --set duration=6m -o two.h5
contains "two keys" "$OUT" "P1 = components.station.workers=4, workloads.0.arrival.rate=80/s"
contains "two keys" "$OUT" "P2 = components.station.workers=8, workloads.0.arrival.rate=40/s"

run "plot" 0 plot j1.h5 -o p.png
if [ "$(head -c 4 p.png | od -An -c | tr -d ' ')" = "211PNG" ]; then pass; else fail "plot: not a PNG"; fi
run "plot metric" 0 plot two.h5 users/Latency:p99 station/Utilization -o q.svg
contains "plot metric" q.svg "<svg"
run "plot list" 0 plot --list j1.h5
contains "plot list" "$OUT" "station/Utilization"
run "plot unknown metric" 2 plot j1.h5 station/Nothing
contains "plot unknown metric" "$ERR" "no metric 'station/Nothing'"

run "compare refuses" 2 compare j1.h5 j2.h5
contains "compare refuses" "$ERR" "is a sweep (written by cirrus sweep), not a run"
# report takes a sweep since issue 21: its curves and table of runs
# (tests/cli_report.sh checks the page in Chromium).
if command -v gnuplot >/dev/null 2>&1; then
    run "report of a sweep" 0 report j1.h5 -o j1.html
    contains "report of a sweep" j1.html '<section id="runs">'
fi

# A value that is not a whole number: the loader's located error.
run "bad value" 2 sweep "$MM4" --set components.station.workers=4,x -o bad.h5
contains "bad value" "$ERR" "at components.station.workers=x"
if [ -e bad.h5 ]; then fail "bad value: left a file"; else pass; fi
run "nothing to sweep" 2 sweep "$MM4"
contains "nothing to sweep" "$ERR" "nothing to sweep"
run "empty value" 2 sweep "$MM4" --set components.station.workers=4,,8
run "twice" 2 sweep "$MM4" --set components.station.workers=4 --set components.station.workers=8
cli_finish
