#!/usr/bin/env bash
# Runs the benchmarks (never part of the test run): builds, starts a lab of its own, measures, stops the lab.
# Figures go to docs/performance.md by hand, with the date and machine.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build
cmake --build build -j"$(nproc)" --target patroni_exporter
export LAB_DIR=${BENCH_LAB_DIR:-/tmp/patroni-exporter-bench-lab}
trap 'scripts/lab.sh down' EXIT
scripts/lab.sh up
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F)"
/usr/bin/python3 bench/node_latency.py
