// driver-io.mjs: the standard streams of the oracle's node drivers (ast-batch.mjs,
// value-batch.mjs, invoke.mjs), which runDriver and startDriver write next to each of them.
//
// driverIO(name) keeps stdout for the driver's result alone (marine-js reports wasm failures
// with console.log, and libraries print at will: all of it goes to stderr) and returns:
//   out(text)       writes to the real stdout;
//   fail(code, msg) prints "name: msg" to stderr and exits with code;
//   readStdin()     resolves to all of stdin, as UTF-8 (for the batch drivers);
//   oracleDir       $AQUANET_ORACLE_DIR (the driver fails with code 2 when it is not set).
export function driverIO(name) {
  const out = process.stdout.write.bind(process.stdout);
  const toStderr = (...args) => process.stderr.write(args.map(String).join(' ') + '\n');
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  console.warn = toStderr;
  process.stdout.write = process.stderr.write.bind(process.stderr);

  const fail = (code, msg) => {
    process.stderr.write(`${name}: ${msg}\n`);
    process.exit(code);
  };
  const readStdin = async () => {
    const chunks = [];
    for await (const chunk of process.stdin) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  };
  const oracleDir = process.env.AQUANET_ORACLE_DIR;
  if (!oracleDir) fail(2, 'AQUANET_ORACLE_DIR is not set (want an oracle directory where npm install has run)');
  return { out, fail, readStdin, oracleDir };
}
