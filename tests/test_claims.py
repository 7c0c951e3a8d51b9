"""Every rule of reportgen.claims, with data for each of its outcomes (the issue's cases
among them)."""

from __future__ import annotations

import dataclasses
import math

import pytest

from reportgen.claims import Judge, Measured

COURSE, PREVIEW = Judge(preview=False), Judge(preview=True)


def m(name: str, value: float | None) -> Measured:
    return Measured(name, value)


@pytest.mark.parametrize(
    ("a", "b", "outcome"),
    [
        (16.847, 16.913, "same"),  # lab4: sequential vs random, 0.4 % apart
        (1.022, 1.018, "same"),
        (1.046, 1.534, "less"),
        (1.534, 1.046, "more"),
        (math.inf, 1.0, "missing"),
        (None, 1.0, "missing"),
    ],
)
def test_compare(a: float | None, b: float, outcome: str) -> None:
    claim = COURSE.compare(m("A", a), m("B", b), "困惑度")
    assert claim.outcome == outcome
    if outcome == "less":
        assert claim.text == "A 的困惑度比 B 更低（1.046 对 1.534）"
    if outcome == "same":
        assert "相差不到 2%" in claim.text


def test_times_inside_the_shared_cpu_margin_are_the_same() -> None:
    # lab4 course build: 1,728.2 s vs 1,768.4 s, trained side by side
    assert COURSE.times(m("GRU", 1728.2), m("LSTM", 1768.4)).outcome == "same"
    assert COURSE.times(m("GRU", 100.0), m("LSTM", 140.0)).outcome == "less"
    assert COURSE.times(m("GRU", 140.0), m("LSTM", 100.0)).text.endswith(
        "更长（140.000 对 100.000）"
    )


def test_a_preview_compares_nothing() -> None:
    for claim in (
        PREVIEW.compare(m("A", 1.0), m("B", 9.0), "困惑度"),
        PREVIEW.best([m("A", 1.0), m("B", 9.0)], "困惑度"),
        PREVIEW.trend(
            "长度", [(1, m("x", 1.0)), (2, m("x", 2.0)), (3, m("x", 3.0))], "倍数"
        ),
        PREVIEW.accuracies(m("A", 0.9), m("B", 0.1), 0.1, 100),
    ):
        assert claim.outcome == "preview"
        assert "快速预览" in claim.text


@pytest.mark.parametrize(
    ("values", "outcome", "first"),
    [
        ([38.0, 39.5, 60.0], "winner", "A"),
        ([38.0, 38.3, 60.0], "tie", "A"),  # 0.8 % apart: no award
        ([None, 38.0, math.nan], "missing", None),
    ],
)
def test_best(values: list[float | None], outcome: str, first: str | None) -> None:
    claim = COURSE.best([m(n, v) for n, v in zip("ABC", values, strict=True)], "困惑度")
    assert claim.outcome == outcome
    if first:
        start = "困惑度最低的是 " if outcome == "winner" else "困惑度："
        assert claim.text.startswith(start + first)


def test_fastest_needs_the_time_margin() -> None:
    # tangshi: "训练最快的是 RNN" on 38 s against 43 s is not a finding
    assert (
        COURSE.fastest([m("RNN", 38.0), m("LSTM", 43.0), m("GRU", 65.0)]).outcome
        == "tie"
    )
    assert COURSE.fastest([m("RNN", 20.0), m("LSTM", 43.0)]).outcome == "winner"


@pytest.mark.parametrize(
    ("values", "outcome"),
    [
        ([8.9, 1.5, 1.7, 2.3, 1.1, 1.4, 1.8], "none"),  # digitsum: "序列越长差距越大"
        ([1.1, 1.5, 2.3], "grows"),
        ([2.3, 1.5, 1.1], "shrinks"),
        ([1.1, 1.5], "missing"),
        ([1.1, math.nan, 2.0], "missing"),
    ],
)
def test_trend(values: list[float], outcome: str) -> None:
    points = [(i, m("x", v)) for i, v in enumerate(values)]
    assert COURSE.trend("长度", points, "倍数").outcome == outcome


@pytest.mark.parametrize(
    ("accuracy", "outcome"),
    [
        (0.093, "chance"),
        (0.09, "chance"),
        (0.101, "chance"),
        (0.55, "above"),
        (None, "missing"),
    ],
)
def test_versus_chance(accuracy: float | None, outcome: str) -> None:
    # digitsum: always answering 9 scores 10 % on 100 test sequences
    assert COURSE.versus_chance(m("LSTM", accuracy), 0.10, 100).outcome == outcome


def test_a_preview_at_chance_concludes_nothing_of_the_model() -> None:
    course = str(COURSE.versus_chance(m("SRN", 0.09), 0.10, 100))
    preview = PREVIEW.versus_chance(m("SRN", 0.09), 0.10, 100)
    assert "没有学到这个任务" in course
    assert preview.outcome == "chance" and "没有学到" not in str(preview)
    assert "快速预览只训练了很少的轮次" in str(preview)


@pytest.mark.parametrize(
    ("a", "b", "outcome"),
    [
        (0.093, 0.090, "chance"),  # digitsum: "LSTM 高于 SRN" on 9.3 % vs 9.0 %
        (0.80, 0.78, "same"),
        (0.95, 0.40, "more"),
        (0.40, 0.95, "less"),
        (0.5, None, "missing"),
    ],
)
def test_accuracies(a: float, b: float | None, outcome: str) -> None:
    assert COURSE.accuracies(m("LSTM", a), m("SRN", b), 0.10, 100).outcome == outcome


@pytest.mark.parametrize(
    ("values", "outcome"),
    [
        ([9.78, 10.61, 10.58], "flat"),  # tangshi RNN: "三条损失曲线都平稳下降"
        (
            [184.5, 55.7, 418.0, 3047.0],
            "rebounded",
        ),  # lyrics: 418 → 3,047 in the last epoch
        ([5.0, 5.2, 4.9], "flat"),
        ([900.0, 418.0, 3047.0 / 10], "steady"),
        ([900.0, 200.0, 418.0], "rebounded"),
        ([9.0, 4.0, 6.0, 2.0, 1.9], "bumpy"),
        ([9.0, 5.0, 3.0, 2.0], "steady"),
        ([9.0, math.inf, 2.0], "diverged"),
        ([], "missing"),
    ],
)
def test_curve(values: list[float], outcome: str) -> None:
    series = [[i + 1, v] for i, v in enumerate(values)]
    assert COURSE.curve("RNN", series, "损失").outcome == outcome
    assert (
        PREVIEW.curve("RNN", series, "损失").outcome == outcome
    )  # a description holds


def test_against_uniform() -> None:
    # tangshi: perplexity 39,443 over a vocabulary of 1,435
    worse = COURSE.against_uniform(m("RNN", 39443.0), 1435)
    assert worse.outcome == "worse"
    assert "比均匀随机猜测还差" in worse.text
    assert COURSE.against_uniform(m("LSTM", 1.112), 1435).outcome == "better"
    assert COURSE.against_uniform(m("RNN", math.nan), 1435).outcome == "missing"


@pytest.mark.parametrize(
    ("diff", "outcome"), [(0.0, "equal"), (2.4e-7, "rounding"), (3e-2, "different")]
)
def test_agreement(diff: float, outcome: str) -> None:
    # digitsum: an error of 0.0e+00 was called "只是浮点舍入误差"
    claim = COURSE.agreement("SRN 与 nn.RNN", diff)
    assert claim.outcome == outcome
    assert ("舍入" in claim.text) == (outcome != "equal")


@pytest.mark.parametrize(
    ("copied", "total", "outcome"),
    [(33, 38, "memorised"), (10, 38, "partly"), (2, 38, "new"), (0, 0, "missing")],
)
def test_memorised(copied: int, total: int, outcome: str) -> None:
    assert COURSE.memorised("LSTM", copied, total).outcome == outcome


def test_a_flat_curve_that_fell_a_little_does_not_say_it_did_not_fall() -> None:
    # 27.863 → 25.142 falls 9.8 %: less than the margin, but it fell
    fell = COURSE.curve("LSTM", [[1, 27.863], [2, 26.443], [3, 25.142]], "困惑度")
    assert fell.outcome == "flat"
    assert "下降不到 10%：从 27.863 到 25.142" in fell.text
    rose = COURSE.curve("RNN", [[1, 9.78], [2, 10.61], [3, 10.58]], "损失")
    assert "没有下降：从 9.780 到 10.580" in rose.text


def test_times_apart_are_not_compared() -> None:
    a = Measured("A", 100.0, 1, " 秒", sitting=0)
    b = Measured("B", 300.0, 1, " 秒", sitting=1)
    assert COURSE.times(a, b).outcome == "apart"
    assert COURSE.fastest([a, b]).outcome == "apart"
    together = dataclasses.replace(b, sitting=0)
    assert COURSE.times(a, together).outcome == "less"
    assert COURSE.fastest([a, together]).outcome == "winner"
