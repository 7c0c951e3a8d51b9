"""Executing planned runs: reuse what the store has, train what it lacks, record everything.

Missing runs train in worker processes, ``jobs`` at a time, one torch thread each: the lab's
models are too small to keep two threads busy, but two processes keep two cores busy (see
docs/performance.md). Each run is seeded (torch and the run's own ``random.Random``), timed,
and stored as soon as it finishes, with its resolved params, seed, device and torch version.
A run whose loss turns inf/NaN is stored as ``diverged`` with the step; it does not stop the build.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import importlib.metadata
import logging
import multiprocessing
import queue
import time
import typing as t

from reportgen import params as params_mod
from reportgen.errors import ExperimentError
from reportgen.experiment import Diverged, RunContext, load_experiments
from reportgen.plan import PlannedRun, code_sources
from reportgen.progress import RunProgress
from reportgen.store import RunResult, Store

log = logging.getLogger(__name__)

ProgressQueue = queue.Queue[
    tuple[str, int, int, dict[str, float]]
]  # (run, step, total, info)


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
    runs: t.Sequence[PlannedRun],
    store: Store,
    device: str,
    jobs: int = 1,
    force: bool = False,
) -> tuple[dict[str, RunResult], ExecutionSummary]:
    """Make sure every planned run has a stored result; return them by run id."""
    summary = ExecutionSummary()
    results: dict[str, RunResult] = {}
    missing = []
    for run in runs:
        cached = None if force else store.load(run.key)
        if cached is None:
            missing.append(run)
        else:
            results[run.id] = cached
            summary.reused.append(run.id)
    for result in _train_all(missing, device, jobs):
        store.save(result)
        run_id = next(r.id for r in missing if r.key == result.key)
        results[run_id] = result
        summary.trained.append(run_id)
    summary.diverged = [r.id for r in runs if results[r.id].status == "diverged"]
    return {r.id: results[r.id] for r in runs}, summary


@dataclasses.dataclass(frozen=True)
class RunTask:
    """What a worker needs to train one run: plain values, picklable into a process."""

    run_id: str
    key: str
    experiment: str
    params: dict[str, params_mod.ParamValue]
    seed: int
    device: str

    @classmethod
    def of(cls, run: PlannedRun, device: str) -> RunTask:
        return cls(
            run.id,
            run.key,
            run.experiment.name,
            params_mod.as_dict(run.params),
            run.spec.seed,
            device,
        )


def _train_all(
    missing: t.Sequence[PlannedRun], device: str, jobs: int
) -> t.Iterator[RunResult]:
    """Train the missing runs, here (jobs=1) or in a process pool; yield results as they end."""
    labels = {r.id: f"[{i}/{len(missing)}] {r.id}" for i, r in enumerate(missing, 1)}
    tasks = [RunTask.of(run, device) for run in missing]
    if jobs <= 1 or len(tasks) <= 1:
        for task in tasks:
            progress = RunProgress(labels[task.run_id])
            try:
                yield _finished(train_one(task, progress.update), labels[task.run_id])
            finally:
                progress.close()
        return

    # spawn, not fork: a forked child would inherit torch's thread pools in an unknown state
    mp = multiprocessing.get_context("spawn")
    updates: ProgressQueue = mp.Manager().Queue()
    bars: dict[str, RunProgress] = {}
    with concurrent.futures.ProcessPoolExecutor(
        max_workers=jobs, mp_context=mp
    ) as pool:
        futures = {pool.submit(_train_in_worker, task, updates): task for task in tasks}
        pending = set(futures)
        try:
            while pending:
                done, pending = concurrent.futures.wait(pending, timeout=0.2)
                _drain(updates, bars, labels)
                for future in done:
                    task = futures[future]
                    bars.pop(task.run_id, RunProgress("")).close()
                    yield _finished(future.result(), labels[task.run_id])
        except BaseException:
            for future in pending:
                future.cancel()
            raise
        finally:
            for bar in bars.values():
                bar.close()


def _drain(
    updates: ProgressQueue,
    bars: dict[str, RunProgress],
    labels: dict[str, str],
) -> None:
    """Show the progress messages the workers sent since the last look."""
    while True:
        try:
            run_id, step, total, info = updates.get_nowait()
        except queue.Empty:
            return
        bar = bars.setdefault(run_id, RunProgress(labels[run_id], position=len(bars)))
        bar.update(step, total, info)


def _finished(result: RunResult, label: str) -> RunResult:
    ppl = result.metrics.get("perplexity")
    headline = f", perplexity {ppl:.3f}" if isinstance(ppl, float) else ""
    if result.status == "diverged":
        headline = f", diverged at step {result.diverged_at}"
    log.info("%s: done in %.1f s%s", label, result.wall_seconds, headline)
    return result


def _train_in_worker(task: RunTask, updates: ProgressQueue) -> RunResult:
    """Entry point of a worker process: train one run, sending progress to the parent."""

    def report(step: int, total: int, info: dict[str, float]) -> None:
        updates.put((task.run_id, step, total, info))

    return train_one(task, report)


def train_one(
    task: RunTask, on_progress: t.Callable[[int, int, dict[str, float]], None]
) -> RunResult:
    """Run one experiment now, seeded and timed, and return its result (not yet stored)."""
    import torch

    from reportgen.device import configure_threads, describe_device

    exp = load_experiments()[task.experiment]
    threads = configure_threads()
    torch.manual_seed(task.seed)
    ctx = RunContext(task.seed, task.device, on_progress=on_progress)
    started_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    started = time.perf_counter()
    status, diverged_at = "ok", None
    try:
        exp.run(exp.params_cls(**task.params), ctx)
    except Diverged as exc:
        status, diverged_at = "diverged", exc.step
        log.warning("%s diverged: %s", task.run_id, exc)
    except Exception as exc:
        raise ExperimentError(
            f"Run '{task.run_id}' (experiment {task.experiment}) failed: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    return RunResult(
        key=task.key,
        experiment=task.experiment,
        params=task.params,
        seed=task.seed,
        status=status,
        device=task.device,
        device_name=describe_device(task.device, threads),
        torch_version=importlib.metadata.version("torch"),
        started_at=started_at,
        wall_seconds=time.perf_counter() - started,
        sources=code_sources(exp),
        metrics=ctx.metrics,
        series=ctx.series,
        samples=ctx.samples,
        tables=ctx.tables,
        diverged_at=diverged_at,
    )
