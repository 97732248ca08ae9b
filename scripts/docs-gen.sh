#!/usr/bin/env bash
# Regenerates the parts of docs/ that the binary itself knows, so that they cannot drift from it:
#   docs/configuration.md   every flag            (sqs2pg config --reference)
#   docs/operations.md      every exported metric (sqs2pg config --metrics-reference)
# Each lives between "<!-- BEGIN GENERATED: <command> -->" and "<!-- END GENERATED -->".
#
# Usage: scripts/docs-gen.sh [--check] [SQS2PG_BINARY]   (default binary: build/sqs2pg)
#   --check   change nothing; exit 1 with a diff when a page differs from what the binary prints
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

check=no
if [[ ${1:-} == --check ]]; then
  check=yes
  shift
fi
bin=${1:-build/sqs2pg}
[[ -x $bin ]] || { echo "docs-gen: $bin not found: build first (make build)" >&2; exit 2; }

status=0
# regenerate PAGE "COMMAND ARGS": the block after the BEGIN marker naming COMMAND is replaced.
regenerate() {
  local page=$1 command=$2
  local begin="<!-- BEGIN GENERATED: sqs2pg $command -->" end="<!-- END GENERATED -->"
  if ! grep -qF -- "$begin" "$page"; then
    echo "docs-gen: $page has no line '$begin'" >&2
    status=1
    return
  fi
  local generated fresh
  generated=$(mktemp)
  fresh=$(mktemp)
  # shellcheck disable=SC2086  # the command's words
  "$bin" $command >"$generated"
  awk -v begin="$begin" -v end="$end" -v file="$generated" '
    $0 == begin { print; while ((getline line < file) > 0) print line; skipping = 1; next }
    skipping && $0 == end { skipping = 0 }
    !skipping { print }
  ' "$page" >"$fresh"
  if [[ $check == yes ]]; then
    if ! diff -u "$page" "$fresh" >&2; then
      echo "docs-gen: $page differs from \`sqs2pg $command\`; regenerate it: scripts/docs-gen.sh" >&2
      status=1
    fi
    rm -f "$fresh"
  else
    mv "$fresh" "$page"
  fi
  rm -f "$generated"
}

regenerate docs/configuration.md "config --reference"
regenerate docs/operations.md "config --metrics-reference"
exit $status
