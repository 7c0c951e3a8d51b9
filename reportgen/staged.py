"""Files replaced as one unit: the report's files (.md, and .pdf, .html, .docx as asked) and
its manifest are all new or all old.

Each file is written to a hidden temp file beside its target; only when every one of them
is written does :meth:`StagedFiles.commit` rename them into place, in the order they were
staged (the manifest last). A failure before that removes the temp files and leaves every
target as it was. Renames cannot be made atomic together: a process killed during the
commit's few renames can leave a mix, and its temp files go at the next build's orphan
clean-up.
"""

from __future__ import annotations

import os
import stat
import typing as t
from pathlib import Path

from reportgen.errors import RenderError
from reportgen.store import temp_beside


def require_replaceable(targets: t.Iterable[Path]) -> None:
    """Each target must be absent, a file or a symlink (a rename replaces the link, not
    what it points to); a folder or a device in its place is a one-line RenderError."""
    for target in targets:
        try:
            mode = os.lstat(target).st_mode
        except FileNotFoundError:
            continue
        if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
            kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
            raise RenderError(
                f"Cannot write {target}: it is {kind}; move it away and build again."
            )


class StagedFiles:
    """Temp files waiting to replace their targets together (a context manager: whatever is
    not committed when the block ends is removed)."""

    def __init__(self) -> None:
        self._temps: dict[Path, Path] = {}  # target -> its temp file, in staging order
        self._after: list[t.Callable[[], None]] = []

    def temp_for(self, target: Path) -> Path:
        """A new empty temp file for ``target``, for a writer that wants a path."""
        fd, tmp = temp_beside(target)
        os.close(fd)
        if target in self._temps:  # staged again: the newer content wins
            self._temps.pop(target).unlink(missing_ok=True)
        self._temps[target] = Path(tmp)
        return Path(tmp)

    def write(self, target: Path, data: str | bytes) -> None:
        """Stage ``data`` (text as UTF-8) as the new content of ``target``."""
        self.temp_for(target).write_bytes(
            data.encode("utf-8") if isinstance(data, str) else data
        )

    def after_commit(self, action: t.Callable[[], None]) -> None:
        """Run ``action`` once the files are in place (e.g. delete what they replaced)."""
        self._after.append(action)

    def commit(self) -> None:
        """Rename every staged file into place, after flushing each to the disk."""
        require_replaceable(self._temps)
        for tmp in self._temps.values():
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
        while self._temps:
            target = next(iter(self._temps))
            os.replace(self._temps.pop(target), target)
        for action in self._after:
            action()

    def discard(self) -> None:
        """Remove the temp files not committed."""
        for tmp in self._temps.values():
            tmp.unlink(missing_ok=True)
        self._temps.clear()

    def __enter__(self) -> StagedFiles:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()
