"""Executing planned runs: reuse what the store has, train what it lacks, record everything.

Missing runs train in ``jobs`` long-lived worker processes (each takes the next run when it
has finished one), one torch thread each: the lab's models are too small to keep two threads
busy, but two processes keep two cores busy (see docs/performance.md). Each run is seeded
(torch and the run's own ``random.Random``), timed, and stored as soon as it finishes, with
its resolved params, seed, device and torch version.

Interruption: workers ignore SIGINT and exit when the build dies (:mod:`reportgen.workers`);
the build turns Ctrl-C or SIGTERM into :class:`Interrupted`
(:mod:`reportgen.interrupts`), terminates the workers and leaves every finished run stored
and every unfinished one at its last checkpoint, from which the next build resumes.
A run whose loss turns inf/NaN is stored as ``diverged`` with the step; the build goes on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import importlib.metadata
import logging
import multiprocessing
import os
import queue
import typing as t
from pathlib import Path

from reportgen import params as params_mod
from reportgen.errors import ExperimentError, ReportgenError
from reportgen.experiment import Diverged, Experiment, RunContext, load_experiments
from reportgen.interrupts import Interrupted
from reportgen.plan import PlannedRun, code_sources
from reportgen.progress import RunProgress
from reportgen.restore import CheckpointUnusable
from reportgen.store import RunResult, Store, canonical_json
from reportgen.workers import starting_workers, worker_init
from reportgen.write_errors import DISK_FULL, TRAINING_KEPT, cannot_write

log = logging.getLogger(__name__)


@dataclasses.dataclass
class ExecutionSummary:
    trained: list[str] = dataclasses.field(default_factory=list)
    reused: list[str] = dataclasses.field(default_factory=list)
    diverged: list[str] = dataclasses.field(default_factory=list)
    # run id -> why it had to train (reportgen.reasons), for the runs the build named
    why: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    def merged(self, other: ExecutionSummary) -> ExecutionSummary:
        return ExecutionSummary(
            self.trained + other.trained,
            self.reused + other.reused,
            self.diverged + other.diverged,
            self.why | other.why,
        )

    def line(self) -> str:
        parts = [f"{len(self.trained)} trained", f"{len(self.reused)} from cache"]
        if self.diverged:
            parts.append(f"{len(self.diverged)} diverged ({', '.join(self.diverged)})")
        return ", ".join(parts)


@dataclasses.dataclass(frozen=True)
class RunTask:
    """What a worker needs to train one run: plain values, picklable into a process."""

    run_id: str
    key: str
    experiment: str
    params: dict[str, params_mod.ParamValue]
    seed: int
    device: str
    checkpoint: Path

    @classmethod
    def of(cls, run: PlannedRun, device: str, store: Store) -> RunTask:
        return cls(
            run.id,
            run.key,
            run.experiment.name,
            params_mod.as_dict(run.params),
            run.spec.seed,
            device,
            store.checkpoint_for(run.key),
        )


def _stored(store: Store, run: PlannedRun) -> RunResult | None:
    """The stored result of ``run``; None when missing, unreadable, or the result of another
    run (an entry planted or swapped under this key: its experiment, seed or params are not
    the run's), which then trains again."""
    result = store.load(run.key)
    if result is not None and (
        result.experiment,
        result.seed,
        canonical_json(result.params),
    ) != (
        run.experiment.name,
        run.spec.seed,
        canonical_json(params_mod.as_dict(run.params)),
    ):
        log.warning(
            "Cache entry %s is not the result of run %s (another experiment, seed or"
            " params); it will be rerun.",
            run.key[:12],
            run.id,
        )
        return None
    return result


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
    # runs that share a key (same experiment, code, params, seed, data) train once
    missing: dict[str, list[PlannedRun]] = {}
    for run in runs:
        cached = None if force else _stored(store, run)
        if cached is None:
            missing.setdefault(run.key, []).append(run)
        else:
            results[run.id] = cached
            summary.reused.append(run.id)
    if force:
        for key in missing:
            store.checkpoint_for(key).unlink(missing_ok=True)
    # longest first, so that both cores stay busy until the end (docs/performance.md)
    longest_first = sorted(missing.values(), key=lambda same: -schedule_weight(same[0]))
    tasks = [RunTask.of(same[0], device, store) for same in longest_first]
    labels = {
        task.run_id: f"[{i}/{len(tasks)}] {task.run_id}"
        for i, task in enumerate(tasks, 1)
    }
    try:
        train = _train_here if jobs <= 1 or len(tasks) <= 1 else _train_in_workers
        for result in train(tasks, jobs, labels):
            store.save(result)
            first, *others = missing[result.key]
            for run in (first, *others):
                results[run.id] = result
            summary.trained.append(first.id)
            summary.reused += [run.id for run in others]
            _log_finished(result, labels[first.id])
    except Interrupted as exc:
        # stored: trained now, or before (a --force build keeps the old result until the
        # new one replaces it)
        done = sum(store.path_for(r.key).is_file() for r in runs)
        raise Interrupted(
            exc.signal_name,
            f"{done} of {len(runs)} runs are stored, unfinished runs keep their last"
            " checkpoint. Run the same command again to resume.",
        ) from None
    summary.diverged = [r.id for r in runs if results[r.id].status == "diverged"]
    return {r.id: results[r.id] for r in runs}, summary


def schedule_weight(run: PlannedRun) -> float:
    """The work a run's params say it is (``schedule_weight``, e.g. LMParams'), else 0.

    Only the order of training uses it: the sort is stable, so runs without a weight keep
    the lab's order.
    """
    return float(getattr(run.params, "schedule_weight", 0.0))


def _train_here(
    tasks: t.Sequence[RunTask], jobs: int, labels: dict[str, str]
) -> t.Iterator[RunResult]:
    """Train one run after the other in this process."""
    for task in tasks:
        progress = RunProgress(labels[task.run_id])
        try:
            yield train_one(task, progress.update)
        finally:
            progress.close()


Message = tuple[str, str, t.Any]  # (kind, run_id, payload): progress | done | failed


@dataclasses.dataclass
class _Worker:
    """A worker process, its own task queue, and the run it is training (None: idle)."""

    process: multiprocessing.process.BaseProcess
    inbox: multiprocessing.Queue[RunTask | None]
    run_id: str | None = None


def _train_in_workers(
    tasks: t.Sequence[RunTask], jobs: int, labels: dict[str, str]
) -> t.Iterator[RunResult]:
    """Train up to ``jobs`` runs at once in as many long-lived worker processes, each taking
    the next run when it has finished one; yield results as they end.

    A worker starts once per build, not once per run: starting one (a Python interpreter,
    torch, the experiments) costs 1–3 s, which a lab of many short runs paid dozens of times
    (docs/performance.md). Reusing a process does not change a run's numbers: every run is
    seeded afresh (torch and its own ``random.Random``) before it starts.
    """
    # spawn, not fork: a forked child would inherit torch's thread pools in an unknown state
    mp = multiprocessing.get_context("spawn")
    with starting_workers():  # a queue starts multiprocessing's resource tracker
        messages: multiprocessing.Queue[Message] = mp.Queue()
    waiting = list(tasks)
    workers: list[_Worker] = []
    bars: dict[str, RunProgress] = {}
    try:
        with starting_workers():
            for _ in range(min(jobs, len(tasks))):
                inbox: multiprocessing.Queue[RunTask | None] = mp.Queue()
                process = mp.Process(
                    target=_worker_main,
                    args=(inbox, messages, os.getpid()),
                    daemon=True,
                )
                process.start()
                workers.append(_Worker(process, inbox))  # stopped by ``finally``
        while waiting or any(w.run_id for w in workers):
            for worker in workers:
                if worker.run_id is None and waiting:
                    task = waiting.pop(0)
                    worker.inbox.put(task)
                    worker.run_id = task.run_id
            try:
                kind, run_id, payload = messages.get(timeout=1.0)
            except queue.Empty:
                _check_alive(workers)
                continue
            if kind == "progress":
                if run_id not in bars:
                    bars[run_id] = RunProgress(labels[run_id], position=len(bars))
                bars[run_id].update(*payload)
            elif kind == "failed":
                raise ExperimentError(payload)
            else:
                next(w for w in workers if w.run_id == run_id).run_id = None
                bars.pop(run_id, RunProgress("")).close()
                yield payload
    finally:
        for worker in workers:
            if worker.run_id is None:
                worker.inbox.put(None)  # idle: no more work, it returns
            else:
                worker.process.terminate()  # interrupted or failed mid-run: stop it now
        for worker in workers:
            worker.process.join()
        for bar in bars.values():
            bar.close()


def _check_alive(workers: t.Sequence[_Worker]) -> None:
    """A worker that died without reporting (killed, out of memory) fails the build clearly."""
    for worker in workers:
        if worker.run_id is not None and not worker.process.is_alive():
            raise ExperimentError(
                f"Run '{worker.run_id}' stopped with exit code {worker.process.exitcode}"
                " (killed, or out of memory?); its last checkpoint is kept."
            )


def _worker_main(
    inbox: multiprocessing.Queue[RunTask | None],
    messages: multiprocessing.Queue[Message],
    parent: int,
) -> None:
    """Entry point of a worker process: train the runs it is sent, one after the other,
    reporting progress and each result, until it is sent None."""
    worker_init(parent)
    while (task := inbox.get()) is not None:
        report = functools.partial(_report_progress, messages, task.run_id)
        try:
            messages.put(("done", task.run_id, train_one(task, report)))
        except ReportgenError as exc:
            messages.put(("failed", task.run_id, exc.message))


def _report_progress(
    messages: multiprocessing.Queue[Message],
    run_id: str,
    step: int,
    total: int,
    info: dict[str, float],
) -> None:
    messages.put(("progress", run_id, (step, total, info)))


def train_one(
    task: RunTask, on_progress: t.Callable[[int, int, dict[str, float]], None]
) -> RunResult:
    """Run one experiment now, seeded and timed, and return its result (not yet stored).

    A checkpoint that cannot be restored is reported, deleted (reportgen's own file; a link
    goes, not its target) and the run starts over from scratch, re-seeded: it ends with
    exactly the numbers of an uninterrupted run.
    """
    from reportgen.device import configure_threads, describe_device

    exp = load_experiments()[task.experiment]
    threads = configure_threads()
    started_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    try:
        ctx, status, diverged_at = _attempt(exp, task, on_progress)
    except CheckpointUnusable as exc:
        log.warning(
            "Checkpoint %s is unusable (%s); starting over.", task.checkpoint, exc
        )
        task.checkpoint.unlink(missing_ok=True)
        try:
            ctx, status, diverged_at = _attempt(exp, task, on_progress)
        except CheckpointUnusable as again:  # not from a checkpoint: there is none now
            raise _failed(task, again) from again
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
        wall_seconds=ctx.elapsed(),
        sources=code_sources(exp),
        metrics=ctx.metrics,
        series=ctx.series,
        samples=ctx.samples,
        tables=ctx.tables,
        diverged_at=diverged_at,
    )


def _attempt(
    exp: Experiment,
    task: RunTask,
    on_progress: t.Callable[[int, int, dict[str, float]], None],
) -> tuple[RunContext, str, int | None]:
    """Seed, run the experiment (resuming from its checkpoint) and say how it ended."""
    import torch

    torch.manual_seed(task.seed)
    ctx = RunContext(
        task.seed, task.device, on_progress, checkpoint_path=task.checkpoint
    )
    try:
        exp.run(exp.params_cls(**task.params), ctx)
    except Diverged as exc:
        log.warning("%s diverged: %s", task.run_id, exc)
        return ctx, "diverged", exc.step
    except CheckpointUnusable:
        raise
    except Exception as exc:
        if isinstance(exc, OSError) and exc.errno in DISK_FULL:  # e.g. its checkpoint
            raise cannot_write(exc, task.checkpoint, TRAINING_KEPT) from None
        raise _failed(task, exc) from exc
    return ctx, "ok", None


def _failed(task: RunTask, exc: Exception) -> ExperimentError:
    return ExperimentError(
        f"Run '{task.run_id}' (experiment {task.experiment}) failed: "
        f"{type(exc).__name__}: {exc}"
    )


def _log_finished(result: RunResult, label: str) -> None:
    ppl = result.metrics.get("perplexity")
    headline = f", perplexity {ppl:.3f}" if isinstance(ppl, float) else ""
    if result.status == "diverged":
        headline = f", diverged at step {result.diverged_at}"
    log.info("%s: done in %.1f s%s", label, result.wall_seconds, headline)
