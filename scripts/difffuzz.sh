#!/usr/bin/env bash
# Differential fuzzing of aquanet's AIR interpreter against the reference, AquaVM 0.62:
#
#   scripts/difffuzz.sh DURATION [go test flags]     e.g. scripts/difffuzz.sh 30m
#
# Generated scripts run on a few peers under random service answers and delivery orders, on
# aquanet and on the reference (internal/difffuzz). It prints cases/s, steps/s and every kind of
# difference found, each minimized; the minimized cases are written as regression files to
# $DIFFFUZZ_OUT (default internal/difffuzz/testdata/found), to be analysed and moved to
# internal/difffuzz/testdata/regressions. The first seed is $DIFFFUZZ_SEED, by default the
# current Unix time (printed, so that a session can be repeated).
#
# It needs the installed oracle: $AQUANET_ORACLE_DIR, or the one scripts/test.sh installs.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ $# -lt 1 ]; then
  echo "usage: scripts/difffuzz.sh DURATION [go test flags], e.g. scripts/difffuzz.sh 30m" >&2
  exit 2
fi
duration=$1
shift

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH="/usr/local/go/bin:$PATH"
fi

if [ -z "${AQUANET_ORACLE_DIR:-}" ]; then
  # Where scripts/test.sh installs the oracle.
  for src in "${AQUANET_ORACLE_SRC:-}" ../shared/oracle /work/shared/oracle; do
    if [ -n "$src" ] && [ -f "$src/package.json" ]; then
      sum=$(sha256sum "$src/package.json" | cut -c1-12)
      dir="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/aquanet/oracle-$sum"
      if [ -d "$dir/node_modules" ]; then
        export AQUANET_ORACLE_DIR="$dir"
      fi
      break
    fi
  done
fi
if [ -z "${AQUANET_ORACLE_DIR:-}" ]; then
  echo "difffuzz.sh: no installed oracle: run scripts/test.sh once (it installs it), or set AQUANET_ORACLE_DIR" >&2
  exit 1
fi

seed=${DIFFFUZZ_SEED:-$(date +%s)}
out=${DIFFFUZZ_OUT:-$(pwd)/internal/difffuzz/testdata/found}
echo "difffuzz.sh: $duration from seed $seed; minimized cases go to $out" >&2
export AQUANET_REQUIRE_ORACLE=1
exec go test ./internal/difffuzz -run '^TestDifferential$' -count=1 -v -timeout 0 \
  -difffuzz.duration "$duration" -difffuzz.seed "$seed" -difffuzz.out "$out" "$@"
