"""The HTML report: one self-contained file, readable on a phone and printable.

It is the HTML the PDF is made from (sanitised body, report.css), plus screen rules
(templates/report-screen.css), a visible quick-profile banner, and every image inlined as a
``data:`` URI. Images are read only from inside the report folder, as the PDF's fetcher
(reportgen.render.pdf.SandboxedFetcher) allows; the file fetches nothing when opened.
"""

from __future__ import annotations

import base64
import re
import typing as t
from pathlib import Path

from reportgen.errors import RenderError

MEDIA_TYPES = {
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
}
MAX_IMAGE_BYTES = 64 * 2**20
_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]*)(")')


def inline_images(
    html: str,
    base_dir: Path,
    before_file: t.Callable[[Path], None] = lambda path: None,
) -> str:
    """``html`` with each ``<img src>`` that names a file of ``base_dir`` replaced by a
    ``data:`` URI; any other source (a URL, a path out of the folder) is a RenderError."""
    cache: dict[str, str] = {}  # a formula used twice is read once

    def data_uri(src: str) -> str:
        if src.startswith("data:"):
            return src
        if src not in cache:
            data, media = read_image(src, base_dir, before_file)
            cache[src] = f"data:{media};base64,{base64.b64encode(data).decode()}"
        return cache[src]

    return replace_images(html, data_uri)


def replace_images(html: str, new_src: t.Callable[[str], str]) -> str:
    """``html`` with the ``src`` of every ``<img>`` replaced by ``new_src(src)``."""
    import html as html_lib

    def replaced(match: re.Match[str]) -> str:
        src = new_src(html_lib.unescape(match.group(2)))
        return match.group(1) + html_lib.escape(src) + match.group(3)

    return _SRC.sub(replaced, html)


def read_image(
    src: str,
    base_dir: Path,
    before_file: t.Callable[[Path], None] = lambda path: None,
) -> tuple[bytes, str]:
    """The bytes and media type of the image ``src`` of ``base_dir``: a file inside it, read
    as reportgen reads its own data (no link out, a regular file, bounded)."""
    from reportgen.safety import read_own_file

    path = base_dir / src
    media = MEDIA_TYPES.get(path.suffix.lower())
    if "://" in src or src.startswith("data:") or media is None:
        raise RenderError(f"Cannot use the image {src!r} in a report file.")
    before_file(path.resolve())
    try:
        data = read_own_file(path, base_dir, MAX_IMAGE_BYTES)
    except (OSError, ValueError) as exc:
        raise RenderError(f"Cannot use the image {src!r}: {exc}.") from None
    wrong = _content_problem(data, media)
    if wrong:
        raise RenderError(f"Cannot use the image {src!r}: {wrong}.")
    return data, media


# what each kind of image file starts with (an SVG is text, checked by _SVG_ACTIVE)
_SIGNATURES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
}
# what would make an SVG more than a picture where a viewer runs it (a browser opening it
# alone, an editor): scripts, event handlers, links to anything but its own parts (#id)
# (a DTD's internal subset could define entities that expand to any of these, or explode)
_SVG_ACTIVE = re.compile(
    rb"<script|<foreignObject|javascript:|\son[a-z]+\s*=|href\s*=\s*[\"'](?!#)"
    rb"|<!ENTITY|<!DOCTYPE[^>]*\[",
    re.I,
)


def _content_problem(data: bytes, media: str) -> str | None:
    """Why ``data`` is not a plain image of ``media`` (None when it is one): an image is
    data, inlined into the HTML and the Word file as it is."""
    if media == "image/svg+xml":
        if _SVG_ACTIVE.search(data):
            return "an SVG with a script, an event handler or a link is refused"
        return None
    if not data.startswith(_SIGNATURES[media]):
        return f"its bytes are not a {media.removeprefix('image/').upper()} image"
    return None


def screen_css() -> str:
    """The screen rules added to the PDF's stylesheet."""
    from reportgen.paths import TEMPLATES_DIR

    return (TEMPLATES_DIR / "report-screen.css").read_text(encoding="utf-8")
