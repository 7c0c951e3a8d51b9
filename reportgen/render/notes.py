"""The student's own discussion: a Markdown file, read and checked before any training."""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from reportgen.errors import RenderError


def read_notes(path: Path) -> Markup | None:
    """The notes as Markdown (Markup: inserted as written, sanitised later), or None if absent."""
    if not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise RenderError(
            f"Notes file {path} is not UTF-8 text; save it as UTF-8."
        ) from None
    if "\x00" in text:
        raise RenderError(f"Notes file {path} is binary, not Markdown text.")
    return Markup(text.strip()) if text.strip() else None
