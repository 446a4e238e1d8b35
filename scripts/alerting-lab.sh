#!/usr/bin/env bash
# Prometheus with rules/*.yml, Alertmanager and a small webhook receiver, all on 127.0.0.1, next to a running lab
# (scripts/lab.sh), to see the alerts fire and to run the incident drill of docs/alerting.md.
#
#   scripts/alerting-lab.sh up        start patroni_exporter (one for the whole lab cluster), Prometheus (rules
#                                     loaded, scrape and evaluation every 5 s; 3 s with ALERTING_FAST=1),
#                                     Alertmanager (if installed) and the webhook receiver; print where to look
#   scripts/alerting-lab.sh down      stop everything `up` started (by the PIDs it recorded) and remove its state
#   scripts/alerting-lab.sh status    what runs, firing alerts, notifications received so far
#   scripts/alerting-lab.sh drill [STEP...]
#                                     induce incidents on the lab and assert which alerts reach the receiver, and
#                                     that planned operations (switchover, restart, scale-in) page nobody; prints
#                                     each time to notification and the count of pages during planned operations.
#                                     STEPs by name (`drill steps` lists them; numbers 1-8 still name the first
#                                     eight); none: DRILL_STEPS, else every step. Not part of CI; docs/alerting.md.
#                                     Runs Prometheus on a copy of the rules with drill-sized durations meanwhile.
#   scripts/alerting-lab.sh drill fast
#                                     the fast drill (scripts/test.sh): the steps of DRILL_FAST_STEPS on the fast
#                                     rendering of the rules (every `for:` cut, see drill_rules), minutes not hours
#
# Environment:
#   LAB_DIR=/tmp/patroni-exporter-lab     the lab to watch (scripts/lab.sh up must have run with the same LAB_DIR)
#   ALERTING_DIR=$LAB_DIR-alerting        state, configuration, logs, the receiver's notifications.jsonl
#   EXPORTER=build/patroni_exporter       the exporter binary
#   PROMETHEUS=prometheus  ALERTMANAGER=prometheus-alertmanager (Debian's name; `alertmanager` elsewhere)
#   DRILL_STEPS="etcd switchover ..."     the drill's steps when none are given on the command line
#   DRILL_FAST=1                          the drill evaluates the fast rendering of the rules (default: 1 when `up`
#                                         ran with ALERTING_FAST=1, else 0: the shipped durations, but the hour-long
#                                         and hours-of-writes ones)
#   ALERTING_FAST=1                       `up` scrapes and evaluates every 3 s (for the fast drill)
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
  # Scrape timeout above the exporters' --patroni.timeout 2s (the README's rule), at most the interval.
  local interval=5s timeout=4s
  if [ "${ALERTING_FAST:-0}" = 1 ]; then interval=3s; timeout=3s; fi
  echo "ALERTING_FAST=${ALERTING_FAST:-0}" >>"$STATE"
  # drill-targets.json: exporters the drill adds for a while (e.g. one whose role lacks pg_monitor).
  echo '[]' >"$ALERTING_DIR/drill-targets.json"
  cat >"$ALERTING_DIR/prometheus.yml" <<EOF
global:
  scrape_interval: $interval
  scrape_timeout: $timeout
  evaluation_interval: $interval
rule_files:
$rule_files
scrape_configs:
  - job_name: patroni
    static_configs:
      - targets: [$(IFS=,; echo "${targets[*]}")]
  - job_name: patroni-drill
    file_sd_configs:
      - files: ['$ALERTING_DIR/drill-targets.json']
        refresh_interval: 5s
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
#
# Independent named steps: each is a function drill_<name> (dashes become underscores) listed in DRILL_STEP_LIST
# with one line saying what it does. A step induces one incident (or one planned operation), waits for the
# notifications it expects (await) or for a window in which none may arrive (planned), records every
# notification with its time since the incident, sets DRILL_RC=1 when an expected one is missing or a forbidden
# one arrives, and leaves the lab as it found it (healthy, no warning or critical alert left). A new alert in the
# drill is one function and one line in the list.

DRILL_STEP_LIST=(
  "etcd             stop the DCS (etcd), no failsafe mode: DcsUnreachable and ClusterUnlocked page"
  "replica-postgres SIGKILL a replica's postmaster: Patroni restarts it within a loop, nobody is paged"
  "leader-patroni   SIGKILL the leader's Patroni, its postmaster alive: OrphanedPrimary, MultiplePrimaries, TargetDown"
  "switchover       planned: patronictl switchover under pgbench at 50 tps; pages nobody"
  "walreceiver      SIGSTOP a replica's WAL receiver under 50 tps: ReplicationLagHigh pages"
  "pause            patronictl pause left on: Paused"
  "pending-restart  edit-config max_connections without a restart: PendingRestart"
  "slot             a permanent physical slot nobody consumes, then 30 MB of WAL: ReplicationSlotInactive"
  "slot-lost        a permanent slot beyond max_slot_wal_keep_size (16 MB) after 120 MB of WAL: ReplicationSlotInactive critical"
  "replay-paused    maintenance mode, a replica's replay paused under 50 tps: ReplicationLagHigh from PostgreSQL's view, ReplayPaused"
  "sync-missing     synchronous_mode on (quorum on Patroni 4) and both replicas stopped: SyncStandbyMissing"
  "sync-strict      synchronous_mode on and strict, both replicas stopped: SyncStandbyMissing critical"
  "crashed-paused   maintenance mode, a replica's postmaster SIGKILLed: Patroni leaves it down: PostgresNotRunning"
  "failsafe         failsafe_mode on, etcd stopped: FailsafeActive and DcsUnreachable, no ClusterUnlocked"
  "not-streaming    a replica's WAL receiver kept from reconnecting: ReplicaNotStreaming where a rule can see it"
  "postgres-broken  a replica restarted with a parameter PostgreSQL cannot start with: PostgresNotRunning critical"
  "privileges       an exporter whose role lacks pg_monitor: ExporterMissingPrivileges"
  "timeline         the old leader back without pg_rewind after a diverging failover: ReplicaTimelineMismatch"
  "standby-lag      on a standby lab (LAB_STANDBY_OF): apply delay while the upstream writes: ReplicationLagHigh, no ClusterUnlocked"
  "redundancy-lost  both replicas' Patroni SIGKILLed: the cluster view shrinks to the leader: RedundancyLost, MemberDisappeared"
  "member-disappeared a replica's Patroni SIGKILLed: MemberDisappeared (a clean stop is scale-in's: pages nobody)"
  "watchdog-failed  a replica's watchdog mode required on a device that does not exist: WatchdogFailed"
  "system-id-mismatch maintenance mode, a replica restarted on a data directory of its own initdb: SystemIdentifierMismatch"
  "failover-flapping three switchovers within the drill copy's flapping window (2m): FailoverFlapping"
  "restart          planned: patronictl restart of every member; pages nobody"
  "scale-in         planned: a replica stopped for good (then brought back); pages nobody"
)
# The first eight steps kept their numbers (DRILL_STEPS="5 6" still works).
DRILL_NUMBERED=(etcd replica-postgres leader-patroni switchover walreceiver pause pending-restart slot)
# The fast drill of scripts/test.sh: cluster unlocked, a dead Patroni, a crashed PostgreSQL, a pending restart and
# a planned switchover that pages nobody.
DRILL_FAST_STEPS=${DRILL_FAST_STEPS:-"etcd leader-patroni replica-postgres pending-restart switchover"}

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
members_json() { lab patronictl list -f json; }
leader() { members_json | python3 -c 'import json,sys; print([m["Member"] for m in json.load(sys.stdin) if m["Role"] in ("Leader","Standby Leader")][0])'; }
a_replica() { members_json | python3 -c 'import json,sys; print([m["Member"] for m in json.load(sys.stdin) if m["Role"] not in ("Leader","Standby Leader")][0])'; }
replicas() { members_json | python3 -c 'import json,sys; print(" ".join(m["Member"] for m in json.load(sys.stdin) if m["Role"] not in ("Leader","Standby Leader")))'; }
until_true() {   # SECONDS COMMAND...: run COMMAND every 2 s until it succeeds; 1 after SECONDS
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do [ "$(date +%s)" -lt "$deadline" ] || return 1; sleep 2; done
}
lab_healthy() { lab status >/dev/null 2>&1; }

# Windows scale with the rendering: the fast one's `for:` durations are at most 30 s, so a planned operation
# that paged nobody within 45 s (a third of the shipped window when that is longer) would page nobody later.
window() { if [ "$DRILL_FAST" = 1 ]; then echo $(( $1 / 3 > 45 ? $1 / 3 : 45 )); else echo "$1"; fi; }

RESULTS=()
DRILL_RC=0
PLANNED_PAGES=0        # critical notifications during planned operations (must stay 0)
PLANNED_OTHER=0        # warning notifications during planned operations (must stay 0 too)
record() { RESULTS+=("$(printf '%-16s %-50s %-56s %s' "$CURRENT_STEP" "$1" "$2" "$3")"); log "$1: $2 $3"; }
record_since() {   # T0 INCIDENT: records every firing notification received since T0
  # The first notification of each alert, severity and member: a re-notification of its group is not news.
  local lines; lines=$(notifications_since "$1" | awk '$3 == "firing" && !seen[$1 " " $2 " " $4]++')
  if [ -z "$lines" ]; then record "$2" "(no notification)" "-"; return; fi
  while read -r name sev _ who secs; do record "$2" "$name ($sev) $who" "${secs}s"; done <<<"$lines"
}
arrived() {   # T0 SPEC: a firing notification since T0 matching SPEC, "Alertname" or "Alertname/severity"
  local name=${2%%/*} sev=; [[ $2 != */* ]] || sev=${2#*/}
  notifications_since "$1" | awk -v a="$name" -v s="$sev" '$1 == a && $3 == "firing" && (s == "" || $2 == s)' | grep -q .
}
# await T0 INCIDENT SECONDS SPEC...: waits until every SPEC has arrived (then 5 s more for its siblings) or
# SECONDS (scaled by window) have passed; records what arrived; a SPEC that did not is a failure.
await() {
  local t0=$1 incident=$2 deadline spec missing; shift 2
  deadline=$(python3 -c "print(int($t0 + $(window "$1")))"); shift
  while [ "$(date +%s)" -lt "$deadline" ]; do
    missing=
    for spec in "$@"; do arrived "$t0" "$spec" || missing=1; done
    [ -n "$missing" ] || { sleep 5; break; }
    sleep 2
  done
  record_since "$t0" "$incident"
  for spec in "$@"; do arrived "$t0" "$spec" || { log "MISSING $spec ($incident)"; DRILL_RC=1; }; done
}
forbid() {   # T0 SPEC...: none of them may have arrived since T0
  local t0=$1 spec; shift
  for spec in "$@"; do
    if arrived "$t0" "$spec"; then log "FORBIDDEN $spec arrived"; DRILL_RC=1; fi
  done
}
hold() {   # T0 SECONDS: wait until T0 + SECONDS (scaled by window)
  local deadline; deadline=$(python3 -c "print(int($1 + $(window "$2")))")
  while [ "$(date +%s)" -lt "$deadline" ]; do sleep 2; done
}
# planned T0 OPERATION SECONDS: a planned operation: nothing but info may arrive within SECONDS; counts pages.
planned() {
  hold "$1" "$3"
  record_since "$1" "$2 (planned)"
  local crit warn
  crit=$(notifications_since "$1" | awk '$2 == "critical" && $3 == "firing"' | wc -l)
  warn=$(notifications_since "$1" | awk '$2 == "warning" && $3 == "firing"' | wc -l)
  PLANNED_PAGES=$((PLANNED_PAGES + crit)); PLANNED_OTHER=$((PLANNED_OTHER + warn))
  [ "$crit" = 0 ] && [ "$warn" = 0 ] || DRILL_RC=1
}
settle() {   # [SECONDS]: after a step, every warning and critical alert resolved (default: 300 s)
  wait_quiet "${1:-300}" || log "alerts still firing after step $CURRENT_STEP: $(prom_query 'ALERTS{severity=~"critical|warning"}')"
}

# The drill's copy of the rules (scripts/lab/drill_rules.py FAST SRC DST). FAST=0: alerts whose `for:` is an hour (or whose
# threshold takes hours of writes on the lab) get drill-sized ones, everything else stays as in rules/.
# FAST=1 (the fast drill): the same, and every non-zero `for:` becomes a sixth of itself, at least 10 s and at
# most 30 s (2m -> 20s, 5m -> 30s, 1m -> 10s): the ratios between alerts mostly stay, and 10 s is still above
# two of the fast scrape intervals (3 s), which PatroniMultiplePrimaries' `for:` needs. It rewrites the rendered
# YAML whatever produced it. Prometheus is pointed at the copy for the drill (SIGHUP) and back at rules/ after.
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
leader_port() { members_json | python3 -c 'import json,sys; print([m["Host"].rsplit(":",1)[1] for m in json.load(sys.stdin) if m["Role"] in ("Leader","Standby Leader")][0])'; }
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
patroni_at_least() {   # MAJOR MINOR PATCH: the lab's Patroni is at least that version
  python3 -c "import sys; v = tuple(int(x) for x in '$LAB_PATRONI_VERSION'.split('.')[:3]); sys.exit(0 if v >= ($1, $2, $3) else 1)"
}
member_pending_restart() {   # NODE: Patroni lists NODE with a pending restart
  members_json | python3 -c 'import json,sys; sys.exit(0 if [m for m in json.load(sys.stdin) if m["Member"] == sys.argv[1] and m.get("Pending restart")] else 1)' "$1"
}
set_member_parameter() {   # NODE NAME VALUE|-: a PostgreSQL parameter in NODE's own patroni.yml (- removes it), reloaded
  python3 - "$LAB_DIR/$1/patroni.yml" "$2" "$3" <<'PY'
import sys
path, name, value = sys.argv[1:]
lines = [l for l in open(path).read().split("\n") if not l.startswith("    %s: " % name)]
if value != "-":
    at = lines.index("  parameters:") + 1   # the member-local postgresql.parameters (bootstrap ones sit deeper)
    lines.insert(at, "    %s: %s" % (name, value))
open(path, "w").write("\n".join(lines))
PY
  lab patronictl reload "$LAB_SCOPE" "$1" --force >/dev/null
}

STOPPED_PIDS=
EXTRA_EXPORTER_PID=
CLEANUPS=()   # commands that undo what a step changed, run when the drill ends early
drill_cleanup() {
  local pid c
  for pid in $STOPPED_PIDS; do kill -CONT "$pid" 2>/dev/null || true; done
  stop_load
  for c in "${CLEANUPS[@]}"; do log "cleanup: $c"; eval "$c" || true; done
  if [ -n "$EXTRA_EXPORTER_PID" ]; then kill -TERM "$EXTRA_EXPORTER_PID" 2>/dev/null || true; fi
  if [ -n "${DRILL_RULES_IN_USE:-}" ]; then use_rules "$PWD/rules" || true; fi
}

# --- the steps ---------------------------------------------------------------------------------------------------

drill_etcd() {
  local t0; t0=$(date +%s.%N)
  lab stop-etcd >/dev/null
  CLEANUPS+=("lab start-etcd")
  await "$t0" "stop the DCS (etcd)" 150 PatroniDcsUnreachable PatroniClusterUnlocked
  lab start-etcd >/dev/null; CLEANUPS=()
  settle
}

drill_replica_postgres() {
  local node t0; node=$(a_replica); t0=$(date +%s.%N)
  lab kill-postgres "$node" >/dev/null
  planned "$t0" "kill a replica's PostgreSQL ($node), self-healing" 150
  settle
}

drill_leader_patroni() {
  local node t0; node=$(leader); t0=$(date +%s.%N)
  lab kill-patroni "$node" >/dev/null
  CLEANUPS+=("lab start-patroni $node")
  await "$t0" "kill the leader's Patroni ($node)" 180 PatroniOrphanedPrimary PatroniMultiplePrimaries PatroniExporterTargetDown
  # The info alert may still fire from an earlier switch in the last 15 minutes (then no new notification).
  arrived "$t0" PatroniFailoverOccurred ||
    [ "$(prom_query 'ALERTS{alertname="PatroniFailoverOccurred",alertstate="firing"}')" != "[]" ] ||
    { log "MISSING PatroniFailoverOccurred"; DRILL_RC=1; }
  lab start-patroni "$node" >/dev/null; CLEANUPS=()
  settle
}

drill_switchover() {
  local node t0 own_load=
  [ -n "$LOAD_PID" ] || { start_load 50; own_load=1; if [ "$DRILL_FAST" = 1 ]; then sleep 10; else sleep 20; fi; }
  node=$(leader); t0=$(date +%s.%N)
  lab patronictl switchover --leader "$node" --force >/dev/null
  planned "$t0" "switchover under 50 tps (from $node)" 150
  [ "$(prom_query 'ALERTS{alertname="PatroniFailoverOccurred",alertstate="firing"}')" != "[]" ] ||
    { log "PatroniFailoverOccurred is not firing after the switchover"; DRILL_RC=1; }
  [ -z "$own_load" ] || stop_load
}

drill_walreceiver() {
  local node pid t0
  start_load 50; sleep 20
  node=$(a_replica); pid=$(walreceiver_pid "$node")
  [ -n "$pid" ] || die "no WAL receiver on $node"
  t0=$(date +%s.%N)
  kill -STOP "$pid"; STOPPED_PIDS=$pid
  await "$t0" "WAL receiver of $node stopped, 50 tps" 210 PatroniReplicationLagHigh
  firing_in_prometheus "$t0" "WAL receiver of $node stopped, 50 tps" 420 'alertname="PatroniReplicationLagHigh",severity="warning",source="patroni"'
  kill -CONT "$pid"; STOPPED_PIDS=
  stop_load
  settle
}

drill_pause() {
  local t0; t0=$(date +%s.%N)
  lab patronictl pause --wait >/dev/null
  CLEANUPS+=("lab patronictl resume --wait")
  await "$t0" "patronictl pause (for: 1m in the drill)" 100 PatroniPaused
  lab patronictl resume --wait >/dev/null; CLEANUPS=()
  settle
}

drill_pending_restart() {
  local value t0; value=$(psql_leader 'SHOW max_connections'); t0=$(date +%s.%N)
  lab patronictl edit-config --force -p "max_connections=$((value + 10))" >/dev/null
  CLEANUPS+=("lab patronictl edit-config --force -p max_connections=$value")
  await "$t0" "edit-config max_connections $value -> $((value + 10))" 100 PatroniPendingRestart
  lab patronictl edit-config --force -p "max_connections=$value" >/dev/null; CLEANUPS=()
  settle
}

drill_slot() {
  local t0
  lab patronictl edit-config --force -s slots.drill_slot.type=physical >/dev/null
  CLEANUPS+=("lab patronictl edit-config --force -s slots.drill_slot=null")
  sleep 15   # Patroni creates the slot within a loop
  t0=$(date +%s.%N)
  psql_leader "CREATE TABLE drill_wal AS SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 100000) g; DROP TABLE drill_wal" >/dev/null
  await "$t0" "inactive slot drill_slot, 30 MB of WAL (4 MiB)" 100 PatroniReplicationSlotInactive
  lab patronictl edit-config --force -s slots.drill_slot=null >/dev/null; CLEANUPS=()
  settle
}

# An inactive slot whose WAL PostgreSQL gives up: max_slot_wal_keep_size 16 MB (reloadable), a permanent slot
# nobody consumes, 120 MB of WAL (more than the lab's wal_keep_size, 64 MB) and a checkpoint: wal_status
# "unreserved" or "lost".
drill_slot_lost() {
  local t0
  lab patronictl edit-config --force -p max_slot_wal_keep_size=16MB -s slots.drill_lost.type=physical >/dev/null
  CLEANUPS+=("lab patronictl edit-config --force -s postgresql.parameters.max_slot_wal_keep_size=null -s slots.drill_lost=null")
  sleep 15   # Patroni reloads PostgreSQL and creates the slot within a loop
  t0=$(date +%s.%N)
  psql_leader "CREATE TABLE drill_wal AS SELECT g, repeat('x', 500) AS pad FROM generate_series(1, 200000) g; DROP TABLE drill_wal; CHECKPOINT" >/dev/null
  await "$t0" "slot drill_lost beyond max_slot_wal_keep_size 16 MB, 120 MB of WAL" 200 PatroniReplicationSlotInactive/critical
  lab patronictl edit-config --force -s postgresql.parameters.max_slot_wal_keep_size=null -s slots.drill_lost=null >/dev/null; CLEANUPS=()
  settle
}

# A replica whose replay is paused while the leader writes. Patroni 3.0.2 resumes a paused replay every loop
# outside maintenance mode (docs/lab.md pitfall 11), hence `pause` first; its own lag counts received WAL, so
# only PostgreSQL's view (the leader's pg_stat_replication replay lag) sees it: source="postgres".
drill_replay_paused() {
  local node t0 port
  lab patronictl pause --wait >/dev/null
  CLEANUPS+=("lab patronictl resume --wait")
  node=$(a_replica)
  port=$(members_json | python3 -c "import json,sys; print([m['Host'].rsplit(':',1)[1] for m in json.load(sys.stdin) if m['Member'] == '$node'][0])")
  start_load 50; sleep 10
  t0=$(date +%s.%N)
  PGPASSFILE=$LAB_PGPASSFILE psql -XAtq -h "$LAB_PG_HOST" -p "$port" -U "$LAB_PGUSER" -d "$LAB_PGDATABASE" -c 'SELECT pg_wal_replay_pause()' >/dev/null
  CLEANUPS=("PGPASSFILE=$LAB_PGPASSFILE psql -XAtq -h $LAB_PG_HOST -p $port -U $LAB_PGUSER -d $LAB_PGDATABASE -c 'SELECT pg_wal_replay_resume()'" "${CLEANUPS[@]}")
  # Only the critical: the inhibition rule silences the warning of the same alert and member.
  await "$t0" "replay of $node paused in maintenance mode, 50 tps" 300 PatroniReplicationLagHigh/critical PatroniReplayPaused
  firing_in_prometheus "$t0" "replay of $node paused in maintenance mode, 50 tps" 480 'alertname="PatroniReplicationLagHigh",severity="warning",source="postgres"'
  PGPASSFILE=$LAB_PGPASSFILE psql -XAtq -h "$LAB_PG_HOST" -p "$port" -U "$LAB_PGUSER" -d "$LAB_PGDATABASE" -c 'SELECT pg_wal_replay_resume()' >/dev/null
  stop_load
  lab patronictl resume --wait >/dev/null; CLEANUPS=()
  settle
}

# Synchronous replication with no standby left to be synchronous: every replica stopped cleanly (SIGTERM).
drill_sync_missing() {
  local mode=on role="Sync Standby" r t0 rs strict=${1:-} expect=PatroniSyncStandbyMissing
  if [ "$LAB_PATRONI" = 4 ] && [ -z "$strict" ]; then mode=quorum; role="Quorum Standby"; fi
  mode=${DRILL_SYNC_MODE:-$mode}
  if [ -n "$strict" ]; then
    lab patronictl edit-config --force -s synchronous_mode_strict=true >/dev/null
    CLEANUPS+=("lab patronictl edit-config --force -s synchronous_mode_strict=false")
    expect=PatroniSyncStandbyMissing/critical; mode="$mode, strict"
  fi
  lab patronictl edit-config --force -s "synchronous_mode=${mode%%,*}" >/dev/null
  CLEANUPS+=("lab patronictl edit-config --force -s synchronous_mode=false")
  until_true 60 bash -c "scripts/lab.sh patronictl list -f json | grep -q '\"$role\"'" ||
    { log "no $role appeared after synchronous_mode=$mode"; DRILL_RC=1; }
  rs=$(replicas); t0=$(date +%s.%N)
  for r in $rs; do lab stop-patroni "$r" >/dev/null; CLEANUPS+=("lab start-patroni $r"); done
  await "$t0" "synchronous_mode=$mode, replicas $rs stopped" 200 "$expect"
  for r in $rs; do lab start-patroni "$r" >/dev/null; done
  lab patronictl edit-config --force -s synchronous_mode=false >/dev/null
  [ -z "$strict" ] || lab patronictl edit-config --force -s synchronous_mode_strict=false >/dev/null
  CLEANUPS=()
  until_true 120 lab_healthy || log "the lab is not healthy again after the replicas came back"
  settle
}

drill_sync_strict() { drill_sync_missing strict; }

# A crash Patroni does not repair: in maintenance mode it leaves a dead postmaster alone.
drill_crashed_paused() {
  local node t0
  lab patronictl pause --wait >/dev/null
  CLEANUPS+=("lab patronictl resume --wait")
  node=$(a_replica); t0=$(date +%s.%N)
  lab kill-postgres "$node" >/dev/null
  await "$t0" "maintenance mode, $node's postmaster SIGKILLed" 420 PatroniPostgresNotRunning
  record "state Patroni reported for $node" \
    "patroni_postgres_state $(prom_query "max(scope_member:patroni_postgres_state:max{member=\"$node\"})" |
      python3 -c 'import json,sys; r=json.load(sys.stdin); print(r[0]["value"][1] if r else "absent")')" "-"
  lab patronictl resume --wait >/dev/null; CLEANUPS=()
  until_true 120 lab_healthy || log "$node did not come back after resume"
  settle
}

# An alert that fires in Prometheus but that Alertmanager inhibits (the critical of the same alert and member
# silences its warning): recorded from Prometheus' ALERTS, with the time since T0.
# firing_in_prometheus T0 INCIDENT SECONDS SELECTOR
firing_in_prometheus() {
  local deadline; deadline=$(python3 -c "print(int($1 + $(window "$3")))")
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if [ "$(prom_query "ALERTS{alertstate=\"firing\",$4}")" != "[]" ]; then
      record "$2" "{$4} firing in Prometheus (inhibited)" "$(python3 -c "import time; print('%.1fs' % (time.time() - $1))")"
      return 0
    fi
    sleep 2
  done
  log "MISSING in Prometheus: {$4}"; DRILL_RC=1
}

# Failsafe mode (Patroni 3.0+): with the DCS away the leader stays primary while every member answers its
# POST /failsafe. DcsUnreachable pages for the outage, FailsafeActive says why the primary is still up, and
# ClusterUnlocked must not page (the window outlasts the one in which it paged in step etcd).
drill_failsafe() {
  local t0
  lab patronictl edit-config --force -s failsafe_mode=true >/dev/null
  CLEANUPS+=("lab patronictl edit-config --force -s failsafe_mode=false")
  sleep $((2 * LAB_LOOP_WAIT))   # every member has read it
  t0=$(date +%s.%N)
  lab stop-etcd >/dev/null
  CLEANUPS=("lab start-etcd" "${CLEANUPS[@]}")
  hold "$t0" 150
  await "$t0" "failsafe_mode on, stop the DCS (etcd) for $(window 150) s" 180 PatroniFailsafeActive PatroniDcsUnreachable
  forbid "$t0" PatroniClusterUnlocked
  lab start-etcd >/dev/null
  lab patronictl edit-config --force -s failsafe_mode=false >/dev/null; CLEANUPS=()
  settle
}

# A replica whose WAL receiver cannot reconnect: the replication role may not log in, then its walsender on the
# leader is ended. PatroniReplicaNotStreaming rests on patroni_postgres_streaming (Patroni 3.0.4+); a rule on
# PostgreSQL's own view (patroni_pg_wal_receiver_streaming) sees it on any version. On 3.0.2 without such a rule
# nothing can fire: the step then records that and expects nothing.
drill_not_streaming() {
  local node t0 expect=()
  if patroni_at_least 3 0 4 || grep -q 'patroni_pg_wal_receiver_streaming' rules/*.yml; then
    expect=(PatroniReplicaNotStreaming)
  else
    log "Patroni $LAB_PATRONI_VERSION has no patroni_postgres_streaming and no rule reads patroni_pg_wal_receiver_streaming: nothing can fire"
  fi
  node=$(a_replica)
  psql_leader "ALTER ROLE replicator NOLOGIN" >/dev/null
  CLEANUPS+=("psql_leader 'ALTER ROLE replicator LOGIN'")
  t0=$(date +%s.%N)
  psql_leader "SELECT pg_terminate_backend(pid) FROM pg_stat_replication WHERE application_name = '$node'" >/dev/null
  if [ ${#expect[@]} -gt 0 ]; then
    await "$t0" "WAL receiver of $node kept from reconnecting" 200 "${expect[@]}"
  else
    hold "$t0" 200
    record_since "$t0" "WAL receiver of $node kept from reconnecting (3.0.2: no rule can see it)"
  fi
  # What a rule on PostgreSQL's own view would have seen meanwhile.
  record "PostgreSQL's view of $node over the step" \
    "patroni_pg_wal_receiver_streaming min $(prom_query "min(min_over_time(patroni_pg_wal_receiver_streaming{name=\"$node\"}[1m]))" |
      python3 -c 'import json,sys; r=json.load(sys.stdin); print(r[0]["value"][1] if r else "absent")')" "-"
  psql_leader "ALTER ROLE replicator LOGIN" >/dev/null; CLEANUPS=()
  settle
}

# A PostgreSQL that cannot start: a library that does not exist in shared_preload_libraries (the member's own
# patroni.yml), then a restart: Patroni reports "restart failed"/"start failed", states it does not leave.
drill_postgres_broken() {
  local node t0; node=$(a_replica)
  set_member_parameter "$node" shared_preload_libraries drill_no_such_library
  CLEANUPS+=("set_member_parameter $node shared_preload_libraries -")
  # The reload is asynchronous: a restart issued before Patroni applied it starts with the old parameters (and
  # runs: seen on 3.0.2). Wait until Patroni says the member needs a restart.
  until_true 60 member_pending_restart "$node" || log "$node does not report a pending restart"
  t0=$(date +%s.%N)
  lab patronictl restart "$LAB_SCOPE" "$node" --force >/dev/null 2>&1 || true
  # Patroni retries the start every loop; what it reports meanwhile varies ("start failed" or "restart failed"
  # between "starting" and "stopped": docs/alerting.md). The critical fires on a failed state held for its
  # `for:`, or seen repeatedly within its flap window (2 minutes, also in the fast rendering) without running.
  await "$t0" "$node restarted with shared_preload_libraries=drill_no_such_library" 480 PatroniPostgresNotRunning/critical
  local range; range=$(python3 -c "import time; print(int(time.time() - $t0) + 1)")
  record "states Patroni reported for $node" "patroni_postgres_state $(for f in min max; do
    prom_query "${f}_over_time(max(scope_member:patroni_postgres_state:max{member=\"$node\"})[${range}s:3s])" |
      python3 -c "import json,sys; r=json.load(sys.stdin); print('$f', r[0]['value'][1] if r else 'absent', end=' ')"; done)over the step" "-"
  set_member_parameter "$node" shared_preload_libraries -; CLEANUPS=()
  lab patronictl restart "$LAB_SCOPE" "$node" --force >/dev/null 2>&1 || true
  until_true 120 lab_healthy || log "$node did not come back"
  settle
}

# An exporter connecting with a role that is neither superuser nor in pg_monitor, scraped next to the lab's own.
drill_privileges() {
  local port t0 args=() url pass
  pass=$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
  psql_leader "CREATE ROLE drill_monitor LOGIN PASSWORD '$pass'" >/dev/null
  CLEANUPS+=("psql_leader 'DROP ROLE IF EXISTS drill_monitor'")
  printf '127.0.0.1:*:*:drill_monitor:%s\n' "$pass" >"$ALERTING_DIR/drill_monitor.pgpass"
  chmod 600 "$ALERTING_DIR/drill_monitor.pgpass"
  port=$(free_port)
  args=(--web.listen-address "127.0.0.1:$port" --patroni.timeout 2s
        --postgres.dsn-template "user=drill_monitor dbname=$LAB_PGDATABASE sslmode=disable connect_timeout=2 passfile=$ALERTING_DIR/drill_monitor.pgpass")
  for url in $LAB_PATRONI_URLS; do args+=(--patroni.url "$url"); done
  "$EXPORTER" "${args[@]}" >>"$ALERTING_DIR/exporter-drill_monitor.log" 2>&1 &
  EXTRA_EXPORTER_PID=$!
  wait_http "http://127.0.0.1:$port/-/healthy" 20 || die "the drill_monitor exporter did not start"
  t0=$(date +%s.%N)
  echo "[{\"targets\": [\"127.0.0.1:$port\"], \"labels\": {\"drill\": \"drill_monitor\"}}]" >"$ALERTING_DIR/drill-targets.json"
  await "$t0" "an exporter whose role lacks pg_monitor" 720 PatroniExporterMissingPrivileges
  # The same exporter refused by PostgreSQL (the role may no longer log in) while Patroni says it runs.
  t0=$(date +%s.%N)
  psql_leader "ALTER ROLE drill_monitor NOLOGIN" >/dev/null
  sleep 2   # the role change replays on the replicas; then its sessions end on every member
  local port
  for port in $LAB_PG_PORTS; do
    PGPASSFILE=$LAB_PGPASSFILE psql -XAtq -h "$LAB_PG_HOST" -p "$port" -U "$LAB_PGUSER" -d "$LAB_PGDATABASE" \
      -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'drill_monitor'" >/dev/null || true
  done
  await "$t0" "the same exporter's role may not log in" 200 PatroniExporterTargetDown
  echo '[]' >"$ALERTING_DIR/drill-targets.json"
  kill -TERM "$EXTRA_EXPORTER_PID"; wait "$EXTRA_EXPORTER_PID" 2>/dev/null || true; EXTRA_EXPORTER_PID=
  psql_leader "DROP ROLE drill_monitor" >/dev/null; CLEANUPS=()
  settle
}

# A replica on another timeline than the leader: with pg_rewind off, the old leader diverges (it wrote WAL no
# replica received: their WAL receivers were stopped) and crashes; a replica is promoted; the old leader comes
# back as a replica still on its old timeline, which it cannot leave without a rewind or a rebuild.
drill_timeline() {
  local old r pid pids="" t0 new
  lab patronictl edit-config --force -s postgresql.use_pg_rewind=false >/dev/null
  CLEANUPS+=("lab patronictl edit-config --force -s postgresql.use_pg_rewind=true")
  sleep $((2 * LAB_LOOP_WAIT))
  old=$(leader)
  for r in $(replicas); do pid=$(walreceiver_pid "$r"); [ -z "$pid" ] || { kill -STOP "$pid"; pids+=" $pid"; }; done
  STOPPED_PIDS=$pids
  psql_leader "CREATE TABLE drill_diverge AS SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 100000) g" >/dev/null
  lab kill-patroni "$old" >/dev/null
  lab kill-postgres "$old" >/dev/null
  CLEANUPS+=("lab start-patroni $old")
  for pid in $pids; do kill -CONT "$pid" 2>/dev/null || true; done
  STOPPED_PIDS=
  until_true 120 bash -c "[ \"\$(scripts/lab.sh patronictl list -f json | python3 -c 'import json,sys; print([m[\"Member\"] for m in json.load(sys.stdin) if m[\"Role\"] == \"Leader\"][0])')\" != $old ]" ||
    { log "no new leader after $old crashed"; DRILL_RC=1; }
  new=$(leader)
  t0=$(date +%s.%N)
  lab start-patroni "$old" >/dev/null
  await "$t0" "$old back without pg_rewind after a diverging failover to $new" 420 PatroniReplicaTimelineMismatch
  lab patronictl edit-config --force -s postgresql.use_pg_rewind=true >/dev/null
  lab patronictl reinit "$LAB_SCOPE" "$old" --force --wait >/dev/null 2>&1 || lab patronictl reinit "$LAB_SCOPE" "$old" --force >/dev/null || true
  CLEANUPS=()
  until_true 180 lab_healthy || log "$old did not come back after reinit"
  psql_leader "DROP TABLE IF EXISTS drill_diverge" >/dev/null || true
  settle
}

# A standby cluster (scripts/lab.sh LAB_STANDBY_OF) that falls behind its upstream: its standby leader told to
# apply WAL 10 minutes late (standby_cluster.recovery_min_apply_delay) while the upstream commits every 2 s. The
# standby leader's own view (replay delay, --postgres.dsn-template) is what sees it: its upstream is outside the
# scope. Its scope has a leader throughout (the standby_leader): ClusterUnlocked must not page.
drill_standby_lag() {
  [ -n "${LAB_STANDBY_OF:-}" ] || { log "not a standby lab (LAB_STANDBY_OF unset): skipping"; return 0; }
  local t0 writer
  lab patronictl edit-config --force -s standby_cluster.recovery_min_apply_delay=600s >/dev/null
  CLEANUPS+=("lab patronictl edit-config --force -s standby_cluster.recovery_min_apply_delay=null")
  ( . "$LAB_STANDBY_OF/lab.env"
    while :; do
      port=$(LAB_DIR=$LAB_STANDBY_OF scripts/lab.sh patronictl list -f json 2>/dev/null |
        python3 -c 'import json,sys; print([m["Host"].rsplit(":",1)[1] for m in json.load(sys.stdin) if m["Role"] == "Leader"][0])') || { sleep 2; continue; }
      PGPASSFILE=$LAB_PGPASSFILE psql -XAtq -h 127.0.0.1 -p "$port" -U postgres -d postgres \
        -c "CREATE TABLE IF NOT EXISTS drill_standby (t timestamptz); INSERT INTO drill_standby VALUES (now())" >/dev/null 2>&1
      sleep 2
    done ) &
  writer=$!
  CLEANUPS+=("kill $writer")
  t0=$(date +%s.%N)
  await "$t0" "standby leader applying 10 min late, upstream commits every 2 s" 480 PatroniReplicationLagHigh
  forbid "$t0" PatroniClusterUnlocked
  kill "$writer" 2>/dev/null || true
  lab patronictl edit-config --force -s standby_cluster.recovery_min_apply_delay=null >/dev/null; CLEANUPS=()
  settle
}

# Redundancy lost: both replicas' Patroni die (SIGKILL; their postmasters keep streaming, as after an OOM kill
# of Patroni alone). Once their keys expire (ttl) the cluster view lists the leader alone: no failover candidate
# left, and two members vanished without a clean stop.
drill_redundancy_lost() {
  local r rs t0; rs=$(replicas); t0=$(date +%s.%N)
  for r in $rs; do lab kill-patroni "$r" >/dev/null; CLEANUPS+=("lab start-patroni $r"); done
  await "$t0" "both replicas' Patroni SIGKILLed ($rs)" 420 PatroniRedundancyLost PatroniMemberDisappeared
  for r in $rs; do lab start-patroni "$r" >/dev/null; done; CLEANUPS=()
  until_true 120 lab_healthy || log "$rs did not come back"
  settle
}

# A member whose Patroni dies (SIGKILL) leaves the cluster view once its key expires, without the state
# "stopped" a clean stop publishes first (step scale-in, the planned control, pages nobody). One replica is
# left to take over: no RedundancyLost.
drill_member_disappeared() {
  local node t0; node=$(a_replica); t0=$(date +%s.%N)
  lab kill-patroni "$node" >/dev/null
  CLEANUPS+=("lab start-patroni $node")
  await "$t0" "a replica's Patroni SIGKILLed ($node)" 300 PatroniMemberDisappeared
  forbid "$t0" PatroniRedundancyLost
  lab start-patroni "$node" >/dev/null; CLEANUPS=()
  until_true 120 lab_healthy || log "$node did not come back"
  settle
}

set_member_watchdog() {   # NODE MODE [DEVICE]: the watchdog section of NODE's own patroni.yml, reloaded
  python3 - "$LAB_DIR/$1/patroni.yml" "$2" "${3:-}" <<'PY'
import sys
path, mode, device = sys.argv[1:]
lines = open(path).read().split("\n")
at = lines.index("watchdog:")
end = at + 1
while end < len(lines) and lines[end].startswith("  "):
    end += 1
lines[at + 1:end] = ["  mode: %s" % mode] + (["  device: %s" % device] if device else [])
open(path, "w").write("\n".join(lines))
PY
  lab patronictl reload "$LAB_SCOPE" "$1" --force >/dev/null
}

# Patroni (3.0.2 and 4.0, watchdog/base.py) reports watchdog_failed while the mode is `required` and the device
# is not usable: LinuxWatchdogDevice.is_healthy is "the device exists and is writable". The lab's machine has
# no watchdog device (and loading softdog would arm a reset of the whole machine), so a replica is pointed at a
# device path that does not exist: what an unloaded driver or a wrong device looks like. On a replica that only
# keeps it from being promoted (ha.py: "not watchdog capable").
drill_watchdog_failed() {
  local node t0; node=$(a_replica); t0=$(date +%s.%N)
  set_member_watchdog "$node" required "$LAB_DIR/$node/no-such-watchdog"
  CLEANUPS+=("set_member_watchdog $node off")
  await "$t0" "$node: watchdog mode required, no such device" 420 PatroniWatchdogFailed
  set_member_watchdog "$node" off; CLEANUPS=()
  settle
}

# A member whose data directory belongs to another database (a fresh initdb): Patroni 3.0.2 exits on it
# ("system ID mismatch", ha.py) unless the cluster is paused, where it keeps running and reports the new
# system identifier in GET /patroni (from pg_controldata) while leaving the stopped PostgreSQL alone. So: the
# replica stopped cleanly, maintenance mode, its data directory moved aside and replaced by an initdb of its
# own, its Patroni started again; then everything put back before `resume` (which would make it exit).
drill_system_id_mismatch() {
  local node t0 data; node=$(a_replica); data=$LAB_DIR/$node/data
  lab stop-patroni "$node" >/dev/null
  CLEANUPS+=("lab start-patroni $node")
  lab patronictl pause --wait >/dev/null
  CLEANUPS=("lab patronictl resume --wait" "${CLEANUPS[@]}")
  mv "$data" "$data.drill"
  CLEANUPS=("lab stop-patroni $node; rm -rf $data; mv $data.drill $data" "${CLEANUPS[@]}")
  install -d -m 700 -o "$LAB_USER" -g "$LAB_USER" "$data"
  /usr/bin/setpriv --reuid="$LAB_USER" --regid="$LAB_USER" --init-groups /usr/bin/env -i PATH=/usr/bin:/bin \
    "$LAB_PG_BIN/initdb" -D "$data" -U postgres -A trust --no-sync >>"$ALERTING_DIR/initdb.log" 2>&1
  t0=$(date +%s.%N)
  lab start-patroni "$node" >/dev/null
  await "$t0" "$node on a data directory of its own initdb (maintenance mode)" 420 PatroniSystemIdentifierMismatch
  lab stop-patroni "$node" >/dev/null; rm -rf "$data"; mv "$data.drill" "$data"
  lab start-patroni "$node" >/dev/null
  lab patronictl resume --wait >/dev/null; CLEANUPS=()
  until_true 120 lab_healthy || log "$node did not come back"
  settle
}

# Three switchovers in a row, each once the cluster is healthy again. The drill copy of the rules cuts the
# flapping window from an hour to 2 minutes (scripts/lab/drill_rules.py), so that the drill's other switches
# (etcd, leader-patroni, switchover, timeline, minutes apart) do not add up to three within it, while these do.
drill_failover_flapping() {
  local i t0; t0=$(date +%s.%N)
  for i in 1 2 3; do
    until_true 60 lab_healthy || log "not healthy before switchover $i"
    lab patronictl switchover --leader "$(leader)" --force >/dev/null
    sleep 5
  done
  await "$t0" "three switchovers in a row" 150 PatroniFailoverFlapping
  until_true 120 lab_healthy || log "the lab is not healthy after the switchovers"
  settle
}

drill_restart() {
  local t0; t0=$(date +%s.%N)
  lab patronictl restart "$LAB_SCOPE" --force >/dev/null
  planned "$t0" "patronictl restart of every member" 150
  until_true 60 lab_healthy || true
  settle
}

drill_scale_in() {
  local node t0; node=$(a_replica); t0=$(date +%s.%N)
  lab stop-patroni "$node" >/dev/null
  CLEANUPS+=("lab start-patroni $node")
  planned "$t0" "scale-in: $node stopped for good" 150
  lab start-patroni "$node" >/dev/null; CLEANUPS=()
  until_true 120 lab_healthy || log "$node did not come back"
  settle
}

# --- running them ------------------------------------------------------------------------------------------------

step_names() { local l; for l in "${DRILL_STEP_LIST[@]}"; do echo "${l%% *}"; done; }

cmd_drill() {
  if [ "${1:-}" = steps ]; then printf '%s\n' "${DRILL_STEP_LIST[@]}"; return 0; fi
  [ -f "$STATE" ] || die "run scripts/alerting-lab.sh up first"
  # shellcheck source=/dev/null
  . "$STATE"
  [ -n "${ALERTMANAGER_PORT:-}" ] || die "the drill needs Alertmanager (apt-get install prometheus-alertmanager)"
  # shellcheck source=/dev/null
  . "$LAB_DIR/lab.env"
  DRILL_FAST=${DRILL_FAST:-${ALERTING_FAST:-0}}
  local requested=("$@") steps=() s n known
  if [ "${1:-}" = fast ]; then DRILL_FAST=1; read -r -a requested <<<"$DRILL_FAST_STEPS"; fi
  [ ${#requested[@]} -gt 0 ] || read -r -a requested <<<"${DRILL_STEPS:-$(step_names | tr '\n' ' ')}"
  for s in "${requested[@]}"; do
    if [[ $s =~ ^[1-8]$ ]]; then s=${DRILL_NUMBERED[$((s - 1))]}; fi
    known=; for n in $(step_names); do [ "$n" = "$s" ] && known=1; done
    [ -n "$known" ] || die "no drill step '$s' (scripts/alerting-lab.sh drill steps)"
    steps+=("$s")
  done
  local t_start=$SECONDS
  # The drill's copy of the rules first, and quiet by those: the shipped rules keep PatroniFailoverFlapping
  # firing for an hour after a run with step failover-flapping, the copy's 2-minute window does not.
  python3 "$LAB_PY/drill_rules.py" "$DRILL_FAST" "$PWD/rules" "$ALERTING_DIR/drill-rules"
  trap drill_cleanup EXIT
  use_rules "$ALERTING_DIR/drill-rules"
  DRILL_RULES_IN_USE=1
  log "Prometheus evaluates the drill's copy of the rules ($ALERTING_DIR/drill-rules, fast: $DRILL_FAST)"
  log "waiting for a quiet cluster and history in Prometheus"
  wait_quiet 300 || die "Patroni alerts are firing before the drill: $(prom_query 'ALERTS')"
  # Two minutes of history (the shipped intervals), or a few scrapes with the fast ones (no fast-drill step
  # compares with the past beyond its own incident).
  local need=24; [ "${ALERTING_FAST:-0}" != 1 ] || need=4
  until [ "$(prom_query "count_over_time(up{job=\"patroni\"}[5m]) >= $need")" != "[]" ]; do sleep 3; done

  local durations=() t
  for s in "${steps[@]}"; do
    CURRENT_STEP=$s
    log "step $s (Patroni $LAB_PATRONI_VERSION)"
    t=$SECONDS
    "drill_${s//-/_}"
    durations+=("$s $((SECONDS - t)) s")
  done

  echo
  printf '%-16s %-50s %-56s %s\n' "step" "incident" "notification received (severity) member" "after"
  printf '%s\n' "${RESULTS[@]}"
  echo
  echo "pages (critical) during planned operations: $PLANNED_PAGES; warnings: $PLANNED_OTHER"
  echo "time per step (incident, notifications, recovery): $(IFS=,; echo "${durations[*]}" | sed 's/,/, /g')"
  local rendering="shipped (hour-long ones cut)"; [ "$DRILL_FAST" != 1 ] || rendering="fast (for: 10-30 s)"
  echo "drill: ${#steps[@]} steps in $((SECONDS - t_start)) s, Patroni $LAB_PATRONI_VERSION, rules $rendering; $([ "$DRILL_RC" = 0 ] && echo passed || echo FAILED)"
  return $DRILL_RC
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  drill) shift; cmd_drill "$@" ;;
  *) sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"; [ "${1:-}" = -h ] || [ "${1:-}" = --help ] || exit 2 ;;
esac
