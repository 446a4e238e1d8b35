#!/usr/bin/env bash
# Regenerates the test-only certificates of tests/testdata/web_config (README.md there). Not run by the tests:
# the files are committed so promtool and the exporter read the same bytes. Valid for 100 years.
set -euo pipefail
cd "$(dirname "$0")"
days=36500
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ca() {  # name subject
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -out "$1.pem" -days "$days" -subj "$2" \
    -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign
}
leaf() {  # name subject ca extensions...
  local name=$1 subject=$2 issuer=$3; shift 3
  key "$name.key"
  openssl req -new -key "$name.key" -subj "$subject" -out "$name.csr"
  printf '%s\n' "$@" > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA "$issuer.pem" -CAkey "$issuer.key" -CAcreateserial -days "$days" \
    -extfile "$name.ext" -out "$name.pem" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}
ca ca "/CN=patroni_exporter test CA"
ca other-ca "/CN=patroni_exporter other test CA"
leaf server "/CN=localhost" ca "subjectAltName=DNS:localhost,IP:127.0.0.1" "extendedKeyUsage=serverAuth"
leaf client "/CN=prometheus" ca "extendedKeyUsage=clientAuth"
leaf other-client "/CN=intruder" other-ca "extendedKeyUsage=clientAuth"
rm -f ./*.srl ca.key other-ca.key
