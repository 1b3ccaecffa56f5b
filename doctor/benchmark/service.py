"""Before anything runs: the service answers GET /v1/models and serves the model asked for."""

from __future__ import annotations

from doctor.benchmark.runners import CannotMeasure
from doctor.errors import UsageError
from doctor.printable import shortened
from doctor.smoke.http import NotJSON, request

MODELS_TIMEOUT_S = 10.0


def served_model(url: str, model: str, timeout_s: float = MODELS_TIMEOUT_S) -> dict:
    """The /v1/models entry of `model`; CannotMeasure when the service does not answer, UsageError
    (listing what it serves) when it does not serve that model."""
    endpoint = url.rstrip("/") + "/v1/models"
    reply = request(endpoint, timeout=timeout_s)
    if reply.status is None:
        raise CannotMeasure(f"{shortened(url)} does not answer: {shortened(reply.error)}")
    if not reply.ok:
        detail = reply.error or shortened(reply.body, 200)
        raise CannotMeasure(f"GET {shortened(endpoint)} answered HTTP {reply.status}: {detail}")
    try:
        listing = reply.json()
    except NotJSON as exc:
        raise CannotMeasure(f"GET {shortened(endpoint)}: {exc}") from None
    models = listing.get("data") if isinstance(listing, dict) else None
    entries = [m for m in models or [] if isinstance(m, dict) and isinstance(m.get("id"), str)]
    for entry in entries:
        if entry["id"] == model:
            return entry
    served = ", ".join(repr(shortened(m["id"], 80)) for m in entries[:20]) or "no model"
    raise UsageError(f"{shortened(url)} does not serve {shortened(model)!r}; it serves {served}")
