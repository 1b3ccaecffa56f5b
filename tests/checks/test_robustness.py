"""No evidence, however broken, makes a check crash: it becomes SKIP or ERROR with a reason."""

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doctor.model import Intent
from doctor.checks.runner import run_checks
from doctor.evidence import FAILED, MISSING, NOT_A_FILE, PERMISSION, TIMEOUT
from doctor.probes.plan import Options, collect
from tests.support import hosts, simhost

INTENTS = (Intent(), Intent(devices=(0, 1), tp=2, image="quay.io/ascend/vllm-ascend:v0.9.0rc2"))


@pytest.fixture(scope="module")
def healthy(tmp_path_factory):
    spec = hosts.atlas_800i_a2_healthy()
    root = simhost.build(tmp_path_factory.mktemp("host"), spec)
    return collect(Options(root=str(root), devices=(0, 1), env=simhost.probe_env(root, spec)))


def crashed(evidence):
    return [f for intent in INTENTS for f in run_checks(evidence, intent)
            if "the check itself failed" in f.summary]


def with_observation(evidence, key, **changes):
    from doctor.evidence import Evidence

    copy = Evidence(observations=dict(evidence.observations), meta=dict(evidence.meta))
    copy.add(replace(evidence.get(key), **changes))
    return copy


def test_healthy_evidence_has_no_crash(healthy):
    assert crashed(healthy) == []


@pytest.mark.parametrize("status", [MISSING, NOT_A_FILE, PERMISSION, TIMEOUT, FAILED])
def test_every_probe_failing_in_every_way(healthy, status):
    for key in healthy.observations:
        assert crashed(with_observation(healthy, key, status=status, output="")) == [], key


@pytest.mark.parametrize("output", ["", "\x00\x01\x02", "null", "[]", "{}", '{"a": [1, {"b": null}]}',
                                    "\ufffd" * 40, "+---+\n| x |\n", '"string"', "42"])
def test_every_probe_returning_junk(healthy, output):
    for key in healthy.observations:
        assert crashed(with_observation(healthy, key, output=output)) == [], key


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_truncated_or_mutated_outputs(healthy, data):
    key = data.draw(st.sampled_from(sorted(healthy.observations)))
    text = healthy.get(key).output
    cut = data.draw(st.integers(0, max(len(text), 0)))
    noise = data.draw(st.text(max_size=20))
    assert crashed(with_observation(healthy, key, output=text[:cut] + noise)) == [], key
