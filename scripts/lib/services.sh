# shellcheck shell=bash
# Start and stop of the local stand-ins that tests, the demo and the benchmark share: a throwaway
# PostgreSQL (scripts/pg-throwaway.sh) and the fauxqs SQS emulator (scripts/emulator/). Sourced by
# scripts/with-services.sh, scripts/demo.sh, bench/run.sh and scripts/pg-throwaway.sh.
#
#   services_init; trap services_stop EXIT
#   pg_start fast|durable   sets PG_DIR, PG_PORT, DATABASE_URL, PSQL
#   sqs_start           sets SQS_PID, SQS_PORT, SQS_ENDPOINT
#   pg_sql ARGS...      psql on DATABASE_URL, quiet, stopping at the first error
#   sqs_call ACTION JSON   one AWS JSON protocol request to the emulator; prints the response
#   sqs_create_queue NAME  prints the new queue's URL
#   sqs_export_env      exports AWS_ENDPOINT_URL, dummy credentials and the region

SERVICES_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# The highest installed server version's binaries (Debian keeps them off PATH), else PATH.
pg_bin() {
  local candidates best
  candidates=(/usr/lib/postgresql/*/bin)
  best=$(printf '%s\n' "${candidates[@]}" | sort -V | tail -n1)
  if [[ -x $best/pg_ctl ]]; then
    echo "$best"
  elif command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
  else
    echo "no PostgreSQL server binaries found (apt-get install postgresql)" >&2
    return 1
  fi
}

# A TCP port that is free now, picked by the OS. node is there anyway for the emulator; without
# it, probe random ports with bash's /dev/tcp (a refused connection means nobody listens).
free_port() {
  if command -v node >/dev/null 2>&1; then
    node -e 'const s = require("net").createServer();
      s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
    return
  fi
  local port i
  for ((i = 0; i < 100; i++)); do
    port=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  echo "no free port found" >&2
  return 1
}

services_init() {
  SERVICES_DIR=$(mktemp -d "${TMPDIR:-/tmp}/sqs2pg.XXXXXX")
  # As root, PostgreSQL runs as user postgres, which must be able to reach its directory inside.
  if ((EUID == 0)); then
    chmod 711 "$SERVICES_DIR"
  fi
}

# fast: durability off, for tests. durable: the server's defaults, for the demo and the benchmark.
pg_start() {
  local flags=()
  case $1 in
    fast) flags=(--fast) ;;
    durable) ;;
    *)
      echo "pg_start: fast or durable, not '$1'" >&2
      return 2
      ;;
  esac
  PG_DIR=$SERVICES_DIR/pg
  PG_PORT=$(free_port)
  "$SERVICES_ROOT/scripts/pg-throwaway.sh" start "$PG_DIR" "$PG_PORT" "${flags[@]}"
  DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
  PSQL="$(pg_bin)/psql"
}

pg_sql() {
  "$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$DATABASE_URL" "$@"
}

sqs_start() {
  "$SERVICES_ROOT/scripts/emulator-install.sh"
  local out=$SERVICES_DIR/sqs.out err=$SERVICES_DIR/sqs.err word i
  # exec, so that $! is node itself and not a subshell that would not pass SIGTERM on.
  exec node "$SERVICES_ROOT/scripts/emulator/sqs-emulator.mjs" --port 0 >"$out" 2>"$err" &
  SQS_PID=$!
  for ((i = 0; i < 300; i++)); do
    if read -r word SQS_PORT 2>/dev/null <"$out" && [[ $word == READY ]]; then
      SQS_ENDPOINT="http://127.0.0.1:$SQS_PORT"
      return 0
    fi
    if ! kill -0 "$SQS_PID" 2>/dev/null; then
      SQS_PID=
      cat "$err" >&2
      echo "the SQS emulator exited before it was ready" >&2
      return 1
    fi
    sleep 0.05
  done
  echo "the SQS emulator was not ready after 15 s" >&2
  return 1
}

sqs_call() {
  curl -sS --fail-with-body -X POST "$SQS_ENDPOINT/" \
    -H "X-Amz-Target: AmazonSQS.$1" -H "Content-Type: application/x-amz-json-1.0" --data-binary "$2"
}

# fauxqs answers with URLs whose host (sqs.REGION.localhost:PORT) does not resolve; requests go to
# SQS_ENDPOINT, but the QueueUrl in them must be this URL verbatim or the queue is not found.
sqs_create_queue() {
  sqs_call CreateQueue "{\"QueueName\":\"$1\"}" | sed -n 's/.*"QueueUrl" *: *"\([^"]*\)".*/\1/p'
}

# fauxqs checks no signature, so any credentials do; it takes the region from the credential scope.
sqs_export_env() {
  export AWS_ENDPOINT_URL=$SQS_ENDPOINT AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
  export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
}

sqs_stop() {
  local i
  kill -TERM "$SQS_PID" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$SQS_PID" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "$SQS_PID" 2>/dev/null || true
  wait "$SQS_PID" 2>/dev/null || true
  SQS_PID=
}

# Safe to call more than once and from an EXIT trap: it stops what was started, and keeps going
# if one of the stops fails.
services_stop() {
  if [[ -n ${SQS_PID:-} ]]; then
    sqs_stop
  fi
  if [[ -n ${PG_DIR:-} ]]; then
    "$SERVICES_ROOT/scripts/pg-throwaway.sh" stop "$PG_DIR" || true
    PG_DIR=
  fi
  if [[ -n ${SERVICES_DIR:-} ]]; then
    rm -rf "$SERVICES_DIR"
    SERVICES_DIR=
  fi
}

# The assignment's table (exactly its DDL) and pgcrypto, so masks can be recomputed in SQL.
pg_create_user_logins() {
  pg_sql -f - <<'SQL'
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE TABLE IF NOT EXISTS user_logins(
  user_id varchar(128),
  device_type varchar(32),
  masked_ip varchar(256),
  masked_device_id varchar(256),
  locale varchar(32),
  app_version integer,
  create_date date
);
SQL
}

# Writes a fresh 32-byte hex master key, readable by this user only, and prints its path.
make_mask_key() {
  local key_file=$SERVICES_DIR/mask.key
  (umask 077 && openssl rand -hex 32 >"$key_file")
  printf '%s\n' "$key_file"
}
