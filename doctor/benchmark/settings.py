"""What one benchmark measures: the dataset, lengths, prompts, concurrency levels and request rate.

`BenchSettings.from_mapping` validates a plain dict (what an Ansible role passes), so a mistake
is reported as one ValueError naming the key, never as a failed benchmark an hour later.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

DATASETS = ("random", "sharegpt")
DEFAULT_INPUT_LEN = 1024      # the random dataset's prompt tokens when none is given
DEFAULT_OUTPUT_LEN = 128
MAX_TOKENS = 1 << 20
MAX_PROMPTS = 1_000_000
MAX_CONCURRENCY = 65536
MAX_LEVELS = 32


@dataclass(frozen=True)
class BenchSettings:
    dataset: str = "random"
    dataset_path: str | None = None       # the ShareGPT JSON file, as the benchmark process sees it
    input_len: int | None = None          # random only; None: DEFAULT_INPUT_LEN
    output_len: int | None = None         # None: DEFAULT_OUTPUT_LEN (random), the dataset's own (sharegpt)
    num_prompts: int = 100
    concurrency: tuple[int, ...] = (1,)
    request_rate: float = math.inf        # requests per second; inf sends them all at once

    @classmethod
    def from_mapping(cls, mapping: object) -> BenchSettings:
        if not isinstance(mapping, dict):
            raise ValueError(f"benchmark settings must be a mapping, not {type(mapping).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(k) for k in mapping if k not in known)
        if unknown:
            raise ValueError(f"unknown benchmark setting(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        values = {key: _CHECKS[key](key, value) for key, value in mapping.items()}
        settings = cls(**values)
        settings.check_dataset()
        return settings

    def check_dataset(self) -> None:
        if self.dataset == "sharegpt" and not self.dataset_path:
            raise ValueError("dataset sharegpt needs dataset_path (the ShareGPT JSON file)")
        if self.dataset == "random" and self.dataset_path:
            raise ValueError("dataset_path applies to the sharegpt dataset only")
        if self.dataset == "sharegpt" and self.input_len is not None:
            raise ValueError("input_len applies to the random dataset only (ShareGPT prompts have their own lengths)")

    @property
    def effective_input_len(self) -> int | None:
        if self.dataset != "random":
            return None
        return self.input_len or DEFAULT_INPUT_LEN

    @property
    def effective_output_len(self) -> int | None:
        if self.output_len is not None:
            return self.output_len
        return DEFAULT_OUTPUT_LEN if self.dataset == "random" else None

    def to_dict(self) -> dict:
        return {"dataset": self.dataset, "dataset_path": self.dataset_path,
                "input_len": self.effective_input_len, "output_len": self.effective_output_len,
                "num_prompts": self.num_prompts, "concurrency": list(self.concurrency),
                "request_rate": "inf" if math.isinf(self.request_rate) else self.request_rate}


def _whole(key: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} must be a whole number, not {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{key} must be from {low} to {high}, not {value}")
    return value


def _dataset(key: str, value: object) -> str:
    if value not in DATASETS:
        raise ValueError(f"{key} must be one of {', '.join(DATASETS)}, not {value!r}")
    return value


def _path(key: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value or "\x00" in value:
        raise ValueError(f"{key} must be a file path, not {value!r}")
    return value


def _tokens(key: str, value: object) -> int | None:
    return None if value is None else _whole(key, value, 1, MAX_TOKENS)


def _concurrency(key: str, value: object) -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple)) or not value:
        raise ValueError(f"{key} must be a non-empty list of whole numbers, not {value!r}")
    if len(value) > MAX_LEVELS:
        raise ValueError(f"{key} has {len(value)} levels; at most {MAX_LEVELS}")
    levels = tuple(_whole(key, level, 1, MAX_CONCURRENCY) for level in value)
    if len(set(levels)) != len(levels):
        raise ValueError(f"{key} names a level twice: {list(levels)}")
    return levels


def _rate(key: str, value: object) -> float:
    if value in ("inf", None):
        return math.inf
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{key} must be a number of requests per second or 'inf', not {value!r}")
    if not value > 0:      # nan is not above 0 either
        raise ValueError(f"{key} must be above 0, not {value!r}")
    return float(value)


_CHECKS = {
    "dataset": _dataset,
    "dataset_path": _path,
    "input_len": _tokens,
    "output_len": _tokens,
    "num_prompts": lambda key, value: _whole(key, value, 1, MAX_PROMPTS),
    "concurrency": _concurrency,
    "request_rate": _rate,
}
