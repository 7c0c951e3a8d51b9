"""Does a rerun agree with the run a report's record describes? The rules ``reportgen verify``
applies to each value, and the measurements behind their tolerances (docs/verify.md).

- **Same kind** (same CPU model or GPU, thread count, device and torch version as the record):
  the computation is the same, so every number must be identical to the last bit.
- **Another kind**: kernels round differently from the first steps on, and the curves drift
  apart. Measured for lab4's seven models, 500 epochs each, between this Xeon's AVX-512 code
  paths and the AVX2 paths an AMD EPYC (or an older Intel) takes (ATen, oneDNN and MKL held
  to AVX2), from the same code and seed: the median perplexity over the last 10 % of epochs
  differed by at most 1.5 % (RNN from scratch), the last epoch's by up to 15.3 % (the same
  model: a late spike on one kind, 1.029 against 1.186; the others 0.03 – 1.3 %). The
  tolerances below are about twice what was measured; generated texts differ across kinds
  and are not compared.
- Times (seconds, tokens per second) are measurements of the machine, never compared.
"""

from __future__ import annotations

import dataclasses
import math
import re
import statistics
import typing as t

from reportgen.store import RunResult

IDENTICAL = "identical"
WITHIN = "within tolerance"
DIFFERENT = "different"
NOT_COMPARED = "not compared"

END_RTOL = 0.30  # a value at the end of training, across kinds (measured ≤ 15.3 %)
TAIL_RTOL = 0.03  # a series' median over its last TAIL_SHARE, across kinds (≤ 1.5 %)
TAIL_SHARE = 0.10
_TIMING = re.compile(r"seconds|per_second|_time\b|^time")


@dataclasses.dataclass(frozen=True)
class Agreement:
    """One value of a run, as recorded and as rerun, and the verdict."""

    what: str
    recorded: str
    rerun: str
    verdict: str


def same_kind(recorded: RunResult, rerun: RunResult) -> bool:
    """Whether both ran the same computation: device, its model and threads, torch."""
    return (recorded.device, recorded.device_name, recorded.torch_version) == (
        rerun.device,
        rerun.device_name,
        rerun.torch_version,
    )


def compare(
    recorded: RunResult, rerun: RunResult, prefix: int | None = None
) -> list[Agreement]:
    """Every value of ``recorded`` against ``rerun``. ``prefix``: the rerun trained only
    that many epochs, so only the series' first ``prefix`` steps are compared."""
    exact = same_kind(recorded, rerun)
    found = [
        Agreement(
            "status",
            recorded.status,
            rerun.status,
            IDENTICAL if recorded.status == rerun.status else DIFFERENT,
        )
    ]
    for name in sorted(set(recorded.series) | set(rerun.series)):
        found.append(
            _series(
                name,
                recorded.series.get(name, []),
                rerun.series.get(name, []),
                exact,
                prefix,
            )
        )
    if prefix is not None:
        return found  # the end of training was not reached: nothing else compares
    for name in sorted(set(recorded.metrics) | set(rerun.metrics)):
        found.append(
            _value(
                f"metric {name}",
                recorded.metrics.get(name),
                rerun.metrics.get(name),
                exact,
            )
        )
    for name in sorted(set(recorded.tables) | set(rerun.tables)):
        found.append(
            _table(name, recorded.tables.get(name), rerun.tables.get(name), exact)
        )
    for name in sorted(set(recorded.samples) | set(rerun.samples)):
        a, b = recorded.samples.get(name), rerun.samples.get(name)
        verdict = IDENTICAL if a == b else (DIFFERENT if exact else NOT_COMPARED)
        found.append(Agreement(f"text {name}", _short(a), _short(b), verdict))
    return found


def worst(agreements: t.Iterable[Agreement]) -> str:
    """The run's verdict: its worst value's (values not compared do not count)."""
    verdicts = {a.verdict for a in agreements}
    for verdict in (DIFFERENT, WITHIN):
        if verdict in verdicts:
            return verdict
    return IDENTICAL


def _value(what: str, a: object, b: object, exact: bool) -> Agreement:
    """A metric or table cell: text and counts must be equal; a measured float may drift
    across kinds within END_RTOL; a time is not compared."""
    shown_a, shown_b = _shown(a), _shown(b)
    if _TIMING.search(what):
        return Agreement(what, shown_a, shown_b, NOT_COMPARED)
    if a == b and type(a) is type(b):
        return Agreement(what, shown_a, shown_b, IDENTICAL)
    floats = isinstance(a, float) and isinstance(b, float)
    if exact or not floats:
        return Agreement(what, shown_a, shown_b, DIFFERENT)
    assert isinstance(a, float) and isinstance(b, float)
    return Agreement(what, shown_a, shown_b, _relative(a, b, END_RTOL))


def _series(
    name: str,
    a: list[list[float]],
    b: list[list[float]],
    exact: bool,
    prefix: int | None,
) -> Agreement:
    """A curve: equal point by point (same kind), or its tail median within TAIL_RTOL."""
    recorded = {step: value for step, value in a if prefix is None or step <= prefix}
    rerun = {step: value for step, value in b if prefix is None or step <= prefix}
    what = f"series {name}" + (f" (epochs ≤ {prefix})" if prefix is not None else "")
    if not recorded and not rerun:
        return Agreement(what, "—", "—", IDENTICAL)
    if set(recorded) != set(rerun):
        return Agreement(
            what, f"{len(recorded)} points", f"{len(rerun)} points", DIFFERENT
        )
    steps = sorted(recorded)
    differ = [s for s in steps if recorded[s] != rerun[s]]
    tail = steps[-max(1, math.ceil(len(steps) * TAIL_SHARE)) :]
    median_a = statistics.median(recorded[s] for s in tail)
    median_b = statistics.median(rerun[s] for s in tail)
    shown_a = f"last {_shown(recorded[steps[-1]])}, tail median {_shown(median_a)}"
    shown_b = f"last {_shown(rerun[steps[-1]])}, tail median {_shown(median_b)}"
    if not differ:
        return Agreement(what, shown_a, shown_b, IDENTICAL)
    if exact:
        return Agreement(
            what, shown_a, f"{shown_b}; first differs at {differ[0]}", DIFFERENT
        )
    return Agreement(what, shown_a, shown_b, _relative(median_a, median_b, TAIL_RTOL))


def _table(name: str, a: object, b: object, exact: bool) -> Agreement:
    """A table of rows: each cell as a value; the table's verdict is its worst cell's."""
    what = f"table {name}"
    rows_a = a if isinstance(a, list) else []
    rows_b = b if isinstance(b, list) else []
    if len(rows_a) != len(rows_b) or any(
        set(x) != set(y) for x, y in zip(rows_a, rows_b, strict=True)
    ):
        return Agreement(what, f"{len(rows_a)} rows", f"{len(rows_b)} rows", DIFFERENT)
    cells = [
        _value(f"{what}.{column}", x[column], y[column], exact)
        for x, y in zip(rows_a, rows_b, strict=True)
        for column in x
        if not (isinstance(x[column], str) and not exact)  # generated text: see samples
    ]
    verdict = worst(cells)
    unequal = sum(c.verdict not in (IDENTICAL, NOT_COMPARED) for c in cells)
    return Agreement(what, f"{len(rows_a)} rows", f"{unequal} cells differ", verdict)


def _relative(a: float, b: float, rtol: float) -> str:
    if (
        math.isfinite(a)
        and math.isfinite(b)
        and abs(a - b) <= rtol * max(abs(a), abs(b))
    ):
        return WITHIN
    return DIFFERENT


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return "—" if value is None else str(value)


def _short(text: str | None, chars: int = 24) -> str:
    if text is None:
        return "—"
    return text if len(text) <= chars else text[: chars - 1] + "…"
