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
_FORMULA_FILE = re.compile(r"^[0-9a-f]{16}\.svg\Z")


# latex2mathml's exceptions carry no message, only a name; these say it in words
_REASONS = {
    "AssertionError": "an unclosed { or a command missing its argument",
    "NoAvailableTokensError": "a command or ^/_ is missing its argument",
    "MissingSuperScriptOrSubscriptError": "a ^ or _ with nothing after it",
    "MissingEndError": r"a \begin without its \end",
    "ExtraLeftOrMissingRightError": r"a \left without its \right",
}
FORMULA_SHOWN = 60  # characters of a formula an error message quotes


class FormulaError(RenderError):
    """A formula that cannot be drawn; ``latex`` is its source."""

    def __init__(self, latex: str, reason: str) -> None:
        self.latex = latex
        shown = " ".join(latex.split())
        if len(shown) > FORMULA_SHOWN:
            shown = shown[: FORMULA_SHOWN - 1] + "…"
        super().__init__(f"Formula ${shown}$ cannot be drawn: {reason}.")


def _reason(exc: Exception) -> str:
    """What is wrong, in words: the exception's message, or its type's name spelt out."""
    name = type(exc).__name__
    if str(exc).strip():
        return str(exc).strip()
    if name in _REASONS:
        return _REASONS[name]
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", name.removesuffix("Error")).lower()
    return words or name


def formula_svg(latex: str, out_dir: Path, display: bool) -> str:
    """Write the SVG for ``latex`` into ``out_dir`` (if not there yet); return its file name."""
    if _CJK.search(latex):
        raise FormulaError(latex, "it contains Chinese text; put that outside the $…$")
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
        except Exception as exc:  # ziamath and latex2mathml raise many kinds
            raise FormulaError(latex, _reason(exc)) from exc
        out_dir.mkdir(parents=True, exist_ok=True)  # the build checked it is no link
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
