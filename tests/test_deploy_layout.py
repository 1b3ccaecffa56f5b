"""The names of a service's containers and files on a host: right, reversible, and spelled in one place."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from doctor import deploy_layout
from doctor.deploy_layout import container_owner, file_owner, layout
from tests.test_ansible import REPO

SPELLINGS = (deploy_layout.DEFINITIONS_DIR, *deploy_layout.CONTAINER_SUFFIXES,
             *(suffix for suffix in deploy_layout.FILE_SUFFIXES.values() if suffix.count(".") > 1))
# What renders, runs and removes services; argument specs (meta/) and comments may describe the names.
USERS = [*(REPO / "roles").glob("*/[!m]*/*.yml"), *(REPO / "roles").glob("*/templates/*.j2"),
         *(REPO / "playbooks").rglob("*.yml"), *(REPO / "playbooks").rglob("*.j2"),
         *(REPO / "filter_plugins").glob("*.py"), REPO / "doctor" / "deploy_plan.py"]


def test_a_service_layout():
    assert layout("qwen", "/srv/defs") == {
        "candidate": "qwen-candidate", "previous": "qwen-previous",
        "definition": "/srv/defs/qwen.json", "previous_definition": "/srv/defs/qwen.previous.json",
        "api_key": "/srv/defs/qwen.env", "smoke_result": "/srv/defs/qwen.smoke.json",
        "containers": ["qwen", "qwen-candidate", "qwen-previous"],
        "files": ["/srv/defs/qwen.json", "/srv/defs/qwen.previous.json", "/srv/defs/qwen.env",
                  "/srv/defs/qwen.smoke.json"]}
    assert layout("qwen")["definition"] == "/etc/ascend-doctor/services/qwen.json"


# names ending in a suffix are refused by the plan (deploy_plan.name_problems)
@pytest.mark.parametrize("name", ["qwen", "a.b-c_d", "previous-candidates", "m.json"])
def test_each_container_and_file_leads_back_to_its_service(name):
    names = layout(name, "/d")
    assert {container_owner(c) for c in names["containers"]} == {name}
    assert {file_owner(Path(f).name) for f in names["files"]} == {name}


def test_names_of_no_service_stay_as_they_are():
    assert container_owner("nginx") == "nginx" and file_owner("notes.txt") == "notes.txt"


def test_the_plan_renders_with_the_layout():
    from doctor.deploy_plan import HostSettings, plan

    service = {"name": "svc", "recipe": "qwen3-vl-4b", "devices": [0], "port": 8000, "spare_devices": [1],
               "api_key_set": True}
    rendered = plan([service], HostSettings(image="quay.io/ascend/vllm-ascend:v0.11.0rc0", secrets_dir="/k",
                                            api_key_digest="0" * 32))[0]
    assert layout("svc")["candidate"] in rendered["candidate_launch_argv"]
    assert layout("svc", "/k")["api_key"] in rendered["argv"]


def _literals(path: Path) -> list[str]:
    """The strings a file uses, without its comments and docstrings."""
    if path.suffix == ".py":
        tree = ast.parse(path.read_text())
        docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
        return [node.value for node in ast.walk(tree)
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]
    if path.suffix == ".j2":
        return [path.read_text()]
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for key, inner in value.items():
                walk(key)
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(yaml.safe_load(path.read_text()))
    return found


@pytest.mark.parametrize("path", USERS, ids=lambda p: str(p.relative_to(REPO)))
def test_the_names_are_spelled_only_in_deploy_layout(path):
    spelled = {s for s in SPELLINGS for text in _literals(path) if s in text}
    assert not spelled, f"{path.relative_to(REPO)} spells {sorted(spelled)}; use doctor/deploy_layout.py " \
                        "(the vllm_service_layout filter in YAML)"
