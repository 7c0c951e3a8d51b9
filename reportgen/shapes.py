"""Checking the shape of JSON that reportgen reads back (results, manifests): every file under
a build folder may have been edited or planted, so its fields are checked before use."""

from __future__ import annotations

import math
import typing as t

Shape = t.Mapping[str, type | tuple[type, ...]]


def check_fields(body: object, shape: Shape, optional: t.Collection[str] = ()) -> None:
    """Raise ValueError unless ``body`` is a dict with the fields of ``shape`` (those in
    ``optional`` may be absent), each of its type; a bool never passes for a number."""
    if not isinstance(body, dict):
        raise ValueError("not a JSON object")
    missing = set(shape) - set(body) - set(optional)
    unknown = set(body) - set(shape)
    if missing or unknown:
        raise ValueError(f"fields {sorted(missing | unknown)} are wrong")
    for name, kind in shape.items():
        if name in body and (
            not isinstance(body[name], kind)
            or (isinstance(body[name], bool) and bool not in _types(kind))
        ):
            raise ValueError(f"{name} is a {type(body[name]).__name__}")


def _types(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


INT_LIMIT = 2**53  # beyond it a float no longer holds every integer


def finite_number(value: object) -> bool:
    """A finite float, or an int within ±2**53: what a result, checkpoint or table holds as
    a number (JSON lets a planted file hold NaN, Infinity and 4,300-digit integers, which
    turn into OverflowError or nonsense at the first arithmetic). A bool is no number."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) <= INT_LIMIT
    return isinstance(value, float) and math.isfinite(value)
