"""lm-eval's last words, as its 0.4.13 run printed them here, said in one line."""

from doctor.accuracy.failures import PIP_LINE, reason

UNKNOWN = ["    raise ValueError(f\"Tasks not found: {missing}\")", "ValueError: Tasks not found: nosuch_task"]
LOGLIKELIHOOD = ["NotImplementedError: Loglikelihood is not supported for chat completions. Consider using the "
                 "completions API instead."]
REFUSED = ["requests.exceptions.ConnectionError: HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded "
           "with url: /v1/chat/completions (Caused by NewConnectionError(\"...: [Errno 111] Connection refused\"))"]


def test_an_unknown_task_is_named_from_the_exception_not_its_source_line():
    failure = reason(UNKNOWN, 1, "nosuch_task", "http://h:8000")
    assert failure.message.startswith("lm-eval knows no task nosuch_task (")
    assert failure.bad_input and failure.known


def test_a_loglikelihood_task_is_explained():
    failure = reason(LOGLIKELIHOOD, 1, "arc_easy", "http://h:8000")
    assert "task arc_easy scores answers by their log-probabilities" in failure.message
    assert "only generate_until tasks" in failure.message and failure.bad_input


def test_a_lost_service_is_not_the_users_fault():
    failure = reason(REFUSED, 1, "gsm8k", "http://h:8000")
    assert failure.message == "lm-eval lost the service at http://h:8000: connection refused (did the server stop?)"
    assert not failure.bad_input


def test_a_missing_lm_eval_names_the_pip_line():
    assert PIP_LINE in reason(["/usr/bin/python3: No module named lm_eval"], 1, "t", "u").message


def test_anything_else_quotes_the_last_line():
    failure = reason(["step 1", "Killed"], -9, "t", "u")
    assert failure.message == "lm-eval exited with status -9: Killed" and not failure.known
    assert reason([], 1, "t", "u").message == "lm-eval exited with status 1: (it printed nothing)"
