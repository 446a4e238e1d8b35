#!/usr/bin/env bash
# bench/instructions.sh: instructions (valgrind's callgrind) that one micro_bench Scrape/N iteration spends in the
# exporter's pure layers: /patroni and /cluster parse, their translation, the merge and the serialization. Unlike a
# timing it is the same on every run and every machine load, so a change to those layers can be judged on a
# shared machine in one run each way. Not part of bench/run.sh (valgrind runs the benchmark about 50x slower).
#
#   bench/instructions.sh [BUILD_DIR] [N]     BUILD_DIR: a build with -DPATRONI_EXPORTER_BENCHMARKS=ON
#                                             (default build-bench); N: members (default 1000)
#
# Prints each layer's count and their sum. Under callgrind one Scrape/N iteration takes longer than Google
# Benchmark's minimum time, so exactly one iteration runs; what a run of no benchmark counts (micro_bench's own
# startup check calls the same functions) is subtracted. About 40 s.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
members=${2:-1000}
bench=$build/bench/micro_bench
[[ -x $bench ]] || { echo "instructions: no $bench (build with -DPATRONI_EXPORTER_BENCHMARKS=ON)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "instructions: valgrind is not installed" >&2; exit 2; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
count() {  # $1: function (callgrind toggle pattern), $2: benchmark filter
  valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect="patroni_exporter::$1*" "$bench" \
    --benchmark_filter="$2" --benchmark_min_time=0.001 >/dev/null 2>&1 || true
  callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); n = $1} END {print n ~ /^[0-9]+$/ ? n : 0}'
}
echo "binary: $bench"
echo "instructions of one Scrape/$members iteration:"
sum=0
for layer in ParseNodeStatus TranslateNodeStatus ParseCluster TranslateCluster MetricSet::Merge SerializeText; do
  n=$(($(count "$layer" "^Scrape/$members\$") - $(count "$layer" '^$')))
  sum=$((sum + n))
  printf '  %-20s %12d\n' "$layer" "$n"
done
printf '  %-20s %12d\n' "all of them" "$sum"
