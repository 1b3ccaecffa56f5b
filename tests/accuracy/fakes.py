"""A stand-in for lm-eval (a script given as the Python that runs it) and a service that lists models.

The script answers our version probe (`-c ...`) like a Python with lm_eval 0.4.13 and, run as
`-m lm_eval run ...`, does what FAKE_LM_EVAL says: `results` writes a results file copied from
tests/fixtures/lm_eval (FAKE_LM_EVAL_VALUE sets the figure), `die` prints half a run and exits 1,
`hang` sleeps, `argv` records its argv and environment in FAKE_LM_EVAL_RECORD, then writes results.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lm_eval"

SCRIPT = '''#!{python}
import json, os, sys, time
if sys.argv[1] == "-c":
    print("0.4.13")
    sys.exit(0)
mode = os.environ.get("FAKE_LM_EVAL", "results")
args = sys.argv[1:]
out = args[args.index("--output_path") + 1]
print("2026-12-03:16:33:53 INFO     [evaluator:589] Running generate_until requests", flush=True)
if mode == "argv":
    with open(os.environ["FAKE_LM_EVAL_RECORD"], "w") as record:
        json.dump({{"argv": sys.argv, "env": dict(os.environ)}}, record)
if mode == "die":
    print("Requesting API:  50%|#####     | 2/4", flush=True)
    print("requests.exceptions.ConnectionError: HTTPConnectionPool(host='127.0.0.1', port=8000): "
          "Max retries exceeded with url: /v1/chat/completions (Caused by NewConnectionError("
          "'Failed to establish a new connection: [Errno 111] Connection refused'))", flush=True)
    sys.exit(1)
if mode == "hang":
    with open(os.environ["FAKE_LM_EVAL_PID"], "w") as pid:
        pid.write(str(os.getpid()))
    time.sleep(600)
doc = json.load(open({fixture!r}))
if "FAKE_LM_EVAL_VALUE" in os.environ:
    doc["results"]["adoc_arith"]["exact_match,first-number"] = float(os.environ["FAKE_LM_EVAL_VALUE"])
os.makedirs(os.path.join(out, "tiny"), exist_ok=True)
with open(os.path.join(out, "tiny", "results_2026-12-03T16-40-05.119964.json"), "w") as f:
    json.dump(doc, f)
'''


def fake_lm_eval(folder: Path) -> str:
    path = folder / "fake-python"
    path.write_text(SCRIPT.format(python=sys.executable, fixture=str(FIXTURES / "adoc_arith_limit4_results.json")))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


class Service:
    """GET /v1/models lists `models`; records the Authorization header it was sent."""

    def __init__(self, models=("tiny",)):
        self.models = list(models)
        self.authorizations = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                service.authorizations.append(self.headers.get("Authorization"))
                body = json.dumps({"object": "list", "data": [{"id": m} for m in service.models]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def environ(**extra) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **extra}
