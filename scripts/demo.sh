#!/usr/bin/env bash
# The one demo command: installs what is needed (Debian 12 packages), builds, boots a real 3-member Patroni
# cluster on 127.0.0.1 (scripts/lab.sh) and runs patroni_exporter against every member in the foreground.
# When Prometheus and Alertmanager are installed (Debian packages `prometheus`, `prometheus-alertmanager`), it also
# starts them with the alert rules of rules/ next to the cluster (scripts/alerting-lab.sh up: a second exporter,
# Prometheus, Alertmanager and a webhook receiver, all on 127.0.0.1) and says where to see alerts fire.
# Ctrl-C (or SIGTERM) stops all of it. Idempotent; run as root on Debian 12.
#
#   DEMO_LISTEN=:9547     where the exporter listens
#   DEMO_ALERTING=0       do not start Prometheus and Alertmanager even when installed
#   DEMO_SECONDS=N        stop by itself after N seconds (for scripted checks of this script)
set -euo pipefail
cd "$(dirname "$0")/.."
listen=${DEMO_LISTEN:-:9547}

scripts/install-deps.sh
cmake -S . -B build
cmake --build build -j"$(nproc)" --target patroni_exporter

export LAB_DIR=${LAB_DIR:-/tmp/patroni-exporter-lab}
exporter_pid=
alerting=0
cleanup() {
  trap - EXIT INT TERM
  if [ "$alerting" = 1 ]; then scripts/alerting-lab.sh down || true; fi
  if [ -n "$exporter_pid" ] && kill -0 "$exporter_pid" 2>/dev/null; then
    kill -TERM "$exporter_pid" && wait "$exporter_pid" || true
  fi
  scripts/lab.sh down
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

scripts/lab.sh up
# shellcheck source=/dev/null
. "$LAB_DIR/lab.env"
args=(--web.listen-address "$listen"
      --postgres.dsn-template "user=$LAB_PGUSER dbname=$LAB_PGDATABASE sslmode=disable passfile=$LAB_PGPASSFILE")
for url in $LAB_PATRONI_URLS; do args+=(--patroni.url "$url"); done

build/patroni_exporter "${args[@]}" &
exporter_pid=$!
port=${listen##*:}
for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$port/-/healthy" >/dev/null 2>&1 && break
  kill -0 "$exporter_pid" 2>/dev/null || { echo "demo: the exporter exited; see its log above" >&2; exit 1; }
  sleep 0.1
done

cat <<MSG

patroni_exporter is scraping the ${LAB_MEMBER_NAMES// /, } members of scope $LAB_SCOPE.
  metrics:     curl http://127.0.0.1:$port/metrics
  landing:     http://127.0.0.1:$port/
  the cluster: scripts/lab.sh patronictl list     (LAB_DIR=$LAB_DIR)
  try:         scripts/lab.sh patronictl pause --wait; curl -s http://127.0.0.1:$port/metrics | grep is_paused
Ctrl-C stops everything the demo started (exporter, cluster, and Prometheus and Alertmanager if started below).

MSG
curl -s "http://127.0.0.1:$port/metrics" |
  grep -E '^patroni_(primary|postgres_state|up|cluster_member_role|pg_replication_replay_lag_bytes)[{ ]' |
  grep -v ' 0$' || true

if [ "${DEMO_ALERTING:-1}" != 0 ] && command -v prometheus >/dev/null && command -v prometheus-alertmanager >/dev/null; then
  echo
  alerting=1
  scripts/alerting-lab.sh down >/dev/null 2>&1 || true   # a leftover of an interrupted demo
  if scripts/alerting-lab.sh up; then
    cat <<MSG
  firing now:    scripts/alerting-lab.sh status          (LAB_DIR=$LAB_DIR)
  see one fire:  scripts/lab.sh kill-patroni node2       PatroniExporterTargetDown reaches Alertmanager in about
                 2 minutes (its 'for'); scripts/lab.sh start-patroni node2 resolves it
  the drill:     scripts/alerting-lab.sh drill           induces every incident the lab can produce (~25 min)

MSG
    sleep 10   # a few scrapes and evaluations
    scripts/alerting-lab.sh status || true
  else
    echo "demo: Prometheus/Alertmanager did not start; the exporter keeps running" >&2
  fi
else
  echo "(apt-get install prometheus prometheus-alertmanager, and this demo also runs them with the alert rules)"
fi

if [ -n "${DEMO_SECONDS:-}" ]; then
  sleep "$DEMO_SECONDS"
else
  wait "$exporter_pid"
fi
