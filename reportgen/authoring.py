"""Authoring checks: what ``reportgen validate`` asks of a lab, and ``build`` before training.

:func:`load_lab` checks the spec itself (every key known, every value of its type); then
:func:`check_inputs` checks it against the experiments (each run's experiment exists, its
``params`` and the profile keys are parameters of it, ``--set`` resolves) and compiles the
template. Every problem found is reported at once. :func:`check_figure_series` checks the
figures' series, which only results can tell.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

from reportgen.errors import LabSpecError, Problems, ReportgenError
from reportgen.lab import LabSpec, Override, did_you_mean
from reportgen.plan import PlannedRun, plan
from reportgen.safety import Roots
from reportgen.store import RunResult

SHOWN_RUNS = 4  # runs a figure-series error names before "…"


def check_inputs(
    lab: LabSpec,
    profile: str,
    overrides: t.Sequence[Override],
    corpus: Path | None,
    roots: Roots,
) -> list[PlannedRun]:
    """The runs planned, once the experiments, parameters and template are all found
    valid; else one error listing every problem (nothing is trained)."""
    from reportgen.render.templates import check_templates

    problems = Problems()
    planned = problems.attempt(plan, lab, profile, overrides, corpus, roots=roots)
    # the report's language, and every language the spec translates itself into
    for lang in dict.fromkeys([lab.lang, *lab.translations]):
        problems.attempt(check_templates, lab.template, f"labs/{lab.path.name}", lang)
    problems.raise_all(f"Lab {lab.id}", ReportgenError)
    return planned or []


def check_figure_series(lab: LabSpec, results: t.Mapping[str, RunResult]) -> None:
    """Every series a figure draws is recorded by at least one of its runs (a metric, for
    ``by_value`` and ``heatmap`` figures); else one line per figure and name. A figure
    whose runs all diverged is not checked: they may have stopped before recording.

    This cannot be checked before training: an experiment declares no series. It records
    them as it runs (``ctx.log(name, …)``), under names it may compute (``grad_{name}``)
    and only under some parameters (``record_grad_norms``). So it is checked as soon as
    the results exist, before anything is drawn; the runs stay stored.
    """
    problems = Problems()
    for figure in lab.figures:
        kind = "metric" if figure.kind in ("by_value", "heatmap") else "series"
        run_ids = lab.figure_runs(figure)
        found = [results[r] for r in run_ids if r in results]
        recorded = {
            name
            for r in found
            for name in (r.metrics if kind == "metric" else r.series)
        }
        drawn = (
            f"groups {', '.join(figure.groups)}"
            if figure.groups
            else f"runs {', '.join(run_ids[:SHOWN_RUNS])}"
            + (", …" if len(run_ids) > SHOWN_RUNS else "")
        )
        finished = any(r.status == "ok" for r in found)
        for name in figure.series:
            if finished and name not in recorded:
                problems.errors.append(
                    LabSpecError(
                        f"{lab.path.name}: figure {figure.id!r}: no run of it records"
                        f" {kind} {name!r} ({drawn}){did_you_mean(name, recorded)}"
                    )
                )
    problems.raise_all(f"The figures of {lab.path.name}", LabSpecError)
