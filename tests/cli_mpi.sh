#!/usr/bin/env bash
# `cirrus sweep` under mpirun (docs/performance.md, "Sweeps across machines
# (MPI)"): the file the same as the one-process run's (h5diff) with 1, 2
# and 3 ranks, with more ranks than runs and with -j; each rank running
# its own share (two scenarios, one per rank); on an error, one message
# and every rank's exit status the same.  Skipped (exit 77) when cirrus
# was built without MPI; ctest passes CIRRUS_HAVE_MPI and CIRRUS_MPIEXEC.
#
# Usage: bash tests/cli_mpi.sh /path/to/cirrus /path/to/source
set -u
source "$(dirname "$0")/clilib.sh"
cli_setup mpi "$@"
MPIRUN=${CIRRUS_MPIEXEC:-$(command -v mpirun)}
MM4="$SRC/scenarios/validation/mm4.yaml"
# In the ASan build: Open MPI's own leaks suppressed, nothing of cirrus's
# (see the file); no effect on other builds.
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$SRC/tests/lsan-mpi.supp:fast_unwind_on_malloc=0:print_suppressions=0"
# Open MPI refuses root without these; CI runs as root on 2 cores.
mpi_run() {
    local what=$1 want=$2
    shift 2
    "$MPIRUN" --allow-run-as-root --oversubscribe "$@" >"$OUT" 2>"$ERR"
    status=$?
    if [ "$status" -eq "$want" ]; then pass; else fail "$what: exit $status, wanted $want"; fi
}
# Every dataset equal (the copied point files carry their own attributes:
# exclude them all), then every attribute but wall_s.
same_file() {
    local what=$1 a=$2 b=$3 n=$4 excl=(--exclude-attribute /)
    for ((p = 0; p < n; p++)); do excl+=(--exclude-attribute /points/$p); done
    if h5diff "${excl[@]}" "$a" "$b" >/dev/null; then pass; else fail "$what: datasets differ"; fi
    strip() { h5dump -A "$1" | sed 1d | sed '/ATTRIBUTE "wall_s"/,/^ *}/d'; }
    if diff <(strip "$a") <(strip "$b") >/dev/null; then pass; else fail "$what: attributes differ"; fi
}
# The summary table but the wall time and the file's name.
same_table() {
    norm() { sed -e 's/, [0-9.]* s of wall time$//' -e '/^sweep written to /d' "$1"; }
    if [ -s "$2" ] && diff <(norm "$2") <(norm "$3") >/dev/null; then pass; else fail "$1: summary tables differ"; fi
}
once() {
    local n
    n=$(grep -c '^cirrus' "$ERR")
    if [ "$n" -eq 1 ]; then pass; else fail "$1: $n messages, wanted 1"; fi
}

# Built without MPI: under mpirun it refuses (rather than each rank
# running the whole sweep into the same file), then the rest is skipped.
if [ "${CIRRUS_HAVE_MPI:-}" = OFF ]; then
    if [ -n "$MPIRUN" ]; then
        mpi_run "no MPI" 2 -np 2 "$CIRRUS" sweep "$MM4" --set components.station.workers=4 -o no.h5
        contains "no MPI" "$ERR" "this cirrus was built without MPI"
        once "no MPI"
    fi
    cli_finish || exit 1
    echo "SKIP: cirrus was built without MPI (CIRRUS_MPI)"
    exit 77
fi

SWEEP=(sweep "$MM4" --set components.station.workers=4,8 --set duration=6m --replications 3)
run "one process" 0 "${SWEEP[@]}" -o s.h5
cp "$OUT" s.out
mpi_run "2 ranks" 0 -np 2 "$CIRRUS" "${SWEEP[@]}" -o m2.h5
same_file "2 ranks" s.h5 m2.h5 2
same_table "2 ranks" s.out "$OUT"
contains "2 ranks" "$OUT" "sweep written to m2.h5"
# 6 runs over 3 ranks, two threads each; 1 rank: as without mpirun.
mpi_run "3 ranks -j 2" 0 -np 3 "$CIRRUS" "${SWEEP[@]}" -j 2 -o m3.h5 -q
same_file "3 ranks -j 2" s.h5 m3.h5 2
if [ -s "$OUT" ]; then fail "3 ranks -q: printed"; else pass; fi
mpi_run "1 rank" 0 -np 1 "$CIRRUS" "${SWEEP[@]}" -o m1.h5
same_file "1 rank" s.h5 m1.h5 2
same_table "1 rank" s.out "$OUT"

# Fewer runs than ranks: 1 x 1 on 3 ranks, 2 x 2 on 3.
ONE=(sweep "$MM4" --set components.station.workers=5 --set duration=6m)
run "1 x 1" 0 "${ONE[@]}" -o s1.h5 -q
mpi_run "1 x 1, 3 ranks" 0 -np 3 "$CIRRUS" "${ONE[@]}" -o m1x1.h5
same_file "1 x 1, 3 ranks" s1.h5 m1x1.h5 1
contains "1 x 1, 3 ranks" "$OUT" "1 point x 1 replication"

# Each rank runs its own share and rank 0 writes what it was sent: with
# rank 1 given a scenario with another seed, replication 1 of the 2
# (round robin: rank 1's) is that seed's and replication 0 is not.
cli_base_scenario a.yaml shares
{ cat a.yaml; echo "seed: 7"; } >b.yaml
SHARE=(--set components.station.workers=4 --replications 2 -q)
run "seed 1" 0 sweep a.yaml "${SHARE[@]}" -o sa.h5
run "seed 7" 0 sweep b.yaml "${SHARE[@]}" -o sb.h5
mpi_run "one scenario per rank" 0 -np 1 "$CIRRUS" sweep a.yaml "${SHARE[@]}" -o ab.h5 \
    : -np 1 "$CIRRUS" sweep b.yaml "${SHARE[@]}" -o ab.h5
rep() { h5diff "$1" "$2" /points/0/replications/$3 >/dev/null; }
if rep ab.h5 sa.h5 0 && rep ab.h5 sb.h5 1; then pass; else fail "rank 1's replication is not the one it ran"; fi
if rep sa.h5 sb.h5 1; then fail "the seeds do not differ"; else pass; fi

# Errors: one message, every rank's status (mpirun's: the first non-zero).
mpi_run "bad key" 2 -np 2 "$CIRRUS" sweep "$MM4" --set components.station.workerz=4,8 -o bad.h5
contains "bad key" "$ERR" "unknown key 'workerz' in service 'station' (did you mean 'workers'?)"
once "bad key"
if [ -e bad.h5 ]; then fail "bad key: left a file"; else pass; fi
mpi_run "rank 1's scenario missing" 2 -np 1 "$CIRRUS" sweep a.yaml "${SHARE[@]}" -o no.h5 \
    : -np 1 "$CIRRUS" sweep missing.yaml "${SHARE[@]}" -o no.h5
contains "rank 1's scenario missing" "$ERR" "missing.yaml"
once "rank 1's scenario missing"
mpi_run "ranks disagree" 2 -np 1 "$CIRRUS" sweep a.yaml "${SHARE[@]}" -o no.h5 \
    : -np 1 "$CIRRUS" sweep a.yaml --set components.station.workers=4,5,6 -o no.h5
contains "ranks disagree" "$ERR" "start every rank with the same sweep"
once "ranks disagree"
mpi_run "output fails" 1 -np 2 "$CIRRUS" sweep a.yaml "${SHARE[@]}" -o nodir/x.h5
once "output fails"
mpi_run "run refused" 2 -np 2 "$CIRRUS" run a.yaml -o r.h5
contains "run refused" "$ERR" "only 'cirrus sweep' spreads its runs over them"
once "run refused"
cli_finish
