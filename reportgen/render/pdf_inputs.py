"""Is a PDF up to date? A digest of what it is made from, kept beside it.

Separate from :mod:`reportgen.render.pdf` so that a rebuild whose PDF is current never
imports WeasyPrint (≈ 1 s).
"""

from __future__ import annotations

from pathlib import Path


def _inputs_digest(html: str, base_dir: Path) -> str:
    """sha256 of what a PDF is made from: the HTML, every file it references, WeasyPrint."""
    import hashlib
    import importlib.metadata
    import re

    h = hashlib.sha256(
        importlib.metadata.version("weasyprint").encode() + html.encode()
    )
    root = base_dir.resolve()
    for src in sorted(set(re.findall(r'src="([^"]+)"', html))):
        path = (base_dir / src).resolve()
        # only the report's own files: the PDF's fetcher refuses every other (render.pdf)
        ours = path.is_relative_to(root) and path.is_file()
        h.update(src.encode() + (path.read_bytes() if ours else b"not the report's"))
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
