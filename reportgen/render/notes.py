"""The student's own discussion: a Markdown file, read and checked before any training.

Beyond being UTF-8 text, the notes must stay within what Markdown and WeasyPrint handle in
bounded time and stack (reportgen.limits): a size, a paragraph length, a number of ``[``
per paragraph (python-markdown's link patterns rescan the rest of a paragraph from every
``[``, so an unclosed run of them takes minutes), a number of ``` fences and ``$$`` marks
(each opening one is matched by scanning ahead), and a nesting depth (WeasyPrint lays out
nested boxes recursively). Code between ``` fences is exempt from the paragraph limits.
"""

from __future__ import annotations

import re
import typing as t
from pathlib import Path

from markdown.extensions.fenced_code import FencedBlockPreprocessor
from markupsafe import Markup

from reportgen import limits
from reportgen.errors import RenderError
from reportgen.safety import Roots, input_file

# a '[' that Markdown reads as one: not escaped by a backslash (itself not escaped)
_BRACKET = re.compile(r"(?<!\\)(?:\\\\)*\[")
# marks whose blocks python-markdown and the formula preprocessor find by scanning ahead
# for the closing mark, from every opening one: ``` / ~~~ fences, and $$
_BLOCK_MARKS = {
    "``` or ~~~ fence": re.compile(r"^(?:`{3,}|~{3,})", re.M),
    "$$": re.compile(r"\$\$"),
}
# the quote markers and list markers that open a line, and the indent before each
_NESTING = re.compile(r"(?:[ \t]*(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t])))*[ \t]*")


# the places left to write in notes made by ``reportgen init`` (templates/notes.md.j2)
UNFINISHED_MARKS = ("【待填写】", "[TO BE WRITTEN]")


def unfinished(text: str) -> bool:
    """Whether the notes still hold a place left to write (:data:`UNFINISHED_MARKS`)."""
    return any(mark in text for mark in UNFINISHED_MARKS)


def has_discussion(notes: str | None) -> bool:
    """Notes (as :func:`read_notes` gives them) that are a discussion to hand in: present
    and with no place left to write."""
    return notes is not None and not unfinished(notes)


def read_notes(path: Path, roots: Roots) -> Markup | None:
    """The notes as Markdown (Markup: inserted as written, sanitised later), or None if absent.

    The file must lie inside ``roots`` once links are resolved (docs/security.md).
    """
    try:
        resolved = input_file(path, "Notes file", roots)
        raw = limits.read_bounded(
            lambda: open(resolved, "rb"), resolved.stat().st_size, limits.NOTES_BYTES
        )
    except FileNotFoundError:
        return None
    except limits.OverLimit as exc:
        raise RenderError(
            f"Notes file {path} is {exc.size // 1024} KB; the limit is"
            f" {limits.NOTES_BYTES // 1024} KB (reportgen.limits.NOTES_BYTES)."
        ) from None
    except OSError as exc:
        raise RenderError(
            f"Notes file {path} cannot be read: {exc.strerror}."
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RenderError(
            f"Notes file {path} is not UTF-8 text; save it as UTF-8."
        ) from None
    if "\x00" in text:
        raise RenderError(f"Notes file {path} is binary, not Markdown text.")
    check_shape(path, text)
    return Markup(text.strip()) if text.strip() else None


def check_shape(path: Path, text: str) -> None:
    """Refuse notes beyond the paragraph and nesting limits, naming the file and line."""
    from reportgen.render.markdown import depth

    def fail(line: int, problem: str) -> t.NoReturn:
        raise RenderError(f"Notes file {path}, line {line}: {problem}.")

    for name, mark in _BLOCK_MARKS.items():
        for count, found in enumerate(mark.finditer(text), start=1):
            if count > limits.NOTES_BLOCK_MARKS:
                fail(
                    text.count("\n", 0, found.start()) + 1,
                    f"more than {limits.NOTES_BLOCK_MARKS} {name} marks"
                    " (reportgen.limits.NOTES_BLOCK_MARKS)",
                )

    prose = FencedBlockPreprocessor.FENCED_BLOCK_RE.sub(
        lambda m: "\n" * m.group(0).count("\n"), text.replace("\r\n", "\n")
    )  # fenced code blanked out, line numbers kept
    for start, paragraph in _paragraphs(prose):
        if len(paragraph) > limits.NOTES_PARAGRAPH_CHARS:
            fail(
                start,
                f"a paragraph of {len(paragraph)} characters; at most"
                f" {limits.NOTES_PARAGRAPH_CHARS} are allowed"
                " (reportgen.limits.NOTES_PARAGRAPH_CHARS): add blank lines",
            )
        brackets = len(_BRACKET.findall(paragraph))
        if brackets > limits.NOTES_BRACKETS:
            fail(
                start,
                f"a paragraph holds {brackets} '['; at most"
                f" {limits.NOTES_BRACKETS} are allowed (reportgen.limits.NOTES_BRACKETS):"
                " write them as \\[, put code between ``` fences, or split the paragraph",
            )
        for offset, line in enumerate(paragraph.split("\n")):
            prefix = _NESTING.match(line)
            assert prefix is not None  # the pattern matches the empty string
            markers = len(re.findall(r">|[-*+\d]+", prefix.group()))
            levels = max(markers, len(prefix.group().expandtabs(4)) // 4)
            if levels > limits.NOTES_NESTING:
                fail(
                    start + offset,
                    f"block quotes or lists nested {levels} levels deep; at most"
                    f" {limits.NOTES_NESTING} are allowed (reportgen.limits.NOTES_NESTING)",
                )
    try:
        deepest = depth(text)
    except RecursionError:
        deepest = limits.HTML_DEPTH + 1
    if deepest > limits.HTML_DEPTH:
        raise RenderError(
            f"Notes file {path} nests its Markdown (quotes, lists, emphasis, links)"
            f" {deepest} levels deep; at most {limits.HTML_DEPTH} are allowed"
            " (reportgen.limits.HTML_DEPTH)."
        )


def _paragraphs(text: str) -> list[tuple[int, str]]:
    """(first line number, text) of each run of non-blank lines."""
    found: list[tuple[int, str]] = []
    lines: list[str] = []
    start = 0
    for number, line in enumerate([*text.split("\n"), ""], start=1):
        if line.strip():
            if not lines:
                start = number
            lines.append(line)
        elif lines:
            found.append((start, "\n".join(lines)))
            lines = []
    return found
