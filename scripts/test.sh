#!/usr/bin/env bash
# The one test command: installs what is needed (Debian 12 packages), builds three trees, starts a real local
# Patroni cluster once, runs the tests with ctest in two of them, and stops the cluster again, whatever happened.
# Idempotent; run as root on Debian 12.
#
#   build/       the normal build (RelWithDebInfo, -O2), warnings as errors: every test (unit, golden, promtool
#                lint, integration, package) against Debian 12's Patroni 3.0.2; then the real-cluster tests that
#                read Patroni (node families against each member's own /metrics, the cluster view, switchover,
#                leader crash, PostgreSQL's view, /config, /history) again against a second lab running Patroni
#                4.0 (scripts/lab.sh LAB_PATRONI=4: Debian 13's package), in the normal build only.
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
#   PATRONI_EXPORTER_TEST_PATRONI4=0 scripts/test.sh       no Patroni 4.0 pass (=1: also when ctest arguments
#                                   are given; by default it runs only without arguments)
#   PATRONI_EXPORTER_TEST_DRILL=0 scripts/test.sh          no fast alert drill (scripts/alerting-lab.sh drill fast:
#                                   real Prometheus, Alertmanager and incidents on a lab of its own, after the
#                                   build/ tests; =1: also when ctest arguments are given)
set -euo pipefail
cd "$(dirname "$0")/.."

sanitize=${PATRONI_EXPORTER_TEST_SANITIZE:-1}
release=${PATRONI_EXPORTER_TEST_RELEASE:-1}
patroni4=${PATRONI_EXPORTER_TEST_PATRONI4:-}
if [ -z "$patroni4" ]; then if [ "$#" -eq 0 ]; then patroni4=1; else patroni4=0; fi; fi
drill=${PATRONI_EXPORTER_TEST_DRILL:-}
if [ -z "$drill" ]; then if [ "$#" -eq 0 ]; then drill=1; else drill=0; fi; fi

scripts/install-deps.sh
cmake -S . -B build -DPATRONI_EXPORTER_WERROR=ON
cmake --build build -j"$(nproc)"
# A lab of its own, apart from the demo's, so a running demo is neither reused nor torn down.
export LAB_DIR=${TEST_LAB_DIR:-/tmp/patroni-exporter-test-lab}
# The Patroni 4.0 lab: its own LAB_DIR; the tests find it through LAB_DIR (tests/support/lab.cc).
lab4_dir=${TEST_LAB4_DIR:-/tmp/patroni-exporter-test-lab4}
# The fast drill's lab: its own, since the drill stops etcd and kills a leader's Patroni.
drill_dir=${TEST_DRILL_LAB_DIR:-/tmp/patroni-exporter-test-drill-lab}
needs_lab=1
drill_pid=
if [ "$#" -gt 0 ] && [ "$*" = "-L unit" ]; then needs_lab=0; patroni4=0; drill=0; fi
if [ "$needs_lab" = 1 ]; then
  # LAB_PATRONI explicit: a lab an older run left in either directory with the other version is rebuilt.
  trap '[ -z "$drill_pid" ] || kill "$drill_pid" 2>/dev/null; [ -z "${compile_pid:-}" ] || kill "$compile_pid" 2>/dev/null; wait
        LAB_DIR=$drill_dir ALERTING_DIR=$drill_dir-alerting scripts/alerting-lab.sh down; LAB_DIR=$drill_dir scripts/lab.sh down
        LAB_DIR=$lab4_dir scripts/lab.sh down; scripts/lab.sh down' EXIT
  LAB_PATRONI=3 scripts/lab.sh up
fi

status=0
# Without arguments, ctest runs twice in each tree: the unit tier two tests at a time (one a core), then the rest
# one at a time. Most unit tests are a process start and little else: serial, the unit tier took 176 s in build/
# and 316 s under ASan, two at a time about half. Not one run with -j for everything: ctest then starts every
# fixture's lab first (the TLS lab, and the standby cluster, which replicates from the test lab's leader) and
# stops them only after the last test of the run, so they stayed up beside every other lab test (a third WAL
# sender on the leader, two more clusters' CPU). With arguments, one serial run with them, as given.
parallel=-j"$(nproc)"
if [ "$#" -eq 0 ]; then
  ctest --test-dir build --output-on-failure "$parallel" -L unit || status=1
  ctest --test-dir build --output-on-failure -LE unit || status=1
else
  ctest --test-dir build --output-on-failure "$@" || status=1
fi

if [ "$drill" = 1 ]; then
  # The fast drill (docs/alerting.md): Prometheus with a fast rendering of rules/ (every `for:` cut to 10-30 s,
  # scrapes every 3 s), Alertmanager and a webhook receiver; the DCS stopped (cluster unlocked), the leader's
  # Patroni killed, a replica's PostgreSQL killed, a pending restart, a planned switchover under writes that must
  # page nobody. Fails on a missing notification or a page during the switchover. The added time is in the README.
  # It runs in the background, beside the Patroni 4.0 pass: both mostly wait (for `for:` durations, failovers and
  # switchovers), each on a lab of its own, so together they take about as long as the drill alone. Its output is
  # kept in a file and printed when it is done, so the two do not interleave.
  drill_log=$PWD/build/fast-drill.log
  (
    td=$SECONDS
    rc=0
    if LAB_DIR=$drill_dir LAB_PATRONI=3 scripts/lab.sh up &&
       LAB_DIR=$drill_dir ALERTING_DIR=$drill_dir-alerting ALERTING_FAST=1 scripts/alerting-lab.sh up; then
      LAB_DIR=$drill_dir ALERTING_DIR=$drill_dir-alerting scripts/alerting-lab.sh drill fast || rc=1
    else
      echo "test.sh: the fast drill's lab did not come up" >&2
      rc=1
    fi
    LAB_DIR=$drill_dir ALERTING_DIR=$drill_dir-alerting scripts/alerting-lab.sh down || true
    LAB_DIR=$drill_dir scripts/lab.sh down || true
    echo "test.sh: fast drill: $((SECONDS - td)) s" >&2
    exit "$rc"
  ) >"$drill_log" 2>&1 &
  drill_pid=$!
fi

# The Release compile check and the sanitizer build. After build/'s tests, which need both cores to themselves
# (HealthViewLoadTest's scrapes have a 0.5 s bound): in the background at the lowest priority while the Patroni
# 4.0 pass and the fast drill run, which mostly wait (for failovers, switchovers, `for:` durations) and get the
# CPU whenever they want it. Built after the Patroni 4.0 pass instead, beside the drill only, the sanitizer tree
# took about 6.5 minutes of .ci/run's wall time on its own. Output kept in a file, printed when done.
compile_trees() {
  local nice_cmd=()
  [ "${1:-}" != nice ] || nice_cmd=(nice -n 19)
  if [ "$release" = 1 ]; then
    # Only the target the package and the image ship: about a third of the objects of a full build, and none of
    # GoogleTest's heavy test files.
    cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DPATRONI_EXPORTER_WERROR=ON -DPATRONI_EXPORTER_TESTS=OFF
    "${nice_cmd[@]}" cmake --build build-release -j"$(nproc)" --target patroni_exporter
  fi
  if [ "$sanitize" = 1 ]; then
    # Warnings are the normal build's job: GCC's manual advises against -Werror with sanitizers (false
    # positives). -O1 -g1 (line tables only): builds in about half the time of -O2 -g and still gives file:line
    # in reports.
    cmake -S . -B build-asan -DPATRONI_EXPORTER_SANITIZE=ON -DPATRONI_EXPORTER_WERROR=OFF \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1"
    "${nice_cmd[@]}" cmake --build build-asan -j"$(nproc)"
  fi
}
compile_pid=
compile_log=$PWD/build/release-and-sanitizer-compile.log
if { [ "$release" = 1 ] || [ "$sanitize" = 1 ]; } && { [ "$patroni4" = 1 ] || [ -n "$drill_pid" ]; }; then
  ( set -e; compile_trees nice; echo "test.sh: Release and sanitizer compile: $SECONDS s into test.sh" ) \
    >"$compile_log" 2>&1 &
  compile_pid=$!
fi

if [ "$patroni4" = 1 ]; then
  # What runs twice, and why only this: the tests that read what Patroni itself says (node families against every
  # member's own /metrics and /patroni, the cluster view from /cluster, /config, /history, a planned switchover,
  # a leader crash, a stopped member, PostgreSQL's view at the addresses /cluster gives), because that is where
  # Patroni 4.0 differs (role `primary`, `streaming` replicas, names in /patroni, no `patroni_master`). Not again:
  # the TLS lab and the planted-password test (libcurl and the exporter's own code, not Patroni's answers), the
  # orphaned-primary tests (several minutes of deliberate split brains; left to the 3.0.2 lab to stay within
  # the budget), the live Prometheus check, the unit and package tiers; and not under ASan, whose run of the same
  # exporter code against 3.0.2 already covers the memory checks. The added time is in the README (Tests).
  t4=$SECONDS
  if LAB_DIR=$lab4_dir LAB_PATRONI=4 scripts/lab.sh up; then
    LAB_DIR=$lab4_dir ctest --test-dir build --output-on-failure -L integration \
      -R '^(RealClusterTest|ClusterViewTest|PostgresTest|Patroni4Test)\.' || status=1
  else
    echo "test.sh: the Patroni 4.0 lab did not come up" >&2
    status=1
  fi
  LAB_DIR=$lab4_dir scripts/lab.sh down || true
  echo "test.sh: Patroni 4.0 pass: $((SECONDS - t4)) s" >&2
fi

if [ -n "$compile_pid" ]; then
  compile_rc=0
  wait "$compile_pid" || compile_rc=$?
  compile_pid=
  cat "$compile_log"
  if [ "$compile_rc" != 0 ]; then
    echo "test.sh: the Release or sanitizer compile failed (exit $compile_rc): no sanitizer run" >&2
    status=1
    sanitize=0
  fi
elif [ "$release" = 1 ] || [ "$sanitize" = 1 ]; then
  compile_trees
fi

if [ -n "$drill_pid" ]; then
  drill_rc=0
  wait "$drill_pid" || drill_rc=$?
  drill_pid=
  cat "$drill_log"
  [ "$drill_rc" = 0 ] || { echo "test.sh: the fast drill failed (exit $drill_rc)" >&2; status=1; }
fi

if [ "$sanitize" = 1 ]; then
  # The sanitizer build runs the unit and integration tiers; the package tier (which installs the .deb) only
  # in the normal build, also when arguments are given, unless they say which labels to leave out.
  # Without arguments, the checks that never run our code (promtool over the rule files, the goldens, the mixin and the
  # dashboards' JSON) are left out there too: they would only repeat the normal build's run (rules_conventions
  # alone takes minutes).
  asan_args=("$@")
  not_our_code='^(rules_conventions|rules_promtool_check|rules_promtool_test|dashboards_structure|'\
'promtool_check_goldens|mixin_rendered|mixin_alt_config)$'
  case " $* " in *" -LE "* | *" --label-exclude "*) ;; *) asan_args+=(-LE '^package$') ;; esac
  # Every sanitized process writes its report to a file here (the report also reaches its stderr when it dies
  # of it: tests/sanitizers/sanitizer_options.cc), so one whose output a test discards is not lost either.
  reports=$PWD/build-asan/sanitizer-reports
  rm -rf "$reports" && mkdir -p "$reports"
  # Both variables: in GCC 12's runtime UBSan takes log_path from UBSAN_OPTIONS only, ASan and LSan from
  # ASAN_OPTIONS only.
  log="log_path=$reports/report:log_exe_name=1"
  export ASAN_OPTIONS="$log${ASAN_OPTIONS:+:$ASAN_OPTIONS}" UBSAN_OPTIONS="$log${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
  if [ "$#" -eq 0 ]; then
    # As in build/: the unit tier two at a time, then the integration tier one at a time.
    ctest --test-dir build-asan --output-on-failure "$parallel" -L unit -LE '^package$' -E "$not_our_code" ||
      status=1
    ctest --test-dir build-asan --output-on-failure -L integration -LE '^package$' -E "$not_our_code" || status=1
  else
    ctest --test-dir build-asan --output-on-failure "${asan_args[@]}" || status=1
  fi
  if [ -n "$(ls -A "$reports")" ]; then
    echo "Sanitizer reports (build-asan/sanitizer-reports/):" >&2
    for f in "$reports"/*; do echo "== $f" >&2; cat "$f" >&2; done
    status=1
  fi
fi
exit "$status"
