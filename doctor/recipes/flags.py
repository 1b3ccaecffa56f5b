"""Finding a flag in `vllm serve` arguments however the seed spells it (--a-b / --a_b, --f v / --f=v)."""

from __future__ import annotations

# Flags the renderer owns: set from the recipe or the deployment, replaced in place if the seed has them.
SERVED_NAME, PORT, TP = "--served-model-name", "--port", "--tensor-parallel-size"
FORBIDDEN = ("--api-key", "--model")     # the renderer sets the model; the key comes from VLLM_API_KEY


def _name(token: str) -> str:
    return token.partition("=")[0].replace("_", "-")


def flag_at(args: tuple[str, ...] | list[str], flag: str) -> int | None:
    """Index of `flag` in args, in either spelling and form; `-tp` counts as --tensor-parallel-size."""
    aliases = {flag, "-tp"} if flag == TP else {flag}
    for i, token in enumerate(args):
        if _name(token) in aliases:
            return i
    return None


def flag_value(args: tuple[str, ...] | list[str], at: int) -> str | None:
    """The value of the flag at index `at`: after its '=' or the next argument."""
    name, eq, value = args[at].partition("=")
    if eq:
        return value
    return args[at + 1] if at + 1 < len(args) else None
