"""HTML to PDF with WeasyPrint, sandboxed to the report's own folder.

The fetcher serves ``data:`` URLs and files that resolve (after symlinks) inside the report
folder; anything else (http, absolute paths, ``../``) stops the render. A glyph the fonts
cannot draw (WeasyPrint logs ``.notdef glyph rendered``) is an error too: no tofu in a PDF.
"""

from __future__ import annotations

import logging
import typing as t
import urllib.parse
import urllib.request
from pathlib import Path

from weasyprint import HTML, Attachment
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from reportgen.errors import RenderError
from reportgen.store import write_atomic_with


class SandboxedFetcher(URLFetcher):
    """Fetch only ``data:`` URLs and files inside ``root``."""

    def __init__(
        self, root: Path, before_file: t.Callable[[Path], None] = lambda path: None
    ) -> None:
        super().__init__(allowed_protocols={"data", "file"}, fail_on_errors=True)
        self.root = root.resolve()
        self.before_file = before_file  # e.g. wait until a figure is drawn

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
            self.before_file(path)
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


def write_pdf(
    html: str,
    base_dir: Path,
    out_path: Path,
    before_file: t.Callable[[Path], None] = lambda path: None,
    record: str | None = None,
) -> None:
    """Lay out ``html`` (relative URLs resolve in ``base_dir``); write the PDF to ``out_path``.

    ``before_file(path)`` runs before WeasyPrint reads a file, e.g. to wait for a figure;
    ``record`` (the report's record, reportgen.record) is attached to the PDF as a file.
    """
    from reportgen.record import ATTACHMENT

    attachments = (
        []
        if record is None
        else [
            Attachment(
                string=record,
                name=ATTACHMENT,
                description="reportgen: what this report was built from",
            )
        ]
    )
    watcher = _GlyphWatcher()
    logger = logging.getLogger("weasyprint")

    def lay_out(file: t.BinaryIO) -> None:
        HTML(
            string=html,
            base_url=str(base_dir.resolve()) + "/",
            url_fetcher=SandboxedFetcher(base_dir, before_file),
        ).write_pdf(file, attachments=attachments)
        if watcher.problems:
            raise RenderError(f"PDF rendering failed: {watcher.problems[0]}")

    logger.addHandler(watcher)
    try:
        write_atomic_with(out_path, lay_out)  # a failed PDF never replaces the last one
    except FatalURLFetchingError as exc:
        raise RenderError(f"PDF rendering refused a resource: {exc}") from None
    finally:
        logger.removeHandler(watcher)
