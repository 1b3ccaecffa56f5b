"""bench.json (and `--json`): schema ascend-doctor-bench/1."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from doctor import __version__
from doctor.benchmark.baseline import SCHEMA
from doctor.benchmark.sweep import Sweep


@dataclass(frozen=True)
class Run:
    url: str | None
    model: str | None
    tokenizer: str | None
    mode: str                  # container | python | files
    target: str | list | None  # the container, the interpreter, or the files read
    settings: dict


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def document(run: Run, sweep: Sweep, gate: dict | None, started: datetime, finished: datetime,
             wall_seconds: float, out_dir: str, chart: str | None) -> dict:
    return {
        "schema": SCHEMA,
        "doctor_version": __version__,
        "url": run.url,
        "model": run.model,
        "tokenizer": run.tokenizer,
        "runner": {"mode": run.mode, "target": run.target},
        "settings": run.settings,
        "started": iso(started),
        "finished": iso(finished),
        "benchmark_seconds": round(sweep.benchmark_seconds, 3),
        "wall_seconds": round(wall_seconds, 3),
        "result": sweep.levels[0]["result"] if sweep.levels else None,
        "sweep": sweep.levels,
        "gate": gate,
        "errors": sweep.errors,
        "files": {"dir": out_dir, "document": "bench.json", "chart": chart,
                  "results": sweep.results, "logs": sweep.logs},
    }
