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
"$cirrus" run "$dir/unbounded.yaml" -o "$dir/ub2.h5" --quiet --max-wall 0.3 2>"$dir/err"; status=$?
check "max-wall: exit 1 (got $status)" '[ $status -eq 1 ]'
check "max-wall: message" 'grep -q "wall-clock limit" "$dir/err"'
"$cirrus" run "$dir/unbounded.yaml" -o "$dir/ub3.h5" --quiet --max-pending -5 2>"$dir/err"; status=$?
check "negative limit: exit 2 (got $status)" '[ $status -eq 2 ]'
check "negative limit: nothing written" '[ ! -e "$dir/ub3.h5" ]'

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
