#!/usr/bin/env bash
# The one test command: installs what is needed (Debian 12 packages), builds with warnings as errors, starts a
# real local Patroni cluster, runs every test (unit, golden, promtool lint, integration) with ctest, and stops
# the cluster again, whatever happened. Idempotent; run as root on Debian 12.
#
#   scripts/test.sh                 everything
#   scripts/test.sh -L unit         only the unit tier (no cluster is started); any ctest arguments pass through
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build -DPATRONI_EXPORTER_WERROR=ON
cmake --build build -j"$(nproc)"

# A lab of its own, apart from the demo's, so a running demo is neither reused nor torn down.
export LAB_DIR=${TEST_LAB_DIR:-/tmp/patroni-exporter-test-lab}
needs_lab=1
if [ "$#" -gt 0 ] && [ "$*" = "-L unit" ]; then needs_lab=0; fi
if [ "$needs_lab" = 1 ]; then
  trap 'scripts/lab.sh down' EXIT
  scripts/lab.sh up
fi
ctest --test-dir build --output-on-failure "$@"
