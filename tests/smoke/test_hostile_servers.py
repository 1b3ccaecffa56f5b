"""The smoke client against servers that trickle, redirect, flood or garble: bounded, and the key stays home."""

import dataclasses
import time

import pytest

from doctor.commands.smoke import checked_url
from doctor.errors import UsageError
from doctor.smoke import http
from doctor.smoke.http import NotJSON, request
from doctor.smoke.run import Smoke, run
from tests.smoke import servers
from tests.smoke.servers import Mute, Server, but, vllm


@pytest.mark.parametrize("behave", [servers.trickled_headers, servers.trickled_body, servers.silent])
def test_one_deadline_covers_the_whole_request(behave):
    with Server(behave) as server:
        started = time.monotonic()
        reply = request(server.url + "/health", timeout=1.5)
    assert time.monotonic() - started < 1.5 + 1
    assert reply.status is None and not reply.ok and "no complete answer within 1.5 s" in reply.error


def test_a_server_that_never_accepts_is_cut_off_too():
    with Mute() as mute:
        started = time.monotonic()
        reply = request(mute.url + "/health", timeout=1)
    assert time.monotonic() - started < 2 and "no complete answer within 1 s" in reply.error


def test_the_wait_for_health_has_one_deadline():
    with Server(servers.trickled_headers) as server:
        result = run(Smoke(server.url, "tiny", wait_s=2))
    health = result.steps[0]
    assert not result.ok and health.seconds < 2 + 1
    assert "did not answer 200 within 2 s (no complete answer within 2 s" in health.detail


@pytest.mark.parametrize("path", ["/v1/models", "/v1/chat/completions"])
def test_later_steps_are_bounded_by_the_request_timeout(path):
    with Server(but(path, servers.trickled_body)) as server:
        started = time.monotonic()
        result = run(Smoke(server.url, "tiny", wait_s=2, request_timeout_s=1))
    assert not result.ok and time.monotonic() - started < 1 + 2
    assert "no answer (no complete answer within 1 s" in result.steps[-1].detail


@pytest.mark.parametrize("elsewhere", [
    lambda other, port: f"{other}/v1/models",                        # another port
    lambda other, port: f"https://127.0.0.1:{port}/v1/models",       # another scheme
    lambda other, port: f"http://localhost:{port}/v1/models",        # another host name
])
def test_a_redirect_to_another_origin_is_not_followed_and_gets_no_key(elsewhere):
    with Server(vllm()) as other, Server(vllm()) as server:
        port = server.url.rsplit(":", 1)[1]
        location = elsewhere(other.url, port)
        server.behave = but("/v1/models", servers.redirect(location))
        result = run(Smoke(server.url, "tiny", wait_s=2, api_key="s3cret-key"))
    models = result.steps[1]
    assert not result.ok and f"redirected to {location}" in models.detail and "not followed" in models.detail
    assert other.requests == [] and [r.path for r in server.requests] == ["/health", "/v1/models"]


def test_same_origin_redirects_are_followed_with_the_key_and_the_body():
    moved = {"/health": "/ready", "/v1/models": "/models", "/v1/chat/completions": "/chat"}
    real = vllm()

    def behave(client, req):
        if req.path in moved:
            client.answer(307, b"", {"Location": moved[req.path]})
        else:
            original = next(old for old, new in moved.items() if new == req.path)
            real(client, dataclasses.replace(req, path=original))

    with Server(behave) as server:
        result = run(Smoke(server.url, "tiny", wait_s=2, api_key="k3y"))
    assert result.ok, result.to_dict()
    assert [r.path for r in server.requests] == ["/health", "/ready", "/v1/models", "/models",
                                                 "/v1/chat/completions", "/chat"]
    assert {r.headers["authorization"] for r in server.requests} == {"Bearer k3y"}
    assert server.requests[-1].method == "POST" and server.requests[-1].body == server.requests[-2].body


def test_a_redirect_loop_ends():
    with Server(servers.redirect("/health")) as server:
        reply = request(server.url + "/health", timeout=5)
    assert not reply.ok and reply.error == f"more than {http.MAX_REDIRECTS} redirects"
    assert len(server.requests) == http.MAX_REDIRECTS + 1


def test_a_huge_body_is_cut_at_the_cap_quickly():
    with Server(servers.huge_body) as server:
        started = time.monotonic()
        reply = request(server.url + "/v1/models", timeout=30)
    assert time.monotonic() - started < 5
    assert reply.status == 200 and not reply.ok and len(reply.data) == http.MAX_BODY
    assert reply.error == "the body is larger than 512 KiB; not read further"


@pytest.mark.parametrize("body, why", [
    (servers.NESTED, "the body is JSON nested too deeply to read"),
    (b"<html>busy</html>", "the body is not JSON (Expecting value"),
    (b'{"data": [{"id": "tiny"}]}\xff\xfe', "the body is not UTF-8 text"),
], ids=["nested", "html", "not-utf8"])
def test_unreadable_json_fails_the_step_with_the_reason(body, why):
    with Server(but("/v1/models", servers.answering(200, body))) as server:
        result = run(Smoke(server.url, "tiny", wait_s=2))
        with pytest.raises(NotJSON):
            request(server.url + "/v1/models").json()
    assert not result.ok and result.steps[1].detail.startswith(f"GET /v1/models: {why}")
    assert len(result.steps[1].detail) < 500


def test_unreadable_chat_answer_fails_the_step():
    with Server(but("/v1/chat/completions", servers.answering(200, servers.NESTED))) as server:
        result = run(Smoke(server.url, "tiny", wait_s=2))
    assert not result.ok and "nested too deeply" in result.steps[2].detail


def test_long_answers_and_listings_are_shown_as_excerpts():
    with Server(vllm(models=[f"model-{i}" * 20 for i in range(1000)])) as server:
        result = run(Smoke(server.url, "tiny", wait_s=2))
    assert not result.ok and len(result.steps[1].detail) < 500 and "characters)" in result.steps[1].detail
    with Server(vllm(answer="blue " * 100_000)) as server:
        result = run(Smoke(server.url, "tiny", wait_s=2))
    assert result.ok and len(result.steps[2].detail) < 500


def test_a_key_echoed_by_the_server_is_not_shown():
    def echo(client, req):
        client.answer(401, {"error": f"bad key {req.headers['authorization']}"})

    with Server(but("/v1/models", echo)) as server:
        result = run(Smoke(server.url, "tiny", wait_s=2, api_key="s3cret-key"))
    assert "s3cret-key" not in str(result.to_dict()) and "bad key Bearer <redacted>" in result.steps[1].detail


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999", "http://127.0.0.1:8000/\r\nX: y", "http://[::1",
                                 "ftp://127.0.0.1"])
def test_bad_urls_given_to_the_library_fail_a_step_without_raising(url):
    result = run(Smoke(url, "tiny", wait_s=0.3))
    assert not result.ok and result.steps[0].detail.startswith("/health did not answer 200 within 0.3 s (")


def test_nothing_listening_is_a_failed_step():
    result = run(Smoke(f"http://127.0.0.1:{servers.closed_port()}", "tiny", wait_s=0.3))
    assert not result.ok and "Connection refused" in result.steps[0].detail


@pytest.mark.parametrize("url, says", [
    ("http://127.0.0.1:99999", "the port must be a number from 1 to 65535"),
    ("http://127.0.0.1:0", "the port must be a number from 1 to 65535"),
    ("http://127.0.0.1:8o00", "the port must be a number from 1 to 65535"),
    ("http://127.0.0.1:8000/\r\nX-Injected: 1", "whitespace or a control character"),
    ("http://127.0.0.1:8000/\x1b[2J", "whitespace or a control character"),
    ("http://127.0.0.1 :8000", "whitespace or a control character"),
    ("http://admin:hunter2@127.0.0.1:8000", "--api-key-env"),
    ("http://[::1", "is not a URL"),
    ("http://:8000", "names no host"),
    ("ftp://127.0.0.1", "must start with http:// or https://"),
    ("localhost:8000", "must start with http:// or https://"),
])
def test_bad_urls_are_usage_errors(cli, url, says):
    ran = cli("smoke", "--url", url, "--model", "tiny")
    assert ran.code == 2 and says in ran.err and "hunter2" not in ran.err and "\x1b" not in ran.err


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "https://vllm.example:443/prefix", "http://[::1]:8000/",
                                 "HTTP://Host"])
def test_good_urls_pass(url):
    assert checked_url(url) == url


def test_a_key_that_cannot_be_a_header_is_a_usage_error_and_not_shown(cli):
    ran = cli("smoke", "--url", "http://127.0.0.1:8000", "--model", "x", "--api-key-env", "KEY",
              environ={"KEY": "s3cret\n"})
    assert ran.code == 2 and "trailing newline" in ran.err and "s3cret" not in ran.err
    with pytest.raises(UsageError):
        checked_url("http://127.0.0.1:8000\n")


def test_escape_sequences_from_the_server_are_shown_not_obeyed(cli):
    with Server(vllm(answer="\x1b]0;owned\x07blue\u202e")) as server:
        ran = cli("smoke", "--url", server.url, "--model", "tiny", "--wait", "2")
        as_json = cli("smoke", "--url", server.url, "--model", "tiny", "--wait", "2", "--json")
    assert ran.code == 0 and "\\x1b]0;owned\\x07blue" in ran.out
    assert as_json.code == 0 and "owned" in as_json.out
    with Server(but("/v1/models", servers.answering(500, "\x1b[2J\x1b[31mdead\r\nFAKE PASS\u202e".encode()))) as server:
        failed = cli("smoke", "--url", server.url, "--model", "tiny", "--wait", "2")
    assert failed.code == 1 and "\\x1b[2J\\x1b[31mdead\\x0d\\nFAKE PASS\\u202e" in failed.out
    for out in (ran.out, as_json.out, failed.out):
        assert not {"\x1b", "\x07", "\r", "\u202e"} & set(out)
