#!/usr/bin/env bash
# End-to-end demo on this machine alone: a throwaway PostgreSQL and the SQS emulator, the
# assignment's user_logins table, the bundled 100-message sample published to login-queue, one
# `sqs2pg drain`, then what an analyst would look at, and proof that a mask can be recomputed in
# SQL by whoever holds the key. Everything is stopped and deleted at the end.
#
# Usage: scripts/demo.sh   (after `make build`; `make demo` does both)
set -euo pipefail

# shellcheck source=scripts/lib/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/services.sh"

sqs2pg=${SQS2PG_BIN:-$SERVICES_ROOT/build/sqs2pg}
sample=$SERVICES_ROOT/tests/data/sample_messages.jsonl
if [[ ! -x $sqs2pg ]]; then
  echo "demo: $sqs2pg not found: run 'make build' first (or 'make demo')" >&2
  exit 1
fi

step() { printf '\n== %s\n' "$*"; }

services_init
trap services_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "Starting a throwaway PostgreSQL and the SQS emulator (fauxqs)"
pg_start durable
sqs_start
sqs_export_env
echo "PostgreSQL: $DATABASE_URL"
echo "SQS:        $SQS_ENDPOINT"

step "Creating the user_logins table (as in the assignment) and pgcrypto"
pg_create_user_logins

step "Creating a masking key (64 hex characters, readable by this user only)"
key_file=$(make_mask_key)
ls -l "$key_file"

step "Creating the queue login-queue"
queue_url=$(sqs_create_queue login-queue)
echo "$queue_url"

step "Publishing the sample: $(wc -l <"$sample") messages from ${sample#"$SERVICES_ROOT"/}"
"$sqs2pg" produce --queue-url "$queue_url" --endpoint-url "$SQS_ENDPOINT" --from-file "$sample"

step "Draining the queue into PostgreSQL"
"$sqs2pg" drain --queue-url "$queue_url" --endpoint-url "$SQS_ENDPOINT" \
  --database-url "$DATABASE_URL" --mask-key-file "$key_file"

step "What landed"
pg_sql <<'SQL'
\echo 'SELECT * FROM user_logins LIMIT 10;'
SELECT * FROM user_logins LIMIT 10;
\echo 'SELECT count(*) FROM user_logins;'
SELECT count(*) FROM user_logins;
\echo 'SELECT * FROM sqs2pg_rejects;'
SELECT * FROM sqs2pg_rejects;
\echo 'Duplicates stay visible through the masks:'
\echo 'SELECT masked_ip, count(*) FROM user_logins GROUP BY 1 HAVING count(*) > 1 ORDER BY 2 DESC;'
SELECT masked_ip, count(*) FROM user_logins GROUP BY 1 HAVING count(*) > 1 ORDER BY 2 DESC;
\echo 'SELECT masked_device_id, count(*) FROM user_logins GROUP BY 1 HAVING count(*) > 1 ORDER BY 2 DESC;'
SELECT masked_device_id, count(*) FROM user_logins GROUP BY 1 HAVING count(*) > 1 ORDER BY 2 DESC;
SQL

# The sample's most repeated ip and device id: known plain values to look up.
most_repeated() {
  sed -n "s/.*\"$1\": \"\\([^\"]*\\)\".*/\\1/p" "$sample" | sort | uniq -c | sort -rn | awk 'NR == 1 { print $2 }'
}
ip=$(most_repeated ip)
device_id=$(most_repeated device_id)

# The plain values are read from the sample file but never printed: raw ips and device ids stay
# out of every output, even fabricated ones.
step "Recomputing masks in SQL with pgcrypto (for the sample's most repeated ip and device_id)"
echo "masked = encode(hmac(value, hmac('sqs2pg:v1:' || field, <key>, 'sha256'), 'sha256'), 'hex')"
# psql reads the key file itself (backquotes), so the key is never on a command line or printed.
pg_sql -v key_file="$key_file" -v ip="$ip" -v device_id="$device_id" <<'SQL'
\set key `cat :'key_file'`
\pset tuples_only on
\pset format unaligned
SELECT 'ip match: ' || EXISTS (
  SELECT 1 FROM user_logins WHERE masked_ip = encode(hmac(convert_to(:'ip', 'UTF8'),
    hmac(convert_to('sqs2pg:v1:ip', 'UTF8'), decode(:'key', 'hex'), 'sha256'), 'sha256'), 'hex'));
SELECT 'device_id match: ' || EXISTS (
  SELECT 1 FROM user_logins WHERE masked_device_id = encode(hmac(convert_to(:'device_id', 'UTF8'),
    hmac(convert_to('sqs2pg:v1:device_id', 'UTF8'), decode(:'key', 'hex'), 'sha256'), 'sha256'),
    'hex'));
SQL

step "Done: stopping the services and deleting their data"
