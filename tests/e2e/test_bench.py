"""`ascend-doctor bench` against real vLLM serving the tiny model (the session fixture `served`):
vLLM's own benchmark run in the service's container and from a plain venv, result files gated,
a benchmark cut short by its deadline and by the service going away."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.benchmark.test_png import decode
from tests.e2e import harness
from tests.e2e.conftest import missing

TINY = ("--input-len", "32", "--output-len", "16", "--num-prompts", "8")
VENV = Path(os.environ.get("ASCEND_DOCTOR_VLLM_VENV", "/opt/ascend-doctor-vllm-venv"))


def bench(*argv: str, timeout: float = 600) -> tuple[int, dict | None, str]:
    """Exit status, the --json document (if it printed one) and stderr of `ascend-doctor bench`."""
    done = subprocess.run([sys.executable, "-m", "doctor", "bench", *argv, "--json"], cwd=harness.REPO,
                          env={**os.environ, "PYTHONPATH": str(harness.REPO)}, capture_output=True, text=True,
                          timeout=timeout)
    return done.returncode, json.loads(done.stdout) if done.stdout.strip() else None, done.stderr


@pytest.fixture(scope="module")
def swept(served, tmp_path_factory):
    """One real two-level sweep in the service's container, shared by the tests that read it."""
    out = tmp_path_factory.mktemp("bench") / "sweep"
    code, doc, stderr = bench("--url", served.url, "--model", served.model, "--container", served.container,
                              *TINY, "--concurrency", "1,4", "--out", str(out))
    assert code == 0, stderr
    return out, doc


def test_the_container_runs_vllms_benchmark_and_bench_json_carries_its_counts(swept, served):
    out, doc = swept
    assert doc == json.loads((out / "bench.json").read_text())
    assert doc["runner"] == {"mode": "container", "target": served.container}
    assert doc["tokenizer"] == served.model_path          # the `root` /v1/models reports
    for level in doc["sweep"]:
        raw = json.loads((out / f"vllm-bench-c{level['concurrency']}.json").read_text())
        result = level["result"]
        assert (result["completed"], result["failed"], raw["completed"]) == (8, 0, 8)
        assert result["max_concurrency"] == raw["max_concurrency"] == level["concurrency"]
        assert result["output_throughput"] == raw["output_throughput"] > 0
        assert result["ttft_ms"]["p99"] == raw["p99_ttft_ms"] and result["e2el_ms"]["median"] == raw["median_e2el_ms"]
        assert raw["total_output_tokens"] == 8 * 16            # --ignore-eos: every request its 16 tokens
    assert 0 < doc["benchmark_seconds"] <= doc["wall_seconds"]
    leftovers = harness.docker("exec", served.container, "sh", "-c", "ls -d /tmp/ascend-doctor-bench-* 2>/dev/null")
    assert leftovers.stdout == ""


def test_a_sweep_draws_the_chart(swept):
    out, doc = swept
    width, height, rows = decode((out / "bench.png").read_bytes())
    assert (width, height) == (800, 660) and doc["files"]["chart"] == "bench.png"
    assert sum(row.count(bytes((31, 119, 180))) for row in rows) > 100


def test_a_baseline_the_measured_files_cannot_meet_fails_the_gate(swept, tmp_path):
    out, doc = swept
    measured = doc["sweep"][1]["result"]["output_throughput"]
    (tmp_path / "base.json").write_text(json.dumps({"output_throughput": measured * 2}))
    code, judged, _ = bench("--result-file", str(out / "vllm-bench-c1.json"), "--result-file",
                            str(out / "vllm-bench-c4.json"), "--baseline", str(tmp_path / "base.json"),
                            "--out", str(tmp_path / "judged"))
    assert code == 1 and judged["gate"]["passed"] is False
    assert ("output_throughput", 4) in {(r["figure"], r["concurrency"]) for r in judged["gate"]["regressions"]}
    assert judged["sweep"] == doc["sweep"]


def test_a_level_past_its_deadline_is_killed_inside_the_container(served, tmp_path):
    code, doc, _ = bench("--url", served.url, "--model", served.model, "--container", served.container, *TINY,
                         "--timeout", "3", "--out", str(tmp_path / "o"))
    assert code == 3 and doc["sweep"] == [] and "did not finish within 3 s (--timeout)" in doc["errors"][0]
    assert (tmp_path / "o" / "vllm-bench-c1.log").read_text().startswith("ascend-doctor: benchmark pid ")
    time.sleep(0.5)
    running = harness.docker("exec", served.container, "sh", "-c",
                             "cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' '").stdout
    assert "bench serve" not in running


VENV_BUILD_WAIT_S = 900


@pytest.fixture(scope="module")
def venv_python():
    """The plain venv make-vllm-venv.sh builds; waited for while it is still being built (CI builds it
    in the background while the first tests run)."""
    stamp, building = VENV / ".ascend-doctor-complete", Path(f"{VENV}.building")
    deadline = time.monotonic() + VENV_BUILD_WAIT_S
    while not stamp.exists() and building.exists() and time.monotonic() < deadline:
        time.sleep(2)
    if not stamp.exists():
        missing(f"no complete vLLM venv at {VENV} (run tests/e2e/support/make-vllm-venv.sh; in CI its output is "
                "/tmp/make-vllm-venv.log)")
    return VENV / "bin" / "python"


class Proxy:
    """A TCP relay to the service that can be cut: the service 'going away' without touching it."""

    def __init__(self, port: int):
        self.target, self.cut = port, threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.cut.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source, sink):
        try:
            while not self.cut.is_set() and (data := source.recv(65536)):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                sock.close()

    def close(self):
        self.cut.set()
        try:
            self.listener.shutdown(socket.SHUT_RDWR)     # wakes the blocked accept() and stops listening
        except OSError:
            pass
        self.listener.close()


def test_python_mode_measures_and_keeps_the_levels_measured_before_the_service_went_away(
        served, venv_python, tiny_model, tmp_path):
    proxy = Proxy(int(served.url.rsplit(":", 1)[1]))
    out = tmp_path / "o"

    def cut_after_first_level():
        deadline = time.monotonic() + 300
        while not (out / "vllm-bench-c1.json").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        proxy.close()

    threading.Thread(target=cut_after_first_level, daemon=True).start()
    code, doc, stderr = bench("--url", f"http://127.0.0.1:{proxy.port}", "--model", served.model, "--python",
                              str(venv_python), "--tokenizer", str(tiny_model), *TINY, "--concurrency", "1,2",
                              "--out", str(out))
    assert doc["runner"] == {"mode": "python", "target": str(venv_python)}
    first = doc["sweep"][0]
    assert first["concurrency"] == 1 and (first["result"]["completed"], first["result"]["failed"]) == (8, 0)
    assert first["result"]["output_throughput"] > 0
    # vLLM's benchmark counts each refused request as failed and ends normally: the gate fails on them.
    assert code == 1, stderr
    second = doc["sweep"][1]
    assert second["concurrency"] == 2 and (second["result"]["completed"], second["result"]["failed"]) == (0, 8)
    assert {"concurrency": 2, "figure": "failed", "baseline": 0, "measured": 8, "change_pct": None} \
        in doc["gate"]["regressions"]
    assert (out / "vllm-bench-c2.log").exists()
