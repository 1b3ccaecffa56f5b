"""SVC: the container engine the deployment runs on."""

from __future__ import annotations

import json

from doctor.checks.base import Check, failed, passed, reads, skipped, warned
from doctor.evidence import MISSING, TIMEOUT, UNDECIDABLE
from doctor.evidence_keys import DOCKER_INFO
from doctor.facts import Facts, Undecided, describe_failure
from doctor.model import ERROR, Intent


def check_docker(facts: Facts, intent: Intent):
    obs = facts.observation(DOCKER_INFO)
    if obs.status == MISSING:
        if intent.image:
            return failed("docker is not installed", obs.detail, "Install Docker (e.g. `apt-get install docker.io`).")
        return skipped("docker is not installed (needed only to run the image: pass --image to require it)")
    if obs.status == TIMEOUT:
        raise Undecided(ERROR, f"docker info {obs.detail}: the daemon is hung")
    if obs.status in UNDECIDABLE:
        raise Undecided(ERROR, describe_failure(obs))
    info = _info(obs.output)
    if obs.exit_code != 0 or not info.get("ServerVersion"):
        message = (obs.stderr.strip() or obs.output.strip())[:300]
        result = failed if intent.image else warned
        return result("the docker daemon is not reachable", message,
                      "Start it (`systemctl start docker`) and check the socket permission "
                      "(`ls -l /var/run/docker.sock`; add the user to the docker group).")
    return passed(f"docker daemon {info['ServerVersion']} reachable",
                  f"ServerVersion={info['ServerVersion']} Runtimes={','.join(sorted(info.get('Runtimes') or {}))}")


def _info(text: str) -> dict:
    try:
        value = json.loads(text.strip().splitlines()[-1]) if text.strip() else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


CHECKS = [
    Check("SVC001", "docker-unreachable", "the docker daemon answers", check_docker, evidence=reads(DOCKER_INFO)),
]
