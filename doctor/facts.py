"""Parsed views of the evidence that checks share; each says why it cannot be had.

A check asks for a fact; when the evidence behind it is absent, broken or
unreadable, an `Undecided` carries the status (SKIP or ERROR) and the reason,
so every check words it the same way.
"""

from __future__ import annotations

import json
from functools import cached_property

from doctor.evidence import MISSING, NOT_A_FILE, PERMISSION, TIMEOUT, UNDECIDABLE, Evidence, Observation
from doctor.evidence_keys import DEV, ENV, NPU_SMI_INFO, PATHS
from doctor.model import ERROR, SKIP, Status
from doctor.parsers import npu_smi_info
from doctor.parsers.errors import ParseError, excerpt
from doctor.parsers.text import decode


class Undecided(Exception):
    def __init__(self, status: Status, reason: str, evidence: str = "") -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.evidence = evidence


def not_collected(keys: list[str]) -> str:
    """Why a check is skipped when evidence it needs was not collected, naming that evidence."""
    named = ", ".join(f"`{k}`" for k in keys)
    return f"no evidence {named} was collected; run `ascend-doctor collect` on the host"


def describe_failure(obs: Observation) -> str:
    if obs.status == TIMEOUT:
        return f"`{obs.key}` {obs.detail}"
    if obs.status in (MISSING, NOT_A_FILE, PERMISSION, *UNDECIDABLE):
        return obs.detail
    return f"`{obs.key}` could not run: {obs.detail}"


class Facts:
    def __init__(self, evidence: Evidence) -> None:
        self.evidence = evidence

    # -- raw access ---------------------------------------------------------------

    def observation(self, key: str) -> Observation:
        obs = self.evidence.get(key)
        if obs is None:
            raise Undecided(SKIP, not_collected([key]))
        return obs

    def output(self, key: str) -> str:
        """The output of a probe that ran; its failure is undecided, with the reason."""
        obs = self.observation(key)
        if obs.status in UNDECIDABLE:
            raise Undecided(ERROR, describe_failure(obs), excerpt(obs.output))
        if not obs.ok:
            raise Undecided(SKIP, describe_failure(obs))
        return obs.output

    def json(self, key: str) -> object:
        try:
            return json.loads(self.output(key))
        except ValueError as exc:
            raise Undecided(ERROR, f"evidence `{key}` is not valid JSON: {exc}") from exc

    def table(self, key: str) -> dict:
        """JSON evidence that must be an object."""
        value = self.json(key)
        if not isinstance(value, dict):
            raise Undecided(ERROR, f"evidence `{key}` is not a JSON object: {str(value)[:80]}")
        return value

    def parsed(self, key: str, parser):
        text = self.output(key)
        try:
            return parser(decode(text))
        except ParseError as exc:
            raise Undecided(ERROR, f"could not read `{key}`: {exc.reason}", exc.excerpt) from exc

    # -- shared facts -------------------------------------------------------------

    @cached_property
    def _npu_info(self) -> npu_smi_info.NpuSmiInfo | Undecided:
        try:
            return self.parsed(NPU_SMI_INFO, npu_smi_info.parse_cached)
        except Undecided as exc:
            return exc

    def npu_info(self) -> npu_smi_info.NpuSmiInfo:
        """The chip table; an npu-smi error (ret -8005 ...) is undecided for the chip checks."""
        info = self._npu_info
        if isinstance(info, Undecided):
            raise info
        if info.error is not None:
            raise Undecided(SKIP, f"npu-smi could not read the chips ({info.error.text}); see DEV003",
                            info.error.text)
        return info

    def npu_info_or_error(self) -> npu_smi_info.NpuSmiInfo:
        info = self._npu_info
        if isinstance(info, Undecided):
            raise info
        return info

    def env(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in self.table(ENV).items()}

    def dev_entries(self) -> dict[str, dict]:
        return {k: v for k, v in self.table(DEV).items() if isinstance(v, dict)}

    def paths(self) -> dict[str, dict]:
        return {k: v for k, v in self.table(PATHS).items() if isinstance(v, dict)}
