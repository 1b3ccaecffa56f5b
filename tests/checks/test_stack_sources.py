"""ENV001 against what upstream itself ships and pins, replayed from the recorded upstream files.

Every official image's own stack and every release's pip-installed pins must never FAIL; known-bad
combinations from issue reports must FAIL; a release newer than the data warns; every
disagreement between sources is at most a WARN.
"""

from __future__ import annotations

import json

import pytest

from doctor import compat
from doctor.compat import Stack
from tests.checks.test_environment import findings_with_python, python_with
from tests.support import hosts
from tests.test_compat_gen import UPSTREAM
from tools.compat_gen import readers
from tools.compat_gen.releases import DOCKERFILES, INSTALLATION, REQUIREMENTS

SOURCES = json.loads((UPSTREAM / "SOURCES.json").read_text(encoding="utf-8"))
TAGS = sorted(SOURCES["tags"])


def _read(tag: str, path: str) -> str | None:
    return (UPSTREAM / tag / path).read_text(encoding="utf-8") if path in SOURCES["tags"][tag]["files"] else None


def _pins(tag: str) -> dict[str, str]:
    return readers.requirement_pins(_read(tag, REQUIREMENTS) or "")


def _exact(spec: str | None) -> str | None:
    return spec[2:] if spec and spec.startswith("==") else None


def image_stacks():
    """(tag, Dockerfile, Stack) of every official image, from its Dockerfile and the pins it installs."""
    for tag in TAGS:
        pins = _pins(tag)
        for path in DOCKERFILES:
            text = _read(tag, path)
            if text is None:
                continue
            image = readers.dockerfile(text)
            npu = image["torch_npu"] or readers.install_script(_read(tag, "pta_install.sh") or "") \
                or [_exact(pins.get("torch_npu"))]
            yield tag, path, Stack(python=f"{image['python']}.9", vllm=f"{image['vllm']}+empty",
                                   vllm_ascend=tag, torch=_exact(pins.get("torch")), torch_npu=npu[0],
                                   cann=image["cann"])


IMAGES = list(image_stacks())


def _failures(stack: Stack) -> list[str]:
    mismatches, _ = compat.check_stack(stack)
    return [f"{m.component}: {m.found} -> {m.expected}" for m in mismatches
            if m.severity == "FAIL" and m.component != "driver"]


@pytest.mark.parametrize("tag, dockerfile, stack", IMAGES, ids=[f"{t}-{p}" for t, p, _ in IMAGES])
def test_every_official_image_stack_never_fails(tag, dockerfile, stack):
    assert _failures(stack) == []


def test_images_of_many_releases_and_every_variant_are_covered():
    releases = {tag for tag, path, _ in IMAGES if path in ("Dockerfile", "Dockerfile.a3", "Dockerfile.310p")}
    variants = {(tag, path) for tag, path, _ in IMAGES}
    assert len(releases) >= 30
    assert sum(1 for tag in releases if {(tag, "Dockerfile.a3"), (tag, "Dockerfile.310p")} <= variants) >= 6


@pytest.mark.parametrize("tag", TAGS)
def test_every_release_pip_installed_pins_never_fail(tag):
    """What `pip install vllm-ascend==X` gets: the package's own pins, on a CANN the install page allows."""
    pins = _pins(tag)
    page = readers.installation(_read(tag, INSTALLATION) or "")
    cann = page["cann"][0].lstrip("=>") if page["cann"] else None
    minimum = (page["python"] or ">=3.10").split(",")[0].lstrip(">=")
    stack = Stack(python=f"{minimum}.4", vllm_ascend=tag, torch=_exact(pins.get("torch")),
                  torch_npu=_exact(pins.get("torch_npu")), cann=cann)
    assert _failures(stack) == []


@pytest.mark.parametrize("stack, component", [
    # vllm-project/vllm-ascend#5710: vllm 0.11.0 from PyPI pulls torch 2.8.0 next to vllm-ascend 0.11.0
    (Stack(vllm_ascend="0.11.0", vllm="0.11.0", torch="2.8.0", torch_npu="2.7.1"), "torch"),
    # vllm-project/vllm-ascend#3793: torch 2.8.0 / torch_npu 2.8.0rc1 with vllm-ascend 0.11.0rc0
    (Stack(vllm_ascend="0.11.0rc0", vllm="0.11.0", torch="2.8.0", torch_npu="2.8.0rc1"), "torch_npu"),
    # vllm-project/vllm-ascend#1188: vllm 0.9.0 pulls torch 2.7.0; vllm-ascend 0.9.0rc2 needs 2.5.1
    (Stack(vllm_ascend="0.9.0rc2", vllm="0.9.0", torch="2.7.0", torch_npu="2.5.1"), "torch"),
], ids=["issue-5710", "issue-3793", "issue-1188"])
def test_known_bad_combinations_from_issue_reports_fail(stack, component):
    mismatches, _ = compat.check_stack(stack)
    assert (component, "FAIL") in [(m.component, m.severity) for m in mismatches]


def test_every_disagreement_between_sources_is_at_most_a_warning():
    seen = 0
    for row in compat.releases():
        for component, field in row["fields"].items():
            if "disagree" not in field:
                continue
            for claim in field["claims"]:
                if claim["role"] == "recommends":
                    continue
                for version in compat.compat_claims.named_versions(claim["says"]):
                    if compat.compat_claims.accepts(component, claim["says"], _key(component, version)):
                        seen += 1
                        stack = Stack(vllm_ascend=row["vllm_ascend"], **{component: version})
                        assert _failures(stack) == [], (row["tag"], component, version)
    assert seen > 20


def _key(component: str, version: str):
    return compat.compat_claims.ascend_key(version) if component == "cann" else compat.compat_claims.pep440(version)


# -- the same, end to end on simulated hosts: a real interpreter's packages, the host's CANN ----------

PY311_IMAGES = [(tag, path, stack) for tag, path, stack in IMAGES
                if stack.python.startswith("3.11.") and path in ("Dockerfile", "Dockerfile.a3", "Dockerfile.310p")
                and tag in ("v0.10.0rc1", "v0.11.0", "v0.13.0rc2", "v0.13.0", "v0.18.0", "v0.19.1rc1")]


HEALTHY_A2 = hosts.atlas_800i_a2_healthy


def _host_with_cann(cann: str):
    spec = HEALTHY_A2()
    spec.files = {k: v for k, v in spec.files.items() if k != hosts.TOOLKIT_INFO}
    home = f"/usr/local/Ascend/cann-{cann}"
    spec.extra_files[f"{home}/aarch64-linux/ascend_toolkit_install.info"] = \
        f"package_name=Ascend-cann-toolkit\nversion={cann}\npath={home}\n"
    spec.extra_files[f"{home}/set_env.sh"] = "#\n"
    spec.env["ASCEND_TOOLKIT_HOME"] = home
    return spec


@pytest.mark.parametrize("tag, dockerfile, stack", PY311_IMAGES, ids=[f"{t}-{p}" for t, p, _ in PY311_IMAGES])
def test_official_image_stacks_on_simulated_hosts_never_fail(tmp_path, monkeypatch, tag, dockerfile, stack):
    python = python_with(tmp_path, {"vllm": stack.vllm, "vllm-ascend": tag[1:], "torch": stack.torch,
                                    "torch-npu": stack.torch_npu})
    monkeypatch.setattr(hosts, "atlas_800i_a2_healthy", lambda: _host_with_cann(stack.cann))
    found = findings_with_python(tmp_path, python)
    assert found["ENV001"].status != "FAIL", found["ENV001"]
    assert stack.cann in found["ENV001"].evidence


def test_simulated_hosts_cover_six_releases_and_three_variants():
    assert len({tag for tag, _, _ in PY311_IMAGES}) >= 6
    assert {path for _, path, _ in PY311_IMAGES} == {"Dockerfile", "Dockerfile.a3", "Dockerfile.310p"}


def test_release_newer_than_the_data_warns_on_a_simulated_host(tmp_path):
    python = python_with(tmp_path, {"vllm": "0.99.0", "vllm-ascend": "0.99.0", "torch": "2.5.1",
                                    "torch-npu": "2.5.1"})
    found = findings_with_python(tmp_path, python)
    assert found["ENV001"].status == "WARN", found["ENV001"]
    assert "older than this release" in found["ENV001"].evidence
    assert "python -m tools.compat_gen" in found["ENV001"].evidence
