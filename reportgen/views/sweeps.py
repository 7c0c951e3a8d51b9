"""Comparison tables of a sweep: one row per grid point, statistics over its seeds.

A row holds what the hyperparameter tables of the course ask for (final and best perplexity,
convergence speed, fluctuation, wall time) as :class:`~reportgen.aggregate.Spread` values and
the remarks the numbers of its own runs give (seeds that diverged or never reached the
threshold). Which row is best is not decided here: that is a claim
(:meth:`~reportgen.claims.Judge.best_seeds`), with the seeds' spread as its margin.
"""

from __future__ import annotations

import dataclasses
import typing as t

from reportgen.aggregate import Spread, fluctuation, points, steps_to_threshold
from reportgen.claims import Seeds
from reportgen.lab import LabSpec
from reportgen.lang import Lang
from reportgen.store import RunResult


@dataclasses.dataclass(frozen=True)
class SweepRow:
    value: t.Any  # the swept parameter's value at this grid point
    label: str
    runs: tuple[RunResult, ...]  # one per seed
    num_params: int | None
    final: Spread  # last value of the series
    best: Spread  # lowest value of the series
    to_threshold: (
        Spread  # first step at or below the threshold, over the runs that got there
    )
    fluctuation: Spread  # sample std of the last ``Sweep.last`` values of the series
    seconds: Spread  # wall time of a run

    @property
    def failed(self) -> list[RunResult]:
        """Runs that diverged (inf/NaN) or failed: marked in the table, never dropped."""
        return [r for r in self.runs if r.status != "ok"]

    def remarks(self, lang: Lang) -> list[str]:
        """Seeds that never reached the threshold, and seeds that diverged (in ``lang``)."""
        missed = len(self.runs) - len(self.failed) - self.to_threshold.n
        found = (
            [lang("sweeps.missed", missed=missed, n=len(self.runs))] if missed else []
        )
        return found + [
            lang("sweeps.diverged", seed=r.seed, at=r.diverged_at) for r in self.failed
        ]


@dataclasses.dataclass(frozen=True)
class Sweep:
    """The rows of one swept group; ``last`` is the window the fluctuation was computed over:
    the epochs asked for, or all of them where the runs trained fewer."""

    group: str
    axis: str
    threshold: float
    last: int
    rows: tuple[SweepRow, ...]


def sweep(
    lab: LabSpec,
    results: t.Mapping[str, RunResult],
    group: str,
    axis: str,
    series: str = "perplexity",
    threshold: float = 5.0,
    last: int = 30,
) -> Sweep:
    """Statistics of ``group``'s runs per value of ``axis`` for a comparison table."""
    grid = [
        (point, run_ids, tuple(results[r] for r in run_ids))
        for point, run_ids in points(lab, group)
    ]
    lengths = [
        len(r.series.get(series, []))
        for _, _, runs in grid
        for r in runs
        if r.status == "ok"
    ]
    window = min([last, *lengths])  # every row's fluctuation over the same epochs
    rows = []
    for point, run_ids, runs in grid:
        curves = [r.series.get(series, []) for r in runs if r.status == "ok"]
        reached = [steps_to_threshold(c, threshold) for c in curves]
        wobble = [fluctuation(c, window) for c in curves]
        params = {r.metrics.get("num_params") for r in runs if r.status == "ok"}
        rows.append(
            SweepRow(
                value=point[axis],
                label=lab.run(run_ids[0]).label,
                runs=runs,
                num_params=params.pop() if len(params) == 1 else None,
                final=Spread.of([c[-1][1] for c in curves if c]),
                best=Spread.of([min(v for _, v in c) for c in curves if c]),
                to_threshold=Spread.of([s for s in reached if s is not None]),
                fluctuation=Spread.of([w for w in wobble if w is not None]),
                seconds=Spread.of([r.wall_seconds for r in runs if r.status == "ok"]),
            )
        )
    return Sweep(group, axis, threshold, window, tuple(rows))


def format_spread(spread: Spread, digits: int = 3) -> str:
    """ "mean ± std" over seeds, the plain mean for one seed, "—" for none."""
    return Seeds("", spread, digits).shown
