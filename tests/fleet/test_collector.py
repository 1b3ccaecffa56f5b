"""The collector sent to fleet hosts: complete, Python 3.7 compatible, and the same evidence as `check`."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from doctor.fleet import bundle
from tests.hostile.harness import assert_sane, doctor
from tests.support import hosts, simhost

HOST_PYTHON = "/usr/bin/python3"     # Debian's: nothing of the project is installed for it


def doctor_imports(source: str) -> set[str]:
    """Every doctor module a source imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("doctor"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names
                         if f"{node.module}.{a.name}" in bundle.MODULES)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("doctor"))
    return found


def test_the_bundle_holds_every_module_it_imports():
    for name in bundle.MODULES:
        missing = doctor_imports(bundle.module_source(name)) - set(bundle.MODULES)
        assert not missing, f"{name} imports {missing}, which the collector does not carry"


@pytest.mark.parametrize("name", bundle.MODULES)
def test_each_module_keeps_to_python_3_7_syntax(name):
    source = bundle.module_source(name)
    tree = ast.parse(source, feature_version=(3, 7))          # no walrus, no positional-only, no match
    runtime_generics = [ast.unparse(n) for n in ast.walk(tree) if isinstance(n, ast.Assign)
                        and isinstance(n.value, ast.Subscript)
                        and ast.unparse(n.value.value) in ("list", "dict", "tuple", "set", "type")]
    assert not runtime_generics, f"builtin generics evaluated at import need Python 3.9: {runtime_generics}"
    assert "from collections.abc import" not in source, "use typing's generics: collections.abc's need 3.9"


def test_the_modules_use_no_library_newer_than_python_3_7(tmp_path):
    files = []
    for name in bundle.MODULES:
        path = tmp_path / f"{name}.py"
        path.write_text(bundle.module_source(name))
        files.append(str(path))
    done = subprocess.run([sys.executable, "-c", "import sys, vermin; sys.exit(vermin.main())",
                           "--no-tips", "-t=3.7-", "--violations", *files], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_old_python_is_told_so_not_crashed():
    script = bundle.collector_script(None, 1.0).replace("sys.version_info < (3, 7)", "True")
    done = subprocess.run([HOST_PYTHON, "-"], input=script, capture_output=True, text=True, timeout=30)
    assert done.returncode == bundle.TOO_OLD_EXIT and "needs 3.7 or later" in done.stderr


@pytest.fixture
def simulated(tmp_path):
    spec = hosts.atlas_800_a3_busy()
    root = simhost.build(tmp_path / "root", spec)
    return root, {k: v for k, v in simhost.probe_env(root, spec).items() if k != "LD_PRELOAD"}


def test_the_collector_and_a_local_check_find_the_same(simulated, tmp_path):
    root, env = simulated
    script = bundle.collector_script((8, 9), 5.0, root=str(root))
    done = subprocess.run([HOST_PYTHON, "-I", "-S", "-"], input=script, capture_output=True, text=True,
                          env=env, cwd="/", timeout=60)
    assert done.returncode == 0, done.stderr
    (tmp_path / "evidence.json").write_text(done.stdout)
    intent = ["--devices", "8,9", "--tp", "2"]
    local = doctor("check", "--root", str(root), "--json", *intent, env=env)
    remote = doctor("check", "--evidence", str(tmp_path / "evidence.json"), "--json", *intent)
    assert_sane(local, 1, seconds=30)
    assert_sane(remote, 1, seconds=30)
    statuses = [{f["code"]: (f["status"], f["summary"]) for f in json.loads(r.out)["findings"]}
                for r in (local, remote)]
    assert statuses[0] == statuses[1]
    assert statuses[0]["DEV006"][0] == "FAIL"


def test_the_collector_carries_no_file_onto_the_host(simulated, tmp_path):
    root, env = simulated
    before = {p for p in Path("/tmp").iterdir()}
    script = bundle.collector_script(None, 5.0, root=str(root))
    subprocess.run([HOST_PYTHON, "-I", "-S", "-"], input=script, capture_output=True, text=True, env=env,
                   cwd="/", timeout=60, check=True)
    assert {p for p in Path("/tmp").iterdir()} == before
