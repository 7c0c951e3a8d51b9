"""Synthetic stored results for view tests: a view is a pure function of results, so its
claims are tested by feeding it numbers that give each outcome (no training, no PDF)."""

from __future__ import annotations

import typing as t

from reportgen.claims import Judge
from reportgen.lab import load_lab
from reportgen.store import RunResult
from reportgen.views import Results


def result(
    experiment: str = "x",
    params: dict[str, t.Any] | None = None,
    metrics: dict[str, t.Any] | None = None,
    series: dict[str, list[list[float]]] | None = None,
    samples: dict[str, str] | None = None,
    tables: dict[str, list[dict[str, t.Any]]] | None = None,
    status: str = "ok",
    started_at: str = "2026-12-02T00:00:00+00:00",
    wall_seconds: float = 2.0,
) -> RunResult:
    return RunResult(
        key="k" * 64,
        experiment=experiment,
        params=params or {},
        seed=0,
        status=status,
        device="cpu",
        device_name="test cpu, 1 thread",
        torch_version="2.13.0",
        started_at=started_at,
        wall_seconds=wall_seconds,
        sources={},
        metrics=metrics or {},
        series=series or {},
        samples=samples or {},
        tables=tables or {},
        diverged_at=None if status == "ok" else 3,
    )


def results_of(
    lab_id: str, runs: t.Mapping[str, RunResult], preview: bool = False
) -> Results:
    """``runs`` as the results of the lab's course (or preview) build."""
    lab = load_lab(lab_id)
    return Results(lab, dict(runs), {}, Judge(preview=preview))
