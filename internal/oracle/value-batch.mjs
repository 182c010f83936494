#!/usr/bin/env node
// value-batch.mjs: asks the reference interpreter (AquaVM 0.62, see ../shared/oracle) how it reads
// JSON texts returned by a service, in one process.
//
//   AQUANET_ORACLE_DIR=/path/to/installed/oracle node value-batch.mjs < texts.json > results.json
//
// stdin:  a JSON array of strings, each a candidate JSON text.
// stdout: a JSON array with one entry per text, in order:
//           {"ok": true, "canonical": "<AquaVM's JSON text for the value>", "cid": "<its CID>"}  or
//           {"ok": false, "error": "<serde_json's error message>"}.
//         When AquaVM itself fails (a wasm trap) the entry is {"ok": false, "trap": true,
//         "error": "..."} and the driver goes on with a fresh AquaVM.
//
// How: the script (call %init_peer_id% ("s" "f") [] r) runs on peer "alice" with empty data, which
// gives call request 1; then it runs again on that data with call result 1 = {ret_code 0, result:
// the text, byte for byte}. AquaVM parses the result with serde_json: if it can, the trace holds
// an executed call whose value (cid_info.value_store) is the canonical text, under its CID; if it
// cannot, the call is failed and the error message carries serde_json's reason.
// Anything else (library logging) goes to stderr, so stdout holds only the result.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { driverIO } from './driver-io.mjs';

const { out: realStdoutWrite, fail, readStdin, oracleDir: dir } = driverIO('value-batch');

let texts;
try {
  texts = JSON.parse(await readStdin());
} catch (e) {
  fail(2, `stdin is not JSON: ${e.message}`);
}
if (!Array.isArray(texts)) fail(2, 'stdin must be a JSON array of strings');
texts.forEach((s, i) => { if (typeof s !== 'string') fail(2, `element ${i} of stdin is not a string`); });

const air = '(call %init_peer_id% ("s" "f") [] r)';
let lib, alice;
try {
  lib = await import(pathToFileURL(path.join(path.resolve(dir), 'avm-lib.mjs')).href);
  alice = lib.makePeer('alice');
} catch (e) {
  fail(2, `cannot start AquaVM from ${dir}: ${e && e.stack ? e.stack : e}`);
}

// start returns a fresh AquaVM and the data of the first run (call request 1 pending).
async function start() {
  const avm = await lib.createAvm({ measureInner: false });
  const first = avm.invoke({ air, initPeerId: alice.peerId, peer: alice });
  if (first.retCode !== 0 || first.callRequests.length !== 1 || first.callRequests[0].id !== 1) {
    throw new Error(`first run: ret_code ${first.retCode} (${first.errorMessage}), ` +
      `call requests ${JSON.stringify(first.callRequests)}; want ret_code 0 and call request 1`);
  }
  return { avm, prev: first.data };
}

let vm;
try {
  vm = await start();
} catch (e) {
  fail(2, `cannot start AquaVM from ${dir}: ${e && e.stack ? e.stack : e}`);
}

// verdict reads AquaVM's data after the second run and returns the result entry for text i.
function verdict(i, res) {
  const hr = vm.avm.humanReadable(res.data);
  if (!hr || typeof hr !== 'object') fail(3, `text ${i}: no human-readable data: ${String(hr).slice(0, 200)}`);
  const { trace, cid_info: cids } = hr.data;
  const call = trace && trace.length === 1 ? trace[0].call : undefined;
  if (call && call.executed && typeof call.executed.scalar === 'string') {
    const agg = cids.service_result_store[call.executed.scalar];
    const canonical = agg && cids.value_store[agg.value_cid];
    if (res.retCode !== 0 || typeof canonical !== 'string') {
      fail(3, `text ${i}: executed call without its value (ret_code ${res.retCode}): ${JSON.stringify(hr.data)}`);
    }
    return { ok: true, canonical, cid: agg.value_cid };
  }
  if (call && typeof call.failed === 'string') {
    // "... can't be serialized or deserialized with an error: <serde_json's message>"
    const msg = String(res.errorMessage);
    const at = msg.lastIndexOf('with an error: ');
    return { ok: false, error: at >= 0 ? msg.slice(at + 'with an error: '.length).replace(/'$/, '') : msg };
  }
  fail(3, `text ${i}: unexpected trace ${JSON.stringify(trace)} (ret_code ${res.retCode}: ${res.errorMessage})`);
}

const parts = [];
for (let i = 0; i < texts.length; i++) {
  let res;
  try {
    res = vm.avm.invoke({
      air, initPeerId: alice.peerId, peer: alice, prevData: vm.prev,
      callResults: { 1: { retCode: 0, result: texts[i], raw: true } },
    });
  } catch (e) {
    const message = String(e && e.message ? e.message : e).split('\n')[0];
    parts.push(JSON.stringify({ ok: false, trap: true, error: message }));
    try {
      vm = await start();
    } catch (e2) {
      fail(2, `cannot restart AquaVM after a trap on text ${i}: ${e2 && e2.stack ? e2.stack : e2}`);
    }
    continue;
  }
  parts.push(JSON.stringify(verdict(i, res)));
}
realStdoutWrite('[' + parts.join(',\n') + ']\n');
