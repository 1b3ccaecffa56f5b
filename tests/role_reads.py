"""What a role's entry point reads and defines, from the YAML and Jinja of its tasks, templates, defaults and vars.

No Ansible runs: the task files reachable from tasks/<entry>.yml are walked (blocks, include_tasks and
import_tasks of the role's own files, handlers for `main`), every templated string and bare condition is
parsed with Jinja, and the names it loads are collected. A role defines names with defaults/ and vars/
(vars/main.yml and the files include_vars loads), register, set_fact, `vars:` and loop variables;
Jinja's own `set` and `for` names are local to their template.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import yaml
from jinja2 import nodes

# Ansible's magic variables, facts and connection variables, and the globals of its templating.
MAGIC = {"hostvars", "groups", "group_names", "inventory_hostname", "inventory_hostname_short", "inventory_dir",
         "inventory_file", "item", "omit", "play_hosts", "playbook_dir", "role_name", "role_path", "role_names",
         "lookup", "query", "q", "now", "undef", "range", "dict", "lipsum", "cycler", "joiner",
         "namespace"}
MAGIC_PREFIX = "ansible_"
# Task keywords whose strings are bare Jinja expressions rather than templates.
CONDITIONS = ("when", "changed_when", "failed_when", "until")
BLOCK_KEYS = ("block", "rescue", "always")
INCLUDES = {"include_tasks", "import_tasks", "ansible.builtin.include_tasks", "ansible.builtin.import_tasks"}
ASSERTS = {"assert", "ansible.builtin.assert"}
SET_FACTS = {"set_fact", "ansible.builtin.set_fact"}
TEMPLATE_NAME = re.compile(r"[\w.-]+\.j2\b")

_JINJA = jinja2.Environment()


@dataclass
class Reads:
    reads: set[str] = field(default_factory=set)
    defines: set[str] = field(default_factory=set)
    templates: set[str] = field(default_factory=set)
    files: set[Path] = field(default_factory=set)           # the task files reached

    def external(self) -> set[str]:
        return {name for name in self.reads - self.defines if not is_magic(name)}


def is_magic(name: str) -> bool:
    return name in MAGIC or name.startswith(MAGIC_PREFIX)


def names_in_template(text: str) -> set[str]:
    """The variables a Jinja template loads, less the ones it sets itself (set, for, macro arguments)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)     # Jinja on regex escapes in string literals
        tree = _JINJA.parse(text)
    loaded = {n.name for n in tree.find_all(nodes.Name) if n.ctx == "load"}
    stored = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    return loaded - stored


def names_in_expression(expression: object) -> set[str]:
    if isinstance(expression, list):
        return set().union(*map(names_in_expression, expression)) if expression else set()
    if not isinstance(expression, str):
        return set()
    return names_in_template("{{ " + expression + " }}")


def names_in_value(value: object) -> set[str]:
    """Every templated string anywhere in a YAML value."""
    if isinstance(value, str):
        return names_in_template(value) if "{{" in value or "{%" in value else set()
    if isinstance(value, dict):
        return set().union(set(), *(names_in_value(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(set(), *(names_in_value(v) for v in value))
    return set()


def template_names(value: object) -> set[str]:
    """The .j2 files a value names (a template module's src, a template lookup)."""
    if isinstance(value, str):
        return set(TEMPLATE_NAME.findall(value))
    if isinstance(value, dict):
        return set().union(set(), *(template_names(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(set(), *(template_names(v) for v in value))
    return set()


class RoleReader:
    def __init__(self, role_dir: Path) -> None:
        self.role_dir = role_dir
        self.defaults = _load_mapping(role_dir / "defaults" / "main.yml")
        # vars/main.yml is loaded with the role, the others by include_vars (per OS family ...).
        self.vars: dict = {}
        for path in sorted((role_dir / "vars").glob("*.yml")):
            self.vars.update(_load_mapping(path))

    def entry(self, entry: str) -> Reads:
        found = Reads()
        self._file(self.role_dir / "tasks" / f"{entry}.yml", found)
        if entry == "main":
            self._file(self.role_dir / "handlers" / "main.yml", found)
        for name in found.templates:
            found.reads |= names_in_template((self.role_dir / "templates" / name).read_text())
        self._close_over_role_variables(found)
        return found

    def _close_over_role_variables(self, found: Reads) -> None:
        """A default or role variable that is read reads what its own value reads."""
        values = {**self.defaults, **self.vars}
        found.defines |= set(values)
        done: set[str] = set()
        while pending := (found.reads & set(values)) - done:
            for name in pending:
                found.reads |= names_in_value(values[name])
                done.add(name)

    def _file(self, path: Path, found: Reads) -> None:
        path = path.resolve()
        if path in found.files or not path.exists():
            return
        found.files.add(path)
        for task in yaml.safe_load(path.read_text()) or []:
            self._task(task, path.parent, found)

    def _task(self, task: dict, here: Path, found: Reads) -> None:
        for key, value in task.items():
            if key in BLOCK_KEYS:
                for inner in value or []:
                    self._task(inner, here, found)
            elif key in CONDITIONS:
                found.reads |= names_in_expression(value)
            elif key == "register":
                found.defines.add(value)
            elif key == "vars":
                found.defines |= set(value)
                found.reads |= names_in_value(value)
            elif key == "loop_control":
                found.defines.add(value.get("loop_var", "item"))
                found.reads |= names_in_value({k: v for k, v in value.items() if k != "loop_var"})
            elif key in SET_FACTS:
                found.defines |= set(value) - {"cacheable"}
                found.reads |= names_in_value(value)
            elif key in ASSERTS:
                found.reads |= names_in_expression(value.get("that"))
                found.reads |= names_in_value({k: v for k, v in value.items() if k != "that"})
            elif key in INCLUDES:
                target = value if isinstance(value, str) else value.get("file")
                self._file(here / target, found)
            else:
                found.reads |= names_in_value(value)
                found.templates |= template_names(value)


def _load_mapping(path: Path) -> dict:
    return (yaml.safe_load(path.read_text()) or {}) if path.exists() else {}
