"""The one line for a file the build could not write: which file, why, and what is kept.

A full disk (or quota) is said in so many words: torch's own message for it is
``unexpected pos …``, and a write error alone names no file. Every file a build writes goes
through :func:`reportgen.store.write_atomic_with`, whose errors name the file.
"""

from __future__ import annotations

import errno
from pathlib import Path

from reportgen.errors import ReportgenError
from reportgen.safety import temp_target

DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
TRAINING_KEPT = (
    "Finished runs stay stored, the unfinished run resumes from its last checkpoint, and"
    " the previous report is intact."
)
REPORT_KEPT = "Every run is stored, and no report file is left half-written."


class CannotWrite(ReportgenError):
    """Raised when a build cannot write one of its files (disk full, read-only, …)."""


def cannot_write(exc: OSError, where: Path, kept: str) -> CannotWrite:
    """The error for ``exc``, naming its file (else ``where``) and, if the disk is full,
    what ``kept`` says survives."""
    path = temp_target(Path(exc.filename)) if exc.filename else where
    if exc.errno in DISK_FULL:
        return CannotWrite(
            f"The disk is full: cannot write {path}. {kept} Free some space and run the"
            " same command again."
        )
    return CannotWrite(f"Cannot write {path}: {exc.strerror or exc}.")
