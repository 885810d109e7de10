#!/usr/bin/env bash
# cirrus — build the libFuzzer harnesses (fuzz/) with clang in build-fuzz/ and
# run each in turn; a crash, sanitizer report, leak, timeout or out-of-memory
# fails the script (exit 1) and leaves the input in build-fuzz/artifacts/.
#
# Usage: scripts/fuzz.sh [SECONDS] [HARNESS...]
#   SECONDS   time per harness (default 60: the CI smoke run; the recorded
#             campaigns in docs/reliability.md used 1800)
#   HARNESS   scenario (load + build), units (the unit parsers), run (load
#             and run 2 simulated minutes); default: all three
# The corpus grows in build-fuzz/corpus/HARNESS, seeded from fuzz/seeds/ and,
# for the loader, every scenarios/**/*.yaml.  A finding: minimise it with
#   build-fuzz/fuzz_HARNESS -minimize_crash=1 -runs=10000 FILE
# fix it, and keep it as a seed in fuzz/seeds/HARNESS/ (replayed by every run)
# and as a case in the ctest suite (docs/reliability.md, "Findings").
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
harnesses=${*:-scenario units run}

source scripts/deps.sh
# clang and its runtime (libFuzzer) only for this script, not for setup.sh.
CIRRUS_PACKAGES="clang libclang-rt-dev" cirrus_install_deps
CC=clang cmake -S . -B build-fuzz -DCIRRUS_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=""
for h in $harnesses; do targets="$targets --target fuzz_$h"; done
cmake --build build-fuzz -j2 $targets >/dev/null

mkdir -p build-fuzz/artifacts
status=0
for h in $harnesses; do
  corpus=build-fuzz/corpus/$h
  mkdir -p "$corpus"
  seeds=$h
  [ "$h" = run ] && seeds=scenario   # the same inputs: scenario files
  cp -n fuzz/seeds/"$seeds"/* "$corpus"/
  if [ "$seeds" = scenario ]; then
    find scenarios -name '*.yaml' | while IFS= read -r f; do cp -n "$f" "$corpus/$(echo "$f" | tr / _)"; done
  fi
  echo "== fuzz_$h: ${seconds}s, corpus $(ls "$corpus" | wc -l) files =="
  # -timeout: a loader that takes 10 s over one input is a finding too.
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      nice -n 19 build-fuzz/fuzz_"$h" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -dict=fuzz/"$seeds".dict -artifact_prefix=build-fuzz/artifacts/"$h"- -print_final_stats=1 \
      "$corpus" 2>build-fuzz/fuzz_"$h".log; then
    echo "scripts/fuzz.sh: fuzz_$h FAILED; input in build-fuzz/artifacts/, log build-fuzz/fuzz_$h.log:" >&2
    grep -E 'ERROR|SUMMARY|==[0-9]+==|abort|Test unit written' build-fuzz/fuzz_"$h".log | head -20 >&2
    status=1
  fi
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)' build-fuzz/fuzz_"$h".log | sort -u || true
done
exit $status
