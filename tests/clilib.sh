# cirrus — what the command-line tests (tests/cli_*.sh) share.  Sourced,
# not run (its name does not match cli_*.sh, so ctest does not run it).
#
# cli_setup NAME "$@": takes the test's arguments (the cirrus binary and
# the source directory, made absolute in CIRRUS and SRC), makes a scratch
# directory WORK (removed on exit) and enters it.  Then:
#   run WHAT STATUS ARGS...      run cirrus ARGS, expect exit STATUS; its
#                                output is in $OUT and $ERR, its status in
#                                $status
#   contains WHAT FILE TEXT      FILE holds the fixed string TEXT
#   not_contains WHAT FILE TEXT  it does not (case-sensitive)
#   pass / fail WHAT             count a check by hand
#   cli_finish                   print the tally; the exit status says
#                                whether all passed
#   cli_base_scenario FILE NAME  write the small valid scenario the error
#                                cases are edits of (an M/M/4 station: line
#                                10 is `workers`, line 11 `service_time`)

cli_setup() {
    local name=$1
    shift
    CIRRUS=${1:?usage: $name CIRRUS_BINARY SOURCE_DIR}
    SRC=${2:?usage: $name CIRRUS_BINARY SOURCE_DIR}
    case $CIRRUS in /*) ;; *) CIRRUS=$PWD/$CIRRUS ;; esac
    case $SRC in /*) ;; *) SRC=$PWD/$SRC ;; esac
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/cirrus-$name-XXXXXX") || exit 1
    trap 'rm -rf "$WORK"' EXIT
    cd "$WORK" || exit 1
    CLI_NAME=$name
    passed=0
    failed=0
    status=0
    OUT=$WORK/stdout
    ERR=$WORK/stderr
}

pass() { passed=$((passed + 1)); }

fail() {
    failed=$((failed + 1))
    echo "FAIL: $1"
    if [ -s "$OUT" ]; then echo "  stdout: $(head -c 600 "$OUT")"; fi
    if [ -s "$ERR" ]; then echo "  stderr: $(head -c 600 "$ERR")"; fi
}

run() {
    local what=$1 want=$2
    shift 2
    "$CIRRUS" "$@" >"$OUT" 2>"$ERR"
    status=$?
    if [ "$status" -eq "$want" ]; then pass; else fail "$what: exit $status, wanted $want"; fi
}

contains() {
    if grep -qF -- "$3" "$2"; then pass; else fail "$1: no '$3' in $(basename "$2")"; fi
}

not_contains() {
    if grep -qF -- "$3" "$2"; then fail "$1: unexpected '$3' in $(basename "$2")"; else pass; fi
}

cli_finish() {
    echo "$CLI_NAME: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

cli_base_scenario() {
    cat >"$1" <<EOF
name: $2
duration: 1m
workloads:
  - name: users
    target: station
    arrival: {process: poisson, rate: 50/s}
components:
  - name: station
    type: service
    workers: 4
    service_time: {dist: exponential, mean: 40ms}
EOF
}
