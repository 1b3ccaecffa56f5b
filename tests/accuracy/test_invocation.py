"""The lm-eval command line and environment: lm-eval 0.4.13's arguments, the key only in the environment."""

from doctor.accuracy.invocation import API_KEY_VARIABLE, Invocation, argv, environment, model_args

RUN = Invocation(python="/usr/bin/python3", url="http://10.0.0.5:8000/", model="qwen3vl", task="gsm8k",
                 output_path="/out/lm-eval", concurrency=8)


def test_model_args_name_the_chat_endpoint_and_send_text():
    assert model_args(RUN) == ("model=qwen3vl,base_url=http://10.0.0.5:8000/v1/chat/completions,num_concurrent=8,"
                               "max_retries=3,tokenized_requests=False")


def test_the_command_runs_lm_eval_as_a_module_with_the_chat_template():
    command = argv(RUN)
    assert command[:6] == ["/usr/bin/python3", "-m", "lm_eval", "run", "--model", "local-chat-completions"]
    assert "--apply_chat_template" in command
    assert command[command.index("--tasks") + 1] == "gsm8k"
    assert command[command.index("--output_path") + 1] == "/out/lm-eval"
    assert not {"--limit", "--num_fewshot", "--include_path", "--log_samples"} & set(command)


def test_options_given_reach_the_command():
    from dataclasses import replace

    command = argv(replace(RUN, limit=4, num_fewshot=0, include_path="/tasks", log_samples=True))
    assert command[command.index("--limit") + 1] == "4"
    assert command[command.index("--num_fewshot") + 1] == "0"
    assert command[command.index("--include_path") + 1] == "/tasks"
    assert "--log_samples" in command


def test_the_api_key_travels_in_the_environment_and_never_in_the_command():
    key = "sk-test-" + "k" * 24
    env = environment({"PATH": "/bin"}, key, offline=False)
    assert env[API_KEY_VARIABLE] == key
    assert not any(key in arg for arg in argv(RUN))


def test_a_key_in_our_own_environment_is_not_passed_on_unless_named():
    env = environment({"PATH": "/bin", API_KEY_VARIABLE: "someone-elses"}, None, offline=False)
    assert API_KEY_VARIABLE not in env


def test_a_local_task_keeps_the_hubs_closed():
    env = environment({}, None, offline=True)
    assert env["HF_DATASETS_OFFLINE"] == env["HF_HUB_OFFLINE"] == "1"
    assert "HF_HUB_OFFLINE" not in environment({}, None, offline=False)
