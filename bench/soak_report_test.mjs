// Tests of the soak's verdict (bench/soak_report.mjs) on made-up samples: the quantiles from
// histogram buckets, the per-window rows, and that each criterion fails when its condition does.
//   node --test bench/soak_report_test.mjs   (ctest: soak_report_check)
import test from "node:test";
import assert from "node:assert/strict";
import { criteria, partitionBound, quantile, windows } from "./soak_report.mjs";

const close = (actual, expected) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} != ${expected}`);

test("quantile interpolates inside the bucket that holds the rank", () => {
  const before = { 0.01: 10, 0.05: 10, 0.1: 10, "+Inf": 10 };
  const after = { 0.01: 60, 0.05: 100, 0.1: 110, "+Inf": 110 }; // 50 in (0, 10 ms], 40, 10, 0
  close(quantile(0.5, before, after), 0.01); // rank 50: the top of the first bucket
  close(quantile(0.7, before, after), 0.01 + 0.04 * (20 / 40)); // rank 70: half through (10, 50]
  close(quantile(0.99, before, after), 0.05 + 0.05 * (9 / 10)); // rank 99: 9 of 10 in (50, 100]
  close(quantile(0.25, null, { 0.01: 4, "+Inf": 4 }), 0.0025); // the first bucket starts at 0
});

test("quantile: nothing observed is null, a rank in +Inf is the highest finite bound", () => {
  const same = { 0.01: 5, "+Inf": 5 };
  assert.equal(quantile(0.5, same, same), null);
  assert.equal(quantile(0.99, null, { 0.01: 1, 0.5: 1, "+Inf": 100 }), 0.5);
});

test("windows: rates and CPU over the time since the previous sample", () => {
  const rows = windows([
    sample(0, { inserted: 0, sent: 0, cpu: 1 }),
    sample(10, { inserted: 19000, sent: 20000, cpu: 2.5 }),
  ]);
  assert.equal(rows[0].inserted_per_s, null);
  assert.equal(rows[1].inserted_per_s, 1900);
  assert.equal(rows[1].produced_per_s, 2000);
  close(rows[1].cpu_percent, 15);
  assert.equal(rows[1].rss_mib, 20);
});

// A 400 s run sampled every 10 s at 2,000 msg/s: commits of 10 ms (p99 inside (5, 10] ms), RSS
// 20 MiB, a ledger of 4 day partitions after the seed's 3 are dropped at 60 s.
function sample(t, { inserted = 2000 * t, sent = 2000 * t, cpu = t / 10, rss = 20480, slow = 0, partitions } = {}) {
  const commits = 20 * t;
  return {
    t,
    utc: new Date(Date.UTC(2026, 0, 1, 0, 0, t)).toISOString(),
    counters: { inserted, received: inserted, duplicates: 0, deleted: inserted, rejected: 0 },
    commit: { 0.005: commits - slow, 0.01: commits - slow, 0.05: commits, "+Inf": commits },
    lag: { 0.05: inserted, "+Inf": inserted },
    queue_visible: 0,
    rss_kb: rss,
    cpu_s: cpu,
    emulator_rss_kb: 80000,
    ledger_partitions: partitions ?? (t < 60 ? 7 : 4),
    ledger_bytes: 1048576 * t,
    table_bytes: 2097152 * t,
    produced: { sent, failed: 0, behind: 0 },
  };
}

function run(change = () => ({})) {
  const samples = [];
  for (let t = 0; t <= 400; t += 10) samples.push(sample(t, change(t)));
  return samples;
}

function final(overrides = {}) {
  const base = {
    duration_s: 400,
    rate: 2000,
    seed_keys: 1000,
    seed_at_s: -3,
    producer: { sent: 800000, failed: 0 },
    inserted: 800000,
    duplicates: 0,
    exit_status: 0,
    table: { rows: 800000, distinct_ids: 800000, foreign_rows: 0 },
    rejects: 0,
    ledger: { keys: 800000, old_keys: 0, partitions: 4, window_first_day: "2026-01-01", keep_s: 300, prune_interval_s: 60 },
  };
  return { ...base, ...overrides };
}

function verdicts(samples, f) {
  return Object.fromEntries(criteria(samples, f).map((c) => [c.name, c.pass]));
}

test("a steady run passes every criterion", () => {
  const v = verdicts(run(), final());
  assert.deepEqual(v, {
    "no row lost or duplicated": true,
    RSS: true,
    "commit p99": true,
    "ledger bounded by the keep window": true,
  });
});

test("a lost, duplicated, rejected or unconfirmed message fails the first criterion", () => {
  const lost = "no row lost or duplicated";
  const table = (rows, distinct_ids, foreign_rows = 0) => ({ table: { rows, distinct_ids, foreign_rows } });
  assert.equal(verdicts(run(), final(table(799999, 799999)))[lost], false);
  assert.equal(verdicts(run(), final(table(800001, 800000)))[lost], false);
  assert.equal(verdicts(run(), final(table(800000, 799999)))[lost], false);
  assert.equal(verdicts(run(), final(table(800000, 800000, 1)))[lost], false);
  assert.equal(verdicts(run(), final({ rejects: 1 }))[lost], false);
  assert.equal(verdicts(run(), final({ producer: { sent: 800000, failed: 10 } }))[lost], false);
  assert.equal(verdicts(run(), final({ exit_status: 1 }))[lost], false);
});

test("RSS growing (or shrinking) by more than 20 % fails", () => {
  assert.equal(verdicts(run((t) => ({ rss: t > 300 ? 24576 : 20480 })), final()).RSS, true); // +20 %
  assert.equal(verdicts(run((t) => ({ rss: t > 300 ? 25000 : 20480 })), final()).RSS, false);
  assert.equal(verdicts(run((t) => ({ rss: t > 300 ? 16000 : 20480 })), final()).RSS, false);
});

test("commit p99 moving by more than 20 % between the quarters fails", () => {
  // 2 % of the last quarter's commits in (10, 50] ms: its p99 leaves the (5, 10] ms bucket.
  const slower = (t) => ({ slow: t > 300 ? 0.4 * (t - 300) : 0 });
  assert.equal(verdicts(run(slower), final())["commit p99"], false);
  assert.equal(verdicts(run(), final())["commit p99"], true);
});

test("the ledger criterion fails on old keys, extra keys or too many partitions", () => {
  const bounded = "ledger bounded by the keep window";
  const ledger = (change) => ({ ledger: { ...final().ledger, ...change } });
  assert.equal(verdicts(run(), final(ledger({ old_keys: 1 })))[bounded], false);
  assert.equal(verdicts(run(), final(ledger({ keys: 800001 })))[bounded], false);
  assert.equal(verdicts(run(), final(ledger({ partitions: 6 })))[bounded], false);
  // The seed's partitions never dropped: 7 at every sample after the prune interval (+30 s).
  assert.equal(verdicts(run(() => ({ partitions: 7 })), final())[bounded], false);
  // Before then the seed may still be there.
  assert.equal(verdicts(run((t) => ({ partitions: t < 80 ? 7 : 4 })), final())[bounded], true);
});

test("the partition bound: the days the keep window touches plus the days made ahead", () => {
  assert.equal(partitionBound(300), 5); // yesterday and today across midnight, 3 ahead
  assert.equal(partitionBound(86400), 6); // 3 days touched, 3 ahead
  assert.equal(partitionBound(10 * 86400), 22); // 12 days touched, 10 ahead
});
