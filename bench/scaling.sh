#!/usr/bin/env bash
# cirrus's parallel paths, timed: `cirrus run --replications R -j J`,
# `cirrus sweep -j J`, and the sweep under `mpirun -np N` (issue 22).
# Prints each configuration's wall time (the best of --repeat), its
# speed-up over the same command with one thread or one process, the
# efficiency (speed-up / threads or ranks) and whether its HDF5 file is
# the reference's (h5diff, the wall_s attributes aside: -j and MPI must
# not change results).  A benchmark, not a test (not in ctest): on a
# machine shared with other work the figures say little, so the load
# average is printed before and after; take figures on a quiet machine.
#
#   bash bench/scaling.sh [--cirrus build/cirrus] [--scenario FILE]
#        [--duration 12h] [--replications 8] [--jobs "1 2"]
#        [--sweep KEY=V1,V2,...] [--ranks "2 4"] [--no-mpi] [--repeat 3]
#        [--work DIR]
#
#   --scenario     default scenarios/validation/mm4.yaml (M/M/4, 80/s)
#   --duration     simulated time of each run (--set duration=...)
#   --replications R per run / per sweep point (a multiple of the ranks
#                  and threads spreads the work evenly)
#   --jobs         the -j values; the first is the baseline (1)
#   --sweep        the sweep's --set (default, for mm4:
#                  components.station.workers=4,5,6,8); "" skips sweeps
#   --ranks        the mpirun -np values; ranks beyond the cores are
#                  started with --oversubscribe.  Skipped, with a note,
#                  without mpirun or with a cirrus built without MPI.
#   --repeat N     runs of each configuration; the fastest counts
#   --work DIR     keep the HDF5 files there (default: a temporary folder)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
CIRRUS=$ROOT/build/cirrus
SCENARIO=$ROOT/scenarios/validation/mm4.yaml
DURATION=12h
REPS=8
JOBS="1 2"
SWEEP_SET=components.station.workers=4,5,6,8
RANKS="2 4"
MPI=1
REPEAT=3
WORK=
while [ $# -gt 0 ]; do
    case $1 in
    --cirrus) CIRRUS=$2; shift ;;
    --scenario) SCENARIO=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --replications) REPS=$2; shift ;;
    --jobs) JOBS=$2; shift ;;
    --sweep) SWEEP_SET=$2; shift ;;
    --ranks) RANKS=$2; shift ;;
    --no-mpi) MPI=0 ;;
    --repeat) REPEAT=$2; shift ;;
    --work) WORK=$2; shift ;;
    *) echo "scaling.sh: unknown option '$1' (see the header of $0)" >&2; exit 2 ;;
    esac
    shift
done
case $CIRRUS in /*) ;; *) CIRRUS=$PWD/$CIRRUS ;; esac
case $SCENARIO in /*) ;; *) SCENARIO=$PWD/$SCENARIO ;; esac
if [ -z "$WORK" ]; then
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/cirrus-scaling-XXXXXX") || exit 1
    trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK" && cd "$WORK" || exit 1

load() { cut -d' ' -f1-3 /proc/loadavg; }
CORES=$(nproc)
echo "cirrus scaling: $(basename "$SCENARIO"), duration $DURATION, $REPS replications, best of $REPEAT;" \
     "$CORES cores, load average $(load)"

# timed OUT.h5 COMMAND...: the best wall time of REPEAT runs in BEST (s);
# the command writes OUT.h5.  A failed run stops the script: a figure of a
# run that did not finish would mislead.
timed() {
    local out=$1 t0 t
    shift
    BEST=
    for ((i = 0; i < REPEAT; i++)); do
        rm -f "$out"
        t0=$EPOCHREALTIME
        if ! "$@" >"$WORK/last.out" 2>"$WORK/last.err"; then
            echo "scaling.sh: failed: $*" >&2
            cat "$WORK/last.err" >&2
            exit 1
        fi
        t=$(echo "$EPOCHREALTIME - $t0" | bc)
        if [ -z "$BEST" ] || [ "$(echo "$t < $BEST" | bc)" = 1 ]; then BEST=$t; fi
    done
}

# Datasets equal and every attribute but the measured wall_s (a sweep's
# points carry their own attributes, excluded likewise).
same() {
    local excl=(--exclude-attribute /) p
    for ((p = 0; p < ${2:-0}; p++)); do excl+=(--exclude-attribute "/points/$p"); done
    if h5diff "${excl[@]}" "$1" "$3" >/dev/null 2>&1; then echo yes; else echo "NO"; fi
}

# row LABEL WIDTH BASE_S REF.h5 OUT.h5 [POINTS]: one line of the table.
row() {
    local label=$1 n=$2 base=$3 ref=$4 out=$5 points=${6:-0} speedup eff same_out
    speedup=$(echo "scale=4; $base / $BEST" | bc)
    eff=$(echo "scale=4; 100 * $speedup / $n" | bc)
    if [ "$ref" = "$out" ]; then same_out="(reference)"; else same_out=$(same "$ref" "$points" "$out"); fi
    printf "  %-44s %8.2f %8.2f %9.0f%%  %s\n" "$label" "$BEST" "$speedup" "$eff" "$same_out"
}
header() { printf "  %-44s %8s %8s %10s  %s\n" "$1" "wall s" "speed-up" "efficiency" "same file"; }

# by_jobs NAME POINTS COMMAND...: COMMAND -j J -o NAME-jJ.h5 for each J;
# the first J's time and file (BASE, REF) are the reference.
by_jobs() {
    local name=$1 points=$2 j
    shift 2
    BASE=
    for j in $JOBS; do
        timed "$name-j$j.h5" "$@" -j "$j" -o "$name-j$j.h5"
        [ -z "$BASE" ] && { BASE=$BEST; REF=$name-j$j.h5; }
        row "-j $j" "$j" "$BASE" "$REF" "$name-j$j.h5" "$points"
    done
}

header "cirrus run --replications $REPS"
by_jobs run 0 "$CIRRUS" run "$SCENARIO" --set duration="$DURATION" --replications "$REPS" -q

[ -z "$SWEEP_SET" ] && { echo "load average $(load)"; exit 0; }
POINTS=$(($(echo "${SWEEP_SET#*=}" | tr -cd , | wc -c) + 1))
SWEEP=(sweep "$SCENARIO" --set duration="$DURATION" --set "$SWEEP_SET" --replications "$REPS" -q)
header "cirrus sweep ($POINTS points x $REPS)"
by_jobs sweep "$POINTS" "$CIRRUS" "${SWEEP[@]}"

MPIRUN=$(command -v mpirun)
if [ "$MPI" = 0 ]; then
    :
elif [ -z "$MPIRUN" ]; then
    echo "  (mpirun not found: no MPI figures)"
else
    # Open MPI refuses root without these; ranks beyond the cores need
    # --oversubscribe (and then share them: efficiency falls accordingly).
    MPI_ARGS=()
    [ "$(id -u)" = 0 ] && MPI_ARGS+=(--allow-run-as-root)
    # A cirrus without MPI says so under mpirun (and exits 2).
    if ! "$MPIRUN" "${MPI_ARGS[@]}" --oversubscribe -np 2 "$CIRRUS" sweep "$SCENARIO" --set duration=1s \
         --set "$SWEEP_SET" -q -o probe.h5 2>&1 | grep -q "built without MPI"; then
        header "mpirun -np N cirrus sweep (-j 1 each)"
        for n in $RANKS; do
            extra=()
            [ "$n" -gt "$CORES" ] && extra=(--oversubscribe)
            timed "mpi-$n.h5" "$MPIRUN" "${MPI_ARGS[@]}" "${extra[@]}" -np "$n" "$CIRRUS" "${SWEEP[@]}" -j 1 -o "mpi-$n.h5"
            row "-np $n${extra:+ --oversubscribe}" "$n" "$BASE" "$REF" "mpi-$n.h5" "$POINTS"
        done
        echo "  (speed-up over the one-process sweep -j 1 above; mpirun's start is included)"
    else
        echo "  ($CIRRUS was built without MPI: no MPI figures; see docs/performance.md, MPI)"
    fi
fi
echo "load average $(load)"
