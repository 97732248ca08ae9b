#!/usr/bin/env node
// The soak's producer: login events at a steady rate for a set time (SendMessageBatch, 10 a call,
// paced every 20 ms against the schedule rate x elapsed, at most --concurrency calls at once).
// Each event's user_id is PREFIX<n>, n = 0, 1, 2, ... in send order, so that the target table can
// be checked for every message exactly once. A failed call is counted, not retried (its ids are
// then neither known to be in the queue nor known not to be), and the soak treats any as a failure.
//
//   node bench/soak_producer.mjs --endpoint URL --queue-url URL --rate 2000 --seconds 1200
//       [--id-prefix soak-] [--concurrency 16] [--status FILE]
//
// While it runs it rewrites FILE (atomically, every second) with
//   {"sent": <messages SQS acknowledged>, "failed": <messages in failed calls>, "behind": <messages
//    due but not yet sent>, "elapsed_s": <seconds>}
// and at the end prints that object plus "rate" and "seconds" on stdout. SIGTERM or SIGINT stops
// the schedule early (the calls in flight are finished).
import fs from "node:fs";
import { parseArgs } from "node:util";
import { randomInt } from "node:crypto";
import { sqsHttpClient } from "./sqs_http.mjs";

const { values: args } = parseArgs({
  options: {
    endpoint: { type: "string" },
    "queue-url": { type: "string" },
    rate: { type: "string", default: "2000" },
    seconds: { type: "string", default: "60" },
    "id-prefix": { type: "string", default: "soak-" },
    concurrency: { type: "string", default: "16" },
    status: { type: "string" },
  },
});
const rate = Number(args.rate);
const seconds = Number(args.seconds);
const concurrency = Number(args.concurrency);
if (!args.endpoint || !args["queue-url"] || !(rate > 0) || !(seconds > 0) || !(concurrency >= 1)) {
  console.error("usage: soak_producer.mjs --endpoint URL --queue-url URL --rate N --seconds S");
  process.exit(2);
}
const total = Math.round(rate * seconds);
const client = sqsHttpClient(args.endpoint);

const versions = ["2.3.0", "0.96", "3.7", "2.2.1", "5.0.1"];
const locales = ["RU", "US", "DE", "FR", "GB", "IN", null];
function event(n) {
  return JSON.stringify({
    user_id: `${args["id-prefix"]}${n}`,
    app_version: versions[n % versions.length],
    device_type: n % 2 ? "ios" : "android",
    ip: `198.51.100.${randomInt(1, 255)}`,
    locale: locales[n % locales.length],
    device_id: `${randomInt(100, 1000)}-${randomInt(10, 100)}-${randomInt(1000, 10000)}`,
  });
}

let next = 0; // the next id to send
let sent = 0;
let failed = 0;
let inFlight = 0;
let failuresLogged = 0;
let stopping = false;
const start = performance.now();
const elapsed = () => (performance.now() - start) / 1000;

function status() {
  const due = Math.min(total, Math.floor(rate * elapsed()));
  return { sent, failed, behind: Math.max(0, due - next), elapsed_s: +elapsed().toFixed(3) };
}
function writeStatus() {
  if (!args.status) return;
  fs.writeFileSync(`${args.status}.tmp`, JSON.stringify(status()) + "\n");
  fs.renameSync(`${args.status}.tmp`, args.status);
}

async function sendBatch(first, count) {
  const Entries = [];
  for (let i = 0; i < count; i++) Entries.push({ Id: `m${i}`, MessageBody: event(first + i) });
  let refused = count;
  let why = "";
  try {
    const r = await client.post("SendMessageBatch", { QueueUrl: args["queue-url"], Entries });
    if (r.ok) {
      const body = JSON.parse(r.text);
      refused = body.Failed?.length ?? 0;
      why = refused ? JSON.stringify(body.Failed) : "";
    } else {
      why = `HTTP ${r.status}: ${r.text.slice(0, 200)}`;
    }
  } catch (e) {
    why = String(e);
  }
  sent += count - refused;
  failed += refused;
  if (refused && failuresLogged++ < 5) console.error(`soak_producer: ${refused} refused: ${why}`);
}

function pump() {
  const due = Math.min(total, Math.floor(rate * elapsed()));
  while (!stopping && inFlight < concurrency && (due - next >= 10 || (due === total && next < total))) {
    const count = Math.min(10, total - next);
    const first = next;
    next += count;
    inFlight++;
    sendBatch(first, count).finally(() => {
      inFlight--;
    });
  }
}

await new Promise((resolve) => {
  const stop = () => {
    stopping = true;
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  const pacer = setInterval(() => {
    pump();
    if ((stopping || next >= total) && inFlight === 0) {
      clearInterval(pacer);
      clearInterval(reporter);
      resolve();
    }
  }, 20);
  const reporter = setInterval(writeStatus, 1000);
});
writeStatus();
client.close();
const s = elapsed();
console.log(JSON.stringify({ ...status(), seconds: +s.toFixed(3), rate: Math.round(sent / s) }));
process.exit(failed > 0 ? 1 : 0);
