#!/usr/bin/env node
// invoke.mjs: the reference interpreter, AquaVM 0.62 (see ../shared/oracle), one run at a time,
// for a host in Go that decides what to run (internal/oracle.Interpreter). The scenario host
// (internal/scenario, its rules at the top of host.go) runs AquaVM this way, so that AquaVM meets
// exactly the deliveries and the answers aquanet's interpreter meets.
//
//   AQUANET_ORACLE_DIR=/path/to/installed/oracle node invoke.mjs
//
// One JSON request per line on stdin, one JSON answer per line on stdout, in order, until stdin
// ends. Byte strings are base64.
//   {"invoke": {"script", "init_peer_id", "current_peer_id", "seed" (the ed25519 secret-key seed),
//               "timestamp", "ttl", "particle_id", "prev", "current",
//               "call_results": {"<id>": {"ret_code": N, "result": "<JSON text>"}}}}
//     -> {"ok": true, "ret_code", "error_message", "data", "next_peers" (sorted, no duplicates),
//         "call_requests": [{"id", "service", "function", "args": [JSON values]}] (by id)}
//   {"view": "<data>"}
//     -> {"ok": true, "view": "<AquaVM's human-readable JSON view of the data, as text>"}
// A failure of AquaVM itself (a wasm trap) answers {"ok": false, "error": "<why>"}, and the
// driver goes on with a fresh AquaVM. A malformed request ends the driver with code 3.
// Anything else (library logging) goes to stderr, so stdout holds only the answers.
//
// Call arguments are decoded from AquaVM's MessagePack here rather than by msgpack-lite, and
// printed losslessly: numbers as serde_json prints them (1.0 stays a float, integers beyond 2^53
// keep every digit), objects in their key order.

import path from 'node:path';
import readline from 'node:readline';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

import { driverIO } from './driver-io.mjs';

const { out: realStdoutWrite, fail, oracleDir: dir } = driverIO('invoke');

// ---------- lossless JSON ----------
// Values: null, true/false, strings, arrays as JS values; numbers as Num (their JSON text);
// objects as Obj (entries in order).
class Num {
  constructor(text) { this.text = text; }
  isInteger() { return !/[.eE]/.test(this.text); }
}
class Obj {
  constructor(entries) { this.entries = entries; }
  get(k) { const e = this.entries.find(([key]) => key === k); return e ? e[1] : undefined; }
  has(k) { return this.entries.some(([key]) => key === k); }
}
const isObj = (v) => v instanceof Obj;
const isNum = (v) => v instanceof Num;

// print: compact JSON; strings as JSON.stringify escapes them.
function print(v) {
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'string') return JSON.stringify(v);
  if (isNum(v)) return v.text;
  if (Array.isArray(v)) return '[' + v.map(print).join(',') + ']';
  if (isObj(v)) return '{' + v.entries.map(([k, x]) => JSON.stringify(k) + ':' + print(x)).join(',') + '}';
  throw new Error(`cannot print ${typeof v}`);
}

// f64 as serde_json prints it (the ryu crate's format_finite): shortest round-trip digits.
function f64Text(x) {
  if (!Number.isFinite(x)) return 'null';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const neg = x < 0;
  const [mant, expText] = Math.abs(x).toExponential().split('e');
  const digits = mant.replace('.', '');
  const len = digits.length;
  const kk = parseInt(expText, 10) + 1; // position of the decimal point
  let s;
  if (kk - len >= 0 && kk <= 16) s = digits + '0'.repeat(kk - len) + '.0';
  else if (kk > 0 && kk <= 16) s = digits.slice(0, kk) + '.' + digits.slice(kk);
  else if (kk > -5 && kk <= 0) s = '0.' + '0'.repeat(-kk) + digits;
  else if (len === 1) s = digits + 'e' + (kk - 1);
  else s = digits[0] + '.' + digits.slice(1) + 'e' + (kk - 1);
  return (neg ? '-' : '') + s;
}

// MessagePack -> lossless value (what rmp_serde makes of serde_json::Value and of AquaVM's
// call-request structs). bin becomes a Uint8Array.
function unpack(buf) {
  const b = buf instanceof Uint8Array ? buf : Uint8Array.from(buf);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let i = 0;
  const dec = new TextDecoder('utf-8', { fatal: true });
  function str(n) { const s = dec.decode(b.subarray(i, i + n)); i += n; return s; }
  function bin(n) { const s = b.slice(i, i + n); i += n; return s; }
  function arr(n) { const a = []; for (let k = 0; k < n; k++) a.push(val()); return a; }
  function map(n) {
    const e = [];
    for (let k = 0; k < n; k++) { const key = val(); e.push([isNum(key) ? key.text : key, val()]); }
    return new Obj(e);
  }
  function val() {
    if (i >= b.length) throw new Error('msgpack: truncated');
    const t = b[i++];
    if (t <= 0x7f) return new Num(String(t));
    if (t >= 0xe0) return new Num(String(t - 256));
    if (t >= 0xa0 && t <= 0xbf) return str(t & 0x1f);
    if (t >= 0x90 && t <= 0x9f) return arr(t & 0x0f);
    if (t >= 0x80 && t <= 0x8f) return map(t & 0x0f);
    let n;
    switch (t) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: n = b[i]; i += 1; return bin(n);
      case 0xc5: n = dv.getUint16(i); i += 2; return bin(n);
      case 0xc6: n = dv.getUint32(i); i += 4; return bin(n);
      case 0xca: n = dv.getFloat32(i); i += 4; return new Num(f64Text(n));
      case 0xcb: n = dv.getFloat64(i); i += 8; return new Num(f64Text(n));
      case 0xcc: n = dv.getUint8(i); i += 1; return new Num(String(n));
      case 0xcd: n = dv.getUint16(i); i += 2; return new Num(String(n));
      case 0xce: n = dv.getUint32(i); i += 4; return new Num(String(n));
      case 0xcf: n = dv.getBigUint64(i); i += 8; return new Num(String(n));
      case 0xd0: n = dv.getInt8(i); i += 1; return new Num(String(n));
      case 0xd1: n = dv.getInt16(i); i += 2; return new Num(String(n));
      case 0xd2: n = dv.getInt32(i); i += 4; return new Num(String(n));
      case 0xd3: n = dv.getBigInt64(i); i += 8; return new Num(String(n));
      case 0xd9: n = b[i]; i += 1; return str(n);
      case 0xda: n = dv.getUint16(i); i += 2; return str(n);
      case 0xdb: n = dv.getUint32(i); i += 4; return str(n);
      case 0xdc: n = dv.getUint16(i); i += 2; return arr(n);
      case 0xdd: n = dv.getUint32(i); i += 4; return arr(n);
      case 0xde: n = dv.getUint16(i); i += 2; return map(n);
      case 0xdf: n = dv.getUint32(i); i += 4; return map(n);
      default: throw new Error(`msgpack: unsupported type byte 0x${t.toString(16)}`);
    }
  }
  const v = val();
  if (i !== b.length) throw new Error('msgpack: trailing bytes');
  return v;
}

const toBytes = (v) => (v instanceof Uint8Array ? v : Uint8Array.from(v.map((x) => Number(x.text))));

// AquaVM's call_requests: multicodec prefix (msgpack 0x0201 = varint 81 04) then
// {call_id: {service_id, function_name, arguments: msgpack([JSON...]), tetraplets}}.
function decodeCallRequests(raw) {
  const b = Uint8Array.from(raw);
  if (b.length === 0) return [];
  if (b[0] !== 0x81 || b[1] !== 0x04) throw new Error(`call requests: unexpected multicodec prefix ${b[0]} ${b[1]}`);
  const m = unpack(b.subarray(2));
  const out = m.entries.map(([id, r]) => ({
    id: Number(id),
    service: r.get('service_id'),
    fn: r.get('function_name'),
    args: unpack(toBytes(r.get('arguments'))),
  }));
  out.sort((x, y) => x.id - y.id);
  return out;
}

// ---------- the step server ----------

const fromB64 = (s) => Uint8Array.from(Buffer.from(s ?? '', 'base64'));
const toB64 = (b) => Buffer.from(b).toString('base64');

function invoke(env, r) {
  const cr = Object.entries(r.call_results ?? {}).map(([k, v]) => [Number(k), { retCode: v.ret_code, result: v.result }]);
  const args = env.avmPkg.serializeAvmArgs({
    initPeerId: r.init_peer_id, currentPeerId: r.current_peer_id, timestamp: r.timestamp, ttl: r.ttl,
    keyFormat: env.avmPkg.KeyPairFormat.Ed25519, particleId: r.particle_id, secretKeyBytes: Buffer.from(r.seed, 'base64'),
  }, r.script, fromB64(r.prev), fromB64(r.current), cr);
  args[3].hard_limit_enabled = false;
  const raw = env.avm.srv.call('invoke', args, env.defaultCallParameters);
  const calls = decodeCallRequests(raw.call_requests).map((c) =>
    `{"id":${c.id},"service":${JSON.stringify(c.service)},"function":${JSON.stringify(c.fn)},"args":${print(c.args)}}`);
  const nextPeers = [...new Set(raw.next_peer_pks)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{"ok":true,"ret_code":${Number(raw.ret_code)},"error_message":${JSON.stringify(raw.error_message)},` +
    `"data":${JSON.stringify(toB64(Uint8Array.from(raw.data)))},"next_peers":${JSON.stringify(nextPeers)},` +
    `"call_requests":[${calls.join(',')}]}`;
}

function view(env, data) {
  const text = env.avm.srv.call('to_human_readable_data', [Array.from(fromB64(data))], env.defaultCallParameters);
  return JSON.stringify({ ok: true, view: text });
}

const env = {};
async function startAvm() {
  env.avm = await env.lib.createAvm({ measureInner: false });
}
try {
  const abs = path.resolve(dir);
  env.lib = await import(pathToFileURL(path.join(abs, 'avm-lib.mjs')).href);
  env.avmPkg = createRequire(path.join(abs, 'avm-lib.mjs'))('@fluencelabs/avm');
  ({ defaultCallParameters: env.defaultCallParameters } = await import(
    pathToFileURL(path.join(abs, 'node_modules', '@fluencelabs', 'marine-js', 'dist', 'types.js')).href));
  await startAvm();
} catch (e) {
  fail(2, `cannot start AquaVM from ${dir}: ${e && e.stack ? e.stack : e}`);
}

let n = 0;
for await (const line of readline.createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  n++;
  let req;
  try {
    req = JSON.parse(line);
  } catch (e) {
    fail(3, `request ${n} is not JSON: ${e.message}`);
  }
  let answer;
  try {
    if (req && typeof req.invoke === 'object' && req.invoke !== null) answer = invoke(env, req.invoke);
    else if (req && typeof req.view === 'string') answer = view(env, req.view);
    else fail(3, `request ${n}: want {"invoke": {...}} or {"view": "..."}`);
  } catch (e) {
    answer = JSON.stringify({ ok: false, error: String(e && e.message ? e.message : e).split('\n')[0] });
    // AquaVM may have trapped: go on with a fresh instance.
    try {
      await startAvm();
    } catch (e2) {
      fail(2, `cannot restart AquaVM after a failure on request ${n}: ${e2 && e2.stack ? e2.stack : e2}`);
    }
  }
  realStdoutWrite(answer + '\n');
}
