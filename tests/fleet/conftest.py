"""The simulated SSH fleet, started once for every test under tests/fleet.

It needs root, iproute2, util-linux, openssh and sudo (tests/fleet/support/install-ssh.sh).
Where they are missing the fleet tests fail under CI and are skipped, with the reason, elsewhere.
"""

from __future__ import annotations

import os

import pytest

from tests.fleet.support import fleets, sshhosts


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "fleet: uses the simulated SSH fleet (tests/fleet/support/sshhosts.py)")


def missing(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"fleet prerequisite missing in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def fleet(tmp_path_factory):
    """The hosts of tests/fleet/support/fleets.py's mixed(), up for the whole session."""
    reason = sshhosts.unavailable_reason()
    if reason:
        missing(reason)
    # Another pytest run on this machine may hold the fleet (its names are fixed): wait for it.
    with sshhosts.Fleet(fleets.mixed(), tmp_path_factory.mktemp("fleet"), lock_wait_s=600) as running:
        yield running
