"""The Ansible side passes ansible-lint's production profile and every role validates its arguments."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
ROLES = sorted(p.name for p in (REPO / "roles").iterdir() if p.is_dir())


def tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed in CI")
        pytest.skip(f"{name} is not installed")
    return path


def test_ansible_lint_production_profile():
    done = subprocess.run([tool("ansible-lint"), "--profile", "production", "--nocolor", "playbooks", "roles"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_documents_and_validates_its_variables(role):
    specs = yaml.safe_load((REPO / "roles" / role / "meta" / "argument_specs.yml").read_text())
    options = specs["argument_specs"]["main"]["options"]
    defaults_file = REPO / "roles" / role / "defaults" / "main.yml"
    defaults = yaml.safe_load(defaults_file.read_text()) or {} if defaults_file.exists() else {}
    for name in defaults:
        assert name in options, f"{role}: default {name} has no argument spec"
        assert name.startswith(role + "_"), f"{role}: {name} lacks the role prefix"
        comment_lines = defaults_file.read_text().split(f"\n{name}:")[0].rstrip().splitlines()
        assert comment_lines and comment_lines[-1].lstrip().startswith("#"), f"{role}: {name} is not documented"


@pytest.mark.parametrize("playbook", ["deploy.yml", "doctor.yml", "undeploy.yml", "evaluate.yml"])
def test_playbooks_parse_from_the_root_and_from_playbooks(playbook):
    runner = tool("ansible-playbook")
    for cwd, path in ((REPO, f"playbooks/{playbook}"), (REPO / "playbooks", playbook)):
        done = subprocess.run([runner, "--syntax-check", "-i", str(REPO / "inventories/example/hosts.yml"), path],
                              cwd=cwd, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr


def test_example_inventory_renders(tmp_path):
    """The example inventory's services pass the same checks the deploy runs first."""
    from doctor.deploy_plan import HostSettings, plan

    inventory = yaml.safe_load((REPO / "inventories/example/hosts.yml").read_text())
    group = yaml.safe_load((REPO / "inventories/example/group_vars/vllm_hosts.yml").read_text())
    for host in inventory["vllm_hosts"]["hosts"].values():
        rendered = plan(host["vllm_services"], HostSettings(image=group["vllm_image"]))
        assert all(r["argv"][:2] == ["docker", "run"] for r in rendered)



def test_deploy_measures_only_when_asked_with_the_evaluate_tag():
    runner = tool("ansible-playbook")

    def tasks(*tags: str) -> str:
        done = subprocess.run([runner, "--list-tasks", "-i", str(REPO / "inventories/example/hosts.yml"),
                               "playbooks/deploy.yml", *tags], cwd=REPO, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    assert "evaluate : Measure every service of the host" not in tasks()
    both = tasks("--tags", "all,evaluate")
    assert "evaluate : Measure every service of the host" in both and "smoke : Smoke-test every service" in both
