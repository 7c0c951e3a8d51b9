"""Numbers across the runs of a sweep: per grid point, statistics over seeds.

Pure functions of stored results; the report's tables and bands are built from them.
Standard deviations are sample standard deviations (n − 1); with one seed there is none.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
import typing as t

from reportgen.lab import LabSpec
from reportgen.store import RunResult

Series = t.Sequence[t.Sequence[float]]  # [[step, value], …]


@dataclasses.dataclass(frozen=True)
class Spread:
    """A value over seeds: mean, sample std (None for one seed) and the seed count."""

    mean: float
    std: float | None
    n: int

    @classmethod
    def of(cls, values: t.Sequence[float]) -> Spread:
        finite = [v for v in values if math.isfinite(v)]
        if not finite:
            return cls(math.nan, None, 0)
        std = statistics.stdev(finite) if len(finite) > 1 else None
        return cls(statistics.fmean(finite), std, len(finite))


def points(lab: LabSpec, group: str) -> list[tuple[dict[str, t.Any], list[str]]]:
    """The grid points of ``group`` in spec order, each with the ids of its runs (one per seed)."""
    found: dict[str, tuple[dict[str, t.Any], list[str]]] = {}
    for run in lab.runs:
        if run.group == group:
            found.setdefault(repr(sorted(run.point.items())), (run.point, []))[
                1
            ].append(run.id)
    return list(found.values())


def metric_spread(results: t.Sequence[RunResult], name: str) -> Spread:
    """``name`` over the finished (not diverged) runs among ``results``."""
    return Spread.of(
        [r.metrics[name] for r in results if r.status == "ok" and name in r.metrics]
    )


def mean_band(
    series: t.Sequence[Series],
) -> tuple[list[float], list[float], list[float]]:
    """Steps present in every series, the mean at each, and the sample std (0 for one seed)."""
    by_step = [dict((s, v) for s, v in one) for one in series]
    steps = sorted(set.intersection(*(set(d) for d in by_step))) if by_step else []
    means, stds = [], []
    for step in steps:
        values = [d[step] for d in by_step]
        means.append(statistics.fmean(values))
        stds.append(statistics.stdev(values) if len(values) > 1 else 0.0)
    return steps, means, stds


def steps_to_threshold(series: Series, threshold: float) -> float | None:
    """The first step at which the value is at or below ``threshold`` (None if never)."""
    return next((step for step, value in series if value <= threshold), None)


def fluctuation(series: Series, last: int) -> float | None:
    """Sample std of the last ``last`` values: how much a curve still wobbles at the end."""
    tail = [value for _, value in series[-last:]]
    return statistics.stdev(tail) if len(tail) > 1 else None
