"""Comparison tables of a sweep: one row per grid point, statistics over its seeds.

A row holds what the hyperparameter tables of the course ask for (final and best perplexity,
convergence speed, fluctuation, wall time) as :class:`~reportgen.aggregate.Spread` values, and
remarks derived from the numbers across rows (lowest perplexity, fastest, steadiest …), so the
conclusions a report states always follow from its own results.
"""

from __future__ import annotations

import dataclasses
import typing as t

from reportgen.aggregate import Spread, fluctuation, points, steps_to_threshold
from reportgen.lab import LabSpec
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
    fluctuation: Spread  # sample std of the last values of the series
    seconds: Spread  # wall time of a run
    remarks: tuple[str, ...] = ()

    @property
    def failed(self) -> list[RunResult]:
        """Runs that diverged (inf/NaN) or failed: marked in the table, never dropped."""
        return [r for r in self.runs if r.status != "ok"]


@dataclasses.dataclass(frozen=True)
class Sweep:
    """The rows of one swept group and the winners among them (None where undefined)."""

    group: str
    axis: str
    threshold: float
    last: int
    rows: tuple[SweepRow, ...]

    def winner(self, attribute: str) -> SweepRow | None:
        """The row with the lowest mean ``attribute`` (e.g. "final"), ties to the first.

        A row with a diverged run never wins: one lucky seed is not a result.
        """
        scored = [r for r in self.rows if getattr(r, attribute).n and not r.failed]
        if attribute == "to_threshold":  # only rows whose every run got there
            scored = [r for r in scored if r.to_threshold.n == len(r.runs)]
        return min(scored, key=lambda r: getattr(r, attribute).mean, default=None)


# remark per winning attribute, in the order they are listed in a row
_REMARKS = {
    "final": "困惑度最低",
    "to_threshold": "收敛最快",
    "fluctuation": "波动最小",
    "seconds": "用时最短",
}


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
    rows = []
    for point, run_ids in points(lab, group):
        runs = tuple(results[r] for r in run_ids)
        ok = [r for r in runs if r.status == "ok"]
        curves = [r.series.get(series, []) for r in ok]
        reached = [steps_to_threshold(c, threshold) for c in curves]
        wobble = [fluctuation(c, last) for c in curves]
        params = {r.metrics.get("num_params") for r in ok}
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
                seconds=Spread.of([r.wall_seconds for r in ok]),
            )
        )
    found = Sweep(group, axis, threshold, last, tuple(rows))
    winners = {name: found.winner(name) for name in _REMARKS}
    return dataclasses.replace(
        found, rows=tuple(_with_remarks(row, winners) for row in rows)
    )


def _with_remarks(row: SweepRow, winners: t.Mapping[str, SweepRow | None]) -> SweepRow:
    remarks = [text for name, text in _REMARKS.items() if winners[name] is row]
    if len(row.runs) - len(row.failed) > row.to_threshold.n:
        remarks.append(
            f"{len(row.runs) - len(row.failed) - row.to_threshold.n}/{len(row.runs)}"
            " 次未达阈值"
        )
    for r in row.failed:
        remarks.append(f"种子 {r.seed} 发散（第 {r.diverged_at} 轮）")
    return dataclasses.replace(row, remarks=tuple(remarks))


def format_spread(spread: Spread, digits: int = 3) -> str:
    """ "mean ± std" over seeds, the plain mean for one seed, "—" for none."""
    if not spread.n:
        return "—"
    if spread.std is None:
        return f"{spread.mean:,.{digits}f}"
    return f"{spread.mean:,.{digits}f} ± {spread.std:,.{digits}f}"
