// The reference's (AquaVM 0.62, wasm under Node.js) side of the rows of scripts/perf.sh that the
// oracle's bench.mjs does not cover as our benchmarks do: the same scripts and sizes as
// interpreter/bench_test.go, timed as bench.mjs times, inside the wasm (avm-lib's innerTiming,
// without marine-js's glue).
//
//   node scripts/perf-reference.mjs REPS [POSITION...]
//
// needs AQUANET_ORACLE_DIR (an installed ../shared/oracle) and prints one JSON object whose every
// figure is a list of REPS timings in ms. POSITIONs are the fold-with-seq steps to time
// (default 100 1000 3000).
import { createRequire } from 'module';
import path from 'path';
import { pathToFileURL } from 'url';
import { Worker, isMainThread } from 'worker_threads';

// A fold with seq nests one level of AquaVM's recursion per element: past about 1,500 it
// overflows Node's default stack, so the work runs in a worker with a larger one.
if (isMainThread) {
  const w = new Worker(new URL(import.meta.url), { argv: process.argv.slice(2), resourceLimits: { stackSizeMb: 256 } });
  w.on('error', (e) => { console.error(e); process.exitCode = 1; });
} else {
  await main();
}

async function main() {
  const dir = process.env.AQUANET_ORACLE_DIR;
  if (!dir) throw new Error('AQUANET_ORACLE_DIR is not set');

  // The raw exports of AquaVM's instance, caught as marine-js makes it (see rawInvoke).
  let raw;
  const Instance = WebAssembly.Instance;
  WebAssembly.Instance = function (mod, imports) {
    const inst = new Instance(mod, imports);
    if (typeof inst.exports.invoke === 'function') raw = inst.exports;
    return inst;
  };
  const { createAvm, makePeer, innerTiming } = await import(pathToFileURL(path.join(dir, 'avm-lib.mjs')).href);
  const { serializeAvmArgs, deserializeAvmResult, KeyPairFormat } = createRequire(path.join(dir, 'package.json'))('@fluencelabs/avm');

  const [reps = 3, ...positions] = process.argv.slice(2).map(Number);
  const avm = await createAvm();
  const alice = makePeer('alice'), bob = makePeer('bob');
  const A = alice.peerId, B = bob.peerId;
  const runParams = { initPeerId: A, currentPeerId: A, timestamp: 1700000000000, ttl: 600000, keyFormat: KeyPairFormat.Ed25519, secretKeyBytes: alice.seed };

  // inner runs fn and returns its result and the time it spent inside the wasm, in ms.
  const inner = (fn) => {
    const t0 = innerTiming.ms;
    const r = fn();
    return [r, innerTiming.ms - t0];
  };
  const ok = (r, what) => {
    if (r.retCode !== 0) throw new Error(`${what}: ${r.retCode} ${r.errorMessage}`);
    return r;
  };
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

  // rawInvoke is avm.invoke for alice with no current data, calling AquaVM's core invoke as its
  // interface-types adapter does (marine.md §2.3: arguments in buffers from allocate, the
  // RunParameters record packed, the InterpreterOutcome record at get_result_ptr). marine-js
  // moves data into the wasm a byte at a time, about 1 µs a byte: building a fold with seq up to
  // 3,000 steps through it would take half an hour, this way it takes seconds. Only the build-up
  // goes this way; every timed run goes through avm.invoke, as bench.mjs's do.
  function rawInvoke(air, particleId, prevData, callResults) {
    const cr = Object.entries(callResults).map(([k, v]) => [Number(k), { retCode: v.retCode, result: JSON.stringify(v.result) }]);
    const [, , , params, encodedResults] = serializeAvmArgs({ ...runParams, particleId }, air, [], [], cr);
    const lower = (bytes) => {
      if (bytes.length === 0) return [0, 0];
      const ptr = raw.allocate(bytes.length, 1);
      new Uint8Array(raw.memory.buffer, ptr, bytes.length).set(bytes);
      return [ptr, bytes.length];
    };
    const enc = new TextEncoder();
    const record = new DataView(new ArrayBuffer(70));
    let at = 0;
    const str = (b) => { const [p, n] = lower(b); record.setUint32(at, p, true); record.setUint32(at + 4, n, true); at += 8; };
    str(enc.encode(params.init_peer_id));
    str(enc.encode(params.current_peer_id));
    record.setBigUint64(at, BigInt(params.timestamp), true); at += 8;
    record.setUint32(at, params.ttl, true); at += 4;
    record.setUint8(at, params.key_format); at += 1;
    str(Uint8Array.from(params.secret_key_bytes));
    str(enc.encode(params.particle_id));
    for (const limit of [params.air_size_limit, params.particle_size_limit, params.call_result_size_limit]) {
      record.setBigUint64(at, BigInt(limit), true); at += 8;
    }
    record.setUint8(at, 0); // hard_limit_enabled: off, as avm-lib sets it
    const args = [...lower(enc.encode(air)), ...lower(prevData), ...lower([]),
      lower(new Uint8Array(record.buffer))[0], ...lower(Uint8Array.from(encodedResults))];
    raw.invoke(...args);
    const out = new DataView(raw.memory.buffer, raw.get_result_ptr());
    const bytes = (off) => new Uint8Array(raw.memory.buffer, out.getUint32(off, true), out.getUint32(off + 4, true)).slice();
    const res = deserializeAvmResult({ ret_code: Number(out.getBigInt64(0, true)), error_message: new TextDecoder().decode(bytes(8)),
      data: bytes(16), next_peer_pks: [], call_requests: bytes(32) });
    raw.release_objects();
    res.callRequests = res.callRequests.map(([id, r]) => ({ id: Number(id), ...r }));
    return res;
  }

  // A fold with seq, one call per run, its results in a scalar (a stream would stop at AquaVM's
  // 1,024 values): BenchmarkFoldSeqStep's script over the same 3001 elements. The step "at N"
  // is the run that answers the N-th call, as in the benchmark. Each step near a position runs
  // reps times from the same input (as go test repeats the benchmark's one run); a rep's figure
  // is the median of the 5 steps around the position, which smooths out a step the GC hit.
  // AquaVM's own stack, in its linear memory, overflows some way into the fold (a trap, "memory
  // access out of bounds"): the step where it did is failed_at, and a position past it has no
  // figure. The instance is unusable after a trap, so this runs last.
  function foldSeq(positions) {
    const arr = Array.from({ length: 3001 }, (_, i) => i);
    const air = '(seq (call %init_peer_id% ("test" "range") [] arr) (fold arr x (seq (call %init_peer_id% ("op" "identity") [x] r) (next x))))';
    const particleId = 'fold-seq';
    const viaAvm = (prevData, callResults) => ok(avm.invoke({ air, initPeerId: A, peer: alice, particleId, prevData, callResults }), 'fold with seq');
    const timed = new Map(); // step -> its reps' timings
    let failedAt = null;
    let r = ok(rawInvoke(air, particleId, new Uint8Array(), {}), 'fold with seq');
    let results = { [r.callRequests[0].id]: { retCode: 0, result: arr } };
    for (let step = 0; step <= Math.max(...positions) + 2; step++) {
      const prev = r.data, input = results;
      try {
        r = ok(rawInvoke(air, particleId, prev, input), 'fold with seq');
      } catch (e) {
        if (!(e instanceof WebAssembly.RuntimeError)) throw e;
        failedAt = { step, error: e.message };
        break;
      }
      // AquaVM's data is not the same bytes from run to run (its maps are hashed with a random
      // seed), so the first steps check the direct way against marine-js's by what they do.
      if (step < 3) {
        const want = viaAvm(prev, input);
        if (want.data.length !== r.data.length || JSON.stringify(want.callRequests) !== JSON.stringify(r.callRequests)) {
          throw new Error(`step ${step}: the direct invoke does not do what marine-js's does`);
        }
      }
      if (positions.some((p) => Math.abs(step - p) <= 2)) {
        timed.set(step, Array.from({ length: reps }, () => inner(() => viaAvm(prev, input))[1]));
      }
      const c = r.callRequests[0];
      results = { [c.id]: { retCode: 0, result: c.arguments[0] } };
    }
    const window = (p) => [-2, -1, 0, 1, 2].map((d) => timed.get(p + d));
    const steps = Object.fromEntries(positions.filter((p) => window(p).every(Boolean)).map((p) => [p,
      Array.from({ length: reps }, (_, i) => median(window(p).map((t) => t[i])))]));
    return { steps, failed_at: failedAt };
  }

  // bench.mjs's big-value method (its scenario 4) at BenchmarkStoreResult's and
  // BenchmarkReceive1MB's sizes: the run that stores a call's string result of size bytes, and
  // with receive bob's run that receives the data carrying it.
  function bigValue(size, receive) {
    const air = `(seq (call %init_peer_id% ("test" "big") [${size}] big) (call "${B}" ("op" "noop") [big] r))`;
    const big = 'x'.repeat(size);
    const times = [];
    for (let i = 0; i < reps; i++) {
      const particleId = `big-${size}-${i}`;
      const r1 = ok(avm.invoke({ air, initPeerId: A, peer: alice, particleId }), 'big value');
      const [r2, store] = inner(() => ok(avm.invoke({ air, initPeerId: A, peer: alice, particleId, prevData: r1.data,
        callResults: { [r1.callRequests[0].id]: { retCode: 0, result: big } } }), 'store'));
      times.push(receive ? inner(() => ok(avm.invoke({ air, initPeerId: A, peer: bob, particleId, data: r2.data }), 'receive'))[1] : store);
    }
    return times;
  }

  const MiB = 1 << 20;
  const store = bigValue(10 * MiB, false), receive = bigValue(MiB, true);
  console.log(JSON.stringify({
    store_10MiB: store,
    receive_1MiB: receive,
    fold_seq: foldSeq(positions.length ? positions : [100, 1000, 3000]),
  }));
}
