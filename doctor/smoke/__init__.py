"""Prove a vLLM service answers: /health, /v1/models, a real chat completion (text, image or audio)."""
