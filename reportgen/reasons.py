"""Why a run must (re)train: what differs from the run of the same id that the last build of
the lab and profile stored (``cache/latest/``), in the terms of its key.

A key is the experiment, its code, the params, the seed and the data files (reportgen.plan):
so a run whose earlier result is not stored "never ran here"; otherwise each parameter that
changed is named with both values, each code file whose text changed by its path, then the
seed; when none of these differ, what changed is a data file.
"""

from __future__ import annotations

import typing as t

from reportgen import params as params_mod
from reportgen.errors import shown
from reportgen.plan import PlannedRun, code_sources
from reportgen.store import RunResult

NEVER_RAN = "never trained here"
FORCED = "--force"
DAMAGED = "its stored result was unusable"


def retrain_reasons(run: PlannedRun, previous: RunResult | None) -> list[str]:
    """What makes ``run`` differ from ``previous`` (the stored result its id had last), one
    phrase each; [NEVER_RAN] without one."""
    if previous is None:
        return [NEVER_RAN]
    now = params_mod.as_dict(run.params)
    reasons = [
        f"{name}: {_value(previous.params.get(name))} → {_value(now.get(name))}"
        for name in sorted(set(now) | set(previous.params))
        if previous.params.get(name) != now.get(name)
    ]
    if previous.experiment != run.experiment.name:
        reasons.append(f"experiment: {previous.experiment} → {run.experiment.name}")
    sources = code_sources(run.experiment)
    reasons += [
        f"{path} changed"
        for path in sorted(set(sources) | set(previous.sources))
        if sources.get(path) != previous.sources.get(path)
    ]
    if previous.seed != run.spec.seed:
        reasons.append(f"seed: {previous.seed} → {run.spec.seed}")
    return reasons or ["a data file changed"]


def _value(value: t.Any) -> str:
    """A parameter's value as a message shows it (strings without quotes; cut when long)."""
    return "(none)" if value is None else shown(value, 40).strip("'")
