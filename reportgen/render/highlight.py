"""Code listings' highlighting: a span only where the report's CSS gives a token a colour.

Pygments' HTML formatter wraps every token in a span, names and punctuation included: about
six spans a line. WeasyPrint lays out each span as an inline box, and the listings were
three quarters of a report's layout time. Tokens whose class report.css does not colour
become plain text here, and neighbouring plain tokens merge into one text run, so a listing
keeps its look with a fifth of the spans.
"""

from __future__ import annotations

import typing as t

from pygments.formatters.html import HtmlFormatter
from pygments.token import STANDARD_TYPES, Token, _TokenType

# The token classes report.css colours (".codehilite .k" …); a test keeps the two in step.
COLOURED_CLASSES = frozenset(
    {"c", "c1", "cm", "sd", "k", "kn", "kd", "ow", "nf", "nc", "s", "s1", "s2"}
    | {"mi", "mf", "nd"}
)


def _coloured(ttype: _TokenType) -> bool:
    """Whether ``ttype`` (or the nearest standard type above it) has a coloured class."""
    while ttype not in STANDARD_TYPES:
        ttype = ttype.parent
    return STANDARD_TYPES[ttype] in COLOURED_CLASSES


class ListingFormatter(HtmlFormatter):
    """Pygments' HTML formatter, emitting spans for coloured tokens only."""

    def format_unencoded(
        self, tokensource: t.Iterable[tuple[_TokenType, str]], outfile: t.IO[str]
    ) -> None:
        plain = (
            (tt if _coloured(tt) else Token.Text, text) for tt, text in tokensource
        )
        super().format_unencoded(plain, outfile)
