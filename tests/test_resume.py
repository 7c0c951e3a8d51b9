"""Checkpoints: an interrupted run resumes and ends with exactly the numbers of an
uninterrupted one (CPU, same seed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.experiment import load_experiments
from reportgen.runner import RunTask, train_one

PARAMS = {
    "num_hiddens": 32,
    "num_epochs": 8,
    "max_tokens": 2000,
    "batch_size": 8,
    "num_steps": 10,
}


class Stop(KeyboardInterrupt):
    """Stands in for Ctrl-C arriving in the middle of a run."""


def task(tmp_path: Path, experiment: str, **extra: object) -> RunTask:
    params_cls = load_experiments()[experiment].params_cls
    shared = {k: v for k, v in PARAMS.items() if k in params_cls.__dataclass_fields__}
    defaults = params_cls(**shared, **extra)
    params = {k: getattr(defaults, k) for k in defaults.__dataclass_fields__}
    return RunTask("demo", "k" * 64, experiment, params, 0, "cpu", tmp_path / "demo.pt")


def stop_at(epoch: int):  # noqa: ANN201 (test helper)
    def report(step: int, total: int, info: dict[str, float]) -> None:
        if step == epoch:
            raise Stop

    return report


@pytest.mark.parametrize(
    ("experiment", "extra"),
    [
        ("rnn_scratch", {}),
        ("lstm_scratch", {}),
        ("rnn_concise", {}),
        # Adam keeps moment estimates: they must be in the checkpoint for an exact resume
        ("rnn_concise", {"optimizer": "adam", "lr": 0.01}),
        # samples taken every 2 epochs before the interruption must survive it
        ("lyrics", {"pred_period": 2, "pred_len": 10}),
        # RMSprop state, poem batches, sampled poems
        ("tangshi", {"begin_chars": "日月"}),
    ],
)
def test_resumed_run_equals_uninterrupted_run(
    tmp_path: Path, experiment: str, extra: dict[str, object]
) -> None:
    reference = train_one(task(tmp_path / "ref", experiment, **extra), lambda *a: None)

    interrupted = task(tmp_path / "cut", experiment, **extra)
    with pytest.raises(Stop):
        train_one(interrupted, stop_at(6))  # epochs 1-5 checkpointed, 6 lost
    assert interrupted.checkpoint.is_file()
    epochs_seen = []
    resumed = train_one(interrupted, lambda step, total, info: epochs_seen.append(step))

    assert epochs_seen == [6, 7, 8]  # picked up after the last checkpoint
    assert resumed.metrics["perplexity"] == reference.metrics["perplexity"]
    assert resumed.series == reference.series
    assert resumed.samples == reference.samples
    assert resumed.tables == reference.tables


def test_damaged_checkpoint_starts_over(tmp_path: Path) -> None:
    t = task(tmp_path, "rnn_scratch")
    t.checkpoint.parent.mkdir(parents=True, exist_ok=True)
    t.checkpoint.write_bytes(b"not a checkpoint")
    seen = []
    train_one(t, lambda step, total, info: seen.append(step))
    assert seen == list(range(1, 9))
