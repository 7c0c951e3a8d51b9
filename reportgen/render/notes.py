"""The student's own discussion: a Markdown file, read and checked before any training."""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from reportgen.errors import RenderError
from reportgen.safety import Roots, input_file

MAX_NOTES_BYTES = 256 * 2**10  # a course discussion is a few KiB


def read_notes(path: Path, roots: Roots) -> Markup | None:
    """The notes as Markdown (Markup: inserted as written, sanitised later), or None if absent.

    The file must lie inside ``roots`` once links are resolved (docs/security.md).
    """
    try:
        text = input_file(path, "Notes file", roots, MAX_NOTES_BYTES).read_text(
            encoding="utf-8"
        )
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise RenderError(
            f"Notes file {path} is not UTF-8 text; save it as UTF-8."
        ) from None
    if "\x00" in text:
        raise RenderError(f"Notes file {path} is binary, not Markdown text.")
    return Markup(text.strip()) if text.strip() else None
