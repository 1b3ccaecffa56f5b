"""One compat.json release entry per vllm-ascend release tag, built from that tag's own files.

Each component gets the claims of every source (see doctor/compat_claims.py for their roles).
The matrix row of a release comes from the newest tag whose matrix lists it; the release notes
from the newest tag.  Where a tag's sources disagree, the field records it.
"""

from __future__ import annotations

from doctor import compat_claims
from tools.compat_gen import matrix, readers
from tools.compat_gen.upstream import REPO_URL, Tag

DOCKERFILES = ("Dockerfile", "Dockerfile.a3", "Dockerfile.310p",
               "Dockerfile.openEuler", "Dockerfile.a3.openEuler", "Dockerfile.310p.openEuler")
INSTALL_SCRIPT = "pta_install.sh"
REQUIREMENTS = "requirements.txt"
PYPROJECT = "pyproject.toml"
SETUP = "setup.py"
INSTALLATION = "docs/source/installation.md"
MATRICES = ("docs/source/community/versioning_policy.md", "docs/source/developer_guide/versioning_policy.md")
RELEASE_NOTES = "docs/source/user_guide/release_notes.md"
COMPONENTS = ("vllm", "python", "torch", "torch_npu", "cann")


class Claims:
    """Claims of one release, merged when two files say the same thing in the same role."""

    def __init__(self):
        self.by_component: dict[str, list[dict]] = {c: [] for c in COMPONENTS}

    def add(self, component: str, role: str, says: str | None, tag: Tag, path: str) -> None:
        if not says:
            return
        for claim in self.by_component[component]:
            if (claim["role"], claim["says"], claim["tag"]) == (role, says, tag.name):
                if path not in claim["paths"]:
                    claim["paths"].append(path)
                return
        self.by_component[component].append({"role": role, "says": says, "tag": tag.name, "paths": [path],
                                             "url": f"{REPO_URL}/blob/{tag.commit}/{path}"})


def _pin(version: str | None) -> str | None:
    return f"=={version}" if version else None


def _image_claims(claims: Claims, source, tag: Tag) -> None:
    for path in DOCKERFILES:
        text = source.read(tag, path)
        if text is None:
            continue
        image = readers.dockerfile(text)
        claims.add("cann", "ships", _pin(image["cann"]), tag, path)
        claims.add("python", "ships", _pin(image["python"] and image["python"] + ".*"), tag, path)
        claims.add("vllm", "ships", _pin(image["vllm"]), tag, path)
        npu, npu_path = image["torch_npu"], path
        if not npu and INSTALL_SCRIPT in text:
            npu, npu_path = readers.install_script(source.read(tag, INSTALL_SCRIPT) or ""), INSTALL_SCRIPT
        for version in npu:
            claims.add("torch_npu", "ships", _pin(version), tag, npu_path)


def _package_claims(claims: Claims, source, tag: Tag) -> None:
    for path, quoted in ((REQUIREMENTS, False), (PYPROJECT, True)):
        pins = readers.requirement_pins(source.read(tag, path) or "", quoted=quoted)
        for component, spec in sorted(pins.items()):
            claims.add(component, "requires", spec, tag, path)
    setup = readers.setup_python(source.read(tag, SETUP) or "")
    claims.add("python", "requires", _setup_python_spec(setup), tag, SETUP)


def _setup_python_spec(setup: dict) -> str | None:
    """python_requires bounded above by the newest Python the classifiers advertise."""
    minors = setup["classifiers"]
    parts = [setup["python_requires"]] if setup["python_requires"] else []
    if minors:
        if not parts:
            parts.append(f">={minors[0]}")
        major, minor = minors[-1].split(".")
        parts.append(f"<{major}.{int(minor) + 1}")
    return ",".join(parts) or None


def _install_page_claims(claims: Claims, source, tag: Tag) -> None:
    page = readers.installation(source.read(tag, INSTALLATION) or "")
    claims.add("python", "requires", page["python"], tag, INSTALLATION)
    for component in ("cann", "torch", "torch_npu"):
        claims.add(component, "requires", " || ".join(page[component]) or None, tag, INSTALLATION)


def _matrix_claims(claims: Claims, row: dict | None, tag: Tag | None, path: str | None) -> None:
    if not row:
        return
    claims.add("vllm", "requires", " || ".join(f"=={v}" for v in row["vllm"]) or None, tag, path)
    claims.add("python", "requires", row["python"], tag, path)
    claims.add("cann", "requires", _pin(row["cann"]), tag, path)
    claims.add("torch", "requires", _pin(row["torch"]), tag, path)
    claims.add("torch_npu", "requires", _pin(row["torch_npu"] and readers.public_version(row["torch_npu"])),
               tag, path)


def _notes_claims(claims: Claims, upgrades: list[dict], tag: Tag | None) -> None:
    for upgrade in upgrades:
        claims.add(upgrade["component"], "recommends", _pin(upgrade["version"]), tag, RELEASE_NOTES)


def matrix_index(source, tags: list[Tag]) -> dict[str, tuple[dict, Tag, str]]:
    """{release tag: (matrix row, tag whose matrix says it, path)}: the newest statement wins."""
    index: dict[str, tuple[dict, Tag, str]] = {}
    for tag in sorted(tags, key=lambda t: (t.date, t.version)):
        for path in MATRICES:
            for name, row in matrix.matrix_rows(source.read(tag, path) or "").items():
                index[name] = (row, tag, path)
    return index


def _python_disagreement(claims: list[dict]) -> str | None:
    for minor in range(6, 20):
        found = compat_claims.pep440(f"3.{minor}")
        accepting = [c for c in claims if c["role"] != "recommends" and compat_claims.accepts("python", c["says"], found)]
        rejecting = [c for c in claims if c["role"] == "requires" and c not in accepting]
        if accepting and rejecting:
            return (f"Python 3.{minor}: {compat_claims.describe(accepting[0])}, "
                    f"but {compat_claims.describe(rejecting[0])}")
    return None


def disagreement(component: str, claims: list[dict]) -> str | None:
    """The first value one source accepts and another rejects, in words; None when they agree."""
    if component == "python":
        return _python_disagreement(claims)
    key = compat_claims.ascend_key if component == "cann" else compat_claims.pep440
    for claim in claims:
        if claim["role"] == "recommends":
            continue
        for version in compat_claims.named_versions(claim["says"]):
            found = key(version)
            if found is None or not compat_claims.accepts(component, claim["says"], found):
                continue
            for other in claims:
                if other["role"] == "requires" and not compat_claims.accepts(component, other["says"], found):
                    return f"{compat_claims.describe(claim)}, but {compat_claims.describe(other)}"
    return None


_SUMMARY_ORDER = ((MATRICES, "requires"), ((INSTALLATION,), "requires"), ((REQUIREMENTS, SETUP), "requires"),
                  (("Dockerfile",), "ships"))


def _summary_value(component: str, claims: list[dict]):
    for paths, role in _SUMMARY_ORDER:
        for claim in claims:
            if claim["role"] == role and set(claim["paths"]) & set(paths):
                if component == "python":
                    return claim["says"]
                versions = compat_claims.named_versions(claim["says"])
                return versions if component == "vllm" else versions[0]
    return None


def build_release(source, tag: Tag, matrix_rows: dict, upgrades: dict) -> dict:
    """The compat.json entry of one release tag."""
    claims = Claims()
    _image_claims(claims, source, tag)
    _package_claims(claims, source, tag)
    _install_page_claims(claims, source, tag)
    row, row_tag, row_path = matrix_rows.get(tag.name, (None, None, None))
    _matrix_claims(claims, row, row_tag, row_path)
    notes_tag, notes = upgrades
    _notes_claims(claims, notes.get(tag.name, []), notes_tag)
    fields = {}
    for component in COMPONENTS:
        found = claims.by_component[component]
        field: dict = {"claims": found}
        why = disagreement(component, found)
        if why:
            field["disagree"] = why
        fields[component] = field
    summary = {c: _summary_value(c, claims.by_component[c]) for c in COMPONENTS}
    return {"tag": tag.name, "vllm_ascend": str(tag.version), "commit": tag.commit, "released": tag.date,
            "in_matrix": row is not None, "summary": summary, "fields": fields}
