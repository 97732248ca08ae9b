#!/usr/bin/env bash
# sqs2pg's benchmark, in one run: each figure next to its yardstick measured in the same run, on
# the same throwaway PostgreSQL (durable defaults: fsync on, no --fast) and SQS emulator (fauxqs).
# The machine is shared and noisy: only the side-by-side ratios mean much. Project rule: the
# figure that counts is sqs2pg with its default settings, timed from start to exit; a tuned figure
# stands beside it, named by its flags.
#
#   a. transform alone (build/transform_bench, Google Benchmark): CPU ns per message for
#      parse + validate + 2 masks + version encoding + the COPY-binary row. Target <= 1,500 ns.
#   b. the sink alone (build/sink_bench): rows/s of pg::Sink::WriteBatch (ledger + rows, one
#      transaction per batch of 2,000 fresh message keys sent now) from as many writer connections
#      as sqs2pg uses by default (2), and from one, next to raw COPY binary of the same rows into a
#      table of the same shape on one connection; with the ledger (the real one: day partitions
#      made by sqs2pg's own maintenance) filled by SQL with 0, 10 M and 50 M keys spread over the
#      keep window. Then a prune of the oldest day's partition, timed, and the dead tuples it
#      leaves. Targets: WriteBatch >= 40 % of raw COPY; at 50 M keys >= 0.9 of the rate at 0 keys
#      (each against raw COPY measured beside it); a prune < 1 s leaving 0 dead tuples. Also the
#      ledger's size on disk per million keys.
#   g. the no-work client (build/sqs_loop_bench): sqs2pg's own SqsClient, N threads doing
#      ReceiveMessage(10) + DeleteMessageBatch and nothing else, draining 100,000 messages at a
#      few concurrencies, timed from launch to exit; its best concurrency is the yardstick of c.
#   c. end to end: sqs2pg drains 100,000 events with its default settings, in 3 rounds, timed from
#      launch to exit; beside it in every round the no-work client at its best concurrency from g,
#      a tuned drain (BENCH_TUNED_FLAGS) and the emulator's no-work ceiling with a node:http client
#      (bench/ceiling.mjs: runs before and after each round, averaged; the fetch client's once);
#      the report takes the median round. Also a typical take-home solution
#      (bench/reference_takehome.py: Python, boto3, psycopg2, a commit and a delete per message)
#      on 2,000 events. Targets: defaults >= 0.9 x the no-work client; >= 0.9 x the ceiling;
#      >= 20 x the reference; CPU <= 15 us per message; peak RSS < 64 MiB. The CPU is broken down
#      by stage (receive, transform, commit, delete, other) from sqs2pg's end-of-run summary.
#   h. a small drain: 100 messages with the default settings, launch to exit, 3 times. Target: the
#      median <= 1.0 s.
#   f. SQS requests by action (bench/delay_proxy.mjs with no delay, counting): a drain of 100,000
#      with the default settings, per 1,000 messages (target <= 210: full batches of 10 both
#      ways), and 60 s of an idle `sqs2pg run` on an empty queue, per 20 s (target <= 2).
#   d. through bench/delay_proxy.mjs, which adds 20 ms of round trip to every SQS call: drains with
#      1, 4, 16 and 64 receivers, next to the bound receivers x 10 messages / RTT (target >= 0.7),
#      and with --receivers auto, the default, next to the best fixed count (target >= 0.85).
#   e. peak RSS and CPU seconds per 1,000 messages of every sqs2pg drain.
# A drain's throughput is counted from its launch to its exit (the process), and also to its last
# delete (the queue is watched for that moment by `bench/ceiling.mjs --wait-empty`), as the
# node ceilings count to their last delete; the difference is the end-of-drain check.
#
# Usage: bench/run.sh   (`make bench` builds sqs2pg and the bench programs, then runs it)
# Environment:
#   SQS2PG_BIN            the sqs2pg binary (default build/sqs2pg); transform_bench, sink_bench and
#                         sqs_loop_bench are taken from the same directory
#   BENCH_COUNT           messages for the end-to-end, no-work client and requests runs (100000)
#   BENCH_CONSUMERS       the node ceiling's consumers (8)
#   BENCH_DRAIN_FLAGS     flags for the main sqs2pg drain (default none: sqs2pg's defaults)
#   BENCH_TUNED_FLAGS     flags for the tuned drain beside it (default "--receivers 8"; empty: none)
#   BENCH_ROUNDS          end-to-end rounds (3); the report takes the median round
#   BENCH_LOOP_THREADS    the no-work client's concurrencies to try ("2 4 8 16 32")
#   BENCH_REFERENCE_COUNT messages for the take-home reference (2000)
#   BENCH_SINK_ROWS       rows per mode and ledger level of the sink benchmark (200000)
#   BENCH_LEDGER_KEYS     ledger keys for each sink measurement ("0 10000000 50000000")
#   BENCH_SINK_WRITERS    writer connections of the sink benchmark (2, sqs2pg's --writers default)
#   BENCH_SMALL_COUNT     messages of the small drain (100); BENCH_SMALL_RUNS how often (3)
#   BENCH_IDLE_SECONDS    how long the idle run is watched (60)
#   BENCH_RTT_MS          round trip the delay proxy adds (20)
#   BENCH_LATENCY_RUNS    receivers:messages for each latency run
#                         ("1:2000 4:8000 16:20000 64:40000 auto:40000")
#   BENCH_SECTIONS        which parts to run (default
#                         "transform sink loop e2e small requests reference latency")
#   BENCH_PYTHON          the interpreter for the reference (default python3)
#   BENCH_PARTS_DIR       also keep the raw figures there (one JSON file per measurement), e.g. to
#                         rerun bench/report.mjs on them
# Prints a table and writes bench/results/<UTC date and time>.json (bench/report.mjs).
set -euo pipefail

# shellcheck source=scripts/lib/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/services.sh"
bench_dir=$SERVICES_ROOT/bench

count=${BENCH_COUNT:-100000}
consumers=${BENCH_CONSUMERS:-8}
read -r -a drain_flags <<<"${BENCH_DRAIN_FLAGS:-}"
read -r -a tuned_flags <<<"${BENCH_TUNED_FLAGS---receivers 8}"
rounds=${BENCH_ROUNDS:-3}
read -r -a loop_threads <<<"${BENCH_LOOP_THREADS:-2 4 8 16 32}"
reference_count=${BENCH_REFERENCE_COUNT:-2000}
sink_rows=${BENCH_SINK_ROWS:-200000}
ledger_keys=${BENCH_LEDGER_KEYS:-0 10000000 50000000}
sink_writers=${BENCH_SINK_WRITERS:-2}
small_count=${BENCH_SMALL_COUNT:-100}
small_runs=${BENCH_SMALL_RUNS:-3}
idle_seconds=${BENCH_IDLE_SECONDS:-60}
rtt_ms=${BENCH_RTT_MS:-20}
read -r -a latency_runs <<<"${BENCH_LATENCY_RUNS:-1:2000 4:8000 16:20000 64:40000 auto:40000}"
sections=" ${BENCH_SECTIONS:-transform sink loop e2e small requests reference latency} "
# sqs2pg's defaults that the report needs (src/cli/settings.h, src/cli/consume_command.cc): its
# concurrent DeleteMessageBatch calls are as many as receivers (--receivers-max with auto), at
# least 4.
sqs2pg_min_deleters=4
sqs2pg_receivers_max=64

sqs2pg=${SQS2PG_BIN:-$SERVICES_ROOT/build/sqs2pg}
bin_dir=$(dirname "$sqs2pg")
if [[ ! -x $sqs2pg ]]; then
  echo "bench: $sqs2pg not found: run 'make bench' (or build it first)" >&2
  exit 1
fi

want() { [[ $sections == *" $1 "* ]]; }
now_ms() { date +%s%3N; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

need_tool() { # TOOL: exits unless $bin_dir/TOOL was built
  if [[ ! -x $bin_dir/$1 ]]; then
    echo "bench: $bin_dir/$1 not found: 'make bench' builds it (transform_bench needs" \
      "libbenchmark-dev)" >&2
    exit 1
  fi
}
if want transform; then need_tool transform_bench; fi
if want sink; then need_tool sink_bench; fi
# The no-work client runs in its own section and in every end-to-end round.
if want loop || want e2e; then need_tool sqs_loop_bench; fi

proxy_pids=() watch_pid='' idle_pid=''
cleanup() {
  if [[ -n $watch_pid ]]; then kill "$watch_pid" 2>/dev/null || true; fi
  if [[ -n $idle_pid ]]; then kill "$idle_pid" 2>/dev/null || true; fi
  local pid
  for pid in "${proxy_pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  services_stop
}
services_init
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
parts=$SERVICES_DIR/parts
mkdir -p "$parts"
load_start=$(loadavg)

echo "bench: starting PostgreSQL (durable defaults) and the SQS emulator" >&2
pg_start durable
sqs_start
sqs_export_env
pg_create_user_logins
key_file=$(make_mask_key)

# A field of /usr/bin/time -v's report, e.g. time_value FILE 'User time (seconds)'.
time_value() { sed -n "s/^[[:space:]]*$2: *//p" "$1"; }
# Runs a command, writing its CPU seconds and peak RSS (kB; "null" without GNU time) to FILE.
timed() {
  local file=$1
  shift
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -v -o "$file" "$@"
  else
    TIMEFORMAT='User time (seconds): %U'$'\n''System time (seconds): %S'
    { time "$@" 2>&3; } 3>&2 2>"$file"
  fi
}
cpu_seconds() {
  awk -v u="$(time_value "$1" 'User time (seconds)')" -v s="$(time_value "$1" 'System time (seconds)')" \
    'BEGIN { printf "%.2f", u + s }'
}
peak_rss_kb() {
  local kb
  kb=$(time_value "$1" 'Maximum resident set size (kbytes)')
  echo "${kb:-null}"
}

# CPU seconds a running process has used so far (utime + stime from /proc): the emulator's.
clk_tck=$(getconf CLK_TCK)
proc_cpu() { awk -v t="$clk_tck" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$1/stat"; }
# The emulator's event-loop thread's involuntary context switches so far: each time another
# runnable thread (sqs2pg's, PostgreSQL's, the ceiling client's) preempted it.
proc_preempted() { awk '/^nonvoluntary_ctxt_switches/ { print $2 }' "/proc/$1/status"; }
emulator_preempted_since() { echo $(($(proc_preempted "$SQS_PID") - $1)); }
emulator_cpu_since() { awk -v a="$1" -v b="$(proc_cpu "$SQS_PID")" 'BEGIN { printf "%.2f", b - a }'; }

produce() { # QUEUE_URL COUNT
  "$sqs2pg" produce --queue-url "$1" --endpoint-url "$SQS_ENDPOINT" --count "$2" --log-level warn
}

# fresh_queue NAME COUNT: creates queue NAME, fills it with COUNT events and prints its URL.
fresh_queue() {
  local queue
  queue=$(sqs_create_queue "$1")
  produce "$queue" "$2" >&2
  echo "$queue"
}

# start_proxy RTT_MS: a bench/delay_proxy.mjs in front of the emulator; sets proxy (its URL).
start_proxy() {
  local out=$SERVICES_DIR/proxy-$1.out err=$SERVICES_DIR/proxy-$1.err port='' word
  node "$bench_dir/delay_proxy.mjs" --upstream "$SQS_ENDPOINT" --rtt-ms "$1" >"$out" 2>"$err" &
  proxy_pids+=($!)
  for _ in {1..200}; do
    read -r word port 2>/dev/null <"$out" && [[ $word == LISTENING ]] && break
    port=
    sleep 0.05
  done
  if [[ -z $port ]]; then
    cat "$err" >&2
    echo "bench: the delay proxy did not start" >&2
    exit 1
  fi
  proxy=http://127.0.0.1:$port
}

# merge_json FILE JSON: adds JSON's fields to the object in FILE.
merge_json() {
  node -e '
    const fs = require("fs");
    const [file, extra] = process.argv.slice(1);
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, "utf8")), ...JSON.parse(extra) }));
  ' "$1" "$2"
}

# The CPU line of sqs2pg's summary in LOG as JSON, or null without one:
#   "  cpu                 1.234 s: receive 0.3, transform 0.2, commit 0.4, delete 0.2, other 0.1"
cpu_stages_json() {
  local n='\([0-9.]*\)' json
  json=$(sed -n "s/^  cpu  *$n s: receive $n, transform $n, commit $n, delete $n, other $n\$/{\"total\": \\1, \"receive\": \\2, \"transform\": \\3, \"commit\": \\4, \"delete\": \\5, \"other\": \\6}/p" \
    "$1" | tail -n1)
  echo "${json:-null}"
}

# run_drain LABEL PART QUEUE ENDPOINT COUNT [FLAGS...]: one `sqs2pg drain` of a full queue into an
# empty user_logins, timed from launch to exit and to the queue's last delete; writes
# $parts/PART.json.
# watch_start QUEUE FILE: a watcher (ceiling.mjs --wait-empty) that notes in FILE when QUEUE holds
# nothing, visible or in flight: when the last delete of the consumer beside it landed.
watch_start() {
  node "$bench_dir/ceiling.mjs" --endpoint "$SQS_ENDPOINT" --queue-url "$1" --wait-empty >"$2" &
  watch_pid=$!
}

# watch_stop FILE EXIT_MS: once the consumer has exited, lets the watcher see the queue empty (or
# stops it), then sets watched_empty_ms to the time it saw it empty (EXIT_MS if it did not say).
watch_stop() {
  for _ in {1..100}; do
    kill -0 "$watch_pid" 2>/dev/null || break
    sleep 0.05
  done
  kill "$watch_pid" 2>/dev/null || true
  wait "$watch_pid" 2>/dev/null || true
  watch_pid=
  watched_empty_ms=$(node -p \
    'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).empty_at_ms' "$1" \
    2>/dev/null || echo "$2")
}

run_drain() {
  local label=$1 part=$2 queue=$3 endpoint=$4 expected=$5
  shift 5
  local log=$SERVICES_DIR/$part.log time_file=$SERVICES_DIR/$part.time
  local watch_file=$SERVICES_DIR/$part.watch launch_ms exit_ms empty_ms status=0 rows receivers
  pg_sql -c 'TRUNCATE user_logins'
  if [[ $(pg_sql -At -c "SELECT to_regclass('sqs2pg_ledger') IS NOT NULL") == t ]]; then
    pg_sql -c 'TRUNCATE sqs2pg_ledger'
  fi
  watch_start "$queue" "$watch_file"
  local emulator_cpu0 preempted0
  emulator_cpu0=$(proc_cpu "$SQS_PID")
  preempted0=$(proc_preempted "$SQS_PID")
  launch_ms=$(now_ms)
  timed "$time_file" "$sqs2pg" drain --queue-url "$queue" --endpoint-url "$endpoint" \
    --database-url "$DATABASE_URL" --mask-key-file "$key_file" "$@" 2>"$log" || status=$?
  exit_ms=$(now_ms)
  local emulator_cpu
  emulator_cpu=$(emulator_cpu_since "$emulator_cpu0")
  local preempted
  preempted=$(emulator_preempted_since "$preempted0")
  if ((status != 0)); then
    tail -n 30 "$log" >&2
    echo "bench: FAILED: sqs2pg drain ($label) exited $status" >&2
    exit 1
  fi
  # The queue is empty once drain has returned: the watcher has seen it, or will at its next look.
  watch_stop "$watch_file" "$exit_ms"
  empty_ms=$watched_empty_ms
  rows=$(pg_sql -At -c 'SELECT count(*) FROM user_logins')
  if ((rows != expected)); then
    echo "bench: FAILED: user_logins has $rows rows after $label, expected $expected" >&2
    exit 1
  fi
  receivers='"auto"'
  local i args=("$@")
  for ((i = 0; i + 1 < ${#args[@]}; i++)); do
    [[ ${args[i]} == --receivers && ${args[i + 1]} != auto ]] && receivers=${args[i + 1]}
  done
  summary() { sed -n "s/^ *$1  *\([0-9][0-9]*\).*/\1/p" "$log" | tail -n1; }
  cat >"$parts/$part.json" <<EOF
{"label": "$label", "messages": $expected, "receivers": $receivers, "flags": "$*",
 "endpoint_kind": "$( [[ $endpoint == "$SQS_ENDPOINT" ]] && echo emulator || echo proxy)",
 "launch_ms": $launch_ms, "empty_at_ms": $empty_ms, "exit_ms": $exit_ms,
 "received": $(summary received), "inserted": $(summary inserted),
 "cpu_seconds": $(cpu_seconds "$time_file"), "peak_rss_kb": $(peak_rss_kb "$time_file"),
 "cpu_stages": $(cpu_stages_json "$log"),
 "emulator_cpu_seconds": $emulator_cpu, "emulator_preemptions": $preempted}
EOF
  echo "bench: $label: $expected messages in $((exit_ms - launch_ms)) ms from launch to exit," \
    "$((empty_ms - launch_ms)) ms to the last delete" >&2
}

# run_ceiling CLIENT PART [ENDPOINT CONSUMERS COUNT]: bench/ceiling.mjs drains a fresh queue of
# COUNT (default $count) events with CONSUMERS (default $consumers), through ENDPOINT (default the
# emulator itself); writes $parts/PART.json with its CPU time and the emulator's meanwhile (on 2
# shared cores the client competes with the emulator, so the "ceiling" is partly the client's own
# cost).
run_ceiling() {
  local client=$1 part=$2 endpoint=${3:-$SQS_ENDPOINT} n_consumers=${4:-$consumers}
  local n=${5:-$count} queue emulator_cpu0 preempted0
  echo "bench: ceiling ($client client): publishing $n events, then draining them with" \
    "$n_consumers consumers" >&2
  queue=$(fresh_queue "bench-$part" "$n")
  emulator_cpu0=$(proc_cpu "$SQS_PID")
  preempted0=$(proc_preempted "$SQS_PID")
  timed "$SERVICES_DIR/$part.time" node "$bench_dir/ceiling.mjs" --endpoint "$endpoint" \
    --queue-url "$queue" --consumers "$n_consumers" --client "$client" >"$parts/$part.json"
  merge_json "$parts/$part.json" "{\"client_cpu_seconds\": $(cpu_seconds "$SERVICES_DIR/$part.time"),
    \"emulator_cpu_seconds\": $(emulator_cpu_since "$emulator_cpu0"),
    \"emulator_preemptions\": $(emulator_preempted_since "$preempted0")}"
}

# run_loop THREADS PART: the no-work client (sqs_loop_bench) drains a fresh queue of $count events
# with THREADS threads, timed from launch to exit; writes $parts/PART.json.
run_loop() {
  local threads=$1 part=$2 queue launch_ms exit_ms
  echo "bench: no-work SqsClient loop: publishing $count events, then draining them with" \
    "$threads thread(s)" >&2
  queue=$(fresh_queue "bench-$part" "$count")
  # The same watcher as beside every sqs2pg drain (run_drain), so that both are timed under the
  # same load: a node process starting and a GetQueueAttributes every 25 ms on the emulator.
  local watch_file=$SERVICES_DIR/$part.watch empty_ms
  watch_start "$queue" "$watch_file"
  launch_ms=$(now_ms)
  timed "$SERVICES_DIR/$part.time" "$bin_dir/sqs_loop_bench" --queue-url "$queue" \
    --endpoint-url "$SQS_ENDPOINT" --threads "$threads" >"$parts/$part.json"
  exit_ms=$(now_ms)
  watch_stop "$watch_file" "$exit_ms"
  empty_ms=$watched_empty_ms
  merge_json "$parts/$part.json" "{\"launch_ms\": $launch_ms, \"exit_ms\": $exit_ms,
    \"empty_at_ms\": $empty_ms,
    \"process_cpu_seconds\": $(cpu_seconds "$SERVICES_DIR/$part.time"),
    \"peak_rss_kb\": $(peak_rss_kb "$SERVICES_DIR/$part.time")}"
  echo "bench: no-work loop, $threads thread(s): $count messages in $((exit_ms - launch_ms)) ms" \
    "from launch to exit" >&2
}

# ---- a. transform -------------------------------------------------------------------------------
if want transform; then
  echo "bench: transform: $bin_dir/transform_bench" >&2
  "$bin_dir/transform_bench" \
    --benchmark_filter='^BM_(Transform|TransformVaried|TransformAndEncodeRow|TransformWide|TransformWideAndEncodeRow|MaskInto|Flatten)$' \
    --benchmark_min_time=0.5 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
    --benchmark_format=json >"$parts/transform.json"
fi

# ---- b. sink ------------------------------------------------------------------------------------
if want sink; then
  echo "bench: sink: WriteBatch ($sink_writers writers, and 1) vs raw COPY, $sink_rows rows each," \
    "with ledgers of $ledger_keys keys (filling the big ones takes minutes)" >&2
  SQS2PG_BENCH_DATABASE_URL=$DATABASE_URL "$bin_dir/sink_bench" --rows "$sink_rows" \
    --rows-per-batch 2000 --writers "$sink_writers" --ledger-keys "$ledger_keys" \
    >"$parts/sink.json"
fi

# A fresh emulator is slower for its first drain (V8 warming up, its heap growing to hold a full
# queue): the first node:http ceiling of a run measured up to a third slower than the next ones
# when the warm-up was a tenth of the size, and the no-work client's first drain up to 3 times
# slower. So: one full-size drain first, not measured.
if want loop || want e2e; then
  echo "bench: warming the emulator up ($count messages, not measured)" >&2
  queue=$(fresh_queue bench-warmup "$count")
  node "$bench_dir/ceiling.mjs" --endpoint "$SQS_ENDPOINT" --queue-url "$queue" \
    --consumers "$consumers" --client http >/dev/null
fi

# ---- g. the no-work client at a few concurrencies ------------------------------------------------
# Its best concurrency is the yardstick of the end-to-end rounds (8 if this section is skipped).
best_loop_threads=8
if want loop; then
  best_rate=0
  for threads in "${loop_threads[@]}"; do
    run_loop "$threads" "loop-$threads"
    rate=$(node -p 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      Math.round(r.messages / ((r.exit_ms - r.launch_ms) / 1000))' "$parts/loop-$threads.json")
    if ((rate > best_rate)); then best_rate=$rate best_loop_threads=$threads; fi
  done
  echo "bench: the no-work client's best concurrency: $best_loop_threads threads" \
    "($best_rate msgs/s from launch to exit)" >&2
fi

# ---- c. end to end: sqs2pg (defaults, tuned), the no-work client, the ceilings ------------------
if want e2e; then
  # Each drain gets its own queue, filled just before it runs, so that all drain a queue of the
  # same size with nothing else resident in the emulator. The node:http ceiling brackets every
  # round (a run before and after each), and each drain is compared with the mean of its two, so
  # that a drift in the shared machine's speed cancels out; the no-work client runs in every round
  # beside the drains. The report takes the median round, since single drains on this machine
  # move by +-15 %.
  run_ceiling fetch ceiling
  for ((round = 1; round <= rounds; round++)); do
    run_ceiling http "ceiling-http-$round"
    echo "bench: sqs2pg, round $round of $rounds: publishing $count events, then draining them" \
      "(${drain_flags[*]:-default settings})" >&2
    queue=$(fresh_queue "bench-sqs2pg-$round" "$count")
    run_drain "end to end, round $round" "e2e-$round" "$queue" "$SQS_ENDPOINT" "$count" \
      "${drain_flags[@]}"
    run_loop "$best_loop_threads" "e2e-loop-$round"
    if ((${#tuned_flags[@]} > 0)); then
      echo "bench: sqs2pg tuned (${tuned_flags[*]}), round $round of $rounds" >&2
      queue=$(fresh_queue "bench-sqs2pg-tuned-$round" "$count")
      run_drain "end to end, tuned, round $round" "e2e-tuned-$round" "$queue" "$SQS_ENDPOINT" \
        "$count" "${tuned_flags[@]}"
    fi
  done
  run_ceiling http "ceiling-http-$round"
fi

# ---- h. a small drain, start to exit ------------------------------------------------------------
if want small; then
  for ((run = 1; run <= small_runs; run++)); do
    echo "bench: small drain $run of $small_runs: $small_count messages" \
      "(${drain_flags[*]:-default settings})" >&2
    queue=$(fresh_queue "bench-small-$run" "$small_count")
    run_drain "$small_count messages, run $run" "small-$run" "$queue" "$SQS_ENDPOINT" \
      "$small_count" "${drain_flags[@]}"
  done
fi

# ---- f. SQS requests by action ------------------------------------------------------------------
if want requests; then
  start_proxy 0
  counter=$proxy
  echo "bench: requests: publishing $count events, then draining them through a counting proxy" \
    "(${drain_flags[*]:-default settings})" >&2
  queue=$(fresh_queue bench-requests "$count")
  curl -sS "$counter/__stats?reset=1" >/dev/null
  run_drain "requests, drain" requests-drain "$queue" "$counter" "$count" "${drain_flags[@]}"
  merge_json "$parts/requests-drain.json" "{\"proxy\": $(curl -sS "$counter/__stats")}"

  echo "bench: requests: an idle sqs2pg run on an empty queue, watched for $idle_seconds s" >&2
  queue=$(sqs_create_queue bench-idle)
  curl -sS "$counter/__stats?reset=1" >/dev/null
  "$sqs2pg" run --queue-url "$queue" --endpoint-url "$counter" --database-url "$DATABASE_URL" \
    --mask-key-file "$key_file" "${drain_flags[@]}" 2>"$SERVICES_DIR/requests-idle.log" &
  idle_pid=$!
  sleep "$idle_seconds"
  idle_stats=$(curl -sS "$counter/__stats")
  if ! kill -0 "$idle_pid" 2>/dev/null; then
    tail -n 30 "$SERVICES_DIR/requests-idle.log" >&2
    echo "bench: FAILED: the idle sqs2pg run ended early" >&2
    exit 1
  fi
  # A stop lets the poll in progress finish (up to 20 s) before the exit: no longer counted.
  kill -TERM "$idle_pid"
  wait "$idle_pid" || true
  idle_pid=
  echo "{\"seconds\": $idle_seconds, \"flags\": \"${drain_flags[*]}\", \"proxy\": $idle_stats}" \
    >"$parts/requests-idle.json"
fi

# The take-home reference needs boto3 new enough for SQS's JSON protocol (botocore >= 1.31; the
# emulator speaks nothing else; Debian 12's python3-boto3 is older) and psycopg2, which Debian
# ships as python3-psycopg2 for its own python3: if the python3 on PATH (e.g. pyenv's) lacks it,
# Debian's package is put on PYTHONPATH alone, when it is built for the same Python version.
reference_python() {
  local py=${BENCH_PYTHON:-python3} deb=/usr/lib/python3/dist-packages/psycopg2
  reference_py=$py reference_pythonpath=${PYTHONPATH:-} reference_skip=
  if ! "$py" -c 'import botocore.session as s, sys
sys.exit(s.get_session().get_service_model("sqs").metadata["protocol"] != "json")' 2>/dev/null; then
    reference_skip="no boto3 speaking SQS's JSON protocol (botocore >= 1.31) for $py"
    return
  fi
  "$py" -c 'import psycopg2' 2>/dev/null && return
  if [[ ! -d $deb && $EUID -eq 0 ]]; then
    echo "bench: installing python3-psycopg2 for the reference" >&2
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends python3-psycopg2 >&2; }; then
      echo "bench: could not install python3-psycopg2" >&2
    fi
  fi
  if [[ -d $deb ]]; then
    mkdir -p "$SERVICES_DIR/pylib"
    ln -sfn "$deb" "$SERVICES_DIR/pylib/psycopg2"
    reference_pythonpath=$SERVICES_DIR/pylib${PYTHONPATH:+:$PYTHONPATH}
    PYTHONPATH=$reference_pythonpath "$py" -c 'import psycopg2' 2>/dev/null && return
  fi
  reference_skip="psycopg2 not importable by $py (sudo apt-get install python3-psycopg2)"
}

if want reference; then
  reference_python
  if [[ -n $reference_skip ]]; then
    echo "bench: reference skipped: $reference_skip" >&2
    printf '{"skipped": "%s"}\n' "$reference_skip" >"$parts/reference.json"
  else
    echo "bench: reference (Python, boto3, psycopg2): publishing $reference_count events," \
      "then draining them" >&2
    queue=$(sqs_create_queue bench-reference)
    produce "$queue" "$reference_count"
    pg_sql -c 'CREATE TABLE reference_logins (LIKE user_logins)'
    PYTHONPATH=$reference_pythonpath timed "$SERVICES_DIR/reference.time" "$reference_py" \
      "$bench_dir/reference_takehome.py" --endpoint "$SQS_ENDPOINT" --queue-url "$queue" \
      --database-url "$DATABASE_URL" --table reference_logins >"$SERVICES_DIR/reference.out"
    rows=$(pg_sql -At -c 'SELECT count(*) FROM reference_logins')
    if ((rows != reference_count)); then
      echo "bench: FAILED: reference_logins has $rows rows, expected $reference_count" >&2
      exit 1
    fi
    reference_desc="$("$reference_py" --version 2>&1), $(PYTHONPATH=$reference_pythonpath \
      "$reference_py" -c 'import boto3, psycopg2
print("boto3 " + boto3.__version__ + ", psycopg2 " + psycopg2.__version__.split()[0])')"
    node -e '
      const [out, cpu, rss, python] = process.argv.slice(1);
      const r = JSON.parse(require("fs").readFileSync(out, "utf8"));
      console.log(JSON.stringify({ ...r, cpu_seconds: Number(cpu), peak_rss_kb: rss === "null" ? null : Number(rss), python }));
    ' "$SERVICES_DIR/reference.out" "$(cpu_seconds "$SERVICES_DIR/reference.time")" \
      "$(peak_rss_kb "$SERVICES_DIR/reference.time")" "$reference_desc" >"$parts/reference.json"
  fi
fi

# ---- d. added round-trip latency ----------------------------------------------------------------
if want latency; then
  start_proxy "$rtt_ms"
  for spec in "${latency_runs[@]}"; do
    receivers=${spec%%:*} n=${spec##*:}
    if [[ $receivers == auto ]]; then
      # sqs2pg's default: as many deleters as --receivers-max.
      flags=("${drain_flags[@]}") deleters=$sqs2pg_receivers_max label="auto"
    else
      flags=(--receivers "$receivers") label=$receivers
      deleters=$((receivers > sqs2pg_min_deleters ? receivers : sqs2pg_min_deleters))
    fi
    echo "bench: +$rtt_ms ms RTT: publishing $n events, then draining them with $label" \
      "receiver(s)" >&2
    queue=$(fresh_queue "bench-rtt-$receivers" "$n")
    curl -sS "$proxy/__stats?reset=1" >/dev/null
    run_drain "+$rtt_ms ms RTT, $label receiver(s)" "latency-$receivers" "$queue" "$proxy" "$n" \
      "${flags[@]}"
    # Add what bounds the run to its figures: the proxy's per-action counts and concurrency.
    merge_json "$parts/latency-$receivers.json" \
      "{\"rtt_ms\": $rtt_ms, \"deleters\": $deleters, \"proxy\": $(curl -sS "$proxy/__stats")}"
    # What the emulator itself gives through the same proxy to as many no-work consumers: where
    # the machine, not the round trip, is the bound (shown beside the bound, not a target).
    if [[ $receivers != auto ]]; then
      run_ceiling http "latency-ceiling-$receivers" "$proxy" "$receivers" "$n"
    fi
  done
fi

# ---- the report ---------------------------------------------------------------------------------
emulator_version=$(node -p 'require(process.argv[1]).version' \
  "$SERVICES_ROOT/scripts/emulator/node_modules/fauxqs/package.json")
cat >"$parts/meta.json" <<EOF
{
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "machine": {"cpus": $(nproc), "cpu": "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"},
  "loadavg": {"start": "$load_start", "end": "$(loadavg)"},
  "postgresql": "$(pg_sql -At -c 'SHOW server_version')",
  "emulator": "fauxqs $emulator_version, node $(node --version)",
  "python": "${reference_desc:-}",
  "sqs2pg_bin": "$sqs2pg",
  "drain_flags": "${drain_flags[*]}",
  "tuned_flags": "${tuned_flags[*]}",
  "loop_best_threads": $best_loop_threads,
  "sqs2pg_receivers_max": $sqs2pg_receivers_max
}
EOF
if [[ -n ${BENCH_PARTS_DIR:-} ]]; then
  mkdir -p "$BENCH_PARTS_DIR"
  cp -r "$parts"/. "$BENCH_PARTS_DIR"/
fi
result=$bench_dir/results/$(date -u +%Y-%m-%dT%H%M%SZ).json
node "$bench_dir/report.mjs" --parts "$parts" --out "$result"
echo "bench: wrote ${result#"$SERVICES_ROOT"/}" >&2
