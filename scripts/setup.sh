#!/usr/bin/env bash
# cirrus — set up a fresh Debian machine: install what is missing, build,
# and run the flagship scenario.  Usage: scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
cirrus_install_deps
cirrus_build build
echo
echo "== running scenarios/flagship.yaml =="
mkdir -p out
./build/cirrus run scenarios/flagship.yaml -o out/flagship.h5 --summary-json out/flagship.json --plot out
./build/cirrus report out/flagship.h5 -o out/flagship.html
echo
echo "Done. The binary is build/cirrus; the run's series are in out/flagship.h5,"
echo "its summary in out/flagship.json, its dashboard in out/flagship.png, and a"
echo "report that explains it in out/flagship.html (open it in a browser)."
echo "Next: docs/getting-started.md"
