"""Report views: for each lab, a pure function from its stored results to what its template
prints — finished table rows, samples and :mod:`claims <reportgen.claims>`.

A lab's view is the function ``view(results: Results) -> <a frozen dataclass>`` of the module
``reportgen.views.<lab id, '-' as '_'>``; its template reads it as ``view``. Templates look
values up and loop over rows; they compute nothing over results. A lab without a view module
renders from its template alone (``view`` is None). Views know nothing of rendering: they are
tested by feeding them results (``tests/test_views_*.py``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import importlib
import math
import typing as t

from reportgen.claims import Claim, Judge, Measured
from reportgen.lab import LabSpec
from reportgen.lang import Lang
from reportgen.store import RunResult

# seconds between one run's end and the next one's start within a build: a worker takes its
# next run at once (start times are stored to the second); a new build needs longer than
# this before its first run starts (interpreter, torch, planning, workers)
SITTING_GAP = 5.0


@dataclasses.dataclass(frozen=True)
class Results:
    """What a view is made from: the lab, the build's results by run id (in plan order), the
    parameters chosen from results, and the judge of this build's profile."""

    lab: LabSpec
    runs: t.Mapping[str, RunResult]
    chosen: t.Mapping[str, t.Mapping[str, t.Any]]
    judge: Judge

    @property
    def lang(self) -> Lang:
        """The report's language (the judge's)."""
        return self.judge.lang

    def label(self, run_id: str) -> str:
        return self.lab.run(run_id).label

    def members(self, group: str) -> list[str]:
        """The run ids of ``group``, in plan order."""
        return [r for r in self.runs if self.lab.run(r).group == group]

    def ok(self, *run_ids: str) -> bool:
        return all(self.runs[r].status == "ok" for r in run_ids)

    def metric(
        self, run_id: str, name: str, digits: int = 3, unit: str = ""
    ) -> Measured:
        """A run's metric named by its label (None when the run never reached it), with the
        stretch of training it belongs to."""
        result = self.runs[run_id]
        value = result.metrics.get(name) if result.status == "ok" else None
        return Measured(
            self.label(run_id), value, digits, unit, self.sittings.get(run_id)
        )

    def epoch_curve(self, run_id: str, series: str) -> Claim:
        """The shape of a run's per-epoch curve ``series`` (perplexity, loss), named by the
        run's label (:meth:`Judge.curve`)."""
        curve = self.runs[run_id].series.get(series, [])
        quantity = self.lang(f"quantity.{series}")
        return self.judge.curve(self.label(run_id), curve, quantity, "epoch")

    @functools.cached_property
    def sittings(self) -> dict[str, int]:
        """Each run's stretch of training: runs on one device whose times follow on without
        a pause of more than :data:`SITTING_GAP` seconds trained in one build, side by side
        or one after another; a run taken from the cache of an earlier build is in another."""
        spans = sorted(
            (
                dt.datetime.fromisoformat(r.started_at).timestamp(),
                r.wall_seconds,
                r.device_name,
                run_id,
            )
            for run_id, r in self.runs.items()
        )
        sittings: dict[str, int] = {}
        ends: dict[str, tuple[int, float]] = {}  # device -> (its sitting, latest end)
        for start, seconds, device, run_id in spans:
            sitting, end = ends.get(device, (-1, -math.inf))
            if start > end + SITTING_GAP:
                sitting = len(set(sittings.values()))
            sittings[run_id] = sitting
            ends[device] = (sitting, max(end, start + seconds))
        return sittings


def shown_sample(text: str, prefix: str, lang: Lang) -> str:
    """A generated text as the report prints it. Where nothing but blanks follows its
    ``prefix`` (the prompt it continues, which the text repeats), it says so: "time
    traveller" and 50 spaces would otherwise print as if the model had answered the prompt."""
    empty = not text.removeprefix(prefix).strip()
    return prefix + lang("value.empty_output") if empty else text


def final_value(result: RunResult, name: str, lang: Lang, digits: int = 3) -> str:
    """A run's final metric as a table cell: the number, or where the run diverged."""
    if result.status != "ok":
        return lang("value.diverged_epoch", at=result.diverged_at)
    value = result.metrics.get(name)
    return "—" if value is None else f"{value:,.{digits}f}"


def view_of(results: Results) -> object | None:
    """The lab's view, or None for a lab without a view module."""
    name = f"{__name__}.{results.lab.id.replace('-', '_')}"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None
    made: object = module.view(results)
    return made
