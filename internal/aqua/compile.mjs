// compile.mjs: aquanet's driver for the Aqua compiler (internal/aqua/compile.go runs it with
// node --input-type=module --eval).
//
// stdin:  {"file": ABSOLUTE PATH, "dir": INSTALL DIR}
// stdout: {"errors": [TEXT], "warnings": [TEXT], "functions": [FUNCTION]} where FUNCTION is
//         {"name", "air", "args": [{"name", "type"}], "returns": [TYPE], "names": {...}}
//         and TYPE is {"tag", "name"?, "type"?, "fields"?: [{"name", "type"}], "items"?,
//         "domain"?, "codomain"?}. errors and warnings are the compiler's own rendered texts.
// A failure of the compiler itself: "aqua-compile: MESSAGE" on stderr, exit code 2.
//
// aqua-api returns Scala.js objects whose fields are read through getters; this driver turns
// them into plain JSON. Imports resolve against the install's node_modules, so
// "@fluencelabs/aqua-lib/builtin.aqua" is the pinned aqua-lib.
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const out = process.stdout.write.bind(process.stdout);
// The compiler may log: nothing but the result goes to stdout.
const toStderr = (...args) => process.stderr.write(args.map(String).join(' ') + '\n');
console.log = console.info = console.debug = console.warn = toStderr;
process.stdout.write = process.stderr.write.bind(process.stderr);

const fail = (msg) => {
  writeSync(2, `aqua-compile: ${msg}\n`);
  process.exit(2);
};

function plainType(t) {
  if (t === null || t === undefined) return null;
  const o = { tag: String(t.tag) };
  if (t.name !== undefined) o.name = String(t.name);
  if (t.type !== undefined) o.type = plainType(t.type);
  if (t.fields !== undefined) {
    o.fields = Object.entries(t.fields).map(([name, ft]) => ({ name, type: plainType(ft) }));
  }
  if (t.items !== undefined) o.items = Array.from(t.items, plainType);
  if (t.domain !== undefined) o.domain = plainType(t.domain);
  if (t.codomain !== undefined) o.codomain = plainType(t.codomain);
  return o;
}

function plainFunction(name, f) {
  const def = f.funcDef;
  const arrow = plainType(def.arrow);
  const n = def.names;
  return {
    name,
    air: String(f.script),
    args: arrow.domain && arrow.domain.fields ? arrow.domain.fields : [],
    returns: arrow.codomain && arrow.codomain.items ? arrow.codomain.items : [],
    names: {
      relay: n.relay,
      getDataSrv: n.getDataSrv,
      callbackSrv: n.callbackSrv,
      responseSrv: n.responseSrv,
      responseFnName: n.responseFnName,
      errorHandlingSrv: n.errorHandlingSrv,
      errorFnName: n.errorFnName,
    },
  };
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
let req;
try {
  req = JSON.parse(Buffer.concat(chunks).toString('utf8'));
} catch (e) {
  fail(`reading the request: ${e.message}`);
}

let api;
try {
  api = await import(pathToFileURL(join(req.dir, 'node_modules', '@fluencelabs', 'aqua-api', 'index.js')).href);
} catch (e) {
  fail(`loading @fluencelabs/aqua-api from ${req.dir}: ${e.message}`);
}

let res;
try {
  res = await api.compileFromPath({ filePath: req.file, imports: [join(req.dir, 'node_modules')] });
} catch (e) {
  fail(`compiling ${req.file}: ${e && e.message ? e.message : e}`);
}

const functions = Object.entries(res.functions ?? {}).map(([name, f]) => plainFunction(name, f));
out(JSON.stringify({
  errors: Array.from(res.errors ?? [], String),
  warnings: Array.from(res.warnings ?? [], String),
  functions,
}), () => process.exit(0)); // exit once written: the compiler may leave timers behind
