"""A refused ``build --strict`` leaves no earlier report under the submission's name, and a
preview never shares that name."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import STUDENT, QuickBuild, invoke, pdf_text

from reportgen.render.report import report_files
from reportgen.withdraw import withdraw_report

# a course-profile build of lab4 whose every training is one epoch on a short text: the
# names and checks of a course build in seconds (its settings are listed as non-course)
SHORT = [
    arg
    for experiment in ("rnn_scratch", "rnn_concise", "lstm_scratch")
    for arg in ("--set", f"experiment:{experiment}.num_epochs=1")
]


def course_build(build_dir: Path, *args: str):  # noqa: ANN201 (click's Result)
    return invoke("build", "lab4", *STUDENT, "--build-dir", str(build_dir), *SHORT, *args)


def test_a_refused_strict_build_withdraws_the_earlier_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the project folder, where the notes are
    build_dir = tmp_path / "build"
    notes = tmp_path / "notes.md"
    notes.write_text("我的讨论：RNN 的困惑度比 LSTM 高。\n", encoding="utf-8")
    first = course_build(build_dir, "--notes", str(notes))
    assert first.exit_code == 0, first.output
    folder = build_dir / "lab4"
    pdf = folder / "WA2214014-杨跃浙-Lab-4.pdf"
    assert pdf.is_file() and pdf.with_suffix(".md").is_file()
    # its first page says the settings are not the course's, and check names them
    first_page = pdf_text(pdf).split("\f")[0]
    flat = re.sub(r"\s+", "", first_page)
    assert "本报告的运行用了课程设置以外的选项" in first_page
    assert "--setexperiment:rnn_scratch.num_epochs=1" in flat
    check = invoke("check", "lab4", "--student", "WA2214014", "--build-dir", str(build_dir))
    assert "Built with non-course settings: --set experiment:rnn_scratch.num_epochs=1" in (
        check.output
    )
    preview = invoke(
        "build", "lab4", *STUDENT, "--build-dir", str(build_dir), "--profile", "quick"
    )
    assert preview.exit_code == 0, preview.output
    assert (folder / "WA2214014-杨跃浙-Lab-4-preview.pdf").is_file()
    assert pdf.is_file()  # the preview did not replace the course report

    refused = course_build(build_dir, "--notes", str(tmp_path / "none.md"), "--strict")
    assert refused.exit_code == 1
    assert "placeholder" in refused.output
    assert "The earlier report" in refused.output and "was removed" in refused.output
    assert not pdf.exists() and not pdf.with_suffix(".md").exists()
    assert (folder / "WA2214014-杨跃浙-Lab-4-preview.pdf").is_file()  # not the submission


def test_only_a_report_reportgen_built_is_withdrawn(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    assert "课程设置以外的选项" not in pdf_text(quick_build.pdf)  # a plain preview
    built = report_files(quick_build.pdf.parent, quick_build.pdf.stem)
    mine = report_files(tmp_path, "mine")
    for kind, path in built.items():
        shutil.copy(path, mine[kind])
    assert sorted(withdraw_report(mine)) == sorted(mine.values())
    assert not any(path.exists() for path in mine.values())
    # the same names holding a file reportgen did not make (no record in or beside it)
    theirs = report_files(tmp_path, "theirs")
    theirs["pdf"].write_bytes(b"%PDF-1.7\n% a student's own file\n")
    theirs["md"].write_text("# my own report\n", encoding="utf-8")
    assert withdraw_report(theirs) == []
    assert theirs["pdf"].is_file() and theirs["md"].is_file()


def test_strict_refuses_before_training_what_it_knows_at_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A course build (500 epochs) with --strict and no discussion: refused before any run
    trains, naming the blocker, and nothing is stored."""
    monkeypatch.chdir(tmp_path)
    build_dir = tmp_path / "build"
    refused = invoke(
        "build", "lab4", *STUDENT, "--build-dir", str(build_dir), "--strict",
        "--notes", str(tmp_path / "none.md"),
    )
    assert refused.exit_code == 1
    assert "Not ready to hand in (--strict wrote no report)" in refused.output
    assert "placeholder" in refused.output
    assert "epoch" not in refused.output  # nothing started training
    stored = [p for p in (build_dir / "cache").glob("*/result.json")]
    assert stored == []
