"""Filters the roles use on the controller, including the names of a service's containers and files on a
host (doctor/deploy_layout.py); the logic lives in the doctor package."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

try:
    from doctor import compat, deploy_layout, deploy_plan
    from doctor import image_ref as references
    from doctor.deploy_plan import HostSettings, PlanError, plan
except ImportError as exc:  # the controller needs `pip install ascend-doctor`
    MISSING = exc
else:
    MISSING = None


def _need_doctor() -> None:
    if MISSING is not None:
        raise AnsibleFilterError(f"the ascend-doctor package is not importable on the controller ({MISSING}); "
                                 "run `pip install ascend-doctor` where ansible-playbook runs")


def _refused(host: object, what: str, problems: list[str]) -> AnsibleFilterError:
    head = f"{host}: {what}" if host else what
    return AnsibleFilterError(head + ":\n- " + "\n- ".join(problems))


def vllm_plan(services, image, jemalloc_path=None, host_root="/", host_devices=None, candidate_port_offset=10000,
              secrets_dir=None, api_key=None, host="", image_digest=None, arch=None):
    """Every service of a host checked together and rendered (see doctor/deploy_plan.py).

    `image` (vllm_image) may be empty when every service names its own. LD_PRELOAD comes from
    `jemalloc_path` when given, else from each service's image and the host's `arch`; one of the
    two is needed, or the services would run without jemalloc. The API key itself only goes into
    a slow digest that makes a new key a change of configuration. `secrets_dir` None: the default
    definitions folder."""
    _need_doctor()
    if not jemalloc_path and not arch:
        raise AnsibleFilterError(f"{host or 'vllm_plan'}: pass arch=ansible_facts['architecture'] (or "
                                 "jemalloc_path) so each service's LD_PRELOAD can be worked out")
    keyed = isinstance(services, list) and any(isinstance(s, dict) and s.get("api_key_set") is True for s in services)
    if keyed and not api_key:
        raise _refused(host, "the inventory's vllm_services are not valid",
                       ["a service has api_key_set: true but vllm_api_key is not set; put it in a vault"])
    settings = HostSettings(image=image or None, jemalloc_path=jemalloc_path or None, host_root=host_root,
                            host_devices=tuple(host_devices) if host_devices is not None else None,
                            candidate_port_offset=int(candidate_port_offset),
                            secrets_dir=deploy_layout.definitions_dir(secrets_dir),
                            api_key_digest=deploy_plan.api_key_digest(str(api_key), str(host)) if keyed else None,
                            image_digest=image_digest or None, arch=str(arch) if arch else None)
    try:
        return plan(services, settings)
    except PlanError as exc:
        raise _refused(host, "the inventory's vllm_services are not valid", exc.problems) from None


def vllm_images(vllm_plan):
    """The distinct images of a rendered plan, in order: [{pull, digest, tag_ref, image}]."""
    _need_doctor()
    return deploy_plan.images(list(vllm_plan or []))


def vllm_service_names(services, host=""):
    """The services' names only, checked; for undeploying and listing, which need no valid recipe."""
    _need_doctor()
    try:
        return deploy_plan.service_names(services)
    except PlanError as exc:
        raise _refused(host, "the inventory's vllm_services do not name their services", exc.problems) from None


def image_ref(text):
    """An image reference's parts: registry, repository, tag, digest, name and pull (what to pull:
    name@digest when pinned, else name:tag, else None; a bare name is never pulled as :latest)."""
    _need_doctor()
    try:
        ref = references.parse(text)
    except references.ImageRefError as exc:
        raise AnsibleFilterError(f"image reference: {exc}") from None
    return {"registry": ref.registry, "repository": ref.repository, "tag": ref.tag, "digest": ref.digest,
            "name": ref.name, "pull": ref.pinned or ref.tagged}


def jemalloc_in_image(image, arch):
    """Where jemalloc is inside a vllm-ascend image: openEuler images keep it in /usr/lib64."""
    _need_doctor()
    family = "openEuler" if compat.image_tag_os(str(image)) == "openeuler" else "ubuntu"
    path = compat.jemalloc_path(family, str(arch))
    if not path:
        raise AnsibleFilterError(f"no known jemalloc path for image {image} on {arch}")
    return path


def collector_script(vllm_plan, timeout, image=None, root="/"):
    """The script the preflight runs on a host's own python3: it probes every chip of the host's
    services and prints the evidence, which the controller then checks (see doctor/fleet/bundle.py)."""
    _need_doctor()
    from doctor.fleet.bundle import collector_script as script

    devices = sorted({int(d) for service in vllm_plan or [] for d in service.get("devices", [])})
    return script(tuple(devices) if vllm_plan else None, float(timeout), image or None, root=str(root or "/"))


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
        return {"vllm_plan": vllm_plan, "vllm_images": vllm_images, "vllm_service_names": vllm_service_names,
                "image_ref": image_ref, "jemalloc_in_image": jemalloc_in_image,
                "ascend_collector_script": collector_script,
                "vllm_definitions_dir": vllm_definitions_dir, "vllm_service_layout": vllm_service_layout,
                "vllm_container_owner": vllm_container_owner, "vllm_file_owner": vllm_file_owner}
