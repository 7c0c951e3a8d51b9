"""``reportgen clean``, ``gc`` and ``open`` on real builds: what goes, what stays."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from conftest import STUDENT, QuickBuild, invoke

from reportgen.safety import BUILD_MARKER
from reportgen.store import Store


def copy_build(quick_build: QuickBuild, to: Path) -> Path:
    build_dir = to / "build"
    shutil.copytree(quick_build.build_dir, build_dir, symlinks=True)
    return build_dir


def test_clean_removes_the_reports_and_keeps_the_results(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    build_dir = copy_build(quick_build, tmp_path)
    lab = build_dir / "lab4"
    mine = lab / "my-notes.txt"
    mine.write_text("a student's own file", encoding="utf-8")
    (lab / "figures-preview" / "sketch.png").write_bytes(b"not reportgen's name")
    entries = Store(build_dir / "cache").keys()
    result = invoke("clean", "lab4", "--build-dir", str(build_dir))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Removed ")
    assert "left 1 file(s) reportgen did not make" in result.output
    assert sorted(p.name for p in lab.rglob("*")) == [
        "figures-preview",
        "my-notes.txt",
        "sketch.png",
    ]
    assert Store(build_dir / "cache").keys() == entries  # training results kept
    rebuilt = invoke(
        "build", "lab4", *STUDENT, "--profile", "quick", "--build-dir", str(build_dir)
    )
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "Runs: 0 trained" in rebuilt.output


def test_clean_refuses_a_folder_reportgen_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "lab4").mkdir()
    (tmp_path / "lab4" / "thesis-Lab-4.pdf").write_bytes(b"%PDF mine")
    result = invoke("clean", "lab4", "--build-dir", str(tmp_path))
    assert result.exit_code == 1
    assert f"no {BUILD_MARKER}" in result.output
    assert (tmp_path / "lab4" / "thesis-Lab-4.pdf").is_file()


def test_gc_removes_only_results_nothing_uses(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    build_dir = copy_build(quick_build, tmp_path)
    invoke("gc", "--build-dir", str(build_dir))  # what other tests' builds left
    before = set(Store(build_dir / "cache").keys())

    def build(*args: str) -> None:
        result = invoke(
            "build", "lab4", *STUDENT, "--profile", "quick", "--build-dir",
            str(build_dir), *args,
        )
        assert result.exit_code == 0, result.output

    build("--set", "preprocessing.max_tokens=2000")  # one run of other settings
    (extra,) = set(Store(build_dir / "cache").keys()) - before
    untouched = invoke("gc", "--build-dir", str(build_dir))
    assert untouched.output.startswith("Removed 0 file(s)")  # the latest build uses it
    build()  # the plain preview again: the --set result is now used by nothing
    result = invoke("gc", "--build-dir", str(build_dir))
    assert result.exit_code == 0, result.output
    assert set(Store(build_dir / "cache").keys()) == before
    assert not (build_dir / "cache" / extra).exists()
    assert "MB" in result.output
    # a checkpoint of a stored run (an interrupted --force retrain) is garbage too
    left = build_dir / "cache" / "partial" / f"{sorted(before)[0]}.pt"
    left.parent.mkdir(exist_ok=True)
    left.write_bytes(b"checkpoint of a retrain")
    assert invoke("gc", "--build-dir", str(build_dir)).output.startswith("Removed 1 file(s)")
    assert not left.exists() and set(Store(build_dir / "cache").keys()) == before


def test_open_hands_the_pdf_to_the_system_viewer(
    quick_build: QuickBuild, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    viewer = tmp_path / "bin" / "xdg-open"  # what click.launch runs on Linux
    viewer.parent.mkdir()
    opened = tmp_path / "opened.txt"
    viewer.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {opened}\n')
    viewer.chmod(0o755)
    monkeypatch.setenv("PATH", f"{viewer.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("DISPLAY", ":0")
    result = invoke(
        "open", "lab4", "--student", "WA2214014", "--build-dir", str(quick_build.build_dir)
    )
    assert result.exit_code == 0, result.output
    for _ in range(100):  # the viewer is started, not waited for
        if opened.is_file() and opened.read_text():
            break
        time.sleep(0.05)
    assert opened.read_text() == str(quick_build.pdf)
    missing = invoke("open", "lab4", "--student", "WA0000000", "--build-dir", str(tmp_path))
    assert missing.exit_code == 1
    assert "No lab4 report for WA0000000" in missing.output
    monkeypatch.delenv("DISPLAY")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    headless = invoke(
        "open", "lab4", "--student", "WA2214014", "--build-dir", str(quick_build.build_dir)
    )
    assert headless.exit_code == 1 and headless.output.count("\n") == 1
    assert headless.output.startswith("Error: No display to show")


def test_shell_completion_offers_the_lab_names(tmp_path: Path) -> None:
    """docs/cli.md's bash completion: ``reportgen build l<TAB>``."""
    import subprocess
    import sys

    env = os.environ | {
        "_REPORTGEN_COMPLETE": "bash_complete",
        "COMP_WORDS": "reportgen build l",
        "COMP_CWORD": "2",
    }
    script = Path(sys.executable).with_name("reportgen")  # the installed command
    done = subprocess.run(
        [str(script)], env=env, capture_output=True, text=True, cwd=tmp_path
    )
    assert done.stdout.split() == ["plain,lab4", "plain,lyrics"], done.stderr


def test_diff_sets_two_builds_side_by_side(quick_build: QuickBuild, tmp_path: Path) -> None:
    build_dir = copy_build(quick_build, tmp_path)
    shutil.rmtree(build_dir / "cache" / "history")  # other tests' builds: start afresh
    args = ["build", "lab4", *STUDENT, "--profile", "quick", "--build-dir", str(build_dir)]
    assert invoke(*args).exit_code == 0  # the plain preview: the first build remembered
    nothing = invoke("diff", "lab4", "--build-dir", str(build_dir))
    assert nothing.exit_code == 1 and "nothing to compare" in nothing.output
    changed = invoke(*args, "--set", "lstm_scratch.num_hiddens=32")
    assert changed.exit_code == 0, changed.output
    again = invoke(*args, "--set", "lstm_scratch.num_hiddens=32")  # a re-render: no entry
    assert again.exit_code == 0, again.output
    result = invoke("diff", "lab4", "--build-dir", str(build_dir))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "(quick) → " in lines[0] and "--set lstm_scratch.num_hiddens=32" in lines[0]
    rows = [line.split() for line in lines if line.startswith("lstm_scratch ")]
    assert rows and all(row[0] == "lstm_scratch" for row in rows)
    perplexity = next(row for row in rows if row[1] == "perplexity")
    store = Store(build_dir / "cache")
    latest = json.loads((build_dir / "cache/latest/lab4-quick.json").read_text())
    after = store.load(latest["lstm_scratch"])
    assert after is not None
    assert perplexity[3] == f"{after.metrics['perplexity']:.4g}"  # the stored number
    assert not any(line.startswith(("rnn_concise ", "gru_deep ")) for line in lines)
    assert re.search(r"^\d+ metric\(s\) differ, \d+ the same\.$", lines[-1])
    course = invoke("diff", "lab4", "--profile", "course", "--build-dir", str(build_dir))
    assert course.exit_code == 1  # quick builds are never set against course ones
    assert "remembers 0 course-profile build(s)" in course.output
