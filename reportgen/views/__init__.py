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
import importlib
import typing as t

from reportgen.claims import Judge, Measured
from reportgen.lab import LabSpec
from reportgen.store import RunResult

EMPTY_OUTPUT = "（空白输出）"


@dataclasses.dataclass(frozen=True)
class Results:
    """What a view is made from: the lab, the build's results by run id (in plan order), the
    parameters chosen from results, and the judge of this build's profile."""

    lab: LabSpec
    runs: t.Mapping[str, RunResult]
    chosen: t.Mapping[str, t.Mapping[str, t.Any]]
    judge: Judge

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
        """A run's metric named by its label (None when the run never reached it)."""
        result = self.runs[run_id]
        value = result.metrics.get(name) if result.status == "ok" else None
        return Measured(self.label(run_id), value, digits, unit)


def shown_sample(text: str, prefix: str = "") -> str:
    """A generated text as the report prints it. Where nothing but blanks follows its
    ``prefix`` (the prompt it continues, which the text repeats), it says so: "time
    traveller" and 50 spaces would otherwise print as if the model had answered the prompt."""
    return text if text.removeprefix(prefix).strip() else prefix + EMPTY_OUTPUT


def final_value(result: RunResult, name: str, digits: int = 3) -> str:
    """A run's final metric as a table cell: the number, or where the run diverged."""
    if result.status != "ok":
        return f"发散（第 {result.diverged_at} 轮）"
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
