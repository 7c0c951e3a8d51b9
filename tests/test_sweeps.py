"""Dependent sweeps (a group chooses a parameter from another group's results), ``--set`` on
swept axes, and the comparison-table statistics, checked against hand computations."""

from __future__ import annotations

import dataclasses
import math
import statistics
from pathlib import Path

import pytest
from test_store import make_result

from reportgen.errors import ExperimentError, LabSpecError, ParamError
from reportgen.lab import load_lab, parse_override
from reportgen.lang import lang
from reportgen.plan import choose_from_results, plan
from reportgen.store import RunResult
from reportgen.views.sweeps import format_spread, sweep

HEAD = 'number = 9\ntitle = "t"\ncourse = "c"\ntemplate = "lab4.md.j2"\n'
STAGED = (
    HEAD
    + """
[runs.hidden]
experiment = "rnn_concise"
params = { num_epochs = 3 }
grid = { num_hiddens = [16, 32, 64] }
seeds = [0, 1]
label = "h={num_hiddens}"

[runs.batch]
experiment = "rnn_concise"
params = { num_epochs = 3 }
grid = { batch_size = [8, 16] }
seeds = [0, 1]
label = "b={batch_size}"
choose = { num_hiddens = { from = "hidden", metric = "perplexity" } }
"""
)


def staged_lab(tmp_path: Path, body: str = STAGED, **kwargs: object):  # noqa: ANN201
    (tmp_path / "staged.toml").write_text(body, encoding="utf-8")
    return load_lab("staged", tmp_path, **kwargs)  # type: ignore[arg-type]


def finished(
    run_id: str, perplexities: list[float], seed: int = 0, seconds: float = 1.0
) -> RunResult:
    """A stored result whose perplexity series is ``perplexities`` (epochs 1, 2, …)."""
    series = [[i + 1, p] for i, p in enumerate(perplexities)]
    return dataclasses.replace(
        make_result(key=run_id.ljust(64, "0")[:64]),
        seed=seed,
        wall_seconds=seconds,
        metrics={"perplexity": perplexities[-1], "num_params": 100},
        series={"perplexity": series},
    )


def hidden_results(finals: dict[int, tuple[float, float]]) -> dict[str, RunResult]:
    return {
        f"hidden[num_hiddens={h},seed={s}]": finished("x", [9.0, ppl], seed=s)
        for h, pair in finals.items()
        for s, ppl in enumerate(pair)
    }


def test_dependent_group_waits_then_runs_at_the_best_mean(tmp_path: Path) -> None:
    lab = staged_lab(tmp_path)
    first = plan(lab)
    assert {r.spec.group for r in first} == {"hidden"}  # batch waits for the choice
    # h=32 has the lowest mean (1.5) though h=64 has the lowest single run (1.2)
    results = hidden_results({16: (2.0, 2.2), 32: (1.4, 1.6), 64: (1.2, 2.0)})
    chosen = choose_from_results(lab, (), results)
    assert chosen == {"batch": {"num_hiddens": 32}}
    second = plan(lab, chosen=chosen)
    batch = [r for r in second if r.spec.group == "batch"]
    assert [(r.params.num_hiddens, r.params.batch_size) for r in batch] == [
        (32, 8),
        (32, 8),
        (32, 16),
        (32, 16),
    ]
    assert {r.id: r.key for r in first} == {
        r.id: r.key for r in second if r.spec.group == "hidden"
    }


def test_a_tie_goes_to_the_first_point_and_diverged_runs_do_not_count(
    tmp_path: Path,
) -> None:
    lab = staged_lab(tmp_path)
    results = hidden_results({16: (1.5, 1.5), 32: (1.5, 1.5), 64: (1.0, 1.0)})
    for seed in (0, 1):  # both h=64 runs diverged: that point cannot win
        run_id = f"hidden[num_hiddens=64,seed={seed}]"
        results[run_id] = dataclasses.replace(
            results[run_id], status="diverged", metrics={}
        )
    assert choose_from_results(lab, (), results) == {"batch": {"num_hiddens": 16}}


def test_no_finished_source_run_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ExperimentError, match="Cannot choose num_hiddens for batch"):
        choose_from_results(staged_lab(tmp_path), (), {})


def test_set_settles_a_choice_and_the_group_plans_at_once(tmp_path: Path) -> None:
    lab = staged_lab(tmp_path)
    overrides = [parse_override("batch.num_hiddens=24")]
    batch = [r for r in plan(lab, overrides=overrides) if r.spec.group == "batch"]
    assert [r.params.num_hiddens for r in batch] == [24] * 4
    assert choose_from_results(lab, lab.aim(overrides), {}) == {}


def test_set_on_a_swept_axis_replaces_the_grid_values(tmp_path: Path) -> None:
    overrides = [parse_override("hidden.num_hiddens=8, 128")]
    lab = staged_lab(tmp_path, overrides=overrides)
    runs = plan(lab, overrides=overrides)
    assert [(r.id, r.params.num_hiddens) for r in runs] == [
        ("hidden[num_hiddens=8,seed=0]", 8),
        ("hidden[num_hiddens=8,seed=1]", 8),
        ("hidden[num_hiddens=128,seed=0]", 128),
        ("hidden[num_hiddens=128,seed=1]", 128),
    ]
    # a run that keeps its grid value keeps its key
    unchanged = {r.id: r.key for r in plan(staged_lab(tmp_path))}
    swept = {r.id: r.key for r in plan(lab)}
    overlap = staged_lab(
        tmp_path, overrides=[parse_override("hidden.num_hiddens=16,99")]
    )
    kept = {r.id: r.key for r in plan(overlap)}
    assert (
        kept["hidden[num_hiddens=16,seed=0]"]
        == unchanged["hidden[num_hiddens=16,seed=0]"]
    )
    assert "hidden[num_hiddens=16,seed=0]" not in swept


def test_set_on_a_swept_axis_of_one_run_is_refused(tmp_path: Path) -> None:
    override = parse_override("hidden[num_hiddens=16,seed=0].num_hiddens=8")
    assert override.target == "hidden[num_hiddens=16,seed=0]"
    with pytest.raises(ParamError, match="num_hiddens is swept by group hidden"):
        staged_lab(tmp_path, overrides=[override])


@pytest.mark.parametrize(
    ("choose", "message"),
    [
        (
            '{ num_hiddens = { from = "nope", metric = "perplexity" } }',
            "runs.batch.choose.num_hiddens: unknown group 'nope'",
        ),
        (
            '{ lr = { from = "hidden", metric = "perplexity" } }',
            "runs.batch.choose.lr: group 'hidden' does not sweep lr",
        ),
        (
            '{ num_hiddens = { from = "hidden", metric = "p", goal = "up" } }',
            "runs.batch.choose.num_hiddens.goal: expected 'min' or 'max', got 'up'",
        ),
        (
            '{ batch_size = { from = "hidden", metric = "perplexity" } }',
            "runs.batch.choose.batch_size: is swept by this group's grid;"
            " it cannot also be chosen",
        ),
    ],
)
def test_bad_choices_name_their_key(tmp_path: Path, choose: str, message: str) -> None:
    body = STAGED.replace(
        'choose = { num_hiddens = { from = "hidden", metric = "perplexity" } }',
        f"choose = {choose}",
    )
    with pytest.raises(LabSpecError) as exc:
        staged_lab(tmp_path, body)
    assert exc.value.message == f"staged.toml: {message}"


def test_sweep_rows_equal_a_hand_computation(tmp_path: Path) -> None:
    lab = staged_lab(tmp_path)
    curves = {
        (16, 0): [9.0, 6.0, 4.0, 4.5],
        (16, 1): [8.0, 4.8, 4.2, 3.9],
        (32, 0): [9.0, 7.0, 6.0, 5.5],
        (32, 1): [9.5, 7.5, 6.5, 6.0],
        (64, 0): [7.0, 3.0, 2.0, 2.2],
    }
    results = {
        f"hidden[num_hiddens={h},seed={s}]": finished(
            "x", curve, seed=s, seconds=10.0 + h / 16 + s
        )
        for (h, s), curve in curves.items()
    }
    results["hidden[num_hiddens=64,seed=1]"] = dataclasses.replace(
        finished("x", [7.0, math.inf], seed=1), status="diverged", diverged_at=2
    )
    found = sweep(lab, results, "hidden", "num_hiddens", threshold=5.0, last=2)
    h16, h32, h64 = found.rows
    assert [r.value for r in found.rows] == [16, 32, 64]
    assert h16.final.mean == pytest.approx(4.2)
    assert h16.final.std == pytest.approx(statistics.stdev([4.5, 3.9]))
    assert h16.best.mean == pytest.approx((4.0 + 3.9) / 2)
    assert (h16.to_threshold.mean, h16.to_threshold.n) == (2.5, 2)  # epochs 3 and 2
    assert h16.fluctuation.mean == pytest.approx(
        (statistics.stdev([4.0, 4.5]) + statistics.stdev([4.2, 3.9])) / 2
    )
    assert h16.seconds.mean == pytest.approx(11.5)
    assert h32.to_threshold.n == 0 and "2/2 次未达阈值" in h32.remarks(lang("zh"))
    # the diverged seed is marked, not dropped; the other seed still counts
    assert h64.final == type(h64.final)(2.2, None, 1)
    assert [r.seed for r in h64.failed] == [1]
    assert "种子 1 发散（第 2 轮）" in h64.remarks(lang("zh"))
    # remarks state what each row's own runs did; awards are claims (rnn_tuning's view)
    assert h16.remarks(lang("zh")) == []
    assert found.last == 2
    # the window is what the runs computed: 4 epochs, not the 30 asked for
    assert sweep(lab, results, "hidden", "num_hiddens", last=30).last == 4
    assert format_spread(h16.final, 2) == "4.20 ± 0.42"
    assert format_spread(h64.final, 2) == "2.20"
    assert format_spread(h32.to_threshold) == "—"
