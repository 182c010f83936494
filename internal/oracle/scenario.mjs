#!/usr/bin/env node
// scenario.mjs: runs aquanet scenarios (multi-peer particle runs with a scripted host) through the
// reference interpreter, AquaVM 0.62 (see ../shared/oracle), in one node process.
//
//   AQUANET_ORACLE_DIR=/path/to/installed/oracle node scenario.mjs < scenarios.json > results.json
//
// stdin:  a JSON array of scenarios in their JSON form (the YAML scenario format of
//         internal/scenario, as JSON: name, peers, init, particle, script, args, services,
//         max_steps; expect is ignored).
// stdout: a JSON array with one entry per scenario, in order:
//           {"ok": true, "result": <Result>}  or  {"ok": false, "error": "<why>"}
//         where an error is a malformed scenario or a failure of AquaVM itself (a wasm trap; the
//         driver then goes on with a fresh AquaVM).
// Anything else (library logging) goes to stderr, so stdout holds only the result.
//
// JSON is handled losslessly: numbers keep their text (1.0 stays a float, integers beyond 2^53
// keep every digit) and objects keep their key order, in the scenario and in call arguments,
// which are decoded from AquaVM's MessagePack here rather than by msgpack-lite. That way this
// host answers byte for byte what the Go host answers.
//
// Scenario host rules. One text, two implementations: the Go package internal/scenario (which
// drives aquanet's interpreter) and internal/oracle/scenario.mjs (which drives AquaVM 0.62). Both
// files carry this same text; change it, and both implementations, together.
//
// Peers. Each name in `peers` is a peer. Its ed25519 secret-key seed is sha256(name) and its peer
// id is the libp2p peer id of the public key (identity multihash, base58: "12D3KooW...").
//
// Templates. "{{peer:NAME}}" becomes NAME's peer id, in `script` and in every string (not object
// keys) inside `args`, `services[].result`, `services[].error`, `services[].results` and `expect`.
// "{{self}}" becomes the name of the peer answering the call, only inside the values of service
// rules (when the call is answered). Any other "{{" (no "}}" after it, an unknown name, anything
// else between the braces, "{{self}}" outside a rule) is an error.
//
// Particle. `particle` = {id, timestamp, ttl}, defaults {"p-1", 1700000000000, 600000}. Every run
// gets init_peer_id = the peer id of `init`, that particle id, timestamp and ttl, and the running
// peer's own id and key. The ttl is passed on, never enforced.
//
// Delivery. A FIFO queue of deliveries {to, from, data, call_results}, which starts with one:
// {to: init, from: none, data: empty, call_results: {}}. Repeat until the queue is empty:
//   - The head delivery's `to` is not a peer id of the scenario: remove it and append {from, to}
//     to `undelivered` (from = the sending peer's name). This is not a step.
//   - Else, if `steps` = `max_steps` (default 10000): stop, leaving the queue non-empty.
//   - Else remove it, steps += 1, and run the script on that peer with prev = the peer's stored
//     data (empty before its first success), current = the delivery's data, and its call results.
//   - If ret_code != 0: append {peer (name), ret_code, message (error_message)} to
//     `interpreter_errors`, and that is all (js-client's rule): the stored data is kept, the
//     outcome's data goes nowhere, its next peers and call requests are ignored. (Acting on them,
//     as oracle/net-sim.mjs does, makes a peer answer calls of data it then throws away, and a
//     catchable error after a call can loop forever.)
//   - If ret_code = 0: the outcome's data becomes the peer's stored data. For each next peer, in
//     byte order of the peer-id strings and without duplicates, enqueue {to: it, from: this peer,
//     data: the outcome's data, call_results: {}}. Then, if there are call requests, answer each in
//     call-id order (below) and enqueue one delivery {to: this peer, from: this peer, data: empty,
//     call_results: {id: answer, ...}}.
// `completed` = the queue ran empty (the run was not cut short by max_steps).
// `data` = for each peer with stored data, the JSON view of that data (AquaVM's human-readable
// view). Peers that never stored data are absent.
//
// Answering a call request (on peer P, named N; service S, function F, arguments A). An answer is
// (ret_code, result), result being a JSON text. A value V is printed as compact JSON: object keys
// in the order given, numbers exactly as written (from the scenario) or as serde_json prints them
// (from arguments), strings escaped as JavaScript's JSON.stringify does ("\"", "\\", \b \f \n \r
// \t, other controls as \u00xx). An error message M is answered as (1, M printed as a JSON string).
// First rule that applies wins:
//   1. Service rules, in file order: the first rule with (peer = N or peer = "*"), service = S and
//      function = F. `result: V` -> (0, V); `error: V` -> (ret_code of the rule, default 1, V);
//      `results: [V1..Vn]` -> the k-th call (k = 1, 2, ...) of this rule on this peer gets
//      (0, Vk), and once they are used up: error "S.F on N: all n results used". "{{self}}" in
//      V becomes N.
//   2. On the init peer only:
//      getDataSrv.NAME -> (0, args[NAME]); error "getDataSrv: the scenario has no arg NAME" when
//        args has no key NAME;
//      callbackSrv.F and return.F (any F) -> append {service, function, args: A} to `callbacks`,
//        answer (0, null);
//      errorHandlingSrv.F (any F) -> append {service, function, args: A} to `errors`, (0, null).
//   3. Builtins, on every peer:
//      op.noop -> (0, null), whatever A;
//      op.identity -> A empty: (0, null); one argument: (0, A[0]); more: error
//        "op.identity takes at most 1 argument, got n";
//      op.array -> (0, A);
//      op.concat -> (0, the concatenation of the arguments), each must be an array, else error
//        "op.concat: argument i is not an array" (i counting from 0);
//      op.array_length -> exactly one argument, an array: (0, its length); else error
//        "op.array_length takes one array argument";
//      op.concat_strings -> (0, the concatenation of the arguments), each must be a string, else
//        error "op.concat_strings: argument i is not a string";
//      peer.identify -> (0, {"external_addresses":[],"peer_id":P}).
//   4. Anything else: error "no service S.F on peer N".
//
// Result: {"callbacks": [...], "errors": [...], "interpreter_errors": [...], "steps": n,
// "completed": bool, "undelivered": [...] (only when non-empty), "data": {...} (only when
// non-empty)}; callbacks and errors in the order their calls were answered.

import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

import { driverIO } from './driver-io.mjs';

const { out: realStdoutWrite, fail, readStdin, oracleDir: dir } = driverIO('scenario');

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

function parseJSON(text) {
  let i = 0;
  const ws = () => { while (i < text.length && ' \t\r\n'.includes(text[i])) i++; };
  const err = (m) => { throw new Error(`JSON at offset ${i}: ${m}`); };
  function value(depth) {
    if (depth > 1000) err('nested too deeply');
    ws();
    const c = text[i];
    if (c === '{') {
      i++; const entries = []; ws();
      if (text[i] === '}') { i++; return new Obj(entries); }
      for (;;) {
        ws(); if (text[i] !== '"') err('expected a string key');
        const k = string(); ws();
        if (text[i] !== ':') err('expected ":"'); i++;
        entries.push([k, value(depth + 1)]); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return new Obj(entries); }
        err('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++; const arr = []; ws();
      if (text[i] === ']') { i++; return arr; }
      for (;;) {
        arr.push(value(depth + 1)); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return arr; }
        err('expected "," or "]"');
      }
    }
    if (c === '"') return string();
    for (const [lit, v] of [['true', true], ['false', false], ['null', null]]) {
      if (text.startsWith(lit, i)) { i += lit.length; return v; }
    }
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '' || m[0] === '-') err('unexpected character');
    i += m[0].length;
    return new Num(m[0]);
  }
  function string() {
    const start = i; i++;
    while (i < text.length && text[i] !== '"') { if (text[i] === '\\') i++; i++; }
    if (i >= text.length) err('unterminated string');
    i++;
    return JSON.parse(text.slice(start, i));
  }
  const v = value(0); ws();
  if (i !== text.length) err('trailing characters');
  return v;
}

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

// ---------- scenario ----------
const DEFAULT_PARTICLE = { id: 'p-1', timestamp: 1700000000000, ttl: 600000 };
const DEFAULT_MAX_STEPS = 10000;

function expand(s, ids, self) {
  let out = '', pos = 0;
  for (;;) {
    const open = s.indexOf('{{', pos);
    if (open < 0) return out + s.slice(pos);
    const close = s.indexOf('}}', open + 2);
    if (close < 0) throw new ScenarioError(`"{{" without "}}" in ${JSON.stringify(s)}`);
    const inner = s.slice(open + 2, close);
    let rep;
    if (inner === 'self' && self !== undefined) rep = self;
    else if (inner.startsWith('peer:') && Object.hasOwn(ids, inner.slice(5))) rep = ids[inner.slice(5)];
    else throw new ScenarioError(`bad template {{${inner}}} in ${JSON.stringify(s)}`);
    out += s.slice(pos, open) + rep;
    pos = close + 2;
  }
}
function expandValue(v, ids, self) {
  if (typeof v === 'string') return expand(v, ids, self);
  if (Array.isArray(v)) return v.map((x) => expandValue(x, ids, self));
  if (isObj(v)) return new Obj(v.entries.map(([k, x]) => [k, expandValue(x, ids, self)]));
  return v;
}

class ScenarioError extends Error {}
function need(cond, msg) { if (!cond) throw new ScenarioError(msg); }
function jsInt(v, what) {
  need(isNum(v) && v.isInteger() && Number.isSafeInteger(Number(v.text)), `${what} must be an integer`);
  return Number(v.text);
}

// load checks the parts of a scenario the host needs (the Go package validates fully).
function load(sc, lib) {
  need(isObj(sc), 'a scenario must be an object');
  const peers = sc.get('peers');
  need(Array.isArray(peers) && peers.length > 0 && peers.every((p) => typeof p === 'string'), 'peers must be a non-empty list of names');
  need(new Set(peers).size === peers.length, 'peers has a duplicate');
  const init = sc.get('init');
  need(typeof init === 'string' && peers.includes(init), 'init must be one of peers');
  const ids = {}; const byId = {}; const identity = {};
  for (const name of peers) {
    const p = lib.makePeer(name);
    identity[name] = p; ids[name] = p.peerId; byId[p.peerId] = name;
  }
  const part = sc.get('particle') ?? new Obj([]);
  need(isObj(part), 'particle must be an object');
  const particle = { ...DEFAULT_PARTICLE };
  if (part.has('id')) { particle.id = part.get('id'); need(typeof particle.id === 'string', 'particle.id must be a string'); }
  if (part.has('timestamp')) particle.timestamp = jsInt(part.get('timestamp'), 'particle.timestamp');
  if (part.has('ttl')) particle.ttl = jsInt(part.get('ttl'), 'particle.ttl');
  const script = sc.get('script');
  need(typeof script === 'string', 'script must be a string');
  const args = sc.get('args') ?? new Obj([]);
  need(isObj(args), 'args must be an object');
  const services = sc.get('services') ?? [];
  need(Array.isArray(services), 'services must be a list');
  const rules = services.map((r, k) => {
    need(isObj(r), `services[${k}] must be an object`);
    const kinds = ['result', 'error', 'results'].filter((f) => r.has(f));
    need(kinds.length === 1, `services[${k}] needs exactly one of result, error, results`);
    const rule = { peer: r.get('peer'), service: r.get('service'), fn: r.get('function'), kind: kinds[0], value: r.get(kinds[0]), retCode: 1 };
    need(typeof rule.peer === 'string' && typeof rule.service === 'string' && typeof rule.fn === 'string', `services[${k}] needs peer, service and function strings`);
    if (r.has('ret_code')) rule.retCode = jsInt(r.get('ret_code'), `services[${k}].ret_code`);
    if (rule.kind === 'results') need(Array.isArray(rule.value), `services[${k}].results must be a list`);
    return rule;
  });
  const maxSteps = sc.has('max_steps') ? jsInt(sc.get('max_steps'), 'max_steps') : DEFAULT_MAX_STEPS;
  return {
    peers, init, ids, byId, identity, particle, maxSteps, rules,
    script: expand(script, ids),
    args: new Map(args.entries.map(([k, v]) => [k, expandValue(v, ids)])),
  };
}

// ---------- the host (see the rules above) ----------
function answer(h, name, service, fn, args) {
  const ok = (v) => ({ retCode: 0, result: print(v) });
  const err = (msg) => ({ retCode: 1, result: JSON.stringify(msg) });
  for (let k = 0; k < h.rules.length; k++) {
    const r = h.rules[k];
    if ((r.peer !== name && r.peer !== '*') || r.service !== service || r.fn !== fn) continue;
    if (r.kind === 'result') return ok(expandValue(r.value, h.ids, name));
    if (r.kind === 'error') return { retCode: r.retCode, result: print(expandValue(r.value, h.ids, name)) };
    const key = `${k} ${name}`;
    const n = h.ruleCalls.get(key) ?? 0;
    h.ruleCalls.set(key, n + 1);
    if (n < r.value.length) return ok(expandValue(r.value[n], h.ids, name));
    return err(`${service}.${fn} on ${name}: all ${r.value.length} results used`);
  }
  if (name === h.init) {
    if (service === 'getDataSrv') {
      if (h.args.has(fn)) return ok(h.args.get(fn));
      return err(`getDataSrv: the scenario has no arg ${fn}`);
    }
    if (service === 'callbackSrv' || service === 'return') {
      h.callbacks.push({ service, function: fn, args });
      return ok(null);
    }
    if (service === 'errorHandlingSrv') {
      h.errors.push({ service, function: fn, args });
      return ok(null);
    }
  }
  if (service === 'op') {
    switch (fn) {
      case 'noop': return ok(null);
      case 'identity':
        if (args.length > 1) return err(`op.identity takes at most 1 argument, got ${args.length}`);
        return ok(args.length === 1 ? args[0] : null);
      case 'array': return ok(args);
      case 'concat': {
        const out = [];
        for (let k = 0; k < args.length; k++) {
          if (!Array.isArray(args[k])) return err(`op.concat: argument ${k} is not an array`);
          out.push(...args[k]);
        }
        return ok(out);
      }
      case 'array_length':
        if (args.length !== 1 || !Array.isArray(args[0])) return err('op.array_length takes one array argument');
        return ok(new Num(String(args[0].length)));
      case 'concat_strings': {
        let s = '';
        for (let k = 0; k < args.length; k++) {
          if (typeof args[k] !== 'string') return err(`op.concat_strings: argument ${k} is not a string`);
          s += args[k];
        }
        return ok(s);
      }
      default: break;
    }
  }
  if (service === 'peer' && fn === 'identify') {
    return ok(new Obj([['external_addresses', []], ['peer_id', h.ids[name]]]));
  }
  return err(`no service ${service}.${fn} on peer ${name}`);
}

function invoke(env, h, name, prevData, data, callResults) {
  const p = h.identity[name];
  const cr = Object.entries(callResults).map(([k, v]) => [Number(k), { retCode: v.retCode, result: v.result }]);
  const args = env.avmPkg.serializeAvmArgs({
    initPeerId: h.ids[h.init], currentPeerId: p.peerId, timestamp: h.particle.timestamp, ttl: h.particle.ttl,
    keyFormat: env.avmPkg.KeyPairFormat.Ed25519, particleId: h.particle.id, secretKeyBytes: p.seed,
  }, h.script, prevData, data, cr);
  args[3].hard_limit_enabled = false;
  const raw = env.avm.srv.call('invoke', args, env.defaultCallParameters);
  return {
    retCode: Number(raw.ret_code),
    errorMessage: raw.error_message,
    data: Uint8Array.from(raw.data),
    nextPeers: [...new Set(raw.next_peer_pks)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    callRequests: decodeCallRequests(raw.call_requests),
  };
}

function runScenario(env, sc) {
  const h = load(sc, env.lib);
  h.callbacks = []; h.errors = []; h.ruleCalls = new Map();
  const interpreterErrors = [], undelivered = [];
  const stored = new Map(); // name -> Uint8Array
  const queue = [{ to: h.ids[h.init], from: null, data: new Uint8Array(), callResults: {} }];
  let steps = 0;
  while (queue.length > 0) {
    const d = queue[0];
    const name = h.byId[d.to];
    if (name === undefined) {
      queue.shift();
      undelivered.push({ from: d.from, to: d.to });
      continue;
    }
    if (steps >= h.maxSteps) break;
    queue.shift();
    steps++;
    const out = invoke(env, h, name, stored.get(name) ?? new Uint8Array(), d.data, d.callResults);
    if (out.retCode !== 0) {
      interpreterErrors.push({ peer: name, ret_code: new Num(String(out.retCode)), message: out.errorMessage });
      continue;
    }
    stored.set(name, out.data);
    for (const np of out.nextPeers) queue.push({ to: np, from: name, data: out.data, callResults: {} });
    if (out.callRequests.length > 0) {
      const results = {};
      for (const c of out.callRequests) results[c.id] = answer(h, name, c.service, c.fn, c.args);
      queue.push({ to: d.to, from: name, data: new Uint8Array(), callResults: results });
    }
  }
  const call = (c) => new Obj([['service', c.service], ['function', c.function], ['args', c.args]]);
  const entries = [
    ['callbacks', h.callbacks.map(call)],
    ['errors', h.errors.map(call)],
    ['interpreter_errors', interpreterErrors.map((e) => new Obj([['peer', e.peer], ['ret_code', e.ret_code], ['message', e.message]]))],
    ['steps', new Num(String(steps))],
    ['completed', queue.length === 0],
  ];
  if (undelivered.length > 0) entries.push(['undelivered', undelivered.map((u) => new Obj([['from', u.from], ['to', u.to]]))]);
  let text = print(new Obj(entries));
  const names = [...stored.keys()].filter((n) => stored.get(n).length > 0).sort();
  if (names.length > 0) {
    // AquaVM's view, verbatim (its JSON text, not re-encoded).
    const views = names.map((n) => {
      const view = env.avm.srv.call('to_human_readable_data', [Array.from(stored.get(n))], env.defaultCallParameters);
      parseJSON(view); // must be JSON
      return JSON.stringify(n) + ':' + view.trim();
    });
    text = text.slice(0, -1) + ',"data":{' + views.join(',') + '}}';
  }
  return text;
}

// ---------- main ----------

let scenarios;
try {
  scenarios = parseJSON(await readStdin());
} catch (e) {
  fail(2, `stdin is not JSON: ${e.message}`);
}
if (!Array.isArray(scenarios)) fail(2, 'stdin must be a JSON array of scenarios');

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

const parts = [];
for (let k = 0; k < scenarios.length; k++) {
  try {
    parts.push(`{"ok":true,"result":${runScenario(env, scenarios[k])}}`);
  } catch (e) {
    const message = String(e && e.message ? e.message : e).split('\n')[0];
    parts.push(JSON.stringify({ ok: false, error: message }));
    if (!(e instanceof ScenarioError)) {
      // AquaVM may have trapped: go on with a fresh instance.
      try {
        await startAvm();
      } catch (e2) {
        fail(2, `cannot restart AquaVM after a failure on scenario ${k}: ${e2 && e2.stack ? e2.stack : e2}`);
      }
    }
  }
}
realStdoutWrite('[' + parts.join(',\n') + ']\n');
