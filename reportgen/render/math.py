"""Formulas: LaTeX to SVG with ziamath (pure Python, ships its own STIX Two Math font).

WeasyPrint renders neither MathML nor MathJax, so each formula becomes an SVG file named by
the hash of its source, written once and reused by later builds.
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


def formula_svg(latex: str, out_dir: Path, display: bool) -> str:
    """Write the SVG for ``latex`` into ``out_dir`` (if not there yet); return its file name."""
    if _CJK.search(latex):
        raise RenderError(
            f"Formula {latex!r} contains Chinese text; put it outside the $…$."
        )
    digest = hashlib.sha256(f"{display}:{latex}".encode()).hexdigest()[:16]
    path = out_dir / f"{digest}.svg"
    if not path.exists():
        import ziamath

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
        out_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(path, svg)
    return path.name
