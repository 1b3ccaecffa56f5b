"""Checks that a JSON value has the expected shape; every error names where in the file it is."""

from __future__ import annotations

from doctor.recipes.model import RecipeError


def take(data: object, keys: tuple[str, ...], where: str) -> dict:
    """`data` as an object holding exactly `keys`."""
    if not isinstance(data, dict):
        raise RecipeError(f"{where}: expected an object")
    missing = [k for k in keys if k not in data]
    unknown = sorted(set(data) - set(keys))
    if missing or unknown:
        raise RecipeError(f"{where}: " + "; ".join(
            ([f"missing {', '.join(missing)}"] if missing else []) +
            ([f"unknown {', '.join(unknown)}"] if unknown else [])))
    return data


def typed(value: object, kinds: tuple[type, ...], where: str):
    """`value` if it is one of `kinds` (a bool is not an int here)."""
    if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
        expected = " or ".join("null" if k is type(None) else k.__name__ for k in kinds)
        raise RecipeError(f"{where}: expected {expected}, got {value!r}")
    return value


def strings(value: object, where: str) -> tuple[str, ...]:
    """`value` as a list of strings."""
    typed(value, (list,), where)
    return tuple(typed(v, (str,), f"{where}[{i}]") for i, v in enumerate(value))
