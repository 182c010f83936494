#!/usr/bin/env node
// ast-batch.mjs: runs the reference AIR parser (AquaVM 0.62, see ../shared/oracle) over many
// scripts in one process.
//
//   AQUANET_ORACLE_DIR=/path/to/installed/oracle node ast-batch.mjs < scripts.json > results.json
//
// stdin:  a JSON array of AIR script strings.
// stdout: a JSON array with one entry per script, in order:
//           {"ok": true, "ast": <the reference's AST JSON>}  or
//           {"ok": false, "error": "<the reference's error text>"}.
//         The AST is copied verbatim from AquaVM's output, never re-encoded by JavaScript, so
//         integers beyond 2^53 (e.g. 9223372036854775807) keep every digit.
//         When AquaVM itself fails on a script (a wasm trap, e.g. stack exhaustion or a Rust panic,
//         which is not a parse verdict), the entry is {"ok": false, "trap": true, "error": "..."}
//         and the driver goes on with a fresh AquaVM: a trapped instance may be left broken.
// Anything else (library logging) goes to stderr, so stdout holds only the result.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { driverIO } from './driver-io.mjs';

const { out: realStdoutWrite, fail, readStdin, oracleDir: dir } = driverIO('ast-batch');

let scripts;
try {
  scripts = JSON.parse(await readStdin());
} catch (e) {
  fail(2, `stdin is not JSON: ${e.message}`);
}
if (!Array.isArray(scripts)) fail(2, 'stdin must be a JSON array of strings');
scripts.forEach((s, i) => { if (typeof s !== 'string') fail(2, `element ${i} of stdin is not a string`); });

let avm, lib;
try {
  lib = await import(pathToFileURL(path.join(path.resolve(dir), 'avm-lib.mjs')).href);
  avm = await lib.createAvm({ measureInner: false });
} catch (e) {
  fail(2, `cannot start AquaVM from ${dir}: ${e && e.stack ? e.stack : e}`);
}

const parts = [];
for (let i = 0; i < scripts.length; i++) {
  let out;
  try {
    out = avm.ast(scripts[i]);
  } catch (e) {
    const message = String(e && e.message ? e.message : e).split('\n')[0];
    parts.push(JSON.stringify({ ok: false, trap: true, error: message }));
    try {
      avm = await lib.createAvm({ measureInner: false });
    } catch (e2) {
      fail(2, `cannot restart AquaVM after a trap on script ${i}: ${e2 && e2.stack ? e2.stack : e2}`);
    }
    continue;
  }
  if (typeof out !== 'string') fail(3, `script ${i}: AquaVM returned ${typeof out}, not a string`);
  let isAst = false;
  try {
    JSON.parse(out);
    isAst = true;
  } catch {
    // Not JSON: the reference's parse or validation error text.
  }
  parts.push(isAst ? `{"ok":true,"ast":${out.trim()}}` : JSON.stringify({ ok: false, error: out }));
}
realStdoutWrite('[' + parts.join(',\n') + ']\n');
