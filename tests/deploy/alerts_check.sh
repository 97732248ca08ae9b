#!/usr/bin/env bash
# Checks the alerting rules and the dashboard with promtool (Debian's `prometheus` package):
#
#   bash tests/deploy/alerts_check.sh
#
# - promtool check rules deploy/prometheus/alerts.yaml;
# - promtool test rules deploy/prometheus/alerts_test.yaml (per alert, series that fire and not);
# - tests/deploy/check_alerts.py: runbook anchors, test coverage per alert, and the dashboard's
#   expressions, which promtool then parses as PromQL.
# That every metric these use is one sqs2pg exports is checked against a live scrape by
# AlertsTest.* (tests/integration/alerts_test.cc).
#
# Exit 0 all passed, 1 a check failed, 77 skipped (ctest's SKIP_RETURN_CODE): only where promtool
# is absent and CI is not set. In CI (CI=true) an absent promtool is a failure.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sqs2pg-alerts-check.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

promtool=${PROMTOOL:-promtool}
if ! command -v "$promtool" >/dev/null 2>&1; then
  if [[ ${CI:-} == true ]]; then
    echo "FAIL promtool is not installed (scripts/deps.sh installs Debian's prometheus package)"
    exit 1
  fi
  echo "SKIP promtool is not installed (apt-get install prometheus); the alert rules are unchecked"
  exit 77
fi

python=
for candidate in /usr/bin/python3 python3; do
  if "$candidate" -c 'import yaml' >/dev/null 2>&1; then
    python=$candidate
    break
  fi
done

failed=0
step() {
  local name=$1
  shift
  if out=$("$@" 2>&1); then
    echo "PASS $name"
  else
    sed 's/^/  /' <<<"$out"
    echo "FAIL $name"
    failed=1
  fi
}

step "promtool check rules" "$promtool" check rules deploy/prometheus/alerts.yaml
step "promtool test rules" "$promtool" test rules deploy/prometheus/alerts_test.yaml
if [[ -z $python ]]; then
  echo "FAIL check_alerts.py: no python3 with PyYAML (apt-get install python3-yaml)"
  failed=1
else
  step "runbooks, per-alert tests, dashboard" "$python" tests/deploy/check_alerts.py \
    "$TMP/dashboard_rules.yaml"
  step "promtool parses the dashboard's expressions" "$promtool" check rules \
    "$TMP/dashboard_rules.yaml"
fi
exit "$failed"
