"""Formulas: LaTeX to SVG with ziamath (pure Python, ships its own STIX Two Math font).

WeasyPrint renders neither MathML nor MathJax, so each formula becomes an SVG file named by
the hash of its source and of how it is drawn, written once and reused by later builds.
The SVG is SVG 1.1 (every glyph an inline path, no ``<symbol>``/``<use>``): WeasyPrint draws
it faster, 0.3 s less per lab4 re-render for the same picture (docs/performance.md).
Keep Chinese out of formulas: ziamath cannot read the CJK .ttc fonts and would draw boxes.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from reportgen.errors import RenderError
from reportgen.store import write_atomic

# ziamath spaces '\tanh(' and a leading '-' oddly; these rewrites give the book's look
_REWRITES = [(re.compile(r"\\tanh\b"), r"\\operatorname{tanh}")]
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
# how formulas are drawn is part of their files' names: a new way of drawing, new files
_DRAWING = "ziamath svg1.1"
_FORMULA_FILE = re.compile(r"^[0-9a-f]{16}\.svg$")


def formula_svg(latex: str, out_dir: Path, display: bool) -> str:
    """Write the SVG for ``latex`` into ``out_dir`` (if not there yet); return its file name."""
    if _CJK.search(latex):
        raise RenderError(
            f"Formula {latex!r} contains Chinese text; put it outside the $…$."
        )
    digest = hashlib.sha256(f"{_DRAWING}:{display}:{latex}".encode()).hexdigest()[:16]
    path = out_dir / f"{digest}.svg"
    if not path.exists():
        import ziamath

        ziamath.config.svg2 = False  # type: ignore[attr-defined]  # inline glyph paths
        source = latex
        for pattern, replacement in _REWRITES:
            source = pattern.sub(replacement, source)
        try:
            svg = ziamath.Latex(  # type: ignore[attr-defined]
                source, size=15 if display else 13
            ).svg()
        except Exception as exc:
            raise RenderError(
                f"Formula {latex!r} could not be rendered: {exc}"
            ) from exc
        write_atomic(path, svg)
    return path.name


def prune_formulas(out_dir: Path, html: str) -> None:
    """Delete the formula files in ``out_dir`` that ``html`` no longer shows (only names
    :func:`formula_svg` gives; other files are left alone)."""
    for path in out_dir.iterdir():
        if (
            _FORMULA_FILE.match(path.name)
            and f'src="{out_dir.name}/{path.name}"' not in html
        ):
            path.unlink()  # a link goes, never what it points to
