#!/usr/bin/env bash
# cirrus — build and run the whole test suite through ctest.
# Usage: scripts/test.sh [--sanitize]
#   --sanitize   also build with AddressSanitizer + UBSan (build-asan/) and
#                run the suite there.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
cirrus_install_deps
cirrus_build build -DCIRRUS_WERROR=ON
(cd build && ctest --output-on-failure -j2)
if [ "${1:-}" = "--sanitize" ]; then
  cirrus_build build-asan -DCIRRUS_WERROR=ON -DCIRRUS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j2)
fi
