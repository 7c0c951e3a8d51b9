"""The rnn-tuning lab end to end, at the quick profile: sweeps, the dependent batch sweep,
comparison tables and the parameter-count exercise in the PDF."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import Result
from conftest import QuickLab, invoke, pdf_text, quick_build_of


@pytest.fixture(scope="module")
def tuning(quick_lab: QuickLab) -> tuple[Path, Result]:
    return quick_lab("rnn-tuning")


def test_batch_sweep_runs_at_the_chosen_hidden_size_and_reuses_its_runs(
    tuning: tuple[Path, Result],
) -> None:
    build_dir, result = tuning
    manifest = json.loads(
        (build_dir / "rnn-tuning" / ".build-WA2214014.json").read_text("utf-8")
    )
    hidden = manifest["chosen"]["batch"]["num_hiddens"]
    assert hidden in (128, 200, 300)
    assert (
        f"Chosen from the results for batch: num_hiddens = {hidden}." in result.output
    )
    # 1 + 9 hidden runs, then the batch sweep: its batch-32 point at the chosen size is
    # the hidden sweep's run (same params, same seed, same key), so only 6 train
    assert "16 trained, 3 from cache" in result.output
    runs = manifest["runs"]
    for seed in (0, 1, 2):
        assert (
            runs[f"batch[batch_size=32,seed={seed}]"]["key"]
            == runs[f"hidden[num_hiddens={hidden},seed={seed}]"]["key"]
        )


def test_pdf_has_both_comparison_tables_with_every_swept_value(
    tuning: tuple[Path, Result],
) -> None:
    build_dir, _ = tuning
    text = pdf_text(build_dir / "rnn-tuning" / "WA2214014-杨跃浙-Lab-5-preview.pdf")
    flat = re.sub(r"\s+", "", text)
    assert "隐藏单元数对比" in flat and "批量大小对比" in flat
    for value in (128, 200, 300, 16, 32, 64):
        # a table row: the value, then its parameter count, then perplexities
        assert re.search(rf"^\s*{value}\s+[\d,]{{4,}}\s+\d+\.\d\d", text, re.M), value
    assert re.search(r"\d\.\d\d ± \d\.\d\d", text)  # three seeds: mean ± std
    assert re.search(r"DeepVanillaRNN.*\s40\s+40\s+一致", text)
    for total in ("46", "130", "172"):
        assert re.search(rf"\s{total}\s+{total}\s+一致", text), total
    assert "不一致" not in text


def test_check_and_status_plan_the_chosen_runs_again(
    tuning: tuple[Path, Result],
) -> None:
    build_dir, _ = tuning
    status = invoke(
        "status", "rnn-tuning", "--profile", "quick", "--build-dir", str(build_dir)
    )
    assert status.exit_code == 0, status.output
    assert "batch[batch_size=64,seed=2]" in status.output
    assert "missing" not in status.output and "stale" not in status.output
    check = invoke(
        "check", "rnn-tuning", "--student", "WA2214014", "--build-dir", str(build_dir)
    )
    assert "stale" not in check.output  # blocked only by the quick profile
    assert "quick-profile preview" in check.output


def test_one_seed_prints_plain_values(tmp_path: Path) -> None:
    quick_build_of(
        "rnn-tuning",
        tmp_path,
        *("--seeds", "1"),
        *("--set", "hidden.num_hiddens=16,24", "--set", "batch.batch_size=8,16"),
    )
    text = pdf_text(tmp_path / "rnn-tuning" / "WA2214014-杨跃浙-Lab-5-preview.pdf")
    assert not re.search(r"\d ± \d", text)  # one seed: no std anywhere
    first_page = re.sub(r"\s+", "", text.split("\f")[0])
    assert "课程设置以外的选项或改过的文件：--sethidden.num_hiddens=16,24，" in first_page
    assert "--seeds1。" in first_page
    for value in (16, 24, 8):
        assert re.search(rf"^\s*{value}\s+[\d,]{{4,}}\s+\d+\.\d\d", text, re.M), value
    assert not re.search(
        r"^\s*128\s+[\d,]{4,}\s+\d+\.\d\d", text, re.M
    )  # grid replaced
