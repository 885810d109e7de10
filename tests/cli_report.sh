#!/usr/bin/env bash
# `cirrus report` end to end, opened in headless Chromium (Debian's
# chromium package, installed by scripts/deps.sh): a small run whose names
# hold <script> and quotes, the page it makes, the DOM Chromium parsed from
# it (every section there, no script element), no console errors, and a
# screenshot kept in BUILD/test-artifacts/report.png to look at.
#
# Usage: bash tests/cli_report.sh /path/to/cirrus /path/to/source
set -u
source "$(dirname "$0")/clilib.sh"
cli_setup report "$@"
ARTIFACTS=$(dirname "$CIRRUS")/test-artifacts
lacks() {
    if grep -qiF -- "$3" "$2"; then fail "$1: unexpected '$3' in $(basename "$2")"; else pass; fi
}

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
    echo "FAIL: chromium is not installed: the report test needs it (scripts/deps.sh installs Debian's chromium;" \
         "or apt-get install chromium)"
    exit 1
fi

# A zone outage in a small asg, with names that try to break out of HTML.
cat >nasty.yaml <<'EOF'
name: '<script>alert("name")'
description: </pre><script>alert('description')</script> & "quotes"
duration: 10m
warmup: 1m
sample_interval: 10s
seed: 5
workloads:
  - {name: users, target: alb, arrival: {process: poisson, rate: 300/s}}
components:
  - name: alb
    type: alb
    targets: web
    health_check: {interval: 10s, unhealthy_threshold: 2, healthy_threshold: 2}
  - name: web
    type: asg
    min: 3
    max: 6
    desired: 3
    zones: [a, b, c]
    instance:
      workers: 8
      service_time: {dist: exponential, mean: 40ms}
      boot_time: 60s
faults:
  - {at: 3m, kind: zone_outage, zone: "<img src=x onerror=alert('zone')>\"'", duration: 2m}
  - {at: 6m, kind: instance_failure, component: web, count: 1}
EOF
run "run" 0 run nasty.yaml -o nasty.h5 -q
run "report" 0 report nasty.h5 -o report.html
contains "report" "$OUT" "report written to report.html"
# The page as written: no script and no element from the names, only text.
lacks "escaped" report.html "<script"
lacks "escaped" report.html "<img"
contains "escaped" report.html "&lt;script&gt;alert(&quot;name&quot;)"
contains "escaped" report.html "&lt;img src=x onerror=alert(&apos;zone&apos;)&gt;"
contains "sections" report.html '<section id="faults">'
contains "metadata" report.html "<th>Seed</th><td>5</td>"
contains "metadata" report.html "badge ok\">complete"
n_svg=$(grep -o '<svg' report.html | wc -l)
if [ "$n_svg" -ge 4 ]; then pass; else fail "report: $n_svg inline SVGs, wanted the timeline and 3 entities"; fi
lacks "self-contained" report.html "src=\"http"
lacks "self-contained" report.html "href=\"http"

# What Chromium makes of it: the parsed DOM, the console, a screenshot.
CHROME_OPTS=(--headless --disable-gpu --no-sandbox --no-first-run --user-data-dir="$WORK/profile")
timeout 120 "$CHROMIUM" "${CHROME_OPTS[@]}" --dump-dom "file://$WORK/report.html" >dom.html 2>chrome-dom.log
for id in run faults results scenario; do contains "DOM" dom.html "<section id=\"$id\">"; done
lacks "DOM" dom.html "<script"
contains "DOM" dom.html "<h1>&lt;script&gt;alert(\"name\")</h1>"
mkdir -p "$ARTIFACTS"
rm -f "$ARTIFACTS/report.png"
timeout 120 "$CHROMIUM" "${CHROME_OPTS[@]}" --enable-logging=stderr --v=0 --window-size=1280,2000 \
    --screenshot="$ARTIFACTS/report.png" "file://$WORK/report.html" >chrome.out 2>chrome.log
if grep -E "Uncaught|CONSOLE|Refused to|net::ERR" chrome.log chrome-dom.log >console.txt; then
    fail "console errors: $(head -c 600 console.txt)"
else
    pass
fi
size=$(stat -c %s "$ARTIFACTS/report.png" 2>/dev/null || echo 0)
if [ "$(head -c 4 "$ARTIFACTS/report.png" 2>/dev/null | od -An -c | tr -d ' ')" = "211PNG" ] && [ "$size" -gt 50000 ]; then
    pass
else
    fail "screenshot: $ARTIFACTS/report.png missing or blank ($size bytes)"
fi
cp report.html "$ARTIFACTS/report.html"

# ---- the headline (issue 21): a scenario built to saturate one component ----------------
# 305 requests/s reach a database that serves 4 / 15 ms = 267/s; the front
# end has workers to spare.  Its slo: list has two levels missed, one met.
cat >saturate.yaml <<'EOF'
name: saturate
description: A front end whose database cannot keep up (300 requests/s into 267/s).
duration: 10m
warmup: 1m
sample_interval: 10s
seed: 3
workloads:
  - {name: users, target: front, arrival: {process: poisson, rate: 300/s}, client: {timeout: 2s}}
  - {name: jobs, target: front, invocation: async, arrival: {process: poisson, rate: 5/s}}
components:
  - {name: front, type: service, workers: 256, queue_limit: 100, service_time: 5ms, calls: [{target: db}]}
  - {name: db, type: service, workers: 4, queue_limit: 50, service_time: {dist: exponential, mean: 15ms}}
slo:
  - users.latency_ms.p99 < 100
  - users.Failed < 1%
  - users.Requests > 1000
EOF
run "saturate: run" 0 run saturate.yaml -o saturate.h5 -q
run "saturate: report" 0 report saturate.h5 -o saturate.html
timeout 120 "$CHROMIUM" "${CHROME_OPTS[@]}" --dump-dom "file://$WORK/saturate.html" >sat-dom.html 2>/dev/null
contains "headline" sat-dom.html '<section id="headline"><h2>Headline</h2>'
# The headline comes first, before the run's metadata.
if [ "$(grep -bo '<section id="headline">' sat-dom.html | cut -d: -f1)" -lt "$(grep -bo '<section id="run">' sat-dom.html | cut -d: -f1)" ]; then
    pass; else fail "headline: not before the run section"; fi
contains "bottleneck" sat-dom.html '<p id="bottleneck" data-component="db"><strong>db</strong> (service) saturated first'
contains "bottleneck card" sat-dom.html '<div class="big">db</div><div>saturated first, at 0 s</div>'
contains "SLO p99 missed" sat-dom.html '<td data-label="service level">users.latency_ms.p99 &lt; 100</td>'
n_missed=$(grep -o 'badge bad">missed' sat-dom.html | wc -l)
n_met=$(grep -o 'badge ok">met' sat-dom.html | wc -l)
if [ "$n_missed" -eq 2 ] && [ "$n_met" -eq 1 ]; then pass; else fail "SLOs: $n_missed missed, $n_met met (wanted 2, 1)"; fi
contains "async workload" sat-dom.html 'async: answered on acceptance'
# The database's 503s reach the users as the front end's failed calls: 5xx.
contains "failure kinds" sat-dom.html 'failed or timed out: 21,362 failed (5xx)'
contains "unpriced" sat-dom.html 'Nothing in the scenario is billed.'
# Screenshots at a desktop's and a phone's width, kept to look at.
for w in 1400 400; do
    rm -f "$ARTIFACTS/report-$w.png"
    timeout 120 "$CHROMIUM" "${CHROME_OPTS[@]}" --window-size=$w,2400 --screenshot="$ARTIFACTS/report-$w.png" \
        "file://$WORK/saturate.html" >/dev/null 2>&1
    size=$(stat -c %s "$ARTIFACTS/report-$w.png" 2>/dev/null || echo 0)
    if [ "$size" -gt 30000 ]; then pass; else fail "screenshot at $w px: $size bytes"; fi
done
# At 400 px nothing is wider than the screen (no sideways scrolling): the
# page's scroll width, measured in an iframe of 400 px by a harness page.
scroll_width() {
    cat >harness.html <<EOF
<!DOCTYPE html><html><body style="margin:0"><iframe id="f" src="$1" style="width:400px;height:900px;border:0"></iframe>
<script>document.getElementById('f').addEventListener('load', function () {
  var d = this.contentDocument; document.body.setAttribute('data-scroll-width', d ? d.documentElement.scrollWidth : -1); });
</script></body></html>
EOF
    timeout 120 "$CHROMIUM" "${CHROME_OPTS[@]}" --allow-file-access-from-files --virtual-time-budget=5000 \
        --dump-dom "file://$WORK/harness.html" 2>/dev/null | sed -n 's/.*data-scroll-width="\([0-9-]*\)".*/\1/p'
}
for page in saturate.html report.html; do
    sw=$(scroll_width $page)
    if [ -n "$sw" ] && [ "$sw" -gt 0 ] && [ "$sw" -le 400 ]; then pass; else fail "$page at 400 px: scroll width '$sw'"; fi
done
cp saturate.html "$ARTIFACTS/report-saturate.html"

# ---- reports of a sweep and of a plan -----------------------------------------------------
MM4=$SRC/scenarios/validation/mm4.yaml
run "sweep" 0 sweep "$MM4" --set components.station.workers=4,6,8 --set duration=10m --replications 2 -o sweep.h5 --quiet
run "sweep report" 0 report sweep.h5 -o sweep.html
timeout 120 "$CHROMIUM" "${CHROME_OPTS[@]}" --dump-dom "file://$WORK/sweep.html" >sweep-dom.html 2>/dev/null
for id in headline curves runs scenario; do contains "sweep DOM" sweep-dom.html "<section id=\"$id\">"; done
contains "sweep: the curve of users' p99" sweep-dom.html 'users/Latency p99'
n_rows=$(grep -o '<td data-label="point">P[0-9]' sweep-dom.html | wc -l)
if [ "$n_rows" -eq 3 ]; then pass; else fail "sweep report: $n_rows runs in the table, wanted 3"; fi
run "plan" 0 plan "$MM4" --vary components.station.workers=4..12 --slo 'users.latency_ms.p99<200' \
    --set duration=20m --replications 3 -j 2 -o plan.h5
chosen=$(sed -n 's/^plan: components.station.workers = \([0-9]*\)$/\1/p' "$OUT")
run "plan report" 0 report plan.h5 -o plan.html
timeout 120 "$CHROMIUM" "${CHROME_OPTS[@]}" --dump-dom "file://$WORK/plan.html" >plan-dom.html 2>/dev/null
contains "plan: the chosen setting" plan-dom.html "<div class=\"big\">$chosen</div><div>chosen (components.station.workers, by cost)</div>"
contains "plan: chosen row" plan-dom.html "<tr class=\"chosen\">"
contains "plan: the SLO line" plan-dom.html "SLO users.latency_ms.p99&lt;200"
contains "plan: the chosen line" plan-dom.html "chosen: $chosen"
sw=$(scroll_width plan.html)
if [ -n "$sw" ] && [ "$sw" -gt 0 ] && [ "$sw" -le 400 ]; then pass; else fail "plan.html at 400 px: scroll width '$sw'"; fi
timeout 120 "$CHROMIUM" "${CHROME_OPTS[@]}" --window-size=400,2400 --screenshot="$ARTIFACTS/report-plan-400.png" \
    "file://$WORK/plan.html" >/dev/null 2>&1
cp plan.html "$ARTIFACTS/report-plan.html"

# Errors.
run "no file" 2 report
run "missing file" 2 report nothere.h5
contains "missing file" "$ERR" "no such file"

cli_finish
