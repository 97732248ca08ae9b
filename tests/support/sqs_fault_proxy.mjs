#!/usr/bin/env node
// sqs_fault_proxy: an HTTP/1.1 proxy between an SQS client (sqs2pg) and an SQS endpoint speaking
// the AWS JSON 1.0 protocol (the fauxqs emulator in tests) that injects the faults a real network
// and a real SQS produce, so tests can show that sqs2pg never loses or duplicates a message.
// Node 20, built-in modules only.
//
// Usage:
//   node sqs_fault_proxy.mjs --upstream http://127.0.0.1:PORT [--port 0] [--seed 1]
//        [--fault-rate R] [--faults http500,http503,throttle,reset,stall]
//        [--fault-phase before|after|both] [--stall-ms 1500] [--max-faults N]
//        [--only-actions A,B] [--exclude-actions A,B]
//        [--failed-delete-rate R] [--failed-delete-once]
//        [--delay-action Action:ms]... [--serialize-action Action]...
//
// Contract:
//  - Listens on 127.0.0.1 (--port 0: a port the OS picks) and prints exactly one line on stdout,
//    "LISTENING <port>", once it accepts connections. Nothing else goes to stdout; problems go to
//    stderr. Exits 0 on SIGTERM/SIGINT, 2 on a bad flag.
//  - Forwarding: every request other than GET /__stats is sent to --upstream with its method,
//    path, headers (Host included, so a signature stays valid) and body bytes unchanged, and the
//    upstream's status, headers and body come back unchanged. The action is read from
//    "X-Amz-Target: AmazonSQS.<Action>"; requests without one are forwarded and never faulted.
//    The only rewritten body is a DeleteMessageBatch under --failed-delete-rate (below), which
//    therefore needs an upstream that does not check signatures (fauxqs does not).
//  - Faults: each request whose action is eligible (every action, or --only-actions, minus
//    --exclude-actions) gets a fault with probability --fault-rate (default 0), of a kind drawn
//    uniformly from --faults, until --max-faults faults have been injected (default unlimited):
//      http500   HTTP 500, {"__type":"com.amazonaws.sqs#InternalError",...},
//                x-amzn-query-error: InternalError;Receiver
//      http503   HTTP 503 with a non-JSON (load-balancer style) body: only the status says why
//      throttle  HTTP 400, {"__type":"com.amazonaws.sqs#ThrottlingException",...},
//                x-amzn-query-error: RequestThrottled;Sender (a 400 that must still be retried)
//      reset     the client's connection is reset (TCP RST) without an answer
//      stall     nothing happens for --stall-ms (default 1500), then the connection is reset
//      denied    HTTP 400, {"__type":"com.amazon.coral.service#AccessDeniedException",...},
//                x-amzn-query-error: AccessDenied;Sender: a refusal that must not be retried.
//                Only when named in --faults (never in the default mix).
//    --fault-phase (default both) says when: "before" forwarding (the upstream never sees the
//    request), "after" (the upstream has acted -- messages received, deletes done -- and its
//    answer is replaced by the fault), "both" (each fault picks one with even odds).
//  - --failed-delete-rate R: in each forwarded DeleteMessageBatch, each entry is, with
//    probability R, withheld from the upstream and answered as a Failed entry with Code
//    "ReceiptHandleIsInvalid", SenderFault true, merged into the upstream's answer (HTTP 200, like
//    SQS). The message is therefore not deleted and comes back after its visibility timeout.
//    With --failed-delete-once an entry is withheld only if its message (known from the
//    upstream's ReceiveMessage answers) has never had a delete withheld before, so every
//    message is redelivered at most once because of this proxy.
//  - --delay-action Action:ms (repeatable) holds each request of that action for ms before doing
//    anything else with it. A request whose client disconnects while it is held (or stalled) is
//    never forwarded: it models a process that died before its request reached SQS.
//  - --serialize-action Action (repeatable) handles that action's requests one at a time, in
//    arrival order (each, its delay included, after the previous one has been answered): a server
//    whose rate for that action does not grow with the client's concurrency.
//  - GET /__stats answers JSON counters: requests and forwarded per action, faults per kind, per
//    phase and per action, failed_delete_entries, delayed per action, dropped_client_gone,
//    upstream_errors. Tests assert on it that faults were really injected. It also reports, from
//    the upstream's ReceiveMessage answers (even those a fault then replaced) and the
//    DeleteMessageBatch requests that arrive (faulted or not):
//    messages_seen and receipts_seen (distinct MessageIds and receipt handles delivered),
//    delete_entries, unknown_receipt_deletes (a receipt this proxy never relayed),
//    stale_receipt_deletes (not the message's latest receipt: SQS answers success but need not
//    delete), late_receipt_deletes (sent after the receipt's VisibilityTimeout had passed) and
//    receipt_age_at_delete_ms {mean, max}: how a consumer keeps up with its deletes.
//  - The PRNG (mulberry32, --seed, default 1) makes the fault sequence repeatable for a given
//    order of arrival; concurrent clients make the arrival order itself vary.
import http from "node:http";
import process from "node:process";

import { forward, readBody, relay } from "../../scripts/lib/http_relay.mjs";

const KINDS = ["http500", "http503", "throttle", "reset", "stall"];
// Faults that must be asked for by name: a non-retryable refusal ends a run, so it is never part
// of the default mix.
const NAMED_ONLY_KINDS = ["denied"];

function usage(message) {
  process.stderr.write(`sqs_fault_proxy: ${message}\n`);
  process.exit(2);
}

function parseRate(flag, value) {
  const r = Number(value);
  if (!Number.isFinite(r) || r < 0 || r > 1) usage(`${flag} wants a number in [0, 1], not '${value}'`);
  return r;
}

function parseInteger(flag, value, min) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) usage(`${flag} wants an integer >= ${min}, not '${value}'`);
  return n;
}

function parseList(value) {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function parseArgs(argv) {
  const o = {
    upstream: "",
    port: 0,
    seed: 1,
    faultRate: 0,
    faults: [...KINDS],
    phase: "both",
    stallMs: 1500,
    maxFaults: Infinity,
    onlyActions: null,
    excludeActions: new Set(),
    failedDeleteRate: 0,
    failedDeleteOnce: false,
    delays: new Map(),
    serialize: new Set(),
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const takesValue = flag !== "--failed-delete-once";
    const value = takesValue ? argv[++i] : undefined;
    if (takesValue && value === undefined) usage(`${flag} needs a value`);
    switch (flag) {
      case "--upstream":
        o.upstream = value.replace(/\/+$/, "");
        break;
      case "--port":
        o.port = parseInteger(flag, value, 0);
        break;
      case "--seed":
        o.seed = parseInteger(flag, value, 0);
        break;
      case "--fault-rate":
        o.faultRate = parseRate(flag, value);
        break;
      case "--faults":
        o.faults = parseList(value);
        for (const k of o.faults) {
          if (!KINDS.includes(k) && !NAMED_ONLY_KINDS.includes(k)) usage(`unknown fault '${k}'`);
        }
        if (o.faults.length === 0) usage("--faults is empty");
        break;
      case "--fault-phase":
        if (!["before", "after", "both"].includes(value)) usage(`bad --fault-phase '${value}'`);
        o.phase = value;
        break;
      case "--stall-ms":
        o.stallMs = parseInteger(flag, value, 0);
        break;
      case "--max-faults":
        o.maxFaults = parseInteger(flag, value, 0);
        break;
      case "--only-actions":
        o.onlyActions = new Set(parseList(value));
        break;
      case "--exclude-actions":
        o.excludeActions = new Set(parseList(value));
        break;
      case "--failed-delete-rate":
        o.failedDeleteRate = parseRate(flag, value);
        break;
      case "--failed-delete-once":
        o.failedDeleteOnce = true;
        break;
      case "--delay-action": {
        const m = /^([A-Za-z]+):(\d+)$/.exec(value);
        if (!m) usage(`--delay-action wants Action:ms, not '${value}'`);
        o.delays.set(m[1], Number(m[2]));
        break;
      }
      case "--serialize-action":
        if (!/^[A-Za-z]+$/.test(value)) usage(`--serialize-action wants an action, not '${value}'`);
        o.serialize.add(value);
        break;
      default:
        usage(`unknown flag '${flag}'`);
    }
  }
  if (!/^http:\/\/[^/]+$/.test(o.upstream)) usage("--upstream http://HOST:PORT is required");
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const upstream = new URL(opts.upstream);
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

// mulberry32: small, fast, good enough for test decisions, and seedable.
let prngState = opts.seed >>> 0;
function random() {
  prngState = (prngState + 0x6d2b79f5) >>> 0;
  let t = prngState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const stats = {
  requests: {},
  forwarded: {},
  faults: Object.fromEntries([...KINDS, ...NAMED_ONLY_KINDS].map((k) => [k, 0])),
  faults_by_phase: { before: 0, after: 0 },
  faults_by_action: {},
  failed_delete_entries: 0,
  delayed: {},
  dropped_client_gone: 0,
  upstream_errors: 0,
};
let faultsInjected = 0;

function bump(table, key, by = 1) {
  table[key] = (table[key] ?? 0) + by;
}

// What the upstream's ReceiveMessage answers taught: receipt handle -> {MessageId, when answered},
// and each message's latest receipt handle (SQS deletes only with the latest one).
const receipts = new Map();
const latestReceipt = new Map();
const deleteWithheldFor = new Set();
const deletes = { entries: 0, unknown: 0, stale: 0, late: 0, ageSumMs: 0, ageMaxMs: 0 };

function eligible(action) {
  if (action === null) return false;
  if (opts.onlyActions !== null && !opts.onlyActions.has(action)) return false;
  return !opts.excludeActions.has(action);
}

function chooseFault(action) {
  if (!eligible(action) || faultsInjected >= opts.maxFaults || opts.faultRate <= 0) return null;
  if (random() >= opts.faultRate) return null;
  faultsInjected++;
  const kind = opts.faults[Math.floor(random() * opts.faults.length)];
  let phase = opts.phase;
  if (phase === "both") phase = random() < 0.5 ? "before" : "after";
  return { kind, phase };
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Resolves after `ms`, or earlier once the client has gone; returns true if the client is gone.
function holdWhileConnected(ctx, ms) {
  if (ctx.gone) return Promise.resolve(true);
  return Promise.race([sleep(ms).then(() => ctx.gone), ctx.gonePromise]);
}

function resetConnection(req) {
  const socket = req.socket;
  if (typeof socket.resetAndDestroy === "function") {
    socket.resetAndDestroy();
  } else {
    socket.destroy();
  }
}

function sendJson(res, status, body, extraHeaders = {}) {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    "content-type": "application/x-amz-json-1.0",
    "content-length": bytes.length,
    "x-amzn-requestid": "00000000-0000-4000-8000-fa0175000000",
    ...extraHeaders,
  });
  res.end(bytes);
}

async function injectFault(ctx, fault) {
  const { req, res, action } = ctx;
  stats.faults[fault.kind]++;
  stats.faults_by_phase[fault.phase]++;
  stats.faults_by_action[action] ??= {};
  bump(stats.faults_by_action[action], fault.kind);
  switch (fault.kind) {
    case "http500":
      sendJson(
        res,
        500,
        { __type: "com.amazonaws.sqs#InternalError", message: "injected by sqs_fault_proxy" },
        { "x-amzn-query-error": "InternalError;Receiver" },
      );
      return;
    case "http503": {
      const body = Buffer.from("<html><body><h1>503 Service Unavailable</h1></body></html>\n");
      res.writeHead(503, { "content-type": "text/html", "content-length": body.length });
      res.end(body);
      return;
    }
    case "throttle":
      sendJson(
        res,
        400,
        { __type: "com.amazonaws.sqs#ThrottlingException", message: "Rate exceeded" },
        { "x-amzn-query-error": "RequestThrottled;Sender" },
      );
      return;
    case "denied":
      sendJson(
        res,
        400,
        {
          __type: "com.amazon.coral.service#AccessDeniedException",
          message: "injected by sqs_fault_proxy: not authorized",
        },
        { "x-amzn-query-error": "AccessDenied;Sender" },
      );
      return;
    case "reset":
      resetConnection(req);
      return;
    case "stall":
      await holdWhileConnected(ctx, opts.stallMs);
      resetConnection(req);
      return;
  }
}

// Splits a DeleteMessageBatch body into the entries to forward and those answered as failed.
// Returns null when the body is not the expected JSON (then it is forwarded untouched).
function splitDeletes(body) {
  let parsed;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return null;
  }
  if (!parsed || !Array.isArray(parsed.Entries)) return null;
  const keep = [];
  const failed = [];
  for (const entry of parsed.Entries) {
    let withhold = random() < opts.failedDeleteRate;
    if (withhold && opts.failedDeleteOnce) {
      const id = receipts.get(entry.ReceiptHandle)?.messageId;
      withhold = id !== undefined && !deleteWithheldFor.has(id);
      if (withhold) deleteWithheldFor.add(id);
    }
    if (withhold) {
      failed.push({
        Id: entry.Id,
        SenderFault: true,
        Code: "ReceiptHandleIsInvalid",
        Message: "The input receipt handle is invalid (injected by sqs_fault_proxy).",
      });
    } else {
      keep.push(entry);
    }
  }
  parsed.Entries = keep;
  return { body: Buffer.from(JSON.stringify(parsed)), keep, failed };
}

function learnReceipts(requestBody, answer) {
  if (answer.status !== 200) return;
  let visibilityMs = NaN;
  try {
    visibilityMs = JSON.parse(requestBody.toString("utf8")).VisibilityTimeout * 1000;
  } catch {
    // The queue's default applies: unknown here.
  }
  try {
    const parsed = JSON.parse(answer.body.toString("utf8"));
    const now = Date.now();
    for (const m of parsed.Messages ?? []) {
      receipts.set(m.ReceiptHandle, { messageId: m.MessageId, at: now, visibilityMs });
      latestReceipt.set(m.MessageId, m.ReceiptHandle);
    }
  } catch {
    // Not JSON: nothing to learn.
  }
}

// Delete bookkeeping: how old each receipt is when its delete arrives, and whether it is still
// the message's latest one (an older receipt's delete "succeeds" on SQS but may delete nothing).
function noteDeletes(body) {
  let entries;
  try {
    entries = JSON.parse(body.toString("utf8")).Entries ?? [];
  } catch {
    return;
  }
  const now = Date.now();
  for (const e of entries) {
    deletes.entries++;
    const r = receipts.get(e.ReceiptHandle);
    if (!r) {
      deletes.unknown++;
      continue;
    }
    const age = now - r.at;
    deletes.ageSumMs += age;
    deletes.ageMaxMs = Math.max(deletes.ageMaxMs, age);
    if (latestReceipt.get(r.messageId) !== e.ReceiptHandle) deletes.stale++;
    if (age > r.visibilityMs) deletes.late++;
  }
}

// --serialize-action: per action, the promise the next request of that action waits for.
const serialTails = new Map();

async function handle(req, res, body) {
  const target = req.headers["x-amz-target"];
  const action =
    typeof target === "string" && target.startsWith("AmazonSQS.") ? target.slice(10) : null;
  if (action === null || !opts.serialize.has(action)) return handleNow(req, res, body);
  const previous = serialTails.get(action) ?? Promise.resolve();
  let release;
  serialTails.set(action, new Promise((resolve) => (release = resolve)));
  await previous;
  try {
    if (res.destroyed || req.socket.destroyed) {
      // The client left while queued: never forwarded, as a held request is not (see above).
      stats.dropped_client_gone++;
      return;
    }
    await handleNow(req, res, body);
  } finally {
    release();
  }
}

async function handleNow(req, res, body) {
  const target = req.headers["x-amz-target"];
  const action =
    typeof target === "string" && target.startsWith("AmazonSQS.") ? target.slice(10) : null;
  // The client may have left while its body was still arriving: 'close' has then already fired.
  const ctx = { req, res, action, gone: req.socket.destroyed };
  ctx.gonePromise = new Promise((resolve) => {
    if (ctx.gone) resolve(true);
    res.once("close", () => {
      if (!res.writableFinished) {
        ctx.gone = true;
        resolve(true);
      }
    });
  });
  bump(stats.requests, action ?? "(none)");

  const delay = action !== null ? opts.delays.get(action) : undefined;
  if (delay !== undefined) {
    bump(stats.delayed, action);
    if (await holdWhileConnected(ctx, delay)) {
      stats.dropped_client_gone++;
      return;
    }
  }

  if (action === "DeleteMessageBatch") noteDeletes(body);
  const fault = chooseFault(action);
  if (fault && fault.phase === "before") return injectFault(ctx, fault);

  let split = null;
  if (action === "DeleteMessageBatch" && opts.failedDeleteRate > 0) split = splitDeletes(body);
  if (split) {
    stats.failed_delete_entries += split.failed.length;
    body = split.body;
  }

  let answer;
  if (split && split.keep.length === 0) {
    // Nothing left to forward: answer as SQS would have.
    answer = {
      status: 200,
      headers: { "content-type": "application/x-amz-json-1.0" },
      body: Buffer.from(JSON.stringify({ Successful: [], Failed: split.failed })),
    };
  } else {
    try {
      answer = await forward(agent, upstream, ctx.req, body);
    } catch (err) {
      stats.upstream_errors++;
      process.stderr.write(`sqs_fault_proxy: upstream ${action ?? req.url}: ${err.message}\n`);
      if (!ctx.gone) {
        sendJson(res, 502, { __type: "com.amazonaws.sqs#InternalError", message: "bad gateway" });
      }
      return;
    }
    bump(stats.forwarded, action ?? "(none)");
    if (action === "ReceiveMessage") learnReceipts(body, answer);
    if (split && split.failed.length > 0 && answer.status === 200) {
      const merged = JSON.parse(answer.body.toString("utf8") || "{}");
      merged.Successful = merged.Successful ?? [];
      merged.Failed = [...(merged.Failed ?? []), ...split.failed];
      answer.body = Buffer.from(JSON.stringify(merged));
    }
  }
  if (ctx.gone) return;
  if (fault) return injectFault(ctx, fault);
  relay(res, answer);
}

const server = http.createServer((req, res) => {
  if (req.method === "GET" && req.url === "/__stats") {
    req.resume();
    const receiptStats = {
      delete_entries: deletes.entries,
      unknown_receipt_deletes: deletes.unknown,
      stale_receipt_deletes: deletes.stale,
      late_receipt_deletes: deletes.late,
      receipt_age_at_delete_ms: {
        mean: Math.round(deletes.ageSumMs / Math.max(1, deletes.entries - deletes.unknown)),
        max: deletes.ageMaxMs,
      },
      messages_seen: latestReceipt.size,
      receipts_seen: receipts.size,
    };
    const body = Buffer.from(JSON.stringify({ ...stats, ...receiptStats }));
    res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
    res.end(body);
    return;
  }
  readBody(req)
    .then((body) => handle(req, res, body))
    .catch((err) => {
      process.stderr.write(`sqs_fault_proxy: ${err.stack ?? err}\n`);
      if (!res.headersSent) resetConnection(req);
    });
});
// Long polls last up to 20 s and held requests longer: never time a request out here.
server.requestTimeout = 0;
server.headersTimeout = 0;
server.keepAliveTimeout = 60000;

server.listen(opts.port, "127.0.0.1", () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});

function shutdown() {
  server.close();
  agent.destroy();
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
