#!/usr/bin/env bash
# cirrus beside its peers on the M/M/100 model of issue 22 (λ 9,000/s, 100
# servers, exponential 10 ms): simulated requests per wall-clock second of
# each simulation loop, and cirrus's ratio to each.  A benchmark, not a
# test (not in ctest): figures depend on the machine and its load, so run
# it on a quiet machine, more than once (--repeat keeps the best).
#
#   bash bench/peers/run.sh [--cirrus build/cirrus] [--duration 300]
#        [--simpy-duration 20] [--repeat 3] [--cimba-src PATH.tar.xz]
#        [--no-pgo] [--work DIR]
#
# Peers (each skipped, with a note, when it cannot be built):
#   SimPy   Debian's python3-simpy (SimPy 2.3), run by /usr/bin/python3
#   ns-3    Debian's libns3-dev, core only: heap, map and calendar schedulers
#   Cimba   3.0 from source (../shared/peers/cimba-src.tar.xz by default;
#           meson, ninja, nasm): a plain release build, and its documented
#           fastest, profile-guided (-Dbenchopt=generate, a training run of
#           this model, -Dbenchopt=use) with -march=native
# Each model is in this folder, written from the peer's own documentation.
# Every peer is built first; then they run in --repeat rounds, each once
# per round, and each peer's best round counts.  The mean response time
# (Erlang C: 10.22 ms) shows that all simulate the same thing.
# cirrus's figure is its loop alone (the summary JSON's wall_s), as the
# peers time theirs, with every metric recorded and HDF5 output on.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CIRRUS=$ROOT/build/cirrus
DURATION=300
SIMPY_DURATION=20
REPEAT=3
CIMBA_SRC=$(cd "$ROOT/.." && pwd)/shared/peers/cimba-src.tar.xz
PGO=1
WORK=
while [ $# -gt 0 ]; do
    case $1 in
    --cirrus) CIRRUS=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --simpy-duration) SIMPY_DURATION=$2; shift ;;
    --repeat) REPEAT=$2; shift ;;
    --cimba-src) CIMBA_SRC=$2; shift ;;
    --no-pgo) PGO=0 ;;
    --work) WORK=$2; shift ;;
    *) echo "usage: see the head of $0" >&2; exit 2 ;;
    esac
    shift
done
[ -n "$WORK" ] || WORK=$(mktemp -d /tmp/cirrus-peers-XXXXXX)
mkdir -p "$WORK"
echo "work directory: $WORK"

# The peers are built first, then run in rounds (each peer once per
# round, --repeat rounds), keeping each one's best: on a shared machine
# the load changes over minutes, and rounds spread it over all of them
# rather than on whoever ran during a busy minute.
declare -a NAMES=()
declare -A CMD=() RATE=() MEAN=()
note() { echo "  $*"; }
# add NAME CMD...: a peer to run; CMD prints "requests N wall S mean_ms M".
add() {
    local name=$1
    shift
    NAMES+=("$name")
    CMD[$name]=$(printf '%q ' "$@")
    RATE[$name]=0
    MEAN[$name]=-
}

# ---- cirrus ----
cat >"$WORK/mm100.yaml" <<YAML
name: peers-mm100
duration: ${DURATION}s
seed: 7
workloads:
  - {name: users, target: station, arrival: {process: poisson, rate: 9000/s}}
components:
  - {name: station, type: service, workers: 100,
     service_time: {dist: exponential, mean: 10ms}}
YAML
cirrus_once() {
    "$CIRRUS" run "$WORK/mm100.yaml" -q -o "$WORK/mm100.h5" --summary-json "$WORK/mm100.json" >/dev/null || return 1
    /usr/bin/python3 - "$WORK/mm100.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
m = j["components"]["station"]["metrics"]
print("requests %d wall %.6f mean_ms %.4f" % (m["Completed"]["sum"], j["wall_s"], m["Latency"]["latency_ms"]["mean"]))
PY
}
echo "cirrus ($CIRRUS, ${DURATION} s simulated):"
if [ -x "$CIRRUS" ]; then add cirrus cirrus_once; else note "cirrus: $CIRRUS not found, skipped"; fi

# ---- SimPy ----
echo "SimPy (${SIMPY_DURATION} s simulated):"
if /usr/bin/python3 -c 'import SimPy.Simulation' 2>/dev/null || /usr/bin/python3 -c 'import simpy' 2>/dev/null; then
    add simpy /usr/bin/python3 "$HERE/mm100_simpy.py" "$SIMPY_DURATION"
else
    note "SimPy: not installed (apt-get install python3-simpy), skipped"
fi

# ---- ns-3 ----
echo "ns-3 core (${DURATION} s simulated):"
if g++ -O2 -std=c++17 -o "$WORK/mm100_ns3" "$HERE/mm100_ns3.cc" -lns3-core 2>"$WORK/ns3-build.log"; then
    for s in heap map calendar; do add "ns-3 $s" "$WORK/mm100_ns3" "$DURATION" "$s"; done
else
    note "ns-3: could not build (apt-get install libns3-dev; see $WORK/ns3-build.log), skipped"
fi

# ---- Cimba ----
echo "Cimba (${DURATION} s simulated):"
# gcc 12 lacks C23's built-in bool and static_assert without these.
CIMBA_CARGS="-include assert.h -include stdbool.h"
cimba_build() {   # cimba_build DIR MESON-OPTIONS... : configure and build the library
    local dir=$1
    shift
    rm -rf "$dir"
    meson setup "$dir" "$WORK/cimba" --buildtype=release -Denable_docs=false -Denable_cuda_tutorials=false "$@" \
        >"$dir.log" 2>&1 && ninja -C "$dir" src/libcimba.so.3.0.0 >>"$dir.log" 2>&1
}
cimba_link() {    # cimba_link BUILDDIR OUT CFLAGS...: the model against that library
    local dir=$1 out=$2
    shift 2
    gcc "$@" $CIMBA_CARGS -I"$WORK/cimba/include" -I"$WORK/cimba/src" -o "$out" "$HERE/mm100_cimba.c" \
        -L"$dir/src" -Wl,-rpath,"$dir/src" -lcimba -lm -lpthread
}
if [ ! -f "$CIMBA_SRC" ]; then
    note "Cimba: no source at $CIMBA_SRC, skipped"
elif ! command -v meson >/dev/null || ! command -v nasm >/dev/null; then
    note "Cimba: needs meson, ninja and nasm (apt-get install meson nasm), skipped"
else
    rm -rf "$WORK/cimba" && mkdir -p "$WORK/cimba"
    tar -xf "$CIMBA_SRC" -C "$WORK/cimba" --strip-components=1
    if cimba_build "$WORK/cimba-release" -Dc_args="$CIMBA_CARGS" &&
        cimba_link "$WORK/cimba-release" "$WORK/mm100_cimba" -O2 -DNDEBUG; then
        add "Cimba release" "$WORK/mm100_cimba" "$DURATION"
    else
        note "Cimba: release build failed (see $WORK/cimba-release.log), skipped"
    fi
    if [ "$PGO" = 1 ]; then
        native="-march=native"
        # Cimba 3.0 RC1's benchopt builds define NASSERT, under which
        # src/cmb_logger.c's logger_assert_always uses a do_assert it left
        # undefined (the link fails); define it as its other asserts are
        # under NASSERT.
        fix='-Ddo_assert(x)=((void)sizeof(x))'
        if cimba_build "$WORK/cimba-pgo" -Dbenchopt=generate -Dc_args="$CIMBA_CARGS $native $fix" &&
            cimba_link "$WORK/cimba-pgo" "$WORK/mm100_cimba_train" -O3 $native -DNDEBUG -DNASSERT &&
            "$WORK/mm100_cimba_train" 60 >/dev/null &&
            meson configure "$WORK/cimba-pgo" -Dbenchopt=use >>"$WORK/cimba-pgo.log" 2>&1 &&
            ninja -C "$WORK/cimba-pgo" src/libcimba.so.3.0.0 >>"$WORK/cimba-pgo.log" 2>&1 &&
            cimba_link "$WORK/cimba-pgo" "$WORK/mm100_cimba_pgo" -O3 $native -DNDEBUG -DNASSERT; then
            add "Cimba PGO native" "$WORK/mm100_cimba_pgo" "$DURATION"
        else
            note "Cimba: profile-guided build failed (see $WORK/cimba-pgo.log), skipped"
        fi
    fi
fi

# ---- the rounds ----
for round in $(seq "$REPEAT"); do
    echo "round $round of $REPEAT"
    for n in "${NAMES[@]}"; do
        if ! out=$(eval "${CMD[$n]}" 2>/dev/null); then
            note "$n: run failed"
            continue
        fi
        r=$(echo "$out" | awk '/^requests/ { if ($4 > 0) printf "%.0f", $2 / $4 }')
        note "$n: $(echo "$out" | awk '/^requests/ { printf "%d requests, %.3f s, mean %s ms", $2, $4, $6 }')"
        if [ -n "$r" ] && [ "$r" -gt "${RATE[$n]}" ]; then
            RATE[$n]=$r
            MEAN[$n]=$(echo "$out" | awk '/^requests/ { print $6 }')
        fi
    done
done

# ---- summary ----
echo
printf "%-18s %14s %10s %12s\n" "simulator" "requests/s" "mean ms" "cirrus/peer"
c=${RATE[cirrus]:-0}
for n in "${NAMES[@]}"; do
    r=${RATE[$n]}
    ratio=$(awk -v c="$c" -v r="$r" 'BEGIN { if (c > 0 && r > 0) printf "%.2f", c / r; else print "-" }')
    printf "%-18s %14s %10s %12s\n" "$n" "$r" "${MEAN[$n]}" "$ratio"
done
