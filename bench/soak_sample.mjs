#!/usr/bin/env node
// The soak's sampler: every --interval seconds from its start until --seconds have passed (so
// seconds / interval + 1 samples, the first at 0), it appends one JSON line to --out with what is
// cumulative or instantaneous at that moment; bench/soak_report.mjs turns consecutive samples into
// per-window rates and quantiles.
//
//   node bench/soak_sample.mjs --metrics URL --pid PID [--emulator-pid PID] --psql PATH
//       --database-url URL [--schema public] [--table user_logins] [--producer-status FILE]
//       --seconds S [--interval 10] [--clock-ticks 100] --out FILE
//
// A sample: {"t": seconds since start, "utc": ISO time,
//   "counters": {"inserted", "received", "duplicates", "deleted", "rejected"} (sqs2pg's /metrics),
//   "commit": {le: cumulative count} and "lag": {le: ...} (sqs2pg_commit_seconds and
//   sqs2pg_message_lag_seconds buckets, "+Inf" included), "queue_visible",
//   "rss_kb" and "cpu_s" (sqs2pg, from /proc), "emulator_rss_kb",
//   "ledger_partitions" (day partitions sqs2pg_ledger_pYYYYMMDD), "ledger_bytes" (every partition,
//   DEFAULT included, with indexes and TOAST), "table_bytes" (the target table's), and
//   "produced" (the producer's status file: sent, failed, behind)}.
// A value that could not be read is null (e.g. /metrics not answering at that moment).
import fs from "node:fs";
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    metrics: { type: "string" },
    pid: { type: "string" },
    "emulator-pid": { type: "string" },
    psql: { type: "string", default: "psql" },
    "database-url": { type: "string" },
    schema: { type: "string", default: "public" },
    table: { type: "string", default: "user_logins" },
    "producer-status": { type: "string" },
    seconds: { type: "string" },
    interval: { type: "string", default: "10" },
    out: { type: "string" },
    "clock-ticks": { type: "string", default: "100" },
  },
});
if (!args.metrics || !args.pid || !args["database-url"] || !args.seconds || !args.out) {
  console.error("usage: soak_sample.mjs --metrics URL --pid PID --database-url URL --seconds S --out FILE");
  process.exit(2);
}
const seconds = Number(args.seconds);
const interval = Number(args.interval);
const clockTicks = Number(args["clock-ticks"]); // getconf CLK_TCK: /proc/<pid>/stat's unit

function readOr(path, fallback = null) {
  try {
    return fs.readFileSync(path, "utf8");
  } catch {
    return fallback;
  }
}

function rssKb(pid) {
  const status = pid ? readOr(`/proc/${pid}/status`) : null;
  const m = status?.match(/^VmRSS:\s+(\d+) kB/m);
  return m ? Number(m[1]) : null;
}

function cpuSeconds(pid) {
  const stat = readOr(`/proc/${pid}/stat`);
  if (!stat) return null;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / clockTicks; // utime + stime
}

// Prometheus text: the plain samples by full name (labels included), and each histogram's
// buckets by le.
function parseMetrics(text) {
  const samples = new Map();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    samples.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  const buckets = (name) => {
    const out = {};
    for (const [key, value] of samples) {
      const m = key.match(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\}$`));
      if (m) out[m[1]] = value;
    }
    return out;
  };
  let rejected = 0;
  for (const [key, value] of samples) {
    if (key.startsWith("sqs2pg_messages_rejected_total{")) rejected += value;
  }
  return {
    counters: {
      inserted: samples.get("sqs2pg_rows_inserted_total") ?? null,
      received: samples.get("sqs2pg_messages_received_total") ?? null,
      duplicates: samples.get("sqs2pg_duplicates_skipped_total") ?? null,
      deleted: samples.get("sqs2pg_messages_deleted_total") ?? null,
      rejected,
    },
    commit: buckets("sqs2pg_commit_seconds"),
    lag: buckets("sqs2pg_message_lag_seconds"),
    queue_visible: samples.get('sqs2pg_queue_approximate_messages{state="visible"}') ?? null,
  };
}

async function scrape() {
  try {
    const res = await fetch(args.metrics, { signal: AbortSignal.timeout(5000) });
    if (res.ok) return parseMetrics(await res.text());
  } catch {
    // counted as missing below
  }
  return { counters: null, commit: null, lag: null, queue_visible: null };
}

const quoted = (name) => `'${name.replaceAll("'", "''")}'`;
const ledger = `${args.schema}.sqs2pg_ledger`;
const sizesSql = `
SELECT (SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = ${quoted(ledger)}::regclass AND c.relname ~ '^sqs2pg_ledger_p[0-9]{8}$'),
       (SELECT coalesce(sum(pg_total_relation_size(i.inhrelid)), 0) FROM pg_inherits i
         WHERE i.inhparent = ${quoted(ledger)}::regclass),
       pg_total_relation_size(${quoted(`${args.schema}.${args.table}`)})`;

function sizes() {
  try {
    const out = execFileSync(
      args.psql,
      ["-X", "-q", "-At", "-F", " ", "-v", "ON_ERROR_STOP=1", "-d", args["database-url"], "-c", sizesSql],
      { encoding: "utf8", timeout: 8000, stdio: ["ignore", "pipe", "pipe"] },
    );
    const [partitions, ledgerBytes, tableBytes] = out.trim().split(" ").map(Number);
    return { ledger_partitions: partitions, ledger_bytes: ledgerBytes, table_bytes: tableBytes };
  } catch {
    return { ledger_partitions: null, ledger_bytes: null, table_bytes: null };
  }
}

function produced() {
  const text = args["producer-status"] ? readOr(args["producer-status"]) : null;
  if (!text) return { sent: 0, failed: 0, behind: 0 };
  try {
    const s = JSON.parse(text);
    return { sent: s.sent, failed: s.failed, behind: s.behind };
  } catch {
    return null;
  }
}

let stopping = false;
process.on("SIGTERM", () => (stopping = true));
process.on("SIGINT", () => (stopping = true));

const start = performance.now();
const count = Math.floor(seconds / interval);
for (let k = 0; k <= count && !stopping; k++) {
  const due = start + k * interval * 1000;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const t = (performance.now() - start) / 1000;
  const metrics = await scrape();
  const sample = {
    t: +t.toFixed(3),
    utc: new Date().toISOString(),
    ...metrics,
    rss_kb: rssKb(args.pid),
    cpu_s: cpuSeconds(args.pid),
    emulator_rss_kb: rssKb(args["emulator-pid"]),
    ...sizes(),
    produced: produced(),
  };
  fs.appendFileSync(args.out, JSON.stringify(sample) + "\n");
}
