"""Is a PDF up to date? A digest of what it is made from, kept beside it.

Separate from :mod:`reportgen.render.pdf` so that a rebuild whose PDF is current never
imports WeasyPrint (≈ 1 s).
"""

from __future__ import annotations

import typing as t
from pathlib import Path

if t.TYPE_CHECKING:
    from reportgen.staged import StagedFiles


def _inputs_digest(html: str, record: str, base_dir: Path) -> str:
    """sha256 of what a PDF is made from: the HTML, every file it references, the record
    attached to it, WeasyPrint."""
    import hashlib
    import importlib.metadata
    import re

    h = hashlib.sha256(
        importlib.metadata.version("weasyprint").encode() + html.encode()
    )
    h.update(hashlib.sha256(record.encode()).digest())
    root = base_dir.resolve()
    for src in sorted(set(re.findall(r'src="([^"]+)"', html))):
        path = (base_dir / src).resolve()
        # only the report's own files: the PDF's fetcher refuses every other (render.pdf)
        ours = path.is_relative_to(root) and path.is_file()
        h.update(src.encode() + (path.read_bytes() if ours else b"not the report's"))
    return h.hexdigest()


def digest_path(pdf_path: Path) -> Path:
    """Where the digest of ``pdf_path``'s inputs is kept."""
    return pdf_path.with_name(f".{pdf_path.name}.inputs")


def pdf_is_current(pdf_path: Path, html: str, record: str, base_dir: Path) -> bool:
    """True when ``pdf_path`` exists and was made from exactly these inputs."""
    from reportgen import limits
    from reportgen.safety import read_own_file

    try:  # the digest file is data: read without following a link, and bounded
        recorded = read_own_file(digest_path(pdf_path), base_dir, limits.KEY_MAP_BYTES)
    except (OSError, ValueError):
        return False
    current = _inputs_digest(html, record, base_dir).encode()
    return pdf_path.is_file() and recorded == current


def stage_pdf_inputs(
    staged: StagedFiles, pdf_path: Path, html: str, record: str, base_dir: Path
) -> None:
    """Remember what ``pdf_path`` is made from, for :func:`pdf_is_current`, in the same
    unit as the PDF itself."""
    staged.write(digest_path(pdf_path), _inputs_digest(html, record, base_dir))
