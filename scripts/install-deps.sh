#!/usr/bin/env bash
# Installs everything patroni_exporter needs to build, test and run its local lab, from Debian 12 packages only.
# Idempotent: apt-get skips what is already installed. Used by the README's commands, .ci/run and the Dockerfile.
#
#   scripts/install-deps.sh            build + test + lab dependencies (the default)
#   scripts/install-deps.sh build      only what compiling needs (Dockerfile build stage)
#   scripts/install-deps.sh runtime    only the shared libraries the binary links (Dockerfile runtime stage)
set -euo pipefail

what=${1:-all}

build_pkgs=(
  build-essential cmake pkg-config git ca-certificates
  prometheus-cpp-dev libcivetweb-dev nlohmann-json3-dev libpq-dev libspdlog-dev libfmt-dev
  libcurl4-openssl-dev libcli11-dev libyaml-cpp-dev libssl-dev libcrypt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
# What build/patroni_exporter links directly (ldd), plus the CA bundle for HTTPS to Patroni.
# tests/packaging/check_runtime_libs.py keeps this list equal to what the binary loads.
runtime_pkgs=(
  libcivetweb1 libcurl4 libpq5 libspdlog1.10 libfmt9 libyaml-cpp0.7 libstdc++6
  libssl3 libcrypt1 ca-certificates
)
# The local lab: a real Patroni cluster (Patroni 3.0.2 or 4.0 + etcd 3.4 + PostgreSQL 15) and promtool; for the
# packaging tests, PyYAML (Kubernetes examples) and file (CPack's dpkg-shlibdeps step; dpkg-dev comes with
# build-essential).
lab_pkgs=(
  patroni etcd-server etcd-client python3-etcd postgresql-15 postgresql-client-15
  prometheus curl procps python3
  python3-yaml file prometheus-alertmanager
  jsonnet   # renders the monitoring mixin (mixin/render.py); ctest mixin_rendered checks rules/ and dashboards/ against it
  systemd openssl  # systemd-socket-activate and openssl's CLI for tests/web/web_endpoint_test.py (systemd-socket, reload)
  python3-idna   # urllib3 needs it for patronictl and members' REST calls with client certificates (LAB_TLS=1)
  # The Kubernetes examples' offline checks: `kubectl kustomize` (kubectl 1.20) and the CRD schema subsets.
  kubernetes-client python3-jsonschema
  # Patroni 4 for LAB_PATRONI=4 (scripts/lab.sh) is Debian 13's pure-Python package, unpacked, never installed:
  # what it imports comes from Debian 12. Its package depends on python3-ydiff, which Debian 12 does not have;
  # patronictl falls back to python3-cdiff (ydiff's former name) for `edit-config`'s diff.
  python3-psycopg2 python3-click python3-yaml python3-urllib3 python3-dateutil python3-prettytable
  python3-psutil python3-cdiff debian-archive-keyring
)

case "$what" in
  build) pkgs=("${build_pkgs[@]}") ;;
  runtime) pkgs=("${runtime_pkgs[@]}") ;;
  all) pkgs=("${build_pkgs[@]}" "${lab_pkgs[@]}") ;;
  *) echo "usage: $0 [all|build|runtime]" >&2; exit 2 ;;
esac

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: must run as root (apt-get)" >&2
  exit 1
fi

# A kubectl from another package (a cloud SDK's, say) owns /usr/bin/kubectl on some machines: dpkg would refuse to
# overwrite it with kubernetes-client's, so that one stays. tests/packaging/check_kustomize.py works with either.
kubectl_owner=$(dpkg-query -S /usr/bin/kubectl 2>/dev/null | cut -d: -f1 || true)
if [ -n "$kubectl_owner" ] && [ "$kubectl_owner" != kubernetes-client ]; then
  echo "install-deps: /usr/bin/kubectl comes from package $kubectl_owner; not installing kubernetes-client"
  for i in "${!pkgs[@]}"; do [ "${pkgs[$i]}" = kubernetes-client ] && unset 'pkgs[i]'; done
  pkgs=("${pkgs[@]}")
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#pkgs[@]} packages already installed"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
# Debian's postgresql and etcd packages start system services on install where an init system runs; the lab
# never uses them (it runs its own instances on free ports). policy-rc.d keeps them from starting at all.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT

echo "install-deps: installing ${missing[*]}"
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
if [ "$what" = runtime ]; then rm -rf /var/lib/apt/lists/*; fi
