"""What rendering would refuse, found before the first run trains.

A build that trained for minutes and then fails on a formula, a character no font has, a
broken template or a folder where the PDF should go wastes the training; :func:`preflight`
asks every such question of the inputs first. Parameter values are checked earlier still,
by planning (each experiment's ``Params.__post_init__``).
"""

from __future__ import annotations

import html
import html.parser
import typing as t
import urllib.parse
from pathlib import Path

from markupsafe import Markup

from reportgen.errors import RenderError
from reportgen.lab import LabSpec
from reportgen.render.fonts import describe, undrawable
from reportgen.render.report import MATH_DIR
from reportgen.render.templates import check_templates
from reportgen.safety import Roots
from reportgen.staged import require_replaceable
from reportgen.text.corpus_file import checked_corpus

_BOX = "is in none of the installed fonts, so the PDF would print a box"


def preflight(
    lab: LabSpec,
    texts: t.Sequence[tuple[str, str]],
    corpora: t.Sequence[Path],
    notes: tuple[Path, Markup | None],
    out_dir: Path,
    outputs: t.Sequence[Path],
) -> None:
    """Raise a one-line RenderError for the first thing that would fail while rendering.

    ``texts``: what the report prints that is not a result, as (where it came from, text):
    the student's fields by option (``--name``), spec strings, string parameters (see
    :mod:`reportgen.printed`); ``corpora``: the user corpus files the runs read, whose
    names and text the report shows; ``outputs``: the files the report will replace.
    """
    require_replaceable(outputs)
    check_templates(lab.template, f"labs/{lab.path.name}", lab.lang)
    for where, text in texts:
        missing = undrawable(text)
        if missing:
            raise RenderError(
                f"{where}: character {describe(missing[0])} {_BOX}; replace it."
            )
    for path in corpora:
        check_corpus(path, out_dir.parent)
    check_notes(notes, out_dir / MATH_DIR)


def check_corpus(path: Path, build_dir: Path) -> None:
    """Every character of a corpus's file name and text against the fonts: the report
    prints its name, its first characters and text sampled from its characters."""
    corpus = checked_corpus(path, Roots.of(build_dir))
    shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
    missing = undrawable(path.name)
    if missing:
        raise RenderError(
            f"Corpus {shown}: file name: character {describe(missing[0])} {_BOX};"
            " rename the file."
        )
    text = corpus.text
    missing = undrawable("".join(set(text)))  # the distinct characters: one pass
    if missing:
        first = min(text.index(ch) for ch in missing)
        line = text.count("\n", 0, first) + 1
        raise RenderError(
            f"Corpus {shown}, line {line}: character {describe(text[first])} {_BOX};"
            " replace or remove it."
        )


def check_notes(notes: tuple[Path, Markup | None], math_dir: Path) -> None:
    """Convert the notes as the report will: every formula drawn (into ``math_dir``, where
    the report finds it again), every character the text shows checked against the fonts,
    every image checked to be one the PDF may show (a file beside ``math_dir``)."""
    from reportgen.render.markdown import to_html
    from reportgen.render.math import FormulaError

    path, text = notes
    if text is None:
        return
    try:
        body = to_html(str(text), math_dir)
    except FormulaError as exc:
        raise RenderError(
            f"Notes file {path}{_line_of(text, exc.latex.splitlines()[0])}:"
            f" {exc.message}"
        ) from None
    shown = _Shown(body)
    missing = undrawable(shown.text)
    if missing:
        raise RenderError(
            f"Notes file {path}{_line_of(text, missing[0])}: character"
            f" {describe(missing[0])} {_BOX}; replace it."
        )
    for src in shown.images:  # the formulas' too: drawn above, so they are there
        where = f"Notes file {path}{_line_of(text, src) if src else ''}"
        _require_local_image(src, math_dir.parent, where)


def _line_of(text: str, needle: str) -> str:
    """``, line N``: the first line of ``text`` showing ``needle`` (HTML entities read as
    the characters they stand for); empty when no single line does."""
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line or needle in html.unescape(line):
            return f", line {number}"
    return ""


class _Shown(html.parser.HTMLParser):
    """What an HTML fragment shows: its text and the sources of its images."""

    def __init__(self, body: str) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.images: list[str] = []
        self.feed(body)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":  # an address the sanitiser removed (file:, javascript:) is ""
            self.images.append(dict(attrs).get("src") or "")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _require_local_image(src: str, out_dir: Path, where: str) -> None:
    """The PDF's fetcher shows only files inside the report folder (render/pdf.py): any
    other image in the notes would stop the PDF after training."""
    if not src:
        raise RenderError(
            f"{where}: an image's address is not a file inside {out_dir} (file:,"
            " javascript: and other addresses are removed); copy the image there and"
            " give its name, or remove it."
        )
    parts = urllib.parse.urlsplit(src)
    path = (out_dir / urllib.parse.unquote(parts.path)).resolve()
    if parts.scheme or parts.netloc or not parts.path:
        problem = "is not a local file"
    elif not path.is_relative_to(out_dir.resolve()):
        problem = "is outside the report folder"
    elif not path.is_file():
        problem = "does not exist"
    else:
        return
    raise RenderError(
        f"{where}: image {src!r} {problem}; a report shows only files inside {out_dir}:"
        " copy the image there or remove it."
    )
