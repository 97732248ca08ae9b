#!/usr/bin/env node
// delay_proxy: a loopback HTTP/1.1 proxy that adds a fixed round-trip latency to every request,
// so `make bench` can measure sqs2pg as if SQS were a WAN round trip away (20 ms is typical from a
// neighbouring region, 1-10 ms within one). Node 20, built-in modules only.
//
//   node bench/delay_proxy.mjs --upstream http://127.0.0.1:PORT [--rtt-ms 20] [--port 0]
//
// Contract:
//  - Listens on 127.0.0.1 (--port 0: a port the OS picks) and prints exactly one line on stdout,
//    "LISTENING <port>", once it accepts connections. Exits 0 on SIGTERM/SIGINT, 2 on a bad flag.
//  - Every request is held for half of --rtt-ms, then forwarded to --upstream with its method,
//    path, headers (Host included) and body unchanged; the upstream's answer is held for the other
//    half, then returned unchanged. So each call takes --rtt-ms more than it would directly:
//    a long poll that waits W s takes W s + rtt.
//  - Connections to the upstream are kept alive with no cap on their number, so N concurrent
//    client calls are N concurrent upstream calls (the proxy adds latency, not queueing).
//  - GET /__stats answers what went through since the start or the last GET /__stats?reset=1:
//    {"requests", "upstream_errors", "since_ms", "by_action": {Action: {"calls", "max_concurrent",
//    "busy_ms" (the calls' summed durations: busy_ms / elapsed is their mean concurrency),
//    "messages" (ReceiveMessage: messages answered; DeleteMessageBatch: entries sent)}}}.
//    bench/run.sh reads it to show what bounds a run (e.g. how many deletes were in flight).
import http from "node:http";
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";

import { forward, readBody, relay } from "../scripts/lib/http_relay.mjs";

const { values: args } = parseArgs({
  options: {
    upstream: { type: "string" },
    "rtt-ms": { type: "string", default: "20" },
    port: { type: "string", default: "0" },
  },
});
const rttMs = Number(args["rtt-ms"]);
if (!args.upstream || !/^http:\/\/[^/]+\/?$/.test(args.upstream) || !(rttMs >= 0)) {
  process.stderr.write("usage: delay_proxy.mjs --upstream http://HOST:PORT [--rtt-ms 20] [--port 0]\n");
  process.exit(2);
}
const upstream = new URL(args.upstream);
const halfMs = rttMs / 2;
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 });
let stats;
function resetStats() {
  stats = { requests: 0, upstream_errors: 0, since_ms: Date.now(), by_action: {} };
}
resetStats();
const inFlight = {};

function actionStats(action) {
  stats.by_action[action] ??= { calls: 0, max_concurrent: 0, busy_ms: 0, messages: 0 };
  return stats.by_action[action];
}

// Messages answered by a ReceiveMessage, entries of a DeleteMessageBatch: 0 if it cannot tell.
function countMessages(action, requestBody, answerBody) {
  try {
    if (action === "ReceiveMessage") return JSON.parse(answerBody).Messages?.length ?? 0;
    if (action === "DeleteMessageBatch") return JSON.parse(requestBody).Entries?.length ?? 0;
  } catch {
    // not JSON: not counted
  }
  return 0;
}

const server = http.createServer(async (req, res) => {
  if (req.method === "GET" && req.url.startsWith("/__stats")) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(stats));
    if (req.url.endsWith("reset=1")) resetStats();
    return;
  }
  stats.requests++;
  const action = String(req.headers["x-amz-target"] ?? "").replace(/^AmazonSQS\./, "") || "other";
  const started = performance.now();
  inFlight[action] = (inFlight[action] ?? 0) + 1;
  const a = actionStats(action);
  a.calls++;
  a.max_concurrent = Math.max(a.max_concurrent, inFlight[action]);
  try {
    const body = await readBody(req);
    if (halfMs > 0) await sleep(halfMs);
    const answer = await forward(agent, upstream, req, body);
    if (halfMs > 0) await sleep(halfMs);
    const done = actionStats(action);  // stats may have been reset meanwhile
    done.messages += countMessages(action, body, answer.body);
    done.busy_ms += performance.now() - started;
    relay(res, answer);
  } catch (err) {
    stats.upstream_errors++;
    actionStats(action).busy_ms += performance.now() - started;
    if (!res.headersSent) {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`delay_proxy: upstream error: ${err.message}\n`);
    } else {
      res.destroy();
    }
  } finally {
    inFlight[action]--;
  }
});
// Long polls (up to 20 s) and idle keep-alive connections must not be cut by the proxy.
server.keepAliveTimeout = 65000;
server.headersTimeout = 66000;
server.requestTimeout = 0;
server.maxConnections = 4096;

server.listen(Number(args.port), "127.0.0.1", () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close();
    agent.destroy();
    process.exit(0);
  });
}
