"""Before lm-eval starts: the service answers GET /v1/models, within a bound, and serves the model."""

from __future__ import annotations

from dataclasses import dataclass

from doctor.smoke.http import NotJSON, request

MODELS_TIMEOUT_S = 15.0
MAX_LISTED = 20


@dataclass(frozen=True)
class Listing:
    models: tuple[str, ...] = ()
    error: str = ""             # the service could not be asked: no answer, not 200, not a listing

    def serves(self, model: str) -> bool:
        return model in self.models

    def listed(self) -> str:
        shown = ", ".join(repr(m[:80]) for m in self.models[:MAX_LISTED])
        more = f" and {len(self.models) - MAX_LISTED} more" if len(self.models) > MAX_LISTED else ""
        return (shown + more) or "no model"


def served_models(url: str, api_key: str | None, timeout: float = MODELS_TIMEOUT_S) -> Listing:
    endpoint = url.rstrip("/") + "/v1/models"
    reply = request(endpoint, api_key=api_key, timeout=timeout)
    if reply.status is None:
        return Listing(error=f"GET {endpoint}: no answer ({reply.error})")
    if not reply.ok:
        return Listing(error=f"GET {endpoint}: HTTP {reply.status}{', ' + reply.error if reply.error else ''}")
    try:
        listing = reply.json()
    except NotJSON as exc:
        return Listing(error=f"GET {endpoint}: {exc}")
    data = listing.get("data") if isinstance(listing, dict) else None
    if not isinstance(data, list):
        return Listing(error=f"GET {endpoint}: the answer has no \"data\" list of models")
    return Listing(tuple(m["id"] for m in data if isinstance(m, dict) and isinstance(m.get("id"), str)))
