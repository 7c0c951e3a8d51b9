"""The command line: every bad input gets a one-line error, a non-zero exit, and writes nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import invoke

GOOD = ["--student", "WA2214014", "--profile", "quick"]

BAD_INPUTS = [
    (["build", "lab5", *GOOD], "Error: Unknown lab 'lab5'. Did you mean 'lab4'?"),
    (
        ["build", "lab4", *GOOD, "--set", "lstm_scratch.num_hiddens=25x"],
        "Error: lstm_scratch.num_hiddens expects an int, got '25x'.",
    ),
    (
        ["build", "lab4", *GOOD, "--set", "lstm_scratch.num_hidden=25"],
        "Error: Unknown parameter 'lstm_scratch.num_hidden'. Did you mean 'num_hiddens'?",
    ),
    (
        ["build", "lab4", *GOOD, "--set", "lstm_scratch.num_hiddens=-3"],
        "Error: lstm_scratch: num_hiddens must be at least 1, got -3",
    ),
    (
        ["build", "lab4", *GOOD, "--set", "transformer.lr=1"],
        "Error: --set transformer.lr: lab lab4 has no run or experiment 'transformer'.",
    ),
    (
        ["build", "lab4", *GOOD, "--set", "lr=1"],
        "Error: Invalid value for '--set': --set expects target.param=value "
        "(e.g. rnn_scratch.num_hiddens=256), got 'lr=1'.",
    ),
    (
        ["build", "lab4", "--profile", "quick"],
        "Error: Missing --student (your 学号), or set [student] id in reportgen.toml.",
    ),
    (
        ["build", "lab4", "--student", "../WA22", "--profile", "quick"],
        "Error: Invalid value for --student: '../WA22' is not a student ID: use letters, digits, '-' and '_'.",
    ),
    (
        ["build", "lab4", *GOOD, "--name", "杨\x07跃浙"],
        "Error: Invalid value for --name: '杨\\x07跃浙' contains control characters.",
    ),
    (
        ["build", "lab4", *GOOD, "--profile", "fast"],
        "Error: Invalid value for '--profile': 'fast' is not one of 'course', 'quick'.",
    ),
]


@pytest.mark.parametrize(("args", "message"), BAD_INPUTS)
def test_bad_input_gives_one_line_and_writes_nothing(
    args: list[str], message: str, tmp_path: Path
) -> None:
    build_dir = tmp_path / "build"
    result = invoke(*args, "--build-dir", str(build_dir))
    assert result.exit_code != 0
    assert message in result.output.splitlines()
    assert "Traceback" not in result.output
    assert not build_dir.exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_a_gpu_is_a_clear_error(tmp_path: Path) -> None:
    result = invoke(
        "build", "lab4", *GOOD, "--device", "cuda", "--build-dir", str(tmp_path / "b")
    )
    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: --device cuda was requested, but torch sees no CUDA device"
    )


def test_list_and_help_do_not_import_torch(tmp_path: Path) -> None:
    code = (
        "import sys; from click.testing import CliRunner; from reportgen.cli import main;"
        f"r = CliRunner().invoke(main, ['list', '--build-dir', {str(tmp_path)!r}]);"
        "print(r.output); print('torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert (
        "lab4" in out and "rnn_scratch" in out and "experiments/rnn_scratch.py" in out
    )
    assert out.strip().endswith("False")


def test_status_before_any_build_says_missing(tmp_path: Path) -> None:
    result = invoke(
        "status", "lab4", "--profile", "quick", "--build-dir", str(tmp_path)
    )
    assert result.exit_code == 0
    assert result.output.count("missing  ") == 8


def test_doctor_checks_fonts_torch_and_data() -> None:
    result = invoke("doctor")
    assert "[ok  ] torch: 2.13.0" in result.output
    assert "[ok  ] font Noto Sans CJK SC" in result.output
    assert "[ok  ] matplotlib CJK" in result.output
    assert "[ok  ] data timemachine.txt" in result.output
    assert result.exit_code == 0, result.output
