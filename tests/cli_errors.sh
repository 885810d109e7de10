#!/usr/bin/env bash
# End-to-end checks of the command line's exit statuses and messages
# (DESIGN.md §2, contract): 0 success, 1 the run or its output failed,
# 2 bad command line or bad scenario; scenario errors name file:line:col.
#
# Usage: bash tests/cli_errors.sh /path/to/cirrus /path/to/source
set -u
source "$(dirname "$0")/clilib.sh"
cli_setup errors "$@"
empty() {
    local what=$1 file=$2
    if [ -s "$file" ]; then fail "$what: $(basename "$file") is not empty"; else pass; fi
}

# A valid scenario; the error cases below are edits of it.
cli_base_scenario good.yaml good

# ---- commands -----------------------------------------------------------------

run "no command" 2
contains "no command" "$ERR" "Usage: cirrus COMMAND"

run "--version" 0 --version
if [ "$(head -c 7 "$OUT")" = "cirrus " ]; then pass; else fail "--version prints 'cirrus VERSION'"; fi
empty "--version" "$ERR"

run "--help" 0 --help
contains "--help" "$OUT" "validate"

# `cirrus version` and -v say what --version says (issue 21).
for v in version -v; do
    run "$v" 0 $v
    if [ "$(cat "$OUT")" = "$("$CIRRUS" --version)" ]; then pass; else fail "$v: not the --version text"; fi
done
# A command's usage line names "cirrus COMMAND", and a UTF-8 locale gets
# "±" and "…" as they are (GLib writes "?" in the C locale's ASCII).
run "run --help" 0 run --help
contains "run --help" "$OUT" "cirrus run [OPTION"
if locale -a 2>/dev/null | grep -qix 'C.utf-\?8'; then
    LC_ALL=C.UTF-8 "$CIRRUS" compare --help >"$OUT" 2>"$ERR"
    contains "compare --help under C.UTF-8" "$OUT" "mean ± 95% confidence half-width"
    contains "compare --help under C.UTF-8" "$OUT" "cirrus compare [OPTION…] A.h5 B.h5"
fi

run "unknown command" 2 frobnicate
contains "unknown command" "$ERR" "unknown command 'frobnicate'"
not_contains "unknown command" "$ERR" "did you mean"

run "misspelt command" 2 rn good.yaml
contains "misspelt command" "$ERR" "did you mean 'run'?"

run "validate misspelt" 2 valdiate good.yaml
contains "validate misspelt" "$ERR" "did you mean 'validate'?"

# ---- arguments ----------------------------------------------------------------

run "run without a file" 2 run
contains "run without a file" "$ERR" "expected one scenario file"

run "validate without a file" 2 validate
run "run with two files" 2 run good.yaml good.yaml

run "missing file" 2 run "$WORK/no-such-dir/nope.yaml"
contains "missing file" "$ERR" "$WORK/no-such-dir/nope.yaml"

run "unknown option" 2 run good.yaml --frobnicate

run "bad --seed" 2 run good.yaml --seed abc
contains "bad --seed" "$ERR" "abc"
run "negative --seed" 2 run good.yaml --seed -5

run "--set without =" 2 validate good.yaml --set bogus
contains "--set without =" "$ERR" "expected KEY=VALUE"

run "--set unknown item" 2 validate good.yaml --set components.nosuch.workers=2
contains "--set unknown item" "$ERR" "'nosuch' is not in the scenario"

run "--set misspelt key" 2 validate good.yaml --set components.station.workrs=2
contains "--set misspelt key" "$ERR" "--set components.station.workrs:1:1: unknown key 'workrs'"
contains "--set misspelt key" "$ERR" "did you mean 'workers'?"

run "--set good" 0 validate good.yaml --set components.station.workers=8 --set duration=2m \
    --set components.station.queue_limit=100
empty "--set good" "$OUT"
empty "--set good" "$ERR"

run "--duration bad" 2 run good.yaml --duration 5 -o x.h5
contains "--duration bad" "$ERR" "expected a duration"
if [ -e x.h5 ]; then fail "--duration bad: x.h5 was created"; else pass; fi

# ---- bad scenarios: exit 2, located messages ---------------------------------------------

sed 's/workers: 4/workres: 4/' good.yaml >misspelt.yaml
run "misspelt key" 2 validate misspelt.yaml
contains "misspelt key" "$ERR" "misspelt.yaml:10:5: unknown key 'workres' in service 'station'"
contains "misspelt key" "$ERR" "(did you mean 'workers'?)"
empty "misspelt key" "$OUT"

sed 's/^duration:/duraton:/' good.yaml >misspelt-top.yaml
run "misspelt required key" 2 validate misspelt-top.yaml
contains "misspelt required key" "$ERR" "misspelt-top.yaml:2:1:"
contains "misspelt required key" "$ERR" "did you mean 'duration'?"

sed 's/target: station/target: statoin/' good.yaml >target.yaml
run "unknown target" 2 validate target.yaml
contains "unknown target" "$ERR" "target.yaml:5:13: unknown component 'statoin' (did you mean 'station'?)"

sed 's/mean: 40ms/mean: 40/' good.yaml >unit.yaml
run "bad unit" 2 run unit.yaml -o unit.h5
contains "bad unit" "$ERR" "unit.yaml:11:45: 'mean': expected a duration with a unit"
if [ -e unit.h5 ]; then fail "bad unit: unit.h5 was created"; else pass; fi

sed 's/type: service/type: servce/' good.yaml >type.yaml
run "unknown type" 2 validate type.yaml
contains "unknown type" "$ERR" "type.yaml:9:11: unknown component type 'servce'"

# Binary data, including NUL bytes and invalid UTF-8 (fixed bytes: reproducible).
printf 'name: x\000\001\002\003\377\376\375duration: 1h\n\000\000\200\201' >garbage.yaml
printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000\003\000>\000' >>garbage.yaml
run "binary file" 2 validate garbage.yaml
contains "binary file" "$ERR" "garbage.yaml:1:1:"
contains "binary file" "$ERR" "binary data"

printf '{{{{' >braces.yaml
run "not YAML" 2 validate braces.yaml
contains "not YAML" "$ERR" "braces.yaml:"
contains "not YAML" "$ERR" "invalid YAML"

printf 'name: t\nduration: 1h\nworkloads:\n  - {name: u, target: s, arrival: {rate: 1/s}\ncomponents: []\n' >unclosed.yaml
run "unclosed bracket" 2 validate unclosed.yaml
contains "unclosed bracket" "$ERR" "starts at line 4, column 5"

printf '' >empty.yaml
run "empty file" 2 validate empty.yaml
contains "empty file" "$ERR" "empty.yaml:1:1: the file is empty"

printf -- '- a\n- b\n' >list.yaml
run "a list" 2 validate list.yaml
contains "a list" "$ERR" "list.yaml:1:1: a scenario must be a map"

printf 'name: &a t\ndescription: *a\nduration: 1h\n' >alias.yaml
run "alias" 2 validate alias.yaml
contains "alias" "$ERR" "alias.yaml:2:14: YAML aliases"

mkdir unreadable.yaml
run "a directory" 2 validate unreadable.yaml
contains "a directory" "$ERR" "unreadable.yaml"

# ---- every shipped scenario validates; stderr holds nothing but warnings --------------------
# (tests/cli_warnings.sh checks what they say)

count=0
while IFS= read -r -d '' f; do
    count=$((count + 1))
    run "validate ${f#"$SRC"/}" 0 validate "$f"
    empty "validate ${f#"$SRC"/}" "$OUT"
    if grep -qv '^cirrus: [^ ]*:[0-9]*:[0-9]*: warning: ' "$ERR"; then
        fail "validate ${f#"$SRC"/}: stderr holds more than warnings"
    else pass; fi
done < <(find "$SRC/scenarios" -name '*.yaml' -print0 | sort -z)
if [ "$count" -ge 1 ]; then pass; else fail "no scenarios found under $SRC/scenarios"; fi

# ---- runs ----------------------------------------------------------------------------------

MM4=$SRC/scenarios/validation/mm4.yaml
# mm4 has a 5-minute warm-up: a 2-minute run must shorten it too, and says so.
run "duration below warmup" 2 run "$MM4" --duration 2m -o short.h5 --quiet
contains "duration below warmup" "$ERR" "'warmup' (5m) must be shorter than 'duration' (2m)"
if [ -e short.h5 ]; then fail "duration below warmup: short.h5 was created"; else pass; fi

run "short run" 0 run "$MM4" --duration 2m --set warmup=10s -o out.h5 --quiet
empty "short run (quiet)" "$OUT"
# --quiet keeps warnings: mm4's clients wait with no timeout on an unbounded queue.
contains "short run (quiet)" "$ERR" "mm4.yaml:11:11: warning: workload 'users' calls service 'station' synchronously"
if [ "$(wc -l <"$ERR")" -eq 1 ]; then pass; else fail "short run (quiet): more than the one warning"; fi
if [ -s out.h5 ]; then pass; else fail "short run: out.h5 missing or empty"; fi
if command -v h5ls >/dev/null 2>&1; then
    if h5ls -r out.h5 2>/dev/null | grep -q 'station'; then pass; else fail "short run: out.h5 has no station series"; fi
fi
# plot writes PNG or SVG: another extension is refused, not written as PNG bytes.
run "plot -o x.jpg" 2 plot out.h5 -o x.jpg
contains "plot -o x.jpg" "$ERR" "cirrus plot: -o 'x.jpg': cirrus plot writes PNG (.png) or SVG (.svg), not .jpg"
if [ -e x.jpg ]; then fail "plot -o x.jpg: x.jpg written"; else pass; fi

# Summary columns stay aligned past 26-character metric names: a call
# target's long name makes CallLatency.<name> 48 characters wide.
cat >long.yaml <<'YAML'
name: long
duration: 30s
workloads:
  - {name: users, target: api, arrival: {rate: 20/s}, client: {timeout: 1s}}
components:
  - {name: api, type: service, workers: 2, queue_limit: 10, service_time: 1ms,
     calls: [{target: a-dependency-with-a-long-name}]}
  - {name: a-dependency-with-a-long-name, type: service, workers: 2, queue_limit: 10, service_time: 1ms}
YAML
run "long names" 0 run long.yaml -o long.h5
# Every count's number ends in the same column (the value column is right-aligned).
ends=$(grep -E '^  [A-Za-z.-]+ +[0-9]+$' "$OUT" | awk '{ print length($0) }' | sort -u | wc -l)
widest=$(grep -E '^  CallLatency.a-dependency-with-a-long-name ' "$OUT" | head -1)
if [ "$ends" -eq 1 ] && [ -n "$widest" ]; then pass; else fail "long names: count columns end at $ends places"; fi

leftover=$(find . -name '*.tmp-*' | head -1)
if [ -z "$leftover" ]; then pass; else fail "short run: left $leftover behind"; fi

# Output into a directory that does not exist: exit 1, the path named, nothing created.
run "output dir missing" 1 run "$MM4" --duration 2m --set warmup=10s -o "$WORK/nodir/out.h5" --quiet
contains "output dir missing" "$ERR" "$WORK/nodir/out.h5"
if [ -e "$WORK/nodir" ]; then fail "output dir missing: nodir was created"; else pass; fi
leftover=$(find . -name '*.tmp-*' | head -1)
if [ -z "$leftover" ]; then pass; else fail "output dir missing: left $leftover behind"; fi

# Summary JSON on stdout: only JSON there, and valid.
run "summary json" 0 run "$MM4" --duration 2m --set warmup=10s -o json.h5 --summary-json -
if [ "$(head -c 1 "$OUT")" = "{" ]; then pass; else fail "summary json: stdout does not start with '{'"; fi
if python3 -m json.tool "$OUT" >/dev/null 2>"$WORK/json-error"; then pass; else
    fail "summary json: not valid JSON ($(cat "$WORK/json-error"))"
fi
contains "summary json" "$OUT" "\"station\""

# Summary JSON to a file.
run "summary json file" 0 run "$MM4" --duration 2m --set warmup=10s -o json2.h5 --quiet --summary-json s.json
if python3 -m json.tool s.json >/dev/null 2>&1; then pass; else fail "summary json file: s.json not valid JSON"; fi

# Seeds: a valid one runs; the same seed gives the same summary.
run "seed 1" 0 run good.yaml --seed 9 -o a.h5 --summary-json a.json --quiet
run "seed 2" 0 run good.yaml --seed 9 -o b.h5 --summary-json b.json --quiet
# The wall-clock time differs between runs; everything else must not.
strip_wall() { sed 's/"wall_s":[-+0-9.eE]*,\{0,1\}//' "$1"; }
if [ -s a.json ] && [ -s b.json ] && grep -q '"seed":9' a.json &&
    diff <(strip_wall a.json) <(strip_wall b.json) >/dev/null; then pass; else
    fail "same seed: summaries missing or different"
fi

cli_finish
