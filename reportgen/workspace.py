"""A student's work folder: ``reportgen init`` makes one; ``--eject`` copies a lab's code in.

The folder holds what is the student's: ``reportgen.toml`` (their details and defaults),
``notes/<lab>.md`` (their discussion, begun with the headings it needs and the course's
questions) and a ``.gitignore`` for what reportgen builds. With ``--eject`` it also holds the
lab's spec and experiment files; those then take the place of the shipped ones: they are what
trains and what the report lists (:func:`reportgen.paths.experiment_files`), and the run keys
follow their text (an unchanged copy has the shipped file's keys). docs/workspace.md.

Nothing that exists is overwritten: a file already there is kept and reported as kept.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from reportgen.errors import ReportgenError
from reportgen.inventory import experiment_paths
from reportgen.lab import LabSpec
from reportgen.paths import EXPERIMENTS_DIR, LABS_DIR
from reportgen.render.templates import markdown_env

GITIGNORE = "# made by reportgen init: what reportgen builds, never your own work\nbuild/\n"


class WorkspaceError(ReportgenError):
    """A file init must write has a folder in its place, or a file where its folder goes."""


@dataclasses.dataclass
class Outcome:
    """What :func:`init_workspace` did: the files it wrote and those it found and kept."""

    written: list[Path] = dataclasses.field(default_factory=list)
    kept: list[Path] = dataclasses.field(default_factory=list)


def settings_text(student: dict[str, str], lang: str) -> str:
    """``reportgen.toml`` for a new work folder: the student's fields and the defaults."""
    rows = [
        ("[student]", ""),
        (f"id = {_toml_string(student.get('id', ''))}", "学号, e.g. WA2214014"),
        (f"name = {_toml_string(student.get('name', ''))}", "姓名"),
        (f"major = {_toml_string(student.get('major', ''))}", "专业"),
        ("", ""),
        ("[build]", ""),
        ('format = ["md", "pdf"]', 'also "html", "docx"'),
        (f'lang = "{lang}"', '"zh" (the course\'s) or "en"'),
    ]
    lines = ["# reportgen.toml: read by every reportgen command run from this folder."]
    lines += [f"{code:<27} # {comment}" if comment else code for code, comment in rows]
    return "\n".join(lines) + "\n"


def notes_text(lab: LabSpec, lang: str) -> str:
    """The notes a discussion starts from: its headings and each of the lab's exercises,
    every place to write marked (reportgen.render.notes.UNFINISHED_MARKS)."""
    template = markdown_env(lang).get_template("notes.md.j2")
    return template.render(exercises=lab.exercises)


def init_workspace(
    folder: Path, lab: LabSpec, student: dict[str, str], lang: str, eject: bool
) -> Outcome:
    """Make ``folder`` a work folder for ``lab`` (see the module docstring)."""
    files = {
        folder / "reportgen.toml": settings_text(student, lang),
        folder / lab.notes: notes_text(lab, lang),
        folder / ".gitignore": GITIGNORE,
    }
    if eject:
        sources = [LABS_DIR / f"{lab.id}.toml", *lab_experiment_files(lab)]
        for source in sources:
            kind = "labs" if source.suffix == ".toml" else "experiments"
            files[folder / kind / source.name] = source.read_text(encoding="utf-8")
    for path in files:  # all checked before anything is written
        _check_target(path, folder)
    outcome = Outcome()
    for path, text in files.items():
        if path.exists() or path.is_symlink():
            outcome.kept.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        outcome.written.append(path)
    return outcome


def _check_target(path: Path, folder: Path) -> None:
    """Refuse a file to write whose place is a folder, or whose folder is a file."""
    if path.is_dir():
        raise WorkspaceError(f"{path} is a folder: init writes a file there; move it away.")
    for parent in [path.parent, *path.parent.parents]:
        if parent.exists() and not parent.is_dir():
            raise WorkspaceError(
                f"{parent} is a file: init needs a folder there for {path}; move it away."
            )
        if parent == folder:
            break


def lab_experiment_files(lab: LabSpec) -> list[Path]:
    """The shipped files that define the experiments the lab's runs use."""
    paths = experiment_paths(EXPERIMENTS_DIR)
    return sorted({paths[run.experiment] for run in lab.runs if run.experiment in paths})


def _toml_string(value: str) -> str:
    """``value`` as a TOML basic string."""
    return json.dumps(value, ensure_ascii=False)  # JSON string escapes are TOML's
