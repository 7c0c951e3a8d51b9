"""The rules verify applies to a rerun: exact on the same machine kind, measured tolerances
across kinds, times never compared (reportgen.agreement)."""

from __future__ import annotations

import dataclasses
import typing as t

import pytest
from views_data import result

from reportgen import agreement
from reportgen.agreement import DIFFERENT, IDENTICAL, NOT_COMPARED, WITHIN, compare
from reportgen.report_text import Printed, mismatches
from reportgen.store import RunResult

CURVE = [[float(step), 10.0 / step] for step in range(1, 21)]
RECORDED = result(
    metrics={"perplexity": 1.5, "num_params": 100, "train_seconds": 3.0},
    series={"perplexity": CURVE},
    samples={"time traveller": "time traveller said"},
)


def rerun(kind: str = "test cpu, 1 thread", **changes: t.Any) -> RunResult:
    """The recorded run as rerun on a machine of ``kind``, with ``changes``."""
    return dataclasses.replace(RECORDED, device_name=kind, **changes)


OTHER_KIND = "other cpu (AVX2), 1 thread"


def verdicts(rerun_result: RunResult, prefix: int | None = None) -> dict[str, str]:
    return {a.what: a.verdict for a in compare(RECORDED, rerun_result, prefix)}


def test_the_same_numbers_are_identical_and_times_are_never_compared() -> None:
    found = verdicts(rerun(metrics=RECORDED.metrics | {"train_seconds": 9.0}))
    assert found["metric perplexity"] == IDENTICAL
    assert found["series perplexity"] == IDENTICAL
    assert found["metric train_seconds"] == NOT_COMPARED
    assert agreement.worst(compare(RECORDED, rerun())) == IDENTICAL


def test_on_the_same_kind_the_last_bit_counts() -> None:
    nudged = rerun(metrics=RECORDED.metrics | {"perplexity": 1.5000001})
    assert verdicts(nudged)["metric perplexity"] == DIFFERENT


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1.5 * (1 + agreement.END_RTOL * 0.9), WITHIN), (1.5 * 2, DIFFERENT)],
)
def test_across_kinds_a_final_value_may_drift_within_the_measured_tolerance(
    value: float, expected: str
) -> None:
    found = verdicts(
        rerun(OTHER_KIND, metrics=RECORDED.metrics | {"perplexity": value})
    )
    assert found["metric perplexity"] == expected


def test_across_kinds_counts_and_texts_are_exact_and_samples_not_compared() -> None:
    found = verdicts(
        rerun(
            OTHER_KIND,
            metrics=RECORDED.metrics | {"num_params": 101},
            samples={"time traveller": "time traveller smiled"},
        )
    )
    assert found["metric num_params"] == DIFFERENT
    assert found["text time traveller"] == NOT_COMPARED


@pytest.mark.parametrize(
    ("factor", "expected"), [(1 + agreement.TAIL_RTOL / 2, WITHIN), (1.2, DIFFERENT)]
)
def test_across_kinds_a_curve_is_judged_by_the_median_of_its_tail(
    factor: float, expected: str
) -> None:
    drifted = [[s, v * factor] if s > 1 else [s, v] for s, v in CURVE]
    found = verdicts(rerun(OTHER_KIND, series={"perplexity": drifted}))
    assert found["series perplexity"] == expected


def test_a_prefix_compares_only_its_epochs_of_the_curve() -> None:
    first = [p for p in CURVE if p[0] <= 5]
    assert verdicts(rerun(series={"perplexity": first}), prefix=5) == {
        "status": IDENTICAL,
        "series perplexity (epochs ≤ 5)": IDENTICAL,
    }
    edited = [[1.0, 99.0], *first[1:]]
    found = verdicts(rerun(series={"perplexity": edited}), prefix=5)
    assert found["series perplexity (epochs ≤ 5)"] == DIFFERENT


def test_a_diverged_rerun_of_an_ok_run_is_different() -> None:
    assert verdicts(rerun(status="diverged", diverged_at=3))["status"] == DIFFERENT


def test_an_edited_number_is_named_with_where_it_stands() -> None:
    def printed(*texts: str) -> list[Printed]:
        return [Printed(text, "page 2", f"困惑度 {text}") for text in texts]

    found = mismatches(
        printed("500", "1.029", "153.9"), printed("500", "1.092", "153.9")
    )
    assert [m.line() for m in found] == [
        "page 2: the record gives 1.029, the report prints 1.092 («困惑度 1.092»)"
    ]
    assert mismatches(printed("1", "2"), printed("1", "2")) == []
