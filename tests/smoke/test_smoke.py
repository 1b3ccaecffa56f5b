"""The smoke client against a small local HTTP server whose answers each test sets."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from doctor.smoke import media
from doctor.smoke.run import Smoke, run


class Service:
    """Answers like vLLM's OpenAI server; `healthy_at` delays /health turning 200."""

    def __init__(self):
        self.healthy_at = 0.0
        self.models = ["tiny"]
        self.answer = "blue"
        self.chat_status = 200
        self.requests = []
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, status, doc):
                body = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                service.requests.append(("GET", self.path, self.headers.get("Authorization"), None))
                if self.path == "/health":
                    self.reply(200 if time.monotonic() >= service.healthy_at else 503, {})
                elif self.path == "/v1/models":
                    self.reply(200, {"object": "list", "data": [{"id": m} for m in service.models]})
                else:
                    self.reply(404, {})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                service.requests.append(("POST", self.path, self.headers.get("Authorization"), body))
                if service.chat_status != 200:
                    self.reply(service.chat_status, {"error": {"message": "engine dead"}})
                    return
                self.reply(200, {"choices": [{"message": {"role": "assistant", "content": service.answer}}]})

        return Handler

    def close(self):
        self.server.shutdown()


@pytest.fixture
def service():
    s = Service()
    yield s
    s.close()


def test_text_smoke_passes_and_sends_a_deterministic_request(service):
    result = run(Smoke(service.url, "tiny", wait_s=5))
    assert result.ok, result.to_dict()
    assert [s.name for s in result.steps] == ["health", "models", "chat (text)"]
    body = service.requests[-1][3]
    assert body["temperature"] == 0 and body["max_tokens"] <= 16 and body["model"] == "tiny"


def test_waits_for_health_and_notices_readiness_quickly(service):
    service.healthy_at = time.monotonic() + 1.5
    result = run(Smoke(service.url, "tiny", wait_s=10))
    assert result.ok
    noticed = result.steps[0].seconds
    assert 1.5 <= noticed < 1.5 + 1.5


def test_health_never_ready_fails_with_the_reason(service):
    service.healthy_at = time.monotonic() + 60
    result = run(Smoke(service.url, "tiny", wait_s=1))
    assert not result.ok
    assert "did not answer 200 within 1 s" in result.steps[0].detail and "503" in result.steps[0].detail


def test_nothing_listening(tmp_path):
    result = run(Smoke("http://127.0.0.1:9", "tiny", wait_s=0.5))
    assert not result.ok and "Connection refused" in result.steps[0].detail


def test_served_name_missing_from_models(service):
    service.models = ["other"]
    result = run(Smoke(service.url, "tiny", wait_s=5))
    assert not result.ok and "['other']" in result.steps[1].detail


def test_failed_completion_shows_the_error_body(service):
    service.chat_status = 500
    result = run(Smoke(service.url, "tiny", wait_s=5))
    assert not result.ok and "HTTP 500" in result.steps[2].detail and "engine dead" in result.steps[2].detail


def test_vision_sends_a_png_of_a_word_and_can_require_it(service):
    import random

    result = run(Smoke(service.url, "tiny", modality="vision", wait_s=5, rng=random.Random(3)))
    assert result.ok
    content = service.requests[-1][3]["messages"][0]["content"]
    assert content[0]["image_url"]["url"].startswith("data:image/png;base64,")
    strict = run(Smoke(service.url, "tiny", modality="vision", wait_s=5, expect_word=True, rng=random.Random(3)))
    assert not strict.ok and "the image showed" in strict.steps[2].detail
    service.answer = f"The word is {media.random_word(random.Random(3)).lower()}."
    assert run(Smoke(service.url, "tiny", modality="vision", wait_s=5, expect_word=True, rng=random.Random(3))).ok


def test_audio_sends_a_wav(service):
    assert run(Smoke(service.url, "tiny", modality="audio", wait_s=5)).ok
    part = service.requests[-1][3]["messages"][0]["content"][0]
    assert part["type"] == "audio_url" and part["audio_url"]["url"].startswith("data:audio/wav;base64,UklGR")


def test_api_key_is_sent_as_bearer(service):
    run(Smoke(service.url, "tiny", wait_s=5, api_key="k3y"))
    assert {r[2] for r in service.requests} == {"Bearer k3y"}


def test_cli_smoke_exit_codes(cli, service):
    ok = cli("smoke", "--url", service.url, "--model", "tiny", "--wait", "5")
    assert ok.code == 0 and "PASS  chat (text)" in ok.out
    bad = cli("smoke", "--url", service.url, "--model", "nope", "--wait", "5", "--json")
    assert bad.code == 1 and json.loads(bad.out)["ok"] is False
    assert cli("smoke", "--url", "localhost:8000", "--model", "x").code == 2
    assert cli("smoke", "--url", service.url, "--model", "x", "--api-key-env", "UNSET_VAR").code == 2


def test_png_is_a_valid_image():
    png = media.word_png("apple")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and b"IEND" in png[-12:]
    with pytest.raises(ValueError):
        media.word_png("h3llo")
