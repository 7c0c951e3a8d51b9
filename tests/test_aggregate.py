"""Sweeps: grid × seed expansion, keys, and statistics equal to hand computations."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest
from test_store import make_result

from reportgen.aggregate import (
    Spread,
    fluctuation,
    mean_band,
    metric_spread,
    points,
    steps_to_threshold,
)
from reportgen.errors import LabSpecError
from reportgen.lab import load_lab, parse_override
from reportgen.plan import plan

HEAD = 'number = 9\ntitle = "t"\ncourse = "c"\ntemplate = "lab4.md.j2"\n'
SWEEP = (
    HEAD
    + """
[runs.hidden]
experiment = "rnn_concise"
params = { num_epochs = 3 }
grid = { num_hiddens = [16, 32] }
seeds = SEEDS
label = "h={num_hiddens}"

[runs.single]
experiment = "lstm_scratch"
"""
)


def sweep_lab(tmp_path: Path, seeds: str = "[0, 1]"):  # noqa: ANN201 (test helper)
    (tmp_path / "sweep.toml").write_text(
        SWEEP.replace("SEEDS", seeds), encoding="utf-8"
    )
    return load_lab("sweep", tmp_path)


def test_grid_times_seeds_expands_to_named_runs(tmp_path: Path) -> None:
    lab = sweep_lab(tmp_path)
    assert [r.id for r in lab.runs] == [
        "hidden[num_hiddens=16,seed=0]",
        "hidden[num_hiddens=16,seed=1]",
        "hidden[num_hiddens=32,seed=0]",
        "hidden[num_hiddens=32,seed=1]",
        "single",
    ]
    first = lab.runs[0]
    assert (
        first.params == {"num_epochs": 3, "num_hiddens": 16} and first.label == "h=16"
    )
    assert points(lab, "hidden") == [
        (
            {"num_hiddens": 16},
            ["hidden[num_hiddens=16,seed=0]", "hidden[num_hiddens=16,seed=1]"],
        ),
        (
            {"num_hiddens": 32},
            ["hidden[num_hiddens=32,seed=0]", "hidden[num_hiddens=32,seed=1]"],
        ),
    ]


def test_adding_a_seed_adds_only_new_keys(tmp_path: Path) -> None:
    two = {r.id: r.key for r in plan(sweep_lab(tmp_path, "[0, 1]"))}
    three = {r.id: r.key for r in plan(sweep_lab(tmp_path, "[0, 1, 2]"))}
    assert {k: three[k] for k in two} == two  # every existing run keeps its key
    assert sorted(set(three) - set(two)) == [
        "hidden[num_hiddens=16,seed=2]",
        "hidden[num_hiddens=32,seed=2]",
    ]


def test_set_on_a_group_reaches_all_its_runs(tmp_path: Path) -> None:
    lab = sweep_lab(tmp_path)
    runs = plan(lab, overrides=[parse_override("hidden.lr=0.5")])
    assert [r.params.lr for r in runs if r.spec.group == "hidden"] == [0.5] * 4


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            "grid = { num_hiddens = 16 }",
            "runs.g.grid.num_hiddens: expected a non-empty list of values, got 16",
        ),
        ("seeds = []", "runs.g.seeds: expected a non-empty list of integers, got []"),
        (
            'grid = { num_hiddens = [1] }\nlabel = "{nope}"',
            "runs.g.label: {nope} in '{nope}' is not one of {num_hiddens}, {seed}",
        ),
    ],
)
def test_bad_sweeps_name_their_key(tmp_path: Path, table: str, message: str) -> None:
    (tmp_path / "bad.toml").write_text(
        HEAD + f'[runs.g]\nexperiment = "rnn_concise"\n{table}\n'
    )
    with pytest.raises(LabSpecError) as exc:
        load_lab("bad", tmp_path)
    assert exc.value.message == f"bad.toml: {message}"


def test_spread_is_mean_and_sample_std() -> None:
    spread = Spread.of([1.0, 2.0, 4.0])
    assert spread.mean == pytest.approx(7 / 3)
    assert spread.std == pytest.approx(
        math.sqrt(((1 - 7 / 3) ** 2 + (2 - 7 / 3) ** 2 + (4 - 7 / 3) ** 2) / 2)
    )
    assert Spread.of([5.0]) == Spread(5.0, None, 1)
    assert Spread.of([math.nan, 3.0]).n == 1  # a diverged value does not count


def test_metric_spread_skips_diverged_runs() -> None:
    ok = [
        dataclasses.replace(make_result(), metrics={"perplexity": p})
        for p in (1.2, 1.4)
    ]
    bad = dataclasses.replace(make_result(), status="diverged", metrics={})
    spread = metric_spread([*ok, bad], "perplexity")
    assert (spread.mean, spread.n) == (pytest.approx(1.3), 2)
    assert spread.std == pytest.approx(math.sqrt(0.02))


def test_band_threshold_and_fluctuation_by_hand() -> None:
    a = [[1, 10.0], [2, 6.0], [3, 4.0], [4, 5.0]]
    b = [[1, 12.0], [2, 4.0], [3, 2.0]]
    steps, means, stds = mean_band([a, b])
    assert steps == [1, 2, 3] and means == [11.0, 5.0, 3.0]
    assert stds == pytest.approx([math.sqrt(2)] * 3)
    assert steps_to_threshold(a, 5.0) == 3 and steps_to_threshold(a, 1.0) is None
    assert fluctuation(a, 3) == pytest.approx(1.0)  # std of 6, 4, 5


def test_seed_count_from_the_command_line_replaces_swept_seeds(tmp_path: Path) -> None:
    sweep_lab(tmp_path)  # writes sweep.toml
    lab = load_lab("sweep", tmp_path, seeds=3)
    assert [r.seed for r in lab.runs if r.group == "hidden"] == [0, 1, 2, 0, 1, 2]
    assert (
        next(r for r in lab.runs if r.group == "single").seed == 0
    )  # not swept: untouched
