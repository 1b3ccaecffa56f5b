"""The simulated SSH fleet for every test under tests/fleet: the session fixtures `fleet` and
`deploy_fleet` live in tests/conftest.py, so that tests/e2e shares the same fleet.

It needs root, iproute2, util-linux, openssh and sudo (tests/fleet/support/install-ssh.sh); docker
hosts also need a docker engine's binaries and docker-registry (tests/e2e/support/start-*.sh).
Where they are missing the fleet tests fail under CI and are skipped, with the reason, elsewhere.
"""

from __future__ import annotations

from tests.conftest import missing

__all__ = ["missing"]


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "fleet: uses the simulated SSH fleet (tests/fleet/support/sshhosts.py)")
