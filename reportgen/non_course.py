"""The settings of a build that are not the course's, as the options that made them.

A report built with any of them says so on its first page (templates/base.md.j2), and
``reportgen check`` names them: a teacher must not take such numbers for the course's.
The profile is not among them: a preview says what it is everywhere (its name, every page,
every figure).
"""

from __future__ import annotations

import typing as t
from pathlib import Path

from reportgen.lab import LabSpec, load_lab


def non_course_settings(
    lab: LabSpec, overrides: t.Sequence[str], seeds: int | None, corpus: str | None
) -> list[str]:
    """``--set …`` as typed, ``--seeds N`` where it changes the lab's runs (``--seeds 3``
    on a lab that lists three seeds does not), and ``--corpus <file name>``, in order."""
    found = [f"--set {o}" for o in overrides]
    if seeds is not None:
        listed = load_lab(lab.id, directory=lab.path.parent)
        with_seeds = load_lab(lab.id, directory=lab.path.parent, seeds=seeds)
        if [r.id for r in listed.runs] != [r.id for r in with_seeds.runs]:
            found.append(f"--seeds {seeds}")
    if corpus:
        found.append(f"--corpus {Path(corpus).name}")
    return found
