"""Checkpoints: an interrupted run resumes and ends with exactly the numbers of an
uninterrupted one (CPU, same seed)."""

from __future__ import annotations

import io
import logging
import math
import typing as t
from pathlib import Path

import pytest
import torch

from reportgen.experiment import load_experiments
from reportgen.runner import RunTask, train_one
from reportgen.store import RunResult

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


Mutation = t.Callable[[dict[str, t.Any]], None]


def _parent(payload: dict[str, t.Any], path: tuple[str | int, ...]) -> t.Any:
    """The container of payload[path…] (through nested dicts and lists) and its last key."""
    *parents, last = path
    node: t.Any = payload
    for key in parents:
        node = node[key]
    return node, last


def _set(*path: str | int, to: object) -> Mutation:
    """Set payload[path…] to ``to``."""

    def mutate(payload: dict[str, t.Any]) -> None:
        node, last = _parent(payload, path)
        node[last] = to

    return mutate


def _drop(*path: str) -> Mutation:
    """Delete payload[path…]."""

    def mutate(payload: dict[str, t.Any]) -> None:
        node, last = _parent(payload, path)
        del node[last]

    return mutate


def _reshape_first_tensor(part: str) -> Mutation:
    """Give the first tensor of state[part] (a model's state dict) another shape."""

    def mutate(payload: dict[str, t.Any]) -> None:
        tensors = payload["state"][part]
        name = next(iter(tensors))
        tensors[name] = torch.zeros(3, 2)

    return mutate


def _reshape_adam_moment(payload: dict[str, t.Any]) -> None:
    payload["state"]["optimizer"]["state"][0]["exp_avg"] = torch.zeros(3, 2)


LM, ADAM = ("rnn_scratch", {}), ("rnn_concise", {"optimizer": "adam", "lr": 0.01})
POEM, CLASSIFIER = ("tangshi", {"begin_chars": "日月"}), ("digitsum", {"eval_steps": 5})
UNUSABLE: dict[str, tuple[tuple[str, dict[str, object]], Mutation]] = {
    # missing keys
    "state empty": (LM, _set("state", to={})),
    "no model": (LM, _drop("state", "model")),
    "no series": (LM, _drop("series")),
    "no samples_by_epoch": (LM, _drop("state", "samples_by_epoch")),
    "no optimizer state": (ADAM, _drop("state", "optimizer", "state")),
    # wrong types
    "state a list": (LM, _set("state", to=[1, 2])),
    "seconds text": (LM, _set("seconds", to="x")),
    "totals text": (LM, _set("state", "totals", to="abc")),
    "tokens float": (LM, _set("state", "totals", to=(3.0, 1.0, 2.5))),
    "perplexity text": (LM, _set("state", "totals", to=("x", 1.0, 2))),
    "samples text": (LM, _set("state", "samples_by_epoch", to="x")),
    "poem totals short": (POEM, _set("state", "totals", to=(1.0,))),
    "classifier window": (CLASSIFIER, _set("state", "position", to=(5, "ab", 1.0))),
    "classifier best": (CLASSIFIER, _set("state", "best", to=({}, 0.5))),
    "adam lr text": (ADAM, _set("state", "optimizer", "param_groups", 0, "lr", to="x")),
    "adam lr other": (
        ADAM,
        _set("state", "optimizer", "param_groups", 0, "lr", to=9.0),
    ),
    "py_rng": (LM, _set("py_rng", to=(3, (1, 2), None))),
    "torch_rng": (LM, _set("torch_rng", to=torch.zeros(3, dtype=torch.uint8))),
    # wrong tensor shapes
    "model shape": (LM, _reshape_first_tensor("model")),
    "model extra key": (LM, _set("state", "model", "extra", to=torch.zeros(1))),
    "adam moment shape": (ADAM, _reshape_adam_moment),
    "poem model shape": (POEM, _reshape_first_tensor("model")),
    "classifier best shape": (
        CLASSIFIER,
        lambda payload: _reshape_first_tensor("model")(
            {"state": {"model": payload["state"]["best"][0]}}
        ),
    ),
    # positions out of range
    "epoch -30": (LM, _set("state", "epoch", to=-30)),
    "epoch -1e9": (LM, _set("state", "epoch", to=-(10**9))),
    "epoch 1e9": (LM, _set("state", "epoch", to=10**9)),
    "epoch = num_epochs": (LM, _set("state", "epoch", to=8)),
    "epoch 0": (LM, _set("state", "epoch", to=0)),
    "epoch float": (LM, _set("state", "epoch", to=2.5)),
    "epoch bool": (LM, _set("state", "epoch", to=True)),
    "poem epoch -30": (POEM, _set("state", "epoch", to=-30)),
    "classifier epoch -30": (CLASSIFIER, _set("state", "epoch", to=-30)),
    "classifier step -1": (
        CLASSIFIER,
        _set("state", "position", to=(-1, [0.0, 0], 1.0)),
    ),
    "tokens negative": (LM, _set("state", "totals", to=(3.0, 1.0, -5))),
    "seconds negative": (LM, _set("seconds", to=-5.0)),
    "seconds nan": (LM, _set("seconds", to=math.nan)),
    "train seconds negative": (POEM, _set("state", "totals", to=(-1.0, 10))),
    # series of the wrong shape
    "series text": (LM, _set("series", to="garbage")),
    "series of text": (LM, _set("series", "perplexity", to="garbage")),
    "series point text": (LM, _set("series", "perplexity", 0, to=[1, "x"])),
    "series point of 3": (LM, _set("series", "perplexity", 0, to=[1, 2.0, 3])),
}
TIMINGS = {"train_seconds", "tokens_per_second", "chars_per_second"}
_references: dict[str, RunResult] = {}
_checkpoints: dict[str, bytes] = {}


def _reference(tmp_path: Path, experiment: str, extra: dict[str, object]) -> RunResult:
    name = f"{experiment}{sorted(extra.items())}"
    if name not in _references:
        run = task(tmp_path / "ref", experiment, **extra)
        _references[name] = train_one(run, lambda *a: None)
        cut = task(tmp_path / "cut", experiment, **extra)
        with pytest.raises(Stop):
            train_one(cut, stop_at(6))
        _checkpoints[name] = cut.checkpoint.read_bytes()
    return _references[name]


@pytest.mark.parametrize("case", list(UNUSABLE))
def test_unusable_checkpoint_starts_over(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    (experiment, extra), mutate = UNUSABLE[case]
    reference = _reference(tmp_path, experiment, extra)
    payload = torch.load(
        io.BytesIO(_checkpoints[f"{experiment}{sorted(extra.items())}"]),
        weights_only=True,
    )
    mutate(payload)
    run = task(tmp_path / "bad", experiment, **extra)
    run.checkpoint.parent.mkdir(parents=True)
    torch.save(payload, run.checkpoint)

    epochs_seen: list[int] = []
    with caplog.at_level(logging.WARNING):
        result = train_one(run, lambda step, total, info: epochs_seen.append(step))

    assert epochs_seen == list(range(1, 9))  # from scratch, the run's own epochs
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"Checkpoint {run.checkpoint} is unusable (")
    assert warnings[0].endswith("); starting over.")
    assert "\n" not in warnings[0]
    untimed = {k: v for k, v in result.metrics.items() if k not in TIMINGS}
    assert untimed == {k: v for k, v in reference.metrics.items() if k not in TIMINGS}
    assert result.series == reference.series
    assert result.samples == reference.samples
    assert result.tables == reference.tables
