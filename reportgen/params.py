"""Typed experiment parameters: a frozen dataclass per experiment, overrides checked against it.

An experiment declares ``Params`` as a dataclass whose fields carry a type and a default.
Overrides (from a lab spec, a profile or ``--set``) are converted to the declared type; an
unknown key or a value of the wrong type is refused with a message naming the key. So is a
number no parameter can mean: not finite (``nan``, ``inf``, ``1e999``), or an integer beyond
±2**53 (:data:`NUMBER_LIMIT`), where floats stop holding every integer and arithmetic on it
(scheduling, memory estimates) would overflow. Course-sized limits per parameter are the
experiments' own (``__post_init__``).
"""

from __future__ import annotations

import dataclasses
import math
import re
import typing as t

from reportgen import limits
from reportgen.errors import ParamError, shown
from reportgen.safety import refusal

ParamValue = int | float | bool | str
# sampling temperatures other than 0 (greedy): below, scores / T overflows to inf and the
# softmax to NaN; above, a banned token's -inf / T is NaN; a course samples at 0.5 … 1.5
TEMPERATURE_RANGE = (0.01, 100.0)
NUMBER_LIMIT = 2**53  # the largest magnitude of an int parameter
RANGE_RULE = (
    f"a number parameter must be finite, and an integer within ±2**53 ({NUMBER_LIMIT})"
)
# an integer too long for int() (Python refuses more than 4300 digits): out of range anyway
_LONG_INTEGER = re.compile(r"[+-]?\d[\d_]{4300,}")


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
            f"{key} expects one of {', '.join(map(repr, choices))}, got {shown(value)}."
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
            return _in_range(key, value, value)
        if isinstance(value, str):
            if _LONG_INTEGER.fullmatch(value.strip()):
                _in_range(key, math.inf, value)
            try:
                return _in_range(key, int(value.replace("_", "")), value)
            except ValueError:
                pass
    elif declared is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(_in_range(key, value, value))
        if isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                pass
            else:
                return float(_in_range(key, number, value))
    elif declared is str:
        if isinstance(value, str) and len(value) > limits.TEXT_PARAM_CHARS:
            raise ParamError(
                f"{key} is {len(value)} characters long; at most"
                f" {limits.TEXT_PARAM_CHARS} are allowed (reportgen.limits.TEXT_PARAM_CHARS)."
            )
        if isinstance(value, str):
            return _plain(key, value)
    type_name = getattr(declared, "__name__", str(declared))
    raise ParamError(
        f"{key} expects {_article(type_name)} {type_name}, got {shown(value)}."
    )


def _plain(key: str, text: str) -> str:
    """A string parameter the report may print: no control or invisible characters."""
    refused = refusal(text)
    if refused is not None:
        raise ParamError(f"{key}: {refused}; remove it.")
    return text


def _in_range(key: str, number: int | float, given: object) -> int | float:
    """``number`` (read from ``given``) unless :func:`number_problem` finds one (ParamError)."""
    problem = number_problem(number, given)
    if problem:
        raise ParamError(f"{key}: {problem}")
    return number


def number_problem(number: int | float, given: object) -> str:
    """Why ``number`` (read from ``given``) cannot be a parameter, or "" when it can.

    A float must be finite (a huge learning rate is a legitimate experiment: it diverges);
    an integer must be within ±2**53, beyond which scheduling and estimates overflow.
    """
    in_range = (
        math.isfinite(number)
        if isinstance(number, float)
        else abs(number) <= NUMBER_LIMIT
    )
    if in_range:
        return ""
    return f"{shown(given)} is out of range: {RANGE_RULE}."


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


def require_temperature(temperature: float) -> None:
    """A sampling temperature: 0 (greedy) or within :data:`TEMPERATURE_RANGE`."""
    low, high = TEMPERATURE_RANGE
    require(
        temperature == 0 or low <= temperature <= high,
        f"temperature must be 0 (greedy) or between {low:g} and {high:g}, got {temperature}",
    )


def require_one_minibatch(
    params: object, tokens: str, batch_size: str, num_steps: str
) -> None:
    """Field ``tokens`` must exceed (``batch_size`` + 1) × ``num_steps``: enough tokens for
    one minibatch at any offset of the sequence iterators (reportgen/text/iterators.py)."""
    have, rows, steps = (getattr(params, n) for n in (tokens, batch_size, num_steps))
    need = (rows + 1) * steps
    require(
        have > need,
        f"{tokens} ({have}) must exceed ({batch_size} + 1) × {num_steps} ({need})"
        " to fill one minibatch at any offset",
    )


def require_at_most(params: object, maximum: int, *names: str) -> None:
    """Each named field of ``params`` must be at most ``maximum`` (a reportgen.limits value)."""
    for name in names:
        value = getattr(params, name)
        require(
            value <= maximum,
            f"{name} must be at most {maximum} (a course lab never needs more), got {value}",
        )
