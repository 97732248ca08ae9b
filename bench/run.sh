#!/usr/bin/env bash
# End-to-end throughput benchmark: `sqs2pg drain` of 100,000 events from the fauxqs emulator into
# a PostgreSQL with its default, durable settings (no --fast), reported next to the emulator's
# no-work ceiling (bench/ceiling.mjs) measured in the same run. The machine is shared and noisy:
# only the side-by-side ratio means much.
#
# Usage: bench/run.sh   (after `make build`; `make bench` does both)
# Environment: BENCH_COUNT (100000), BENCH_CONSUMERS (8, for the ceiling), SQS2PG_BIN,
#              BENCH_DRAIN_FLAGS (flags for sqs2pg drain; default --receivers BENCH_CONSUMERS).
# Writes bench/results/<UTC date and time>.json.
set -euo pipefail

# shellcheck source=scripts/lib/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/services.sh"

count=${BENCH_COUNT:-100000}
consumers=${BENCH_CONSUMERS:-8}
# By default sqs2pg polls with as many receivers as the ceiling has consumers: same concurrency.
read -r -a drain_flags <<<"${BENCH_DRAIN_FLAGS:---receivers $consumers}"
sqs2pg=${SQS2PG_BIN:-$SERVICES_ROOT/build/sqs2pg}
if [[ ! -x $sqs2pg ]]; then
  echo "bench: $sqs2pg not found: run 'make build' first (or 'make bench')" >&2
  exit 1
fi

now() { date +%s.%N; }
# Floating-point arithmetic for the report: calc 'a / b' (awk, as bash has integers only).
calc() { awk "BEGIN { printf \"%.6g\", $1 }"; }

services_init
trap services_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "bench: starting PostgreSQL (durable defaults) and the SQS emulator" >&2
pg_start durable
sqs_start
sqs_export_env
pg_create_user_logins
key_file=$(make_mask_key)

# Each consumer gets its own queue, filled just before it runs, so that both drain a queue of the
# same size with nothing else resident in the emulator.
echo "bench: ceiling: publishing $count events, then draining them with $consumers consumers" >&2
ceiling_queue=$(sqs_create_queue bench-ceiling)
"$sqs2pg" produce --queue-url "$ceiling_queue" --endpoint-url "$SQS_ENDPOINT" --count "$count"
ceiling_json=$(node "$SERVICES_ROOT/bench/ceiling.mjs" --endpoint "$SQS_ENDPOINT" \
  --queue-url "$ceiling_queue" --consumers "$consumers")
ceiling_rate=$(node -p 'JSON.parse(process.argv[1]).msgs_per_s' "$ceiling_json")

echo "bench: sqs2pg: publishing $count events" >&2
queue=$(sqs_create_queue bench-sqs2pg)
t0=$(now)
"$sqs2pg" produce --queue-url "$queue" --endpoint-url "$SQS_ENDPOINT" --count "$count"
produce_s=$(calc "$(now) - $t0")

echo "bench: sqs2pg: draining" >&2
drain=("$sqs2pg" drain --queue-url "$queue" --endpoint-url "$SQS_ENDPOINT"
  --database-url "$DATABASE_URL" --mask-key-file "$key_file" "${drain_flags[@]}")
time_file=$SERVICES_DIR/drain.time
t0=$(now)
if [[ -x /usr/bin/time ]]; then
  /usr/bin/time -v -o "$time_file" "${drain[@]}"
else
  # bash's time gives CPU seconds but no peak RSS.
  TIMEFORMAT='User time (seconds): %U'$'\n''System time (seconds): %S'
  { time "${drain[@]}" 2>&3; } 3>&2 2>"$time_file"
fi
drain_s=$(calc "$(now) - $t0")

time_value() { sed -n "s/^[[:space:]]*$1: *//p" "$time_file"; }
cpu_s=$(calc "$(time_value 'User time (seconds)') + $(time_value 'System time (seconds)')")
rss_kb=$(time_value 'Maximum resident set size (kbytes)')
rss_kb=${rss_kb:-null}

rows=$(pg_sql -At -c 'SELECT count(*) FROM user_logins')
if ((rows != count)); then
  echo "bench: FAILED: user_logins has $rows rows, expected $count" >&2
  exit 1
fi

rate=$(calc "$count / $drain_s")
ratio=$(calc "$rate / $ceiling_rate")
cpu_per_1k=$(calc "$cpu_s / $count * 1000")
rss_mib=n/a
if [[ $rss_kb != null ]]; then
  rss_mib=$(awk "BEGIN { printf \"%.1f\", $rss_kb / 1024 }")
fi

printf '\n%-36s %12s\n' "messages" "$count"
printf '%-36s %12.0f\n' "sqs2pg drain, msgs/s" "$rate"
printf '%-36s %12.0f\n' "emulator ceiling ($consumers consumers), msgs/s" "$ceiling_rate"
printf '%-36s %12.2f\n' "sqs2pg / ceiling" "$ratio"
printf '%-36s %12s\n' "sqs2pg peak RSS, MiB" "$rss_mib"
printf '%-36s %12.4f\n' "sqs2pg CPU s per 1,000 messages" "$cpu_per_1k"
printf '%-36s %12.2f\n' "produce, s" "$produce_s"

mkdir -p "$SERVICES_ROOT/bench/results"
result=$SERVICES_ROOT/bench/results/$(date -u +%Y-%m-%dT%H%M%SZ).json
cat >"$result" <<EOF
{
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "machine": {"cpus": $(nproc), "cpu": "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"},
  "messages": $count,
  "sqs2pg": {"drain_seconds": $drain_s, "msgs_per_s": $rate, "cpu_seconds": $cpu_s,
             "cpu_seconds_per_1000": $cpu_per_1k, "peak_rss_kb": $rss_kb,
             "produce_seconds": $produce_s, "drain_flags": "${drain_flags[*]}"},
  "ceiling": $ceiling_json,
  "ratio_to_ceiling": $ratio,
  "postgresql": "$(pg_sql -At -c 'SHOW server_version')",
  "emulator": "fauxqs $(node -p 'require(process.argv[1]).version' \
    "$SERVICES_ROOT/scripts/emulator/node_modules/fauxqs/package.json"), node $(node --version)"
}
EOF
echo "bench: wrote ${result#"$SERVICES_ROOT"/}" >&2
