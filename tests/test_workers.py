"""A build's worker processes start once and train run after run: each run's numbers are
the ones it gets alone, however many runs its worker trained before it."""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import threading
import time
from pathlib import Path

from reportgen.errors import ExperimentError
from reportgen.experiment import load_experiments
from reportgen.runner import RunTask, _train_in_workers, train_one


def five_tasks(tmp_path: Path) -> list[RunTask]:
    """Five short digitsum runs of different cells, lengths and seeds: more than two
    workers, so that each worker trains several."""
    params = load_experiments()["digitsum"].params_cls
    settings = [("srn", 5), ("lstm", 10), ("residual", 5), ("srn", 10), ("lstm", 5)]
    return [
        RunTask(
            f"{cell}-{length}",
            f"{i:064d}",
            "digitsum",
            vars(params(cell=cell, length=length, num_epochs=2, eval_steps=20)),
            i,
            "cpu",
            tmp_path / f"{i}.pt",
        )
        for i, (cell, length) in enumerate(settings)
    ]


def test_two_workers_train_five_runs_with_the_numbers_each_gets_alone(
    tmp_path: Path,
) -> None:
    planned = five_tasks(tmp_path)
    by_key = {task.key: task.run_id for task in planned}
    labels = {task.run_id: task.run_id for task in planned}
    pooled = {by_key[r.key]: r for r in _train_in_workers(planned, 2, labels)}
    assert sorted(pooled) == sorted(labels)
    for task in planned:
        alone = train_one(task, lambda *args: None)
        assert pooled[task.run_id].series == alone.series
        timing = {"train_seconds": 0.0}
        assert pooled[task.run_id].metrics | timing == alone.metrics | timing


def test_a_worker_killed_mid_run_fails_the_build_naming_its_run(tmp_path: Path) -> None:
    """SIGKILL of a worker (as the out-of-memory killer would): one clear error that names
    the run it was training, and the other worker is stopped too."""
    params = load_experiments()["digitsum"].params_cls(length=35, num_epochs=500)
    planned = [
        RunTask(name, key * 64, "digitsum", vars(params), 0, "cpu", tmp_path / name)
        for name, key in (("first", "a"), ("second", "b"))
    ]
    caught: list[BaseException] = []

    def build() -> None:
        try:
            list(_train_in_workers(planned, 2, {"first": "first", "second": "second"}))
        except ExperimentError as exc:
            caught.append(exc)

    builder = threading.Thread(target=build)
    builder.start()
    deadline = time.monotonic() + 60
    while len(multiprocessing.active_children()) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(3)  # both are training now
    victim = min(multiprocessing.active_children(), key=lambda p: p.pid or 0)
    os.kill(victim.pid or 0, signal.SIGKILL)
    builder.join(timeout=60)
    assert not builder.is_alive()
    (error,) = caught
    assert re.fullmatch(
        r"Run '(first|second)' stopped with exit code -9 \(killed, or out of memory\?\);"
        r" its last checkpoint is kept\.",
        str(error),
    )
    assert not multiprocessing.active_children()
