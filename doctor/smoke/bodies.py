"""The OpenAI-style request bodies the smoke test sends to vLLM."""

from __future__ import annotations

import base64

MAX_TOKENS = 8


def data_url(mime: str, payload: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(payload).decode()}"


def chat(model: str, content: str | list[dict], max_tokens: int = MAX_TOKENS) -> dict:
    return {
        "model": model,
        "messages": [{"role": "user", "content": content}],
        "max_tokens": max_tokens,
        "temperature": 0,
    }


def text_chat(model: str) -> dict:
    return chat(model, "Reply with one word: what colour is the sky on a clear day?")


def image_chat(model: str, png: bytes) -> dict:
    return chat(model, [
        {"type": "image_url", "image_url": {"url": data_url("image/png", png)}},
        {"type": "text", "text": "What word is written in the image? Answer with the word only."},
    ])


def audio_chat(model: str, wav: bytes) -> dict:
    return chat(model, [
        {"type": "audio_url", "audio_url": {"url": data_url("audio/wav", wav)}},
        {"type": "text", "text": "Describe this sound in a few words."},
    ])
