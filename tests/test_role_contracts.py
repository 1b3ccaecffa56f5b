"""Each role's argument specs say exactly what its entry points read from outside the role."""

from __future__ import annotations

import pytest
import yaml

from tests.role_reads import RoleReader, names_in_template
from tests.test_ansible import REPO, ROLES

ENTRIES = [(role, entry) for role in ROLES for entry in
           yaml.safe_load((REPO / "roles" / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]]


def spec_options(role: str, entry: str) -> set[str]:
    specs = yaml.safe_load((REPO / "roles" / role / "meta" / "argument_specs.yml").read_text())
    return set(specs["argument_specs"][entry].get("options") or {})


@pytest.mark.parametrize(("role", "entry"), ENTRIES)
def test_what_an_entry_point_reads_from_outside_is_in_its_spec(role, entry):
    outside = RoleReader(REPO / "roles" / role).entry(entry).external()
    missing = outside - spec_options(role, entry)
    assert not missing, f"{role} ({entry}) reads {sorted(missing)}, which its argument spec does not name"


@pytest.mark.parametrize(("role", "entry"), ENTRIES)
def test_every_option_of_an_entry_point_is_read(role, entry):
    unread = spec_options(role, entry) - RoleReader(REPO / "roles" / role).entry(entry).reads
    assert not unread, f"{role} ({entry}) specifies {sorted(unread)}, which it never reads"


def test_every_task_file_is_reached_from_an_entry_point():
    """A task file no entry point reaches would escape the checks above."""
    for role in ROLES:
        reader = RoleReader(REPO / "roles" / role)
        reached = set()
        for entry in (e for r, e in ENTRIES if r == role):
            reached |= reader.entry(entry).files
        files = {p.resolve() for p in (REPO / "roles" / role / "tasks").glob("*.yml")}
        assert files <= reached, f"{role}: {sorted(p.name for p in files - reached)} reached from no entry point"


def test_every_os_family_file_defines_the_same_variables():
    for role in ROLES:
        families = [p for p in (REPO / "roles" / role / "vars").glob("*.yml") if p.name != "main.yml"]
        defined = {p.name: set(yaml.safe_load(p.read_text()) or {}) for p in families}
        assert len({frozenset(names) for names in defined.values()}) <= 1, f"{role}: {defined}"


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_its_metadata_and_specs_in_one_place(role):
    meta = yaml.safe_load((REPO / "roles" / role / "meta" / "main.yml").read_text())
    assert meta["galaxy_info"]["role_name"] == role and "dependencies" in meta
    assert "argument_specs" not in meta, f"{role}: argument specs belong in meta/argument_specs.yml only"


# ---------------------------------------------------------------- the reader itself

def test_jinja_locals_are_not_reads():
    text = "{% set r = item.stdout | from_json %}{% for f in r.findings if f.ok %}{{ f.code }}{{ outer }}{% endfor %}"
    assert names_in_template(text) == {"item", "outer"}


def test_registered_set_and_looped_names_are_defined(tmp_path):
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "main.yml").write_text("""
- name: Look
  ansible.builtin.command:
    argv: [ls, "{{ wanted }}"]
  register: role_seen
- name: Remember
  ansible.builtin.set_fact:
    role_fact: "{{ role_seen.stdout }}"
- name: Each
  ansible.builtin.include_tasks: one.yml
  loop: "{{ role_fact }}"
  loop_control:
    loop_var: role_one
  vars:
    role_given: "{{ role_one }}"
""")
    (tmp_path / "tasks" / "one.yml").write_text("""
- name: One
  ansible.builtin.debug:
    msg: "{{ role_given }} {{ role_default }} {{ inventory_hostname }} {{ ansible_facts.os_family }}"
  when: also_wanted | bool
""")
    (tmp_path / "defaults").mkdir()
    (tmp_path / "defaults" / "main.yml").write_text('role_default: "{{ from_default }}"\n')
    found = RoleReader(tmp_path).entry("main")
    assert found.external() == {"wanted", "also_wanted", "from_default"}
