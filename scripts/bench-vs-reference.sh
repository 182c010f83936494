#!/usr/bin/env bash
# Times aquanet's interpreter and the reference (AquaVM 0.62, wasm in Node.js) on the same
# machine, in one run, and prints a table. The reference's figures are its time inside the wasm
# (not the JavaScript glue), the best of its repetitions; ours are the best of five go test -bench
# runs. Needs the installed oracle: AQUANET_ORACLE_DIR (scripts/test.sh prepares one).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dir=${AQUANET_ORACLE_DIR:?set AQUANET_ORACLE_DIR to an installed copy of ../shared/oracle (scripts/test.sh makes one)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go test ./interpreter -run '^$' -bench 'LocalCall|Fold1000|Receive1MB' -benchtime 30x -count 5 > "$tmp/go.txt"
(cd "$dir" && node bench.mjs 0,1,4) > "$tmp/ref.json"

node - "$tmp/go.txt" "$tmp/ref.json" <<'JS'
const fs = require('fs');
const [goTxt, refJson] = process.argv.slice(2);
const best = {};
for (const line of fs.readFileSync(goTxt, 'utf8').split('\n')) {
  const m = line.match(/^Benchmark(\S+?)-\d+\s+\d+\s+([\d.]+) ns\/op/);
  if (m) best[m[1]] = Math.min(best[m[1]] ?? Infinity, Number(m[2]) / 1e6);
}
const ref = JSON.parse(fs.readFileSync(refJson, 'utf8'));
const minOf = (runs, k) => Math.min(...runs.map((r) => r[k]));
const rows = [
  ['a script with one local call: the run that requests it', ref.single_call_request_200x.inner_wasm.min_ms, best['LocalCall/request']],
  ['the same, as a node runs it (it signs only runs that send)', ref.single_call_request_200x.inner_wasm.min_ms, best['LocalCall/request-as-node']],
  ['fold over 1000 with par: emit 1000 requests', minOf(ref.fold_par_1000, 'inner_emit'), best['Fold1000/emit']],
  ['fold over 1000 with par: consume 1000 results', minOf(ref.fold_par_1000, 'inner_consume'), best['Fold1000/consume']],
  ['a peer receives 1 MB of data', ref.big_value_1000000.inner_wasm_ms_bob, best['Receive1MB']],
];
console.log('| work | reference (ms) | aquanet (ms) | speed-up |');
console.log('|---|---|---|---|');
for (const [name, r, a] of rows) console.log(`| ${name} | ${r.toFixed(3)} | ${a.toFixed(3)} | ${(r / a).toFixed(1)}x |`);
JS
