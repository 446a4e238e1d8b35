#!/usr/bin/env bash
# The one test command: installs what is needed (Debian 12 packages), builds three trees, starts a real local
# Patroni cluster once, runs the tests with ctest in two of them, and stops the cluster again, whatever happened.
# Idempotent; run as root on Debian 12.
#
#   build/       the normal build (RelWithDebInfo, -O2), warnings as errors: every test (unit, golden, promtool
#                lint, integration, package).
#   build-release/  Release (-O3, as the Dockerfile builds), warnings as errors, the product only (the libraries
#                of collectors/ and exporter/, main.cc, the TLS shims; no tests): compiled, never run. -O3 inlines
#                more and GCC warns there where -O2 is silent (-Wmaybe-uninitialized).
#   build-asan/  -DPATRONI_EXPORTER_SANITIZE=ON (ASan + UBSan, docs/sanitizers.md): the unit and integration
#                tiers again, the exporter binary that tests start included. A sanitizer report fails the run,
#                also one from a process whose output a test discards (kept under build-asan/sanitizer-reports/).
#
#   scripts/test.sh                 everything
#   scripts/test.sh -L unit         only the unit tier, in both builds (no cluster is started); any ctest
#                                   arguments pass through, to both builds
#   PATRONI_EXPORTER_TEST_SANITIZE=0 scripts/test.sh ...   no sanitizer tree
#   PATRONI_EXPORTER_TEST_RELEASE=0 scripts/test.sh ...    no Release compile check
set -euo pipefail
cd "$(dirname "$0")/.."

sanitize=${PATRONI_EXPORTER_TEST_SANITIZE:-1}
release=${PATRONI_EXPORTER_TEST_RELEASE:-1}

scripts/install-deps.sh
cmake -S . -B build -DPATRONI_EXPORTER_WERROR=ON
cmake --build build -j"$(nproc)"
if [ "$release" = 1 ]; then
  # Only the target the package and the image ship: about a third of the objects of a full build, and none of
  # GoogleTest's heavy test files.
  cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DPATRONI_EXPORTER_WERROR=ON -DPATRONI_EXPORTER_TESTS=OFF
  cmake --build build-release -j"$(nproc)" --target patroni_exporter
fi
if [ "$sanitize" = 1 ]; then
  # Warnings are the normal build's job: GCC's manual advises against -Werror with sanitizers (false positives).
  # -O1 -g1 (line tables only): builds in about half the time of -O2 -g and still gives file:line in reports.
  cmake -S . -B build-asan -DPATRONI_EXPORTER_SANITIZE=ON -DPATRONI_EXPORTER_WERROR=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1"
  cmake --build build-asan -j"$(nproc)"
fi

# A lab of its own, apart from the demo's, so a running demo is neither reused nor torn down.
export LAB_DIR=${TEST_LAB_DIR:-/tmp/patroni-exporter-test-lab}
needs_lab=1
if [ "$#" -gt 0 ] && [ "$*" = "-L unit" ]; then needs_lab=0; fi
if [ "$needs_lab" = 1 ]; then
  trap 'scripts/lab.sh down' EXIT
  scripts/lab.sh up
fi

status=0
ctest --test-dir build --output-on-failure "$@" || status=1

if [ "$sanitize" = 1 ]; then
  # The sanitizer build runs the unit and integration tiers; the package tier (which installs the .deb) only
  # in the normal build, also when arguments are given, unless they say which labels to leave out.
  # Without arguments, the checks that never run our code (promtool over the rule files, the goldens and the
  # dashboards' JSON) are left out there too: they would only repeat the normal build's run (rules_conventions
  # alone takes minutes).
  asan_args=("$@")
  if [ "$#" -eq 0 ]; then
    asan_args=(-L 'unit|integration'
               -E '^(rules_conventions|rules_promtool_check|rules_promtool_test|dashboards_structure|promtool_check_goldens)$')
  fi
  case " $* " in *" -LE "* | *" --label-exclude "*) ;; *) asan_args+=(-LE '^package$') ;; esac
  # Every sanitized process writes its report to a file here (the report also reaches its stderr when it dies
  # of it: tests/sanitizers/sanitizer_options.cc), so one whose output a test discards is not lost either.
  reports=$PWD/build-asan/sanitizer-reports
  rm -rf "$reports" && mkdir -p "$reports"
  # Both variables: in GCC 12's runtime UBSan takes log_path from UBSAN_OPTIONS only, ASan and LSan from
  # ASAN_OPTIONS only.
  log="log_path=$reports/report:log_exe_name=1"
  ASAN_OPTIONS="$log${ASAN_OPTIONS:+:$ASAN_OPTIONS}" UBSAN_OPTIONS="$log${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}" \
    ctest --test-dir build-asan --output-on-failure "${asan_args[@]}" || status=1
  if [ -n "$(ls -A "$reports")" ]; then
    echo "Sanitizer reports (build-asan/sanitizer-reports/):" >&2
    for f in "$reports"/*; do echo "== $f" >&2; cat "$f" >&2; done
    status=1
  fi
fi
exit "$status"
