"""The report's file formats, as ``build --format`` and reportgen.toml name them.

The Markdown is written whatever is asked (reportgen.render.report.report_files says why), so
every parsed list holds "md"; the others are written only when named.
"""

from __future__ import annotations

import typing as t

FORMATS = ("md", "pdf", "html", "docx")
DEFAULT_FORMATS = ("md", "pdf")


def parse_formats(values: t.Iterable[str]) -> tuple[str, ...]:
    """``["md,pdf", "html"]`` -> ("md", "pdf", "html"), in FORMATS order, "md" included.

    Raises ValueError naming the first value that is not a format."""
    named = {"md"}
    for value in values:
        for part in value.split(","):
            kind = part.strip().lower()
            if kind not in FORMATS:
                raise ValueError(
                    f"{part.strip()!r} is not a format: use {', '.join(FORMATS)}"
                    " (several: a comma list or the option again)."
                )
            named.add(kind)
    return tuple(kind for kind in FORMATS if kind in named)
