#!/usr/bin/env bash
# sqs2pg's soak: `sqs2pg run` under a steady produced rate for a long time, sampled every 10 s, on
# a throwaway PostgreSQL (durable defaults) and the SQS emulator (fauxqs), with ledger pruning on a
# short keep window. Writes the samples as CSV, draws them as one PNG of small plots (gnuplot) and
# checks the pass criteria; docs/performance.md ("The long soak") explains what is measured and
# how to read the picture.
#
#   1. sqs2pg run starts (--ledger-keep SOAK_LEDGER_KEEP, --ledger-prune-interval
#      SOAK_PRUNE_INTERVAL, --metrics-addr on a free loopback port).
#   2. The ledger is seeded with SOAK_SEED_KEYS keys sent two days back, in day partitions made by
#      sqs2pg_ledger_maintain('3 days'): what a ledger left by earlier days holds. They are outside
#      the keep window, so sqs2pg's pruner must drop them at its next pass.
#   3. bench/soak_producer.mjs sends SOAK_RATE msg/s for SOAK_MINUTES (user_id soak-0, soak-1,
#      ...), while bench/soak_sample.mjs samples every SOAK_INTERVAL s: sqs2pg's /metrics (rows,
#      sqs2pg_commit_seconds and sqs2pg_message_lag_seconds buckets), its RSS and CPU from /proc,
#      the ledger's day partitions and size and the target table's size from the catalog.
#   4. Once the producer is done, sqs2pg is given up to SOAK_DRAIN_TIMEOUT s to commit the rest,
#      then stopped with SIGTERM; the table, the rejects and the ledger are counted.
#   5. bench/soak_report.mjs writes the CSV and prints PASS/FAIL per criterion; bench/soak_plot.gp
#      draws the PNG. Exit status 0 only if every criterion held.
#
# Usage: bench/soak.sh   (`make soak` builds sqs2pg first)
# Environment:
#   SQS2PG_BIN           the sqs2pg binary (default build/sqs2pg)
#   SOAK_MINUTES         length of the produced load (20)
#   SOAK_RATE            messages per second produced (2000)
#   SOAK_INTERVAL        seconds between samples (10)
#   SOAK_LEDGER_KEEP     sqs2pg's --ledger-keep, seconds (300)
#   SOAK_PRUNE_INTERVAL  sqs2pg's --ledger-prune-interval, seconds (60)
#   SOAK_SEED_KEYS       ledger keys seeded two days back (500000; 0: none)
#   SOAK_RUN_FLAGS       more flags for sqs2pg run (none)
#   SOAK_DRAIN_TIMEOUT   seconds to wait for sqs2pg to commit what was sent (300)
# Writes bench/results/soak-<UTC date and time>.csv, .png and .txt (the printed report).
set -euo pipefail

# shellcheck source=scripts/lib/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/services.sh"
bench_dir=$SERVICES_ROOT/bench

minutes=${SOAK_MINUTES:-20}
rate=${SOAK_RATE:-2000}
interval=${SOAK_INTERVAL:-10}
keep=${SOAK_LEDGER_KEEP:-300}
prune_interval=${SOAK_PRUNE_INTERVAL:-60}
seed_keys=${SOAK_SEED_KEYS:-500000}
read -r -a run_flags <<<"${SOAK_RUN_FLAGS:-}"
drain_timeout=${SOAK_DRAIN_TIMEOUT:-300}
duration=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 + 0.5 }')
id_prefix=soak-

sqs2pg=${SQS2PG_BIN:-$SERVICES_ROOT/build/sqs2pg}
if [[ ! -x $sqs2pg ]]; then
  echo "soak: $sqs2pg not found: run 'make soak' (or build it first)" >&2
  exit 1
fi
if ((duration < 4 * interval)); then
  echo "soak: SOAK_MINUTES=$minutes is too short for quarters of $interval s samples" >&2
  exit 2
fi

# The picture needs gnuplot (Debian's gnuplot-nox: no X11). Checked first: not after 20 minutes.
if ! command -v gnuplot >/dev/null 2>&1; then
  if ((EUID == 0)); then
    echo "soak: installing gnuplot-nox" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends gnuplot-nox >&2
  else
    echo "soak: gnuplot is missing: sudo apt-get install --no-install-recommends gnuplot-nox" >&2
    exit 1
  fi
fi

now_s() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.3f", b - a }'; }

sqs2pg_pid='' sampler_pid='' producer_pid=''
stop_pid() { # PID SECONDS: SIGTERM, then SIGKILL after SECONDS; returns the exit status
  local pid=$1 i status=0
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < $2 * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || status=$?
  return "$status"
}
cleanup() {
  stop_pid "$producer_pid" 5 || true
  stop_pid "$sampler_pid" 5 || true
  stop_pid "$sqs2pg_pid" 30 || true
  services_stop
}
services_init
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "soak: starting PostgreSQL (durable defaults) and the SQS emulator" >&2
pg_start durable
sqs_start
sqs_export_env
pg_create_user_logins
key_file=$(make_mask_key)
queue=$(sqs_create_queue soak)
log=$SERVICES_DIR/sqs2pg.log
metrics_port=$(free_port)
metrics=http://127.0.0.1:$metrics_port

echo "soak: sqs2pg run, --ledger-keep $keep --ledger-prune-interval $prune_interval" \
  "${run_flags[*]}" >&2
exec "$sqs2pg" run --queue-url "$queue" --endpoint-url "$SQS_ENDPOINT" \
  --database-url "$DATABASE_URL" --mask-key-file "$key_file" \
  --metrics-addr "127.0.0.1:$metrics_port" --ledger-keep "$keep" \
  --ledger-prune-interval "$prune_interval" "${run_flags[@]}" 2>"$log" &
sqs2pg_pid=$!
for ((i = 0; i < 600; i++)); do
  curl -sf "$metrics/readyz" >/dev/null 2>&1 && break
  if ! kill -0 "$sqs2pg_pid" 2>/dev/null; then
    tail -n 30 "$log" >&2
    echo "soak: sqs2pg exited before it was ready" >&2
    exit 1
  fi
  sleep 0.1
done
curl -sf "$metrics/readyz" >/dev/null || {
  tail -n 30 "$log" >&2
  echo "soak: sqs2pg not ready after 60 s" >&2
  exit 1
}

# Give the pruner's first pass (right after start) time to finish, so that the seed below waits
# for its next pass, SOAK_PRUNE_INTERVAL s after the start, where the samples see it go.
sleep 2
seeded_at=$(now_s)
if ((seed_keys > 0)); then
  echo "soak: seeding the ledger with $seed_keys keys sent two days back" >&2
  pg_sql -At -v n="$seed_keys" <<'SQL' >&2
SELECT 'made ' || created || ' day partitions (busy ' || busy || ')'
  FROM sqs2pg_ledger_maintain('3 days', 3);
INSERT INTO sqs2pg_ledger (sent_at, message_key, committed_at)
SELECT day + i * (interval '86399 seconds' / :n), gen_random_uuid(),
       day + i * (interval '86399 seconds' / :n)
  FROM (SELECT (((now() AT TIME ZONE 'UTC')::date - 2)::timestamp AT TIME ZONE 'UTC') AS day) d,
       generate_series(0, :n - 1) i;
SQL
fi

samples=$SERVICES_DIR/samples.jsonl
status_file=$SERVICES_DIR/producer.json
echo "soak: producing $rate msg/s for $duration s, sampling every $interval s" >&2
t0=$(now_s)
node "$bench_dir/soak_sample.mjs" --metrics "$metrics/metrics" --pid "$sqs2pg_pid" \
  --emulator-pid "$SQS_PID" --psql "$PSQL" --database-url "$DATABASE_URL" \
  --producer-status "$status_file" --seconds "$duration" --interval "$interval" \
  --clock-ticks "$(getconf CLK_TCK)" --out "$samples" &
sampler_pid=$!
node "$bench_dir/soak_producer.mjs" --endpoint "$SQS_ENDPOINT" --queue-url "$queue" \
  --rate "$rate" --seconds "$duration" --id-prefix "$id_prefix" --status "$status_file" \
  >"$SERVICES_DIR/producer.out" &
producer_pid=$!
seed_at_s=$(awk -v a="$t0" -v b="$seeded_at" 'BEGIN { printf "%.3f", b - a }')

producer_status=0
wait "$producer_pid" || producer_status=$?
producer_pid=
wait "$sampler_pid" || true
sampler_pid=
produced=$(cat "$SERVICES_DIR/producer.out")
sent=$(node -p 'JSON.parse(process.argv[1]).sent' "$produced")
echo "soak: producer done after $(since "$t0") s (exit $producer_status): $produced" >&2

# Let sqs2pg commit what is still in the queue, then stop it as an orchestrator would.
scrape() { curl -sf "$metrics/metrics" | awk -v n="$1" '$1 == n { print $2 }'; }
drain_start=$(now_s)
inserted=0
for ((i = 0; i < drain_timeout * 2; i++)); do
  inserted=$(scrape sqs2pg_rows_inserted_total || echo 0)
  [[ -n $inserted ]] && (($(printf '%.0f' "$inserted") >= sent)) && break
  sleep 0.5
done
inserted=$(printf '%.0f' "${inserted:-0}")
duplicates=$(printf '%.0f' "$(scrape sqs2pg_duplicates_skipped_total || echo 0)")
echo "soak: $inserted of $sent rows committed, $(since "$drain_start") s after the producer ended" >&2
exit_status=0
stop_pid "$sqs2pg_pid" 60 || exit_status=$?
sqs2pg_pid=
if ((exit_status != 0)); then tail -n 30 "$log" >&2; fi

# What the end looks like. The window's first day allows for a prune pass still to come (plus
# 30 s): keys older than that must be gone.
read -r rows distinct_ids foreign_rows rejects ledger_keys old_keys partitions window_day < <(
  pg_sql -At -F ' ' -v n="$sent" -v keep="$((keep + prune_interval + 30))" -v prefix="$id_prefix" <<'SQL'
WITH w AS (SELECT ((now() - make_interval(secs => :keep)) AT TIME ZONE 'UTC')::date AS day)
SELECT (SELECT count(*) FROM user_logins),
       (SELECT count(DISTINCT user_id) FROM user_logins),
       (SELECT count(*) FROM user_logins
         WHERE CASE WHEN user_id ~ ('^' || :'prefix' || '[0-9]{1,15}$')
                    THEN substr(user_id, length(:'prefix') + 1)::bigint >= :n ELSE true END),
       (SELECT count(*) FROM sqs2pg_rejects),
       (SELECT count(*) FROM sqs2pg_ledger),
       (SELECT count(*) FROM sqs2pg_ledger WHERE sent_at < (SELECT day FROM w)::timestamp AT TIME ZONE 'UTC'),
       (SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'sqs2pg_ledger'::regclass AND c.relname ~ '^sqs2pg_ledger_p[0-9]{8}$'),
       (SELECT day FROM w);
SQL
)
final=$SERVICES_DIR/final.json
cat >"$final" <<EOF
{"duration_s": $duration, "rate": $rate, "seed_keys": $seed_keys, "seed_at_s": $seed_at_s,
 "producer": $produced, "inserted": $inserted, "duplicates": $duplicates,
 "exit_status": $exit_status,
 "table": {"rows": $rows, "distinct_ids": $distinct_ids, "foreign_rows": $foreign_rows},
 "rejects": $rejects,
 "ledger": {"keys": $ledger_keys, "old_keys": $old_keys, "partitions": $partitions,
            "window_first_day": "$window_day", "keep_s": $keep, "prune_interval_s": $prune_interval}}
EOF

stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
out=$bench_dir/results/soak-$stamp
report_status=0
node "$bench_dir/soak_report.mjs" --samples "$samples" --final "$final" --csv "$out.csv" |
  tee "$out.txt" || report_status=$?
title="sqs2pg soak $stamp: ${minutes} min at $rate msg/s, --ledger-keep $keep"
gnuplot -e "csv='$out.csv'; png='$out.png'; heading='$title'" "$bench_dir/soak_plot.gp"
echo "soak: wrote ${out#"$SERVICES_ROOT"/}.csv, .png and .txt" >&2
exit "$report_status"
