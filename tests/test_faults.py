"""Faults from outside a build: a tampered remembered plan, a device that is not there,
signals at any moment, a killed build's workers, a full disk. Each on a real build."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from conftest import QuickBuild

from reportgen.lab import load_lab
from reportgen.plan_cache import RememberedRun, mismatch
from reportgen.render.context import format_number
from reportgen.store import RunResult, Store


def latest_results(qb: QuickBuild) -> dict[str, RunResult]:
    keys = json.loads(
        (qb.build_dir / "cache" / "latest" / "lab4-quick.json").read_text()
    )
    store = Store(qb.build_dir / "cache")
    return {run_id: t_load(store, key) for run_id, key in keys.items()}


def t_load(store: Store, key: str) -> RunResult:
    result = store.load(key)
    assert result is not None
    return result


def report_row(qb: QuickBuild, label: str) -> str:
    (row, *_) = [
        line
        for line in qb.markdown.read_text("utf-8").splitlines()
        if line.startswith(f"| {label} |")
    ]
    return row


def test_swapped_keys_in_a_remembered_plan_are_not_trusted(
    quick_build: QuickBuild,
) -> None:
    assert quick_build.build().exit_code == 0  # remembers the plan in today's format
    results = latest_results(quick_build)
    lstm, gru = results["lstm_deep"], results["gru_deep"]
    (plan,) = (quick_build.build_dir / "cache" / "plans").glob("*.json")
    text = plan.read_text("utf-8")
    plan.write_text(
        text.replace(lstm.key, "@").replace(gru.key, lstm.key).replace("@", gru.key),
        encoding="utf-8",
    )
    result = quick_build.build()
    assert result.exit_code == 0, result.output
    for run, label in ((lstm, "深度 LSTM（2 层）"), (gru, "深度 GRU（2 层）")):
        assert format_number(run.metrics["num_params"]) in report_row(
            quick_build, label
        )
    assert result.output.count(f"Remembered plan {plan}") == 1, result.output
    assert "Runs: 0 trained, 8 from cache." in result.output
    again = quick_build.build()  # the plan was remembered again, correctly
    assert "nothing to train" in again.output and "Remembered plan" not in again.output


def test_a_plan_naming_another_run_s_result_is_caught_without_its_digest(
    quick_build: QuickBuild,
) -> None:
    """Even a plan whose check digest was recomputed cannot label GRU's run as LSTM's."""
    lab, results = load_lab("lab4"), latest_results(quick_build)
    runs = {
        run_id: RememberedRun(r.key, r.experiment, r.seed, r.params)
        for run_id, r in results.items()
    }
    assert mismatch(lab, "quick", (), {}, runs, results) is None
    forged = runs | {"lstm_deep": runs["gru_deep"], "gru_deep": runs["lstm_deep"]}
    swapped = results | {
        "lstm_deep": results["gru_deep"],
        "gru_deep": results["lstm_deep"],
    }
    assert "gives run lstm_deep the result of another run" in str(
        mismatch(lab, "quick", (), {}, forged, swapped)
    )
    other_seed = dataclasses.replace(results["rnn_concise"], seed=1)
    assert "rnn_concise" in str(
        mismatch(lab, "quick", (), {}, runs, results | {"rnn_concise": other_seed})
    )
    assert "other runs" in str(
        mismatch(lab, "quick", (), {}, runs | {"extra": runs["gru_deep"]}, results)
    )


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


@pytest.mark.skipif("cuda_available()", reason="this machine has CUDA")
def test_cuda_without_cuda_is_refused_even_with_everything_cached(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    assert quick_build.build().exit_code == 0
    before = quick_build.pdf.stat().st_mtime_ns
    result = quick_build.build("--device", "cuda")
    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: --device cuda was requested, but torch sees no CUDA device"
    ), result.output
    assert quick_build.pdf.stat().st_mtime_ns == before
    assert quick_build.build("--device", "cpu").exit_code == 0
