#!/usr/bin/env node
// The soak's verdict: turns bench/soak_sample.mjs's samples into one CSV row per sample (rates and
// quantiles over the window since the previous sample) and checks the pass criteria against them
// and against the facts bench/soak.sh gathered at the end (--final).
//
//   node bench/soak_report.mjs --samples FILE --final FILE --csv OUT
//
// Prints a summary and one PASS or FAIL line per criterion; exits 1 if any failed. The criteria
// (docs/performance.md, "The long soak", says why each is so):
//  1. No row lost or duplicated: every acknowledged send is one row (rows = distinct user_ids =
//     messages sent, no row from elsewhere), nothing rejected, no send failed, and sqs2pg ended
//     cleanly (exit 0 on SIGTERM).
//  2. RSS: the median sample of the last quarter of the run within 20 % of the first quarter's.
//  3. Commit p99: over the last quarter's commits (its histogram buckets summed) within 20 % of the
//     first quarter's.
//  4. The ledger bounded by the keep window: no key sent before the window's first UTC day remains,
//     the ledger holds no more keys than the run sent, and from one prune interval (+30 s) after
//     the seeding on, it never has more day partitions than the window spans plus the days made
//     ahead.
import fs from "node:fs";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";

export const kTolerance = 0.2;
const kDay = 86400;

// Quantile q of the observations between two cumulative bucket snapshots ({le: count}), as
// Prometheus's histogram_quantile: linear within the bucket that holds the rank; the lowest
// bucket starts at 0; a rank in +Inf gives the highest finite bound. null without observations.
export function quantile(q, before, after) {
  if (!after) return null;
  const bounds = Object.keys(after)
    .map((le) => [le === "+Inf" ? Infinity : Number(le), le])
    .sort((a, b) => a[0] - b[0]);
  const cum = bounds.map(([, le]) => after[le] - (before?.[le] ?? 0));
  const total = cum[cum.length - 1];
  if (!(total > 0)) return null;
  const rank = q * total;
  const i = cum.findIndex((c) => c >= rank);
  const upper = bounds[i][0];
  const lower = i === 0 ? 0 : bounds[i - 1][0];
  if (upper === Infinity) return lower;
  const below = i === 0 ? 0 : cum[i - 1];
  return lower + ((upper - lower) * (rank - below)) / (cum[i] - below);
}

export function median(values) {
  const v = values.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

const mib = (bytes) => (bytes === null || bytes === undefined ? null : bytes / 1048576);
const rate = (a, b, dt) => (a === null || a === undefined || b === null || b === undefined ? null : (b - a) / dt);

// One row per sample; the window of row k is (t[k-1], t[k]] (row 0 has sizes only).
export function windows(samples) {
  return samples.map((s, k) => {
    const p = k > 0 ? samples[k - 1] : null;
    const dt = p ? s.t - p.t : 0;
    const cpu = p && s.cpu_s !== null && p.cpu_s !== null ? (100 * (s.cpu_s - p.cpu_s)) / dt : null;
    return {
      t_s: s.t,
      utc: s.utc,
      produced_per_s: p ? rate(p.produced?.sent, s.produced?.sent, dt) : null,
      inserted_per_s: p ? rate(p.counters?.inserted, s.counters?.inserted, dt) : null,
      lag_p50_s: p ? quantile(0.5, p.lag, s.lag) : null,
      lag_p99_s: p ? quantile(0.99, p.lag, s.lag) : null,
      commit_p50_s: p ? quantile(0.5, p.commit, s.commit) : null,
      commit_p99_s: p ? quantile(0.99, p.commit, s.commit) : null,
      rss_mib: s.rss_kb === null ? null : s.rss_kb / 1024,
      cpu_percent: cpu,
      ledger_partitions: s.ledger_partitions,
      ledger_mib: mib(s.ledger_bytes),
      table_mib: mib(s.table_bytes),
      queue_visible: s.queue_visible,
      emulator_rss_mib: s.emulator_rss_kb === null ? null : s.emulator_rss_kb / 1024,
    };
  });
}

export function toCsv(rows) {
  const columns = Object.keys(rows[0]);
  const cell = (v) =>
    v === null || v === undefined ? "" : typeof v === "number" ? String(+v.toFixed(6)) : String(v);
  return [columns.join(","), ...rows.map((r) => columns.map((c) => cell(r[c])).join(","))].join("\n") + "\n";
}

// The samples that bound a quarter of a run of `duration` seconds: the last sample at or before
// its start and every sample in (start, end].
function quarter(samples, duration, which) {
  const from = (duration * which) / 4;
  const to = (duration * (which + 1)) / 4;
  const before = samples.filter((s) => s.t <= from + 1e-6);
  const inside = samples.filter((s) => s.t > from + 1e-6 && s.t <= to + 1e-6);
  return { start: before[before.length - 1] ?? null, inside };
}

function lastWith(list, key) {
  for (let i = list.length - 1; i >= 0; i--) if (list[i][key]) return list[i];
  return null;
}

function withinTolerance(name, unit, scale, first, last) {
  if (first === null || last === null || !(first > 0)) {
    return { name, pass: false, detail: `not measured (first quarter ${first}, last ${last})` };
  }
  const change = last / first - 1;
  const fmt = (v) => `${(v * scale).toFixed(1)} ${unit}`;
  return {
    name,
    pass: Math.abs(change) <= kTolerance,
    detail: `last quarter ${fmt(last)} vs first quarter ${fmt(first)} (${change >= 0 ? "+" : ""}${(
      100 * change
    ).toFixed(1)} %, limit ±${100 * kTolerance} %)`,
  };
}

// The largest number of day partitions the ledger may hold with a keep window of `keep` seconds:
// every UTC day that [now - keep, now] touches, plus the days made ahead (src/pg/ledger_pruner.h:
// LedgerDaysAhead, the window in days, at least 3, at most 31).
export function partitionBound(keep) {
  const ahead = Math.min(31, Math.max(3, Math.ceil(keep / kDay)));
  return Math.floor(keep / kDay) + 2 + ahead;
}

// final: what bench/soak.sh found at the end (see its write_final).
export function criteria(samples, final) {
  const duration = final.duration_s;
  const out = [];

  const sent = final.producer.sent;
  const t = final.table;
  const lossFree =
    final.producer.failed === 0 && t.rows === sent && t.distinct_ids === sent && t.foreign_rows === 0 &&
    final.rejects === 0 && final.exit_status === 0;
  out.push({
    name: "no row lost or duplicated",
    pass: lossFree,
    detail:
      `${sent} messages sent (${final.producer.failed} in failed sends), ${t.rows} rows, ` +
      `${t.distinct_ids} distinct user_ids, ${t.foreign_rows} rows not from this run, ` +
      `${final.rejects} rejects, sqs2pg exited ${final.exit_status} on SIGTERM`,
  });

  const q1 = quarter(samples, duration, 0);
  const q4 = quarter(samples, duration, 3);
  out.push(
    withinTolerance(
      "RSS",
      "MiB",
      1 / 1024,
      median(q1.inside.map((s) => s.rss_kb)),
      median(q4.inside.map((s) => s.rss_kb)),
    ),
  );
  const p99 = (q) => quantile(0.99, q.start?.commit, lastWith(q.inside, "commit")?.commit);
  out.push(withinTolerance("commit p99", "ms", 1000, p99(q1), p99(q4)));

  const bound = partitionBound(final.ledger.keep_s);
  const settled = final.seed_at_s + final.ledger.prune_interval_s + 30;
  const checked = samples.filter((s) => s.t >= settled && s.ledger_partitions !== null);
  const most = checked.length ? Math.max(...checked.map((s) => s.ledger_partitions)) : null;
  const l = final.ledger;
  out.push({
    name: "ledger bounded by the keep window",
    pass: l.old_keys === 0 && l.keys <= sent && (most === null || most <= bound) && l.partitions <= bound,
    detail:
      `${l.old_keys} keys sent before ${l.window_first_day} left (${final.seed_keys} seeded two ` +
      `days back), ${l.keys} keys for ${sent} sent, at most ${most ?? l.partitions} day ` +
      `partitions from t=${Math.round(settled)} s on and ${l.partitions} at the end (bound ${bound}: ` +
      `--ledger-keep ${l.keep_s} s)`,
  });
  return out;
}

function summary(rows, samples, final) {
  const d = final.duration_s;
  const inQuarter = (which) => rows.filter((r) => r.t_s > (d * which) / 4 + 1e-6 && r.t_s <= (d * (which + 1)) / 4 + 1e-6);
  const mean = (list, key) => {
    const v = list.map((r) => r[key]).filter((x) => x !== null);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  };
  const f = (v, digits = 0) => (v === null || Number.isNaN(v) ? "-" : v.toFixed(digits));
  const lines = [
    `soak: ${(d / 60).toFixed(1)} min at ${final.rate} msg/s target: ${final.producer.sent} sent ` +
      `(${f(final.producer.sent / d)} msg/s), ${final.inserted} inserted, ${final.duplicates} ` +
      `redelivered duplicates skipped; sqs2pg exited ${final.exit_status}`,
  ];
  for (const [label, which] of [
    ["first quarter", 0],
    ["last quarter", 3],
  ]) {
    const q = inQuarter(which);
    lines.push(
      `soak: ${label}: ${f(mean(q, "inserted_per_s"))} rows/s, lag p50 ${f(1000 * (mean(q, "lag_p50_s") ?? NaN))} ms ` +
        `p99 ${f(1000 * (mean(q, "lag_p99_s") ?? NaN))} ms (window means), RSS ${f(mean(q, "rss_mib"), 1)} MiB, ` +
        `CPU ${f(mean(q, "cpu_percent"))} %`,
    );
  }
  const last = samples[samples.length - 1];
  lines.push(
    `soak: at the end: ledger ${f(mib(last.ledger_bytes), 1)} MiB in ${last.ledger_partitions} day ` +
      `partitions, table ${f(mib(last.table_bytes), 1)} MiB`,
  );
  return lines;
}

function main() {
  const { values: args } = parseArgs({
    options: {
      samples: { type: "string" },
      final: { type: "string" },
      csv: { type: "string" },
    },
  });
  if (!args.samples || !args.final || !args.csv) {
    console.error("usage: soak_report.mjs --samples FILE --final FILE --csv OUT");
    process.exit(2);
  }
  const samples = fs
    .readFileSync(args.samples, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const final = JSON.parse(fs.readFileSync(args.final, "utf8"));
  const rows = windows(samples);
  fs.writeFileSync(args.csv, toCsv(rows));
  for (const line of summary(rows, samples, final)) console.log(line);
  const results = criteria(samples, final);
  for (const r of results) console.log(`${r.pass ? "PASS" : "FAIL"} ${r.name}: ${r.detail}`);
  const passed = results.filter((r) => r.pass).length;
  console.log(`soak: ${passed === results.length ? "PASS" : "FAIL"} (${passed} of ${results.length} criteria held)`);
  process.exit(passed === results.length ? 0 : 1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
