#!/usr/bin/env bash
# cirrus — an interrupted run keeps what it simulated, marked truncated, and
# exits 1; a run that never started writing leaves nothing.
# Usage: cli_signals.sh CIRRUS SOURCE_DIR
set -u
cirrus=$1; src=$2
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
pass=0; fail=0
check() { if eval "$2"; then pass=$((pass+1)); else echo "FAIL: $1"; fail=$((fail+1)); fi; }

for sig in INT TERM; do
  out="$dir/run-$sig.h5"
  "$cirrus" run "$src/scenarios/bench/web-tier-40.yaml" --set sample_interval=1s -o "$out" --quiet 2>"$dir/err" &
  pid=$!
  sleep 2
  kill -$sig $pid
  wait $pid; status=$?
  check "SIG$sig: exit 1 (got $status)" '[ $status -eq 1 ]'
  check "SIG$sig: output kept" '[ -f "$out" ]'
  check "SIG$sig: no temporary file left" '[ -z "$(ls "$dir" | grep tmp-)" ]'
  check "SIG$sig: truncated attribute" 'h5dump -a truncated "$out" 2>/dev/null | grep -q "(0): 1"'
  check "SIG$sig: rows were written" '[ "$(h5dump -H -d /time "$out" | grep -o "( [0-9]* )" | head -1 | tr -d "( )")" -gt 0 ]'
  check "SIG$sig: message says truncated" 'grep -q "interrupted at" "$dir/err" && grep -q truncated "$dir/err"'
done
# Limits: a queue that grows without bound stops at --max-in-flight with a
# message naming the limit, and the simulated part is kept, truncated.
cat > "$dir/unbounded.yaml" <<'YAML'
name: unbounded
duration: 10h
workloads: [{name: u, target: s, arrival: {process: poisson, rate: 2000/s}}]
components: [{name: s, type: service, workers: 1, service_time: 1ms}]
YAML
"$cirrus" run "$dir/unbounded.yaml" -o "$dir/ub.h5" --quiet --max-in-flight 100000 2>"$dir/err"; status=$?
check "max-in-flight: exit 1 (got $status)" '[ $status -eq 1 ]'
check "max-in-flight: message" 'grep -q "over the limit of 100000 (--max-in-flight)" "$dir/err"'
check "max-in-flight: truncated output" 'h5dump -a truncated "$dir/ub.h5" 2>/dev/null | grep -q "(0): 1"'
# A truncated run keeps a summary of what was simulated (issue 21), and the
# readers say "truncated at T of D" instead of refusing the file.
check "max-in-flight: partial /summary" 'h5dump -H -d /summary "$dir/ub.h5" >/dev/null 2>&1'
at=$(h5dump -a truncated_at_s "$dir/ub.h5" 2>/dev/null | grep -o "(0): [0-9.e+-]*" | cut -d" " -f2)
text=$(printf 'truncated at %.6g s of 36000 s' "$at")
"$cirrus" compare "$dir/ub.h5" "$dir/ub.h5" >"$dir/cmp" 2>"$dir/err"; status=$?
check "compare a truncated run: exit 0 (got $status)" '[ $status -eq 0 ]'
check "compare a truncated run: says '$text'" 'grep -qi "A = $dir/ub.h5 (1 replication; $text: its numbers cover only what was simulated)" "$dir/cmp"'
check "compare a truncated run: its numbers" 'grep -q "^u/Requests " "$dir/cmp"'
"$cirrus" compare --json "$dir/ub.h5" "$dir/ub.h5" >"$dir/cmp.json" 2>"$dir/err"
json_at=$(grep -o '"truncated_at_s":[0-9.e+-]*' "$dir/cmp.json" | head -1 | cut -d: -f2)
check "compare --json: truncated_at_s $json_at is the file's $at" 'awk -v a="$json_at" -v b="$at" "BEGIN { exit !(a != \"\" && a - b < 0.001 && b - a < 0.001) }"'
if command -v gnuplot >/dev/null 2>&1; then
  "$cirrus" report "$dir/ub.h5" -o "$dir/ub.html" >/dev/null 2>"$dir/err"; status=$?
  check "report of a truncated run: exit 0 (got $status)" '[ $status -eq 0 ]'
  check "report of a truncated run: says '$text'" 'grep -q "badge bad\">truncated</span> $text" "$dir/ub.html"'
  check "report of a truncated run: its summary" 'grep -q "<td data-label=\"metric\">Requests</td>" "$dir/ub.html"'
  check "report of a truncated run: no 'not written by'" '! grep -q "not written by" "$dir/ub.html"'
fi
"$cirrus" run "$dir/unbounded.yaml" -o "$dir/ub2.h5" --quiet --max-wall 0.3 2>"$dir/err"; status=$?
check "max-wall: exit 1 (got $status)" '[ $status -eq 1 ]'
check "max-wall: message" 'grep -q "wall-clock limit" "$dir/err"'
"$cirrus" run "$dir/unbounded.yaml" -o "$dir/ub3.h5" --quiet --max-pending -5 2>"$dir/err"; status=$?
check "negative limit: exit 2 (got $status)" '[ $status -eq 2 ]'
check "negative limit: nothing written" '[ ! -e "$dir/ub3.h5" ]'

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
