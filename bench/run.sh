#!/usr/bin/env bash
# bench/run.sh: the whole benchmark suite in one command; never part of the test run. Prints every figure that
# docs/performance.md quotes (the document says which section of this output each one comes from).
#
# Builds the exporter and the benchmark binaries in their own build directory (Release-with-debug-info,
# -DPATRONI_EXPORTER_BENCHMARKS=ON), boots a Patroni lab of its own (scripts/lab.sh), runs, in order:
#   bench/node_latency.py   overhead next to a real node, both views, beside direct calls and Patroni's /metrics
#   bench/fanout.py         500 members answering in 100 ms; 1000 members at once (fake fleet, one process)
#   bench/coalesce.py       50 concurrent scrapes: upstream requests per member per round
#   bench/memory.py         RSS next to a node (where it goes), serving 500 members, soak of 10,000 scrapes
#   bench/scale.py          CPU per member and per cluster: config file, /probe, one big cluster
#   bench/micro.py          Google Benchmark (micro_bench): parse, translate, serialize per member and per
#                           1000 series (beside the baseline's micro_bench when EXPORTER_BASELINE is set)
# and stops the lab on exit. Every process it starts is stopped by PID; all traffic stays on 127.0.0.1.
# Each script's output is shown as it comes and kept; at the end, every line starting with "target " (issue 18's
# targets, one criterion per line: "target N: <what> <value><unit> (...; target <= <limit><unit>); reference: ...")
# is printed again under "## summary: issue 18 targets", each marked met, missed or ? (bench/targets.py).
#
# Environment: BENCH_BUILD_DIR (build-bench), BENCH_LAB_DIR (/tmp/patroni-exporter-bench-lab),
#   BENCH_SKIP_DEPS=1 (do not run scripts/install-deps.sh), EXPORTER_BASELINE=path/to/patroni_exporter (another
#   build to measure beside this one in node_latency.py), BENCH_ONLY="node fanout coalesce memory scale micro",
#   BENCH_SAVE=1 (also write the whole output into bench/results/, a file named by the UTC date and time and
#   ending in -run.txt),
#   and each script's own knobs (BENCH_ROUNDS, BENCH_FANOUT_ROUNDS, BENCH_SOAK_SCRAPES, ...: see their headers).
# Needs root (the lab) and about 15 minutes on 2 cores; measure on an otherwise idle machine: every figure is
# also shown beside a reference measured in the same run, so ratios survive noise better than absolutes.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${BENCH_BUILD_DIR:-build-bench}
only=" ${BENCH_ONLY:-node fanout coalesce memory scale micro} "
want() { [[ $only == *" $1 "* ]]; }
if [[ ${BENCH_SAVE:-0} == 1 ]]; then
  saved=bench/results/$(date -u +%Y-%m-%dT%H%MZ)-run.txt
  exec > >(tee "$saved") 2>&1
fi
collected=$(mktemp)
cleanup() {
  rm -f "$collected"
  [[ -z ${lab_up:-} ]] || scripts/lab.sh down >/dev/null
}
trap cleanup EXIT
# One script, its output shown and kept for the summary (-u: lines appear as they are printed).
bench() { "$py" -u "$@" | tee -a "$collected"; }

[[ ${BENCH_SKIP_DEPS:-0} == 1 ]] || scripts/install-deps.sh
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPATRONI_EXPORTER_TESTS=OFF \
  -DPATRONI_EXPORTER_BENCHMARKS=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target patroni_exporter micro_bench fetch_bench rss_floor rss_floor_no_curl \
  rss_floor_no_curl_no_pq >/dev/null
export EXPORTER=$root/$build/patroni_exporter BENCH_BIN=$root/$build/bench
export LAB_DIR=${BENCH_LAB_DIR:-/tmp/patroni-exporter-bench-lab}
py=/usr/bin/python3

echo "# patroni_exporter benchmarks"
echo "date: $(date -u +%FT%TZ); revision: $(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(
  git diff --quiet HEAD -- 2>/dev/null || echo ' (with uncommitted changes)')"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(
  awk '/MemTotal/ {printf "%.1f GiB RAM", $2 / 1048576}' /proc/meminfo), kernel $(uname -r), $(
  . /etc/os-release && echo "$PRETTY_NAME")"
echo "libraries: $(dpkg-query -W -f='${Package} ${Version}; ' libcurl4 libcivetweb1 libprometheus-cpp-core1.0 \
  nlohmann-json3-dev libbenchmark1debian patroni 2>/dev/null)"
echo "build: $build ($(grep -m1 CMAKE_BUILD_TYPE: "$build/CMakeCache.txt" | cut -d= -f2)); load average at start: $(
  cut -d' ' -f1-3 /proc/loadavg)"

if want node || want memory; then
  lab_up=1
  scripts/lab.sh up >/dev/null
  echo "lab: $(. "$LAB_DIR/lab.env" && echo "$LAB_MEMBERS members, Patroni $(/usr/bin/patroni --version 2>/dev/null |
    awk '{print $2}'), PostgreSQL 15, REST $LAB_PATRONI_URLS")"
fi

want node && bench bench/node_latency.py
want fanout && bench bench/fanout.py
want coalesce && bench bench/coalesce.py
want memory && bench bench/memory.py
want scale && bench bench/scale.py
want micro && bench bench/micro.py
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
$py bench/targets.py <"$collected"
[[ -z ${saved:-} ]] || echo "output saved in $saved"
