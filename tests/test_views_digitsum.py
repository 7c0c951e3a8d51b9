"""digitsum's view: agreement, the speed trend, accuracies against chance and each other,
the learning-rate study and the explosion runs follow the numbers (the issue's cases)."""

from __future__ import annotations

import pytest
from views_data import result, results_of

from reportgen.store import RunResult
from reportgen.views import view_of
from reportgen.views.digitsum import CHANCE, DigitsumView

LENGTHS = (5, 10, 15, 20, 25, 30, 35)
RATES = (0.1, 0.01, 0.001, 0.0001)


def run(accuracy: float, status: str = "ok", **params: object) -> RunResult:
    """A digitsum run; a diverged one (``status``) has no accuracies."""
    return result(
        experiment="digitsum",
        params={"lr": 0.001, "num_epochs": 50, **params},
        metrics={"test_accuracy": accuracy, "dev_accuracy": accuracy, "steps": 300},
        series={"grad_U": [[1, 5.0], [2, 300.0]]},
        status=status,
    )


def digitsum_view(
    srn: tuple[float, ...] = (0.9, 0.8, 0.6, 0.4, 0.3, 0.2, 0.1),
    lstm: float | tuple[float | None, ...] = 0.95,
    residual: float = 0.9,
    rates: dict[float, float] | None = None,
    ratios: tuple[float, ...] = (8.9, 1.5, 1.7, 2.3, 1.1, 1.4, 1.8),
    max_abs_diff: float = 0.0,
    explode: tuple[float, float] = (0.09, 0.10),
    preview: bool = False,
) -> DigitsumView:
    rates = rates or {0.1: 0.101, 0.01: 0.09, 0.001: 0.08, 0.0001: 0.07}
    runs: dict[str, RunResult] = {
        "data": result(
            tables={
                "sizes": [
                    {"length": n, "train": 300, "dev": 100, "test": 100}
                    for n in LENGTHS
                ],
                "files": [
                    {"length": n, "split": "train", "sha256": "ab" * 32}
                    for n in LENGTHS
                ],
            },
            samples={f"L{n}": "1 2 0 0 0\t3" for n in LENGTHS},
        ),
        "srn_check": result(
            metrics={"max_abs_diff": max_abs_diff},
            tables={
                "srn_vs_nn_rnn": [
                    {
                        "length": n,
                        "max_abs_diff": max_abs_diff,
                        "own_ms": 1.0,
                        "torch_ms": 1.0 / r,
                        "ratio": r,
                    }
                    for n, r in zip(LENGTHS, ratios, strict=True)
                ]
            },
        ),
    }
    for i, n in enumerate(LENGTHS):
        runs[f"srn[length={n},seed=0]"] = run(srn[i], length=n)
        runs[f"residual[length={n},seed=0]"] = run(residual, length=n)
        accuracy = lstm[i] if isinstance(lstm, tuple) else lstm
        runs[f"lstm[length={n},seed=0]"] = (
            run(0.0, "diverged", length=n)
            if accuracy is None
            else run(accuracy, length=n)
        )
    for rate in RATES:
        for n in LENGTHS:
            runs[f"lr[lr={rate},length={n},seed=0]"] = run(
                rates[rate], lr=rate, length=n
            )
    runs["explode"] = run(explode[0], length=20)
    runs["explode_clipped"] = run(explode[1], length=20)
    made = view_of(results_of("digitsum", runs, preview))
    assert isinstance(made, DigitsumView)
    return made


def test_chance_is_always_answering_nine() -> None:
    assert CHANCE == 0.10


@pytest.mark.parametrize(
    ("ratios", "outcome"),
    [((8.9, 1.5, 1.7, 2.3, 1.1, 1.4, 1.8), "none"), ((1, 2, 3, 4, 5, 6, 7), "grows")],
)
def test_the_gap_grows_with_length_only_when_it_does(
    ratios: tuple[float, ...], outcome: str
) -> None:
    view = digitsum_view(ratios=ratios)
    assert view.speed.outcome == outcome
    assert ("随序列长度增大而增大" in str(view.speed)) == (outcome == "grows")


@pytest.mark.parametrize(
    ("diff", "outcome"), [(0.0, "equal"), (3e-7, "rounding"), (0.01, "different")]
)
def test_agreement_zero_is_identical_not_rounding(diff: float, outcome: str) -> None:
    view = digitsum_view(max_abs_diff=diff)
    assert view.agreement.outcome == outcome
    assert ("舍入误差范围内" in str(view.agreement)) == (outcome == "rounding")


def test_lstm_against_srn_at_chance_is_no_comparison() -> None:
    at_chance = digitsum_view(srn=(0.09,) * 7, lstm=0.093, residual=0.09)
    assert at_chance.lstm.outcome == "chance"
    assert "都处于随机水平" in str(at_chance.lstm)
    assert digitsum_view().lstm.outcome == "more"  # 0.95 against a mean of 0.47
    assert digitsum_view(preview=True).lstm.outcome == "preview"


def test_srn_over_lengths_and_against_chance() -> None:
    view = digitsum_view()
    assert view.srn_range.outcome == "more"  # 90 % at L = 5 against 10 % at L = 35
    assert view.srn_longest.outcome == "chance"
    flat = digitsum_view(srn=(0.5,) * 7)
    assert flat.srn_range.outcome == "same" and flat.srn_longest.outcome == "above"


def test_the_best_learning_rate_only_past_the_noise() -> None:
    chance = digitsum_view()  # 10.1 % best: every rate at chance
    assert chance.best_rate.outcome == "chance"
    assert not chance.diverged_rates
    clear = digitsum_view(rates={0.1: 0.1, 0.01: 0.6, 0.001: 0.3, 0.0001: 0.1})
    assert clear.best_rate.outcome == "more"
    assert "学习率 0.01" in str(clear.best_rate).split("高于")[0]


def test_explosion_runs_at_chance_are_said_to_be() -> None:
    assert digitsum_view().explosion.outcome == "chance"
    assert digitsum_view(explode=(0.1, 0.9)).explosion.outcome == "less"
    assert digitsum_view().peaks_u == ("300.0", "300.0")


def test_tables() -> None:
    view = digitsum_view()
    assert view.lr_head == ["学习率", *(f"L={n}" for n in LENGTHS)]
    assert view.lr_rows[0][:2] == ["0.1", "10.1"]
    assert view.accuracy_rows[0] == [
        "5",
        "90.0",
        "90.0",
        "90.0",
        "90.0",
        "95.0",
        "95.0",
    ]
    assert view.examples[0] == [5, "1 2 0 0 0", "3"]


def test_a_mean_over_lengths_counts_only_the_tests_of_finished_runs() -> None:
    srn = (0.5,) * 7
    # 60 % against 50 %: past the noise of 7 × 100 tests, inside that of 100
    assert digitsum_view(srn=srn, lstm=0.6).lstm.outcome == "more"
    one_finished = digitsum_view(srn=srn, lstm=(0.6, *(None,) * 6))
    assert one_finished.lstm.outcome == "same"
    assert "n = 100" in str(one_finished.lstm)
    assert one_finished.accuracy_rows[1][-1] == "发散（第 3 步）"


def test_a_preview_prints_accuracies_as_the_tables_do() -> None:
    view = digitsum_view(preview=True)
    assert "SRN（L = 5）90.0%，SRN（L = 35）10.0%" in str(view.srn_range)
