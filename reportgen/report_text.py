"""The numbers a report prints, where they stand, and where two reports' numbers differ.

``reportgen verify`` renders the report again from its record and compares the numbers of the
two texts in order: a number edited in the handed-in PDF or Markdown is found and named by
page (or line) and the words around it. Both PDFs are read by the same extractor (pypdf), so
only a real difference in the printed text can make their numbers differ.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from pathlib import Path

# a number as a report prints it: 1,234 / 1.029 / 95.3 (a sign or a % around it is text)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CONTEXT = 24  # characters shown on each side of a differing number
# a link target in the Markdown (a figure's or formula's file, named by its content's hash)
_TARGET = re.compile(r"\]\(([^)\s]*)\)")


@dataclasses.dataclass(frozen=True)
class Printed:
    """One number of a report: its text, the page (PDF) or line (Markdown), its words."""

    text: str
    where: str
    context: str


@dataclasses.dataclass(frozen=True)
class Mismatch:
    """Numbers that differ: what the record's report prints there, what this one does."""

    expected: tuple[str, ...]
    found: tuple[str, ...]
    where: str
    context: str

    def line(self) -> str:
        expected = " ".join(self.expected) or "nothing"
        found = " ".join(self.found) or "nothing"
        return (
            f"{self.where}: the record gives {expected}, the report prints {found}"
            f" («{self.context}»)"
        )


def pages_of(report: Path) -> list[tuple[str, str]]:
    """(where, text) of each page of a PDF, or each line of a Markdown file."""
    if report.suffix.lower() == ".pdf":
        import pypdf

        pages = pypdf.PdfReader(report).pages
        return [(f"page {i}", page.extract_text()) for i, page in enumerate(pages, 1)]
    lines = report.read_text(encoding="utf-8").splitlines()
    return [(f"line {i}", _TARGET.sub("]()", line)) for i, line in enumerate(lines, 1)]


def figure_mismatches(expected: Path, found: Path) -> list[Mismatch]:
    """Figures of two Markdown reports that differ: each file is named by a hash of what it
    draws, so another name is another picture. (A PDF's figures are pictures: not read.)"""
    if found.suffix.lower() == ".pdf":
        return []

    def targets(path: Path) -> list[tuple[str, str]]:
        lines = path.read_text(encoding="utf-8").splitlines()
        return [
            (f"line {i}", target)
            for i, line in enumerate(lines, 1)
            for target in _TARGET.findall(line)
        ]

    ours, theirs = targets(expected), targets(found)
    differ = []
    for (_, a), (where, b) in zip(ours, theirs, strict=False):
        if a != b:
            differ.append(Mismatch((a,), (b,), where, "another figure or formula"))
        elif _picture(found.parent, b) not in (None, _picture(expected.parent, a)):
            # the same name (ours: no path from the report is opened), another picture
            differ.append(
                Mismatch(
                    (a,), (b,), where, "the file beside the report is another picture"
                )
            )
    if len(ours) != len(theirs):
        where = theirs[-1][0] if theirs else "the end"
        differ.append(
            Mismatch((f"{len(ours)} pictures",), (f"{len(theirs)}",), where, "")
        )
    return differ


def numbers_of(pages: list[tuple[str, str]]) -> list[Printed]:
    """Every number of ``pages`` in reading order, with where it stands."""
    found = []
    for where, text in pages:
        flat = " ".join(text.split())
        for match in _NUMBER.finditer(flat):
            start, end = max(0, match.start() - _CONTEXT), match.end() + _CONTEXT
            found.append(Printed(match.group(), where, flat[start:end]))
    return found


def mismatches(expected: list[Printed], found: list[Printed]) -> list[Mismatch]:
    """Where the numbers ``found`` in a report differ from those ``expected`` of it."""
    matcher = difflib.SequenceMatcher(
        None, [p.text for p in expected], [p.text for p in found], autojunk=False
    )
    differ = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        at = found[j1] if j1 < len(found) else (found[-1] if found else expected[i1])
        differ.append(
            Mismatch(
                tuple(p.text for p in expected[i1:i2]),
                tuple(p.text for p in found[j1:j2]),
                at.where,
                at.context,
            )
        )
    return differ


def _picture(folder: Path, name: str) -> bytes | None:
    """The bytes of the figure or formula file ``name`` in ``folder``; None when absent
    (a report handed in without its figures), a link or not a file."""
    from reportgen import limits
    from reportgen.safety import read_own_file

    try:
        return read_own_file(folder / name, folder, limits.RECORD_BYTES)
    except (OSError, ValueError):
        return None
