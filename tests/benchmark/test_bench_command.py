"""`ascend-doctor bench` in-process: a fake vLLM (tests/benchmark/fakes.py) behind --python, a fake
/v1/models server, and result files of real runs for --result-file."""

from __future__ import annotations

import io
import json
import os
import socket
import time

import pytest

from doctor.cli import main
from doctor.runtime import Runtime
from tests.benchmark.fakes import FIXTURES, ModelsServer, fake_python


@pytest.fixture
def server():
    served = ModelsServer()
    yield served
    served.close()


@pytest.fixture
def fake(tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_ARGV_LOG", str(tmp_path / "argv.log"))
    monkeypatch.setenv("FAKE_CHILD_PID", str(tmp_path / "child.pid"))
    return fake_python(tmp_path)


def bench(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["bench", *argv], Runtime(stdout=out, stderr=err, environ={"COLUMNS": "80"}))
    return code, out.getvalue(), err.getvalue()


def run_args(server, fake, out, *more):
    return ("--url", server.url, "--model", "tiny", "--python", str(fake), "--tokenizer", "tok",
            "--input-len", "32", "--output-len", "16", "--num-prompts", "8", "--out", str(out), *more)


def test_a_sweep_writes_bench_json_raw_results_logs_and_the_chart(server, fake, tmp_path):
    code, stdout, _ = bench(*run_args(server, fake, tmp_path / "o", "--concurrency", "1,4", "--json"))
    doc = json.loads(stdout)
    assert code == 0 and doc == json.loads((tmp_path / "o" / "bench.json").read_text())
    assert doc["schema"] == "ascend-doctor-bench/1" and doc["runner"] == {"mode": "python", "target": str(fake)}
    assert [level["concurrency"] for level in doc["sweep"]] == [1, 4]
    assert doc["result"] == doc["sweep"][0]["result"] and doc["result"]["output_throughput"] == 100.0
    assert doc["gate"] is None and doc["errors"] == []
    assert sorted(os.listdir(tmp_path / "o")) == ["bench.json", "bench.png", "vllm-bench-c1.json", "vllm-bench-c1.log",
                                                  "vllm-bench-c4.json", "vllm-bench-c4.log"]
    ran = [json.loads(line) for line in (tmp_path / "argv.log").read_text().splitlines()]
    assert [a[a.index("--max-concurrency") + 1] for a in ran] == ["1", "4"]
    assert ran[0][ran[0].index("--base-url") + 1] == server.url


def test_the_table_fits_80_columns_and_ends_with_the_verdict(server, fake, tmp_path):
    code, stdout, _ = bench(*run_args(server, fake, tmp_path / "o", "--concurrency", "1,2,4,8"))
    lines = stdout.splitlines()
    assert code == 0 and max(len(line) for line in lines) <= 80
    assert any(line.startswith("│ output tok/s") and "800.0" in line for line in lines)
    assert lines[-2:] == ["measured; no --baseline to compare with", f"results in {tmp_path / 'o'}"]


def test_a_baseline_it_cannot_meet_fails_with_exit_1_naming_the_figure(server, fake, tmp_path):
    (tmp_path / "base.json").write_text('{"output_throughput": 300}')
    code, stdout, _ = bench(*run_args(server, fake, tmp_path / "o", "--concurrency", "4",
                                      "--baseline", str(tmp_path / "base.json")))
    assert code == 0 and "gate passed: no figure worse than" in stdout      # 400 tok/s beats 300
    code, stdout, _ = bench(*run_args(server, fake, tmp_path / "o2", "--concurrency", "1,4",
                                      "--baseline", str(tmp_path / "base.json")))
    assert code == 1 and "gate FAILED:" in stdout
    assert "output_throughput at concurrency 1: 100.00 against baseline 300.00 (-66.7%)" in stdout


def test_a_level_that_dies_keeps_the_levels_before_it_and_quotes_its_log(server, fake, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_VLLM", "after-1:die")
    code, stdout, _ = bench(*run_args(server, fake, tmp_path / "o", "--concurrency", "1,4,16", "--json"))
    doc = json.loads(stdout)
    assert code == 3 and [level["concurrency"] for level in doc["sweep"]] == [1]
    [error] = doc["errors"]
    assert error.startswith("concurrency 4: vLLM's benchmark exited with status 1")
    assert "ServerDisconnectedError: Server disconnected" in error
    assert (tmp_path / "o" / "vllm-bench-c4.log").exists() and not (tmp_path / "o" / "vllm-bench-c16.log").exists()
    assert doc["files"]["results"] == ["vllm-bench-c1.json"]


def test_a_level_past_its_deadline_is_stopped_with_its_children(server, fake, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_VLLM", "after-1:hang")
    started = time.monotonic()
    code, stdout, _ = bench(*run_args(server, fake, tmp_path / "o", "--concurrency", "1,2", "--timeout", "2", "--json"))
    assert time.monotonic() - started < 10
    doc = json.loads(stdout)
    assert code == 3 and [level["concurrency"] for level in doc["sweep"]] == [1]
    assert "did not finish within 2 s (--timeout)" in doc["errors"][0] and "waiting for the server" in doc["errors"][0]
    child = int((tmp_path / "child.pid").read_text())
    assert not _alive(child), "the benchmark's own child outlived the deadline"


def _alive(pid: int) -> bool:
    for _ in range(20):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().split(") ")[1].startswith("Z"):
                    return False
        except FileNotFoundError:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.parametrize("behaviour, words", [("garbled", "its result file cannot be read: not JSON"),
                                              ("no-result", "ended without writing its result file")])
def test_a_result_file_that_is_missing_or_garbled_is_an_error(server, fake, tmp_path, monkeypatch, behaviour, words):
    monkeypatch.setenv("FAKE_VLLM", behaviour)
    code, stdout, _ = bench(*run_args(server, fake, tmp_path / "o", "--json"))
    assert code == 3 and words in json.loads(stdout)["errors"][0]


def test_an_unreachable_service_is_exit_3_before_anything_runs(fake, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, stdout, stderr = bench("--url", f"http://127.0.0.1:{port}", "--model", "tiny", "--python", str(fake),
                                 "--out", str(tmp_path / "o"))
    assert code == 3 and stdout == "" and "does not answer" in stderr and "refused" in stderr
    assert not (tmp_path / "o").exists() and not (tmp_path / "argv.log").exists()


def test_a_model_the_service_does_not_serve_is_exit_2_listing_what_it_serves(server, fake, tmp_path):
    code, _, stderr = bench("--url", server.url, "--model", "big", "--python", str(fake), "--out", str(tmp_path / "o"))
    assert code == 2 and "does not serve 'big'; it serves 'tiny'" in stderr


def test_the_tokenizer_defaults_to_the_model_path_the_service_reports(server, fake, tmp_path):
    server.models = [("tiny", str(tmp_path))]
    assert bench("--url", server.url, "--model", "tiny", "--python", str(fake), "--out", str(tmp_path / "o"))[0] == 0
    ran = json.loads((tmp_path / "argv.log").read_text().splitlines()[0])
    assert ran[ran.index("--tokenizer") + 1] == str(tmp_path)


def test_a_model_path_not_on_this_machine_asks_for_tokenizer(server, fake, tmp_path):
    code, _, stderr = bench("--url", server.url, "--model", "tiny", "--python", str(fake), "--out", str(tmp_path / "o"))
    assert code == 2 and "/data/models/tiny, which is not on this machine; give --tokenizer" in stderr


@pytest.mark.parametrize("python, setup, words", [
    ("/nowhere/python", None, "No such file or directory"),
    (None, {"FAKE_HAS_VLLM": "3"}, "has no vllm package"),
])
def test_a_python_without_vllm_is_exit_2(server, fake, tmp_path, monkeypatch, python, setup, words):
    for key, value in (setup or {}).items():
        monkeypatch.setenv(key, value)
    code, _, stderr = bench("--url", server.url, "--model", "tiny", "--python", python or str(fake),
                            "--out", str(tmp_path / "o"))
    assert code == 2 and words in stderr


def test_an_earlier_bench_json_is_not_overwritten_without_force(server, fake, tmp_path):
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "bench.json").write_text("{}")
    code, _, stderr = bench(*run_args(server, fake, tmp_path / "o"))
    assert code == 2 and "already holds a bench.json" in stderr and (tmp_path / "o" / "bench.json").read_text() == "{}"
    assert bench(*run_args(server, fake, tmp_path / "o", "--force"))[0] == 0


def test_a_malformed_baseline_is_refused_before_anything_runs(server, fake, tmp_path):
    (tmp_path / "base.json").write_text('{"output_throughput": -3}')
    code, _, stderr = bench(*run_args(server, fake, tmp_path / "o", "--baseline", str(tmp_path / "base.json")))
    assert code == 2 and f"--baseline {tmp_path / 'base.json'}: output_throughput is negative" in stderr
    assert not (tmp_path / "argv.log").exists()


@pytest.mark.parametrize("more, words", [
    (("--concurrency", "1,x"), "is not a list of whole numbers"),
    (("--concurrency", "4,4"), "names a level twice"),
    (("--num-prompts", "0"), "num_prompts must be from 1"),
    (("--dataset", "sharegpt"), "--dataset is `random` or `sharegpt FILE`"),
    (("--request-rate", "fast"), "--request-rate 'fast' is not a number"),
])
def test_bad_settings_are_exit_2(server, fake, tmp_path, more, words):
    code, _, stderr = bench(*run_args(server, fake, tmp_path / "o", *more))
    assert code == 2 and words in stderr


def test_neither_runner_nor_files_is_exit_2(server):
    code, _, stderr = bench("--url", server.url, "--model", "tiny")
    assert code == 2 and "give --container NAME" in stderr


def test_result_files_are_parsed_and_gated_without_running_anything(tmp_path):
    (tmp_path / "base.json").write_text('{"output_throughput": 200}')
    code, stdout, _ = bench("--result-file", str(FIXTURES / "run-c4.json"), "--result-file",
                            str(FIXTURES / "sweep-c1.json"), "--out", str(tmp_path / "o"),
                            "--baseline", str(tmp_path / "base.json"), "--json")
    doc = json.loads(stdout)
    assert code == 1 and doc["runner"]["mode"] == "files" and doc["model"] == "tiny"
    assert [level["concurrency"] for level in doc["sweep"]] == [1, 4]
    assert [(r["concurrency"], r["figure"]) for r in doc["gate"]["regressions"]] == [(1, "output_throughput")]
    assert (tmp_path / "o" / "vllm-bench-c4.json").read_bytes() == (FIXTURES / "run-c4.json").read_bytes()
    assert (tmp_path / "o" / "bench.png").exists()


def test_a_result_file_with_failed_requests_fails(tmp_path):
    code, stdout, _ = bench("--result-file", str(FIXTURES / "some-failed.json"), "--out", str(tmp_path / "o"))
    assert code == 1 and "3 request(s) failed at concurrency 4" in stdout


@pytest.mark.parametrize("content, words", [
    ((FIXTURES / "run-c4.json").read_text()[:500], "is not a result of vLLM's serving benchmark: not JSON"),
    ('{"schema": "ascend-doctor-bench/1"}', "no completed, duration"),
])
def test_a_garbled_result_file_is_exit_2_naming_it(tmp_path, content, words):
    (tmp_path / "raw.json").write_text(content)
    code, _, stderr = bench("--result-file", str(tmp_path / "raw.json"), "--out", str(tmp_path / "o"))
    assert code == 2 and f"--result-file {tmp_path / 'raw.json'}" in stderr and words in stderr


def test_two_result_files_for_one_level_are_refused(tmp_path):
    code, _, stderr = bench("--result-file", str(FIXTURES / "run-c4.json"), "--result-file",
                            str(FIXTURES / "some-failed.json"), "--out", str(tmp_path / "o"))
    assert code == 2 and "same concurrency" in stderr


def test_ctrl_c_writes_what_was_measured_and_exits_130(server, fake, tmp_path):
    import signal
    import subprocess
    import sys

    env = {**os.environ, "FAKE_VLLM": "after-1:hang", "PYTHONPATH": str(FIXTURES.parents[2])}
    process = subprocess.Popen([sys.executable, "-m", "doctor", "bench", *run_args(server, fake, tmp_path / "o",
                                "--concurrency", "1,2")], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not (tmp_path / "child.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=30)
    assert process.returncode == 130 and time.monotonic() - sent < 2
    doc = json.loads((tmp_path / "o" / "bench.json").read_text())
    assert [level["concurrency"] for level in doc["sweep"]] == [1] and "interrupted" in doc["errors"][0]
    assert not _alive(int((tmp_path / "child.pid").read_text()))
