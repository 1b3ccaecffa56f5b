"""deploy/prometheus/ascend-doctor-rules.yml: well formed, about metrics the doctor writes, and its alerts
fire as meant (promtool's own rule checker and unit tests, tests/metrics/prometheus/rules.test.yml)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from doctor.metrics import samples
from tests.metrics.support import REPO, example_run

RULES = REPO / "deploy" / "prometheus" / "ascend-doctor-rules.yml"
UNIT_TESTS = REPO / "tests" / "metrics" / "prometheus" / "rules.test.yml"


def rules() -> list[dict]:
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool is missing: apt-get install prometheus (.ci/run installs it)")
    return found


def test_each_rule_has_alert_expr_for_labels_and_annotations():
    assert rules()
    for rule in rules():
        assert {"alert", "expr", "for", "labels", "annotations"} <= set(rule), rule
        assert rule["labels"].get("severity") and rule["annotations"].get("summary")


def test_the_rules_name_only_metrics_the_doctor_writes():
    written = {f.name for f in samples.families([example_run("alarm-chip", "h")], 0.0, fleet=True)}
    named = {name for rule in rules() for name in re.findall(r"\bascend_doctor_\w+", rule["expr"])}
    assert named and named <= written


def test_promtool_accepts_the_rules():
    done = subprocess.run([promtool(), "check", "rules", str(RULES)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_alerts_fire_when_and_only_when_meant():
    done = subprocess.run([promtool(), "test", "rules", UNIT_TESTS.name], capture_output=True, text=True,
                          cwd=UNIT_TESTS.parent)
    assert done.returncode == 0, done.stdout + done.stderr
