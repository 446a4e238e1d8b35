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
#                                     (and that a planned switchover under writes pages nobody); prints time to
#                                     notification. About 25 minutes, not part of CI; docs/alerting.md. Runs
#                                     Prometheus on a copy of the rules with drill-sized durations meanwhile.
#
# Environment:
#   LAB_DIR=/tmp/patroni-exporter-lab     the lab to watch (scripts/lab.sh up must have run with the same LAB_DIR)
#   ALERTING_DIR=$LAB_DIR-alerting        state, configuration, logs, the receiver's notifications.jsonl
#   EXPORTER=build/patroni_exporter       the exporter binary
#   PROMETHEUS=prometheus  ALERTMANAGER=prometheus-alertmanager (Debian's name; `alertmanager` elsewhere)
#   DRILL_STEPS="1 2 3 4 5 6 7 8"         the drill's steps to run (all by default)
#   ALERTING_EXPORTERS="cluster"          which deployment modes `up` runs: `cluster` (one exporter for the whole
#                                         cluster, every seed, discovery), `sidecar` (one next to each member: its
#                                         own REST API, its own PostgreSQL in the DSN template), or both
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
LAB_PY=$PWD/scripts/lab   # the Python parts (scripts/lab/*.py)
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
  # --patroni.timeout below Prometheus' scrape_timeout (4 s), as the README asks: with the DCS away /cluster hangs,
  # and a request allowed 5 s would use up the scrape's deadline before PostgreSQL is queried.
  local credentials="user=$LAB_PGUSER dbname=$LAB_PGDATABASE sslmode=disable connect_timeout=2 passfile=$LAB_PGPASSFILE"
  local targets=() sidecar_ports=() sidecar_pids=() i port
  : >"$STATE"
  if [[ " ${ALERTING_EXPORTERS:-cluster} " == *" cluster "* ]]; then
    local args=(--web.listen-address "127.0.0.1:$exporter_port" --patroni.timeout 2s --postgres.dsn-template "$credentials")
    for url in $LAB_PATRONI_URLS; do args+=(--patroni.url "$url"); done
    "$EXPORTER" "${args[@]}" >>"$ALERTING_DIR/exporter.log" 2>&1 &
    echo "EXPORTER_PID=$!" >>"$STATE"
    echo "EXPORTER_PORT=$exporter_port" >>"$STATE"
    targets+=("'127.0.0.1:$exporter_port'")
  fi
  if [[ " ${ALERTING_EXPORTERS:-cluster} " == *" sidecar "* ]]; then
    # One next to each member: its own REST API, and its own PostgreSQL named in the template (local mode).
    read -r -a urls <<<"$LAB_PATRONI_URLS"
    read -r -a pg_ports <<<"$LAB_PG_PORTS"
    for i in "${!urls[@]}"; do
      port=$(free_port)
      "$EXPORTER" --web.listen-address "127.0.0.1:$port" --patroni.timeout 2s --patroni.url "${urls[$i]}" \
        --postgres.dsn-template "host=$LAB_PG_HOST port=${pg_ports[$i]} $credentials" \
        >>"$ALERTING_DIR/sidecar-$i.log" 2>&1 &
      sidecar_pids+=("$!"); sidecar_ports+=("$port"); targets+=("'127.0.0.1:$port'")
    done
    echo "SIDECAR_PIDS=\"${sidecar_pids[*]}\"" >>"$STATE"
    echo "SIDECAR_PORTS=\"${sidecar_ports[*]}\"" >>"$STATE"
  fi
  [ "${#targets[@]}" -gt 0 ] || die "ALERTING_EXPORTERS must name cluster, sidecar or both"

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
      - targets: [$(IFS=,; echo "${targets[*]}")]
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
    : >"$ALERTING_DIR/notifications.jsonl"
    python3 "$LAB_PY/alert_receiver.py" "$receiver_port" "$ALERTING_DIR/notifications.jsonl" \
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

  for port in ${EXPORTER_PORT:+$exporter_port} "${sidecar_ports[@]}"; do
    wait_http "http://127.0.0.1:$port/-/healthy" 20 || { cmd_down; die "the exporter on port $port did not start"; }
  done
  wait_http "http://127.0.0.1:$prom_port/-/ready" 30 || { cmd_down; die "Prometheus did not start (see $ALERTING_DIR/prometheus.log)"; }
  if [ "$have_am" = 1 ]; then
    wait_http "http://127.0.0.1:$am_port/-/ready" 30 || { cmd_down; die "Alertmanager did not start (see $ALERTING_DIR/alertmanager.log)"; }
  fi
  cat <<MSG
alerting lab up, watching the lab cluster in $LAB_DIR:
  exporters:     $(IFS=' '; echo "${targets[*]}" | tr -d "'") (/metrics; ${ALERTING_EXPORTERS:-cluster})
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
  local pairs=("${PROMETHEUS_PID:-}:--storage.tsdb.path $ALERTING_DIR" "${ALERTMANAGER_PID:-}:--storage.path $ALERTING_DIR"
               "${RECEIVER_PID:-}:$ALERTING_DIR/notifications.jsonl" "${EXPORTER_PID:-}:--web.listen-address 127.0.0.1:${EXPORTER_PORT:-x}")
  local sidecar_pids=(${SIDECAR_PIDS:-}) sidecar_ports=(${SIDECAR_PORTS:-}) i
  for i in "${!sidecar_pids[@]}"; do pairs+=("${sidecar_pids[$i]}:--web.listen-address 127.0.0.1:${sidecar_ports[$i]}"); done
  for pair in "${pairs[@]}"; do
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
alerts = json.load(sys.stdin)
for a in alerts: m=a["metric"]; print("  %-30s %-8s %-8s %s" % (m["alertname"], m["alertstate"], m.get("severity",""), {k:v for k,v in m.items() if k in ("scope","member","target","endpoint")}))
if not alerts: print("  none pending or firing")'
  if [ -f "$ALERTING_DIR/notifications.jsonl" ]; then
    echo "notifications received: $(wc -l <"$ALERTING_DIR/notifications.jsonl")"
  fi
}

# ---------------------------------------------------------------------------------------------------------------
# The drill

lab() { scripts/lab.sh "$@"; }
notifications_since() {   # T0 -> lines "alertname severity status member seconds_after_t0"
  python3 "$LAB_PY/notifications_since.py" "$ALERTING_DIR/notifications.jsonl" "$1"
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

# The drill's copy of the rules: alerts whose `for:` is an hour (or whose threshold takes hours of writes on the
# lab) get drill-sized ones, everything else stays as in rules/. Prometheus is pointed at the copy for the drill
# (SIGHUP) and back at rules/ when the drill ends.
use_rules() {   # DIR: point Prometheus at DIR/*.yml and wait until it evaluates them
  python3 "$LAB_PY/use_rules.py" "$ALERTING_DIR/prometheus.yml" "$1"
  pid_alive "$PROMETHEUS_PID" "--storage.tsdb.path $ALERTING_DIR" || die "Prometheus (PID $PROMETHEUS_PID) is not running"
  kill -HUP "$PROMETHEUS_PID"
  local deadline=$(( $(date +%s) + 30 ))
  until curl -sf --noproxy '*' "http://127.0.0.1:$PROMETHEUS_PORT/api/v1/rules" | grep -qF "\"file\":\"$1/"; do
    [ "$(date +%s)" -lt "$deadline" ] || die "Prometheus did not load the rules in $1 (see $ALERTING_DIR/prometheus.log)"
    sleep 1
  done
}

# Writes as the lab user (pgbench) against whichever member leads, so a switchover does not stop the load.
pgbench_as_lab() {
  /usr/bin/setpriv --reuid="$LAB_USER" --regid="$LAB_USER" --init-groups /usr/bin/env -i PATH=/usr/bin:/bin \
    HOME="$ALERTING_DIR" PGPASSFILE="$ALERTING_DIR/pgpass" "$LAB_PG_BIN/pgbench" -h "$LAB_PG_HOST" -U "$LAB_PGUSER" "$@" \
    "$LAB_PGDATABASE"
}
leader_port() { lab patronictl list -f json | python3 -c 'import json,sys; print([m["Host"].rsplit(":",1)[1] for m in json.load(sys.stdin) if m["Role"]=="Leader"][0])'; }
LOAD_PID=
start_load() {   # TPS: pgbench at TPS transactions/s, in 10 s runs against the current leader, until stop_load
  install -m 600 -o "$LAB_USER" "$LAB_PGPASSFILE" "$ALERTING_DIR/pgpass"
  if [ ! -f "$ALERTING_DIR/pgbench.initialised" ]; then
    pgbench_as_lab -i -q -s 5 -p "$(leader_port)" >>"$ALERTING_DIR/pgbench.log" 2>&1 && touch "$ALERTING_DIR/pgbench.initialised"
  fi
  ( while :; do
      port=$(leader_port 2>/dev/null) || { sleep 1; continue; }
      pgbench_as_lab -n -R "$1" -T 10 -c 2 -p "$port" >>"$ALERTING_DIR/pgbench.log" 2>&1 || sleep 1
    done ) &
  LOAD_PID=$!
}
stop_load() {
  [ -n "$LOAD_PID" ] || return 0
  kill -TERM "$LOAD_PID" 2>/dev/null || true
  wait "$LOAD_PID" 2>/dev/null || true
  LOAD_PID=
  sleep 10   # the last 10 s pgbench run ends by itself
}
psql_leader() { PGPASSFILE=$LAB_PGPASSFILE psql -XAtq -h "$LAB_PG_HOST" -p "$(leader_port)" -U "$LAB_PGUSER" -d "$LAB_PGDATABASE" -c "$1"; }
# The WAL receiver of NODE's postmaster (a child of the PID in its postmaster.pid, owned by the lab user).
walreceiver_pid() {
  local pm; pm=$(head -n1 "$LAB_DIR/$1/data/postmaster.pid" | tr -dc 0-9)
  ps -o pid=,user:64=,args= --ppid "$pm" | awk -v u="$LAB_USER" '$2 == u && /walreceiver/ {print $1; exit}'
}
# DRILL_STEPS="5 6": run only those steps (numbered as in cmd_drill); all by default.
step() { [[ " ${DRILL_STEPS:-1 2 3 4 5 6 7 8} " == *" $1 "* ]] && log "step $1"; }
STOPPED_PID=
drill_cleanup() {
  if [ -n "$STOPPED_PID" ]; then kill -CONT "$STOPPED_PID" 2>/dev/null || true; fi
  stop_load
  if [ -n "${DRILL_RULES_IN_USE:-}" ]; then use_rules "$PWD/rules" || true; fi
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
  local t0 node pid value rc=0
  python3 "$LAB_PY/drill_rules.py" "$PWD/rules" "$ALERTING_DIR/drill-rules"
  trap drill_cleanup EXIT
  use_rules "$ALERTING_DIR/drill-rules"
  DRILL_RULES_IN_USE=1
  log "Prometheus evaluates the drill's copy of the rules ($ALERTING_DIR/drill-rules)"

  # 1. The DCS goes away (no failsafe mode in the lab): PatroniDcsUnreachable must page.
  if step 1; then
    t0=$(date +%s.%N)
    lab stop-etcd >/dev/null
    notified "$t0" "stop the DCS (etcd)" 150
    expect "$t0" PatroniDcsUnreachable || { log "MISSING PatroniDcsUnreachable"; rc=1; }
    lab start-etcd >/dev/null
    wait_quiet 300 || log "alerts still firing after etcd came back: $(prom_query 'ALERTS')"
  fi

  # 2. SIGKILL a replica's postmaster: Patroni restarts it within a loop, which must page nobody.
  if step 2; then
    node=$(a_replica)
    t0=$(date +%s.%N)
    lab kill-postgres "$node" >/dev/null
    notified "$t0" "kill a replica's PostgreSQL ($node)" 150
    if notifications_since "$t0" | awk '$2 != "info" && $3 == "firing"' | grep -q .; then rc=1; fi
    wait_quiet 300 || true
  fi

  # 3. SIGKILL the leader's Patroni (its postmaster keeps running): a replica takes over after the TTL, and the
  # old leader's PostgreSQL still accepts writes: an orphaned primary, then two primaries (split brain).
  if step 3; then
    node=$(leader)
    t0=$(date +%s.%N)
    lab kill-patroni "$node" >/dev/null
    notified "$t0" "kill the leader's Patroni ($node)" 180
    expect "$t0" PatroniOrphanedPrimary || { log "MISSING PatroniOrphanedPrimary"; rc=1; }
    expect "$t0" PatroniMultiplePrimaries || { log "MISSING PatroniMultiplePrimaries"; rc=1; }
    expect "$t0" PatroniExporterTargetDown || { log "MISSING PatroniExporterTargetDown"; rc=1; }
    # The info alert may still fire from an earlier switch in the last 15 minutes (then no new notification).
    expect "$t0" PatroniFailoverOccurred ||
      [ "$(prom_query 'ALERTS{alertname="PatroniFailoverOccurred",alertstate="firing"}')" != "[]" ] ||
      { log "MISSING PatroniFailoverOccurred"; rc=1; }
    lab start-patroni "$node" >/dev/null
    wait_quiet 300 || log "alerts still firing after $node's Patroni came back: $(prom_query 'ALERTS')"
  fi

  # 4. A planned switchover under writes (pgbench, 50 tps) pages nobody (PatroniFailoverOccurred, info, may
  # still fire from step 3).
  if step 4; then
    start_load 50
    sleep 20
    node=$(leader)
    t0=$(date +%s.%N)
    lab patronictl switchover --leader "$node" --force >/dev/null
    notified "$t0" "planned switchover under 50 tps (from $node)" 150
    if notifications_since "$t0" | awk '$2 != "info" && $3 == "firing"' | grep -q .; then rc=1; fi
    [ "$(prom_query 'ALERTS{alertname="PatroniFailoverOccurred",alertstate="firing"}')" != "[]" ] ||
      { log "PatroniFailoverOccurred is not firing after the switchover"; rc=1; }
  fi

  # 5. A replica stops receiving WAL (its WAL receiver SIGSTOPped) while the leader writes at 50 tps: Patroni's
  # lag and the live lag grow together past maximum_lag_on_failover (1 MiB): PatroniReplicationLagHigh pages.
  if step 5; then
    [ -n "$LOAD_PID" ] || { start_load 50; sleep 20; }
    node=$(a_replica)
    pid=$(walreceiver_pid "$node")
    [ -n "$pid" ] || die "no WAL receiver on $node"
    t0=$(date +%s.%N)
    kill -STOP "$pid"; STOPPED_PID=$pid
    notified "$t0" "WAL receiver of $node stopped, 50 tps" 210
    expect "$t0" PatroniReplicationLagHigh || { log "MISSING PatroniReplicationLagHigh"; rc=1; }
    kill -CONT "$pid"; STOPPED_PID=
    stop_load
    wait_quiet 300 || log "alerts still firing after the WAL receiver resumed: $(prom_query 'ALERTS')"
  fi

  # 6. Maintenance mode left on (drill copy: for 1m instead of 1h).
  if step 6; then
    t0=$(date +%s.%N)
    lab patronictl pause --wait >/dev/null
    notified "$t0" "patronictl pause (for: 1m in the drill)" 100
    expect "$t0" PatroniPaused || { log "MISSING PatroniPaused"; rc=1; }
    lab patronictl resume --wait >/dev/null
    wait_quiet 300 || true
  fi

  # 7. A change that needs a restart (max_connections), not applied (drill copy: for 1m instead of 1h).
  if step 7; then
    value=$(psql_leader 'SHOW max_connections')
    t0=$(date +%s.%N)
    lab patronictl edit-config --force -p "max_connections=$((value + 10))" >/dev/null
    notified "$t0" "edit-config max_connections $value -> $((value + 10)) (for: 1m)" 100
    expect "$t0" PatroniPendingRestart || { log "MISSING PatroniPendingRestart"; rc=1; }
    lab patronictl edit-config --force -p "max_connections=$value" >/dev/null
    wait_quiet 300 || true
  fi

  # 8. A permanent physical slot nobody consumes, then 30 MB of WAL (drill copy: above 4 MiB instead of 1 GiB,
  # for 1m instead of 15m).
  if step 8; then
    lab patronictl edit-config --force -s slots.drill_slot.type=physical >/dev/null
    sleep 15   # Patroni creates the slot within a loop
    t0=$(date +%s.%N)
    psql_leader "CREATE TABLE drill_wal AS SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 100000) g; DROP TABLE drill_wal" >/dev/null
    notified "$t0" "inactive slot drill_slot, 30 MB of WAL (4 MiB, for: 1m)" 100
    expect "$t0" PatroniReplicationSlotInactive || { log "MISSING PatroniReplicationSlotInactive"; rc=1; }
    lab patronictl edit-config --force -s slots.drill_slot=null >/dev/null
  fi

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
