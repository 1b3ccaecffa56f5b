"""Write doctor/data/compat.json from the upstream files and Huawei's driver facts."""

from __future__ import annotations

import json

from doctor import compat_claims
from tools.compat_gen import drivers, matrix
from tools.compat_gen.releases import RELEASE_NOTES, build_release, matrix_index
from tools.compat_gen.upstream import REPO_URL, UpstreamError

SCHEMA = "compat/2"
REFRESH = ("python -m tools.compat_gen --repo PATH/TO/vllm-ascend-clone "
           "(after `git fetch --tags`); see CONTRIBUTING.md")


def _cann_in_use(releases: list[dict]) -> set[str]:
    used = set()
    for release in releases:
        for claim in release["fields"]["cann"]["claims"]:
            for alternative in claim["says"].split("||"):
                if alternative.strip().startswith("=="):
                    used.update(compat_claims.named_versions(alternative))
    return used


def generate(source) -> dict:
    """The compat.json document for every release tag the source has."""
    tags = source.tags()
    if not tags:
        raise UpstreamError("no release tags (vX.Y.Z...) found")
    newest = tags[-1]
    upgrades = (newest, matrix.manual_upgrades(source.read(newest, RELEASE_NOTES) or ""))
    rows = matrix_index(source, tags)
    releases = [build_release(source, tag, rows, upgrades) for tag in reversed(tags)]
    newest_date = max(t.date for t in tags)
    return {
        "schema": SCHEMA,
        "updated": newest_date,
        "generated_from": {"repo": REPO_URL, "newest_tag": newest.name, "commit": newest.commit,
                           "newest_tag_date": newest_date, "tags_read": len(tags)},
        "refresh": REFRESH,
        "releases": releases,
        "cann_min_driver": drivers.driver_rows(_cann_in_use(releases)),
    }


def render(document: dict) -> str:
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
