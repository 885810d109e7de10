#!/usr/bin/env bash
# Warnings of `cirrus validate` and `cirrus run` (tools/warn.c,
# docs/getting-started.md "Warnings"): each names the scenario file:line:col
# and the component, goes to stderr, leaves the exit status alone, and
# with --strict is an error (exit 2).  One test per warning, and one
# scenario (the flagship) that warns about nothing.
#
# Usage: bash tests/cli_warnings.sh /path/to/cirrus /path/to/source
set -u
source "$(dirname "$0")/clilib.sh"
cli_setup warnings "$@"
lines() {   # WHAT FILE N: FILE has exactly N lines
    local n
    n=$(wc -l <"$2")
    if [ "$n" -eq "$3" ]; then pass; else fail "$1: $n lines in $(basename "$2"), wanted $3"; fi
}

# ---- the issue's example: 2,000/s into a station serving 1,000/s, no queue
# limit, no client timeout ----------------------------------------------------------
cat >over.yaml <<'YAML'
name: over
duration: 1m
workloads:
  - name: users
    target: station
    arrival: {process: poisson, rate: 2000/s}
components:
  - name: station
    type: service
    workers: 4
    service_time: {dist: exponential, mean: 4ms}
YAML
OVERLOAD="cirrus: over.yaml:8:11: warning: service 'station': offered load 2000 requests/s is at or above its capacity of 1000/s (4 workers / mean service_time 4 ms; utilisation 200%): in steady state its queue grows without bound (no queue_limit), and so does latency"
FOREVER="cirrus: over.yaml:4:11: warning: workload 'users' calls service 'station' synchronously with no client.timeout, and 'station' has no queue_limit: an overload never fails a request, it only makes it wait (give the client a timeout or the service a queue_limit)"
INFLIGHT="cirrus: over.yaml:4:11: warning: workload 'users': 59558 requests still in flight at the end, 49.8% of the 119495 made: the latency statistics leave them out, and the failure counts do not know how they end"

run "validate overload" 0 validate over.yaml
contains "validate overload" "$ERR" "$OVERLOAD"
contains "validate overload" "$ERR" "$FOREVER"
lines "validate overload" "$ERR" 2
if [ -s "$OUT" ]; then fail "validate overload: stdout not empty"; else pass; fi

run "run overload" 0 run over.yaml -o over.h5 --quiet
contains "run overload" "$ERR" "$OVERLOAD"
contains "run overload" "$ERR" "$FOREVER"
contains "run overload (in flight)" "$ERR" "$INFLIGHT"
lines "run overload" "$ERR" 3
if [ -s over.h5 ]; then pass; else fail "run overload: no over.h5"; fi

run "validate --strict" 2 validate over.yaml --strict
contains "validate --strict" "$ERR" "cirrus: 2 warnings, and --strict makes them errors"
run "run --strict" 2 run over.yaml -o strict.h5 --quiet --strict
contains "run --strict" "$ERR" "$OVERLOAD"
if [ -e strict.h5 ]; then fail "run --strict: ran anyway (strict.h5 written)"; else pass; fi

# With a queue limit the excess is refused instead: a different consequence.
sed 's/    workers: 4/    workers: 4\n    queue_limit: 100/' over.yaml >bounded.yaml
run "bounded overload" 0 validate bounded.yaml
contains "bounded overload" "$ERR" "bounded.yaml:8:11: warning: service 'station': offered load 2000 requests/s is at or above its capacity of 1000/s (4 workers / mean service_time 4 ms; utilisation 200%): in steady state its queue stays full and it refuses the excess (503)"
lines "bounded overload (no sync warning)" "$ERR" 1

# Only the in-flight warning comes from the run: a burst in the last 5 s
# (400/s into a station that serves 111/s) leaves a backlog, though the
# mean rate, 79/s, is well under capacity and the client has a timeout.
# 2,750 + 2,000 arrivals less the one due at 60 s, which never comes; of the
# 2,000 in the burst, about 5 s / 9 ms = 556 are served.  --strict then
# exits 2 after writing the output.
cat >inflight.yaml <<'YAML'
name: inflight
duration: 1m
workloads:
  - name: users
    target: station
    arrival: {process: constant, schedule: [[0s, 50/s], [55s, 50/s], [55s, 400/s], [1m, 400/s]]}
    client: {timeout: 30s}
components:
  - name: station
    type: service
    workers: 1
    queue_limit: 10000
    service_time: 9ms
YAML
run "in flight: validate" 0 validate inflight.yaml --strict
if [ -s "$ERR" ]; then fail "in flight: validate warns"; else pass; fi
run "in flight: run" 0 run inflight.yaml -o inflight.h5 --quiet
contains "in flight: run" "$ERR" "cirrus: inflight.yaml:4:11: warning: workload 'users': 1445 requests still in flight at the end, 30.4% of the 4749 made: the latency statistics leave them out, and the failure counts do not know how they end"
lines "in flight: run" "$ERR" 1
run "in flight: --strict" 2 run inflight.yaml -o inflight-strict.h5 --quiet --strict
contains "in flight: --strict" "$ERR" "cirrus: 1 warning, and --strict makes them errors"
if [ -s inflight-strict.h5 ]; then pass; else fail "in flight: --strict did not keep the output"; fi

# A component nothing sends to.
cp inflight.yaml unreached.yaml
printf '  - name: batch\n    type: service\n    service_time: 10ms\n' >>unreached.yaml
run "unreached" 0 validate unreached.yaml
contains "unreached" "$ERR" "cirrus: unreached.yaml:14:11: warning: service 'batch': nothing reaches it (no workload's requests lead to it through targets, calls, subscriptions or event sources): it will sit idle"
lines "unreached" "$ERR" 1
run "unreached --strict" 2 validate unreached.yaml --strict

# ---- offered load through calls with probabilities and through a load balancer -----------
cat >chain.yaml <<'YAML'
name: chain
duration: 1m
workloads:
  - name: users
    target: lb
    arrival:
      process: poisson
      schedule: [[0s, 100/s], [30s, 300/s], [1m, 300/s]]
    client: {timeout: 2s}
components:
  - name: lb
    type: alb
    targets: web
  - name: web
    type: asg
    min: 2
    max: 4
    instance:
      workers: 2
      queue_limit: 20
      service_time: 20ms
      calls:
        - {target: db, probability: 0.5}
        - parallel: [{target: db, probability: 0.25}, {target: audit, mode: async}]
  - name: db
    type: service
    workers: 1
    queue_limit: 10
    service_time: 7ms
  - name: audit
    type: sqs
YAML
# users: mean rate over the minute (100/s ramping to 300/s over 30 s, an
# average of 200/s, then 300/s for 30 s) = 250/s; web can serve at most
# 4 x 2 / 20 ms = 400/s, so it passes on all 250/s; db gets 0.75 x 250 =
# 187.5/s against 1 / 7 ms = 142.9/s.
run "chain" 0 validate chain.yaml
contains "chain" "$ERR" "cirrus: chain.yaml:25:11: warning: service 'db': offered load 187.5 requests/s is at or above its capacity of 142.9/s (1 worker / mean service_time 7 ms; utilisation 131%): in steady state its queue stays full and it refuses the excess (503)"
contains "chain (no price)" "$ERR" "cirrus: chain.yaml:25:11: warning: service 'db' has no price: the cost table and its total leave it out (docs/cost.md)"
lines "chain" "$ERR" 2
# 6 ms: 166.7/s, still under 187.5/s; 5 ms: 200/s, no overload.
run "chain, db 6ms" 0 validate chain.yaml --set components.db.service_time=6ms
contains "chain, db 6ms" "$ERR" "capacity of 166.7/s"
run "chain, faster db" 0 validate chain.yaml --set components.db.service_time=5ms
not_contains "chain, faster db" "$ERR" "offered load"
# A group that can serve less than what arrives: 1 instance x 2 / 20 ms = 100/s.
run "chain, small group" 0 validate chain.yaml --set components.web.max=1 --set components.web.min=1
contains "chain, small group" "$ERR" "cirrus: chain.yaml:14:11: warning: asg 'web': offered load 250 requests/s is at or above its capacity of 100/s (2 workers / mean service_time 20 ms; utilisation 250%)"
# ... and then db gets at most 0.75 x 100 = 75/s: no warning for it.
not_contains "chain, small group" "$ERR" "service 'db': offered load"

# ---- a healthy scenario warns about nothing -------------------------------------------------
run "flagship validate" 0 validate "$SRC/scenarios/flagship.yaml" --strict
if [ -s "$ERR" ]; then fail "flagship validate: warnings"; else pass; fi
run "flagship run" 0 run "$SRC/scenarios/flagship.yaml" --duration 20m --set warmup=1m -o flagship.h5 --quiet --strict
if [ -s "$ERR" ]; then fail "flagship run: warnings"; else pass; fi

# ---- slo: items are checked when the scenario loads -------------------------------------------
cp inflight.yaml slo.yaml
printf 'slo:\n  - users.latency_ms.p99 < 200\n  - users.Failed < 0.1%%\n' >>slo.yaml
run "slo good" 0 validate slo.yaml
sed 's/users.Failed < 0.1%/users.Failed about 3/' slo.yaml >badslo.yaml
run "slo bad" 2 validate badslo.yaml
contains "slo bad" "$ERR" "badslo.yaml:16:5: slo: takes ENTITY.METRIC[.STAT] < or > a number"
printf 'slo: users.Failed < 3\n' >>over.yaml
run "slo not a list" 2 validate over.yaml
contains "slo not a list" "$ERR" "over.yaml:12:6:"

cli_finish
