"""rnn-tuning's view: table rows from results, the fluctuation window the runs allow, and
awards over seeds that a preview never makes and seed spread can turn into a tie."""

from __future__ import annotations

import dataclasses
import statistics

import pytest
from views_data import result

from reportgen.claims import Judge
from reportgen.lab import load_lab
from reportgen.store import RunResult
from reportgen.views import Results, view_of
from reportgen.views.rnn_tuning import RnnTuningView

Finals = dict[int, tuple[float, ...]]  # swept value -> final perplexity per seed
CLEAR: Finals = {128: (8.0, 8.1, 7.9), 200: (9.0, 9.1, 8.9), 300: (12.0, 12.2, 11.8)}
CLOSE: Finals = {128: (8.0, 9.0, 7.0), 200: (8.5, 9.5, 7.5), 300: (8.2, 9.2, 7.2)}


def curve(final: float, epochs: int, seed: int) -> list[list[float]]:
    """A perplexity falling from 20 towards ``final``, with a wobble of its seed's size."""
    return [
        [e, final + (20 - final) * 0.9**e + 0.01 * (seed + 1) * (-1) ** e]
        for e in range(1, epochs)
    ] + [[epochs, final]]


def run(
    group: str, params: dict[str, int], final: float, epochs: int, seed: int
) -> RunResult:
    made = result(
        "rnn_concise",
        params={"num_epochs": epochs, "max_tokens": 5000, **params},
        metrics={"perplexity": final, "num_params": 1000},
        series={"perplexity": curve(final, epochs, seed)},
    )
    return dataclasses.replace(made, seed=seed, wall_seconds=10.0 + seed)


def tuning_results(
    hidden: Finals = CLEAR, batch: Finals | None = None, epochs: int = 300
) -> dict[str, RunResult]:
    batch = batch or {16: (6.0, 6.1, 5.9), 32: (8.0, 8.1, 7.9), 64: (11.0, 11.1, 10.9)}
    runs = {
        "param_count": result(
            "param_count",
            params={"input_size": 1, "num_hiddens": 3, "output_size": 1},
            metrics={"scratch_output_shape": [5, 2, 1]},
            tables={
                "counts": [
                    {
                        "model": m,
                        "formulas": ["a", "b"],
                        "layers": [15, 21],
                        "output": 4,
                        "formula_total": 40,
                        "numel": numel,
                    }
                    for m, numel in (("RNN", 40), ("GRU", 41))
                ],
                "textbook": [
                    {
                        "model": "GRU",
                        "layers": [45, 63],
                        "output": 4,
                        "formula_total": 112,
                    }
                ],
            },
        )
    }
    for h, finals in hidden.items():
        for seed, final in enumerate(finals):
            runs[f"hidden[num_hiddens={h},seed={seed}]"] = run(
                "hidden", {"num_hiddens": h, "batch_size": 32}, final, epochs, seed
            )
    for b, finals in batch.items():
        for seed, final in enumerate(finals):
            runs[f"batch[batch_size={b},seed={seed}]"] = run(
                "batch", {"num_hiddens": 128, "batch_size": b}, final, epochs, seed
            )
    return runs


def tuning_view(
    preview: bool = False,
    runs: dict[str, RunResult] | None = None,
    seeds: int | None = None,
) -> RnnTuningView:
    lab = load_lab("rnn-tuning", seeds=seeds)
    made = view_of(Results(lab, runs or tuning_results(), {}, Judge(preview)))
    assert isinstance(made, RnnTuningView)
    return made


@pytest.mark.parametrize(
    ("epochs", "window", "header"),
    [(10, "全部 10 轮", "末 10 轮波动"), (40, "最后 30 轮", "末 30 轮波动")],
)
def test_the_fluctuation_window_is_the_epochs_computed(
    epochs: int, window: str, header: str
) -> None:
    view = tuning_view(runs=tuning_results(epochs=epochs))
    assert view.hidden.window == window and header in view.hidden.head
    assert bool(view.hidden.window_note) == (epochs == 10)
    # the cell is the mean over seeds of each run's std over exactly that window
    last = min(epochs, 30)
    stds = [
        statistics.stdev(v for _, v in curve(8.0 + d, epochs, s)[-last:])
        for s, d in enumerate((0.0, 0.1, -0.1))
    ]
    assert view.hidden.rows[0][5].startswith(f"{statistics.fmean(stds):.3f} ± ")


def test_a_preview_awards_nothing_and_draws_no_lesson() -> None:
    view = tuning_view(preview=True)
    for sweep in (view.hidden, view.batch):
        assert [c.outcome for c in sweep.findings] == ["preview"]
        assert sweep.final.outcome == sweep.seconds.outcome == "preview"
        assert "最低的是" not in sweep.findings[0].text
    assert view.lesson == ""
    # the remarks column holds only what each row's own runs did, never an award
    assert [row[7] for row in view.hidden.rows] == ["3/3 次未达阈值"] * 3


def test_a_clear_best_beyond_the_seed_spread_wins() -> None:
    view = tuning_view()
    best, fastest, steadiest = view.hidden.findings
    assert best.outcome == "winner"
    assert best.text.startswith("最终困惑度最低的是隐藏单元 128（8.000 ± 0.100")
    assert fastest.rule == steadiest.rule == "best_seeds"
    assert view.hidden.final.outcome == "more"  # 300 against 128: the lesson may follow
    assert "隐藏单元 300 的最终困惑度比隐藏单元 128 更高" in view.hidden.final.text
    assert view.lesson == "：在同一学习率下，参数更多的模型未必训练得更好"


def test_means_inside_the_seed_spread_are_about_the_same() -> None:
    view = tuning_view(runs=tuning_results(hidden=CLOSE))
    assert view.hidden.findings[0].outcome == "tie"
    assert view.hidden.final.outcome == "same" and "差不多" in view.hidden.final.text
    assert view.lesson == ""  # no lesson from settings that are about the same
    # the batch sweep's numbers are clear: its award stands
    assert view.batch.findings[0].outcome == "winner"


def test_one_seed_compares_nothing() -> None:
    runs = tuning_results(hidden={128: (8.0,), 200: (9.0,), 300: (12.0,)})
    one = {r: v for r, v in runs.items() if "seed=0" in r or "[" not in r}
    view = tuning_view(runs=one, seeds=1)
    assert view.seeds == [0]
    assert view.hidden.findings[0].outcome == "seeds"
    assert view.hidden.final.outcome == "seeds"
    assert "单次结果" in view.over_seeds


def test_a_setting_with_a_diverged_seed_never_wins() -> None:
    runs = tuning_results()
    runs["hidden[num_hiddens=128,seed=1]"] = dataclasses.replace(
        runs["hidden[num_hiddens=128,seed=1]"], status="diverged", diverged_at=7
    )
    view = tuning_view(runs=runs)
    assert "种子 1 发散（第 7 轮）" in view.hidden.rows[0][7]
    assert view.hidden.seed_rows[0][2] == "发散（第 7 轮）"
    assert view.hidden.findings[0].text.startswith("最终困惑度最低的是隐藏单元 200")


def test_parameter_counts_report_a_mismatch() -> None:
    view = tuning_view()
    assert view.count_check == "公式与 numel() 在 GRU 上不一致"
    assert view.count_rows[1][-1] == "不一致" and view.count_rows[0][1] == "a = 15"
    assert view.textbook == ["两层 GRU 为 45 + 63 + 4 = 112"]
    assert view.scratch_shape == [5, 2, 1]
