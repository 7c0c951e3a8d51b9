"""Interruption, locking, corrupt cache entries, divergence, sandboxing and the submission check,
each on a real quick build."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import filelock
import stress_interrupt
from conftest import QuickBuild, invoke, pdf_text

from reportgen.store import Store


def latest_keys(qb: QuickBuild) -> dict[str, str]:
    return json.loads(
        (qb.build_dir / "cache" / "latest" / "lab4-quick.json").read_text()
    )


def test_killed_builds_resume_to_identical_numbers(tmp_path: Path) -> None:
    counts = stress_interrupt.stress(kills=2, seed=3, work=tmp_path)
    assert counts["corrupt"] == 0
    assert counts["kills"] == 2


def test_corrupt_entry_is_reported_and_rerun(quick_build: QuickBuild) -> None:
    path = Store(quick_build.build_dir / "cache").path_for(
        latest_keys(quick_build)["rnn_concise"]
    )
    path.write_text(
        path.read_text()[:100], encoding="utf-8"
    )  # truncated, as by a full disk
    result = quick_build.build()
    assert result.exit_code == 0, result.output
    assert "Runs: 1 trained, 7 from cache." in result.output
    assert "trained (its stored result was unusable): rnn_concise" in result.output


def test_orphaned_temp_files_are_cleaned(quick_build: QuickBuild) -> None:
    orphan = quick_build.build_dir / "cache" / ".result.json.abc_1234.reportgen.tmp"
    orphan.write_text("half a result")
    assert quick_build.build().exit_code == 0
    assert not orphan.exists()


def test_second_build_on_the_same_folder_is_refused(quick_build: QuickBuild) -> None:
    with filelock.FileLock(quick_build.build_dir / ".lock"):
        result = quick_build.build()
    assert result.exit_code == 1
    assert result.output.startswith("Error: Another reportgen build is using")


def test_divergence_is_stored_and_shown_not_crashed(quick_build: QuickBuild) -> None:
    result = quick_build.build(
        "--set",
        "rnn_concise_2layers.lr=1e6",
        "--set",
        "rnn_concise_2layers.clip_theta=1e6",
    )
    assert result.exit_code == 0, result.output
    assert "1 diverged (rnn_concise_2layers)" in result.output
    assert "BLOCKS  Run rnn_concise_2layers diverged at step 1." in result.output
    text = pdf_text(quick_build.pdf)
    assert "发散（第 1 轮）" in text
    rows = [line for line in text.splitlines() if "nn.RNN（2 层）" in line]
    assert len(rows) >= 2  # the exercise table and the summary table
    for row in rows:
        assert not {"nan", "inf", "NaN", "None"} & set(row.split()), row


def test_check_lists_blockers_and_strict_writes_nothing(
    quick_build: QuickBuild,
) -> None:
    check = invoke(
        "check",
        "lab4",
        "--student",
        "WA2214014",
        "--build-dir",
        str(quick_build.build_dir),
    )
    assert check.exit_code == 1
    assert "BLOCKS  The report holds quick-profile preview results" in check.output
    quick_build.pdf.unlink()
    strict = quick_build.build("--strict")
    assert strict.exit_code == 1
    assert "Error: Not ready to hand in (--strict wrote no report):" in strict.output
    assert "PDF" not in strict.output  # a report about to be written is not "missing"
    assert not quick_build.pdf.exists()
    assert quick_build.build().exit_code == 0  # leave the shared build complete


def test_notes_cannot_pull_in_local_files(quick_build: QuickBuild) -> None:
    notes = quick_build.build_dir / "evil.md"  # notes may lie in the build folder
    notes.write_text(
        '<link rel="attachment" href="file:///etc/passwd">\n\n[pw](file:///etc/passwd)\n\n'
        "[x](javascript:alert(1))\n\n"
        '<style>@import url("file:///etc/passwd");</style>\n\n<script>alert(1)</script>\n',
        encoding="utf-8",
    )
    result = quick_build.build("--notes", str(notes))
    assert result.exit_code == 0, result.output
    attachments = subprocess.run(
        ["pdfdetach", "-list", str(quick_build.pdf)], capture_output=True, text=True
    ).stdout
    # the report's own record (reportgen.record) is its only attachment
    assert attachments.startswith("1 embedded files")
    assert attachments.splitlines()[1].endswith("reportgen-record.json")
    assert "root:x:0:0" not in pdf_text(quick_build.pdf)
    # an image outside the report folder is refused before anything is rendered
    notes.write_text("![up](../../../../../../etc/passwd)\n", encoding="utf-8")
    refused = quick_build.build("--notes", str(notes))
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert (
        f"Error: Notes file {notes}, line 1: image '../../../../../../etc/passwd' is"
        " outside the report folder" in refused.output
    )
    # and so is one whose address the sanitiser removes (file:), not dropped in silence
    notes.write_text("讨论\n\n![pw](FILE:///etc/passwd)\n", encoding="utf-8")
    refused = quick_build.build("--notes", str(notes))
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert (
        f"Error: Notes file {notes}: an image's address is not a file inside"
        in refused.output
    )


def test_check_of_a_run_the_lab_no_longer_has_says_stale(
    quick_build: QuickBuild,
) -> None:
    from reportgen.check import Manifest, findings
    from reportgen.lab import load_lab

    manifest = Manifest(
        lab="lab4",
        student={"id": "WA2214014", "name": "n", "major": "m"},
        profile="course",
        overrides=[],
        notes_path="notes.md",
        has_notes=True,
        pdf=str(quick_build.pdf),
        runs={"renamed_run": {"key": "k", "status": "diverged", "diverged_at": 3}},
    )
    found = findings(manifest, {}, load_lab("lab4"))
    assert [f.text for f in found] == [
        "The report's manifest names other runs than the lab plans with these settings:"
        " rebuild.",
        "Run renamed_run is stale: its code, parameters or data changed since the report"
        " was built; rebuild.",
        "Run renamed_run diverged at step 3.",
    ]
