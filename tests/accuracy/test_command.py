"""`ascend-doctor eval` in-process, with a stand-in lm-eval and a service that only lists its models."""

import json
import os
import time

import pytest

from doctor.accuracy import runner, tasks
from tests.accuracy.fakes import Service, environ, fake_lm_eval

KEY = "sk-eval-" + "q" * 24


@pytest.fixture
def service():
    served = Service()
    yield served
    served.close()


@pytest.fixture
def evaluate(cli, service, tmp_path):
    python = fake_lm_eval(tmp_path)

    def run(*extra, mode="results", env=None, out=None):
        out = out or str(tmp_path / "run")
        return cli("eval", "--url", service.url, "--model", "tiny", "--out", out, "--lm-eval-python", python,
                   *extra, environ=environ(FAKE_LM_EVAL=mode, FAKE_LM_EVAL_RECORD=str(tmp_path / "record.json"),
                                           FAKE_LM_EVAL_PID=str(tmp_path / "pid"), **(env or {})))
    return run


def _document(tmp_path) -> dict:
    return json.loads((tmp_path / "run" / "eval.json").read_text())


def test_a_run_reports_the_figure_and_writes_eval_json(evaluate, tmp_path):
    ran = evaluate("--task", "adoc_arith", "--limit", "4")
    assert ran.code == 0, ran.err
    doc = _document(tmp_path)
    assert doc["schema"] == "ascend-doctor-eval/1" and doc["gate"] is None and doc["errors"] == []
    assert doc["result"] == {"task": "adoc_arith", "metric": "exact_match,first-number", "value": 0.0,
                             "stderr": 0.0, "samples": 4}
    assert doc["lm_eval"]["version"] == "0.4.13" and doc["limit"] == 4
    assert os.path.isfile(doc["files"]["results"]) and os.path.isfile(doc["files"]["log"])
    assert "exact_match,first-number" in ran.out and "not gated" in ran.out


def test_json_prints_the_document_eval_json_holds(evaluate, tmp_path):
    ran = evaluate("--task", "adoc_arith", "--json")
    assert ran.code == 0
    printed, written = json.loads(ran.out), _document(tmp_path)
    assert printed == written
    assert list(printed) == ["schema", "url", "model", "task", "limit", "num_fewshot", "started", "finished",
                             "eval_seconds", "wall_seconds", "lm_eval", "result", "metrics", "gate", "errors", "files"]


def test_a_baseline_it_cannot_meet_fails_naming_the_figures(evaluate, tmp_path):
    ran = evaluate("--task", "adoc_arith", "--baseline", "0.9")
    assert ran.code == 1
    assert "measured 0, below the floor 0.855 allowed by the baseline 0.9 with tolerance 0.05" in ran.out
    assert _document(tmp_path)["gate"]["passed"] is False


def test_a_score_above_the_band_passes_with_a_note(evaluate, tmp_path):
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"task": "adoc_arith", "metric": "exact_match", "value": 0.5}))
    ran = evaluate("--baseline", str(baseline), mode="results", env={"FAKE_LM_EVAL_VALUE": "0.75"})
    assert ran.code == 0, ran.err
    assert "better than the baseline 0.5 by more than its tolerance" in ran.out
    assert _document(tmp_path)["task"] == "adoc_arith"      # the task came from the baseline file


def test_an_earlier_run_is_a_baseline(evaluate, tmp_path):
    assert evaluate("--task", "adoc_arith", env={"FAKE_LM_EVAL_VALUE": "0.8"}).code == 0
    earlier = tmp_path / "earlier.json"
    os.replace(tmp_path / "run" / "eval.json", earlier)
    ran = evaluate("--baseline", str(earlier), "--force", env={"FAKE_LM_EVAL_VALUE": "0.7"})
    assert ran.code == 1 and "below the floor 0.76" in ran.out


def test_the_api_key_reaches_lm_eval_only_through_its_environment(evaluate, tmp_path, service):
    ran = evaluate("--task", "adoc_arith", "--api-key-env", "MY_KEY", mode="argv", env={"MY_KEY": KEY})
    assert ran.code == 0, ran.err
    record = json.loads((tmp_path / "record.json").read_text())
    assert record["env"]["OPENAI_API_KEY"] == KEY
    assert not any(KEY in arg for arg in record["argv"])
    assert service.authorizations == [f"Bearer {KEY}"]
    written = "".join(p.read_text() for p in (tmp_path / "run").rglob("*") if p.is_file())
    assert KEY not in written + ran.out + ran.err


def test_a_key_lying_in_our_environment_is_not_handed_on(evaluate, tmp_path):
    assert evaluate("--task", "adoc_arith", mode="argv", env={"OPENAI_API_KEY": KEY}).code == 0
    assert "OPENAI_API_KEY" not in json.loads((tmp_path / "record.json").read_text())["env"]


def test_the_bundled_task_runs_offline_from_the_packages_folder(evaluate, tmp_path):
    assert evaluate("--task", "adoc_arith", mode="argv").code == 0
    record = json.loads((tmp_path / "record.json").read_text())
    assert record["argv"][record["argv"].index("--include_path") + 1] == str(tasks.FOLDER)
    assert record["env"]["HF_DATASETS_OFFLINE"] == record["env"]["HF_HUB_OFFLINE"] == "1"


def test_lm_eval_dying_halfway_keeps_the_log_and_writes_what_there_is(evaluate, tmp_path):
    ran = evaluate("--task", "adoc_arith", mode="die")
    assert ran.code == 3
    doc = _document(tmp_path)
    assert doc["result"] is None and doc["errors"][0].startswith("lm-eval lost the service at")
    assert "Requesting API:  50%" in (tmp_path / "run" / "lm-eval.log").read_text()
    assert "Traceback" not in ran.err


def test_a_hung_lm_eval_is_stopped_at_the_deadline(evaluate, tmp_path):
    started = time.monotonic()
    ran = evaluate("--task", "adoc_arith", "--timeout", "2", mode="hang")
    assert ran.code == 3 and time.monotonic() - started < 30
    assert "did not finish within --timeout 2 s" in _document(tmp_path)["errors"][0]
    pid = int((tmp_path / "pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_ctrl_c_during_the_run_exits_130_with_eval_json_written(evaluate, tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "run", lambda *a, **k: runner.Outcome(None, 1.0, interrupted=True))
    ran = evaluate("--task", "adoc_arith")
    assert ran.code == 130
    assert _document(tmp_path)["errors"][0].startswith("interrupted")


def test_no_lm_eval_in_the_python_is_one_line_with_the_pip_command(cli, service, tmp_path):
    ran = cli("eval", "--url", service.url, "--model", "tiny", "--task", "adoc_arith", "--out", str(tmp_path / "r"),
              "--lm-eval-python", "/bin/false")
    assert ran.code == 2
    assert ran.err.strip().splitlines() == [
        "ascend-doctor: error: lm_eval is not installed in /bin/false: pip install 'ascend-doctor[eval]'"]


def test_a_model_the_service_does_not_serve_lists_what_it_serves(evaluate, service):
    service.models = ["qwen3vl", "other"]
    ran = evaluate("--task", "adoc_arith")
    assert ran.code == 2 and "does not serve 'tiny'; it serves 'qwen3vl', 'other'" in ran.err


def test_nothing_listening_is_exit_3_before_anything_runs(cli, tmp_path):
    ran = cli("eval", "--url", "http://127.0.0.1:9", "--model", "tiny", "--task", "adoc_arith",
              "--out", str(tmp_path / "r"), "--lm-eval-python", fake_lm_eval(tmp_path))
    assert ran.code == 3 and "cannot reach the service" in ran.err
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("extra, words", [
    ((), "give --task TASK"),
    (("--task", "a,b"), "holds a comma"),
    (("--task", "adoc_arith", "--baseline", "missing.json"), "cannot read missing.json"),
    (("--task", "adoc_arith", "--recipe", "no-such-recipe"), "--recipe no-such-recipe"),
    (("--task", "adoc_arith", "--baseline", "0.5", "--tolerance", "2"), ""),   # argparse's own message
    (("--task", "gsm8k", "--include-path", "/etc/hostname"), "is not a directory"),
])
def test_bad_input_is_exit_2_before_lm_eval_runs(evaluate, tmp_path, extra, words):
    ran = evaluate(*extra, mode="argv")
    assert ran.code == 2 and words in ran.err, ran.err
    assert not (tmp_path / "record.json").exists()


def test_a_malformed_baseline_file_is_refused_before_running(evaluate, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"value": "high"}')
    ran = evaluate("--task", "adoc_arith", "--baseline", str(bad), mode="argv")
    assert ran.code == 2 and "value must be a finite number" in ran.err
    assert not (tmp_path / "record.json").exists()


def test_a_folder_holding_a_run_is_refused_unless_forced(evaluate, tmp_path):
    assert evaluate("--task", "adoc_arith").code == 0
    again = evaluate("--task", "adoc_arith")
    assert again.code == 2 and "already holds an eval.json" in again.err
    assert evaluate("--task", "adoc_arith", "--force").code == 0


def test_a_recipe_names_the_model_task_and_published_baseline(evaluate, tmp_path, service):
    service.models = ["Qwen/Qwen3-VL-8B-Instruct"]
    ran = evaluate("--recipe", "qwen3-vl-8b", "--model", "Qwen/Qwen3-VL-8B-Instruct", mode="argv")
    record = json.loads((tmp_path / "record.json").read_text())
    assert record["argv"][record["argv"].index("--tasks") + 1] == "mmmu_val"
    assert record["argv"][record["argv"].index("--num_fewshot") + 1] == "0"
    assert "HF_HUB_OFFLINE" not in record["env"]
    assert ran.code == 3      # the stand-in wrote adoc_arith's results, not mmmu_val's
    assert "has no results for task mmmu_val" in _document(tmp_path)["errors"][0]
