"""`ascend-doctor eval` running the real lm-eval against real vLLM serving the tiny model.

The tiny model answers noise, so it scores about 0: what these prove is the pipeline (the chat
endpoint, the bundled offline task, lm-eval's results file, eval.json, the gate, the exit codes).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.e2e import harness
from tests.e2e.conftest import missing

RUN_TIMEOUT_S = 600


@pytest.fixture(scope="module")
def lm_eval():
    if importlib.util.find_spec("lm_eval") is None:
        missing("lm_eval is not installed (pip install 'ascend-doctor[eval]')")


def eval_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(harness.REPO), "COLUMNS": "80"}
    return subprocess.run([sys.executable, "-m", "doctor", "eval", *args], capture_output=True, text=True,
                          env=env, timeout=RUN_TIMEOUT_S)


def test_lm_eval_runs_the_bundled_task_against_real_vllm(lm_eval, served, tmp_path):
    out = tmp_path / "run"
    done = eval_cli("--url", served.url, "--model", served.model, "--task", "adoc_arith", "--limit", "4",
                    "--concurrency", "2", "--out", str(out))
    assert done.returncode == 0, done.stderr
    doc = json.loads((out / "eval.json").read_text())
    assert doc["result"]["task"] == "adoc_arith" and doc["result"]["metric"] == "exact_match,first-number"
    assert doc["result"]["samples"] == 4 and 0 <= doc["result"]["value"] <= 1
    assert doc["lm_eval"]["version"] == "0.4.13" and doc["errors"] == []
    raw = json.loads(open(doc["files"]["results"]).read())
    assert raw["n-samples"]["adoc_arith"]["effective"] == 4
    assert raw["results"]["adoc_arith"]["exact_match,first-number"] == doc["result"]["value"]
    assert "adoc_arith" in done.stdout and "not gated" in done.stdout


def test_a_baseline_the_service_cannot_meet_fails(lm_eval, served, tmp_path):
    done = eval_cli("--url", served.url, "--model", served.model, "--task", "adoc_arith", "--limit", "4",
                    "--concurrency", "2", "--baseline", "0.9", "--out", str(tmp_path / "run"))
    assert done.returncode == 1, done.stderr
    assert "below the floor 0.855 allowed by the baseline 0.9" in done.stdout


def test_nothing_listening_is_exit_3(lm_eval, tmp_path):
    done = eval_cli("--url", "http://127.0.0.1:9", "--model", "tiny", "--task", "adoc_arith",
                    "--out", str(tmp_path / "run"))
    assert done.returncode == 3 and "cannot reach the service" in done.stderr
    assert "Traceback" not in done.stderr


class _Vanishing(BaseHTTPRequestHandler):
    """Lists the model, then hangs up on every completion: a server that died after the check."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = json.dumps({"data": [{"id": "tiny"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.close_connection = True


def test_a_service_gone_mid_run_is_exit_3_with_the_log_kept(lm_eval, tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Vanishing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        done = eval_cli("--url", f"http://127.0.0.1:{server.server_port}", "--model", "tiny", "--task",
                        "adoc_arith", "--limit", "2", "--out", str(tmp_path / "run"))
    finally:
        server.shutdown()
    assert done.returncode == 3, done.stderr
    doc = json.loads((tmp_path / "run" / "eval.json").read_text())
    assert doc["result"] is None and doc["errors"][0].startswith("lm-eval ")
    assert (tmp_path / "run" / "lm-eval.log").stat().st_size > 0
    assert "Traceback" not in done.stderr
