"""``build --strict`` that refuses to write a course report also withdraws the earlier one.

Otherwise the PDF of the last build would still lie under the name a submission has,
looking like the report the student just asked for. (A preview has a name of its own,
``…-preview``, that no submission has: a refused preview leaves the earlier one.)
Only a report reportgen built goes: its PDF carries reportgen's record, or its Markdown has
one beside it (reportgen.record); then every file of that report goes with it, each at a
name a build gives (reportgen.render.report.report_files).
A file under such a name that carries no record is not reportgen's and is left alone.
"""

from __future__ import annotations

import logging
import typing as t
from pathlib import Path

from reportgen.errors import ReportgenError

log = logging.getLogger(__name__)


def withdraw_report(files: t.Mapping[str, Path]) -> list[Path]:
    """Delete the report whose files (by format, as ``report_files`` names them) are
    ``files``, where it is one reportgen built; the paths deleted."""
    from reportgen.record import read_record

    def built_by_reportgen(path: Path | None) -> bool:
        if path is None or not path.is_file():
            return False
        try:
            read_record(path)
        except (ReportgenError, OSError):
            return False
        return True

    if not (built_by_reportgen(files.get("pdf")) or built_by_reportgen(files.get("md"))):
        return []
    removed = []
    for path in files.values():
        if path.is_file() and not path.is_symlink():
            path.unlink()
            removed.append(path)
    return removed
