"""Progress on long waits: quiet when quick, a line now and then (or a live line), the outcome said."""

from __future__ import annotations

import io

from doctor.smoke.run import Smoke, wait_for_health
from doctor.waiting import Waiting


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_quick_wait_says_nothing():
    clock, out = Clock(), io.StringIO()
    waiting = Waiting(out, live=False, what="GET /health", limit_s=600, clock=clock)
    clock.now += 1.5
    waiting.update("refused")
    waiting.finish("answered 200")
    assert out.getvalue() == ""


def test_plain_lines_come_every_ten_seconds_or_when_the_answer_changes():
    clock, out = Clock(), io.StringIO()
    waiting = Waiting(out, live=False, what="GET /health", limit_s=600, clock=clock)
    for _ in range(25):                       # 25 s of polls once a second, refused until 20 s, then 503
        clock.now += 1
        waiting.update("HTTP 503" if clock.now - 1000 > 20 else "connection refused")
    waiting.finish("answered 200")
    lines = out.getvalue().splitlines()
    assert lines == ["ascend-doctor: GET /health: waiting 2 s of 600 s (connection refused)",
                     "ascend-doctor: GET /health: waiting 12 s of 600 s (connection refused)",
                     "ascend-doctor: GET /health: waiting 21 s of 600 s (HTTP 503)",
                     "ascend-doctor: GET /health: answered 200 after 25 s"]


def test_a_terminal_gets_one_line_rewritten_in_place():
    clock, out = Clock(), io.StringIO()
    waiting = Waiting(out, live=True, what="GET /health", limit_s=60, clock=clock)
    for _ in range(4):
        clock.now += 1
        waiting.update("refused")
    waiting.finish("gave up")
    text = out.getvalue()
    assert text.count("\r") == 4 and text.count("\n") == 1 and text.endswith("\n") and text.rstrip().endswith("gave up after 4 s")


def test_the_smoke_wait_reports_what_it_waits_for():
    import socket

    with socket.socket() as s:                 # a port nothing listens on: connection refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    clock, out = Clock(), io.StringIO()
    url = f"http://127.0.0.1:{port}"
    smoke = Smoke(url=url, model="m", wait_s=30, waiting=Waiting(out, False, f"GET {url}/health", 30, clock=clock))
    step = wait_for_health(smoke, sleep=clock.sleep, clock=clock)
    assert not step.ok
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"ascend-doctor: GET {url}/health: waiting 2 s of 30 s (")
    assert "refused" in lines[0] and lines[-1] == f"ascend-doctor: GET {url}/health: gave up after 30 s"
