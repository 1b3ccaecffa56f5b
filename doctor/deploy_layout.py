"""What the deploy names the containers and files it keeps on a host for a service: defined here only.

Beside a service's own container NAME, a replacement runs NAME-candidate (a changed configuration
proven on spare chips) and keeps the old container aside as NAME-previous. The definitions folder
holds NAME.json (what runs), NAME.previous.json (what ran before, for rollback.yml), NAME.env (the
API key, root only) and NAME.smoke.json (the last smoke test). deploy_plan renders with these, and
the roles and playbooks get them through the vllm_service_layout filter.
"""

from __future__ import annotations

DEFINITIONS_DIR = "/etc/ascend-doctor/services"
CANDIDATE_SUFFIX = "-candidate"
PREVIOUS_SUFFIX = "-previous"
CONTAINER_SUFFIXES = (CANDIDATE_SUFFIX, PREVIOUS_SUFFIX)
# In the order undeploy.yml removes them.
FILE_SUFFIXES = {"definition": ".json", "previous_definition": ".previous.json", "api_key": ".env",
                 "smoke_result": ".smoke.json"}


def definitions_dir(configured: str | None = None) -> str:
    """The configured folder (service_config_dir), else the default."""
    return DEFINITIONS_DIR if configured is None else str(configured)


def candidate_name(name: str) -> str:
    return f"{name}{CANDIDATE_SUFFIX}"


def previous_name(name: str) -> str:
    return f"{name}{PREVIOUS_SUFFIX}"


def file_path(name: str, kind: str, folder: str | None = None) -> str:
    return f"{definitions_dir(folder)}/{name}{FILE_SUFFIXES[kind]}"


def layout(name: str, folder: str | None = None) -> dict:
    """Every container and file of one service: its names, and `containers` and `files` as lists."""
    files = {kind: file_path(name, kind, folder) for kind in FILE_SUFFIXES}
    containers = [name, candidate_name(name), previous_name(name)]
    return {"candidate": containers[1], "previous": containers[2], **files,
            "containers": containers, "files": list(files.values())}


def container_owner(container: str) -> str:
    """The service a container belongs to: its name without the suffix of a candidate or a kept-aside one."""
    for suffix in CONTAINER_SUFFIXES:
        if container.endswith(suffix):
            return container[:-len(suffix)]
    return container


def file_owner(basename: str) -> str:
    """The service a file of the definitions folder belongs to; a name no service file has stays as it is."""
    for suffix in sorted(FILE_SUFFIXES.values(), key=len, reverse=True):
        if basename.endswith(suffix):
            return basename[:-len(suffix)]
    return basename
