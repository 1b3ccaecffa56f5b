"""Filters that name a service's containers and files on a host (defined in doctor/deploy_layout.py)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

try:
    from doctor import deploy_layout
except ImportError as exc:  # the controller needs `pip install ascend-doctor`
    MISSING = exc
else:
    MISSING = None


def _need_doctor() -> None:
    if MISSING is not None:
        raise AnsibleFilterError(f"the ascend-doctor package is not importable on the controller ({MISSING}); "
                                 "run `pip install ascend-doctor` where ansible-playbook runs")


def vllm_definitions_dir(configured=None):
    """The folder of the services' definitions: service_config_dir when set (not None), else the default."""
    _need_doctor()
    return deploy_layout.definitions_dir(configured)


def vllm_service_layout(name, definitions_dir=None):
    """A service's containers (candidate, previous, containers) and files (definition, previous_definition,
    api_key, smoke_result, files) in `definitions_dir` (None: the default folder)."""
    _need_doctor()
    return deploy_layout.layout(str(name), definitions_dir)


def vllm_container_owner(container):
    """The service a container belongs to (NAME for NAME-candidate and NAME-previous)."""
    _need_doctor()
    return deploy_layout.container_owner(str(container))


def vllm_file_owner(basename):
    """The service a file of the definitions folder belongs to (NAME for NAME.previous.json ...)."""
    _need_doctor()
    return deploy_layout.file_owner(str(basename))


class FilterModule:
    def filters(self):
        return {"vllm_definitions_dir": vllm_definitions_dir, "vllm_service_layout": vllm_service_layout,
                "vllm_container_owner": vllm_container_owner, "vllm_file_owner": vllm_file_owner}
