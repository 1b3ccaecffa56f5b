"""Every check, in report order. Codes are stable; a retired code is never reused."""

from __future__ import annotations

from doctor.checks import cann, devices, driver, environment, network, service
from doctor.checks.base import Check

CATALOG: tuple[Check, ...] = (
    *devices.CHECKS,
    *driver.CHECKS,
    *cann.CHECKS,
    *environment.CHECKS,
    *network.CHECKS,
    *service.CHECKS,
)
RETIRED_CODES: tuple[str, ...] = ()


def by_code(code: str) -> Check | None:
    wanted = code.strip().upper()
    return next((c for c in CATALOG if c.code == wanted or c.name == code.strip().lower()), None)
