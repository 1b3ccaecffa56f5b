import io

import pytest

from doctor.cli import main
from doctor.runtime import Runtime


class Ran:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def cli():
    def run(*argv, environ=None, stdin=""):
        out, err = io.StringIO(), io.StringIO()
        stdin_stream = io.TextIOWrapper(io.BytesIO(stdin if isinstance(stdin, bytes) else stdin.encode()))
        runtime = Runtime(stdout=out, stderr=err, stdin=stdin_stream, environ=environ or {"PATH": "/nonexistent"})
        code = main(list(argv), runtime)
        return Ran(code, out.getvalue(), err.getvalue())
    return run
