#!/usr/bin/env bash
# Lints every golden exposition file (tests/testdata/**/*.prom, not Patroni's own *.native.prom) with
# `promtool check metrics`, which exits non-zero on any problem.
set -euo pipefail
promtool=$1
dir=$2
status=0
count=0
while IFS= read -r -d '' file; do
  count=$((count + 1))
  if ! out=$("$promtool" check metrics < "$file" 2>&1); then
    echo "FAIL $file"; echo "$out"; status=1
  fi
done < <(find "$dir" -name '*.prom' ! -name '*.native.prom' -print0)
echo "promtool check metrics: $count golden files checked"
[ "$count" -gt 0 ] || { echo "no golden files found"; exit 1; }
exit $status
