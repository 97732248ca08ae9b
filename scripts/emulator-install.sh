#!/usr/bin/env bash
# Installs the SQS emulators' npm packages (fauxqs and local-aws-sqs, pinned by package-lock.json) into
# scripts/emulator/node_modules, only when they are missing or the lock file has changed since:
# the lock file's hash is kept in node_modules/.lockhash.
set -euo pipefail

dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/emulator" && pwd)"
want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
have=$(cat "$dir/node_modules/.lockhash" 2>/dev/null || true)
[[ $want == "$have" ]] && exit 0

# npm ci installs exactly what the lock file says; --loglevel=error keeps it quiet.
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
echo "$want" >"$dir/node_modules/.lockhash"
