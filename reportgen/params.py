"""Typed experiment parameters: a frozen dataclass per experiment, overrides checked against it.

An experiment declares ``Params`` as a dataclass whose fields carry a type and a default.
Overrides (from a lab spec, a profile or ``--set``) are converted to the declared type; an
unknown key or a value of the wrong type is refused with a message naming the key.
"""

from __future__ import annotations

import dataclasses
import typing as t

from reportgen.errors import ParamError

ParamValue = int | float | bool | str


def field_types(params_cls: type) -> dict[str, t.Any]:
    """Declared type of each field of a params dataclass."""
    hints = t.get_type_hints(params_cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(params_cls)}


def convert(key: str, value: object, declared: t.Any) -> ParamValue:
    """Convert ``value`` (a string from the command line, or a TOML value) to the declared type."""
    if t.get_origin(declared) is t.Literal:
        choices = t.get_args(declared)
        if value in choices:
            return t.cast(ParamValue, value)
        raise ParamError(
            f"{key} expects one of {', '.join(map(repr, choices))}, got {value!r}."
        )
    if declared is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {
            "true",
            "false",
            "1",
            "0",
            "yes",
            "no",
        }:
            return value.lower() in {"true", "1", "yes"}
    elif declared is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return int(value.replace("_", ""))
            except ValueError:
                pass
    elif declared is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
    elif declared is str:
        if isinstance(value, str):
            return value
    type_name = getattr(declared, "__name__", str(declared))
    raise ParamError(f"{key} expects {_article(type_name)} {type_name}, got {value!r}.")


def _article(type_name: str) -> str:
    return "an" if type_name[0] in "aeiou" else "a"


def resolve(params_cls: type, overrides: t.Mapping[str, object], where: str) -> t.Any:
    """Build a params instance from defaults plus overrides; ``where`` prefixes every message."""
    types = field_types(params_cls)
    values: dict[str, ParamValue] = {}
    for name, raw in overrides.items():
        if name not in types:
            import difflib

            close = difflib.get_close_matches(name, types, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise ParamError(f"Unknown parameter '{where}.{name}'.{hint}")
        values[name] = convert(f"{where}.{name}", raw, types[name])
    try:
        return params_cls(**values)
    except ValueError as exc:  # range checks in the dataclass's __post_init__
        raise ParamError(f"{where}: {exc}") from None


def as_dict(params: object) -> dict[str, ParamValue]:
    """Plain dict of a params instance, in declaration order."""
    return dataclasses.asdict(params)  # type: ignore[call-overload,no-any-return]


def require(condition: bool, message: str) -> None:
    """Range check for ``__post_init__``: raise ValueError with ``message`` unless ``condition``."""
    if not condition:
        raise ValueError(message)


def require_at_least(params: object, minimum: int, *names: str) -> None:
    """Each named field of ``params`` must be at least ``minimum``."""
    for name in names:
        value = getattr(params, name)
        require(value >= minimum, f"{name} must be at least {minimum}, got {value}")


def require_at_most(params: object, maximum: int, *names: str) -> None:
    """Each named field of ``params`` must be at most ``maximum`` (a reportgen.limits value)."""
    for name in names:
        value = getattr(params, name)
        require(
            value <= maximum,
            f"{name} must be at most {maximum} (a course lab never needs more), got {value}",
        )
