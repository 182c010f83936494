#!/usr/bin/env bash
# The ledger's swarm: `aquanet sim --workload ledger --faults all` over many seeds, with 3 and
# with 5 validators:
#
#   scripts/ledger-swarm.sh SEEDS [JOBS]       e.g. scripts/ledger-swarm.sh 10000 2
#
# Seeds FIRST..FIRST+SEEDS-1 ($SWARM_FIRST, default 1) run for each validator count, split into
# JOBS ranges run side by side (default: the number of cores). Each run has $SWARM_MESSAGES
# transfers (default 40) and a quarter as many linearizable reads, from 8 clients.
# $SWARM_VALIDATORS lists the validator counts (default "3 5"). Every run checks that the
# committed prefixes agree, value is conserved, no acknowledged transfer is lost, the ledger
# is live after healing, and the history is linearizable (porcupine). A range stops at its
# first failing seed and prints the command that replays it; the script then exits 1.
# It ends with one line per validator count: seeds run, passed, failed, and the time taken.
# CI runs a sample (.ci/run: 20 seeds); 10,000 take about 50 minutes on 2 cores.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ $# -lt 1 ]; then
  echo "usage: scripts/ledger-swarm.sh SEEDS [JOBS], e.g. scripts/ledger-swarm.sh 10000 2" >&2
  exit 2
fi
seeds=$1
jobs=${2:-$(nproc 2>/dev/null || echo 2)}
first=${SWARM_FIRST:-1}
messages=${SWARM_MESSAGES:-40}
case "$seeds$jobs$first$messages" in *[!0-9]*)
  echo "ledger-swarm: SEEDS, JOBS, SWARM_FIRST and SWARM_MESSAGES must be whole numbers" >&2
  exit 2
  ;;
esac
[ "$seeds" -ge 1 ] && [ "$jobs" -ge 1 ] || { echo "ledger-swarm: SEEDS and JOBS must be at least 1" >&2; exit 2; }

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH="/usr/local/go/bin:$PATH"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ledger-swarm.XXXXXX")
# The ranges' outputs are kept when something failed (the script says where).
trap 'if [ "${status:-1}" = 0 ]; then rm -rf "$work"; else echo "ledger-swarm: the outputs are in $work" >&2; fi' EXIT
go build -o "$work/aquanet" ./cmd/aquanet

status=0
for nodes in ${SWARM_VALIDATORS:-3 5}; do
  start=$(date +%s)
  per=$(((seeds + jobs - 1) / jobs))
  pids=()
  for ((j = 0; j < jobs; j++)); do
    a=$((first + j * per))
    b=$((a + per - 1))
    last=$((first + seeds - 1))
    [ "$b" -gt "$last" ] && b=$last
    [ "$a" -gt "$b" ] && continue
    "$work/aquanet" sim --workload ledger --nodes "$nodes" --faults all --messages "$messages" --seeds "$a..$b" \
      >"$work/out-$nodes-$j" 2>&1 &
    pids+=("$!")
  done
  failed=0
  for pid in "${pids[@]}"; do
    wait "$pid" || failed=1
  done
  ran=0 passed=0 nfailed=0
  for f in "$work"/out-"$nodes"-*; do
    # "total: N seeds, P passed, F failed; ..."
    line=$(grep '^total:' "$f" || true)
    if [ -z "$line" ]; then
      echo "ledger-swarm: a range with $nodes validators printed no total:" >&2
      tail -20 "$f" >&2
      failed=1
      continue
    fi
    read -r r p x <<<"$(echo "$line" | sed -E 's/^total: ([0-9]+) seeds[^,]*, ([0-9]+) passed, ([0-9]+) failed.*/\1 \2 \3/')"
    ran=$((ran + r)) passed=$((passed + p)) nfailed=$((nfailed + x))
    if [ "$x" != 0 ] || [ "$p" != "$r" ]; then
      # The failing seed's report (its checks and the replay command), or why a seed could not run.
      grep -E '^ *FAIL |failed; it expanded|^replay:|^aquanet: ' "$f" >&2 || tail -20 "$f" >&2
      nfailed=$((nfailed + r - p - x))
    fi
  done
  echo "ledger swarm, $nodes validators: $ran seeds run, $passed passed, $nfailed failed or could not run, in $(($(date +%s) - start)) s"
  [ "$failed" = 0 ] && [ "$nfailed" = 0 ] || status=1
done
exit "$status"
