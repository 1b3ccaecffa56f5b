"""Hosts come from the inventory through ansible-core, as ansible-playbook reads it."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from doctor.errors import UsageError
from doctor.fleet import inventory
from doctor.fleet.inventory import proxy_jump


def write(tmp_path, hosts: dict, group_vars: dict | None = None):
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": {"npu": {"hosts": hosts}}}}))
    if group_vars:
        (tmp_path / "group_vars").mkdir(exist_ok=True)
        (tmp_path / "group_vars" / "npu.yml").write_text(yaml.safe_dump(group_vars))
    return str(tmp_path / "hosts.yml")


def test_connection_variables_group_vars_and_templates(tmp_path):
    path = write(tmp_path, {"n1": {"ansible_host": "{{ net }}.11", "ansible_port": 2222},
                            "n2": {"ansible_ssh_common_args": "-o ProxyJump=jump@bastion:2200"}},
                 {"net": "10.9.0", "ansible_user": "ops", "ansible_become": "yes", "ascend_cluster": "c1",
                  "ansible_ssh_private_key_file": "~/.ssh/fleet", "preflight_ignore": ["net003"],
                  "vllm_image": "quay.io/ascend/vllm-ascend:v0.11.0rc0"})
    n1, n2 = inventory.load([path]).targets
    assert (n1.address, n1.port, n1.user, n1.become, n1.cluster) == ("10.9.0.11", 2222, "ops", True, "c1")
    assert n1.key_file.endswith("/.ssh/fleet") and "~" not in n1.key_file
    assert n1.ignore == ("NET003",) and n1.image.endswith("v0.11.0rc0") and n1.groups == ("npu",)
    assert (n2.address, n2.proxy_jump) == ("n2", "jump@bastion:2200")


def test_limit_patterns_behave_as_in_ansible(tmp_path):
    path = write(tmp_path, {f"n{i}": {} for i in range(1, 5)})
    assert [t.name for t in inventory.load([path], limit="n1:n2").targets] == ["n1", "n2"]
    assert [t.name for t in inventory.load([path], limit="npu[0:1]").targets] == ["n1", "n2"]
    assert [t.name for t in inventory.load([path], limit="npu:!n3").targets] == ["n1", "n2", "n4"]
    with pytest.raises(UsageError, match="no host .* matches --limit nothing"):
        inventory.load([path], limit="nothing")


def test_vaulted_values_are_decrypted_with_the_password_file(tmp_path):
    password = tmp_path / "vault-pass"
    password.write_text("s3cret-pass\n")
    secret = subprocess.run(["ansible-vault", "encrypt_string", "--vault-password-file", str(password),
                             "10.9.0.77", "--name", "ansible_host"], capture_output=True, text=True, check=True)
    (tmp_path / "host_vars").mkdir()
    (tmp_path / "host_vars" / "n1.yml").write_text(secret.stdout)
    path = write(tmp_path, {"n1": {}})
    locked = inventory.load([path]).targets[0]    # first: ansible keeps secrets for the process once given
    assert "--vault-password-file" in locked.error and "10.9.0.77" not in locked.error
    assert inventory.load([path], vault_password_file=str(password)).targets[0].address == "10.9.0.77"


@pytest.mark.parametrize("variables, message", [
    ({"ansible_port": "ssh"}, "ansible_port 'ssh' is not a port number"),
    ({"ansible_port": 70000}, "is not a port number"),
    ({"ansible_become": "maybe"}, "ansible_become 'maybe' is not a boolean"),
    ({"ansible_ssh_common_args": "-o ProxyCommand='nc %h %p'"}, "is not understood; use ProxyJump"),
])
def test_a_bad_value_is_that_hosts_error_not_the_runs(tmp_path, variables, message):
    path = write(tmp_path, {"bad": variables, "good": {}})
    bad, good = inventory.load([path]).targets
    assert message in bad.error and good.error is None


def test_a_missing_inventory_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        inventory.load([str(tmp_path / "nope.yml")])


@pytest.mark.parametrize("args, bastion", [
    ("-J ops@jump:2200", "ops@jump:2200"),
    ("-o ProxyJump=jump,second", "jump"),
    ("-oProxyJump=jump", "jump"),
    ('-o ProxyCommand="ssh -W %h:%p -q -p 2201 ops@jump"', "ops@jump:2201"),
    ('-o ProxyCommand="ssh -l ops -W %h:%p jump"', "ops@jump"),
    ("-o StrictHostKeyChecking=no", None),
    ("", None),
])
def test_proxy_jump_forms(args, bastion):
    assert proxy_jump(args) == bastion
