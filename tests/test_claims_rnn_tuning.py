"""The rules over seeds (compare_seeds, best_seeds), with data for each of their outcomes."""

from __future__ import annotations

import pytest

from reportgen.aggregate import Spread
from reportgen.claims import SEED_ERRORS, Judge, Seeds

COURSE, PREVIEW = Judge(preview=False), Judge(preview=True)


def s(name: str, *values: float, complete: bool = True) -> Seeds:
    return Seeds(name, Spread.of(values), complete=complete)


@pytest.mark.parametrize(
    ("a", "b", "outcome"),
    [
        (s("A", 8.0, 8.1, 7.9), s("B", 9.0, 9.1, 8.9), "less"),
        (s("A", 9.0, 9.1, 8.9), s("B", 8.0, 8.1, 7.9), "more"),
        # means 0.5 apart, seeds spread by 1: inside 3 standard errors of the difference
        (s("A", 8.0, 9.0, 7.0), s("B", 8.5, 9.5, 7.5), "same"),
        # seeds agree to 0.001 but the means are 1 % apart: inside the single-run margin
        (s("A", 10.0, 10.001, 9.999), s("B", 10.1, 10.101, 10.099), "same"),
        (s("A", 8.0), s("B", 9.0), "seeds"),
        (s("A", 8.0, 8.1, complete=False), s("B", 9.0, 9.1, 8.9), "missing"),
        (s("A"), s("B", 9.0, 9.1, 8.9), "missing"),
    ],
)
def test_compare_seeds(a: Seeds, b: Seeds, outcome: str) -> None:
    claim = COURSE.compare_seeds(a, b, "最终困惑度")
    assert (claim.rule, claim.outcome) == ("compare_seeds", outcome)
    if outcome == "same":
        assert "差不多" in claim.text
    if outcome == "less":
        assert claim.text.startswith(
            "A 的最终困惑度比 B 更低（8.000 ± 0.100 对 9.000 ± 0.100"
        )


def test_the_seed_margin_is_three_standard_errors() -> None:
    # std 1 over 3 seeds each: the standard error of the difference is √(2/3) ≈ 0.816
    edge = SEED_ERRORS * (2 / 3) ** 0.5
    inside = COURSE.compare_seeds(
        s("A", 9, 10, 11), s("B", *(v + edge - 0.01 for v in (9, 10, 11))), "x"
    )
    outside = COURSE.compare_seeds(
        s("A", 9, 10, 11), s("B", *(v + edge + 0.01 for v in (9, 10, 11))), "x"
    )
    assert (inside.outcome, outside.outcome) == ("same", "less")


def test_a_preview_compares_and_awards_nothing() -> None:
    a, b = s("A", 8.0, 8.1, 7.9), s("B", 12.0, 12.1, 11.9)
    assert PREVIEW.compare_seeds(a, b, "x").outcome == "preview"
    assert PREVIEW.best_seeds([a, b], "x").outcome == "preview"


@pytest.mark.parametrize(
    ("items", "outcome", "start"),
    [
        (
            [s("B", 9.0, 9.1, 8.9), s("A", 8.0, 8.1, 7.9), s("C", 12.0, 12.1, 11.9)],
            "winner",
            "最终困惑度最低的是 A（8.000 ± 0.100，其次是 B",
        ),
        ([s("A", 8.0, 9.0, 7.0), s("B", 8.5, 9.5, 7.5)], "tie", "最终困惑度：A"),
        ([s("A", 8.0), s("B", 9.0)], "seeds", ""),
        # the lowest mean has a seed without a value: it never wins, one setting is left
        ([s("A", 1.0, 1.1, complete=False), s("B", 9.0, 9.1, 8.9)], "missing", ""),
    ],
)
def test_best_seeds(items: list[Seeds], outcome: str, start: str) -> None:
    claim = COURSE.best_seeds(items, "最终困惑度")
    assert (claim.rule, claim.outcome) == ("best_seeds", outcome)
    assert claim.text.startswith(start)
