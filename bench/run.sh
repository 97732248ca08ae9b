#!/usr/bin/env bash
# sqs2pg's benchmark, in one run: each figure next to its yardstick measured in the same run, on
# the same throwaway PostgreSQL (durable defaults: fsync on, no --fast) and SQS emulator (fauxqs).
# The machine is shared and noisy: only the side-by-side ratios mean much.
#
#   a. transform alone (build/transform_bench, Google Benchmark): CPU ns per message for
#      parse + validate + 2 masks + version encoding + the COPY-binary row. Target <= 1,500 ns.
#   b. the sink alone (build/sink_bench): rows/s of pg::Sink::WriteBatch (ledger + rows, one
#      transaction per batch of 2,000 fresh message ids) from as many writer connections as sqs2pg
#      uses by default (2), and from one, next to raw COPY binary of the same rows into a table of
#      the same shape on one connection; then again with the ledger pre-filled with 1.5 M keys.
#      Target: WriteBatch >= 40 % of raw COPY.
#   c. end to end: sqs2pg drains 100,000 events, in 3 rounds; next to the emulator's no-work
#      ceiling (bench/ceiling.mjs, same concurrency; the node:http client's runs just before and
#      just after each drain, averaged; the fetch client's once), the median round counting, and
#      to a typical take-home solution
#      (bench/reference_takehome.py: Python, boto3, psycopg2, a commit and a delete per message)
#      on 2,000 events. Targets: >= 0.9 x the ceiling, >= 20 x the reference.
#   d. through bench/delay_proxy.mjs, which adds 20 ms of round trip to every SQS call: drains with
#      1, 4, 16 and 64 receivers, next to the bound receivers x 10 messages / RTT. Target >= 0.7.
#   e. peak RSS and CPU seconds per 1,000 messages of every sqs2pg drain.
# A drain's throughput is counted from its launch to its last delete (the queue is watched for
# that moment by `bench/ceiling.mjs --wait-empty`), as the ceiling counts to its last delete; the
# result file also has it over the whole process, which adds the end-of-drain check (an empty
# 2 s long poll, then two looks at the queue 0.5 s apart).
#
# Usage: bench/run.sh   (`make bench` builds sqs2pg, transform_bench and sink_bench, then runs it)
# Environment:
#   SQS2PG_BIN            the sqs2pg binary (default build/sqs2pg); transform_bench and sink_bench
#                         are taken from the same directory
#   BENCH_COUNT           messages for the end-to-end run (100000)
#   BENCH_CONSUMERS       the ceiling's consumers (8); sqs2pg gets as many receivers
#   BENCH_DRAIN_FLAGS     flags for that sqs2pg drain (default: --receivers BENCH_CONSUMERS)
#   BENCH_ROUNDS          end-to-end rounds (3): each drains BENCH_COUNT with sqs2pg, bracketed by
#                         node:http ceiling runs; the report takes the median round
#   BENCH_REFERENCE_COUNT messages for the take-home reference (2000)
#   BENCH_SINK_ROWS       rows per mode and phase of the sink benchmark (200000)
#   BENCH_PREFILL_KEYS    ledger keys for the sink's second phase (1500000; 0 skips it)
#   BENCH_SINK_WRITERS    writer connections of the sink benchmark (2, sqs2pg's --writers default)
#   BENCH_RTT_MS          round trip the delay proxy adds (20)
#   BENCH_LATENCY_RUNS    receivers:messages for each latency run ("1:2000 4:8000 16:20000 64:40000")
#   BENCH_SECTIONS        which parts to run (default "transform sink e2e reference latency")
#   BENCH_PYTHON          the interpreter for the reference (default python3)
# Prints a table and writes bench/results/<UTC date and time>.json (bench/report.mjs).
set -euo pipefail

# shellcheck source=scripts/lib/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/services.sh"
bench_dir=$SERVICES_ROOT/bench

count=${BENCH_COUNT:-100000}
consumers=${BENCH_CONSUMERS:-8}
# By default sqs2pg polls with as many receivers as the ceiling has consumers: same concurrency.
read -r -a drain_flags <<<"${BENCH_DRAIN_FLAGS:---receivers $consumers}"
rounds=${BENCH_ROUNDS:-3}
reference_count=${BENCH_REFERENCE_COUNT:-2000}
sink_rows=${BENCH_SINK_ROWS:-200000}
prefill_keys=${BENCH_PREFILL_KEYS:-1500000}
sink_writers=${BENCH_SINK_WRITERS:-2}
rtt_ms=${BENCH_RTT_MS:-20}
read -r -a latency_runs <<<"${BENCH_LATENCY_RUNS:-1:2000 4:8000 16:20000 64:40000}"
sections=" ${BENCH_SECTIONS:-transform sink e2e reference latency} "
# sqs2pg's concurrent DeleteMessageBatch calls (PipelineOptions::deleters, not a flag): as many
# as receivers, at least 4 (src/cli/consume_command.cc).
sqs2pg_min_deleters=4

sqs2pg=${SQS2PG_BIN:-$SERVICES_ROOT/build/sqs2pg}
bin_dir=$(dirname "$sqs2pg")
if [[ ! -x $sqs2pg ]]; then
  echo "bench: $sqs2pg not found: run 'make bench' (or build it first)" >&2
  exit 1
fi
for tool in transform_bench sink_bench; do
  if [[ $sections == *" ${tool%_bench} "* && ! -x $bin_dir/$tool ]]; then
    echo "bench: $bin_dir/$tool not found: 'make bench' builds it (needs libbenchmark-dev)" >&2
    exit 1
  fi
done

want() { [[ $sections == *" $1 "* ]]; }
now_ms() { date +%s%3N; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

proxy_pid='' watch_pid=''
cleanup() {
  if [[ -n $watch_pid ]]; then kill "$watch_pid" 2>/dev/null || true; fi
  if [[ -n $proxy_pid ]]; then
    kill -TERM "$proxy_pid" 2>/dev/null || true
    wait "$proxy_pid" 2>/dev/null || true
  fi
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

# run_drain LABEL PART QUEUE ENDPOINT COUNT [FLAGS...]: one `sqs2pg drain` of a full queue into an
# empty user_logins, timed from launch to the queue's last delete; writes $parts/PART.
run_drain() {
  local label=$1 part=$2 queue=$3 endpoint=$4 expected=$5
  shift 5
  local log=$SERVICES_DIR/$part.log time_file=$SERVICES_DIR/$part.time
  local watch_file=$SERVICES_DIR/$part.watch launch_ms exit_ms empty_ms status=0 rows receivers
  pg_sql -c 'TRUNCATE user_logins'
  if [[ $(pg_sql -At -c "SELECT to_regclass('sqs2pg_ledger') IS NOT NULL") == t ]]; then
    pg_sql -c 'TRUNCATE sqs2pg_ledger'
  fi
  node "$bench_dir/ceiling.mjs" --endpoint "$SQS_ENDPOINT" --queue-url "$queue" --wait-empty \
    >"$watch_file" &
  watch_pid=$!
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
  for _ in {1..100}; do
    kill -0 "$watch_pid" 2>/dev/null || break
    sleep 0.05
  done
  kill "$watch_pid" 2>/dev/null || true
  wait "$watch_pid" 2>/dev/null || true
  watch_pid=
  empty_ms=$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).empty_at_ms' \
    "$watch_file" 2>/dev/null || echo "$exit_ms")
  rows=$(pg_sql -At -c 'SELECT count(*) FROM user_logins')
  if ((rows != expected)); then
    echo "bench: FAILED: user_logins has $rows rows after $label, expected $expected" >&2
    exit 1
  fi
  receivers=4
  local i args=("$@")
  for ((i = 0; i < ${#args[@]}; i++)); do
    [[ ${args[i]} == --receivers ]] && receivers=${args[i + 1]}
  done
  summary() { sed -n "s/^ *$1  *\([0-9][0-9]*\).*/\1/p" "$log" | tail -n1; }
  cat >"$parts/$part.json" <<EOF
{"label": "$label", "messages": $expected, "receivers": $receivers, "flags": "$*",
 "endpoint_kind": "$( [[ $endpoint == "$SQS_ENDPOINT" ]] && echo emulator || echo delay-proxy)",
 "launch_ms": $launch_ms, "empty_at_ms": $empty_ms, "exit_ms": $exit_ms,
 "received": $(summary received), "inserted": $(summary inserted),
 "cpu_seconds": $(cpu_seconds "$time_file"), "peak_rss_kb": $(peak_rss_kb "$time_file"),
 "emulator_cpu_seconds": $emulator_cpu, "emulator_preemptions": $preempted}
EOF
  echo "bench: $label: $expected messages in $((empty_ms - launch_ms)) ms to the last delete," \
    "$((exit_ms - launch_ms)) ms in all" >&2
}

# run_ceiling CLIENT PART: bench/ceiling.mjs (--client CLIENT) drains a fresh queue of $count
# events; writes $parts/PART with its CPU time and the emulator's meanwhile (on 2 shared cores the
# client competes with the emulator, so the "ceiling" is partly the client's own cost).
# run_ceiling CLIENT PART [ENDPOINT CONSUMERS COUNT]: bench/ceiling.mjs drains a fresh queue of
# COUNT (default $count) events with CONSUMERS (default $consumers), through ENDPOINT (default the
# emulator itself); writes $parts/PART.json.
run_ceiling() {
  local client=$1 part=$2 endpoint=${3:-$SQS_ENDPOINT} n_consumers=${4:-$consumers}
  local n=${5:-$count} queue emulator_cpu0 preempted0
  echo "bench: ceiling ($client client): publishing $n events, then draining them with" \
    "$n_consumers consumers" >&2
  queue=$(sqs_create_queue "bench-$part")
  produce "$queue" "$n"
  emulator_cpu0=$(proc_cpu "$SQS_PID")
  preempted0=$(proc_preempted "$SQS_PID")
  timed "$SERVICES_DIR/$part.time" node "$bench_dir/ceiling.mjs" --endpoint "$endpoint" \
    --queue-url "$queue" --consumers "$n_consumers" --client "$client" >"$SERVICES_DIR/$part.out"
  node -e '
    const [out, cpu, emulator, preempted] = process.argv.slice(1);
    const r = JSON.parse(require("fs").readFileSync(out, "utf8"));
    console.log(JSON.stringify({ ...r, client_cpu_seconds: Number(cpu), emulator_cpu_seconds: Number(emulator),
      emulator_preemptions: Number(preempted) }));
  ' "$SERVICES_DIR/$part.out" "$(cpu_seconds "$SERVICES_DIR/$part.time")" \
    "$(emulator_cpu_since "$emulator_cpu0")" "$(emulator_preempted_since "$preempted0")" \
    >"$parts/$part.json"
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
  echo "bench: sink: WriteBatch ($sink_writers writers, and 1) vs raw COPY, $sink_rows rows each" \
    "(then with $prefill_keys ledger keys)" >&2
  SQS2PG_BENCH_DATABASE_URL=$DATABASE_URL "$bin_dir/sink_bench" --rows "$sink_rows" \
    --rows-per-batch 2000 --writers "$sink_writers" --prefill-keys "$prefill_keys" \
    >"$parts/sink.json"
fi

# ---- c. end to end: ceiling, sqs2pg, reference --------------------------------------------------
if want e2e; then
  # A fresh emulator is slower for its first drain (V8 warming up, its heap growing to hold a full
  # queue): the first node:http ceiling of a run measured up to a third slower than the next ones
  # when the warm-up was a tenth of the size. So: one full-size drain first, not measured.
  echo "bench: warming the emulator up ($count messages, not measured)" >&2
  queue=$(sqs_create_queue bench-warmup)
  produce "$queue" "$count"
  node "$bench_dir/ceiling.mjs" --endpoint "$SQS_ENDPOINT" --queue-url "$queue" \
    --consumers "$consumers" --client http >/dev/null
  # Each consumer gets its own queue, filled just before it runs, so that all drain a queue of the
  # same size with nothing else resident in the emulator. The stricter node:http ceiling brackets
  # every sqs2pg drain (a run before and after each), and each drain is compared with the mean of
  # its two, so that a drift in the shared machine's speed cancels out; the report takes the
  # median round, since single drains on this machine move by +-15 %.
  run_ceiling fetch ceiling
  for ((round = 1; round <= rounds; round++)); do
    run_ceiling http "ceiling-http-$round"
    echo "bench: sqs2pg, round $round of $rounds: publishing $count events, then draining them" \
      "(${drain_flags[*]})" >&2
    queue=$(sqs_create_queue "bench-sqs2pg-$round")
    produce "$queue" "$count"
    run_drain "end to end, round $round" "e2e-$round" "$queue" "$SQS_ENDPOINT" "$count" \
      "${drain_flags[@]}"
  done
  run_ceiling http "ceiling-http-$round"
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
  node "$bench_dir/delay_proxy.mjs" --upstream "$SQS_ENDPOINT" --rtt-ms "$rtt_ms" \
    >"$SERVICES_DIR/proxy.out" 2>"$SERVICES_DIR/proxy.err" &
  proxy_pid=$!
  proxy_port=
  for _ in {1..200}; do
    read -r word proxy_port 2>/dev/null <"$SERVICES_DIR/proxy.out" && [[ $word == LISTENING ]] && break
    proxy_port=
    sleep 0.05
  done
  if [[ -z $proxy_port ]]; then
    cat "$SERVICES_DIR/proxy.err" >&2
    echo "bench: the delay proxy did not start" >&2
    exit 1
  fi
  proxy=http://127.0.0.1:$proxy_port
  for spec in "${latency_runs[@]}"; do
    receivers=${spec%%:*} n=${spec##*:}
    echo "bench: +$rtt_ms ms RTT: publishing $n events, then draining them with $receivers" \
      "receiver(s)" >&2
    queue=$(sqs_create_queue "bench-rtt-$receivers")
    produce "$queue" "$n"
    curl -sS "$proxy/__stats?reset=1" >/dev/null
    run_drain "+$rtt_ms ms RTT, $receivers receiver(s)" "latency-$receivers" "$queue" "$proxy" "$n" \
      --receivers "$receivers"
    # Add what bounds the run to its figures: the proxy's per-action counts and concurrency.
    node -e '
      const fs = require("fs");
      const [file, stats, rtt, deleters] = process.argv.slice(1);
      const d = JSON.parse(fs.readFileSync(file, "utf8"));
      fs.writeFileSync(file, JSON.stringify({ ...d, rtt_ms: Number(rtt), deleters: Number(deleters), proxy: JSON.parse(stats) }));
    ' "$parts/latency-$receivers.json" "$(curl -sS "$proxy/__stats")" "$rtt_ms" \
      "$((receivers > sqs2pg_min_deleters ? receivers : sqs2pg_min_deleters))"
    # What the emulator itself gives through the same proxy to as many no-work consumers: where
    # the machine, not the round trip, is the bound (shown beside the bound, not a target).
    run_ceiling http "latency-ceiling-$receivers" "$proxy" "$receivers" "$n"
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
  "sqs2pg_bin": "$sqs2pg"
}
EOF
result=$bench_dir/results/$(date -u +%Y-%m-%dT%H%M%SZ).json
node "$bench_dir/report.mjs" --parts "$parts" --out "$result"
echo "bench: wrote ${result#"$SERVICES_ROOT"/}" >&2
