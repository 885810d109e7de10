#!/usr/bin/env bash
# `cirrus run --replications N [-j N]` end to end: the file layout that
# `cirrus compare` reads (docs/outputs.md, "Replications"), the summary
# JSON's {"mean", "ci95", "n"} numbers (DESIGN.md §4), the table's
# "mean ± half-width", and -j 2 writing exactly what -j 1 writes.
#
# Usage: bash tests/cli_replications.sh /path/to/cirrus /path/to/source
set -u
source "$(dirname "$0")/clilib.sh"
cli_setup replications "$@"
MM4="$SRC/scenarios/validation/mm4.yaml"

run "3 replications, -j 1" 0 run "$MM4" --duration 10m --replications 3 -j 1 -o j1.h5 --summary-json j1.json
contains "table" "$OUT" "3 replications"
contains "table" "$OUT" " ± "
run "3 replications, -j 2" 0 run "$MM4" --duration 10m --replications 3 -j 2 -o j2.h5 -q
run "3 replications, -j 0" 0 run "$MM4" --duration 10m --replications 3 -j 0 -o j0.h5 -q

# Every dataset and table equal (h5diff: exit 0 means no difference; the
# empty /faults is "not comparable", which h5diff does not count), and the
# root attributes equal but for wall_s.
for f in j2.h5 j0.h5; do
    if h5diff --exclude-attribute / j1.h5 $f >/dev/null; then pass; else fail "$f: datasets differ from -j 1"; fi
    if diff <(h5dump -A j1.h5 | sed 1d | sed '/ATTRIBUTE "wall_s"/,/^   }/d') \
            <(h5dump -A $f | sed 1d | sed '/ATTRIBUTE "wall_s"/,/^   }/d') >/dev/null; then pass
    else fail "$f: root attributes differ from -j 1"; fi
done

# The layout: per replication its time, series and summary; the means on top.
h5ls -r j1.h5 >ls.txt
for p in /time /summary /summary_ci95 /replications/0/time /replications/2/summary \
         /replications/1/components/station/Utilization /replications/2/workloads/users/Latency.p99 \
         /components/station/Utilization; do
    if grep -q "^$p " ls.txt; then pass; else fail "no $p in the file"; fi
done
if h5dump -a /replications j1.h5 2>/dev/null | grep -q '(0): 3'; then pass; else fail "replications attribute is not 3"; fi

# JSON: {"mean", "ci95", "n"} for every metric number; the mean is the
# mean of the replications' /summary numbers, as compare computes it.
run "compare" 0 compare j1.h5 j1.h5 --json
if python3 - j1.json "$OUT" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
c = json.load(open(sys.argv[2]))
assert s["replications"] == 3, s["replications"]
u = s["components"]["station"]["metrics"]["Utilization"]
assert set(u) == {"sum", "mean", "min", "max", "last"} and u["mean"]["n"] == 3, u
assert 70 < u["mean"]["mean"] < 90 and 0 < u["mean"]["ci95"] < 5, u
lat = s["workloads"]["users"]["latency_ms"]["mean"]
assert lat["n"] == 3 and lat["ci95"] > 0
m = {(x["entity"], x["metric"], x["stat"]): x for x in c["metrics"]}
cu = m[("station", "Utilization", "mean")]
assert cu["values"][0] == u["mean"]["mean"] and cu["ci95"][0] == u["mean"]["ci95"], (cu, u)
assert c["runs"][0]["replications"] == 3
PY
then pass; else fail "JSON numbers"; fi

run "report" 0 report j1.h5 -o r.html
contains "report" r.html ">3<"
run "plot" 0 plot j1.h5 -o p.png

run "zero replications" 2 run "$MM4" --replications 0
contains "zero replications" "$ERR" "--replications"
run "negative -j" 2 run "$MM4" -j -1
cli_finish
