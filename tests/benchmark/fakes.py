"""Stand-ins for the unit tests: a Python interpreter whose `vllm bench serve` prints, writes a
result, dies, hangs or writes garbage as the FAKE_VLLM environment variable says, and a /v1/models
server."""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "vllm_bench"

FAKE_PYTHON = f"""#!{sys.executable}
import json, os, subprocess, sys, time
args = sys.argv[1:]
if len(args) == 2 and args[0] == "-c":            # the runner asking whether vllm is installed
    sys.exit(int(os.environ.get("FAKE_HAS_VLLM", "0")))
bench = args[2:]
option = lambda name: bench[bench.index(name) + 1]
level = int(option("--max-concurrency"))
with open(os.environ["FAKE_ARGV_LOG"], "a") as log:
    log.write(json.dumps(bench) + "\\n")
print("fake vllm: starting level", level, flush=True)
behaviour = os.environ.get("FAKE_VLLM", "ok")
if behaviour.startswith("after-1:"):
    behaviour = "ok" if level == 1 else behaviour.split(":", 1)[1]
if behaviour == "hang":
    child = subprocess.Popen(["sleep", "600"])
    open(os.environ["FAKE_CHILD_PID"], "w").write(str(child.pid))
    print("fake vllm: waiting for the server", flush=True)
    time.sleep(600)
if behaviour == "die":
    print("Traceback (most recent call last):", flush=True)
    print("aiohttp.client_exceptions.ServerDisconnectedError: Server disconnected", flush=True)
    sys.exit(1)
path = os.path.join(option("--result-dir"), option("--result-filename"))
if behaviour == "garbled":
    open(path, "w").write('{{"completed": 8, "dura')
    sys.exit(0)
if behaviour == "no-result":
    sys.exit(0)
result = json.load(open({str(FIXTURES / "run-c4.json")!r}))
result["max_concurrency"] = level
result["output_throughput"] = 100.0 * level
open(path, "w").write(json.dumps(result))
print("============ Serving Benchmark Result ============", flush=True)
"""


def fake_python(folder: Path) -> Path:
    path = folder / "python"
    path.write_text(FAKE_PYTHON)
    path.chmod(0o755)
    return path


class ModelsServer:
    """Answers GET /v1/models like vLLM: the served name and the model path as `root`."""

    def __init__(self, models=(("tiny", "/data/models/tiny"),), status: int = 200):
        self.models, self.status = list(models), status
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                body = json.dumps({"object": "list", "data": [
                    {"id": name, "object": "model", "root": root} for name, root in owner.models]}).encode()
                self.send_response(owner.status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def close(self):
        self.server.shutdown()
        self.server.server_close()
