#!/usr/bin/env node
// Turns the raw figures that bench/run.sh gathered (one JSON file per measurement in --parts DIR)
// into the printed table and the result file bench/results/<time>.json, with every target marked
// met or not met. Node 20, built-in modules only.
//
//   node bench/report.mjs --parts DIR --out FILE
//
// Parts (each optional except meta.json; a missing one shows as "not measured"):
//   meta.json        {date, machine, postgresql, emulator, python, loadavg: {start, end}}
//   transform.json   Google Benchmark's --benchmark_format=json output of transform_bench
//   sink.json        sink_bench's output
//   ceiling.json     bench/ceiling.mjs's output (fetch client)
//   e2e-<K>.json     round K's sqs2pg drain (see run.sh's run_drain): 100,000 messages
//   ceiling-http-<K>.json  the node:http ceiling run just before round K's drain (K = rounds + 1:
//                    just after the last)
//   reference.json   bench/reference_takehome.py's output plus {cpu_seconds, peak_rss_kb}, or
//                    {skipped: reason}
//   latency-<R>.json one sqs2pg drain through bench/delay_proxy.mjs with R receivers
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: { parts: { type: "string" }, out: { type: "string" } },
});
if (!args.parts || !args.out) {
  console.error("usage: report.mjs --parts DIR --out FILE");
  process.exit(2);
}

const TARGETS = {
  transform_ns: 1500,
  // Issue 14: the login mapping through the generic path, transform only.
  login_mapping_transform_ns: 1200,
  sink_ratio: 0.4,
  ceiling_ratio: 0.9,
  reference_ratio: 20,
  latency_ratio: 0.7,
};

function part(name) {
  const file = path.join(args.parts, name);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : null;
}

const round = (x, digits = 0) => (x == null ? null : Number(x.toFixed(digits)));
const fmt = (x, digits = 0) =>
  x == null || Number.isNaN(x)
    ? "-"
    : x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

// A ratio for the table: truncated, not rounded, so that 0.398 shows as 0.39 next to "NOT MET"
// for ">= 0.40" (the check itself uses the unrounded value).
const fmtRatio = (x, digits = 2) =>
  x == null ? "-" : fmt(Math.floor(x * 10 ** digits + 1e-9) / 10 ** digits, digits);

const meta = part("meta.json");
const targets = [];
function target(id, what, value, op, limit) {
  const met = value == null ? null : op === "<=" ? value <= limit : value >= limit;
  targets.push({ id, what, value: value == null ? null : round(value, 4), op, target: limit, met });
  return met;
}

const perThousand = (x, n) => (x == null ? null : round((x / n) * 1000, 1));

// A drain's figures: throughput from launch to the last delete (the queue empty), as the ceiling
// counts to its last delete; also over the whole process, which adds the end-of-drain check.
function drainFigures(d) {
  if (!d) return null;
  const toEmpty = (d.empty_at_ms - d.launch_ms) / 1000;
  const process = (d.exit_ms - d.launch_ms) / 1000;
  return {
    label: d.label,
    receivers: d.receivers,
    endpoint: d.endpoint_kind,
    messages: d.messages,
    msgs_per_s: round(d.messages / toEmpty),
    seconds_to_empty: round(toEmpty, 3),
    process_seconds: round(process, 3),
    process_msgs_per_s: round(d.messages / process),
    received: d.received,
    inserted: d.inserted,
    cpu_seconds: d.cpu_seconds,
    cpu_seconds_per_1000: round((d.cpu_seconds / d.messages) * 1000, 4),
    peak_rss_kb: d.peak_rss_kb,
    peak_rss_mib: d.peak_rss_kb == null ? null : round(d.peak_rss_kb / 1024, 1),
    emulator_cpu_seconds_per_1000:
      d.emulator_cpu_seconds == null ? null : round((d.emulator_cpu_seconds / d.messages) * 1000, 4),
    emulator_preemptions_per_1000: perThousand(d.emulator_preemptions, d.messages),
    flags: d.flags,
    ...(d.proxy ? { proxy: d.proxy } : {}),
  };
}

// (a) transform
const tb = part("transform.json");
let transform = null;
if (tb) {
  // With --benchmark_repetitions the median of the repetitions, else the single run.
  const byName = {};
  for (const b of tb.benchmarks) {
    const name = b.run_name ?? b.name;
    if (b.run_type === "aggregate" ? b.aggregate_name === "median" : !(name in byName)) byName[name] = b;
  }
  const ns = (name) => (byName[name] ? round(byName[name].cpu_time, 1) : null);
  transform = {
    cpu_ns_per_message: {
      transform_fixed_event: ns("BM_Transform"),
      transform_varied_events: ns("BM_TransformVaried"),
      transform_and_copy_row: ns("BM_TransformAndEncodeRow"),
      wide_event_transform: ns("BM_TransformWide"),
      wide_event_transform_and_copy_row: ns("BM_TransformWideAndEncodeRow"),
      mask_one_field: ns("BM_MaskInto"),
      flatten: ns("BM_Flatten"),
    },
    real_ns_per_message: {
      transform_and_copy_row: byName.BM_TransformAndEncodeRow ? round(byName.BM_TransformAndEncodeRow.real_time, 1) : null,
    },
    context: {
      num_cpus: tb.context.num_cpus,
      mhz_per_cpu: tb.context.mhz_per_cpu,
      load_avg: tb.context.load_avg,
      library_build_type: tb.context.library_build_type,
      repetitions: "median of 3, 0.5 s each",
    },
  };
  transform.met = target(
    "a",
    "transform + COPY-binary row, CPU ns per message",
    transform.cpu_ns_per_message.transform_and_copy_row,
    "<=",
    TARGETS.transform_ns,
  );
  transform.met_login_mapping = target(
    "a14",
    "login mapping through the generic path, transform CPU ns per message",
    transform.cpu_ns_per_message.transform_varied_events,
    "<=",
    TARGETS.login_mapping_transform_ns,
  );
}

// (b) sink
const sink = part("sink.json");
if (sink) {
  sink.met = target("b", "sink: WriteBatch / raw COPY binary", sink.fresh?.ratio, ">=", TARGETS.sink_ratio);
  if (sink.prefilled) {
    sink.prefilled.met = target(
      "b2",
      `sink, ledger pre-filled to ${fmt(sink.prefilled.ledger_keys_at_start)} keys: WriteBatch / raw COPY`,
      sink.prefilled.ratio,
      ">=",
      TARGETS.sink_ratio,
    );
  }
}

// (c) end to end
const ceiling = part("ceiling.json");
// Rounds: each sqs2pg drain is compared with the mean of the node:http ceiling runs just before
// and just after it, so that a drift in the shared machine's speed cancels out; the round with the
// median ratio (the lower middle one for an even count) is the one reported and checked.
const rounds = [];
for (let k = 1; part(`e2e-${k}.json`); k++) {
  const drain = drainFigures(part(`e2e-${k}.json`));
  const brackets = [part(`ceiling-http-${k}.json`), part(`ceiling-http-${k + 1}.json`)].filter(Boolean);
  const ceilingMean = brackets.length === 0 ? null
    : brackets.reduce((a, r) => a + r.msgs_per_s, 0) / brackets.length;
  rounds.push({
    round: k,
    sqs2pg: drain,
    ceiling_http_runs_msgs_per_s: brackets.map((r) => r.msgs_per_s),
    ceiling_http_msgs_per_s: round(ceilingMean, 1),
    ratio_to_ceiling_http_client: ceilingMean == null ? null : round(drain.msgs_per_s / ceilingMean, 3),
  });
}
// Rounds without a ceiling beside them (ratio null) cannot be ranked; the median is of the rest.
const byRatio = rounds.filter((r) => r.ratio_to_ceiling_http_client != null)
  .sort((a, b) => a.ratio_to_ceiling_http_client - b.ratio_to_ceiling_http_client);
const medianRound = byRatio.length === 0 ? null : byRatio[Math.floor((byRatio.length - 1) / 2)];
const ceilingHttpRuns = [];
for (let k = 1; part(`ceiling-http-${k}.json`); k++) ceilingHttpRuns.push(part(`ceiling-http-${k}.json`));
const sumOf = (key) => ceilingHttpRuns.reduce((a, r) => a + (r[key] ?? 0), 0);
// All node:http ceiling runs together, for their CPU figures.
const ceilingHttp = ceilingHttpRuns.length === 0 ? null : {
  ...ceilingHttpRuns[ceilingHttpRuns.length - 1],
  msgs_per_s: round(sumOf("msgs_per_s") / ceilingHttpRuns.length, 1),
  messages: sumOf("messages"),
  client_cpu_seconds: sumOf("client_cpu_seconds"),
  emulator_cpu_seconds: sumOf("emulator_cpu_seconds"),
  // null unless every run counted them (parts from before 2026-12-01 did not).
  emulator_preemptions: ceilingHttpRuns.every((r) => r.emulator_preemptions != null)
    ? sumOf("emulator_preemptions") : null,
  runs_msgs_per_s: ceilingHttpRuns.map((r) => r.msgs_per_s),
};
const e2e = (medianRound ?? rounds[0])?.sqs2pg ?? null;
const reference = part("reference.json");
const endToEnd = { ceiling, ceiling_http_client: ceilingHttp, sqs2pg: e2e, median_round: medianRound?.round ?? null, rounds, reference };
if (e2e) {
  endToEnd.ratio_to_ceiling = ceiling ? round(e2e.msgs_per_s / ceiling.msgs_per_s, 3) : null;
  endToEnd.ratio_to_reference =
    reference && reference.msgs_per_s ? round(e2e.msgs_per_s / reference.msgs_per_s, 1) : null;
  target("c1", "end to end: sqs2pg / emulator ceiling", endToEnd.ratio_to_ceiling, ">=", TARGETS.ceiling_ratio);
  if (medianRound) {
    endToEnd.ratio_to_ceiling_http_client = medianRound.ratio_to_ceiling_http_client;
    target("c1b", "end to end: sqs2pg / ceiling with the lighter node:http client (median round)",
      endToEnd.ratio_to_ceiling_http_client, ">=", TARGETS.ceiling_ratio);
  }
  target("c2", "end to end: sqs2pg / take-home reference", endToEnd.ratio_to_reference, ">=", TARGETS.reference_ratio);
}

// (d) added latency
const latencyRuns = fs
  .readdirSync(args.parts)
  .filter((f) => /^latency-\d+\.json$/.test(f))
  .map((f) => part(f))
  .sort((a, b) => a.receivers - b.receivers);
const latency = { rtt_ms: latencyRuns[0]?.rtt_ms ?? null, deleters: latencyRuns[0]?.deleters ?? null, runs: [] };
for (const raw of latencyRuns) {
  const d = drainFigures(raw);
  const rtt = raw.rtt_ms / 1000;
  d.bound_msgs_per_s = round((raw.receivers * 10) / rtt);
  d.deleters = raw.deleters;
  d.delete_cap_msgs_per_s = round((raw.deleters * 10) / rtt);
  d.ratio_to_bound = round(d.msgs_per_s / d.bound_msgs_per_s, 3);
  d.ratio_to_delete_cap = round(d.msgs_per_s / d.delete_cap_msgs_per_s, 3);
  // What the proxy saw while the queue was being emptied: the mean number of calls in flight
  // (their summed durations over the time to the last delete; deletes all end by then) and a
  // call's mean duration, i.e. the round trip really added.
  const del = raw.proxy?.by_action?.DeleteMessageBatch;
  const toEmptyMs = d.seconds_to_empty * 1000;
  if (del && del.calls > 0) {
    d.deletes = {
      calls: del.calls,
      entries_per_call: round(del.messages / del.calls, 2),
      mean_in_flight: round(del.busy_ms / toEmptyMs, 2),
      max_in_flight: del.max_concurrent,
      mean_call_ms: round(del.busy_ms / del.calls, 1),
    };
    // The delete cap with the round trip really seen (the proxy's timers and the emulator add to
    // the nominal RTT).
    d.deletes.effective_cap_msgs_per_s = round(
      (raw.deleters * (del.messages / del.calls)) / (del.busy_ms / del.calls / 1000),
    );
  }
  const rec = raw.proxy?.by_action?.ReceiveMessage;
  if (rec && rec.calls > 0) {
    d.receives = { calls: rec.calls, messages_per_call: round(rec.messages / rec.calls, 2) };
  }
  // Deletes bound the run when the receive bound is above the delete cap and the deleters were
  // busy (on average at least 3/4 of them in flight) until the queue was empty.
  d.limited_by_deleters =
    d.bound_msgs_per_s > d.delete_cap_msgs_per_s &&
    d.deletes != null &&
    d.deletes.mean_in_flight >= 0.75 * raw.deleters;
  // The emulator's no-work ceiling through the same proxy with as many consumers, if measured.
  const ceilingThere = part(`latency-ceiling-${raw.receivers}.json`);
  if (ceilingThere) {
    d.emulator_ceiling_msgs_per_s = ceilingThere.msgs_per_s;
    d.ratio_to_emulator_ceiling = round(d.msgs_per_s / ceilingThere.msgs_per_s, 3);
  }
  d.met = target(`d${raw.receivers}`, `${raw.rtt_ms} ms RTT, ${raw.receivers} receiver${raw.receivers > 1 ? "s" : ""}: drain / (receivers x 10 / RTT)`,
    d.ratio_to_bound, ">=", TARGETS.latency_ratio);
  latency.runs.push(d);
}

const runs = [...rounds.map((r) => r.sqs2pg), ...latency.runs].filter(Boolean).map((d) => ({
  label:
    (d.endpoint === "delay-proxy" ? `+${latency.rtt_ms} ms RTT, ` : "") +
    `${d.receivers} receiver${d.receivers > 1 ? "s" : ""}` +
    (d.label.startsWith("end to end, round ") ? `, round ${d.label.slice(18)}` : ""),
  messages: d.messages,
  msgs_per_s: d.msgs_per_s,
  peak_rss_mib: d.peak_rss_mib,
  cpu_seconds: d.cpu_seconds,
  cpu_seconds_per_1000: d.cpu_seconds_per_1000,
}));

const result = {
  date: meta.date,
  machine: meta.machine,
  loadavg: meta.loadavg,
  versions: {
    postgresql: meta.postgresql,
    emulator: meta.emulator,
    python: meta.python,
    sqs2pg_bin: meta.sqs2pg_bin,
  },
  note:
    "Shared 2-core machine: absolute figures move between runs; every ratio compares figures " +
    "measured side by side in this run.",
  transform,
  sink,
  end_to_end: endToEnd,
  latency,
  sqs2pg_runs: runs,
  targets,
};
fs.mkdirSync(path.dirname(args.out), { recursive: true });
fs.writeFileSync(args.out, JSON.stringify(result, null, 2) + "\n");

// The printed table.
const metText = (m) => (m == null ? "not measured" : m ? "met" : "NOT MET");
const rows = [];
const row = (what, value, versus, ratio, tgt, met) => rows.push([what, value, versus, ratio, tgt, met]);
const t = (id) => targets.find((x) => x.id === id);

if (transform) {
  const c = transform.cpu_ns_per_message;
  row("a  transform + COPY row, CPU ns/msg", fmt(c.transform_and_copy_row), "", "", "<= 1,500", metText(t("a")?.met));
  row("   transform only (varied / fixed event)", `${fmt(c.transform_varied_events)} / ${fmt(c.transform_fixed_event)}`, "", "", "<= 1,200", metText(t("a14")?.met));
  row("   wide event: 12 columns (jsonb, timestamptz, uuid, 2 masks), transform / + COPY row", `${fmt(c.wide_event_transform)} / ${fmt(c.wide_event_transform_and_copy_row)}`, "", "", "", "");
} else {
  row("a  transform", "not measured", "", "", "<= 1,500", "not measured");
}
if (sink) {
  const writers = sink.writers ?? 1;
  row(`b  sink, batches of ${fmt(sink.rows_per_batch)}, ${writers} writer${writers === 1 ? "" : "s"}: WriteBatch rows/s`,
    fmt(sink.fresh.sink_rows_per_s), `raw COPY ${fmt(sink.fresh.copy_rows_per_s)}`, fmtRatio(sink.fresh.ratio, 2),
    ">= 0.40", metText(sink.met));
  if (sink.fresh.sink_one_writer) {
    row("   one writer (--writers 1)", fmt(sink.fresh.sink_one_writer.rows_per_s), "", fmtRatio(sink.fresh.one_writer_ratio, 2),
      "", "");
  }
  if (sink.fresh.ledger_keys_alone) {
    row("   ledger keys alone (COPY of 2,000 keys)", fmt(sink.fresh.ledger_keys_alone.rows_per_s), "", "", "", "");
  }
  if (sink.prefilled?.ledger_keys_by_id_alone) {
    row("   pre-filled: keys alone, (sent_at, id) / id only",
      `${fmt(sink.prefilled.ledger_keys_alone.rows_per_s)} / ${fmt(sink.prefilled.ledger_keys_by_id_alone.rows_per_s)}`,
      "", "", "", "");
  }
  if (sink.prefilled) {
    row(`   ledger pre-filled to ${fmt(sink.prefilled.ledger_keys_at_start / 1e6, 1)} M keys`,
      fmt(sink.prefilled.sink_rows_per_s), `raw COPY ${fmt(sink.prefilled.copy_rows_per_s)}`,
      fmtRatio(sink.prefilled.ratio, 2), ">= 0.40", metText(sink.prefilled.met));
    if (sink.prefilled.sink_one_writer) {
      row("   pre-filled, one writer", fmt(sink.prefilled.sink_one_writer.rows_per_s), "",
        fmtRatio(sink.prefilled.one_writer_ratio, 2), "", "");
    }
  }
} else {
  row("b  sink", "not measured", "", "", ">= 0.40", "not measured");
}
if (e2e) {
  row(`c  ${fmt(e2e.messages)} msgs, ${e2e.receivers} receivers: drain msgs/s (median of ${rounds.length})`, fmt(e2e.msgs_per_s),
    ceiling ? `ceiling ${fmt(ceiling.msgs_per_s)} (fetch, ${ceiling.consumers} consumers)` : "ceiling -",
    fmtRatio(endToEnd.ratio_to_ceiling, 2), ">= 0.90", metText(t("c1")?.met));
  if (medianRound) {
    row("   same drain vs ceiling, node:http client", fmt(e2e.msgs_per_s),
      `ceiling ${fmt(medianRound.ceiling_http_msgs_per_s)} (node:http, mean of ${medianRound.ceiling_http_runs_msgs_per_s.map((x) => fmt(x)).join(" before, ")} after)`,
      fmtRatio(endToEnd.ratio_to_ceiling_http_client, 2), ">= 0.90", metText(t("c1b")?.met));
    row("   every round: drain / its node:http ceiling", "",
      rounds.map((r) => `${fmt(r.sqs2pg.msgs_per_s)} / ${fmt(r.ceiling_http_msgs_per_s)}`).join(", "),
      rounds.map((r) => fmtRatio(r.ratio_to_ceiling_http_client, 2)).join(" "), "", "");
  }
  row("   whole process (adds the end-of-drain check)", fmt(e2e.process_msgs_per_s), "", "", "", "");
  const k = (x, n) => fmt((x / n) * 1000, 3);
  const cpuOf = (c) => `${k(c.client_cpu_seconds, c.messages)} / ${k(c.emulator_cpu_seconds, c.messages)}`;
  if (ceiling?.client_cpu_seconds != null) {
    row("   CPU s per 1,000 msgs: client / emulator",
      `${k(e2e.cpu_seconds, e2e.messages)} / ${e2e.emulator_cpu_seconds_per_1000 == null ? "-" : fmt(e2e.emulator_cpu_seconds_per_1000, 3)}`,
      `fetch ${cpuOf(ceiling)}${ceilingHttp ? `, http ${cpuOf(ceilingHttp)}` : ""}`, "", "", "");
  }
  if (e2e.emulator_preemptions_per_1000 != null && ceilingHttp?.emulator_preemptions != null) {
    row("   emulator preempted, per 1,000 msgs", fmt(e2e.emulator_preemptions_per_1000, 1),
      `http ${fmt(perThousand(ceilingHttp.emulator_preemptions, ceilingHttp.messages), 1)}` +
      (ceiling?.emulator_preemptions != null ? `, fetch ${fmt(perThousand(ceiling.emulator_preemptions, ceiling.messages), 1)}` : ""),
      "", "", "");
  }
  row("   same drain vs take-home reference", fmt(e2e.msgs_per_s),
    reference?.msgs_per_s ? `reference ${fmt(reference.msgs_per_s)} (${fmt(reference.messages)} msgs)` : `reference: ${reference?.skipped ?? "-"}`,
    endToEnd.ratio_to_reference == null ? "-" : `${fmtRatio(endToEnd.ratio_to_reference, 1)}x`, ">= 20x", metText(t("c2")?.met));
}
for (const d of latency.runs) {
  row(`d  +${latency.rtt_ms} ms RTT, ${d.receivers} receiver${d.receivers > 1 ? "s" : ""}, ${fmt(d.messages)} msgs`,
    fmt(d.msgs_per_s), `bound ${fmt(d.bound_msgs_per_s)}${d.limited_by_deleters ? `, deletes cap ${fmt(d.delete_cap_msgs_per_s)}` : ""}`,
    fmtRatio(d.ratio_to_bound, 2), ">= 0.70", metText(d.met));
  if (d.emulator_ceiling_msgs_per_s != null) {
    row("   emulator ceiling through the proxy, same consumers", "",
      `${fmt(d.emulator_ceiling_msgs_per_s)} (node:http)`, fmtRatio(d.ratio_to_emulator_ceiling, 2), "", "");
  }
}

const headers = ["", "sqs2pg", "compared with", "ratio", "target", ""];
const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (r) =>
  r.map((c, i) => (i === 0 || i === 2 || i === 5 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join("  ");
const out = [];
out.push("");
out.push(`sqs2pg benchmark ${meta.date}: ${meta.machine.cpus} CPUs (${meta.machine.cpu}), ` +
  `load average ${meta.loadavg.start} at start, ${meta.loadavg.end} at end`);
out.push("Shared machine: compare within a row (measured side by side in this run), not across runs.");
out.push("");
out.push(line(headers));
for (const r of rows) out.push(line(r));
out.push("");
out.push("e  sqs2pg drains           msgs/s  peak RSS, MiB  CPU s  CPU s per 1,000 msgs");
for (const r of runs) {
  out.push(`   ${r.label.padEnd(22)} ${fmt(r.msgs_per_s).padStart(7)}  ${fmt(r.peak_rss_mib, 1).padStart(13)}  ` +
    `${fmt(r.cpu_seconds, 2).padStart(5)}  ${fmt(r.cpu_seconds_per_1000, 4).padStart(20)}`);
}
out.push("");
if (sink?.fresh?.sink) {
  // Where the sink's time goes, per row: the server backend's CPU and the WAL written.
  const per = (phase) =>
    ["sink", "sink_one_writer", "copy", "ledger_keys_alone", "ledger_keys_by_id_alone"]
      .filter((m) => phase[m])
      .map((m) => `${{ sink: "WriteBatch", sink_one_writer: "one writer", copy: "raw COPY",
        ledger_keys_alone: "keys alone", ledger_keys_by_id_alone: "id-only keys alone" }[m]} ` +
        `${phase[m].server_cpu_us_per_row == null ? "-" : fmt(phase[m].server_cpu_us_per_row, 1)} us ` +
        `/ ${fmt(phase[m].wal_bytes_per_row)} B`)
      .join(", ");
  out.push(`b  per row, server backend CPU / WAL: ${per(sink.fresh)}`);
  if (sink.prefilled?.sink) out.push(`   with the pre-filled ledger: ${per(sink.prefilled)}`);
  out.push("");
}
const met = targets.filter((x) => x.met).length;
out.push(`targets met: ${met} of ${targets.length}` +
  (targets.some((x) => !x.met) ? `; not met: ${targets.filter((x) => !x.met).map((x) => x.id).join(", ")}` : ""));
for (const d of latency.runs.filter((x) => x.limited_by_deleters)) {
  out.push(`d${d.receivers}: limited by deletes: ${d.deleters} deleters x 10 / ${latency.rtt_ms} ms = ` +
    `${fmt(d.delete_cap_msgs_per_s)} msgs/s (${fmt(d.deletes.effective_cap_msgs_per_s)} at the measured call time), ` +
    `reached ${fmt(d.ratio_to_delete_cap, 2)} of it ` +
    `(DeleteMessageBatch in flight: mean ${fmt(d.deletes.mean_in_flight, 1)}, max ${d.deletes.max_in_flight}; ` +
    `${fmt(d.deletes.entries_per_call, 1)} entries and ${fmt(d.deletes.mean_call_ms, 1)} ms per call)`);
}
console.log(out.join("\n"));
