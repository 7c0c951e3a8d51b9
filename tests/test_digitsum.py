"""The digitsum lab: deterministic data, SRN ≡ nn.RNN, a memory run that learns, divergence
reported with its step, and the quick build's PDF."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import torch
from click.testing import Result
from conftest import QuickLab, pdf_text, quick_build_of
from test_models import experiment_module

from reportgen.data.digitsum import LENGTHS, file_sha256, generate
from reportgen.experiment import RunContext, load_experiments
from reportgen.runner import RunTask, train_one


@pytest.mark.parametrize(
    ("length", "split", "sha256"),
    [
        (
            5,
            "train",
            "5415892c57fb1f39cde23cfdd9333339bc202bac86111a0cae94c3ffe5bed832",
        ),
        (20, "dev", "78fe2f33450c9878fb17f5f460b120d35e650900cafaa1439ca7dff575dd647a"),
        (
            35,
            "test",
            "30fcd1a0a46d728291b544debb359f97cb1fece6bf7a14a2e9c2b4f4a7f53f45",
        ),
    ],
)
def test_generated_files_are_the_same_byte_for_byte(
    length: int, split: str, sha256: str
) -> None:
    assert file_sha256(length, split) == sha256


@pytest.mark.parametrize("length", LENGTHS)
def test_every_example_sums_its_first_two_digits_with_one_noise_digit(
    length: int,
) -> None:
    train = generate(length, "train")
    assert [len(generate(length, s)) for s in ("train", "dev", "test")] == [
        300,
        100,
        100,
    ]
    for example in train:
        assert len(example.digits) == length
        assert example.label == example.digits[0] + example.digits[1]
        assert sum(d != 0 for d in example.digits[2:]) <= 1  # the noise (may draw 0)
    # all 100 pairs (n1, n2), three copies each
    pairs = [e.digits[:2] for e in train]
    assert len(set(pairs)) == 100 and all(pairs.count(p) == 3 for p in set(pairs))


def test_srn_equals_nn_rnn_and_residual_adds_the_previous_state() -> None:
    exp = load_experiments()["srn_check"]
    ctx = RunContext(seed=0, device="cpu")
    exp.run(exp.params_cls(repeats=3), ctx)
    assert ctx.metrics["max_abs_diff"] < 1e-6
    assert [row["length"] for row in ctx.tables["srn_vs_nn_rnn"]] == list(LENGTHS)

    srn_cls = experiment_module("digitsum").SRN
    torch.manual_seed(0)
    residual = srn_cls(2, 3, residual=True)
    X = torch.randn(2, 1, 2)  # (steps, batch, input)
    W, U, b = residual.W, residual.U, residual.b
    h1 = torch.tanh(X[0] @ W + b)
    h2 = h1 + torch.tanh(X[1] @ W + h1 @ U + b)
    torch.testing.assert_close(residual(X)[-1], h2)


def test_a_short_memory_run_learns_length_5_sums_above_chance() -> None:
    exp = load_experiments()["digitsum"]
    torch.manual_seed(0)
    ctx = RunContext(seed=0, device="cpu")
    exp.run(exp.params_cls(length=5, num_epochs=40, eval_steps=100), ctx)
    # chance is 1/19 ≈ 5%; always answering the most common sum (9) gives 10%
    assert ctx.metrics["test_accuracy"] > 0.3
    assert len(ctx.series["dev_accuracy"]) == 40 * 38 // 100


def test_a_forced_divergence_is_stored_with_its_step(tmp_path: Path) -> None:
    params = load_experiments()["digitsum"].params_cls(
        length=10, optimizer="sgd", lr=1e38, loss_reduction="sum", num_epochs=3
    )
    task = RunTask(
        "boom", "b" * 64, "digitsum", vars(params), 0, "cpu", tmp_path / "boom.pt"
    )
    result = train_one(task, lambda *a: None)
    assert result.status == "diverged"
    assert isinstance(result.diverged_at, int) and 1 <= result.diverged_at <= 3 * 38


@pytest.fixture(scope="module")
def quick(
    tmp_path_factory: pytest.TempPathFactory, quick_lab: QuickLab
) -> tuple[Path, Result]:
    build_dir = tmp_path_factory.mktemp("digitsum")
    # the plain quick build's runs, so that only the explosion runs train again
    shutil.copytree(quick_lab("digitsum")[0] / "cache", build_dir / "cache")
    # lr 1e38 overflows float32 at once: a forced divergence of the explosion study
    result = quick_build_of("digitsum", build_dir, "--set", "explode.lr=1e38")
    return build_dir / "digitsum" / "WA2214014-杨跃浙-Lab-6-preview.pdf", result


def test_quick_pdf_has_the_accuracy_table_with_every_length(
    quick: tuple[Path, Result],
) -> None:
    text = pdf_text(quick[0])
    assert "不同长度下的准确率" in re.sub(r"\s+", "", text)
    for length in LENGTHS:  # a row: the length, then six accuracies in %
        assert re.search(rf"^\s*{length}(\s+\d+\.\d){{6}}\s*$", text, re.M), length


def test_divergence_is_reported_with_its_step_and_the_build_goes_on(
    quick: tuple[Path, Result], quick_lab: QuickLab
) -> None:
    pdf, result = quick
    # 53 runs, 7 of them (lr = 0.001) sharing keys with the srn group: trained once
    assert "46 trained, 7 from cache." in quick_lab("digitsum")[1].output
    # the overridden explosion run alone trains again, and diverges
    assert "1 trained, 52 from cache, 1 diverged (explode)" in result.output
    step = re.search(
        r"不裁剪时，损失在第(\d+)步变成了", re.sub(r"\s+", "", pdf_text(pdf))
    )
    assert step is not None and int(step.group(1)) >= 1
