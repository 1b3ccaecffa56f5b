"""The smoke test: wait for /health, find the served model, get a real answer."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from doctor.redact import REDACTED
from doctor.smoke import bodies, media
from doctor.smoke.http import NotJSON, Reply, request

FIRST_POLL_S = 0.1
MAX_POLL_S = 1.0      # readiness is noticed within about this long of /health turning 200
HEALTH_REQUEST_S = 5.0    # each /health poll; wait_s bounds them all together
EXCERPT_CHARS = 300


@dataclass(frozen=True)
class Step:
    name: str
    ok: bool
    detail: str
    seconds: float


@dataclass
class Smoke:
    url: str
    model: str
    modality: str = "text"                 # "text" | "vision" | "audio"
    api_key: str | None = None
    wait_s: float = 600.0                  # how long to wait for /health
    request_timeout_s: float = 120.0
    expect_word: bool = False              # vision: the answer must contain the word (a real model)
    rng: random.Random = field(default_factory=random.Random)
    waiting: object | None = None          # doctor.waiting.Waiting: says how the wait for /health goes

    def endpoint(self, path: str) -> str:
        return self.url.rstrip("/") + path

    def hide_key(self, text: str) -> str:
        """`text` without the API key, should the server echo it back."""
        return text.replace(self.api_key, REDACTED) if self.api_key else text

    def shown(self, text: str) -> str:
        """Text from the server without the API key, cut to an excerpt."""
        text = self.hide_key(text)
        if len(text) <= EXCERPT_CHARS:
            return text
        return f"{text[:EXCERPT_CHARS]}... ({len(text)} characters)"


@dataclass
class Result:
    steps: list[Step] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(s.ok for s in self.steps)

    def add(self, step: Step) -> bool:
        self.steps.append(step)
        return step.ok

    def to_dict(self) -> dict:
        return {"ok": self.ok, "steps": [vars(s) for s in self.steps]}


def wait_for_health(smoke: Smoke, sleep=time.sleep, clock=time.monotonic) -> Step:
    started, delay = clock(), FIRST_POLL_S
    deadline = started + smoke.wait_s
    while True:
        timeout = min(HEALTH_REQUEST_S, deadline - clock())
        last = request(smoke.endpoint("/health"), api_key=smoke.api_key, timeout=timeout)
        if last.ok:
            _waited(smoke, "answered 200")
            return Step("health", True, "GET /health answered 200", clock() - started)
        why = smoke.shown(last.error or f"HTTP {last.status}")
        if clock() + delay > deadline:
            _waited(smoke, "gave up")
            return Step("health", False, f"/health did not answer 200 within {smoke.wait_s:g} s ({why})",
                        clock() - started)
        if smoke.waiting is not None:
            smoke.waiting.update(why)
        sleep(delay)
        delay = min(delay * 2, MAX_POLL_S)


def _waited(smoke: Smoke, outcome: str) -> None:
    if smoke.waiting is not None:
        smoke.waiting.finish(outcome)


def check_models(smoke: Smoke) -> Step:
    reply = request(smoke.endpoint("/v1/models"), api_key=smoke.api_key, timeout=smoke.request_timeout_s)
    if not reply.ok:
        return Step("models", False, _failure(smoke, "GET /v1/models", reply), reply.seconds)
    try:
        names = _model_names(reply.json())
    except NotJSON as exc:
        return Step("models", False, f"GET /v1/models: {exc}: {smoke.shown(reply.body)}", reply.seconds)
    if smoke.model not in names:
        listed = smoke.shown(repr([smoke.hide_key(n) for n in names])) if names else "nothing"
        return Step("models", False, f"/v1/models lists {listed}, not {smoke.model!r}", reply.seconds)
    return Step("models", True, f"/v1/models lists {smoke.model!r}", reply.seconds)


def _model_names(listing: object) -> list[str]:
    models = listing.get("data") if isinstance(listing, dict) else None
    if not isinstance(models, list):
        return []
    return [m["id"] for m in models if isinstance(m, dict) and isinstance(m.get("id"), str)]


def completion_body(smoke: Smoke) -> tuple[dict, str | None]:
    if smoke.modality == "vision":
        word = media.random_word(smoke.rng)
        return bodies.image_chat(smoke.model, media.word_png(word)), word
    if smoke.modality == "audio":
        return bodies.audio_chat(smoke.model, media.tone_wav()), None
    return bodies.text_chat(smoke.model), None


def check_completion(smoke: Smoke) -> Step:
    body, word = completion_body(smoke)
    reply = request(smoke.endpoint("/v1/chat/completions"), body, smoke.api_key, smoke.request_timeout_s)
    name = f"chat ({smoke.modality})"
    if not reply.ok:
        return Step(name, False, _failure(smoke, "POST /v1/chat/completions", reply), reply.seconds)
    try:
        answer = _answer(reply.json())
    except NotJSON as exc:
        return Step(name, False, f"POST /v1/chat/completions: {exc}: {smoke.shown(reply.body)}", reply.seconds)
    if answer is None:
        return Step(name, False, f"the reply has no choices[0].message.content: {smoke.shown(reply.body)}",
                    reply.seconds)
    shown = smoke.shown(repr(smoke.hide_key(answer)))
    if word and smoke.expect_word and word.lower() not in answer.lower():
        return Step(name, False, f"the image showed {word!r}; the model answered {shown}", reply.seconds)
    image = f" (image showed {word!r})" if word else ""
    return Step(name, True, f"answered {shown}{image} in {reply.seconds:.2f} s", reply.seconds)


def _answer(doc: object) -> str | None:
    try:
        content = doc["choices"][0]["message"]["content"]
    except (TypeError, KeyError, IndexError):
        return None
    return content if isinstance(content, str) else None


def _failure(smoke: Smoke, what: str, reply: Reply) -> str:
    if reply.status is None:
        return f"{what}: no answer ({smoke.shown(reply.error)})"
    if reply.error:
        return f"{what}: HTTP {reply.status}, {smoke.shown(reply.error)}"
    return f"{what}: HTTP {reply.status}: {smoke.shown(reply.body)}"


def run(smoke: Smoke) -> Result:
    result = Result()
    if result.add(wait_for_health(smoke)) and result.add(check_models(smoke)):
        result.add(check_completion(smoke))
    return result
