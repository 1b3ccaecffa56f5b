"""The bundled examples say what the README promises, on any machine."""

import json
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
A3_IMAGE = "quay.io/ascend/vllm-ascend:v0.11.0rc0"

CASES = [
    ("atlas-800i-a2-healthy", ["--tp", "2"], 0, {}),
    ("atlas-800-a3-busy", ["--tp", "2", "--image", A3_IMAGE], 1, {"DEV006": "FAIL", "ENV002": "FAIL"}),
    ("atlas-300i-duo", ["--image", "quay.io/ascend/vllm-ascend:v0.9.0rc2-310p"], 0, {"ENV002": "PASS"}),
    ("alarm-chip", [], 1, {"DEV004": "FAIL"}),
    ("chip-held-by-another-container", [], 1, {"DEV003": "FAIL", "DEV004": "SKIP"}),
]


@pytest.mark.parametrize("name, args, code, statuses", CASES, ids=[c[0] for c in CASES])
def test_example_verdicts(cli, name, args, code, statuses):
    ran = cli("check", "--snapshot", str(EXAMPLES / name), *args, "--json")
    report = json.loads(ran.out)
    assert ran.code == code, [(f["code"], f["status"], f["summary"]) for f in report["findings"]
                              if f["status"] in ("FAIL", "ERROR")]
    found = {f["code"]: f["status"] for f in report["findings"]}
    for check, status in statuses.items():
        assert found[check] == status


def test_every_example_is_documented():
    readme = (EXAMPLES / "README.md").read_text()
    for directory in EXAMPLES.iterdir():
        if directory.is_dir():
            assert f"## {directory.name}" in readme
