"""`ascend-doctor smoke` as a child process against hostile servers on 127.0.0.1 and hostile arguments.

Each case holds the run to its exit code, no traceback, bounded time and memory, no raw escape
sequence, and never printing the API key, which travels only in the environment.
"""

from __future__ import annotations

import json

import pytest

from doctor.smoke import http
from tests.hostile.harness import assert_sane, doctor
from tests.smoke import servers
from tests.smoke.servers import Mute, Server, but, vllm

KEY = "sk-hostile-0123456789"


def smoke(url: str, *extra: str, wait: float = 2, timeout: float = 30):
    return doctor("smoke", "--url", url, "--model", "tiny", "--wait", f"{wait:g}", "--api-key-env", "SMOKE_KEY",
                  *extra, env={"SMOKE_KEY": KEY}, timeout=timeout)


def test_headers_trickled_a_byte_a_second_end_at_the_wait():
    with Server(servers.trickled_headers) as server:
        ran = smoke(server.url, wait=5)
    assert_sane(ran, 1, seconds=5 + 3, forbidden=(KEY,))
    assert "FAIL  health" in ran.out and "no complete answer within 5 s" in ran.out


def test_a_body_trickled_a_byte_a_second_ends_at_the_wait():
    with Server(servers.trickled_body) as server:
        ran = smoke(server.url, wait=2)
    assert_sane(ran, 1, seconds=2 + 3, forbidden=(KEY,))
    assert "no complete answer within 2 s" in ran.out


def test_a_server_that_accepts_and_never_answers():
    with Server(servers.silent) as server:
        ran = smoke(server.url, wait=2)
    assert_sane(ran, 1, seconds=2 + 3, forbidden=(KEY,))
    with Mute() as mute:
        ran = smoke(mute.url, wait=2)
    assert_sane(ran, 1, seconds=2 + 3, forbidden=(KEY,))


def test_a_closed_port():
    ran = smoke(f"http://127.0.0.1:{servers.closed_port()}", wait=1)
    assert_sane(ran, 1, seconds=1 + 3, forbidden=(KEY,))
    assert "Connection refused" in ran.out


def test_a_redirect_to_another_port_does_not_take_the_key_there():
    with Server(vllm()) as other, Server(but("/v1/models", servers.redirect(f"{other.url}/v1/models"))) as server:
        ran = smoke(server.url)
    assert_sane(ran, 1, seconds=10, forbidden=(KEY,))
    assert other.requests == [] and "another origin; not followed" in ran.out


def test_redirects_within_the_service_are_followed_with_the_key():
    real = vllm()

    def moved(client, request):       # everything moved from /old/... to /...
        if request.path.startswith("/old/"):
            client.answer(308, b"", {"Location": request.path[len("/old"):]})
        else:
            real(client, request)

    with Server(moved) as server:
        ran = smoke(server.url + "/old")
    assert_sane(ran, 0, seconds=10, forbidden=(KEY,))
    assert [r.path for r in server.requests][-2:] == ["/old/v1/chat/completions", "/v1/chat/completions"]
    assert {r.headers.get("authorization") for r in server.requests} == {f"Bearer {KEY}"}


def test_a_gigabyte_body_is_cut_at_the_cap():
    with Server(but("/v1/models", servers.huge_body)) as server:
        ran = smoke(server.url)
        as_json = smoke(server.url, "--json")
    assert_sane(ran, 1, seconds=10, forbidden=(KEY,))
    assert "the body is larger than 512 KiB; not read further" in ran.out
    assert_sane(as_json, 1, seconds=10, forbidden=(KEY,))
    assert json.loads(as_json.out)["ok"] is False


def test_json_that_swells_when_parsed_stays_under_the_memory_limit():
    item = b'{"":[]},'                  # a few bytes of text, two objects in memory
    body = b"[" + item * (http.MAX_BODY // len(item) - 1) + b"{}]"
    with Server(but("/v1/models", servers.answering(200, body))) as server:
        ran = smoke(server.url)
    assert_sane(ran, 1, seconds=10, forbidden=(KEY,))
    assert "/v1/models lists nothing" in ran.out


@pytest.mark.parametrize("body, says", [
    (servers.NESTED, "nested too deeply"),
    (b"<html><body>502 Bad Gateway</body></html>", "the body is not JSON"),
    (b"\xff\xfe\x00{\x00}", "the body is not UTF-8 text"),
], ids=["nested", "html", "not-utf8"])
def test_unreadable_answers_fail_the_step(body, says):
    with Server(but("/v1/chat/completions", servers.answering(200, body))) as server:
        ran = smoke(server.url)
    assert_sane(ran, 1, seconds=10, forbidden=(KEY,))
    assert "FAIL  chat (text)" in ran.out and says in ran.out


def test_escape_sequences_and_an_echoed_key_are_not_printed():
    def echo(client, request):
        text = f"\x1b[2J\x1b]0;pwned\x07 unauthorized: {request.headers['authorization']}\r\nPASS  models"
        client.answer(401, text.encode())

    with Server(but("/v1/models", echo)) as server:
        ran = smoke(server.url)
    assert_sane(ran, 1, seconds=10, forbidden=(KEY,))
    assert "Bearer <redacted>" in ran.out and ran.out.count("\n") == 2


@pytest.mark.parametrize("url, says", [
    ("http://127.0.0.1:99999", "port must be a number from 1 to 65535"),
    ("http://127.0.0.1:8000/health\r\nX-Injected: 1", "whitespace or a control character"),
    ("http://127.0.0.1:8000/\x1b[2J", "whitespace or a control character"),
    (f"http://admin:{KEY}@127.0.0.1:8000", "--api-key-env"),
    ("http://", "names no host"),
])
def test_bad_urls_are_usage_errors(url, says):
    ran = smoke(url)
    assert_sane(ran, 2, seconds=10, forbidden=(KEY,))
    assert says in ran.err


def test_a_key_with_a_newline_is_refused_without_showing_it():
    ran = doctor("smoke", "--url", "http://127.0.0.1:8000", "--model", "tiny", "--api-key-env", "SMOKE_KEY",
                 env={"SMOKE_KEY": KEY + "\n"})
    assert_sane(ran, 2, seconds=10, forbidden=(KEY,))
    assert "SMOKE_KEY" in ran.err
