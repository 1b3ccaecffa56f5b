"""The real parts the end-to-end tests need: a docker engine, the stand-in image in the local
registry, a tiny model, and a simulated Ascend host tree for the device nodes and driver files.

.ci/run starts them (tests/e2e/support/*.sh). Where they are missing, the tests fail under CI
and are skipped, with the reason, elsewhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from tests.e2e import harness
from tests.support import hosts, simhost

DRIVER_DIRS = ("/usr/local/dcmi", "/usr/local/Ascend/driver/lib64", "/root/.cache")


def missing(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"end-to-end prerequisite missing in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def engine():
    if not shutil.which("docker") or harness.docker("info").returncode != 0:
        missing("no docker engine answers (run tests/e2e/support/start-docker.sh)")
    if not shutil.which("ansible-playbook"):
        missing("ansible-playbook is not installed (pip install ansible-core)")
    try:
        catalog = harness.get_json("http://127.0.0.1:5000/v2/_catalog")
    except OSError:
        catalog = {}
    if "ascend/vllm-ascend" not in catalog.get("repositories", []):
        missing("the stand-in image is not in the local registry (run tests/e2e/support/build-standin-image.sh)")
    return True


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, engine):
    out = tmp_path_factory.mktemp("models") / "tiny"
    script = harness.REPO / "tests" / "e2e" / "support" / "make_tiny_model.py"
    done = subprocess.run([sys.executable, str(script), str(out)], capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        missing(f"cannot generate the tiny model: {done.stderr[-500:]}")
    return out


@pytest.fixture(scope="session")
def ascend_host(tmp_path_factory, engine) -> Path:
    """A healthy 64 GB A2 host tree: real /dev/davinciN nodes, driver files, and an npu-smi that shows the
    process and HBM of every container serving on a chip, as a real one does (tests/support/live_npu_smi.py)."""
    spec = replace(hosts.atlas_800i_a2_64g(), directories=DRIVER_DIRS, docker=None, npu_smi_mode="live")
    return simhost.build(tmp_path_factory.mktemp("ascend-host"), spec)


@pytest.fixture
def clean(engine):
    """Each test starts and ends without the tests' containers."""
    harness.remove_containers("e2e-")
    yield
    harness.remove_containers("e2e-")
