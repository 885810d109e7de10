#!/usr/bin/env bash
# Bad input, all of it (issue 9): every case must end in exit 2 with a
# message located as FILE:LINE:COL (an editor can jump there) and saying what
# is wrong; never a crash, a hang or a run.  docs/reliability.md has the
# matrix of cases and where each is tested (some are in cli_errors.sh).
#
# Usage: bash tests/cli_badinput.sh /path/to/cirrus /path/to/source
set -u
source "$(dirname "$0")/clilib.sh"
cli_setup badinput "$@"

# bad WHAT FILE LOCATION TEXT: `cirrus validate FILE` exits 2, stderr is one
# "cirrus: PATH:LINE:COL: ..." line that starts with LOCATION and holds TEXT.
bad() {
    local what=$1 file=$2 where=$3 text=$4
    run "$what" 2 validate "$file"
    contains "$what" "$ERR" "cirrus: $where "
    contains "$what" "$ERR" "$text"
    if grep -Eq '^cirrus: [^:]+:[0-9]+:[0-9]+: ' "$ERR" && [ "$(wc -l <"$ERR")" -eq 1 ]; then pass; else
        fail "$what: not one located FILE:LINE:COL message"
    fi
}

# The base scenario; the cases are edits of it.  Line 10 is workers,
# line 11 service_time.
cli_base_scenario good.yaml t
run "base scenario" 0 validate good.yaml
edit() { sed "$1" good.yaml >"$2"; }

# ---- empty and binary files -----------------------------------------------------------

printf '   \n\n' >blank.yaml
bad "blank file" blank.yaml "blank.yaml:1:1:" "the file is empty"
printf '# only a comment\n' >comment.yaml
bad "comment only" comment.yaml "comment.yaml:1:1:" "the file is empty"
printf '\357\273\277' >bom.yaml
bad "byte-order mark only" bom.yaml "bom.yaml:1:1:" "the file is empty"
# 4 KiB of fixed pseudo-random bytes (a linear congruential generator, so
# every run sees the same garbage).
LC_ALL=C awk 'BEGIN { x = 12345; for (i = 0; i < 4096; i++) { x = (x * 1103515245 + 12345) % 2147483648; printf "%c", int(x / 65536) % 256 } }' \
    >random.yaml
if [ "$(wc -c <random.yaml)" -eq 4096 ]; then pass; else fail "random.yaml is not 4096 bytes"; fi
bad "random bytes" random.yaml "random.yaml:1:1:" "binary data"
tr -d '\000' <random.yaml >random-nonul.yaml
bad "random bytes, no NUL" random-nonul.yaml "random-nonul.yaml:1:1:" "binary data"
# Valid UTF-8 that is not YAML: control characters.
printf 'name: \001\002\003\n' >control.yaml
bad "control characters" control.yaml "control.yaml:1:1:" "invalid YAML"

# ---- structure --------------------------------------------------------------------------

awk 'BEGIN { printf "name: "; for (i = 0; i < 200; i++) printf "["; for (i = 0; i < 200; i++) printf "]"; print "" }' >deep.yaml
bad "200 nested lists" deep.yaml "deep.yaml:1:71:" "nesting deeper than 64 levels"
# Far deeper than any stack would survive if the parser recursed without a cap.
awk 'BEGIN { printf "name: "; for (i = 0; i < 100000; i++) printf "{a: "; print "" }' >deeper.yaml
bad "100,000 nested maps" deeper.yaml "deeper.yaml:1:260:" "nesting deeper than 64 levels"
{ echo "name: t"; echo "duration: 1m"; for i in $(seq 0 70); do printf '%*sk:\n' $((2 * i)) ''; done; } >indent.yaml
bad "nested by indentation" indent.yaml "indent.yaml:67:129:" "nesting deeper than 64 levels"

# Billion laughs: nine aliases of nine aliases of ... (10^9 strings if
# expanded).  Refused at the first alias, in constant time and memory.
cat >laughs.yaml <<'EOF'
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
name: t
duration: 1h
EOF
bad "billion laughs" laughs.yaml "laughs.yaml:2:8:" "YAML aliases (*a) are not supported"
printf 'name: t\nduration: 1m\n<<: *base\n' >merge.yaml
bad "merge key (an alias)" merge.yaml "merge.yaml:3:5:" "YAML aliases (*base) are not supported"

# ---- numbers ----------------------------------------------------------------------------

edit 's/workers: 4/workers: 99999999999999999999/' huge-workers.yaml
bad "20-digit workers" huge-workers.yaml "huge-workers.yaml:10:14:" "'workers' must be a whole number, got '99999999999999999999'"
edit 's/workers: 4/workers: 1e400/' e400-workers.yaml
bad "1e400 workers" e400-workers.yaml "e400-workers.yaml:10:14:" "'workers' must be a whole number"
edit 's/workers: 4/workers: 10000001/' many-workers.yaml
bad "workers above the range" many-workers.yaml "many-workers.yaml:10:14:" "between 1 and 10000000"
edit 's/^duration: 1m/duration: 1e400s/' e400-duration.yaml
bad "1e400s duration" e400-duration.yaml "e400-duration.yaml:2:11:" "expected a duration"
edit 's/mean: 40ms/mean: 1e300d/' long-mean.yaml
bad "1e300d mean" long-mean.yaml "long-mean.yaml:11:45:" "shorter than 290 years"
edit 's/rate: 50\/s/rate: 1e400\/s/' e400-rate.yaml
bad "1e400/s rate" e400-rate.yaml "e400-rate.yaml:6:39:" "expected a rate of events"
# Finite but faster than the clock: every arrival would land at t=0.
edit 's/rate: 50\/s/rate: 1e300\/s/' fast-rate.yaml
bad "1e300/s rate" fast-rate.yaml "fast-rate.yaml:6:39:" "at most 1e9/s"
edit 's/^duration: 1m/duration: 1m\nseed: 99999999999999999999/' huge-seed.yaml
bad "20-digit seed" huge-seed.yaml "huge-seed.yaml:3:7:" "'seed' must be a whole number"

edit 's/mean: 40ms/mean: .nan/' nan.yaml
bad "NaN (YAML .nan)" nan.yaml "nan.yaml:11:45:" "expected a duration"
edit 's/mean: 40ms/mean: nanms/' nan-unit.yaml
bad "NaN with a unit" nan-unit.yaml "nan-unit.yaml:11:45:" "expected a duration"
edit 's/mean: 40ms/mean: .infms/' inf.yaml
bad "infinity" inf.yaml "inf.yaml:11:45:" "expected a duration"
edit 's/rate: 50\/s/rate: inf\/s/' inf-rate.yaml
bad "infinite rate" inf-rate.yaml "inf-rate.yaml:6:39:" "expected a rate of events"
edit 's/workers: 4/workers: .inf/' inf-workers.yaml
bad "infinite workers" inf-workers.yaml "inf-workers.yaml:10:14:" "'workers' must be a whole number"
edit 's/workers: 4/workers: .nan/' nan-workers.yaml
bad "NaN workers" nan-workers.yaml "nan-workers.yaml:10:14:" "'workers' must be a whole number"

edit 's/^duration: 1m/duration: -1m/' neg-duration.yaml
bad "negative duration" neg-duration.yaml "neg-duration.yaml:2:11:" "a duration that is not negative"
edit 's/mean: 40ms/mean: -40ms/' neg-mean.yaml
bad "negative service time" neg-mean.yaml "neg-mean.yaml:11:45:" "a duration that is not negative"
edit 's/^duration: 1m/duration: 1m\nwarmup: -5s/' neg-warmup.yaml
bad "negative warmup" neg-warmup.yaml "neg-warmup.yaml:3:9:" "a duration that is not negative"
edit 's/rate: 50\/s/rate: -50\/s/' neg-rate.yaml
bad "negative rate" neg-rate.yaml "neg-rate.yaml:6:39:" "a rate that is not negative"
edit 's/workers: 4/workers: 0/' zero-workers.yaml
bad "zero workers" zero-workers.yaml "zero-workers.yaml:10:14:" "'workers' must be between 1 and 10000000, got 0"
edit 's/workers: 4/workers: -4/' neg-workers.yaml
bad "negative workers" neg-workers.yaml "neg-workers.yaml:10:14:" "'workers' must be between 1 and 10000000, got -4"
edit 's/^duration: 1m/duration: 0s/' zero-duration.yaml
bad "zero duration" zero-duration.yaml "zero-duration.yaml:2:11:" "'duration'"

# ---- self-targets and unknown targets ---------------------------------------------------

cat >self-asg.yaml <<'EOF'
name: t
duration: 1m
workloads:
  - {name: u, target: web, arrival: {process: poisson, rate: 5/s}}
components:
  - name: web
    type: asg
    instance:
      service_time: {dist: constant, value: 5ms}
      calls: [{target: web, mode: sync}]
EOF
bad "asg calls itself" self-asg.yaml "self-asg.yaml:10:24:" "an instance cannot call 'web'"
cat >self-alb.yaml <<'EOF'
name: t
duration: 1m
workloads:
  - {name: u, target: lb, arrival: {process: poisson, rate: 5/s}}
components:
  - {name: lb, type: alb, targets: lb}
EOF
bad "alb targets itself" self-alb.yaml "self-alb.yaml:6:36:" "must be an Auto Scaling group"
cat >self-r53.yaml <<'EOF'
name: t
duration: 1m
workloads:
  - {name: u, target: r, arrival: {process: poisson, rate: 5/s}}
components:
  - {name: r, type: route53, records: [{target: r}]}
EOF
bad "route53 record to itself" self-r53.yaml "self-r53.yaml:6:49:" "a record's target must be another component"
cat >self-dlq.yaml <<'EOF'
name: t
duration: 1m
workloads:
  - {name: u, target: q, invocation: async, arrival: {process: poisson, rate: 5/s}}
components:
  - {name: q, type: sqs, dlq: {target: q, max_receive_count: 3}}
EOF
bad "sqs dead-letter queue is itself" self-dlq.yaml "self-dlq.yaml:6:40:" "another sqs component"
cat >self-sns.yaml <<'EOF'
name: t
duration: 1m
workloads:
  - {name: u, target: tp, invocation: async, arrival: {process: poisson, rate: 5/s}}
components:
  - {name: tp, type: sns, subscriptions: [{target: tp}]}
EOF
bad "sns subscribed to itself" self-sns.yaml "self-sns.yaml:6:52:" "an sns subscription delivers to an sqs queue or a lambda function"
cat >self-lambda.yaml <<'EOF'
name: t
duration: 1m
workloads:
  - {name: u, target: f, invocation: async, arrival: {process: poisson, rate: 5/s}}
components:
  - {name: f, type: lambda, duration: {dist: constant, value: 1s}, async: {on_failure: f}}
EOF
bad "lambda on_failure is itself" self-lambda.yaml "self-lambda.yaml:6:88:" "on_failure 'f' must be another component"
edit 's/target: station/target: users/' self-workload.yaml
bad "workload targets itself" self-workload.yaml "self-workload.yaml:5:13:" "target 'users' is a workload"

printf 'faults:\n  - {at: 10s, kind: outage, component: nosuch, duration: 5s}\n' >faults.part
cat good.yaml faults.part >fault-unknown.yaml
bad "fault on an unknown component" fault-unknown.yaml "fault-unknown.yaml:13:40:" "unknown component 'nosuch'"
sed 's/nosuch/statoin/' fault-unknown.yaml >fault-misspelt.yaml
bad "fault on a misspelt component" fault-misspelt.yaml "fault-misspelt.yaml:13:40:" "(did you mean 'station'?)"
sed 's/nosuch/users/' fault-unknown.yaml >fault-workload.yaml
bad "fault on a workload" fault-workload.yaml "fault-workload.yaml:13:40:" "workload 'users' does not model outage faults"
sed 's/kind: outage, component: nosuch/kind: instance_failure, component: station/' fault-unknown.yaml >fault-kind.yaml
bad "fault kind the model lacks" fault-kind.yaml "fault-kind.yaml:13:50:" "does not model instance_failure faults (it models: outage, slowdown)"
sed 's/at: 10s/at: 2m/' fault-unknown.yaml | sed 's/nosuch/station/' >fault-late.yaml
bad "fault after the end" fault-late.yaml "fault-late.yaml:13:10:" "the fault starts at or after the end of the run"

# ---- trace files ------------------------------------------------------------------------

printf 'name: t\nduration: 1m\nworkloads:\n  - {name: u, target: s, arrival: {process: trace, trace: arrivals.txt}}\ncomponents:\n  - {name: s, type: service, service_time: {dist: constant, value: 1ms}}\n' >trace.yaml
printf '# arrival times\n0.5\n1\n1\n2\n' >arrivals.txt
run "trace: a good file" 0 validate trace.yaml
trace() { printf "$1" >arrivals.txt; bad "trace: $2" trace.yaml "$3" "$4"; }
trace '1\n3\n2\n' "unsorted" "./arrivals.txt:3:1:" "times must not decrease (2 after 3)"
trace '1\n  abc\n' "a word" "./arrivals.txt:2:3:" "expected a non-negative number in seconds, got 'abc'"
trace '1\n5ms\n' "a unit" "./arrivals.txt:2:1:" "got '5ms'"
trace '1,2\n' "two columns" "./arrivals.txt:1:1:" "got '1,2'"
trace 'nan\n' "NaN" "./arrivals.txt:1:1:" "got 'nan'"
trace '1e400\n' "1e400" "./arrivals.txt:1:1:" "got '1e400'"
trace '1\n-2\n' "negative" "./arrivals.txt:2:1:" "got '-2'"
trace '# nothing\n\n' "no numbers" "trace.yaml:4:59:" "holds no numbers"
trace '1\n2\0003\n' "a NUL byte" "trace.yaml:4:59:" "binary data"
trace '1\n\377\376\n' "invalid UTF-8" "trace.yaml:4:59:" "binary data"
rm arrivals.txt
bad "trace: missing file" trace.yaml "trace.yaml:4:59:" "cannot read './arrivals.txt'"

# ---- defaults that clash (found by fuzz_scenario: the message pointed at a key not given)

cat >retrybase.yaml <<'EOF'
name: t
duration: 1m
workloads:
  - {name: u, target: s, arrival: {process: poisson, rate: 1/s}, client: {retries: {base: 30s}}}
components:
  - {name: s, type: service, service_time: 1ms}
EOF
bad "retries: base above the default cap" retrybase.yaml "retrybase.yaml:4:91:" "'base' must be at most 'cap' (default 20s)"
cat >alarmperiods.yaml <<'EOF'
name: t
duration: 1m
components:
  - {name: s, type: service, service_time: 1ms}
  - name: dns
    type: route53
    health_checks: {slow: {alarm: {component: s, metric: Latency, threshold: 1, periods: 1441}}}
    records: [{target: s, health_check: slow}]
EOF
bad "alarm: periods above 1440" alarmperiods.yaml "alarmperiods.yaml:7:90:" "'periods' must be between 1 and 1440"

# ---- cycles of sync calls ---------------------------------------------------------------

# a -> b -> a: each request would hold a worker of a, then of b, then of a...
cat >cycle2.yaml <<'EOF'
name: t
duration: 1m
workloads:
  - {name: u, target: a, arrival: {process: poisson, rate: 5/s}}
components:
  - name: a
    type: asg
    instance:
      service_time: {dist: constant, value: 5ms}
      calls: [{target: b}]
  - name: b
    type: asg
    instance:
      service_time: {dist: constant, value: 5ms}
      calls: [{target: c, mode: async}, {target: a, mode: sync}]
  - {name: c, type: sqs}
EOF
bad "sync cycle a -> b -> a" cycle2.yaml "cycle2.yaml:15:50:" "sync calls form a cycle: a -> b -> a"
# The same with the call back made async: no cycle, it loads.
sed 's/{target: a, mode: sync}/{target: a, mode: async}/' cycle2.yaml >nocycle.yaml
run "async call back: no cycle" 0 validate nocycle.yaml
# Through a load balancer and DNS: lb -> web -> dns -> lb.
cat >cycle3.yaml <<'EOF'
name: t
duration: 1m
workloads:
  - {name: u, target: lb, arrival: {process: poisson, rate: 5/s}}
components:
  - {name: lb, type: alb, targets: web}
  - name: web
    type: asg
    instance:
      service_time: {dist: constant, value: 5ms}
      calls: [{target: db}, {target: dns}]
  - {name: db, type: service, service_time: {dist: constant, value: 1ms}}
  - {name: dns, type: route53, records: [{target: db}, {target: lb}]}
EOF
bad "sync cycle through alb and route53" cycle3.yaml "cycle3.yaml:13:65:" "sync calls form a cycle: lb -> web -> dns -> lb"
# An nlb is a load balancer too.  With it last in the file the walk starts
# at web, and the message names the edge that closes the cycle (lb's targets).
sed 's/type: alb/type: nlb/' cycle3.yaml | awk 'NR == 6 { held = $0; next } { print } END { print held }' >cycle3-nlb.yaml
bad "sync cycle, nlb listed last" cycle3-nlb.yaml "cycle3-nlb.yaml:13:36:" "sync calls form a cycle: web -> dns -> lb -> web"
# ---- calls (DESIGN.md §6) ------------------------------------------------------------------

cat >calls.yaml <<'EOF'
name: t
duration: 1m
workloads:
  - {name: u, target: fn, arrival: {process: poisson, rate: 5/s}}
components:
  - name: fn
    type: lambda
    duration: {dist: constant, value: 5ms}
    calls: [{target: orders, operation: SendMessage}, {target: db, probability: 0.5}]
  - {name: orders, type: sqs}
  - {name: db, type: service, service_time: {dist: constant, value: 1ms}}
EOF
run "calls: a good list" 0 validate calls.yaml
sed 's/operation: SendMessage/operation: GetItem/' calls.yaml >calls-op.yaml
bad "calls: an operation the target does not take" calls-op.yaml "calls-op.yaml:9:41:" \
    "'calls' target 'orders' is an sqs queue: it takes operation SendMessage or SendMessageBatch, not GetItem"
sed 's/probability: 0.5/probability: 1.5/' calls.yaml >calls-p.yaml
bad "calls: probability outside [0,1]" calls-p.yaml "calls-p.yaml:9:81:" "'probability' must be between 0 and 1, got 1.5"
sed 's/calls: \[.*\]/calls: [{parallel: [{target: db}, {parallel: [{target: orders}]}]}]/' calls.yaml >calls-nest.yaml
bad "calls: a parallel group in a parallel group" calls-nest.yaml "calls-nest.yaml:9:50:" \
    "a parallel group cannot hold another (groups nest one level deep"
# A cycle through a Lambda: fn -> db -> fn.
sed 's/{name: db, type: service, service_time: {dist: constant, value: 1ms}}/{name: db, type: service, service_time: 1ms, calls: [{target: fn}]}/' \
    calls.yaml >calls-cycle.yaml
bad "calls: a sync cycle through a lambda" calls-cycle.yaml "calls-cycle.yaml:11:67:" "sync calls form a cycle: fn -> db -> fn"

# ---- rds (DESIGN.md §7) --------------------------------------------------------------------

cat >rds.yaml <<'EOF'
name: t
duration: 1m
workloads:
  - {name: u, target: db, arrival: {process: poisson, rate: 5/s}, request: {operation: read}}
components:
  - name: db
    type: rds
    engine: aurora-mysql
    instance_class: db.r6g.large
    read_replicas: 2
EOF
run "rds: a good database" 0 validate rds.yaml
sed 's/read_replicas: 2/read_replicas: 16/' rds.yaml >rds-replicas.yaml
bad "rds: 16 read replicas" rds-replicas.yaml "rds-replicas.yaml:10:20:" "'read_replicas' must be between 0 and 15, got 16"
sed 's/db.r6g.large/db.r6g.larg/' rds.yaml >rds-class.yaml
bad "rds: an unknown instance class" rds-class.yaml "rds-class.yaml:9:21:" "unknown instance_class 'db.r6g.larg' (did you mean 'db.r6g.large'?)"
sed 's/engine: aurora-mysql/engine: aurora-mysq/' rds.yaml >rds-engine.yaml
bad "rds: an unknown engine" rds-engine.yaml "rds-engine.yaml:8:13:" "got 'aurora-mysq' (did you mean 'aurora-mysql'?)"
sed 's/operation: read/operation: reed/' rds.yaml >rds-op.yaml
bad "rds: an operation misspelt" rds-op.yaml "rds-op.yaml:4:88:" \
    "target 'db' is an rds database: it takes operation read or write, not reed (did you mean 'read'?)"

# `run` refuses it as well, before writing anything.
run "run a sync cycle" 2 run cycle2.yaml -o cycle.h5 --quiet
if [ -e cycle.h5 ]; then fail "run a sync cycle: cycle.h5 was created"; else pass; fi

cli_finish
