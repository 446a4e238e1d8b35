#!/usr/bin/env bash
# Prometheus with rules/*.yml, Alertmanager and a small webhook receiver, all on 127.0.0.1, next to a running lab
# (scripts/lab.sh), to see the alerts fire and to run the incident drill of docs/alerting.md.
#
#   scripts/alerting-lab.sh up        start patroni_exporter (one for the whole lab cluster), Prometheus (rules
#                                     loaded, scrape and evaluation every 5 s), Alertmanager (if installed) and
#                                     the webhook receiver; print where to look
#   scripts/alerting-lab.sh down      stop everything `up` started (by the PIDs it recorded) and remove its state
#   scripts/alerting-lab.sh status    what runs, firing alerts, notifications received so far
#   scripts/alerting-lab.sh drill     induce incidents on the lab and assert which alerts reach the receiver
#                                     (and that a planned switchover pages nobody); prints time to notification
#
# Environment:
#   LAB_DIR=/tmp/patroni-exporter-lab     the lab to watch (scripts/lab.sh up must have run with the same LAB_DIR)
#   ALERTING_DIR=$LAB_DIR-alerting        state, configuration, logs, the receiver's notifications.jsonl
#   EXPORTER=build/patroni_exporter       the exporter binary
#   PROMETHEUS=prometheus  ALERTMANAGER=prometheus-alertmanager (Debian's name; `alertmanager` elsewhere)
# Every port is probed free; nothing listens beyond 127.0.0.1. Run as root (the drill drives scripts/lab.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C

LAB_DIR=${LAB_DIR:-/tmp/patroni-exporter-lab}
LAB_DIR=${LAB_DIR%/}
ALERTING_DIR=${ALERTING_DIR:-$LAB_DIR-alerting}
EXPORTER=${EXPORTER:-build/patroni_exporter}
PROMETHEUS=${PROMETHEUS:-prometheus}
ALERTMANAGER=${ALERTMANAGER:-prometheus-alertmanager}
STATE=$ALERTING_DIR/alerting.env
export LAB_DIR

log() { printf 'alerting-lab: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# pid_alive PID NEEDLE: PID runs and its command line contains NEEDLE (guards against PID reuse).
pid_alive() {
  [[ ${1:-} =~ ^[0-9]+$ ]] || return 1
  local cmd; cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline") || return 1
  [[ -n $cmd && $cmd == *"$2"* ]]
}

wait_http() {   # URL SECONDS
  local deadline=$(( $(date +%s) + $2 ))
  until curl -sf --noproxy '*' --max-time 2 -o /dev/null "$1"; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

write_receiver() {
  cat >"$ALERTING_DIR/receiver.py" <<'PY'
# Webhook receiver for Alertmanager: appends each notification, with the time it arrived, to a JSON-lines file.
import http.server, json, sys, time
out = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        with open(out, "a") as f:
            for a in body.get("alerts", []):
                f.write(json.dumps({"received": time.time(), "status": a.get("status"),
                                    "labels": a.get("labels", {}), "startsAt": a.get("startsAt")}) + "\n")
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
}

cmd_up() {
  [ -f "$LAB_DIR/lab.env" ] || die "no lab in $LAB_DIR: run scripts/lab.sh up first (same LAB_DIR)"
  if [ -f "$STATE" ]; then log "already up ($STATE); run down first"; cmd_status; return 0; fi
  [ -x "$EXPORTER" ] || die "no exporter at $EXPORTER (cmake --build build)"
  command -v "$PROMETHEUS" >/dev/null || die "prometheus not installed (apt-get install prometheus)"
  local have_am=1
  command -v "$ALERTMANAGER" >/dev/null || { have_am=0; log "no $ALERTMANAGER: alerts are visible in Prometheus only (apt-get install prometheus-alertmanager)"; }
  # shellcheck source=/dev/null
  . "$LAB_DIR/lab.env"
  mkdir -p "$ALERTING_DIR"
  local exporter_port prom_port am_port receiver_port
  exporter_port=$(free_port); prom_port=$(free_port); am_port=$(free_port); receiver_port=$(free_port)
  local args=(--web.listen-address "127.0.0.1:$exporter_port"
              --postgres.dsn-template "user=$LAB_PGUSER dbname=$LAB_PGDATABASE sslmode=disable passfile=$LAB_PGPASSFILE")
  for url in $LAB_PATRONI_URLS; do args+=(--patroni.url "$url"); done
  "$EXPORTER" "${args[@]}" >>"$ALERTING_DIR/exporter.log" 2>&1 &
  echo "EXPORTER_PID=$!" >"$STATE"
  echo "EXPORTER_PORT=$exporter_port" >>"$STATE"

  local rule_files; rule_files=$(printf "  - %s\n" "$PWD"/rules/*.yml)
  cat >"$ALERTING_DIR/prometheus.yml" <<EOF
global:
  scrape_interval: 5s
  scrape_timeout: 4s
  evaluation_interval: 5s
rule_files:
$rule_files
scrape_configs:
  - job_name: patroni
    static_configs:
      - targets: ['127.0.0.1:$exporter_port']
EOF
  if [ "$have_am" = 1 ]; then
    cat >>"$ALERTING_DIR/prometheus.yml" <<EOF
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:$am_port']
EOF
    cat >"$ALERTING_DIR/alertmanager.yml" <<EOF
route:
  receiver: webhook
  group_by: [alertname, scope, member]
  group_wait: 1s
  group_interval: 5s
  repeat_interval: 1h
receivers:
  - name: webhook
    webhook_configs:
      - url: http://127.0.0.1:$receiver_port/
        send_resolved: true
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [alertname, scope, member, slot_name]
EOF
    write_receiver
    : >"$ALERTING_DIR/notifications.jsonl"
    python3 "$ALERTING_DIR/receiver.py" "$receiver_port" "$ALERTING_DIR/notifications.jsonl" \
      >>"$ALERTING_DIR/receiver.log" 2>&1 &
    echo "RECEIVER_PID=$!" >>"$STATE"
    "$ALERTMANAGER" --config.file "$ALERTING_DIR/alertmanager.yml" --storage.path "$ALERTING_DIR/am-data" \
      --web.listen-address "127.0.0.1:$am_port" --cluster.listen-address= \
      >>"$ALERTING_DIR/alertmanager.log" 2>&1 &
    echo "ALERTMANAGER_PID=$!" >>"$STATE"
    echo "ALERTMANAGER_PORT=$am_port" >>"$STATE"
    echo "RECEIVER_PORT=$receiver_port" >>"$STATE"
  fi
  "$PROMETHEUS" --config.file "$ALERTING_DIR/prometheus.yml" --storage.tsdb.path "$ALERTING_DIR/prom-data" \
    --web.listen-address "127.0.0.1:$prom_port" >>"$ALERTING_DIR/prometheus.log" 2>&1 &
  echo "PROMETHEUS_PID=$!" >>"$STATE"
  echo "PROMETHEUS_PORT=$prom_port" >>"$STATE"

  wait_http "http://127.0.0.1:$exporter_port/-/healthy" 20 || { cmd_down; die "the exporter did not start"; }
  wait_http "http://127.0.0.1:$prom_port/-/ready" 30 || { cmd_down; die "Prometheus did not start (see $ALERTING_DIR/prometheus.log)"; }
  if [ "$have_am" = 1 ]; then
    wait_http "http://127.0.0.1:$am_port/-/ready" 30 || { cmd_down; die "Alertmanager did not start (see $ALERTING_DIR/alertmanager.log)"; }
  fi
  cat <<MSG
alerting lab up, watching the lab cluster in $LAB_DIR:
  exporter:      http://127.0.0.1:$exporter_port/metrics
  prometheus:    http://127.0.0.1:$prom_port/alerts   (rules from rules/*.yml)
MSG
  [ "$have_am" = 0 ] || cat <<MSG
  alertmanager:  http://127.0.0.1:$am_port/
  notifications: $ALERTING_DIR/notifications.jsonl   (what the webhook receiver got)
MSG
  echo "  stop:          scripts/alerting-lab.sh down"
}

cmd_down() {
  [ -f "$STATE" ] || { log "nothing running ($STATE absent)"; return 0; }
  # shellcheck source=/dev/null
  . "$STATE"
  local pid needle
  for pair in "${PROMETHEUS_PID:-}:--storage.tsdb.path $ALERTING_DIR" "${ALERTMANAGER_PID:-}:--storage.path $ALERTING_DIR" \
              "${RECEIVER_PID:-}:$ALERTING_DIR/receiver.py" "${EXPORTER_PID:-}:--web.listen-address 127.0.0.1:${EXPORTER_PORT:-x}"; do
    pid=${pair%%:*}; needle=${pair#*:}
    if pid_alive "$pid" "$needle"; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 100); do pid_alive "$pid" "$needle" || break; sleep 0.1; done
      ! pid_alive "$pid" "$needle" || kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  case $ALERTING_DIR in /*/*) rm -rf --one-file-system "$ALERTING_DIR" ;; *) log "not removing $ALERTING_DIR" ;; esac
  log "down"
}

prom_query() {   # EXPR -> JSON result array
  curl -sf --noproxy '*' "http://127.0.0.1:$PROMETHEUS_PORT/api/v1/query" --data-urlencode "query=$1" |
    python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["data"]["result"]))'
}

cmd_status() {
  [ -f "$STATE" ] || { echo "alerting lab: down"; return 3; }
  # shellcheck source=/dev/null
  . "$STATE"
  echo "alerting lab: prometheus 127.0.0.1:$PROMETHEUS_PORT${ALERTMANAGER_PORT:+, alertmanager 127.0.0.1:$ALERTMANAGER_PORT}"
  echo "alerts (Prometheus):"
  prom_query 'ALERTS' | python3 -c 'import json,sys
for a in json.load(sys.stdin): m=a["metric"]; print("  %-30s %-8s %-8s %s" % (m["alertname"], m["alertstate"], m.get("severity",""), {k:v for k,v in m.items() if k in ("scope","member","target","endpoint")}))'
  if [ -f "$ALERTING_DIR/notifications.jsonl" ]; then
    echo "notifications received: $(wc -l <"$ALERTING_DIR/notifications.jsonl")"
  fi
}

# ---------------------------------------------------------------------------------------------------------------
# The drill

lab() { scripts/lab.sh "$@"; }
notifications_since() {   # T0 -> lines "alertname severity status member seconds_after_t0"
  python3 - "$ALERTING_DIR/notifications.jsonl" "$1" <<'PY'
import json, sys
t0 = float(sys.argv[2])
for line in open(sys.argv[1]):
    n = json.loads(line)
    if n["received"] >= t0:
        l = n["labels"]
        print(l.get("alertname"), l.get("severity"), n["status"], l.get("member", l.get("target", "-")),
              "%.1f" % (n["received"] - t0))
PY
}
wait_quiet() {   # no Patroni alert firing or pending, up to SECONDS
  local deadline=$(( $(date +%s) + $1 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    [ "$(prom_query 'ALERTS{alertname=~"Patroni.+",severity=~"critical|warning"}')" = "[]" ] && return 0
    sleep 2
  done
  return 1
}
leader() { lab patronictl list -f json | python3 -c 'import json,sys; print([m["Member"] for m in json.load(sys.stdin) if m["Role"] in ("Leader","Standby Leader")][0])'; }
a_replica() { lab patronictl list -f json | python3 -c 'import json,sys; print([m["Member"] for m in json.load(sys.stdin) if m["Role"] not in ("Leader","Standby Leader")][0])'; }

RESULTS=()
record() { RESULTS+=("$(printf '%-40s %-44s %s' "$1" "$2" "$3")"); log "$1: $2 $3"; }
# notified T0 INCIDENT SECONDS: records every firing notification received within SECONDS after T0
notified() {
  local deadline; deadline=$(python3 -c "print(int($1 + $3))")
  while [ "$(date +%s)" -lt "$deadline" ]; do sleep 2; done
  local lines; lines=$(notifications_since "$1" | awk '$3 == "firing"')
  if [ -z "$lines" ]; then record "$2" "(no notification)" "-"; return; fi
  while read -r name sev _ who secs; do record "$2" "$name ($sev) $who" "${secs}s"; done <<<"$lines"
}
expect() {   # T0 ALERTNAME: 0 if a firing notification of ALERTNAME arrived after T0
  notifications_since "$1" | awk -v a="$2" '$1 == a && $3 == "firing"' | grep -q .
}

cmd_drill() {
  [ -f "$STATE" ] || die "run scripts/alerting-lab.sh up first"
  # shellcheck source=/dev/null
  . "$STATE"
  [ -n "${ALERTMANAGER_PORT:-}" ] || die "the drill needs Alertmanager (apt-get install prometheus-alertmanager)"
  # shellcheck source=/dev/null
  . "$LAB_DIR/lab.env"
  log "waiting for a quiet cluster and 2 minutes of history in Prometheus"
  wait_quiet 300 || die "Patroni alerts are firing before the drill: $(prom_query 'ALERTS')"
  until [ "$(prom_query 'count_over_time(up[5m]) >= 24')" != "[]" ]; do sleep 5; done
  local t0 node rc=0

  # 1. The DCS goes away (no failsafe mode in the lab): PatroniDcsUnreachable must page.
  t0=$(date +%s.%N)
  lab stop-etcd >/dev/null
  notified "$t0" "stop the DCS (etcd)" 150
  expect "$t0" PatroniDcsUnreachable || { log "MISSING PatroniDcsUnreachable"; rc=1; }
  lab start-etcd >/dev/null
  wait_quiet 300 || log "alerts still firing after etcd came back: $(prom_query 'ALERTS')"

  # 2. SIGKILL a replica's postmaster: Patroni restarts it within a loop, which must page nobody.
  node=$(a_replica)
  t0=$(date +%s.%N)
  lab kill-postgres "$node" >/dev/null
  notified "$t0" "kill a replica's PostgreSQL ($node)" 150
  if notifications_since "$t0" | awk '$2 != "info" && $3 == "firing"' | grep -q .; then rc=1; fi
  wait_quiet 300 || true

  # 3. SIGKILL the leader's Patroni (its postmaster keeps running): a replica takes over after the TTL.
  node=$(leader)
  t0=$(date +%s.%N)
  lab kill-patroni "$node" >/dev/null
  notified "$t0" "kill the leader's Patroni ($node)" 180
  expect "$t0" PatroniExporterTargetDown || { log "MISSING PatroniExporterTargetDown"; rc=1; }
  # The info alert may still fire from an earlier switch in the last 15 minutes (then no new notification).
  expect "$t0" PatroniFailoverOccurred ||
    [ "$(prom_query 'ALERTS{alertname="PatroniFailoverOccurred",alertstate="firing"}')" != "[]" ] ||
    { log "MISSING PatroniFailoverOccurred"; rc=1; }
  lab start-patroni "$node" >/dev/null
  wait_quiet 300 || log "alerts still firing after $node's Patroni came back: $(prom_query 'ALERTS')"

  # 4. A planned switchover pages nobody (PatroniFailoverOccurred, info, may still fire from step 3).
  node=$(leader)
  t0=$(date +%s.%N)
  lab patronictl switchover --leader "$node" --force >/dev/null
  notified "$t0" "planned switchover (from $node)" 150
  if notifications_since "$t0" | awk '$2 != "info" && $3 == "firing"' | grep -q .; then rc=1; fi
  [ "$(prom_query 'ALERTS{alertname="PatroniFailoverOccurred",alertstate="firing"}')" != "[]" ] ||
    { log "PatroniFailoverOccurred is not firing after the switchover"; rc=1; }

  echo
  printf '%-40s %-44s %s\n' "incident" "notification received (severity) member" "after"
  printf '%s\n' "${RESULTS[@]}"
  return $rc
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  drill) cmd_drill ;;
  *) sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"; [ "${1:-}" = -h ] || [ "${1:-}" = --help ] || exit 2 ;;
esac
