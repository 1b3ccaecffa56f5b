"""What `ascend-doctor bench` costs beyond vLLM's own benchmark (target ≤ 1 s): its wall time minus
the wall time of the benchmark processes it ran, and against the same `vllm bench serve` run by
hand, alternating, in one run.

    python bench/bench_overhead.py --url http://127.0.0.1:18900 --model tiny --container adoc-dev-vllm [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from doctor.benchmark.argv import bench_argv  # noqa: E402
from doctor.benchmark.runners import ContainerRunner, url_inside  # noqa: E402
from doctor.benchmark.settings import BenchSettings  # noqa: E402

SETTINGS = {"input_len": 32, "output_len": 16, "num_prompts": 8, "concurrency": [4]}


def through_doctor(args, out: str) -> tuple[float, float]:
    """(wall seconds, seconds of the benchmark processes it ran) of one `ascend-doctor bench`."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "doctor", "bench", "--url", args.url, "--model", args.model,
                           "--container", args.container, "--input-len", "32", "--output-len", "16",
                           "--num-prompts", "8", "--concurrency", "4", "--out", out, "--json"],
                          cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"ascend-doctor bench exited {done.returncode}: {done.stderr[-2000:]}")
    return wall, json.loads(done.stdout)["benchmark_seconds"]


def by_hand(args, inner_url: str, tokenizer: str) -> float:
    """Wall seconds of `docker exec NAME vllm bench serve ...` with the same flags."""
    result_dir = f"/tmp/adoc-overhead-{os.getpid()}"
    argv = bench_argv(BenchSettings.from_mapping(SETTINGS), base_url=inner_url, model=args.model,
                      tokenizer=tokenizer, concurrency=4, result_dir=result_dir, result_filename="r.json")
    started = time.perf_counter()
    subprocess.run(["docker", "exec", args.container, "vllm", *argv], capture_output=True, check=True)
    wall = time.perf_counter() - started
    subprocess.run(["docker", "exec", args.container, "rm", "-rf", result_dir], capture_output=True)
    return wall


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--container", required=True)
    parser.add_argument("--tokenizer", help="inside the container (default: the doctor's own choice, from /v1/models)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    inner = url_inside(ContainerRunner(args.container).inspect(), args.url) or args.url
    doctor, benchmark, hand = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.runs):
            out = os.path.join(folder, f"run{run}")
            wall, inside = through_doctor(args, out)
            tokenizer = args.tokenizer or json.loads(Path(out, "bench.json").read_text())["tokenizer"]
            doctor.append(wall)
            benchmark.append(inside)
            hand.append(by_hand(args, inner, tokenizer))
    overhead = [w - b for w, b in zip(doctor, benchmark)]
    median = statistics.median
    print(f"ascend-doctor bench (1 level)       {median(doctor):6.2f} s wall (median of {args.runs}: "
          f"{', '.join(f'{w:.2f}' for w in doctor)})")
    print(f"  of which vLLM's benchmark process {median(benchmark):6.2f} s")
    print(f"  overhead beyond it                {median(overhead):6.2f} s   (target ≤ 1 s)")
    print(f"vllm bench serve by hand            {median(hand):6.2f} s wall ({', '.join(f'{w:.2f}' for w in hand)})")
    print(f"difference to by hand               {median(doctor) - median(hand):+6.2f} s, "
          f"ratio {median(doctor) / median(hand):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
