#!/usr/bin/env node
// Local SQS stand-in for tests, the demo and the benchmark: fauxqs (AWS JSON protocol only),
// bound to loopback and silent. `npx fauxqs` would bind 0.0.0.0 and log every request.
//
// Usage: node sqs-emulator.mjs [--port N]   (N = 0, the default, lets the OS pick a free port)
// Prints "READY <port>" on stdout once GET /health answers; exits 0 on SIGTERM or SIGINT.
import { buildApp } from "fauxqs";

function parsePort(argv) {
  const i = argv.indexOf("--port");
  if (i === -1) return 0;
  const port = Number(argv[i + 1]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`sqs-emulator: bad --port value: ${argv[i + 1]}`);
    process.exit(2);
  }
  return port;
}

const app = buildApp({ logger: false });
await app.listen({ port: parsePort(process.argv.slice(2)), host: "127.0.0.1" });
const { port } = app.server.address();

// Announce readiness only once a request really gets through, so callers can start at once.
const res = await fetch(`http://127.0.0.1:${port}/health`);
if (!res.ok) {
  console.error(`sqs-emulator: /health answered ${res.status}`);
  process.exit(1);
}
process.stdout.write(`READY ${port}\n`);

let closing = false;
async function shutdown() {
  if (closing) return;
  closing = true;
  // close() also ends pending long polls (forceCloseConnections), so this does not hang.
  await app.close();
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
