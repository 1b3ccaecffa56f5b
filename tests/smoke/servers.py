"""Badly behaved HTTP servers on 127.0.0.1 for the smoke client's tests.

`Server(behave)` records every request it reads and answers it by calling
`behave(client, request)`; `client` takes raw bytes. Behaviours stop when the client
goes away or the server is closed, so none outlives its test.
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Client:
    """The client of one connection, for a behaviour to write to."""
    sock: socket.socket
    stop: threading.Event

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def answer(self, status: int, body: bytes | dict | list, headers: dict[str, str] | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(data)}", "Connection: close",
                 *(f"{k}: {v}" for k, v in (headers or {}).items())]
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode() + data)

    def trickle(self, data: bytes, every: float = 1.0) -> None:
        """One byte every `every` seconds, repeating `data`, until the client or the server goes."""
        while not self.stop.is_set():
            for byte in data:
                self.send(bytes([byte]))
                if self.stop.wait(every):
                    return

    def hold(self) -> None:
        """Say nothing until the server is closed."""
        self.stop.wait()


@dataclass
class Server:
    behave: object
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self):
        self.stop = threading.Event()
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                request = _read_request(self.request)
                if request is None:
                    return
                server.requests.append(request)
                try:
                    server.behave(Client(self.request, server.stop), request)
                except OSError:          # the client hung up, as it should on a hostile answer
                    pass

        self.tcp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.tcp.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.tcp.server_address[1]}"
        threading.Thread(target=self.tcp.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.stop.set()
        self.tcp.shutdown()
        self.tcp.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _read_request(sock: socket.socket) -> Request | None:
    sock.settimeout(10)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        first, *lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
        while len(body) < int(headers.get("content-length", 0)):
            body += sock.recv(65536)
    except (OSError, ValueError):
        return None
    method, path, _ = first.split(" ", 2)
    return Request(method, path, headers, body)


def vllm(models=("tiny",), answer: str = "blue"):
    """A healthy vLLM: /health, /v1/models listing `models`, chat completions answering `answer`."""
    def behave(client: Client, request: Request) -> None:
        if request.path == "/health":
            client.answer(200, b"")
        elif request.path == "/v1/models":
            client.answer(200, {"object": "list", "data": [{"id": m} for m in models]})
        elif request.path == "/v1/chat/completions":
            client.answer(200, {"choices": [{"message": {"role": "assistant", "content": answer}}]})
        else:
            client.answer(404, {"error": "not found"})
    return behave


def but(path: str, special, otherwise=None):
    """`special(client, request)` for `path`, a healthy vLLM (or `otherwise`) for the rest."""
    otherwise = otherwise or vllm()

    def behave(client: Client, request: Request) -> None:
        (special if request.path == path else otherwise)(client, request)
    return behave


def trickled_headers(client: Client, request: Request) -> None:
    client.send(b"HTTP/1.1 200 OK\r\n")
    client.trickle(b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n")


def trickled_body(client: Client, request: Request) -> None:
    client.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
    client.trickle(b"{")


def silent(client: Client, request: Request) -> None:
    client.hold()


def huge_body(client: Client, request: Request, size: int = 1 << 30) -> None:
    """A 1 GiB JSON string, generated as it is sent."""
    client.send(f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n".encode() + b'"')
    chunk = b"a" * 65536
    for _ in range((size - 2) // len(chunk)):
        if client.stop.is_set():
            return
        client.send(chunk)


def answering(status: int, body: bytes | dict | list, headers: dict[str, str] | None = None):
    def behave(client: Client, request: Request) -> None:
        client.answer(status, body, headers)
    return behave


def redirect(location: str, status: int = 302):
    return answering(status, b"", {"Location": location})


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mute:
    """A socket that listens and never accepts: connecting works, nothing is ever answered."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()


NESTED = b"[" * 100_000 + b"]" * 100_000

