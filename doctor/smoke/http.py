"""A small JSON-over-HTTP client for servers that may be hostile; every failure becomes a `Reply`.

Each request has one deadline for name lookup, connect, headers and body together, reads at
most MAX_BODY bytes, and follows at most MAX_REDIRECTS redirects, only within the origin it
started at, so the API key is never sent to another host.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from doctor.bounded import human_size

# Parsed JSON can take thirty times the memory of its text ([{"": []}, ...]); /health, an answer
# of a few tokens and a /v1/models listing hundreds of models are far smaller than this.
MAX_BODY = 512 * 1024
MAX_REDIRECTS = 3
CHUNK = 64 * 1024
DEFAULT_PORTS = {"http": 80, "https": 443}


class NotJSON(ValueError):
    """The body cannot be read as JSON; the message says why."""


@dataclass(frozen=True)
class Reply:
    status: int | None          # None: no HTTP answer at all
    data: bytes                 # the body, at most MAX_BODY bytes of it
    seconds: float
    error: str = ""             # why the answer is unusable, even with a status (a body too large)

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.error

    @property
    def body(self) -> str:
        return self.data.decode("utf-8", "replace")

    def json(self) -> object:
        """The body as JSON; NotJSON if it is not."""
        try:
            return json.loads(self.data.decode("utf-8"))
        except UnicodeDecodeError:
            raise NotJSON("the body is not UTF-8 text") from None
        except RecursionError:
            raise NotJSON("the body is JSON nested too deeply to read") from None
        except ValueError as exc:
            raise NotJSON(f"the body is not JSON ({exc})") from None


@dataclass(frozen=True)
class _Answer:
    status: int | None = None
    data: bytes = b""
    location: str | None = None
    error: str = ""


def request(url: str, payload: dict | None = None, api_key: str | None = None, timeout: float = 30.0) -> Reply:
    """GET `url`, or POST `payload` as JSON, within `timeout` seconds all told, redirects included."""
    started = time.monotonic()
    deadline = started + timeout
    method, data = ("GET", None) if payload is None else ("POST", json.dumps(payload).encode())
    for _ in range(MAX_REDIRECTS + 1):
        answer = _exchange_within(deadline, timeout, url, method, data, api_key)
        if answer.status not in (301, 302, 303, 307, 308) or not answer.location:
            return Reply(answer.status, answer.data, time.monotonic() - started, answer.error)
        target = _same_origin_target(url, answer.location)
        if target is None:
            return Reply(answer.status, b"", time.monotonic() - started,
                         f"redirected to {answer.location[:200]}, another origin; "
                         "not followed, as that would carry the API key there")
        if answer.status == 303 or (answer.status in (301, 302) and method == "POST"):
            method, data = "GET", None     # as browsers and urllib do
        url = target
    return Reply(answer.status, b"", time.monotonic() - started, f"more than {MAX_REDIRECTS} redirects")


def _exchange_within(deadline: float, timeout: float, url: str, method: str, data: bytes | None,
                     api_key: str | None) -> _Answer:
    seconds = deadline - time.monotonic()
    if seconds <= 0:
        return _Answer(error=f"no complete answer within {round(timeout, 1):g} s")
    exchange = _Exchange(url, method, data, _headers(data, api_key), seconds)
    exchange.start()
    exchange.join(seconds)
    if exchange.is_alive():
        exchange.abandon()
        return _Answer(error=f"no complete answer within {round(timeout, 1):g} s")
    return exchange.answer


def _headers(data: bytes | None, api_key: str | None) -> dict[str, str]:
    headers = {"Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    return headers


class _Exchange(threading.Thread):
    """One request and its answer on a worker thread, so a deadline can cut it off anywhere.

    A socket timeout bounds each read, not a whole answer trickled a byte at a time, and
    nothing at all bounds the name lookup; the caller waits only until the deadline instead.
    """

    def __init__(self, url: str, method: str, data: bytes | None, headers: dict[str, str], seconds: float):
        super().__init__(daemon=True)    # one stuck in a name lookup must not keep the process alive
        self.url, self.method, self.data, self.headers, self.seconds = url, method, data, headers, seconds
        self.connection: http.client.HTTPConnection | None = None
        self.abandoned = False
        self.answer = _Answer(error="the request ended without an answer")

    def run(self) -> None:
        try:
            self.answer = self._talk()
        except (http.client.HTTPException, OSError, ValueError) as exc:
            self.answer = _Answer(error=_reason(exc))
        finally:
            if self.connection is not None:
                self.connection.close()

    def abandon(self) -> None:
        """Stop a read that is blocked now, and any later one."""
        self.abandoned = True
        sock = self.connection.sock if self.connection is not None else None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _talk(self) -> _Answer:
        parts = urlsplit(self.url)
        self.connection = _connection(parts, self.seconds)
        self.connection.connect()
        if self.abandoned:     # the deadline passed while connecting, before abandon() could see a socket
            raise TimeoutError("timed out")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.connection.request(self.method, path, body=self.data, headers=self.headers)
        response = self.connection.getresponse()
        data, error = self._read_body(response)
        return _Answer(response.status, data, response.getheader("Location"), error)

    def _read_body(self, response: http.client.HTTPResponse) -> tuple[bytes, str]:
        parts, size = [], 0
        while size <= MAX_BODY and not self.abandoned:
            chunk = response.read(min(CHUNK, MAX_BODY + 1 - size))
            if not chunk:
                break
            parts.append(chunk)
            size += len(chunk)
        data = b"".join(parts)
        if size > MAX_BODY:
            return data[:MAX_BODY], f"the body is larger than {human_size(MAX_BODY)}; not read further"
        return data, ""


def _connection(parts, seconds: float) -> http.client.HTTPConnection:
    if parts.scheme == "https":
        return http.client.HTTPSConnection(parts.hostname, parts.port, timeout=seconds,
                                           context=ssl.create_default_context())
    if parts.scheme == "http":
        return http.client.HTTPConnection(parts.hostname, parts.port, timeout=seconds)
    raise ValueError(f"unsupported URL scheme {parts.scheme!r}")


def _reason(exc: Exception) -> str:
    text = str(exc)
    if isinstance(exc, OSError):          # "[Errno 111] Connection refused", "timed out" ...
        return text or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _same_origin_target(url: str, location: str) -> str | None:
    """`location` resolved against `url` if it keeps url's scheme, host and port; None otherwise."""
    try:
        target = urljoin(url, location)
        return target if _origin(target) == _origin(url) else None
    except ValueError:        # a port out of range, a broken [IPv6] host
        return None


def _origin(url: str) -> tuple:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname, parts.port or DEFAULT_PORTS.get(parts.scheme)
