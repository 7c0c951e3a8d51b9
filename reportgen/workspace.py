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
import shutil
from pathlib import Path

from reportgen.inventory import experiment_paths
from reportgen.lab import LabSpec
from reportgen.paths import EXPERIMENTS_DIR, LABS_DIR
from reportgen.render.templates import markdown_env

GITIGNORE = "# made by reportgen init: what reportgen builds, never your own work\nbuild/\n"


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
    lines += [f"{code:<28}# {comment}" if comment else code for code, comment in rows]
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
    outcome = Outcome()
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "reportgen.toml", settings_text(student, lang), outcome)
    _write(folder / lab.notes, notes_text(lab, lang), outcome)
    _write(folder / ".gitignore", GITIGNORE, outcome)
    if eject:
        _copy(LABS_DIR / f"{lab.id}.toml", folder / "labs", outcome)
        for source in lab_experiment_files(lab):
            _copy(source, folder / "experiments", outcome)
    return outcome


def lab_experiment_files(lab: LabSpec) -> list[Path]:
    """The shipped files that define the experiments the lab's runs use."""
    paths = experiment_paths(EXPERIMENTS_DIR)
    return sorted({paths[run.experiment] for run in lab.runs if run.experiment in paths})


def _write(path: Path, text: str, outcome: Outcome) -> None:
    if path.exists() or path.is_symlink():
        outcome.kept.append(path)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    outcome.written.append(path)


def _copy(source: Path, folder: Path, outcome: Outcome) -> None:
    target = folder / source.name
    if target.exists() or target.is_symlink():
        outcome.kept.append(target)
        return
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    outcome.written.append(target)


def _toml_string(value: str) -> str:
    """``value`` as a TOML basic string."""
    return json.dumps(value, ensure_ascii=False)  # JSON string escapes are TOML's
