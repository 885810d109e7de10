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

# Errors.
run "no file" 2 report
run "missing file" 2 report nothere.h5
contains "missing file" "$ERR" "no such file"

cli_finish
