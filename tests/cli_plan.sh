#!/usr/bin/env bash
# `cirrus plan` end to end, and costs in run/report: a web tier (alb + asg) fed by the CloudWatch
# example, the report (setting, cost, margins), the explored points in the
# sweep layout, exit 1 when nothing in range meets the SLOs, two knobs and
# --objective, and command-line errors (exit 2).
#
# Usage: bash tests/cli_plan.sh /path/to/cirrus /path/to/source
set -u
source "$(dirname "$0")/clilib.sh"
cli_setup plan "$@"
cat > web.yaml <<YAML
name: web
duration: 1h
warmup: 5m
workloads:
  - name: users
    target: lb
    arrival: {process: poisson, cloudwatch: $SRC/scenarios/data/cloudwatch-example.json, scale: 1}
components:
  - {name: lb, type: alb, targets: web}
  - {name: web, type: asg, min: 1, instance: {type: c5.large, workers: 4, service_time: {dist: exponential, mean: 50ms}}}
YAML

run "plan" 0 plan web.yaml --vary components.web.min=1..8 --slo 'users.latency_ms.p99<300' \
    --slo 'users.Failed<1%' --replications 3 -j 2 -o p.h5
contains "plan" "$OUT" "plan: components.web.min = "
contains "plan" "$OUT" "a month"
contains "plan" "$OUT" "SLO users.latency_ms.p99<300: "
contains "plan" "$OUT" "margin"
contains "plan" "$OUT" "explored points written to p.h5"
if h5dump -a plan_choice p.h5 >/dev/null 2>&1; then pass; else fail "p.h5 has no plan_choice attribute"; fi
run "plot of the plan" 0 plot p.h5 -o p.png
[ -s p.png ] && pass || fail "no p.png"

# The bill in the summary table, the JSON and the HTML report.
run "run with costs" 0 run web.yaml -o web.h5 --summary-json web.json
contains "table" "$OUT" "cost of all components"
contains "table" "$OUT" "cost_usd_per_month"
contains "json" web.json '"cost_usd_per_month":'
run "report" 0 report web.h5 -o web.html
contains "report" web.html "Cost of all components: \$"

run "nothing meets" 1 plan web.yaml --vary components.web.min=1..1 --slo 'users.latency_ms.p99<1' -q -o n.h5
run "bad vary" 2 plan web.yaml --vary components.web.min=8..1 --slo 'users.latency_ms.p99<300'
contains "bad vary" "$ERR" "--vary takes KEY=LO..HI"
run "bad slo" 2 plan web.yaml --vary components.web.min=1..2 --slo 'users.latency_ms.p99=300'
contains "bad slo" "$ERR" "--slo takes"
run "unknown metric" 2 plan web.yaml --vary components.web.min=1..2 --slo 'users.Latncy<300' -q
contains "unknown metric" "$ERR" "users.Latncy<300"

# Two knobs (a staircase walk) and --objective.
run "two knobs" 0 plan web.yaml --set duration=10m --vary components.web.min=1..6 \
    --vary components.web.instance.workers=1..8 --slo 'users.latency_ms.p99<300' --slo 'users.Failed<1%' \
    --replications 3 -j 2 -o two.h5
contains "two knobs" "$OUT" "plan: components.web.min = "
contains "two knobs" "$OUT" ", components.web.instance.workers = "
contains "two knobs" "$OUT" "settings of the 48 in the grid"
run "plot of two knobs" 0 plot two.h5 -o two.png
[ -s two.png ] && pass || fail "no two.png"
run "objective" 0 plan web.yaml --set duration=10m --vary components.web.min=1..6 \
    --vary components.web.instance.workers=1..8 --slo 'users.Failed<1%' --replications 2 \
    --objective users.latency_ms.p99 -o obj.h5
contains "objective" "$OUT" "objective: the smallest users.latency_ms.p99 = "
run "bad objective" 2 plan web.yaml --vary components.web.min=1..2 --slo 'users.Failed<1%' \
    --objective 'users.latency_ms.p99<3'
contains "bad objective" "$ERR" "--objective takes 'cost' or [min:|max:]ENTITY.METRIC[.STAT]"
run "unknown objective" 2 plan web.yaml --set duration=6m --vary components.web.min=2..2 --slo 'users.Failed<1%' \
    --objective users.Nothing -q --replications 1
contains "unknown objective" "$ERR" "--objective 'users.Nothing': the run has no such number"
run "knob twice" 2 plan web.yaml --vary components.web.min=1..2 --vary components.web.min=3..4 \
    --slo 'users.Failed<1%'
contains "knob twice" "$ERR" "--vary components.web.min is given twice"
run "second knob reversed" 2 plan web.yaml --vary components.web.min=1..2 \
    --vary components.web.instance.workers=4..2 --slo 'users.Failed<1%'
contains "second knob reversed" "$ERR" "--vary takes KEY=LO..HI"
cli_finish
