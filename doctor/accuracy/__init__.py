"""`ascend-doctor eval`: what a deployed service scores on an lm-eval task, against a baseline.

lm-eval (EleutherAI's lm-evaluation-harness, the optional extra `ascend-doctor[eval]`) runs as a
child process talking to the service's OpenAI chat endpoint; nothing of it is imported here.

    tasks.py        the task folder bundled for sites that cannot download datasets
    invocation.py   the lm-eval command line and environment (the API key only in the environment)
    runner.py       lm-eval run under a deadline, its output kept in a log
    failures.py     why a run failed, in one line, from the end of its log
    results.py      lm-eval's results file read into the figures we report
    baselines.py    published baselines (data/accuracy_baselines.json) and --baseline
    gate.py         measured against baseline: the floor and the verdict
    document.py     eval.json (schema ascend-doctor-eval/1) and the output folder
    table.py        the short table on stdout
    service.py      GET /v1/models before anything is run
"""
