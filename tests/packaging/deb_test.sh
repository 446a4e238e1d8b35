#!/usr/bin/env bash
# The Debian package from end to end, on this machine (Debian 12, as root):
#   cpack -G DEB from the build directory -> control fields (version, dependencies from dpkg-shlibdeps, the
#   conffile) -> apt-get install ./patroni-exporter_<version>_<arch>.deb -> dpkg -L, the binary's --version, the
#   system user, the unit (systemd-analyze verify), its enablement -> the installed binary started the way the
#   unit starts it (ExecStart= expanded with /etc/default/patroni_exporter, as the user patroni_exporter, with
#   no new privileges), scraped once on a free 127.0.0.1 port (against the running lab when $LAB_DIR/lab.env
#   exists) and stopped by its PID -> apt-get remove, then purge, leaving nothing behind.
# systemd is not PID 1 here, so `systemctl start` cannot be shown; everything the unit runs is.
#
#   tests/packaging/deb_test.sh BUILD_DIR SOURCE_DIR PROJECT_VERSION
#
# Exit 0 passed, 1 failed, 77 skipped (not root, or not a Debian system). The package is always purged at the
# end, also after a failure: the test owns the package name patroni-exporter on this machine.
set -euo pipefail

build_dir=$(cd "$1" && pwd)
source_dir=$(cd "$2" && pwd)
version=$3
LAB_DIR=${LAB_DIR:-/tmp/patroni-exporter-test-lab}
here="$source_dir/tests/packaging"
python=/usr/bin/python3
start_ns=$(date +%s%N)

say() { printf 'deb_test: %s\n' "$*"; }
fail() { printf 'deb_test: FAIL: %s\n' "$*" >&2; exit 1; }
elapsed() { echo "$(( ($(date +%s%N) - start_ns) / 1000000 )) ms"; }

if [ "$(id -u)" -ne 0 ]; then say "SKIP: needs root (apt-get install)"; exit 77; fi
for tool in apt-get dpkg dpkg-deb dpkg-shlibdeps cpack file setpriv curl "$python"; do
  if ! command -v "$tool" >/dev/null; then
    case "$tool" in
      apt-get|dpkg|dpkg-deb) say "SKIP: $tool not found (not a Debian system)"; exit 77 ;;
      *) fail "$tool not found: run scripts/install-deps.sh (dpkg-shlibdeps: dpkg-dev; file: file)" ;;
    esac
  fi
done

# One package test at a time on this machine; apt and dpkg wait for each other's lock instead of failing.
exec 8>>/run/lock/patroni-exporter-deb-test.lock
flock -w 600 8 || fail "another deb_test.sh holds /run/lock/patroni-exporter-deb-test.lock"
apt_opts=(-y -q -o DPkg::Lock::Timeout=300 --no-install-recommends)
export DEBIAN_FRONTEND=noninteractive

work=$(mktemp -d /tmp/pe-deb-test.XXXXXX)
exporter_pid=
cleanup() {
  local rc=$?
  if [ -n "$exporter_pid" ] && kill -0 "$exporter_pid" 2>/dev/null; then
    kill -KILL "$exporter_pid" 2>/dev/null || true
    wait "$exporter_pid" 2>/dev/null || true
  fi
  if dpkg-query -W -f='${Status}' patroni-exporter 2>/dev/null | grep -qv "not-installed"; then
    apt-get purge "${apt_opts[@]}" patroni-exporter >"$work/purge-on-exit.log" 2>&1 || true
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if dpkg-query -W -f='${Status}' patroni-exporter 2>/dev/null | grep -q "install ok installed"; then
  say "patroni-exporter is already installed (left by an earlier run?): it is replaced and purged at the end"
fi

# --- Build the package ------------------------------------------------------------------------------------
(cd "$build_dir" && cpack --config CPackConfig.cmake -G DEB -B "$work/out") >"$work/cpack.log" 2>&1 \
  || { cat "$work/cpack.log"; fail "cpack -G DEB failed"; }
shopt -s nullglob
debs=("$work/out/patroni-exporter_${version}"_*.deb)
[ ${#debs[@]} -eq 1 ] || fail "expected one patroni-exporter_${version}_*.deb, found: $(ls "$work/out")"
deb=${debs[0]}
say "built $(basename "$deb") ($(( $(stat -c %s "$deb") / 1024 )) KiB) in $(elapsed)"

[ "$(dpkg-deb -f "$deb" Package)" = patroni-exporter ] || fail "Package: $(dpkg-deb -f "$deb" Package)"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "Version: $(dpkg-deb -f "$deb" Version), not $version"
depends=$(dpkg-deb -f "$deb" Depends)
say "Depends: $depends"
# dpkg-shlibdeps must have found the libraries, and each one must be in the container image's runtime set too
# (install-deps.sh runtime), or provided by a package there: the two lists come from the same binary.
runtime=$(sed -n '/^runtime_pkgs=(/,/^)/p' "$source_dir/scripts/install-deps.sh" | sed 's/#.*//' \
  | tr -s ' ()\n' '\n' | grep -v '^runtime_pkgs=' | grep -v '^$')
for dep in $(echo "$depends" | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g'); do
  case "$dep" in passwd|libc6|libgcc-s1) continue ;; esac
  provider=$(dpkg-query -W -f='${db:Status-Status} ${Package} ${Provides}\n' 2>/dev/null \
    | awk -v d="$dep" '$1 != "installed" { next } $2 == d && !found { found = $2 }
                       { for (i = 3; i <= NF; i++) { p = $i; sub(/,$/, "", p); if (p == d && !found) found = $2 } }
                       END { print found }')
  [ -n "$provider" ] || fail "Depends: $dep is not installed here"
  grep -qx "$provider" <<<"$runtime" \
    || fail "Depends: $dep ($provider) is missing from runtime_pkgs in scripts/install-deps.sh"
done
grep -q 'libpq5' <<<"$depends" || fail "Depends lacks libpq5: dpkg-shlibdeps did not run?"
dpkg-deb --info "$deb" conffiles | grep -qx /etc/default/patroni_exporter \
  || fail "conffiles lacks /etc/default/patroni_exporter"

# --- Install ----------------------------------------------------------------------------------------------
(cd "$work/out" && apt-get install "${apt_opts[@]}" "./$(basename "$deb")") >"$work/install.log" 2>&1 \
  || { cat "$work/install.log"; fail "apt-get install ./$(basename "$deb") failed"; }
dpkg-query -W -f='${Status}' patroni-exporter | grep -q "install ok installed" || fail "not installed after apt-get"
apt-get check -q >/dev/null 2>&1 || fail "apt-get check: broken dependencies after the install"
say "installed with apt-get in $(elapsed)"

dpkg -L patroni-exporter >"$work/files"
expected=(/usr/bin/patroni_exporter /usr/lib/systemd/system/patroni_exporter.service
          /usr/lib/systemd/system/patroni_exporter.socket /etc/default/patroni_exporter
          /usr/share/doc/patroni-exporter/README.md /usr/share/doc/patroni-exporter/CHANGELOG.md
          /usr/share/doc/patroni-exporter/configuration.md)
for f in "$source_dir"/rules/*.yml; do expected+=("/usr/share/patroni_exporter/rules/$(basename "$f")"); done
for f in "$source_dir"/dashboards/*.json; do expected+=("/usr/share/patroni_exporter/dashboards/$(basename "$f")"); done
for f in "${expected[@]}"; do
  grep -qx "$f" "$work/files" || fail "dpkg -L lacks $f"
  [ -e "$f" ] || fail "$f is listed but missing"
done
say "dpkg -L: ${#expected[@]} expected files present ($(grep -c . "$work/files") entries)"

out=$(/usr/bin/patroni_exporter --version)
grep -q "version $version " <<<"$out" || fail "/usr/bin/patroni_exporter --version: $out"
say "$(head -n1 <<<"$out")"

IFS=: read -r _ _ uid _ _ home shell < <(getent passwd patroni_exporter) || fail "no user patroni_exporter"
if [ "$uid" -ge 1000 ] || [ "$shell" != /usr/sbin/nologin ] || [ "$home" != /nonexistent ]; then
  fail "user patroni_exporter: uid $uid, home $home, shell $shell (want a system user, no home, nologin)"
fi
getent group patroni_exporter >/dev/null || fail "no group patroni_exporter"
say "system user patroni_exporter (uid $uid)"

if command -v systemd-analyze >/dev/null; then
  verify=$(systemd-analyze verify --man=no /usr/lib/systemd/system/patroni_exporter.service \
    /usr/lib/systemd/system/patroni_exporter.socket 2>&1) \
    || fail "systemd-analyze verify: $verify"
  [ -z "$verify" ] || fail "systemd-analyze verify warns: $verify"
  say "systemd-analyze verify: clean"
else
  say "systemd-analyze not found (package systemd): unit verification skipped"
fi
# Enabled by postinst (deb-systemd-helper), as dh_installsystemd would: started at boot where systemd runs.
[ -L /etc/systemd/system/multi-user.target.wants/patroni_exporter.service ] \
  || fail "the unit is not enabled after install"
# The socket unit is opt-in: it needs --web.systemd-socket in ARGS.
[ ! -e /etc/systemd/system/sockets.target.wants/patroni_exporter.socket ] \
  || fail "patroni_exporter.socket is enabled after install (it must be opt-in)"

# --- Run it the way the unit does -------------------------------------------------------------------------
port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sets=()
lab=0
if [ -f "$LAB_DIR/lab.env" ]; then
  # shellcheck disable=SC1091
  . "$LAB_DIR/lab.env"
  read -r -a urls <<<"$LAB_PATRONI_URLS"
  # What an operator writes into ARGS for one exporter per cluster: two seeds, discovery on.
  sets=(--set "ARGS=--patroni.url ${urls[0]} --patroni.url ${urls[1]}")
  lab=1
fi
mapfile -d '' argv < <("$python" "$here/unit_argv.py" --unit /usr/lib/systemd/system/patroni_exporter.service \
  "${sets[@]}")
[ "${argv[0]}" = /usr/bin/patroni_exporter ] || fail "ExecStart= runs ${argv[0]}"
say "ExecStart= expands to: ${argv[*]}"
setpriv --reuid=patroni_exporter --regid=patroni_exporter --init-groups --no-new-privs -- \
  "${argv[@]}" --web.listen-address "127.0.0.1:$port" >"$work/exporter.log" 2>&1 &
exporter_pid=$!
for _ in $(seq 100); do
  curl -fsS --max-time 1 "http://127.0.0.1:$port/-/healthy" >/dev/null 2>&1 && break
  kill -0 "$exporter_pid" 2>/dev/null || { cat "$work/exporter.log"; fail "the installed exporter exited"; }
  sleep 0.1
done
curl -fsS --max-time 1 "http://127.0.0.1:$port/-/healthy" >/dev/null || fail "/-/healthy did not answer in 10 s"
user=$(ps -o user= -p "$exporter_pid")
[ "$user" = patroni_exporter ] || fail "the exporter runs as $user"
curl -fsS --max-time 15 "http://127.0.0.1:$port/metrics" >"$work/metrics" || fail "scrape of /metrics failed"
grep -q "^patroni_exporter_build_info{.*version=\"$version\"" "$work/metrics" || fail "no build_info $version"
if [ "$lab" = 1 ]; then
  for u in "${urls[0]}" "${urls[1]}"; do
    # Every lab member's scope is known from its own answer, so the gauge carries it.
    if ! grep -qE "^patroni_up\{target=\"$u\",scope=\"[^\"]+\"\} 1$" "$work/metrics"; then
      grep '^patroni_up' "$work/metrics"
      fail "patroni_up{target=\"$u\"} is not 1"
    fi
  done
  members=$(grep -c '^patroni_postgres_running{' "$work/metrics" || true)
  [ "$members" = "$LAB_MEMBERS" ] || fail "discovery found $members members, the lab has $LAB_MEMBERS"
  say "scraped the lab at $LAB_DIR as patroni_exporter: $members members, $(grep -vc '^#' "$work/metrics") samples"
else
  say "no lab at $LAB_DIR/lab.env: scraped without Patroni ($(grep -vc '^#' "$work/metrics") samples)"
fi
kill -TERM "$exporter_pid"
for _ in $(seq 100); do kill -0 "$exporter_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$exporter_pid" 2>/dev/null; then fail "the exporter did not stop within 10 s of SIGTERM"; fi
rc=0; wait "$exporter_pid" || rc=$?
exporter_pid=
[ "$rc" = 0 ] || { cat "$work/exporter.log"; fail "the exporter exited with $rc after SIGTERM"; }
say "stopped by its PID (exit 0)"

# --- Remove, purge, nothing left ----------------------------------------------------------------------------
apt-get remove "${apt_opts[@]}" patroni-exporter >"$work/remove.log" 2>&1 \
  || { cat "$work/remove.log"; fail "apt-get remove failed"; }
status=$(dpkg-query -W -f='${Status}' patroni-exporter)
[ "$status" = "deinstall ok config-files" ] || fail "after remove: $status"
[ ! -e /usr/bin/patroni_exporter ] || fail "/usr/bin/patroni_exporter left after remove"
[ -e /etc/default/patroni_exporter ] || fail "remove took the conffile (only purge should)"
apt-get purge "${apt_opts[@]}" patroni-exporter >"$work/purge.log" 2>&1 \
  || { cat "$work/purge.log"; fail "apt-get purge failed"; }
if dpkg-query -W -f='${Status}' patroni-exporter 2>/dev/null | grep -qv "not-installed"; then
  fail "after purge: $(dpkg-query -W -f='${Status}' patroni-exporter)"
fi
while read -r f; do
  case "$f" in
    /usr/bin/*|/etc/default/*|*/patroni_exporter*|*/patroni-exporter*) [ ! -e "$f" ] || fail "$f left after purge" ;;
  esac
done <"$work/files"
! getent passwd patroni_exporter >/dev/null || fail "user patroni_exporter left after purge"
! getent group patroni_exporter >/dev/null || fail "group patroni_exporter left after purge"
leftover=$(find /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled \
  /var/lib/systemd/deb-systemd-helper-masked -name '*patroni_exporter*' 2>/dev/null || true)
[ -z "$leftover" ] || fail "systemd state left after purge: $leftover"
say "removed and purged: no files, user, group or unit state left"
say "PASS in $(elapsed)"
