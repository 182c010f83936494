// marinejs.mjs: runs calls of a Marine service in marine-js 0.13 (Fluence's Marine runtime built
// for JS), the reference for wasmhost/internal/marine's tests.
//
//   AQUANET_ORACLE_DIR=/path/to/installed/oracle node marinejs.mjs < request.json
//
// stdin:  {"modules": [{"name", "path"}, ...] in load order (the last is the facade),
//          "calls": [{"fn", "args": [JSON values], "params": CallParameters (V3 shape) or absent}]}
// stdout: one entry per call: {"ok": true, "result": <JSON>} or {"ok": false, "error": "..."}.
// Every call runs on a fresh service, so that a trap in one does not affect the next. Numbers
// pass through JavaScript: integers beyond 2^53 lose digits.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

// marine-js logs to stdout: keep stdout for the answer.
const answer = process.stdout.write.bind(process.stdout);
console.log = console.error;
process.stdout.write = process.stderr.write.bind(process.stderr);

const dir = process.env.AQUANET_ORACLE_DIR;
const dist = path.join(dir, 'node_modules', '@fluencelabs', 'marine-js', 'dist');
const { MarineService } = await import(pathToFileURL(path.join(dist, 'MarineService.js')).href);
const { defaultCallParameters } = await import(pathToFileURL(path.join(dist, 'types.js')).href);

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const req = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const control = new WebAssembly.Module(fs.readFileSync(path.join(dist, 'marine-js.wasm')));
const bytes = Object.fromEntries(req.modules.map((m) => [m.name, new Uint8Array(fs.readFileSync(m.path))]));
const config = {
  modules_config: req.modules.map((m) => ({
    import_name: m.name,
    config: { logger_enabled: true, logging_mask: 0, wasi: { envs: {}, preopened_files: new Set(), mapped_dirs: new Map() } },
  })),
};

const out = [];
for (const c of req.calls) {
  try {
    const srv = new MarineService(control, 'svc', () => {}, config, bytes, {});
    await srv.init();
    const result = srv.call(c.fn, c.args, c.params ?? defaultCallParameters);
    out.push({ ok: true, result: result === undefined ? null : result });
  } catch (e) {
    out.push({ ok: false, error: String(e && e.message ? e.message : e).split('\n')[0] });
  }
}
answer(JSON.stringify(out) + '\n');
