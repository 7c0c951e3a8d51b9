"""Shared fixtures: a CLI runner, and one quick build of each lab per test session in a temp
folder."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import tempfile
import typing as t
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reportgen.cli import main


def pytest_configure(config: pytest.Config) -> None:
    """The signing key (reportgen.signing) of a user of the tests' own, never the real one."""
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="reportgen-test-config-")


STUDENT = ["--student", "WA2214014", "--name", "杨跃浙", "--major", "人工智能"]


@dataclasses.dataclass
class QuickBuild:
    """A quick lab4 build in its own build folder, with helpers to rebuild it."""

    build_dir: Path
    first: Result

    def build(self, *args: str) -> Result:
        return invoke(
            "build",
            "lab4",
            *STUDENT,
            "--profile",
            "quick",
            "--build-dir",
            str(self.build_dir),
            *args,
        )

    @property
    def pdf(self) -> Path:
        return self.build_dir / "lab4" / "WA2214014-杨跃浙-Lab-4-preview.pdf"

    @property
    def markdown(self) -> Path:
        return self.pdf.with_suffix(".md")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def invoke_fresh(*args: str) -> tuple[str, bool]:
    """The CLI in a fresh interpreter: (its output, whether it imported torch)."""
    import sys

    code = (
        "import sys; from click.testing import CliRunner; from reportgen.cli import main;"
        f"r = CliRunner().invoke(main, {list(args)!r}); print(r.output);"
        "print('torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    output, _, torch_line = out.rstrip("\n").rpartition("\n")
    return output, torch_line == "True"


def quick_build_of(lab_id: str, build_dir: Path, *args: str) -> Result:
    """``reportgen build LAB`` at the quick profile into ``build_dir``; it must succeed."""
    result = invoke(
        "build",
        lab_id,
        *STUDENT,
        "--profile",
        "quick",
        "--build-dir",
        str(build_dir),
        *args,
    )
    assert result.exit_code == 0, result.output
    return result


def pdf_text(path: Path) -> str:
    """Text of a PDF as pdftotext extracts it (poppler-utils, installed by scripts/setup.sh)."""
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


QuickLab = t.Callable[[str], tuple[Path, Result]]


@pytest.fixture(scope="session")
def quick_lab(tmp_path_factory: pytest.TempPathFactory) -> QuickLab:
    """Each lab's quick build with no discussion, made once per session and shared by the
    tests that only read it: ``quick_lab(lab_id)`` -> (its build folder, the build's output)."""
    built: dict[str, tuple[Path, Result]] = {}

    def build(lab_id: str) -> tuple[Path, Result]:
        if lab_id not in built:
            build_dir = tmp_path_factory.mktemp(f"quick-{lab_id}")
            no_notes = str(build_dir / "no-notes.md")
            built[lab_id] = (
                build_dir,
                quick_build_of(lab_id, build_dir, "--notes", no_notes),
            )
        return built[lab_id]

    return build


@pytest.fixture(scope="session")
def quick_build(quick_lab: QuickLab) -> QuickBuild:
    return QuickBuild(*quick_lab("lab4"))


@pytest.fixture
def float64() -> t.Iterator[None]:
    """Seeded, in double precision: comparing gradients, rounding cannot hide a wrong term."""
    import torch

    torch.manual_seed(0)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)
