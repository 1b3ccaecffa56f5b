"""A small JSON-over-HTTP client on urllib; every failure becomes a `Reply` with a reason."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass


@dataclass(frozen=True)
class Reply:
    status: int | None          # None: no HTTP answer at all
    body: str
    seconds: float
    error: str = ""             # why there was no usable answer

    @property
    def ok(self) -> bool:
        return self.status == 200

    def json(self) -> object | None:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def request(url: str, payload: dict | None = None, api_key: str | None = None, timeout: float = 30.0) -> Reply:
    data = None if payload is None else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"} if data else {}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    started = time.monotonic()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=timeout) as r:
            return Reply(r.status, r.read().decode("utf-8", "replace"), time.monotonic() - started)
    except urllib.error.HTTPError as exc:
        body = exc.read().decode("utf-8", "replace") if exc.fp else ""
        return Reply(exc.code, body, time.monotonic() - started, f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Reply(None, "", time.monotonic() - started, str(reason))
