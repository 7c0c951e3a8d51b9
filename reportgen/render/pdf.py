"""HTML to PDF with WeasyPrint, sandboxed to the report's own folder.

The fetcher serves ``data:`` URLs and files that resolve (after symlinks) inside the report
folder; anything else (http, absolute paths, ``../``) stops the render. A glyph the fonts
cannot draw (WeasyPrint logs ``.notdef glyph rendered``) is an error too: no tofu in a PDF.
"""

from __future__ import annotations

import logging
import urllib.parse
import urllib.request
from pathlib import Path

from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from reportgen.errors import RenderError


class SandboxedFetcher(URLFetcher):
    """Fetch only ``data:`` URLs and files inside ``root``."""

    def __init__(self, root: Path) -> None:
        super().__init__(allowed_protocols={"data", "file"}, fail_on_errors=True)
        self.root = root.resolve()

    def fetch(
        self, url: str, headers: dict[str, str] | None = None
    ) -> URLFetcherResponse:
        scheme = urllib.parse.urlsplit(url).scheme.lower()
        if scheme == "file":
            path = Path(
                urllib.request.url2pathname(urllib.parse.urlsplit(url).path)
            ).resolve()
            if not path.is_relative_to(self.root):
                raise FatalURLFetchingError(
                    f"blocked {url}: outside the report folder {self.root}"
                )
        elif scheme != "data":
            raise FatalURLFetchingError(
                f"blocked {url}: only data: URLs and files in the report folder"
            )
        return super().fetch(url, headers)


class _GlyphWatcher(logging.Handler):
    """Collect WeasyPrint's warnings about missing glyphs and failed resources."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.problems: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if ".notdef" in message or "Failed to load" in message or "blocked" in message:
            self.problems.append(message)


def write_pdf(html: str, base_dir: Path, out_path: Path) -> None:
    """Lay out ``html`` (relative URLs resolve in ``base_dir``); write the PDF to ``out_path``."""
    watcher = _GlyphWatcher()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(watcher)
    try:
        HTML(
            string=html,
            base_url=str(base_dir.resolve()) + "/",
            url_fetcher=SandboxedFetcher(base_dir),
        ).write_pdf(out_path)
    except FatalURLFetchingError as exc:
        raise RenderError(f"PDF rendering refused a resource: {exc}") from None
    finally:
        logger.removeHandler(watcher)
    if watcher.problems:
        out_path.unlink(missing_ok=True)
        raise RenderError(f"PDF rendering failed: {watcher.problems[0]}")


def _inputs_digest(html: str, base_dir: Path) -> str:
    """sha256 of what a PDF is made from: the HTML, every file it references, WeasyPrint."""
    import hashlib
    import importlib.metadata
    import re

    h = hashlib.sha256(
        importlib.metadata.version("weasyprint").encode() + html.encode()
    )
    for src in sorted(set(re.findall(r'src="([^"]+)"', html))):
        path = base_dir / src
        h.update(src.encode() + (path.read_bytes() if path.is_file() else b"missing"))
    return h.hexdigest()


def _digest_path(pdf_path: Path) -> Path:
    return pdf_path.with_name(f".{pdf_path.name}.inputs")


def pdf_is_current(pdf_path: Path, html: str, base_dir: Path) -> bool:
    """True when ``pdf_path`` exists and was made from exactly these inputs."""
    digest = _digest_path(pdf_path)
    return (
        pdf_path.is_file()
        and digest.is_file()
        and digest.read_text(encoding="utf-8") == _inputs_digest(html, base_dir)
    )


def record_pdf_inputs(pdf_path: Path, html: str, base_dir: Path) -> None:
    """Remember what ``pdf_path`` was made from, for :func:`pdf_is_current`."""
    from reportgen.store import write_atomic

    write_atomic(_digest_path(pdf_path), _inputs_digest(html, base_dir))
