#!/usr/bin/env node
// The SQS emulator's no-work ceiling: how fast N concurrent consumers can empty a queue when all
// they do is ReceiveMessage (10 at a time, 1 s long poll) and DeleteMessageBatch, with no parsing,
// masking or database. sqs2pg's drain rate is reported against this figure, measured in the same
// run on the same machine. Plain fetch (Node >= 20), which keeps connections alive; or, with
// --client http, node:http with a keep-alive agent, which costs about a quarter of fetch's CPU per
// call: on 2 shared cores the client competes with the emulator for CPU, so the lighter client
// gives the stricter (higher) ceiling.
//
//   node bench/ceiling.mjs --endpoint URL --queue-url URL [--consumers 8] [--client fetch|http]
//       Drains the queue; prints one JSON line:
//       {"consumers", "client", "messages", "seconds", "msgs_per_s"}.
//   node bench/ceiling.mjs --endpoint URL --queue-url URL --publish N
//       Fills the queue with N login events (SendMessageBatch), for trying this script out without
//       sqs2pg.
//   node bench/ceiling.mjs --endpoint URL --queue-url URL --wait-empty [--interval-ms 25]
//       Polls GetQueueAttributes until the queue holds nothing, visible or in flight, then prints
//       {"empty_at_ms": <Unix time, ms>, "polls": N}: when the last delete of a consumer running
//       beside it landed (to within the interval). bench/run.sh times sqs2pg drains with it, so
//       that sqs2pg's end-of-drain check (an empty long poll, then two agreeing looks at the
//       queue) is not counted as throughput, as the ceiling's own final empty poll is not.
import { parseArgs } from "node:util";
import { randomUUID } from "node:crypto";
import { sqsHeaders, sqsHttpClient } from "./sqs_http.mjs";

const { values: args } = parseArgs({
  options: {
    endpoint: { type: "string" },
    "queue-url": { type: "string" },
    consumers: { type: "string", default: "8" },
    publish: { type: "string" },
    "wait-empty": { type: "boolean", default: false },
    "interval-ms": { type: "string", default: "25" },
    client: { type: "string", default: "fetch" },
  },
});
if (!args.endpoint || !args["queue-url"]) {
  console.error("usage: ceiling.mjs --endpoint URL --queue-url URL [--consumers N | --publish N]");
  process.exit(2);
}
if (!["fetch", "http"].includes(args.client)) {
  console.error("ceiling.mjs: --client is fetch or http");
  process.exit(2);
}
const queueUrl = args["queue-url"];
const client = sqsHttpClient(args.endpoint);

async function sqs(action, body) {
  let ok, status, text;
  if (args.client === "http") {
    ({ ok, status, text } = await client.post(action, body));
  } else {
    const res = await fetch(`${args.endpoint}/`, {
      method: "POST",
      headers: sqsHeaders(action),
      body: JSON.stringify(body),
    });
    text = await res.text();
    ({ ok, status } = res);
  }
  if (!ok) throw new Error(`${action}: HTTP ${status}: ${text}`);
  return JSON.parse(text);
}

async function publish(count) {
  const event = (i) =>
    JSON.stringify({
      user_id: randomUUID(),
      app_version: "2.3.0",
      device_type: i % 2 ? "ios" : "android",
      ip: `203.0.113.${i % 251}`,
      locale: "RU",
      device_id: `${100 + (i % 900)}-${10 + (i % 90)}-${1000 + (i % 9000)}`,
    });
  let next = 0;
  async function sender() {
    while (next < count) {
      const first = next;
      next = Math.min(count, next + 10);
      const Entries = [];
      for (let i = first; i < next; i++) Entries.push({ Id: `m${i - first}`, MessageBody: event(i) });
      const r = await sqs("SendMessageBatch", { QueueUrl: queueUrl, Entries });
      if (r.Failed?.length) throw new Error(`SendMessageBatch failed: ${JSON.stringify(r.Failed)}`);
    }
  }
  await Promise.all(Array.from({ length: 8 }, sender));
  console.log(JSON.stringify({ published: count }));
}

async function drain(consumers) {
  let messages = 0;
  const start = performance.now();
  let lastDelete = start;
  // Each consumer stops at its first empty long poll: nothing is visible any more. The clock stops
  // at the last delete, so that final 1 s wait is not counted.
  async function consumer() {
    for (;;) {
      const r = await sqs("ReceiveMessage", {
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      });
      const got = r.Messages ?? [];
      if (got.length === 0) return;
      const Entries = got.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle }));
      const d = await sqs("DeleteMessageBatch", { QueueUrl: queueUrl, Entries });
      if (d.Failed?.length) throw new Error(`DeleteMessageBatch failed: ${JSON.stringify(d.Failed)}`);
      messages += got.length;
      lastDelete = performance.now();
    }
  }
  await Promise.all(Array.from({ length: consumers }, consumer));
  const seconds = (lastDelete - start) / 1000;
  const rate = seconds > 0 ? Math.round(messages / seconds) : 0;
  console.log(
    JSON.stringify({ consumers, client: args.client, messages, seconds: +seconds.toFixed(3), msgs_per_s: rate }),
  );
}

async function waitEmpty(intervalMs) {
  let polls = 0;
  for (;;) {
    const r = await sqs("GetQueueAttributes", {
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    });
    polls++;
    const a = r.Attributes ?? {};
    const left =
      Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0);
    if (left === 0) {
      console.log(JSON.stringify({ empty_at_ms: Date.now(), polls }));
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

if (args.publish !== undefined) {
  await publish(Number(args.publish));
} else if (args["wait-empty"]) {
  await waitEmpty(Number(args["interval-ms"]));
} else {
  await drain(Number(args.consumers));
}
client.close();
