"""The project as a wheel, installed outside the repository: a newcomer's first hour.

The wheel is built from a copy of the source tree and installed into a fresh virtualenv;
its dependencies (torch and the rest) come from the test environment's site-packages through
a ``.pth`` line, so nothing is downloaded, while reportgen itself is the wheel's only: the
checkout is on no path of the new interpreter.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from conftest import STUDENT, pdf_text

REPO = Path(__file__).resolve().parent.parent


def _wheel(tmp_path: Path) -> Path:
    source = tmp_path / "src"
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv*", "build", ".wheel-build", "dist", "*.egg-info", "__pycache__"
        ),
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", "dist", "."],
        cwd=source,
        check=True,
    )
    (wheel,) = (source / "dist").glob("reportgen-*.whl")
    return wheel


def _venv_with(wheel: Path, folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", folder], check=True)
    python = folder / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    Path(site, "_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"])
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps",
         "--no-index", wheel],
        check=True,
    )
    return folder / "bin" / "reportgen"


def test_wheel_install_init_build_and_notes(tmp_path: Path) -> None:
    reportgen = _venv_with(_wheel(tmp_path), tmp_path / "venv")
    work = tmp_path / "work"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [reportgen, *args], cwd=work, env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )

    work.mkdir()
    assert run("init", "lab4", *STUDENT, "--eject").returncode == 0
    where = subprocess.run(
        [reportgen.parent / "python", "-c", "import reportgen; print(reportgen.__file__)"],
        cwd=work, capture_output=True, text=True, check=True,
    ).stdout
    assert where.startswith(str(tmp_path / "venv")), where  # the wheel's, not the checkout's
    own = work / "experiments" / "rnn_concise.py"
    own.write_text(own.read_text(encoding="utf-8") + "\n# my change\n", encoding="utf-8")

    built = run("build", "lab4", "--profile", "quick")
    assert built.returncode == 0, built.stdout
    assert "8 trained" in built.stdout, built.stdout
    pdf = work / "build" / "lab4" / "WA2214014-杨跃浙-Lab-4-preview.pdf"
    text = pdf_text(pdf)
    first_page = "".join(text.split("\f")[0].split())  # pdftotext wraps the path
    assert "改过的文件：experiments/rnn_concise.py" in first_page  # the edited copy is named
    assert "【待填写】" in text  # the notes init wrote, not yet filled in
    assert "still has a place to write" in run("check", "lab4").stdout

    notes = work / "notes" / "lab4.md"
    notes.write_text(
        notes.read_text(encoding="utf-8").replace("【待填写】", "我的分析。"),
        encoding="utf-8",
    )
    rebuilt = run("build", "lab4", "--profile", "quick")
    assert rebuilt.returncode == 0 and "0 trained" in rebuilt.stdout  # render only
    assert "still has a place to write" not in run("check", "lab4").stdout
