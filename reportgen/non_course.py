"""The settings of a build that are not the course's, as the options or files that made them.

A report built with any of them says so on its first page (templates/base.md.j2), and
``reportgen check`` names them: a teacher must not take such numbers for the course's.
The profile is not among them: a preview says what it is everywhere (its name, every page,
every figure).
"""

from __future__ import annotations

import typing as t
from pathlib import Path

from reportgen.inventory import experiment_paths
from reportgen.lab import LabSpec, load_lab
from reportgen.paths import EXPERIMENTS_DIR, LABS_DIR, is_own, shown_path


def non_course_settings(
    lab: LabSpec, overrides: t.Sequence[str], seeds: int | None, corpus: str | None
) -> list[str]:
    """``--set …`` as typed, ``--seeds N`` where it changes the lab's runs (``--seeds 3``
    on a lab that lists three seeds does not), ``--corpus <file name>``, and the work
    folder's own copies of shipped files (``init --eject``) that differ from them, in order."""
    found = [f"--set {o}" for o in overrides]
    if seeds is not None:
        listed = load_lab(lab.id, directory=lab.path.parent)
        with_seeds = load_lab(lab.id, directory=lab.path.parent, seeds=seeds)
        if [r.id for r in listed.runs] != [r.id for r in with_seeds.runs]:
            found.append(f"--seeds {seeds}")
    if corpus:
        found.append(f"--corpus {Path(corpus).name}")
    return found + edited_copies(lab)


def edited_copies(lab: LabSpec) -> list[str]:
    """The work folder's own lab spec and experiment files of ``lab`` that differ from the
    shipped file of their name (a file with no shipped namesake is a lab of one's own)."""
    defined = experiment_paths()
    used = {defined[r.experiment] for r in lab.runs if r.experiment in defined}
    edited = []
    for path in [lab.path, *sorted(used)]:
        shipped = (LABS_DIR if path.suffix == ".toml" else EXPERIMENTS_DIR) / path.name
        if is_own(path) and shipped.is_file() and shipped.read_bytes() != path.read_bytes():
            edited.append(shown_path(path))
    return edited
