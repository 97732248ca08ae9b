#!/usr/bin/env bash
# Runs COMMAND with throwaway local services for the tests, and always stops them afterwards:
#   --pg    a PostgreSQL on a free port, durability off (--fast), with pgcrypto created
#           (tests use it to recompute masks independently of sqs2pg)
#   --sqs   the fauxqs SQS emulator on a free port
# Exports SQS2PG_TEST_DATABASE_URL and DATABASE_URL (--pg); SQS2PG_TEST_SQS_ENDPOINT,
# AWS_ENDPOINT_URL and dummy AWS credentials and region (--sqs). Exits with COMMAND's status.
#
# Usage: scripts/with-services.sh [--pg] [--sqs] -- COMMAND [ARGS...]
set -euo pipefail

# shellcheck source=scripts/lib/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/services.sh"

usage() {
  echo "usage: $0 [--pg] [--sqs] -- COMMAND [ARGS...]" >&2
  exit 2
}

want_pg=no want_sqs=no
while (($# > 0)); do
  case $1 in
    --pg) want_pg=yes ;;
    --sqs) want_sqs=yes ;;
    --) shift && break ;;
    *) usage ;;
  esac
  shift
done
(($# > 0)) || usage

services_init
trap services_stop EXIT
# Turn signals into a normal exit so that the EXIT trap stops the services.
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ $want_pg == yes ]]; then
  pg_start fast
  pg_sql -c 'CREATE EXTENSION IF NOT EXISTS pgcrypto'
  export SQS2PG_TEST_DATABASE_URL=$DATABASE_URL DATABASE_URL
fi
if [[ $want_sqs == yes ]]; then
  sqs_start
  sqs_export_env
  export SQS2PG_TEST_SQS_ENDPOINT=$SQS_ENDPOINT
fi

status=0
"$@" || status=$?
exit "$status"
