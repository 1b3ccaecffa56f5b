"""FLEET001 version-skew: driver, firmware, CANN and the image are the same where they must be."""

from __future__ import annotations

from collections.abc import Callable

from doctor.cann_install import cann_version
from doctor.evidence import Evidence
from doctor.evidence_keys import DRIVER_INFO, FIRMWARE_INFO, file_key, image_key
from doctor.facts import Facts, Undecided
from doctor.fleet.cross.base import HostView, Verdict, conclude, first_of_each, hosts_in, read_each, scopes, skew
from doctor.model import ERROR
from doctor.parsers import version_files

VERDICT = Verdict("FLEET001", "version-skew")
IMAGE_PREFIX = image_key("")
SHORT_ID = len("sha256:") + 12          # as `docker images` shows an image ID

FIXES = {
    "driver": "Install the same Ascend driver (HDK) on every host that must match, then reboot or reload it: "
              "compare `cat /usr/local/Ascend/driver/version.info` on each.",
    "firmware": "Upgrade the firmware to the same version on every host that must match "
                "(`cat /usr/local/Ascend/firmware/version.info`); it takes effect after a reboot.",
    "CANN": "Install the same CANN toolkit version on every host (or run the same image everywhere): "
            "compare `cat /usr/local/Ascend/ascend-toolkit/latest/*/ascend_toolkit_install.info`.",
    "image": "Pull the same image by digest on every host (`image_digest` in the inventory, or "
             "`docker pull IMAGE@sha256:...`); compare `docker image inspect --format '{{.Id}}' IMAGE`.",
}


def version_in(path: str) -> Callable[[Evidence], str]:
    key = file_key(path)

    def read(evidence: Evidence) -> str:
        version = version_files.version_of(Facts(evidence).parsed(key, version_files.parse_version_file))
        if version is None:
            raise Undecided(ERROR, f"`{path}` names no version")
        return version

    return read


def cann_of(evidence: Evidence) -> str | None:
    version, source = cann_version(Facts(evidence))
    if version is None and source.startswith("/"):
        raise Undecided(ERROR, f"could not read the CANN version in {source}")
    return version


def image_of(evidence: Evidence) -> str | None:
    """The image's ID (its content); several inspected images give their IDs joined."""
    facts = Facts(evidence)
    identities = set()
    for key in evidence.keys_with_prefix(IMAGE_PREFIX):
        obs = facts.observation(key)
        if obs.ok and obs.exit_code:
            continue   # `No such image`: not pulled on that host yet, nothing to compare
        identities.add(_image_identity(facts, key))
    return " + ".join(sorted(identities)) or None


def _image_identity(facts: Facts, key: str) -> str:
    inspected = facts.table(key)
    image_id = inspected.get("Id")
    if isinstance(image_id, str) and image_id:
        return image_id[:SHORT_ID]
    digests = inspected.get("RepoDigests")
    if isinstance(digests, list) and digests and all(isinstance(d, str) for d in digests):
        return ",".join(sorted(digests))
    raise Undecided(ERROR, f"`{key}` has neither an Id nor RepoDigests", str(inspected)[:200])


SUBJECTS = (("driver", version_in(DRIVER_INFO)), ("firmware", version_in(FIRMWARE_INFO)),
            ("CANN", cann_of), ("image", image_of))


def check_version_skew(hosts: list[HostView]) -> list:
    if len(hosts) < 2:
        return VERDICT.skipped("only one host")
    where = scopes(hosts)
    if not where:
        return VERDICT.skipped("no cluster or inventory group with two or more hosts to compare")
    read = {subject: read_each(hosts_in(where), reader) for subject, reader in SUBJECTS}
    keyed, compared, compared_hosts = [], [], {}
    for scope in where:
        for subject, (values, _) in read.items():
            mine = {name: values[name] for name in scope.names if name in values}
            if len(mine) < 2:
                continue
            compared += [subject] if subject not in compared else []
            compared_hosts.update(mine)
            found = skew(VERDICT, scope, subject, mine, FIXES[subject])
            keyed += [found] if found else []
    unreadable = [u for _, problems in read.values() for u in problems]
    passed = (f"{', '.join(compared)} {'are' if len(compared) > 1 else 'is'} the same within each cluster and "
              f"group ({len(compared_hosts)} hosts)" if compared else None)
    return conclude(VERDICT, first_of_each(keyed), unreadable, "version evidence", passed,
                    "no two hosts of a cluster or group have version evidence to compare", list(compared_hosts))


CHECK = VERDICT.check("driver, firmware, CANN and the image are the same on hosts that must match",
                      check_version_skew)
