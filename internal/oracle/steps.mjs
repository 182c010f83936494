#!/usr/bin/env node
// steps.mjs: runs a chain of single interpreter runs through the reference interpreter, AquaVM
// 0.62 (see ../shared/oracle), in one node process. Unlike invoke.mjs, which a host drives, it
// has no host deciding what goes where: each step names its previous and current data, so that a
// test can hand a peer data that no honest network would (two versions of the same particle that
// disagree).
//
//   AQUANET_ORACLE_DIR=/path/to/installed/oracle node steps.mjs < steps.json > outcomes.json
//
// stdin:  a JSON array of steps:
//           {"peer": NAME, "init": NAME, "script": AIR, "prev": K?, "current": K?,
//            "call_results": {"<id>": {"ret_code": N, "result": "<JSON text>"}}?}
//         A peer name gives the peer's key (ed25519 seed = sha256(name)); prev and current are
//         the indexes of earlier steps whose outcome data to use (absent: empty data). Every run
//         has particle id "particle-1", timestamp 1700000000000 and ttl 600000.
// stdout: a JSON array with one outcome per step, in order:
//           {"ret_code", "error_message", "next_peers" (sorted), "call_requests" (ids, sorted),
//            "data": AquaVM's human-readable view of the outcome's data, or null when empty}
// A malformed step or a failure of AquaVM (a wasm trap) ends the driver with code 3.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { driverIO } from './driver-io.mjs';

const { out: realStdoutWrite, fail, readStdin, oracleDir: dir } = driverIO('steps');

let steps;
try {
  steps = JSON.parse(await readStdin());
} catch (e) {
  fail(2, `stdin is not JSON: ${e.message}`);
}
if (!Array.isArray(steps)) fail(2, 'stdin must be a JSON array of steps');

let lib, avm;
try {
  lib = await import(pathToFileURL(path.join(path.resolve(dir), 'avm-lib.mjs')).href);
  avm = await lib.createAvm({ measureInner: false });
} catch (e) {
  fail(2, `cannot start AquaVM from ${dir}: ${e && e.stack ? e.stack : e}`);
}

const datas = [];
const parts = [];
const dataOf = (i, k, field) => {
  if (k === undefined || k === null) return new Uint8Array();
  if (!Number.isInteger(k) || k < 0 || k >= i) fail(3, `step ${i}: ${field} ${k} is not an earlier step`);
  return datas[k];
};
for (let i = 0; i < steps.length; i++) {
  const s = steps[i];
  if (!s || typeof s.peer !== 'string' || typeof s.init !== 'string' || typeof s.script !== 'string') {
    fail(3, `step ${i}: want peer, init and script strings`);
  }
  const callResults = {};
  for (const [id, r] of Object.entries(s.call_results ?? {})) {
    if (typeof r.result !== 'string') fail(3, `step ${i}: call result ${id} has no result text`);
    callResults[id] = { retCode: r.ret_code ?? 0, result: r.result, raw: true };
  }
  let res;
  try {
    res = avm.invoke({
      air: s.script, initPeerId: lib.makePeer(s.init).peerId, peer: lib.makePeer(s.peer),
      prevData: dataOf(i, s.prev, 'prev'), data: dataOf(i, s.current, 'current'), callResults,
    });
  } catch (e) {
    fail(3, `step ${i}: AquaVM failed: ${String(e && e.message ? e.message : e).split('\n')[0]}`);
  }
  datas.push(res.data);
  const view = JSON.stringify(avm.humanReadable(res.data));
  parts.push(`{"ret_code":${Number(res.retCode)},"error_message":${JSON.stringify(res.errorMessage)},` +
    `"next_peers":${JSON.stringify([...new Set(res.nextPeerPks)].sort())},` +
    `"call_requests":${JSON.stringify(res.callRequests.map((r) => r.id).sort((a, b) => a - b))},` +
    `"data":${view}}`);
}
realStdoutWrite('[' + parts.join(',') + ']\n');
