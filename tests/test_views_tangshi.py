"""tangshi's view: curves, uniform guessing, awards, memorising and repeated starts follow
the numbers (the issue's cases: a rising RNN loss, a perplexity over the vocabulary, one
text under seven first characters)."""

from __future__ import annotations

import typing as t

import pytest
from views_data import result, results_of

from reportgen.views import view_of
from reportgen.views.tangshi import CELLS, TangshiView

VOCAB = 1435
FALLING = [9.0, 7.0, 6.0]


def tangshi_view(
    losses: dict[str, list[float]] | None = None,
    seconds: dict[str, float] | None = None,
    samples: dict[str, str] | None = None,
    copied: int = 0,
    preview: bool = False,
) -> TangshiView:
    losses, seconds = losses or {}, seconds or {}
    poems = samples or {"日": "日出江花红，春来江水绿。E", "月": "月落乌啼霜满天。E"}

    def cell(run_id: str) -> object:
        loss = losses.get(run_id, FALLING)
        return result(
            params={"lr": 0.01, "clip_norm": 1.0, "num_epochs": 3},
            metrics={
                "loss": loss[-1],
                "perplexity": 2.718281828 ** loss[-1],
                "train_seconds": seconds.get(run_id, 100.0),
                "chars_per_second": 5000.0,
                "num_params": 1000,
                "vocab_size": VOCAB,
                "poems_read": 120,
                "poems": 118,
                "chars": 8000,
                "corpus": "课程语料",
            },
            series={"loss": [[e + 1, v] for e, v in enumerate(loss)]},
            samples=poems,
            tables={"generated": [{"begin": "日", "clauses": 4, "copied": copied}]},
        )

    made = view_of(results_of("tangshi", {r: cell(r) for r in CELLS}, preview))
    assert isinstance(made, TangshiView)
    return made


def test_a_rising_loss_is_said_and_the_steady_ones_too() -> None:
    view = tangshi_view({"rnn": [9.78, 10.61, 10.58]})
    assert [c.outcome for c in view.curves] == ["steady", "steady", "flat"]
    assert "RNN 的损失没有下降：从 9.780 到 10.580" in str(view.curves[2])
    assert not view.unsteady
    rebound = tangshi_view({"gru": [9.0, 3.0, 2.0, 6.0]})
    assert rebound.curves[1].outcome == "rebounded" and rebound.unsteady


def test_a_perplexity_over_the_vocabulary_is_worse_than_uniform() -> None:
    view = tangshi_view({"rnn": [9.0, 10.0, 10.58]})  # e^10.58 ≈ 39,400 > 1,435
    assert [c.outcome for c in view.uniform] == ["better", "better", "worse"]
    assert "比均匀随机猜测还差" in str(view.uniform[2])


@pytest.mark.parametrize(
    ("seconds", "outcome", "words"),
    [
        ({"rnn": 50.0}, "winner", "训练时间最短的是 RNN"),
        ({"rnn": 90.0}, "tie", "分不出哪个最短"),  # 10 % apart: inside the 25 % margin
    ],
)
def test_the_fastest_only_past_the_time_margin(
    seconds: dict[str, float], outcome: str, words: str
) -> None:
    view = tangshi_view(seconds=seconds)
    assert view.fastest.outcome == outcome and words in str(view.fastest)


def test_a_preview_awards_nothing() -> None:
    view = tangshi_view({"rnn": [9.0, 3.0, 1.0]}, {"rnn": 10.0}, preview=True)
    assert view.lowest.outcome == view.fastest.outcome == "preview"
    assert "不据此比较" in str(view.fastest)


@pytest.mark.parametrize(
    ("copied", "outcome"), [(0, "new"), (1, "partly"), (3, "memorised")]
)
def test_copied_clauses_decide_memorised(copied: int, outcome: str) -> None:
    assert tangshi_view(copied=copied).memorised.outcome == outcome


def test_one_text_under_several_first_characters_is_said() -> None:
    gibberish: dict[str, t.Any] = {b: b + "渚雨席，路春。E" for b in "日红山"}
    view = tangshi_view(samples=gibberish)
    assert view.repeated.outcome == "repeated"
    assert "写的却是同一首诗：以“日、红、山”为首字的诗，首字之后全文相同" in str(
        view.repeated
    )
    some = gibberish | {"月": "月落乌啼霜满天E"}  # the others still share their text
    partly = tangshi_view(samples=some).repeated
    assert "有的诗" in str(
        partly
    ) and "以“日、红、山”为首字的诗都接着写“渚雨席，”" in str(partly)
    assert tangshi_view().repeated.outcome == "varied"


def test_rows_and_an_unfinished_poem() -> None:
    view = tangshi_view(
        samples={"日": "日出江花红胜火"}
    )  # no end token: cut at the limit
    assert view.others[0].lines == ["日：日出江花红胜火……（未写出结束符）"]
    assert view.rows[0][:3] == ["LSTM", "1,000", "6.000"]
    assert view.rows[0][-1] == "0/4"
