#!/usr/bin/env python3
"""Structural checks of the alerting artefacts that promtool alone does not make.

  python3 tests/deploy/check_alerts.py RULES_OUT

- every alert in deploy/prometheus/alerts.yaml has a severity label, summary and description
  annotations, and a runbook_url docs/operations.md#<alert name in lower case> whose heading
  exists in docs/operations.md;
- deploy/prometheus/alerts_test.yaml tests every alert at least once where it fires and once where
  it does not;
- deploy/grafana/sqs2pg.json parses, has a uid, and every panel target has an expression; those
  expressions, with Grafana's variables replaced, are written to RULES_OUT as recording rules so
  that `promtool check rules RULES_OUT` parses them as PromQL.
Prints one line per problem and exits 1 if there is any.
"""
import json
import re
import sys

import yaml

RULES = "deploy/prometheus/alerts.yaml"
TESTS = "deploy/prometheus/alerts_test.yaml"
DASHBOARD = "deploy/grafana/sqs2pg.json"
RUNBOOK = "docs/operations.md"

problems = []


def github_anchor(heading):
    """The anchor GitHub gives a Markdown heading: lower case, punctuation dropped, spaces to -."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


anchors = set()
with open(RUNBOOK) as f:
    for line in f:
        m = re.match(r"#{1,6}\s+(.*)", line)
        if m:
            anchors.add(github_anchor(m.group(1)))

alerts = []
for group in yaml.safe_load(open(RULES))["groups"]:
    for rule in group["rules"]:
        if "alert" not in rule:
            continue
        name = rule["alert"]
        alerts.append(name)
        if rule.get("labels", {}).get("severity") not in ("critical", "warning", "info"):
            problems.append(f"{name}: no severity label (critical, warning or info)")
        annotations = rule.get("annotations", {})
        for key in ("summary", "description"):
            if not annotations.get(key, "").strip():
                problems.append(f"{name}: no {key} annotation")
        want = f"{RUNBOOK}#{name.lower()}"
        if annotations.get("runbook_url") != want:
            problems.append(f"{name}: runbook_url is {annotations.get('runbook_url')!r}, not {want!r}")
        if name.lower() not in anchors:
            problems.append(f"{name}: {RUNBOOK} has no heading '{name}'")
if len(alerts) != len(set(alerts)):
    problems.append(f"{RULES}: an alert name is used twice")

fires, quiet = set(), set()
for test in yaml.safe_load(open(TESTS))["tests"]:
    for case in test.get("alert_rule_test", []):
        (fires if case.get("exp_alerts") else quiet).add(case["alertname"])
for name in alerts:
    if name not in fires:
        problems.append(f"{name}: no test in {TESTS} where it fires")
    if name not in quiet:
        problems.append(f"{name}: no test in {TESTS} where it does not fire")
for name in (fires | quiet) - set(alerts):
    problems.append(f"{TESTS}: tests '{name}', which {RULES} does not define")

dashboard = json.load(open(DASHBOARD))
if not dashboard.get("uid") or not dashboard.get("title"):
    problems.append(f"{DASHBOARD}: no uid or title")
recording = []
for panel in dashboard.get("panels", []):
    if panel.get("type") == "row":
        continue
    targets = panel.get("targets", [])
    if not targets:
        problems.append(f"{DASHBOARD}: panel '{panel.get('title')}' has no target")
    for target in targets:
        expr = target.get("expr", "")
        if not expr.strip():
            problems.append(f"{DASHBOARD}: panel '{panel.get('title')}' has an empty expression")
            continue
        expr = expr.replace("$__rate_interval", "5m").replace("$instance", ".*")
        if "$" in expr:
            problems.append(f"{DASHBOARD}: unknown variable in {target['expr']!r}")
        recording.append({"record": f"dashboard:panel{panel['id']}:{target['refId']}",
                          "expr": expr})
with open(sys.argv[1], "w") as out:
    yaml.safe_dump({"groups": [{"name": "dashboard", "rules": recording}]}, out)

for p in problems:
    print(f"check_alerts: {p}")
print(f"{len(alerts)} alerts, each with a runbook and tests that fire and do not; "
      f"{len(recording)} dashboard expressions; {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
