#!/usr/bin/env bash
# The docs_check test (ctest): the documentation agrees with the binary and with itself.
#   1. docs/configuration.md's flag tables and docs/operations.md's metrics table are what the
#      binary generates (scripts/docs-gen.sh --check; it prints the command that regenerates them);
#   2. every relative link and anchor in README.md and docs/ resolves (tests/docs/check_links.py);
#   3. `sqs2pg --help` starts with one line saying what the tool does and ends with where the docs
#      are, and every subcommand's --help shows an example and where the docs are.
# Usage: tests/docs/check_docs.sh   (SQS2PG_BIN: the binary, default build/sqs2pg)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
bin=${SQS2PG_BIN:-build/sqs2pg}
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

scripts/docs-gen.sh --check "$bin" || fail "generated reference pages differ from the binary"
python3 tests/docs/check_links.py || fail "broken links"

help=$("$bin" --help) || fail "sqs2pg --help exited non-zero"
first=$(head -n 1 <<<"$help")
last=$(grep -v '^[[:space:]]*$' <<<"$help" | tail -n 1)
[[ $first == *SQS* && $first == *PostgreSQL* && $first != Usage* ]] ||
  fail "the first line of --help does not say what sqs2pg does: $first"
[[ $last == *docs/* ]] || fail "the last line of --help does not say where the docs are: $last"

# Subcommand paths from the help's "Subcommands:" sections, nested ones included.
subcommands() {
  sed -n '/^Subcommands:/,/^$/p' | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p'
}
check_subcommand() {
  local -a path=("$@")
  local out
  out=$("$bin" "${path[@]}" --help) || { fail "sqs2pg ${path[*]} --help exited non-zero"; return; }
  grep -q '^Example' <<<"$out" || fail "sqs2pg ${path[*]} --help shows no example"
  [[ $(grep -v '^[[:space:]]*$' <<<"$out" | tail -n 1) == *docs/* ]] ||
    fail "sqs2pg ${path[*]} --help does not end with where the docs are"
  local sub
  for sub in $(subcommands <<<"$out"); do check_subcommand "${path[@]}" "$sub"; done
}
count=0
for sub in $(subcommands <<<"$help"); do
  check_subcommand "$sub"
  count=$((count + 1))
done
((count >= 5)) || fail "found only $count subcommands in sqs2pg --help"

if ((failures > 0)); then
  echo "docs_check: $failures failure(s)"
  exit 1
fi
echo "docs_check: reference pages, links and help texts ($count subcommands) agree"
