"""The errors reportgen raises on purpose. Each prints one line ``Error: …`` and exits non-zero.

Anything else that escapes is a bug and keeps its traceback.
"""

from __future__ import annotations

import math
import reprlib
import typing as t

import click


class ReportgenError(click.ClickException):
    """Base class: an expected failure with a message a student can act on (exit 1)."""

    problems: tuple[
        ReportgenError, ...
    ] = ()  # the errors it lists (Problems.raise_all)


class LabSpecError(ReportgenError):
    """Raised by lab-spec loading: the spec file is malformed or names unknown things."""


class ParamError(ReportgenError):
    """Raised by parameter resolution: unknown key, wrong type or out-of-range value."""


class SetError(ParamError):
    """A ``--set`` whose target or parameter the lab does not have: a usage error (exit 2,
    like a misspelt option)."""

    exit_code = 2


class ExperimentError(ReportgenError):
    """Raised by the pipeline when an experiment cannot be found or fails while running."""


class RenderError(ReportgenError):
    """Raised by rendering: a figure, template, formula or the PDF could not be produced."""


class EnvironmentProblem(ReportgenError):
    """Raised when the machine lacks something: a font, a device, a data file."""


T = t.TypeVar("T")
P = t.ParamSpec("P")


class Problems:
    """Errors collected so that every problem of an input is reported at once."""

    def __init__(self) -> None:
        self.errors: list[ReportgenError] = []

    def attempt(
        self, check: t.Callable[P, T], *args: P.args, **kwargs: P.kwargs
    ) -> T | None:
        """``check(*args, **kwargs)``, or None once the error it raised is recorded (each
        of them, when it lists several: see :meth:`raise_all`)."""
        try:
            return check(*args, **kwargs)
        except ReportgenError as exc:
            self.errors += exc.problems or [exc]
            return None

    def raise_all(self, what: str, kind: type[ReportgenError]) -> None:
        """Raise nothing, the one error, or one ``kind`` of error listing every message,
        one a line, under ``<what> has N problems:``."""
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            lines = "".join(f"\n  {e.message}" for e in self.errors)
            error = kind(f"{what} has {len(self.errors)} problems:{lines}")
            error.problems = tuple(self.errors)
            raise error


def shown(value: object, limit: int = 60) -> str:
    """``repr(value)`` for a message, cut to ``limit`` characters: a message stays one line.

    An integer too long to print in full (Python refuses beyond 4300 digits) is described
    by its number of digits.
    """
    if isinstance(value, int) and value.bit_length() > 200:
        return (
            f"an integer of about {int(value.bit_length() * math.log10(2)) + 1} digits"
        )
    brief = reprlib.Repr()
    brief.maxstring = brief.maxother = brief.maxlong = limit
    text = brief.repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"
