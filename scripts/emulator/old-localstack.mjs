// A stand-in for the LocalStack 2.x that the assignment ships: it speaks only the SQS Query
// protocol. Query requests (form-encoded Action=...) go to a real Query-speaking emulator
// (local-aws-sqs 2.0.2, pinned in package.json); AWS JSON requests (X-Amz-Target) get what
// LocalStack 2.x answers them: HTTP 500 with "Operation detection failed. Missing Action in request
// for query-protocol service", as XML (LocalStack serialises errors in the service's protocol) or,
// with --json-errors, as JSON.
//
// Usage: node old-localstack.mjs [--port N] [--json-errors]
// Prints "LISTENING <port>" once both servers listen. Counts are served at GET /__stats as JSON
// {"json_refused": n, "query_forwarded": n}. Exits on SIGTERM/SIGINT.
import http from "node:http";
import { createSqsServer } from "local-aws-sqs";

const args = process.argv.slice(2);
const port = Number(args[args.indexOf("--port") + 1] ?? 0) || 0;
const jsonErrors = args.includes("--json-errors");
const stats = { json_refused: 0, query_forwarded: 0 };
const kMessage =
  "exception while calling sqs with unknown operation: Operation detection failed. " +
  "Missing Action in request for query-protocol service ServiceModel(sqs)";

const backend = await createSqsServer({
  port: 0,
  hostname: "127.0.0.1",
  emulateQueueCreationLifecycle: false,
});
const backendPort = backend.address().port;

function refuseJson(res) {
  stats.json_refused++;
  if (jsonErrors) {
    res.writeHead(500, { "content-type": "application/x-amz-json-1.0" });
    res.end(JSON.stringify({ __type: "InternalError", message: kMessage }));
    return;
  }
  res.writeHead(500, { "content-type": "text/xml" });
  res.end(
    '<?xml version="1.0" encoding="utf-8"?>\n<ErrorResponse><Error><Type>Receiver</Type>' +
      `<Code>InternalError</Code><Message>${kMessage}</Message></Error>` +
      "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>",
  );
}

const front = http.createServer((req, res) => {
  if (req.method === "GET" && req.url === "/__stats") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(stats));
    return;
  }
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    if (req.headers["x-amz-target"]) return refuseJson(res);
    stats.query_forwarded++;
    const body = Buffer.concat(chunks);
    const upstream = http.request(
      { host: "127.0.0.1", port: backendPort, method: req.method, path: req.url,
        headers: { ...req.headers, host: `127.0.0.1:${backendPort}` } },
      (up) => {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => {
      res.writeHead(502);
      res.end();
    });
    upstream.end(body);
  });
});

front.listen(port, "127.0.0.1", () => {
  console.log(`LISTENING ${front.address().port}`);
});
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => process.exit(0));
}
