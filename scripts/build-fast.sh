#!/usr/bin/env bash
# cirrus — an optional faster build of the `cirrus` binary for long runs
# and sweeps on the machine that builds it: -march=native and
# profile-guided optimisation (gcc's -fprofile-generate, a training run,
# -fprofile-use).  A build directory of its own (build-fast/ by default);
# the default build, the tests and CI are untouched.
#
# Usage: scripts/build-fast.sh [--dir DIR] [--no-native] [--no-pgo] [--lto]
#                              [--no-check] [-j N]
#   --dir DIR     the build directory (default build-fast)
#   --no-native   no -march=native (a binary for any x86-64, PGO only)
#   --no-pgo      no profile: -march=native alone
#   --lto         also link-time optimisation (slow to link; issue 8
#                 measured -3.7% instructions per request)
#   --no-check    skip the check that results are those of the default build
#   -j N          parallel compile jobs (default 2)
#
# Results stay bit-identical to the default build's: -ffp-contract=off
# keeps a*b+c two rounded operations where -march=native offers FMA
# (gcc's default for -std=c11 is already off; said here so that no flag
# or compiler default can change it), and PGO and -march change the code's
# layout and instruction choice, not its floating-point operations.  The
# check runs tests/cli_regress.sh with the new binary: every scenario's
# summary JSON against the references stored from the default build.
#
# The training run: `cirrus bench --quick` (the hold model and the M/M/100)
# and a few minutes of the bench scenarios (compute tier, a sync call,
# Lambda, SQS, DynamoDB).  Functions the training does not reach keep
# the default build's optimisation (-fprofile-partial-training) instead of being
# optimised for size as cold code.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DIR=build-fast
NATIVE=1
PGO=1
LTO=OFF
CHECK=1
JOBS=2
while [ $# -gt 0 ]; do
  case $1 in
  --dir) DIR=$2; shift ;;
  --no-native) NATIVE=0 ;;
  --no-pgo) PGO=0 ;;
  --lto) LTO=ON ;;
  --no-check) CHECK=0 ;;
  -j) JOBS=$2; shift ;;
  *) echo "build-fast.sh: unknown option '$1' (see the header of $0)" >&2; exit 2 ;;
  esac
  shift
done
case $DIR in /*) ;; *) DIR=$ROOT/$DIR ;; esac

FLAGS="-ffp-contract=off"
[ "$NATIVE" = 1 ] && FLAGS="$FLAGS -march=native"

# configure STAGE_FLAGS: the same build type as the default build, so that
# the only differences are the flags above.
configure() {
  cmake -S "$ROOT" -B "$DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_FLAGS="$FLAGS $1" \
        -DCMAKE_INTERPROCEDURAL_OPTIMIZATION=$LTO >/dev/null
  cmake --build "$DIR" --target cirrus -j"$JOBS"
}

if [ "$PGO" = 1 ]; then
  echo "== stage 1: instrumented build ($FLAGS -fprofile-generate)"
  # Profiles of an earlier training would be merged into this one.
  find "$DIR" -name '*.gcda' -delete 2>/dev/null || true
  configure "-fprofile-generate"
  echo "== training run"
  TRAIN=$(mktemp -d "${TMPDIR:-/tmp}/cirrus-train-XXXXXX")
  trap 'rm -rf "$TRAIN"' EXIT
  (
    cd "$TRAIN"
    "$DIR/cirrus" bench --quick >/dev/null
    for s in web-tier-40:2m tandem-call:2m lambda-5k:1m sqs-20k:1m dynamodb-20k:1m; do
      "$DIR/cirrus" run "$ROOT/scenarios/bench/${s%%:*}.yaml" --duration "${s#*:}" -q -o train.h5
    done
  )
  echo "== stage 2: optimised build ($FLAGS -fprofile-use)"
  # -Wno-missing-profile: the tools the training does not run (plan,
  # report, ...) have no profile, which is expected.
  configure "-fprofile-use -fprofile-partial-training -fprofile-correction -Wno-missing-profile"
else
  echo "== build ($FLAGS)"
  configure ""
fi

if [ "$CHECK" = 1 ]; then
  echo "== results against the default build's references (tests/cli_regress.sh)"
  bash "$ROOT/tests/cli_regress.sh" "$DIR/cirrus" "$ROOT"
fi
echo "built $DIR/cirrus"
