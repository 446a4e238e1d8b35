#!/usr/bin/env bash
# A real, throw-away Patroni cluster on 127.0.0.1 for patroni_exporter's demo and integration tests:
# one etcd (v3 API) and N Patroni members running PostgreSQL 15, every port probed free. The members run Debian
# 12's Patroni 3.0.2 (LAB_PATRONI=3, the default) or Debian 13's Patroni 4.0 (LAB_PATRONI=4), see below.
#
#   scripts/lab.sh up                      start (or reuse a healthy) lab, wait until healthy, write lab.env
#   scripts/lab.sh down                    stop everything the lab started (tracked PIDs only), remove its data
#   scripts/lab.sh status                  say whether the lab is up and healthy; show `patronictl list`
#   scripts/lab.sh env                     print lab.env (fails when the lab is not up)
#   scripts/lab.sh patronictl ARGS...      run patronictl against the lab, e.g. `list -f json`, `pause --wait`
#   scripts/lab.sh kill-patroni nodeK      SIGKILL nodeK's Patroni (its postmaster keeps running, as in real life)
#   scripts/lab.sh start-patroni nodeK     start nodeK's Patroni again (it adopts a still-running postmaster)
#   scripts/lab.sh stop-patroni nodeK      stop nodeK cleanly (SIGTERM: Patroni stops its PostgreSQL and exits), as
#                                          an operator stopping a member would; start-patroni brings it back
#   scripts/lab.sh kill-postgres nodeK     SIGKILL nodeK's postmaster (Patroni notices and restarts it)
#   scripts/lab.sh stop-etcd | start-etcd  take the DCS away / bring it back (same data, same port)
#
# Environment (read by `up`; every other command reads the running lab's own state from $LAB_DIR):
#   LAB_DIR=/tmp/patroni-exporter-lab  state, data and logs (every parent must be traversable by the lab user)
#   LAB_MEMBERS=3  LAB_SCOPE=demo  LAB_TTL=20  LAB_LOOP_WAIT=5  LAB_RETRY_TIMEOUT=5
#   LAB_UP_TIMEOUT=90       seconds `up` waits for a healthy cluster before it gives up (and tears down)
#   LAB_KEEP_LOGS=1         `down` keeps $LAB_DIR/logs (a failed `up` always keeps them)
#   LAB_KEEP_FAILED=1       a failed `up` leaves the processes running for inspection (`down` cleans up)
#   LAB_USER=patroni-lab    the unprivileged system user everything runs as (created on first `up`)
#   LAB_TLS=1               HTTPS REST APIs that require client certificates (restapi.verify_client: required);
#                           certificates made with openssl in $LAB_DIR/tls, paths in lab.env (LAB_TLS_*). Off: HTTP
#   LAB_PATRONI=3           3: Debian 12's /usr/bin/patroni (3.0.2). 4: Debian 13 (trixie)'s `patroni` package
#                           (4.0.7), fetched once with `apt-get download` through a private apt configuration
#                           (the system's apt sources are never changed, nothing is installed), unpacked with
#                           `dpkg-deb -x` into $LAB_PATRONI_CACHE/patroni-4 and run from there with Debian 12's
#                           python3 and libraries (python3-psycopg2, -etcd, -click, ...: install-deps.sh).
#                           lab.env says which one runs: LAB_PATRONI and LAB_PATRONI_VERSION (e.g. 4.0.7).
#   LAB_PATRONI_CACHE=/var/cache/patroni-exporter-lab   where LAB_PATRONI=4 keeps the package (reused when present)
#   LAB_DEBIAN_MIRROR=URL   the Debian archive for LAB_PATRONI=4 (default: the one the system's apt sources use)
#   LAB_STANDBY_OF=DIR      boot a standby cluster of the lab running in DIR (its LAB_DIR, up and healthy): Patroni's
#                           standby_cluster in bootstrap.dcs, replicating from the leader DIR had at `up` (host and
#                           port of its PostgreSQL), its own etcd and scope (default scope `standby`), members
#                           standby1..N (their application_name on the upstream must not be one of its members'),
#                           the upstream's superuser and replication passwords (the data is a copy of its). Its
#                           leader has the role standby_leader; lab.env says LAB_STANDBY_OF and the upstream port.
#
# `up` run with explicit LAB_MEMBERS/LAB_SCOPE/LAB_TTL/... that differ from a running lab rebuilds it; without
# them it reuses whatever healthy lab runs in $LAB_DIR. Exit codes: 0 ok, 1 error; `status`: 0 up and healthy,
# 1 up but unhealthy, 3 down.
#
# Must run as root on Debian 12 (patroni, etcd-server, python3-etcd, postgresql-15, curl: see install-deps.sh).
# Why it looks the way it does: docs/lab.md (pitfall numbers below refer to its list).
set -euo pipefail
set +m        # no job control: a background child must not lead its own process group (see spawn)
umask 022
export LC_ALL=C   # our own tools (EPOCHREALTIME's decimal point, sort) behave the same everywhere

# ---------------------------------------------------------------------------------------------------------------
# Configuration

LAB_DIR=${LAB_DIR:-/tmp/patroni-exporter-lab}
LAB_DIR=${LAB_DIR%/}
LAB_USER=${LAB_USER:-patroni-lab}
req_user=$LAB_USER

# What `up` is asked for. Kept apart from the LAB_* variables because load_state overwrites those with the
# running lab's values; the *_set flags remember which ones the caller chose explicitly.
req_members=${LAB_MEMBERS:-3};              req_members_set=${LAB_MEMBERS+1}
req_scope=${LAB_SCOPE:-demo};               req_scope_set=${LAB_SCOPE+1}
req_ttl=${LAB_TTL:-20};                     req_ttl_set=${LAB_TTL+1}
req_loop_wait=${LAB_LOOP_WAIT:-5};          req_loop_wait_set=${LAB_LOOP_WAIT+1}
req_retry_timeout=${LAB_RETRY_TIMEOUT:-5};  req_retry_timeout_set=${LAB_RETRY_TIMEOUT+1}
req_tls=${LAB_TLS:-0};                      req_tls_set=${LAB_TLS+1}
req_patroni=${LAB_PATRONI:-3};              req_patroni_set=${LAB_PATRONI+1}
req_standby_of=${LAB_STANDBY_OF:-};         req_standby_of=${req_standby_of%/}
[ -z "$req_standby_of" ] || [ -n "$req_scope_set" ] || req_scope=standby
PATRONI_CACHE=${LAB_PATRONI_CACHE:-/var/cache/patroni-exporter-lab}
PATRONI_CACHE=${PATRONI_CACHE%/}
UP_TIMEOUT=${LAB_UP_TIMEOUT:-90}
KEEP_LOGS=${LAB_KEEP_LOGS:-0}
KEEP_FAILED=${LAB_KEEP_FAILED:-0}
HEALTH_GRACE=15   # an existing lab whose processes all live gets this long to look healthy before `up` rebuilds it
STOP_TIMEOUT=45   # per stop phase, before escalating to a harder signal

# Absolute paths only: a pyenv python3 earlier in PATH cannot import etcd (pitfall 4).
readonly PG_BIN=/usr/lib/postgresql/15/bin
readonly PATRONI=/usr/bin/patroni PATRONICTL=/usr/bin/patronictl PYTHON=/usr/bin/python3 ETCD=/usr/bin/etcd
# Its Python parts (scripts/lab/*.py), by absolute path: the script changes directory. Run as root.
LAB_PY=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lab
readonly LAB_PY
# This script by absolute path, for the commands that run it again after changing directory (status).
SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/$(basename "${BASH_SOURCE[0]}")
readonly SELF
readonly CLEAN_PATH=/usr/sbin:/usr/bin:/sbin:/bin
readonly MARKER=.patroni-exporter-lab   # only a directory holding this file is ever `rm -rf`ed
# One lock for every lab on the machine: it serialises port probing with the binding of those ports (two labs
# starting at once would otherwise pick the same "free" ports) and keeps up/down of one lab from interleaving.
readonly LOCK_FILE=/run/lock/patroni-exporter-lab.lock
readonly LAB_REGISTRY=/run/lock/patroni-exporter-lab.dirs   # every LAB_DIR that holds a lab (pick_ports)

LAB_UID=-1   # set by lookup_user; -1 matches no process

# ---------------------------------------------------------------------------------------------------------------
# Small helpers

log() { printf 'lab: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
now_us() { echo "${EPOCHREALTIME/./}"; }
elapsed() { local us=$(( $(now_us) - $1 )); printf '%d.%d' $((us / 1000000)) $((us % 1000000 / 100000)); }

require_root() { [ "$(id -u)" -eq 0 ] || die "must run as root (it creates and switches to the user $LAB_USER)"; }

take_lock() {
  mkdir -p "$(dirname "$LOCK_FILE")"
  exec 9>>"$LOCK_FILE"
  flock -w 300 9 || die "another scripts/lab.sh holds $LOCK_FILE for over 300 s"
}

validate_lab_dir() {
  # Strict on purpose: the path goes unquoted into YAML and pgpass, and `down` removes it recursively.
  [[ $LAB_DIR =~ ^/[A-Za-z0-9._/-]+$ ]] || die "LAB_DIR must be an absolute path of [A-Za-z0-9._/-]: '$LAB_DIR'"
  [[ $LAB_DIR =~ ^/[^/]+/[^/]+ ]] || die "LAB_DIR '$LAB_DIR' is too close to / to be removed safely"
  if [ -d "$LAB_DIR" ] && [ ! -e "$LAB_DIR/$MARKER" ] && [ -n "$(ls -A "$LAB_DIR")" ]; then
    die "$LAB_DIR exists, is not empty and was not made by scripts/lab.sh: refusing to use or remove it"
  fi
}

validate_request() {
  [[ $req_members =~ ^[1-9][0-9]?$ ]] || die "LAB_MEMBERS must be 1..99, got '$req_members'"
  [[ $req_scope =~ ^[A-Za-z0-9_-]+$ ]] || die "LAB_SCOPE must match [A-Za-z0-9_-]+, got '$req_scope'"
  local v
  for v in "$req_ttl" "$req_loop_wait" "$req_retry_timeout" "$UP_TIMEOUT"; do
    [[ $v =~ ^[1-9][0-9]*$ ]] || die "LAB_TTL, LAB_LOOP_WAIT, LAB_RETRY_TIMEOUT, LAB_UP_TIMEOUT: positive integers"
  done
  [[ $req_tls =~ ^[01]$ ]] || die "LAB_TLS must be 0 or 1, got '$req_tls'"
  [[ $req_patroni =~ ^[34]$ ]] || die "LAB_PATRONI must be 3 (Debian 12's 3.0.2) or 4 (Debian 13's 4.0), got '$req_patroni'"
  [[ $PATRONI_CACHE =~ ^/[A-Za-z0-9._/-]+$ ]] || die "LAB_PATRONI_CACHE must be an absolute path of [A-Za-z0-9._/-]"
  if [ -n "$req_standby_of" ]; then
    [[ $req_standby_of =~ ^/[A-Za-z0-9._/-]+$ ]] || die "LAB_STANDBY_OF must be an absolute path of [A-Za-z0-9._/-]"
    [ "$req_standby_of" != "$LAB_DIR" ] || die "LAB_STANDBY_OF names this lab itself"
    [ -f "$req_standby_of/lab.env" ] || die "LAB_STANDBY_OF=$req_standby_of: no lab is up there"
  fi
}

lookup_user() { LAB_UID=$(id -u "$LAB_USER" 2>/dev/null) || LAB_UID=-1; }

ensure_user() {
  # PostgreSQL refuses to run as root (pitfall 1). Its home is not in $LAB_DIR, which `down` deletes and which
  # can change from run to run: every process gets HOME=$LAB_DIR/home explicitly instead.
  if ! id -u "$LAB_USER" >/dev/null 2>&1; then
    log "creating system user $LAB_USER"
    useradd --system --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin \
      --comment "patroni_exporter lab (scripts/lab.sh)" "$LAB_USER"
  fi
  lookup_user
}

# lab_cmd [NAME=VALUE...]: sets CMD to the prefix that runs a command as the lab user with exactly this
# environment and nothing of the caller's (no pyenv PATH, PG*, ETCD_*, http_proxy, LC_*). LANG/LC_ALL C.UTF-8:
# the only UTF-8 locale guaranteed to exist (pitfall 6). env and setpriv both exec in place (pitfall 1: su and
# runuser fork), so a command started with `"${CMD[@]}" daemon &` has $! = the daemon's own PID.
lab_cmd() {
  CMD=(/usr/bin/env -i PATH="$CLEAN_PATH" LANG=C.UTF-8 LC_ALL=C.UTF-8 HOME="$LAB_DIR/home" USER="$LAB_USER"
       LOGNAME="$LAB_USER" "${PATRONI_ENV[@]}" "$@"
       /usr/bin/setpriv --reuid="$LAB_USER" --regid="$LAB_USER" --init-groups --)
}
as_lab() { local CMD; lab_cmd; "${CMD[@]}" "$@"; }

# spawn LOGFILE PIDFILE CMD...: start a daemon as the lab user, detached, and record its PID.
#   setsid: own session, so the daemon outlives this script and ignores its terminal's Ctrl-C/hang-up; it execs
#     in place because a child of a script without job control never leads a process group.
#   fds above 2 closed: the daemon must not hold our lock (fd 9) forever, nor a pipe of whoever runs us (a test
#     runner reading our output to EOF would wait for the lab's lifetime).
#   cd $LAB_DIR: the daemon doesn't pin the caller's cwd, and every lab process (postgres children included) has
#     its cwd under $LAB_DIR, which is how teardown recognises stragglers.
spawn() {
  local logfile=$1 pidfile=$2 CMD; shift 2
  lab_cmd
  (
    cd "$LAB_DIR"
    for fd in "/proc/$BASHPID"/fd/*; do
      fd=${fd##*/}
      if [ "$fd" -gt 2 ]; then { exec {fd}>&-; } 2>/dev/null || true; fi
    done
    exec /usr/bin/setsid "${CMD[@]}" "$@"
  ) </dev/null >>"$logfile" 2>&1 &
  echo $! >"$pidfile"
}

# ---------------------------------------------------------------------------------------------------------------
# Which Patroni: Debian 12's 3.0.2 (LAB_PATRONI=3) or Debian 13's 4.0 unpacked from its .deb (LAB_PATRONI=4)

# set_patroni 3|4: the command lines that start a member (PATRONI_CMD, followed by its config file), run
# patronictl (PATRONICTL_CMD) and the environment both need (PATRONI_ENV, added by lab_cmd).
set_patroni() {
  if [ "$1" = 4 ]; then
    PATRONI_ENV=(PYTHONPATH="$PATRONI_CACHE/patroni-4/root/usr/lib/python3/dist-packages")
    # python3 -m patroni runs patroni/__main__.py, as the package's /usr/bin/patroni does (its entry point
    # patroni.__main__:main). patronictl has no __main__: `python3 -m patroni.ctl` imports the module, exits 0 and
    # does nothing (pitfall 16), so its console entry point, patroni.ctl:ctl, is called by hand.
    PATRONI_CMD=("$PYTHON" -m patroni)
    PATRONICTL_CMD=("$PYTHON" -c 'import sys; from patroni.ctl import ctl; sys.argv[0] = "patronictl"; sys.exit(ctl())')
  else
    PATRONI_ENV=()
    PATRONI_CMD=("$PATRONI")
    PATRONICTL_CMD=("$PATRONICTL")
  fi
}
set_patroni 3

# patroni_version: LAB_PATRONI_VERSION from the Patroni code that runs (its patroni/version.py), e.g. 4.0.7.
patroni_version() {
  LAB_PATRONI_VERSION=$(/usr/bin/env -i "${PATRONI_ENV[@]}" "$PYTHON" -c \
    'import patroni.version; print(patroni.version.__version__)' 2>/dev/null) ||
    die "cannot import Patroni's version with ${PATRONI_ENV[*]:-the system python3}"
  [[ $LAB_PATRONI_VERSION == "$LAB_PATRONI".* ]] ||
    die "LAB_PATRONI=$LAB_PATRONI but the Patroni found is $LAB_PATRONI_VERSION"
}

# debian_mirror: the Debian archive the system's own apt sources use for its release (deb822 .sources files
# and one-line .list files), e.g. http://deb.debian.org/debian. LAB_DEBIAN_MIRROR overrides it.
debian_mirror() {
  if [ -n "${LAB_DEBIAN_MIRROR:-}" ]; then echo "${LAB_DEBIAN_MIRROR%/}"; return; fi
  "$PYTHON" "$LAB_PY/debian_mirror.py"
}

# prepare_patroni4: Debian 13's `patroni` package, unpacked once into $PATRONI_CACHE/patroni-4/root and reused
# from then on. apt-get runs with a configuration of its own (sources.list naming only the trixie suite on the
# system's mirror, its own lists and cache directories): the system's apt sources and state stay as they are,
# and the package is never installed (dpkg-deb -x only). Debian 12's python3 runs it (pitfall 16).
prepare_patroni4() {
  local dir=$PATRONI_CACHE/patroni-4 tmp mirror deb version apt_opts
  if [ -f "$dir/version" ] && [ -f "$dir/root/usr/lib/python3/dist-packages/patroni/__main__.py" ]; then
    return 0
  fi
  mirror=$(debian_mirror) || die "cannot tell which Debian mirror to fetch Patroni 4 from (set LAB_DEBIAN_MIRROR)"
  log "preparing Patroni 4 (Debian 13 trixie's package from $mirror) in $dir, once"
  mkdir -p "$PATRONI_CACHE"
  chmod 0755 "$PATRONI_CACHE"
  tmp=$(mktemp -d "$PATRONI_CACHE/.prepare.XXXXXX")
  chmod 0755 "$tmp"
  mkdir -p "$tmp/apt/parts" "$tmp/apt/lists/partial" "$tmp/apt/cache/archives/partial" "$tmp/download"
  # apt fetches as the user _apt where it exists: let it write where it downloads.
  ! id -u _apt >/dev/null 2>&1 || chown _apt "$tmp/apt/lists/partial" "$tmp/apt/cache/archives/partial" "$tmp/download"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" >"$tmp/apt/sources.list"
  apt_opts=(-q -o "Dir::Etc::SourceList=$tmp/apt/sources.list" -o "Dir::Etc::SourceParts=$tmp/apt/parts"
            -o "Dir::State::Lists=$tmp/apt/lists" -o "Dir::Cache=$tmp/apt/cache")
  if ! apt-get "${apt_opts[@]}" update >"$tmp/apt.log" 2>&1 ||
     ! (cd "$tmp/download" && apt-get "${apt_opts[@]}" download patroni) >>"$tmp/apt.log" 2>&1; then
    cat "$tmp/apt.log" >&2
    rm -rf "$tmp"
    die "could not download Debian 13's patroni package from $mirror (log above)"
  fi
  deb=$(find "$tmp/download" -maxdepth 1 -name 'patroni_*_all.deb' -print -quit)
  [ -n "$deb" ] || { rm -rf "$tmp"; die "apt-get download left no patroni_*_all.deb"; }
  dpkg-deb -x "$deb" "$tmp/root" || { rm -rf "$tmp"; die "dpkg-deb -x $deb failed"; }
  version=$(/usr/bin/env -i PYTHONPATH="$tmp/root/usr/lib/python3/dist-packages" "$PYTHON" -c \
    'import patroni.version, patroni.ctl, patroni.dcs.etcd3; print(patroni.version.__version__)' 2>"$tmp/import.log") ||
    { cat "$tmp/import.log" >&2; rm -rf "$tmp"; die "the unpacked Patroni does not import with Debian 12's python3 (install-deps.sh)"; }
  [[ $version == 4.* ]] || { rm -rf "$tmp"; die "trixie's patroni is $version, not 4.x"; }
  echo "$version" >"$tmp/version"
  { echo "package: ${deb##*/}"; echo "from: $mirror trixie"; (cd "${deb%/*}" && sha256sum "${deb##*/}"); } >"$tmp/provenance"
  rm -rf "$tmp/apt" "$tmp/download" "$tmp/apt.log" "$tmp/import.log"
  chmod -R a+rX "$tmp"
  rm -rf "$dir"
  mv "$tmp" "$dir"
  log "Patroni $version unpacked in $dir/root"
}

# ---------------------------------------------------------------------------------------------------------------
# Processes: identify by PID file + owner + command line, never by name (pitfall 2)

# proc_is PID NEEDLE: PID is a live, non-zombie process of the lab user whose command line contains NEEDLE.
# The checks guard against PID reuse; an empty cmdline or state Z means dead, because PID 1 here reaps lazily and
# `kill -0` still succeeds on a zombie (pitfall 3).
proc_is() {
  local pid=$1 needle=$2 uid state cmd
  [[ $pid =~ ^[0-9]+$ ]] && [ "$pid" -gt 1 ] || return 1
  { read -r _ state _ < <(grep -m1 '^State:' "/proc/$pid/status") &&
    read -r _ uid _ < <(grep -m1 '^Uid:' "/proc/$pid/status"); } 2>/dev/null || return 1
  [ "$state" != Z ] && [ "$state" != X ] && [ "$uid" = "$LAB_UID" ] || return 1
  cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
  [ -n "$cmd" ] && [[ $cmd == *"$needle"* ]]
}

read_pid() { { head -n1 "$1" 2>/dev/null || true; } | tr -dc 0-9; }   # empty when the file is gone

patroni_needle() { echo "${PATRONI_CMD[*]} $LAB_DIR/$1/patroni.yml"; }
postmaster_needle() { echo "$PG_BIN/postgres -D $LAB_DIR/$1/data "; }
etcd_needle() { echo "$ETCD --data-dir $LAB_DIR/etcd/data "; }
patroni_pid() { read_pid "$LAB_DIR/$1/patroni.pid"; }
postmaster_pid() { read_pid "$LAB_DIR/$1/data/postmaster.pid"; }   # Patroni double-forks it (pitfall 2)
etcd_pid() { read_pid "$LAB_DIR/etcd/etcd.pid"; }

# stop_all SIGNAL TIMEOUT WHAT PID NEEDLE [PID NEEDLE...]: signal every verified live PID, then wait until all
# are gone. Returns 1 (leaving the survivors alone) if some still live after TIMEOUT seconds.
stop_all() {
  local sig=$1 timeout=$2 what=$3; shift 3
  local -a pids=() needles=()
  while [ $# -gt 0 ]; do
    if proc_is "$1" "$2"; then
      kill -s "$sig" "$1" 2>/dev/null || true
      pids+=("$1"); needles+=("$2")
    fi
    shift 2
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  log "stopping $what (SIG$sig: ${pids[*]})"
  local deadline=$(( $(now_us) + timeout * 1000000 )) i alive
  while :; do
    alive=0
    for i in "${!pids[@]}"; do proc_is "${pids[$i]}" "${needles[$i]}" && alive=1; done
    [ "$alive" = 0 ] && return 0
    [ "$(now_us)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# stop_escalating WHAT 'SIG SECONDS'... -- PID NEEDLE...: stop_all with each signal in turn until all are gone.
stop_escalating() {
  local what=$1; shift
  local -a steps=()
  while [ "$1" != -- ]; do steps+=("$1"); shift; done
  shift
  local step
  for step in "${steps[@]}"; do
    # shellcheck disable=SC2086 # step is "SIGNAL SECONDS"
    stop_all ${step% *} ${step#* } "$what" "$@" && return 0
    log "some $what outlived SIG${step% *}"
  done
  return 1
}

member_dirs() { local d; for d in "$LAB_DIR"/*/patroni.yml; do [ -f "$d" ] && basename "${d%/patroni.yml}"; done; return 0; }

# lab_procs: PIDs of live processes of the lab user whose cwd is under $LAB_DIR (every process this lab starts,
# see spawn; postgres children chdir into their data directory). Other labs run as the same user elsewhere.
lab_procs() {
  local pid state cwd
  [ "$LAB_UID" != -1 ] || return 0
  while read -r pid state; do
    [[ $state != Z* ]] || continue   # zombies wait for the lazy PID 1 (pitfall 3)
    cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || continue
    [[ $cwd == "$LAB_DIR" || $cwd == "$LAB_DIR"/* ]] && echo "$pid"
  done < <(ps -u "$LAB_UID" -o pid=,stat= 2>/dev/null)
  return 0
}

# teardown [keep_logs]: stop everything of the lab in $LAB_DIR, then remove it (but its logs if asked).
teardown() {
  local keep_logs=${1:-$KEEP_LOGS} n args=()
  [ -d "$LAB_DIR" ] || return 0
  local t0 user=$LAB_USER; t0=$(now_us)
  # The lab's own user, which a `down` without the LAB_USER that `up` had would otherwise get wrong.
  # shellcheck disable=SC1091
  [ ! -f "$LAB_DIR/state.env" ] || user=$(. "$LAB_DIR/state.env" && echo "$LAB_USER")
  LAB_UID=$(id -u "$user" 2>/dev/null) || LAB_UID=-1
  # And its own Patroni command line (patroni_needle), whatever LAB_PATRONI this `down` or `up` was given.
  local PATRONI_CMD PATRONI_ENV PATRONICTL_CMD old=3
  # shellcheck disable=SC1091
  [ ! -f "$LAB_DIR/state.env" ] || old=$(. "$LAB_DIR/state.env" && echo "${LAB_PATRONI:-3}")
  set_patroni "$old"

  # 1. Patroni, all members at once: on SIGTERM it stops its postmaster (fast) and releases its DCS keys.
  for n in $(member_dirs); do args+=("$(patroni_pid "$n")" "$(patroni_needle "$n")"); done
  [ ${#args[@]} -eq 0 ] || stop_escalating "patroni" "TERM $STOP_TIMEOUT" "KILL 5" -- "${args[@]}" || true

  # 2. Postmasters Patroni left behind: a SIGKILLed Patroni leaves a running (writable!) postmaster (pitfall 2).
  args=()
  for n in $(member_dirs); do args+=("$(postmaster_pid "$n")" "$(postmaster_needle "$n")"); done
  [ ${#args[@]} -eq 0 ] ||
    stop_escalating "orphan postmaster" "INT $STOP_TIMEOUT" "QUIT 10" "KILL 5" -- "${args[@]}" || true

  # 3. The DCS last, so Patroni could say goodbye to it.
  stop_escalating "etcd" "TERM 20" "KILL 5" -- "$(etcd_pid)" "$(etcd_needle)" || true

  # 4. Stragglers: postgres backends of a SIGKILLed postmaster exit on their own within a moment; a Patroni
  #    child (pg_basebackup, pg_rewind) of a SIGKILLed Patroni might not. Only processes of the lab user with
  #    their cwd in this lab are considered, and only after everything tracked is gone.
  local deadline=$(( $(now_us) + 5000000 )) left said=0
  while left=$(lab_procs) && [ -n "$left" ] && [ "$(now_us)" -lt "$deadline" ]; do
    [ "$said" = 1 ] || log "waiting for lab processes to exit: ${left//$'\n'/ }"
    said=1
    sleep 0.1
  done
  if [ -n "$left" ]; then
    log "warning: untracked lab processes still running, killing them:"
    # shellcheck disable=SC2086
    ps -o pid,ppid,user,args -p "$(echo $left | tr ' ' ,)" >&2 || true
    for n in $left; do kill -KILL "$n" 2>/dev/null || true; done
  fi

  # 5. Data.
  if [ -e "$LAB_DIR/$MARKER" ] || [ -z "$(ls -A "$LAB_DIR")" ]; then
    if [ "$keep_logs" = 1 ] && [ -d "$LAB_DIR/logs" ]; then
      find "$LAB_DIR" -mindepth 1 -maxdepth 1 ! -name logs ! -name "$MARKER" -exec rm -rf --one-file-system {} +
      log "kept logs in $LAB_DIR/logs"
    else
      rm -rf --one-file-system "$LAB_DIR"
    fi
    register_lab remove
  fi
  log "down ($(elapsed "$t0") s)"
}

# ---------------------------------------------------------------------------------------------------------------
# Lab state: state.env (written before anything starts; what down/kill-* need) and lab.env (its public copy,
# written once the lab is healthy; its presence is what "the lab is up" means).

load_state() {
  [ -f "$LAB_DIR/state.env" ] || return 1
  # shellcheck disable=SC1091
  . "$LAB_DIR/state.env"
  read -ra NAMES <<<"$LAB_MEMBER_NAMES"
  read -ra REST_PORTS <<<"$LAB_REST_PORTS"
  read -ra PG_PORTS <<<"$LAB_PG_PORTS"
  read -ra URLS <<<"$LAB_PATRONI_URLS"
  LAB_TLS=${LAB_TLS:-0}   # labs made before LAB_TLS existed were plain HTTP
  LAB_PATRONI=${LAB_PATRONI:-3}   # and before LAB_PATRONI, Patroni 3.0.2
  PATRONI_CACHE=${LAB_PATRONI_CACHE:-$PATRONI_CACHE}
  set_patroni "$LAB_PATRONI"
}

scheme() { if [ "${LAB_TLS:-0}" = 1 ]; then echo https; else echo http; fi; }

# curl_tls: curl's arguments to reach a member's REST API (none without TLS).
curl_tls() {
  [ "${LAB_TLS:-0}" = 1 ] || return 0
  printf '%s\n' --cacert "$LAB_DIR/tls/ca.crt" --cert "$LAB_DIR/tls/client.crt" --key "$LAB_DIR/tls/client.key"
}

check_member() {
  local n
  for n in "${NAMES[@]}"; do [ "$n" = "$1" ] && return 0; done
  die "no member '$1' in this lab (members: ${NAMES[*]})"
}

write_state() {
  local f=$1 i n N
  {
    echo "# patroni_exporter lab, written by scripts/lab.sh $(date -u +%Y-%m-%dT%H:%M:%SZ). Shell-sourceable."
    echo "LAB_DIR=\"$LAB_DIR\""
    echo "LAB_SCOPE=\"$LAB_SCOPE\""
    echo "LAB_NAMESPACE=\"/service/\""
    echo "LAB_MEMBERS=\"$LAB_MEMBERS\""
    echo "LAB_MEMBER_NAMES=\"${NAMES[*]}\""
    echo "LAB_PATRONI_URLS=\"${URLS[*]}\""
    echo "LAB_REST_PORTS=\"${REST_PORTS[*]}\""
    echo "LAB_PG_HOST=\"127.0.0.1\""
    echo "LAB_PG_PORTS=\"${PG_PORTS[*]}\""
    echo "LAB_PGUSER=\"postgres\""
    echo "LAB_PGDATABASE=\"postgres\""
    echo "LAB_PGPASSFILE=\"$LAB_DIR/pgpass\""
    echo "LAB_ETCD_URL=\"http://127.0.0.1:$LAB_ETCD_PORT\""
    echo "LAB_ETCD_PORT=\"$LAB_ETCD_PORT\""
    echo "LAB_ETCD_PEER_PORT=\"$LAB_ETCD_PEER_PORT\""
    echo "LAB_PATRONICTL_CONFIG=\"$LAB_DIR/patronictl.yaml\""
    echo "LAB_TTL=\"$LAB_TTL\""
    echo "LAB_LOOP_WAIT=\"$LAB_LOOP_WAIT\""
    echo "LAB_RETRY_TIMEOUT=\"$LAB_RETRY_TIMEOUT\""
    echo "LAB_USER=\"$LAB_USER\""
    echo "LAB_LOG_DIR=\"$LAB_DIR/logs\""
    echo "LAB_PG_BIN=\"$PG_BIN\""
    echo "LAB_TLS=\"$LAB_TLS\""
    echo "LAB_PATRONI_SCHEME=\"$(scheme)\""
    echo "LAB_PATRONI=\"$LAB_PATRONI\""
    echo "LAB_PATRONI_VERSION=\"$LAB_PATRONI_VERSION\""
    echo "LAB_PATRONI_CACHE=\"$PATRONI_CACHE\""
    echo "LAB_STANDBY_OF=\"${LAB_STANDBY_OF:-}\""
    echo "LAB_STANDBY_UPSTREAM_PORT=\"${LAB_STANDBY_UPSTREAM_PORT:-}\""
    if [ "$LAB_TLS" = 1 ]; then
      # The exporter's certificates and a second, unrelated CA with a client certificate of its own (for tests
      # that must be refused). Member REST APIs present server.crt, signed by ca.crt.
      echo "LAB_TLS_DIR=\"$LAB_DIR/tls\""
      echo "LAB_TLS_CA_FILE=\"$LAB_DIR/tls/ca.crt\""
      echo "LAB_TLS_CERT_FILE=\"$LAB_DIR/tls/client.crt\""
      echo "LAB_TLS_KEY_FILE=\"$LAB_DIR/tls/client.key\""
      echo "LAB_TLS_SERVER_CERT_FILE=\"$LAB_DIR/tls/server.crt\""
      echo "LAB_TLS_OTHER_CA_FILE=\"$LAB_DIR/tls/other-ca.crt\""
      echo "LAB_TLS_OTHER_CERT_FILE=\"$LAB_DIR/tls/other-client.crt\""
      echo "LAB_TLS_OTHER_KEY_FILE=\"$LAB_DIR/tls/other-client.key\""
    fi
    for i in "${!NAMES[@]}"; do
      n=${NAMES[$i]}; N=${n^^}
      echo "LAB_${N}_PATRONI_URL=\"${URLS[$i]}\""
      echo "LAB_${N}_PG_PORT=\"${PG_PORTS[$i]}\""
      echo "LAB_${N}_DATA_DIR=\"$LAB_DIR/$n/data\""
      echo "LAB_${N}_SOCKET_DIR=\"$LAB_DIR/$n/sock\""
      echo "LAB_${N}_PATRONI_CONFIG=\"$LAB_DIR/$n/patroni.yml\""
      echo "LAB_${N}_PATRONI_PIDFILE=\"$LAB_DIR/$n/patroni.pid\""
      echo "LAB_${N}_PATRONI_LOG=\"$LAB_DIR/logs/$n-patroni.log\""
      echo "LAB_${N}_POSTGRES_LOG=\"$LAB_DIR/logs/$n-postgresql.log\""
    done
  } >"$f.tmp"
  mv "$f.tmp" "$f"
}

# ---------------------------------------------------------------------------------------------------------------
# Ports (pitfall 7: Debian's own cluster may hold 5432; other labs and test runs hold others)

# register_lab add|remove: $LAB_DIR in LAB_REGISTRY (under the lock), or out of it.
register_lab() {
  touch "$LAB_REGISTRY"
  { grep -vxF "$LAB_DIR" "$LAB_REGISTRY" || true; [ "$1" != add ] || echo "$LAB_DIR"; } >"$LAB_REGISTRY.tmp"
  mv "$LAB_REGISTRY.tmp" "$LAB_REGISTRY"
}

# pick_ports BASE:COUNT...: one line per argument with COUNT distinct ports from BASE upwards that bind right
# now on 127.0.0.1 (which also fails when something holds the port on 0.0.0.0 or a dual-stack [::]). With
# SO_REUSEADDR, like etcd, PostgreSQL and Patroni's REST server bind: a listener makes a port taken, the TIME_WAIT
# connections a previous lab left do not (so the same ports come back after down+up). The kernel's ephemeral
# range is skipped because outgoing connections may grab those any moment.
#
# Ports another lab owns are skipped even while they are free: a lab whose etcd or member is stopped on purpose
# (stop-etcd, stop-patroni, a drill) gets it back with the same port, and a lab that took that port meanwhile
# would have its members talk to the other lab's etcd (seen: "system ID mismatch", members of the two labs
# calling each other). The owners: the labs in LAB_REGISTRY, and for labs of older versions of this script,
# the state.env of every lab under /tmp.
pick_ports() {
  "$PYTHON" "$LAB_PY/pick_ports.py" "$LAB_DIR" "$LAB_REGISTRY" "$@"
}

# ---------------------------------------------------------------------------------------------------------------
# Health

# health: one look at every member's GET /patroni. Healthy = every REST API answers for our scope, exactly one
# member is master/primary, every other member is a running replica, and the leader lists each of them as a
# streaming replication connection. Prints "name role state" lines (exit 0) or the problems (exit 1).
health() {
  local -a args=()
  local i
  local tls=""
  [ "${LAB_TLS:-0}" != 1 ] || tls=$LAB_DIR/tls
  for i in "${!NAMES[@]}"; do args+=("${NAMES[$i]}" "${URLS[$i]}"); done
  "$PYTHON" "$LAB_PY/lab_health.py" "$LAB_SCOPE" "$tls" "${args[@]}"
}

# dead_component: name the first tracked daemon that is not running (empty output when all run).
dead_component() {
  local n
  proc_is "$(etcd_pid)" "$(etcd_needle)" || { echo etcd; return; }
  for n in "${NAMES[@]}"; do
    proc_is "$(patroni_pid "$n")" "$(patroni_needle "$n")" || { echo "patroni $n"; return; }
  done
}

# wait_healthy SECONDS: poll health (never a fixed sleep) until healthy, a daemon dies, or time runs out.
# Sets HEALTH (the member lines) on success, REASON on failure.
wait_healthy() {
  local deadline=$(( $(now_us) + $1 * 1000000 )) dead
  while :; do
    if HEALTH=$(health); then return 0; fi
    REASON=$HEALTH
    dead=$(dead_component)
    if [ -n "$dead" ]; then REASON="$dead is not running (last seen: $REASON)"; return 1; fi
    [ "$(now_us)" -lt "$deadline" ] || return 1
    sleep 0.25
  done
}

tail_logs() {
  local f
  for f in "$LAB_DIR"/logs/*.log; do
    [ -s "$f" ] || continue
    printf '\n==> %s (last 15 lines) <==\n' "$f" >&2
    tail -n 15 "$f" >&2
  done
}

summary() {
  local i name role state
  echo "lab: $1 - scope $LAB_SCOPE, ${#NAMES[@]} member(s), etcd $LAB_ETCD_URL, dir $LAB_DIR"
  for i in "${!NAMES[@]}"; do
    name=${NAMES[$i]} role="?" state="?"
    read -r name role state < <(grep "^${NAMES[$i]} " <<<"$HEALTH") || true
    printf '  %-7s %-8s %-8s REST %-24s PostgreSQL 127.0.0.1:%s\n' "$name" "$role" "$state" "${URLS[$i]}" \
      "${PG_PORTS[$i]}"
  done
  echo "  env: . $LAB_DIR/lab.env   (psql: PGPASSFILE=\$LAB_PGPASSFILE psql -h 127.0.0.1 -p PORT -U postgres)"
}

# ---------------------------------------------------------------------------------------------------------------
# Building and starting a lab

write_configs() {
  local su_pw repl_pw i n dir
  # Fixed-alphabet random passwords, single-quoted in YAML (a hex string like 12e4 would otherwise parse as a
  # number). Only the lab user (member configs) and root (pgpass) can read them.
  su_pw=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
  repl_pw=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
  local standby_block=""
  if [ -n "${LAB_STANDBY_OF:-}" ]; then
    # A copy of the upstream's data: its roles and passwords. No primary_slot_name: the upstream keeps no slot
    # for it (Patroni then streams without one), so a standby lab that goes away retains no WAL upstream.
    su_pw=$(upstream_password superuser); repl_pw=$(upstream_password replication)
    standby_block=$(printf '\n    standby_cluster:\n      host: 127.0.0.1\n      port: %s\n      create_replica_methods: [basebackup]' \
      "$LAB_STANDBY_UPSTREAM_PORT")
  fi
  printf '127.0.0.1:*:*:postgres:%s\nlocalhost:*:*:postgres:%s\n::1:*:*:postgres:%s\n' \
    "$su_pw" "$su_pw" "$su_pw" >"$LAB_DIR/pgpass"
  chmod 0600 "$LAB_DIR/pgpass"   # libpq ignores a pgpass that group or others can read

  cat >"$LAB_DIR/patronictl.yaml" <<EOF
# patronictl only needs the DCS and the scope; it finds the members' REST APIs there.
scope: $LAB_SCOPE
namespace: /service/
etcd3:
  hosts: ['127.0.0.1:$LAB_ETCD_PORT']
EOF
  if [ "$LAB_TLS" = 1 ]; then
    # patronictl reaches the REST APIs (switchover, restart, pause) with the exporter's client certificate.
    cat >>"$LAB_DIR/patronictl.yaml" <<EOF
ctl:
  cacert: $LAB_DIR/tls/ca.crt
  certfile: $LAB_DIR/tls/client.crt
  keyfile: $LAB_DIR/tls/client.key
EOF
  fi

  for i in "${!NAMES[@]}"; do
    n=${NAMES[$i]}; dir=$LAB_DIR/$n
    mkdir -p "$dir/sock"
    cat >"$dir/patroni.yml" <<EOF
# $n of the patroni_exporter lab (scripts/lab.sh). Everything on 127.0.0.1, ports probed free at \`up\`.
scope: $LAB_SCOPE
namespace: /service/
name: $n
log:
  level: INFO
restapi:
  listen: 127.0.0.1:${REST_PORTS[$i]}
  connect_address: 127.0.0.1:${REST_PORTS[$i]}$(restapi_tls)
etcd3:                      # etcd 3.4 serves no v2 API (pitfall 8)
  hosts: ['127.0.0.1:$LAB_ETCD_PORT']
watchdog:
  mode: off
bootstrap:
  dcs:
    ttl: $LAB_TTL
    loop_wait: $LAB_LOOP_WAIT
    retry_timeout: $LAB_RETRY_TIMEOUT
    maximum_lag_on_failover: 1048576$standby_block
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        max_connections: 50
        shared_buffers: 16MB
        wal_keep_size: 64MB
        wal_level: replica
        hot_standby: 'on'
        wal_log_hints: 'on'
        max_wal_senders: 10
        max_replication_slots: 10
  initdb:                   # en_US.UTF-8 is not generated here; C.UTF-8 always exists (pitfall 6)
  - encoding: UTF8
  - locale: C.UTF-8
postgresql:
  listen: 127.0.0.1:${PG_PORTS[$i]}
  connect_address: 127.0.0.1:${PG_PORTS[$i]}
  data_dir: $dir/data
  bin_dir: $PG_BIN
  pgpass: $dir/pgpass       # the default ~/pgpass would be shared and raced by the members (pitfall 5)
  authentication:
    superuser:
      username: postgres
      password: '$su_pw'
    replication:
      username: replicator
      password: '$repl_pw'
  parameters:
    unix_socket_directories: '$dir/sock'   # own socket directory per member (pitfall 5)
    logging_collector: 'on'
    log_directory: '$LAB_DIR/logs'
    log_filename: '$n-postgresql.log'
    log_rotation_age: 0
    log_line_prefix: '%m [%p] %q%u@%d '
  # Patroni connects to "localhost", which may be ::1 (pitfall 10); replication needs its own lines. The
  # superuser may connect over TCP with its password too, so tests can use libpq on 127.0.0.1.
  pg_hba:
  - local all all trust
  - local replication all trust
  - host replication replicator 127.0.0.1/32 scram-sha-256
  - host replication replicator ::1/128 scram-sha-256
  - host all all 127.0.0.1/32 scram-sha-256
  - host all all ::1/128 scram-sha-256
EOF
    chmod 0600 "$dir/patroni.yml"
    chown -R "$LAB_USER:$LAB_USER" "$dir"
    chmod 0700 "$dir"
  done
  chown "$LAB_USER:$LAB_USER" "$LAB_DIR/patronictl.yaml"
  chmod 0600 "$LAB_DIR/patronictl.yaml"
}

# upstream_password superuser|replication: that password of the upstream lab (LAB_STANDBY_OF), from its node1.
upstream_password() {
  "$PYTHON" - "$LAB_STANDBY_OF" "$1" <<'PY'
import glob, sys, yaml
conf = yaml.safe_load(open(sorted(glob.glob(sys.argv[1] + '/*/patroni.yml'))[0]))
print(conf['postgresql']['authentication'][sys.argv[2]]['password'])
PY
}

# upstream_leader_port: the PostgreSQL port of the upstream lab's leader now (its patronictl list).
upstream_leader_port() {
  LAB_DIR=$LAB_STANDBY_OF "$SELF" patronictl list -f json | "$PYTHON" -c '
import json, sys
print([m["Host"].rsplit(":", 1)[1] for m in json.load(sys.stdin) if m["Role"] in ("Leader", "Standby Leader")][0])'
}

# restapi_tls: the member's restapi TLS settings (LAB_TLS=1), as YAML lines continuing its restapi section.
# Members also call each other's REST APIs (leader race, failover checks) with restapi.certfile as their client
# certificate, which is why server.crt is good for client authentication too.
restapi_tls() {
  [ "$LAB_TLS" = 1 ] || return 0
  printf '\n  %s' "certfile: $LAB_DIR/tls/server.crt" "keyfile: $LAB_DIR/tls/server.key" \
    "cafile: $LAB_DIR/tls/ca.crt" "verify_client: required"
}

# make_certificates: for LAB_TLS=1, with the openssl CLI, in $LAB_DIR/tls (valid 7 days, EC P-256):
#   ca.crt          the lab's CA;   server.crt  every member's REST API: SAN IP:127.0.0.1, DNS:localhost
#   client.crt      the exporter's (and patronictl's) client certificate, CN=patroni_exporter
#   other-ca.crt, other-client.crt   an unrelated CA and a client certificate it signed: must be refused
# Keys are 0600, owned by the lab user (patronictl and Patroni read them; root reads them anyway).
make_certificates() {
  local d=$LAB_DIR/tls
  mkdir -p "$d"
  new_ca "$d/ca" "patroni_exporter lab CA"
  new_leaf "$d/server" "$d/ca" "127.0.0.1" "serverAuth,clientAuth" "IP:127.0.0.1,DNS:localhost"
  new_leaf "$d/client" "$d/ca" "patroni_exporter" "clientAuth" ""
  new_ca "$d/other-ca" "unrelated CA"
  new_leaf "$d/other-client" "$d/other-ca" "patroni_exporter" "clientAuth" ""
  rm -f "$d"/*.csr "$d"/*.ext
  chown -R "$LAB_USER:$LAB_USER" "$d"
  chmod 0755 "$d"
  chmod 0644 "$d"/*.crt
  chmod 0600 "$d"/*.key
}

new_ca() {   # new_ca STEM CN
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7 -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$1.key" -out "$1.crt" 2>/dev/null || die "openssl could not make CA $1.crt"
}

new_leaf() {   # new_leaf STEM CA_STEM CN EXTENDED_KEY_USAGE SUBJECT_ALT_NAMES
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature"
    echo "extendedKeyUsage=$4"
    echo "subjectKeyIdentifier=hash"
    echo "authorityKeyIdentifier=keyid"
    [ -z "$5" ] || echo "subjectAltName=$5"
  } >"$1.ext"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$3" \
    -keyout "$1.key" -out "$1.csr" 2>/dev/null || die "openssl could not make $1.csr"
  openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -days 7 \
    -set_serial "0x$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')" -extfile "$1.ext" -out "$1.crt" 2>/dev/null ||
    die "openssl could not make $1.crt"
}

start_etcd() {
  local url=http://127.0.0.1:$LAB_ETCD_PORT peer=http://127.0.0.1:$LAB_ETCD_PEER_PORT
  # The first two arguments are fixed: etcd_needle recognises the process by them.
  spawn "$LAB_DIR/logs/etcd.log" "$LAB_DIR/etcd/etcd.pid" \
    "$ETCD" --data-dir "$LAB_DIR/etcd/data" --name lab \
    --listen-client-urls "$url" --advertise-client-urls "$url" \
    --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
    --initial-cluster "lab=$peer" --initial-cluster-state new --initial-cluster-token "lab-$LAB_SCOPE"
}

wait_etcd() {
  local deadline=$(( $(now_us) + $1 * 1000000 ))
  until curl -sf --noproxy '*' --max-time 1 "$LAB_ETCD_URL/health" 2>/dev/null | grep -q '"health":"true"'; do
    proc_is "$(etcd_pid)" "$(etcd_needle)" || { REASON="etcd exited"; return 1; }
    [ "$(now_us)" -lt "$deadline" ] || { REASON="etcd not healthy on $LAB_ETCD_URL after $1 s"; return 1; }
    sleep 0.1
  done
}

start_patroni() {
  local n=$1
  # The last argument is fixed: patroni_needle recognises the process by the command line and it.
  spawn "$LAB_DIR/logs/$n-patroni.log" "$LAB_DIR/$n/patroni.pid" "${PATRONI_CMD[@]}" "$LAB_DIR/$n/patroni.yml"
}

# A failed `up` (error, timeout, Ctrl-C) must not leave half a lab running: tear it down, keeping the logs.
UP_IN_PROGRESS=0
on_exit() {
  local rc=$?
  [ "$UP_IN_PROGRESS" = 1 ] || return 0
  if [ "$KEEP_FAILED" = 1 ]; then
    log "LAB_KEEP_FAILED=1: leaving the failed lab running in $LAB_DIR; 'scripts/lab.sh down' cleans up"
  else
    log "up failed: tearing down what was started"
    teardown 1 || true
    log "logs kept in $LAB_DIR/logs (removed by the next up or down)"
  fi
  exit "$rc"
}

# mismatch: which explicitly requested settings differ from the running lab's.
mismatch() {
  local m=()
  [ -z "$req_members_set" ] || [ "$req_members" = "$LAB_MEMBERS" ] || m+=("LAB_MEMBERS $LAB_MEMBERS->$req_members")
  [ -z "$req_scope_set" ] || [ "$req_scope" = "$LAB_SCOPE" ] || m+=("LAB_SCOPE $LAB_SCOPE->$req_scope")
  [ -z "$req_ttl_set" ] || [ "$req_ttl" = "$LAB_TTL" ] || m+=("LAB_TTL $LAB_TTL->$req_ttl")
  [ -z "$req_loop_wait_set" ] || [ "$req_loop_wait" = "$LAB_LOOP_WAIT" ] ||
    m+=("LAB_LOOP_WAIT $LAB_LOOP_WAIT->$req_loop_wait")
  [ -z "$req_retry_timeout_set" ] || [ "$req_retry_timeout" = "$LAB_RETRY_TIMEOUT" ] ||
    m+=("LAB_RETRY_TIMEOUT $LAB_RETRY_TIMEOUT->$req_retry_timeout")
  [ -z "$req_tls_set" ] || [ "$req_tls" = "$LAB_TLS" ] || m+=("LAB_TLS $LAB_TLS->$req_tls")
  [ -z "$req_patroni_set" ] || [ "$req_patroni" = "$LAB_PATRONI" ] || m+=("LAB_PATRONI $LAB_PATRONI->$req_patroni")
  [ "$req_standby_of" = "${LAB_STANDBY_OF:-}" ] || m+=("LAB_STANDBY_OF ${LAB_STANDBY_OF:-none}->${req_standby_of:-none}")
  echo "${m[*]}"
}

cmd_up() {
  local t0 i diff dead why
  require_root; validate_lab_dir; validate_request
  take_lock
  ensure_user

  # Reuse a healthy lab; rebuild a half-dead or differently configured one.
  if [ -f "$LAB_DIR/lab.env" ] && load_state; then
    diff=$(mismatch)
    dead=$(dead_component)
    if [ -z "$diff" ] && [ -z "$dead" ] && wait_healthy "$HEALTH_GRACE"; then
      summary "already up"
      return 0
    fi
    why=${diff:+"differs ($diff)"}; why=${why:-${dead:+"has $dead stopped"}}; why=${why:-"is not healthy ($REASON)"}
    log "the lab in $LAB_DIR $why: rebuilding"
  fi
  trap on_exit EXIT
  trap 'exit 130' INT TERM HUP
  UP_IN_PROGRESS=1
  teardown 0
  t0=$(now_us)   # "up in": from a clean slate to healthy
  LAB_USER=$req_user; lookup_user   # load_state may have set the old lab's

  LAB_MEMBERS=$req_members LAB_SCOPE=$req_scope LAB_TTL=$req_ttl LAB_LOOP_WAIT=$req_loop_wait
  LAB_RETRY_TIMEOUT=$req_retry_timeout LAB_TLS=$req_tls LAB_PATRONI=$req_patroni
  LAB_STANDBY_OF=$req_standby_of LAB_STANDBY_UPSTREAM_PORT=
  [ -z "$LAB_STANDBY_OF" ] || LAB_STANDBY_UPSTREAM_PORT=$(upstream_leader_port) ||
    die "no leader in the lab of LAB_STANDBY_OF=$LAB_STANDBY_OF"
  [ "$LAB_PATRONI" = 3 ] || prepare_patroni4   # under the lock: two labs never unpack it at once
  set_patroni "$LAB_PATRONI"
  patroni_version   # sets LAB_PATRONI_VERSION, from the code that will run
  local prefix=node; [ -z "$LAB_STANDBY_OF" ] || prefix=standby
  NAMES=(); for ((i = 1; i <= LAB_MEMBERS; i++)); do NAMES+=("$prefix$i"); done

  # $LAB_DIR: root's, world-traversable (pitfall 9); what the lab user writes lives in subdirectories it owns.
  mkdir -p "$LAB_DIR"
  chmod 0755 "$LAB_DIR"
  touch "$LAB_DIR/$MARKER"
  mkdir -p "$LAB_DIR/home" "$LAB_DIR/logs" "$LAB_DIR/etcd"
  chown "$LAB_USER:$LAB_USER" "$LAB_DIR/home" "$LAB_DIR/logs" "$LAB_DIR/etcd"
  chmod 0700 "$LAB_DIR/etcd"
  if ! as_lab /usr/bin/test -w "$LAB_DIR/home"; then
    UP_IN_PROGRESS=0; teardown 0
    die "$LAB_USER cannot reach $LAB_DIR (a parent directory is not traversable, e.g. /root is 0700): set LAB_DIR"
  fi

  local -a ports
  mapfile -t ports < <(pick_ports 2379:2 8008:"$LAB_MEMBERS" 5433:"$LAB_MEMBERS")
  [ ${#ports[@]} -eq 3 ] || die "could not find free ports"
  read -r LAB_ETCD_PORT LAB_ETCD_PEER_PORT <<<"${ports[0]}"
  read -ra REST_PORTS <<<"${ports[1]}"
  read -ra PG_PORTS <<<"${ports[2]}"
  URLS=(); for i in "${!NAMES[@]}"; do URLS+=("$(scheme)://127.0.0.1:${REST_PORTS[$i]}"); done
  LAB_ETCD_URL=http://127.0.0.1:$LAB_ETCD_PORT

  [ "$LAB_TLS" != 1 ] || make_certificates
  write_configs
  write_state "$LAB_DIR/state.env"
  register_lab add

  log "starting etcd on $LAB_ETCD_URL"
  start_etcd
  wait_etcd 30 || { tail_logs; die "$REASON"; }

  log "starting ${NAMES[*]} (REST ${REST_PORTS[*]}, PostgreSQL ${PG_PORTS[*]})"
  for n in "${NAMES[@]}"; do start_patroni "$n"; done
  if ! wait_healthy "$UP_TIMEOUT"; then
    tail_logs
    die "lab not healthy $(elapsed "$t0") s after start (LAB_UP_TIMEOUT=$UP_TIMEOUT): $REASON"
  fi

  write_state "$LAB_DIR/lab.env"
  UP_IN_PROGRESS=0
  summary "up in $(elapsed "$t0") s"
}

# ---------------------------------------------------------------------------------------------------------------
# The other commands

cmd_down() {
  require_root; validate_lab_dir
  take_lock
  if [ ! -d "$LAB_DIR" ]; then log "nothing to stop in $LAB_DIR"; return 0; fi
  teardown
}

cmd_status() {
  if [ ! -f "$LAB_DIR/state.env" ]; then echo "lab: down ($LAB_DIR)"; return 3; fi
  load_state
  lookup_user
  local rc=0 dead
  dead=$(dead_component)
  if [ ! -f "$LAB_DIR/lab.env" ]; then
    echo "lab: not up - $LAB_DIR holds a lab that is starting or failed to start"; rc=1
  elif HEALTH=$(health); then
    summary "up and healthy"
  else
    echo "lab: up but unhealthy${dead:+ ($dead is not running)}: $HEALTH"; rc=1
  fi
  if proc_is "$(etcd_pid)" "$(etcd_needle)"; then
    echo
    ( cd "$LAB_DIR" && timeout 20 "$SELF" patronictl list ) || echo "(patronictl list failed)"
  else
    echo "(etcd is not running: no patronictl list)"
  fi
  return $rc
}

cmd_env() {
  [ -f "$LAB_DIR/lab.env" ] || die "the lab in $LAB_DIR is not up (run scripts/lab.sh up)"
  cat "$LAB_DIR/lab.env"
}

cmd_patronictl() {
  require_root
  [ -f "$LAB_DIR/state.env" ] || die "no lab in $LAB_DIR (run scripts/lab.sh up)"
  load_state
  # Relative file arguments would not resolve: patronictl runs as the lab user in $LAB_DIR.
  cd "$LAB_DIR"
  local CMD
  lab_cmd ${TERM:+TERM="$TERM"} ${COLUMNS:+COLUMNS="$COLUMNS"}   # only so its tables fit the terminal
  exec "${CMD[@]}" "${PATRONICTL_CMD[@]}" -c "$LAB_DIR/patronictl.yaml" "$@"
}

fault_prologue() {
  require_root
  take_lock
  load_state || die "no lab in $LAB_DIR (run scripts/lab.sh up)"
  lookup_user
}

cmd_kill_patroni() {
  [ $# -eq 1 ] || die "usage: lab.sh kill-patroni nodeK"
  fault_prologue; check_member "$1"
  local pid pm; pid=$(patroni_pid "$1")
  proc_is "$pid" "$(patroni_needle "$1")" || die "patroni of $1 is not running"
  kill -KILL "$pid"
  pm=$(postmaster_pid "$1")
  echo "killed patroni of $1 (pid $pid, SIGKILL); its postmaster ${pm:+(pid $pm) }keeps running"
}

cmd_start_patroni() {
  [ $# -eq 1 ] || die "usage: lab.sh start-patroni nodeK"
  fault_prologue; check_member "$1"
  local i url deadline
  if proc_is "$(patroni_pid "$1")" "$(patroni_needle "$1")"; then echo "patroni of $1 already runs"; return 0; fi
  start_patroni "$1"
  for i in "${!NAMES[@]}"; do [ "${NAMES[$i]}" = "$1" ] && url=${URLS[$i]}; done
  deadline=$(( $(now_us) + 30000000 ))
  local -a tls_args
  mapfile -t tls_args < <(curl_tls)
  until curl -sf --noproxy '*' --max-time 2 "${tls_args[@]}" -o /dev/null "$url/patroni"; do
    proc_is "$(patroni_pid "$1")" "$(patroni_needle "$1")" || { tail -n 20 "$LAB_DIR/logs/$1-patroni.log" >&2; die "patroni of $1 exited"; }
    [ "$(now_us)" -lt "$deadline" ] || die "patroni of $1 does not answer on $url after 30 s"
    sleep 0.1
  done
  echo "started patroni of $1 (pid $(patroni_pid "$1")), REST $url answers"
}

cmd_stop_patroni() {
  [ $# -eq 1 ] || die "usage: lab.sh stop-patroni nodeK"
  fault_prologue; check_member "$1"
  local pid; pid=$(patroni_pid "$1")
  proc_is "$pid" "$(patroni_needle "$1")" || { echo "patroni of $1 is not running"; return 0; }
  stop_escalating "patroni of $1" "TERM $STOP_TIMEOUT" -- "$pid" "$(patroni_needle "$1")" ||
    die "patroni of $1 (pid $pid) outlived SIGTERM for $STOP_TIMEOUT s"
  echo "stopped patroni of $1 (pid $pid, SIGTERM) and with it its PostgreSQL"
}

cmd_kill_postgres() {
  [ $# -eq 1 ] || die "usage: lab.sh kill-postgres nodeK"
  fault_prologue; check_member "$1"
  local pid; pid=$(postmaster_pid "$1")
  proc_is "$pid" "$(postmaster_needle "$1")" || die "postmaster of $1 is not running"
  kill -KILL "$pid"
  echo "killed postmaster of $1 (pid $pid, SIGKILL)"
}

cmd_stop_etcd() {
  fault_prologue
  proc_is "$(etcd_pid)" "$(etcd_needle)" || { echo "etcd is not running"; return 0; }
  stop_escalating "etcd" "TERM 20" "KILL 5" -- "$(etcd_pid)" "$(etcd_needle)"
  echo "etcd stopped"
}

cmd_start_etcd() {
  fault_prologue
  if proc_is "$(etcd_pid)" "$(etcd_needle)"; then echo "etcd already runs"; return 0; fi
  start_etcd
  wait_etcd 30 || { tail -n 20 "$LAB_DIR/logs/etcd.log" >&2; die "$REASON"; }
  echo "etcd started on $LAB_ETCD_URL (pid $(etcd_pid))"
}

usage() { sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"; }

cmd=${1:-}
[ $# -eq 0 ] || shift
case "$cmd" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  patronictl) cmd_patronictl "$@" ;;
  kill-patroni) cmd_kill_patroni "$@" ;;
  start-patroni) cmd_start_patroni "$@" ;;
  stop-patroni) cmd_stop_patroni "$@" ;;
  kill-postgres) cmd_kill_postgres "$@" ;;
  stop-etcd) cmd_stop_etcd ;;
  start-etcd) cmd_start_etcd ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
