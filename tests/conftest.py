import io
import os

import pytest

from doctor.cli import main
from doctor.runtime import Runtime
from tests.fleet.support import fleets, sshhosts


class Ran:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def cli():
    def run(*argv, environ=None, stdin=""):
        out, err = io.StringIO(), io.StringIO()
        stdin_stream = io.TextIOWrapper(io.BytesIO(stdin if isinstance(stdin, bytes) else stdin.encode()))
        runtime = Runtime(stdout=out, stderr=err, stdin=stdin_stream, environ=environ or {"PATH": "/nonexistent"})
        code = main(list(argv), runtime)
        return Ran(code, out.getvalue(), err.getvalue())
    return run


# ---- the simulated SSH fleet (tests/fleet/support), one per session for tests/fleet and tests/e2e ----------


def missing(reason: str):
    """A prerequisite is missing: a failure in CI, a skip with the reason elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"fleet prerequisite missing in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_fleet(tmp_path_factory):
    """The session's one fleet: fleets.mixed() and, where this machine can run docker hosts, fleets.deploy_hosts().

    Use it through `fleet` or `deploy_fleet`. Docker hosts cost little when unused (their dockerd
    starts with the host; see tests/fleet/support/README.md for the figures).
    """
    reason = sshhosts.unavailable_reason()
    if reason:
        missing(reason)
    deploy = fleets.deploy_hosts() if sshhosts.docker_unavailable_reason() is None else []
    # Another pytest run on this machine may hold the fleet (its names are fixed): wait for it.
    with sshhosts.Fleet(fleets.mixed() + deploy, tmp_path_factory.mktemp("fleet"), lock_wait_s=600) as running:
        yield running


@pytest.fixture(scope="session")
def fleet(shared_fleet):
    """The hosts of fleets.mixed(): iteration and `inventory` cover them alone (sshhosts.FleetView)."""
    return shared_fleet.view([host.name for host in fleets.mixed()], "mixed")


@pytest.fixture(scope="session")
def deploy_fleet(shared_fleet):
    """dp-1, dp-2, dp-3 (fleets.deploy_hosts()): each its own Docker engine, reached as ops with sudo.

    `write_inventory(path, names, host_vars, group_vars)` for a playbook, `docker(name, ...)`, `run(name, cmd)`,
    `copy_in(name, dir, host_path)`; images at sshhosts.REGISTRY (and AUTH_REGISTRY with a login).
    """
    reason = sshhosts.docker_unavailable_reason()
    if reason:
        missing(reason)
    return shared_fleet.view(list(fleets.DEPLOY_HOSTS), "deploy")


def pytest_collection_modifyitems(config, items):
    """The deploy tests run last: the timing tests of Ctrl-C (tests/hostile, tests/fleet) must not share
    the machine with what twenty vLLM starts and killed plays leave behind."""
    items.sort(key=lambda item: "tests/e2e/" in item.nodeid or item.nodeid.startswith("e2e/"))
