"""The language layer: both catalogs hold the same messages with the same fields, and every
outcome of every claim rule reads in English as it does in Chinese (the same outcome from the
same numbers, a sentence with no Chinese in it)."""

from __future__ import annotations

import math
import re
import string
import typing as t

import pytest

from reportgen.aggregate import Spread
from reportgen.claims import Claim, Judge, Measured, Seeds
from reportgen.lang import LANGS, lang

HAN = re.compile(r"[\u4e00-\u9fff]")


def fields(message: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(message) if name}


def test_both_catalogs_hold_the_same_messages_with_the_same_fields() -> None:
    zh, en = lang("zh").messages, lang("en").messages
    assert set(zh) == set(en)
    for key in zh:
        assert fields(zh[key]) == fields(en[key]), key


def test_no_chinese_in_the_english_catalog_but_its_names_of_chinese_things() -> None:
    for key, message in lang("en").messages.items():
        if not key.startswith("name."):  # a recorded name is looked up by its Chinese
            assert not HAN.search(message), key


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="expected one of zh, en"):
        lang("fr")


def m(name: str, value: float | None, sitting: int | None = 0) -> Measured:
    return Measured(name, value, sitting=sitting)


def seeds(name: str, *values: float) -> Seeds:
    spread = Spread.of(values)
    return Seeds(name, spread, complete=bool(values) and spread.n == len(values))


FALLING = [[1, 9.0], [2, 5.0], [3, 2.0]]
# (rule, arguments, the outcome they give): every outcome of every rule
CASES: list[tuple[str, tuple[t.Any, ...], str]] = [
    ("compare", (m("A", 1.0), m("B", 1.01), "ppl"), "same"),
    ("compare", (m("A", 1.0), m("B", 2.0), "ppl"), "less"),
    ("compare", (m("A", 2.0), m("B", 1.0), "ppl"), "more"),
    ("compare", (m("A", None), m("B", 1.0), "ppl"), "missing"),
    ("times", (m("A", 1.0, 0), m("B", 2.0, 1)), "apart"),
    ("times", (m("A", 100.0), m("B", 110.0)), "same"),
    ("best", ([m("A", 1.0), m("B", 2.0)], "ppl"), "winner"),
    ("best", ([m("A", 1.0), m("B", 1.01)], "ppl"), "tie"),
    ("best", ([m("A", 1.0), m("B", None)], "ppl"), "missing"),
    ("fastest", ([m("A", 1.0, 0), m("B", 2.0, 1)],), "apart"),
    ("fastest", ([m("A", 1.0), m("B", 2.0)],), "winner"),
    ("trend", ("L", [(i, m("x", v)) for i, v in enumerate((1, 2, 3))], "q"), "grows"),
    ("trend", ("L", [(i, m("x", v)) for i, v in enumerate((3, 2, 1))], "q"), "shrinks"),
    ("trend", ("L", [(i, m("x", v)) for i, v in enumerate((1, 3, 2))], "q"), "none"),
    ("trend", ("L", [(1, m("x", 1.0))], "q"), "missing"),
    ("versus_chance", (m("A", 0.9), 0.1, 500), "above"),
    ("versus_chance", (m("A", 0.1), 0.1, 500), "chance"),
    ("versus_chance", (m("A", None), 0.1, 500), "missing"),
    ("accuracies", (m("A", None), m("B", 0.5), 0.1, 500), "missing"),
    ("accuracies", (m("A", 0.1), m("B", 0.11), 0.1, 500), "chance"),
    ("accuracies", (m("A", 0.5), m("B", 0.51), 0.1, 500), "same"),
    ("accuracies", (m("A", 0.9), m("B", 0.5), 0.1, 500), "more"),
    ("accuracies", (m("A", 0.5), m("B", 0.9), 0.1, 500), "less"),
    ("curve", ("A", [], "loss"), "missing"),
    ("curve", ("A", [[1, 2.0], [2, math.inf]], "loss"), "diverged"),
    ("curve", ("A", [[1, 9.0], [2, 1.0], [3, 5.0]], "loss"), "rebounded"),
    ("curve", ("A", [[1, 2.0], [2, 2.5]], "loss"), "flat"),
    ("curve", ("A", [[1, 2.0], [2, 1.9]], "loss"), "flat"),
    ("curve", ("A", [[1, 9.0], [2, 4.0], [3, 5.0], [4, 1.0]], "loss"), "bumpy"),
    ("curve", ("A", FALLING, "loss"), "steady"),
    ("against_uniform", (m("A", None), 28), "missing"),
    ("against_uniform", (m("A", 30.0), 28), "worse"),
    ("against_uniform", (m("A", 1.5), 28), "better"),
    ("against_uniform", (m("A", 20.0), 28), "better"),
    ("agreement", ("A and B", 0.0), "equal"),
    ("agreement", ("A and B", 1e-7), "rounding"),
    ("agreement", ("A and B", 0.1), "different"),
    ("memorised", ("A", 0, 0), "missing"),
    ("memorised", ("A", 8, 10), "memorised"),
    ("memorised", ("A", 3, 10), "partly"),
    ("memorised", ("A", 1, 10), "new"),
    ("memorised", ("A", 0, 10), "new"),  # none copied: says none, not "most"
    ("shared_start", ("A", {"日": "日月光明好", "山": "山风光明好"}), "varied"),
    (
        "shared_start",
        ("A", {"日": "日光明好年", "山": "山光明好年"}),
        "repeated",
    ),  # all
    (
        "shared_start",
        ("A", {"日": "日光明好年", "山": "山光明好年", "月": "月下独酌人"}),
        "repeated",
    ),  # some
    ("compare_seeds", (seeds("A", 1.0, 1.1), seeds("B", 1.0), "ppl"), "seeds"),
    ("compare_seeds", (seeds("A", 1.0, 1.1), seeds("B"), "ppl"), "missing"),
    ("compare_seeds", (seeds("A", 1.0, 1.1), seeds("B", 1.0, 1.1), "ppl"), "same"),
    ("compare_seeds", (seeds("A", 1.0, 1.01), seeds("B", 2.0, 2.01), "ppl"), "less"),
    # the seeds agree closely: the single-run margin, not their spread, is the noise
    (
        "compare_seeds",
        (seeds("A", 1.0, 1.0001), seeds("B", 1.5, 1.5001), "ppl"),
        "less",
    ),
    ("compare_seeds", (seeds("A", 2.0, 2.01), seeds("B", 1.0, 1.01), "ppl"), "more"),
    ("best_seeds", ([seeds("A", 1.0, 1.01), seeds("B", 2.0, 2.01)], "ppl"), "winner"),
    ("best_seeds", ([seeds("A", 1.0, 1.1), seeds("B", 1.0, 1.1)], "ppl"), "tie"),
    ("best_seeds", ([seeds("A", 1.0, 1.01), seeds("B")], "ppl"), "missing"),
    ("best_seeds", ([seeds("A", 1.0), seeds("B", 2.0)], "ppl"), "seeds"),
]
PREVIEWED = ["compare", "best", "trend", "accuracies", "compare_seeds", "best_seeds"]


def claims(rule: str, args: tuple[t.Any, ...], preview: bool) -> dict[str, Claim]:
    return {code: getattr(Judge(preview, lang(code)), rule)(*args) for code in LANGS}


@pytest.mark.parametrize(
    ("rule", "args", "outcome"), CASES, ids=[f"{r}-{o}" for r, _, o in CASES]
)
def test_every_outcome_reads_in_both_languages(
    rule: str, args: tuple[t.Any, ...], outcome: str
) -> None:
    said = claims(rule, args, preview=False)
    assert {claim.outcome for claim in said.values()} == {outcome}
    quoted_corpus_text = re.compile(r'"[^"]*"')  # generated poems, quoted as they are
    english = quoted_corpus_text.sub("", said["en"].text)
    assert HAN.search(said["zh"].text) and not HAN.search(english)
    for claim in said.values():
        assert "{" not in claim.text and "None" not in claim.text


def test_shared_starts_name_the_poems_in_english_too() -> None:
    # the first characters are the corpus's: they stay as they are, quoted
    english = Judge(False, lang("en"))
    some = {"日": "日光明好年", "山": "山光明好年", "月": "月下独酌人"}
    assert english.shared_start("A", some).text == (
        "some poems A wrote from different first characters go on with the same text:"
        ' the poems starting with "日, 山" continue with the same "光明好年"'
    )
    every = {"日": "日光明好年", "山": "山光明好年"}
    assert english.shared_start("A", every).text == (
        'A wrote one poem under every first character: after "日, 山", every poem is'
        ' the same text ("光明好年…")'
    )


def test_a_seed_comparison_names_the_margin_that_decided_it() -> None:
    english = Judge(False, lang("en"))
    spread = english.compare_seeds(seeds("A", 1.0, 1.4), seeds("B", 3.0, 3.4), "ppl")
    assert "the error the seeds' spread gives" in spread.text
    close = english.compare_seeds(
        seeds("A", 1.0, 1.0001), seeds("B", 1.5, 1.5001), "ppl"
    )
    assert "the 2% margin of single runs, ±0.020" in close.text


@pytest.mark.parametrize("rule", PREVIEWED)
def test_a_preview_compares_nothing_in_either_language(rule: str) -> None:
    args = next(a for r, a, _ in CASES if r == rule)
    said = claims(rule, args, preview=True)
    assert {claim.outcome for claim in said.values()} == {"preview"}
    assert "快速预览" in said["zh"].text
    assert "a quick preview trains only a few epochs" in said["en"].text


def test_the_english_sentence_of_a_comparison() -> None:
    judge = Judge(False, lang("en"))
    less = judge.compare(m("GRU", 1.046), m("LSTM", 1.534), "final perplexity")
    assert less.text == (
        "the final perplexity of GRU is lower than that of LSTM: 1.046 vs 1.534"
    )
    same = judge.times(m("GRU", 1728.2), m("LSTM", 1768.4))
    assert same.text.startswith("GRU and LSTM have about the same training time")
    assert judge.time_rule().startswith("Training times are compared only")
