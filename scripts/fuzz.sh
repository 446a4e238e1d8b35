#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ with clang in build-fuzz/ and runs each for a set time.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 seconds, every target in targets.txt)
#
# Per target: a working corpus in build-fuzz/corpus/<target>/ (kept between runs, outside the repository; seeded
# from the fixture globs of tests/fuzz/targets.txt on first use), read-only seeds from tests/fuzz/seeds/<target>/
# and tests/fuzz/regressions/<target>/, the dictionary tests/fuzz/dict/<target>.dict when there is one, the
# log in build-fuzz/logs/<target>.log and any crash/leak/timeout input in build-fuzz/artifacts/<target>/.
# Prints per target: seconds, execs, exec/s, cov, ft, corpus size and the result. Exits 1 if any target found
# something (the reproducer's path is printed: `build-fuzz/fuzz_<target> <path>` replays it), 2 on misuse.
#
# Environment: FUZZ_BUILD_DIR (build-fuzz), FUZZ_CXX (clang++-14), FUZZ_JOBS (targets run at once: 1),
# FUZZ_BUILD_JOBS (2), FUZZ_NICE (19), FUZZ_RSS_LIMIT_MB (2048), FUZZ_TIMEOUT (per input, seconds: 10),
# FUZZ_EXTRA_ARGS (more libFuzzer flags), UBSAN_OPTIONS (halt_on_error=1:print_stacktrace=1).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
fuzz_dir=$root/tests/fuzz
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
cxx=${FUZZ_CXX:-clang++-14}
jobs=${FUZZ_JOBS:-1}
nice_level=${FUZZ_NICE:-19}

# UBSan only prints by default; make undefined behaviour a crash that libFuzzer keeps an input for.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

seconds=60
if [[ $# -gt 0 && $1 =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
declare -A globs=()
all=()
while read -r name rest; do
  [[ -z $name || $name == \#* ]] && continue
  all+=("$name")
  globs[$name]=$rest
done <"$fuzz_dir/targets.txt"
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${all[@]}")
for t in "${targets[@]}"; do
  if [[ -z ${globs[$t]+set} ]]; then
    echo "fuzz.sh: unknown target '$t' (known: ${all[*]})" >&2
    exit 2
  fi
done

echo "== building ${targets[*]} in $build with $cxx"
mkdir -p "$build"
nice -n "$nice_level" cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPATRONI_EXPORTER_TESTS=OFF -DPATRONI_EXPORTER_FUZZ=ON >"$build/cmake.log" 2>&1 ||
  { cat "$build/cmake.log" >&2; exit 2; }
# One build at a time in the directory (several fuzz.sh may share it); flock comes with util-linux.
flock "$build/.build.lock" nice -n "$nice_level" cmake --build "$build" -j "${FUZZ_BUILD_JOBS:-2}" \
  --target "${targets[@]/#/fuzz_}" >"$build/build.log" 2>&1 || { tail -50 "$build/build.log" >&2; exit 2; }
binary_dir() { dirname "$(find "$build" -name "fuzz_$1" -type f -perm -u+x | head -1)"; }
bin_dir=$(binary_dir "${targets[0]}")

run_one() {
  local t=$1 corpus=$build/corpus/$1 artifacts=$build/artifacts/$1/ log=$build/logs/$1.log
  mkdir -p "$corpus" "$artifacts" "$build/logs"
  # First use: the fixtures named in targets.txt (copies, so that the repository stays untouched).
  if [[ -z $(ls -A "$corpus") ]]; then
    local glob
    for glob in ${globs[$t]}; do
      # shellcheck disable=SC2086  # the glob must expand
      for f in $root/tests/testdata/$glob; do [[ -f $f ]] && cp "$f" "$corpus/"; done
    done
  fi
  local extra=()
  for d in "$fuzz_dir/seeds/$t" "$fuzz_dir/regressions/$t"; do [[ -d $d ]] && extra+=("$d"); done
  [[ -f $fuzz_dir/dict/$t.dict ]] && extra=(-dict="$fuzz_dir/dict/$t.dict" "${extra[@]}")
  local rc=0 start=$SECONDS
  # shellcheck disable=SC2086  # FUZZ_EXTRA_ARGS is a list of flags
  nice -n "$nice_level" "$bin_dir/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb="${FUZZ_RSS_LIMIT_MB:-2048}" \
    -timeout="${FUZZ_TIMEOUT:-10}" -print_final_stats=1 -artifact_prefix="$artifacts" ${FUZZ_EXTRA_ARGS:-} \
    "$corpus" "${extra[@]}" >"$log" 2>&1 || rc=$?
  local execs rate cov ft result elapsed=$((SECONDS - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  if [[ $rc -eq 0 ]]; then
    result=ok
  else
    result="FAILED rc=$rc: $(grep -o 'Test unit written to .*' "$log" | tail -1 | sed 's/Test unit written to //')"
  fi
  printf '%-15s %6ss %12s %8s %6s %6s %7s  %s\n' "$t" "$elapsed" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
    "$(find "$corpus" -type f | wc -l)" "$result" >"$build/logs/$t.summary"
  [[ $rc -eq 0 ]]
}

echo "== running ${#targets[@]} target(s), ${seconds}s each, $jobs at a time, nice $nice_level ($(date -u +%FT%TZ))"
failed=0
running=0
for t in "${targets[@]}"; do
  if [[ $running -ge $jobs ]]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
  run_one "$t" &
  running=$((running + 1))
done
while [[ $running -gt 0 ]]; do
  wait -n || failed=1
  running=$((running - 1))
done

printf '%-15s %7s %12s %8s %6s %6s %7s  %s\n' target seconds execs exec/s cov ft corpus result
for t in "${targets[@]}"; do cat "$build/logs/$t.summary"; done
if [[ $failed -ne 0 ]]; then
  echo "fuzz.sh: a target failed; replay with $bin_dir/fuzz_<target> <reproducer>, logs in $build/logs/" >&2
  exit 1
fi
