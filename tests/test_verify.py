"""``reportgen verify``: a report's record, its text, its code and its runs checked by
rerunning them (real quick builds, real reruns, real PDFs read back)."""

from __future__ import annotations

import json
import re
import shutil
import typing as t
from pathlib import Path

import pypdf
import pytest
from click.testing import Result
from conftest import QuickBuild, QuickLab, invoke, quick_build_of

from reportgen import signing
from reportgen.record import ATTACHMENT, read_record, sidecar_path, text_sha256
from reportgen.store import Store


def verify(report: Path, build_dir: Path, *args: str) -> Result:
    return invoke("verify", str(report), "--build-dir", str(build_dir), *args)


def handed_in(quick_build: QuickBuild, to: Path) -> tuple[Path, Path]:
    """A copy of the quick report's Markdown, record and PDF, as a student hands them in."""
    to.mkdir()
    for path in (
        quick_build.markdown,
        sidecar_path(quick_build.markdown),
        quick_build.pdf,
    ):
        shutil.copy(path, to / path.name)
    return to / quick_build.markdown.name, to / quick_build.pdf.name


def edit_record(path: Path, edit: t.Callable[[dict[str, t.Any]], None]) -> None:
    body = json.loads(path.read_text(encoding="utf-8"))
    edit(body)
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def another_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Act as a second user of this machine: another signing key."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "another-user"))


def test_the_record_travels_in_the_pdf_and_beside_the_markdown(
    quick_build: QuickBuild,
) -> None:
    from_pdf, from_markdown = (
        read_record(quick_build.pdf),
        read_record(quick_build.markdown),
    )
    assert from_pdf == from_markdown
    run = from_pdf.runs["rnn_scratch"]
    assert run["params"]["num_epochs"] == 10 and run["seed"] == 0 and run["mine"]
    assert run["data"] == {"timemachine.txt": run["data"]["timemachine.txt"]}
    source = Path("experiments/rnn_scratch.py").read_text(encoding="utf-8")
    assert run["code"]["experiments/rnn_scratch.py"] == text_sha256(source)
    assert from_pdf.student["id"] == "WA2214014" and from_pdf.profile == "quick"


def test_handed_in_runs_are_unverified_until_verify_reruns_them_identically(
    quick_build: QuickBuild, tmp_path: Path, another_user: None
) -> None:
    """A teaching assistant builds from a student's cache: every run is foreign; verify on
    this machine reruns all of them, finds them identical and makes them the TA's own."""
    folder = tmp_path / "handed-in"
    shutil.copytree(quick_build.build_dir / "cache", folder / "cache")
    built = quick_build_into(folder)
    assert "8 of 8 runs are unverified" in built.output
    assert (
        "8 of 8 runs are unverified"
        in invoke(
            "check", "lab4", "--student", "WA2214014", "--build-dir", str(folder)
        ).output
    )

    result = verify(quick_build.pdf, folder)
    assert result.exit_code == 0, result.output
    assert (
        "Text: every number the report prints is the one its record gives."
        in result.output
    )
    assert result.output.count(": IDENTICAL (") == 8
    assert result.output.count("the same kind of machine: exact match required") == 8
    assert "Verified: its text and every run agree with the record." in result.output
    store = Store(folder / "cache")
    keys = [run["key"] for run in read_record(quick_build.pdf).runs.values()]
    assert all(store.is_mine(key) for key in keys)
    check = invoke(
        "check", "lab4", "--student", "WA2214014", "--build-dir", str(folder)
    )
    assert "unverified" not in check.output
    assert not (folder / "verify").exists() or not any((folder / "verify").iterdir())


def quick_build_into(folder: Path) -> Result:
    from conftest import quick_build_of

    return quick_build_of("lab4", folder, "--notes", str(folder / "none.md"))


def test_an_edited_number_in_the_markdown_is_named_by_its_line(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    markdown, _ = handed_in(quick_build, tmp_path / "handed-in")
    text = markdown.read_text(encoding="utf-8")
    perplexity = (
        f"{read_record(markdown).runs['gru_deep']['metrics']['perplexity']:,.3f}"
    )
    line = next(i for i, row in enumerate(text.splitlines(), 1) if perplexity in row)
    markdown.write_text(text.replace(perplexity, "1.001"), encoding="utf-8")

    result = verify(markdown, tmp_path / "ta", "--epochs", "1")
    assert result.exit_code == 1
    assert (
        f"line {line}: the record gives {perplexity}, the report prints 1.001"
        in result.output
    )
    assert "NOT VERIFIED:" in result.output


def test_an_edited_number_in_the_pdf_s_record_is_named_by_its_page(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    reader = pypdf.PdfReader(quick_build.pdf)
    body = json.loads(reader.attachments[ATTACHMENT][0])
    printed = body["runs"]["rnn_concise"]["metrics"]["perplexity"]
    body["runs"]["rnn_concise"]["metrics"]["perplexity"] = 1.5
    writer = pypdf.PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.add_attachment(ATTACHMENT, json.dumps(body, ensure_ascii=False).encode())
    edited = tmp_path / "edited.pdf"
    with open(edited, "wb") as f:
        writer.write(f)

    result = verify(edited, tmp_path / "ta", "--epochs", "1")
    assert result.exit_code == 1
    assert f"the record gives 1.500, the report prints {printed:,.3f}" in result.output
    assert "page " in result.output.split("the record gives 1.500")[0].splitlines()[-1]


def test_a_record_edited_to_match_its_text_is_caught_by_the_rerun(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    """An edit no number of the text shows (a curve's first point, drawn only in a figure):
    the figure the record draws is not the report's, and the rerun names the run."""
    markdown, _ = handed_in(quick_build, tmp_path / "handed-in")
    edit_record(
        sidecar_path(markdown),
        lambda body: body["runs"]["lstm_scratch"]["series"]["perplexity"][
            0
        ].__setitem__(1, 9.5),
    )
    result = verify(markdown, tmp_path / "ta", "--epochs", "1")
    assert result.exit_code == 1, result.output
    assert "Run lstm_scratch: DIFFERENT" in result.output
    assert "the report prints figures-preview/ppl_lstm_scratch-" in result.output
    assert "runs that differ: lstm_scratch." in result.output
    assert result.output.count(": IDENTICAL (") == 7


def test_code_that_differs_from_the_record_is_named_before_anything_trains(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    """The student ran an edited experiment file: verify names it with both hashes and
    trains nothing."""
    markdown, _ = handed_in(quick_build, tmp_path / "handed-in")
    path = "experiments/rnn_concise.py"

    def edit(body: dict[str, t.Any]) -> None:
        body["sources"][path] += "\n# the student's edit\n"
        for run in body["runs"].values():
            if path in run["code"]:
                run["code"][path] = text_sha256(body["sources"][path])

    edit_record(sidecar_path(markdown), edit)
    result = verify(markdown, tmp_path / "ta")
    assert result.exit_code == 1
    here = text_sha256(Path(path).read_text(encoding="utf-8"))
    assert re.search(
        rf"{path} \(run \w+\): the report ran [0-9a-f]{{12}}, here it is {here[:12]}",
        result.output,
    ), result.output
    assert "nothing was trained" in result.output and "epoch" not in result.output
    assert Store(tmp_path / "ta" / "cache").keys() == []


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda b: b.update(format=2), "an unknown format"),
        (lambda b: b.update(lab="../../etc/passwd"), "the lab is no lab id"),
        (
            lambda b: b["student"].update(name="a\u202eb"),
            "a control or formatting character",
        ),
        (
            lambda b: b["sources"].update({"experiments/rnn_scratch.py": "import os"}),
            "does not match its hash",
        ),
        (lambda b: b["runs"]["rnn_scratch"].update(seed=-1), "seed out of range"),
        (
            lambda b: b["sources"].update({"x\x1b]0;pwned\x07": "1"}),
            "a control or formatting character",
        ),
        (
            lambda b: b["runs"]["rnn_scratch"]["data"].update(x="not a hash"),
            "a data hash is not one",
        ),
    ],
)
def test_a_damaged_or_planted_record_is_refused_in_one_line(
    quick_build: QuickBuild,
    tmp_path: Path,
    edit: t.Callable[[dict[str, t.Any]], None],
    problem: str,
) -> None:
    markdown, _ = handed_in(quick_build, tmp_path / "handed-in")
    edit_record(sidecar_path(markdown), edit)
    result = verify(markdown, tmp_path / "ta")
    assert result.exit_code == 1
    assert (
        "is damaged or was edited by hand" in result.output and problem in result.output
    )


def test_a_pdf_without_a_record_is_refused(tmp_path: Path) -> None:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(100, 100)
    plain = tmp_path / "plain.pdf"
    with open(plain, "wb") as f:
        writer.write(f)
    result = verify(plain, tmp_path / "ta")
    assert result.exit_code == 1
    assert "carries no reportgen record" in result.output


def test_the_signing_key_lives_outside_the_project_with_owner_only_access(
    tmp_path: Path, another_user: None
) -> None:
    signature = signing.sign("checksum")
    key = signing.key_path()
    assert key.is_relative_to(tmp_path / "another-user")
    assert key.stat().st_mode & 0o077 == 0
    assert signing.is_mine("checksum", signature)
    assert not signing.is_mine("other checksum", signature)


def test_preview_runs_in_a_record_that_claims_the_course_profile_are_named(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    markdown, _ = handed_in(quick_build, tmp_path / "handed-in")
    edit_record(sidecar_path(markdown), lambda body: body.update(profile="course"))
    result = verify(markdown, tmp_path / "ta")
    assert result.exit_code == 1
    assert (
        "run rnn_scratch: num_epochs is 10 in the record, 500 in lab4's course-profile plan"
        in result.output
    )
    assert "nothing was trained" in result.output and "epoch 1/" not in result.output


def test_a_figure_replaced_beside_the_markdown_is_named(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    markdown, _ = handed_in(quick_build, tmp_path / "handed-in")
    figures = quick_build.markdown.parent / "figures-preview"
    shutil.copytree(figures, markdown.parent / "figures-preview")
    names = sorted(p.name for p in figures.glob("ppl_*.png"))
    shutil.copy(figures / names[0], markdown.parent / "figures-preview" / names[1])
    result = verify(markdown, tmp_path / "ta", "--epochs", "1")
    assert result.exit_code == 1
    assert (
        f"the report prints figures-preview/{names[1]} («the file beside the report is another picture»)"
        in result.output
    )
    assert result.output.count("another picture") == 1  # the others are the record's


def test_an_english_report_is_checked_against_its_english_rendering(
    quick_lab: QuickLab, tmp_path: Path
) -> None:
    """The record says the report's language: verify renders it in English again, so an
    untouched English report agrees, and an edited number in it is still found."""
    build_dir, _ = quick_lab("lab4")
    no_notes = str(build_dir / "no-notes.md")
    quick_build_of("lab4", build_dir, "--lang", "en", "--notes", no_notes)
    english = build_dir / "lab4" / "en" / "WA2214014-杨跃浙-Lab-4-preview.pdf"
    to = tmp_path / "handed-in"
    to.mkdir()
    for path in (
        english,
        english.with_suffix(".md"),
        sidecar_path(english.with_suffix(".md")),
    ):
        shutil.copy(path, to / path.name)

    untouched = verify(to / english.name, tmp_path / "ta", "--epochs", "1")
    assert "Text: every number the report prints is the one its record gives." in (
        untouched.output
    )

    markdown = to / english.with_suffix(".md").name
    perplexity = (
        f"{read_record(markdown).runs['gru_deep']['metrics']['perplexity']:,.3f}"
    )
    text = markdown.read_text(encoding="utf-8")
    markdown.write_text(text.replace(perplexity, "1.001"), encoding="utf-8")
    edited = verify(markdown, tmp_path / "ta", "--epochs", "1")
    assert edited.exit_code == 1
    assert f"the record gives {perplexity}, the report prints 1.001" in edited.output
