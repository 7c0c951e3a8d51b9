"""Executing planned runs: reuse what the store has, train what it lacks, record everything.

Each run is seeded (torch and the run's own ``random.Random``), timed, and stored with its
resolved params, seed, device and torch version. A run whose loss turns inf/NaN is stored as
``diverged`` with the step; it does not stop the build.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.metadata
import logging
import time
import typing as t

from reportgen import params as params_mod
from reportgen.errors import ExperimentError
from reportgen.experiment import Diverged, RunContext
from reportgen.plan import PlannedRun, code_sources
from reportgen.progress import RunProgress
from reportgen.store import RunResult, Store

log = logging.getLogger(__name__)


@dataclasses.dataclass
class ExecutionSummary:
    trained: list[str] = dataclasses.field(default_factory=list)
    reused: list[str] = dataclasses.field(default_factory=list)
    diverged: list[str] = dataclasses.field(default_factory=list)

    def line(self) -> str:
        parts = [f"{len(self.trained)} trained", f"{len(self.reused)} from cache"]
        if self.diverged:
            parts.append(f"{len(self.diverged)} diverged ({', '.join(self.diverged)})")
        return ", ".join(parts)


def execute(
    runs: t.Sequence[PlannedRun], store: Store, device: str, force: bool = False
) -> tuple[dict[str, RunResult], ExecutionSummary]:
    """Make sure every planned run has a stored result; return them by run id."""
    summary = ExecutionSummary()
    results: dict[str, RunResult] = {}
    missing = [r for r in runs if force or store.load(r.key) is None]
    for run in runs:
        if run not in missing:
            cached = store.load(run.key)
            assert cached is not None
            results[run.id] = cached
            summary.reused.append(run.id)
    for index, run in enumerate(missing, 1):
        label = f"[{index}/{len(missing)}] {run.id}"
        result = train_one(run, device, label)
        store.save(result)
        results[run.id] = result
        summary.trained.append(run.id)
        if result.status == "diverged":
            summary.diverged.append(run.id)
        log.info("%s: done in %.1f s%s", label, result.wall_seconds, _headline(result))
    for run in runs:
        if results[run.id].status == "diverged" and run.id not in summary.diverged:
            summary.diverged.append(run.id)
    return {r.id: results[r.id] for r in runs}, summary


def train_one(run: PlannedRun, device: str, label: str) -> RunResult:
    """Run one experiment now, seeded and timed, and return its result (not yet stored)."""
    import torch

    from reportgen.device import configure_threads, describe_device

    threads = configure_threads()
    torch.manual_seed(run.spec.seed)
    progress = RunProgress(label)
    ctx = RunContext(run.spec.seed, device, on_progress=progress.update)
    started_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    started = time.perf_counter()
    status, diverged_at = "ok", None
    try:
        run.experiment.run(run.params, ctx)
    except Diverged as exc:
        status, diverged_at = "diverged", exc.step
        log.warning("%s diverged: %s", run.id, exc)
    except Exception as exc:
        raise ExperimentError(f"Run '{run.id}' (experiment {run.experiment.name}) failed: "
                              f"{type(exc).__name__}: {exc}") from exc
    finally:
        progress.close()
    return RunResult(
        key=run.key, experiment=run.experiment.name, params=params_mod.as_dict(run.params),
        seed=run.spec.seed, status=status, device=device, device_name=describe_device(device, threads),
        torch_version=importlib.metadata.version("torch"), started_at=started_at,
        wall_seconds=time.perf_counter() - started,
        sources=code_sources(run.experiment),
        metrics=ctx.metrics, series=ctx.series, samples=ctx.samples, tables=ctx.tables,
        diverged_at=diverged_at,
    )


def _headline(result: RunResult) -> str:
    ppl = result.metrics.get("perplexity")
    return f", perplexity {ppl:.3f}" if isinstance(ppl, float) else ""
