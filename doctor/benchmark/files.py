"""`--result-file`: result files vLLM's benchmark wrote elsewhere (fetched from a host), read,
checked and kept in the results folder like those of a run here."""

from __future__ import annotations

import json
import os

from doctor import bounded
from doctor.benchmark.output import level_name, write_atomic
from doctor.benchmark.results import NotAResult, parse_result
from doctor.benchmark.runners import MAX_RESULT
from doctor.benchmark.sweep import Sweep
from doctor.errors import UsageError
from doctor.printable import shortened


def read_result_files(paths: list[str]) -> list[tuple[str, bytes, dict]]:
    """(path, bytes, figures) of each file, by concurrency; UsageError naming a file that is not vLLM's."""
    read = []
    for path in paths:
        try:
            raw = bounded.read_file(path, MAX_RESULT)
        except bounded.TooLarge:
            raise UsageError(f"--result-file {shortened(path)} is larger than {bounded.human_size(MAX_RESULT)}") from None
        except (bounded.ReadRefused, OSError) as exc:
            raise UsageError(f"--result-file {shortened(path)}: {getattr(exc, 'strerror', None) or exc}") from None
        try:
            read.append((path, raw, parse_result(raw.decode("utf-8", "replace"))))
        except NotAResult as exc:
            raise UsageError(f"--result-file {shortened(path)} is not a result of vLLM's serving benchmark: {exc}") from None
    levels = [figures["max_concurrency"] for _, _, figures in read]
    if len(set(levels)) != len(levels):
        raise UsageError(f"two --result-file files are for the same concurrency ({levels}); give one per level")
    return sorted(read, key=lambda item: (item[2]["max_concurrency"] is None, item[2]["max_concurrency"] or 0))


def sweep_of_files(read: list[tuple[str, bytes, dict]], out_dir: str) -> Sweep:
    sweep = Sweep()
    for path, raw, figures in read:
        concurrency = figures["max_concurrency"]
        kept = level_name(concurrency, "json")
        target = os.path.join(out_dir, kept)
        if not (os.path.exists(target) and os.path.samefile(path, target)):
            write_atomic(target, raw)
        sweep.results.append(kept)
        sweep.levels.append({"concurrency": concurrency, "result": figures})
        sweep.benchmark_seconds += figures["duration_s"]
    return sweep


def raw_field(raw: bytes, key: str):
    """One top-level value of a raw result (model_id, tokenizer_id, request_rate), or None."""
    try:
        doc = json.loads(raw.decode("utf-8", "replace"))
    except ValueError:
        return None
    value = doc.get(key) if isinstance(doc, dict) else None
    return value if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None
