"""The real parts the end-to-end tests need: the controller's docker engine and registry with the
stand-in image, a tiny model, and the fleet's deploy hosts (dp-1..3: simulated Atlas 800I A2 hosts
reached over SSH as a sudo user, each with its own docker engine and an npu-smi that shows the
containers serving on its chips).

.ci/run starts them (tests/e2e/support/*.sh, tests/fleet/support/install-ssh.sh). Where they are
missing, the tests fail under CI and are skipped, with the reason, elsewhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.e2e import harness


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
    if harness.IMAGE_PATH not in catalog.get("repositories", []):
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
def site(deploy_fleet, tiny_model, tmp_path_factory) -> harness.Site:
    """The deploy hosts with the tiny model at /data/models/tiny; no service runs on them yet."""
    from tests.fleet.support import sshhosts

    for host in ("dp-1", "dp-2", "dp-3"):
        deploy_fleet.copy_in(host, tiny_model, harness.MODEL_ON_HOST)
    image = f"{sshhosts.REGISTRY}/{harness.IMAGE_PATH}:{harness.STANDIN_TAG}"
    return harness.Site(deploy_fleet, tmp_path_factory.mktemp("site"), image)


SERVED_NAME = "tiny"
# Overridable so that two checkouts can run these tests side by side on one engine.
SERVED_PORT = int(os.environ.get("ASCEND_DOCTOR_E2E_SERVED_PORT", "18950"))


@pytest.fixture(scope="session")
def served(tiny_model, engine):
    """Real vLLM (the stand-in image on the controller's engine) serving the tiny model, shared by the
    tests that measure a running service. Yields the container name, URL, served name and the model's
    path inside the container."""
    name = f"adoc-e2e-served-{SERVED_PORT}"
    harness.docker("rm", "--force", name)
    started = harness.docker(
        "run", "--detach", "--name", name, "--shm-size", "1g", "--publish", f"127.0.0.1:{SERVED_PORT}:8000",
        "--volume", f"{tiny_model}:{harness.MODEL_ON_HOST}:ro",
        *[f"--env={k}={v}" for k, v in harness.CPU_ENV.items()],
        harness.IMAGE, "vllm", "serve", harness.MODEL_ON_HOST, "--served-model-name", SERVED_NAME,
        "--max-model-len", "512", *harness.CPU_ARGS)
    if started.returncode != 0:
        missing(f"cannot start the stand-in image: {started.stderr[-500:]}")
    url = f"http://127.0.0.1:{SERVED_PORT}"
    if not harness.wait_healthy(url, timeout=600):
        logs = harness.docker("logs", "--tail", "40", name).stderr
        harness.docker("rm", "--force", name)
        pytest.fail(f"the served tiny model never answered /health:\n{logs}")
    yield harness.Served(container=name, url=url, model=SERVED_NAME, model_path=harness.MODEL_ON_HOST)
    harness.docker("rm", "--force", name)
