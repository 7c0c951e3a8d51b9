"""Typed parameters: conversion, unknown keys, ranges; every error names the key."""

from __future__ import annotations

import dataclasses
import typing as t

import pytest

from reportgen.errors import ParamError
from reportgen.params import convert, require, resolve


@dataclasses.dataclass(frozen=True)
class Demo:
    num_hiddens: int = 8
    lr: float = 1.0
    use_random_iter: bool = False
    cell: t.Literal["rnn", "gru"] = "rnn"

    def __post_init__(self) -> None:
        require(
            self.num_hiddens >= 1,
            f"num_hiddens must be at least 1, got {self.num_hiddens}",
        )


@pytest.mark.parametrize(
    ("raw", "declared", "expected"),
    [
        ("256", int, 256),
        ("1_000", int, 1000),
        ("0.5", float, 0.5),
        (2, float, 2.0),
        ("true", bool, True),
        ("0", bool, False),
        ("gru", t.Literal["rnn", "gru"], "gru"),
    ],
)
def test_convert_accepts_well_typed_values(
    raw: object, declared: t.Any, expected: object
) -> None:
    value = convert("x.k", raw, declared)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    ("raw", "declared", "message"),
    [
        ("25x", int, "x.k expects an int, got '25x'."),
        ("fast", float, "x.k expects a float, got 'fast'."),
        ("maybe", bool, "x.k expects a bool, got 'maybe'."),
        (True, int, "x.k expects an int, got True."),
        (
            "lstm",
            t.Literal["rnn", "gru"],
            "x.k expects one of 'rnn', 'gru', got 'lstm'.",
        ),
    ],
)
def test_convert_refuses_wrong_types_with_one_line(
    raw: object, declared: t.Any, message: str
) -> None:
    with pytest.raises(ParamError) as exc:
        convert("x.k", raw, declared)
    assert exc.value.message == message


RANGE = "a number parameter must be finite, and an integer within ±2**53 (9007199254740992)."


@pytest.mark.parametrize(
    ("raw", "declared", "shown"),
    [
        ("1" * 400, int, "'" + "1" * 27 + "..." + "1" * 28 + "'"),
        ("9" * 5000, int, "'" + "9" * 27 + "..." + "9" * 28 + "'"),  # int() refuses it
        (10**400, int, "an integer of about 401 digits"),
        (-(2**53) - 1, int, "-9007199254740993"),
        ("9_007_199_254_740_993", int, "'9_007_199_254_740_993'"),
        (10**400, float, "an integer of about 401 digits"),  # float() overflows on it
        ("nan", float, "'nan'"),
        ("-inf", float, "'-inf'"),
        ("1e999", float, "'1e999'"),
        (float("inf"), float, "inf"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 30 else None,
)
def test_convert_refuses_numbers_out_of_range(
    raw: object, declared: t.Any, shown: str
) -> None:
    with pytest.raises(ParamError) as exc:
        convert("x.k", raw, declared)
    assert exc.value.message == f"x.k: {shown} is out of range: {RANGE}"


def test_convert_accepts_the_limits_themselves() -> None:
    assert convert("x.k", str(2**53), int) == 2**53
    assert convert("x.k", -(2**53), float) == -float(2**53)
    assert convert("x.k", "1e300", float) == 1e300  # a learning rate made to diverge


def test_resolve_applies_overrides_and_checks_ranges() -> None:
    assert resolve(Demo, {"num_hiddens": "32"}, "demo") == Demo(num_hiddens=32)
    with pytest.raises(
        ParamError, match=r"^demo: num_hiddens must be at least 1, got -4$"
    ):
        resolve(Demo, {"num_hiddens": "-4"}, "demo")


def test_resolve_suggests_the_closest_known_key() -> None:
    with pytest.raises(
        ParamError,
        match=r"Unknown parameter 'demo.num_hidden'. Did you mean 'num_hiddens'\?",
    ):
        resolve(Demo, {"num_hidden": 3}, "demo")


def _int_fields() -> list[tuple[str, str]]:
    from reportgen.experiment import load_experiments
    from reportgen.params import field_types

    return [
        (name, field)
        for name, exp in sorted(load_experiments().items())
        for field, declared in field_types(exp.params_cls).items()
        if declared is int
    ]


@pytest.mark.parametrize(("experiment", "field"), _int_fields())
def test_every_size_of_every_experiment_has_an_upper_limit(
    experiment: str, field: str
) -> None:
    """num_hiddens=10**9, num_epochs=10**12 …: refused in one line naming the limit."""
    from reportgen.experiment import load_experiments

    with pytest.raises(ParamError) as exc:
        resolve(load_experiments()[experiment].params_cls, {field: 10**12}, experiment)
    assert exc.value.message.startswith(f"{experiment}: {field} must be at most ")
    assert exc.value.message.endswith(
        "(a course lab never needs more), got 1000000000000"
    )
