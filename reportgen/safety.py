"""Where reportgen may read, write and delete, and which text may reach a file name.

The threat model is docs/security.md: a student's own files, and a teaching assistant building
a folder a student handed in. Input files (notes, corpora, lab specs) are read only from inside
the *allowed roots* — the project folder (the folder reportgen runs from) and the build folder
— after every symbolic link is resolved. Inside the build folder reportgen writes only into
folders it made itself (never through a link), and deletes only files it names itself.

Every check here ends in one :class:`UnsafeInput` line that names the path or field.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
import stat
import unicodedata
from pathlib import Path

from reportgen.errors import ReportgenError

BUILD_MARKER = ".reportgen-build"  # written into every build folder reportgen makes
# a folder of builds from before the marker existed holds reportgen's cache folder
_LEGACY_BUILD = "cache"


class UnsafeInput(ReportgenError):
    """Raised for a path outside the allowed roots, a link out of the build folder, a foreign
    folder as build folder, or a text field that could spoof a file name."""


@dataclasses.dataclass(frozen=True)
class Roots:
    """The folders input files may come from, resolved (symlinks followed)."""

    folders: tuple[Path, ...]

    @classmethod
    def of(cls, *folders: Path) -> Roots:
        """The project folder (the working directory) and ``folders`` (e.g. the build folder)."""
        return cls(tuple(p.resolve() for p in (Path.cwd(), *folders)))

    def describe(self) -> str:
        return " or ".join(str(p) for p in self.folders)


def input_file(path: Path, what: str, roots: Roots) -> Path:
    """``path`` resolved, checked to be a regular file inside ``roots``; raises UnsafeInput
    (outside, not a file) or FileNotFoundError (absent). Callers read it with a size limit
    (:func:`reportgen.limits.read_bounded`)."""
    shown = printable_path(path, what)
    resolved = path.resolve()
    if not any(resolved.is_relative_to(root) for root in roots.folders):
        via = f" (a link to {resolved})" if resolved != path.absolute() else ""
        raise UnsafeInput(
            f"{what} {shown}{via} is outside the project folder: reportgen reads input"
            f" files only from {roots.describe()}. Copy the file into your project folder."
        )
    if not stat.S_ISREG(resolved.stat().st_mode):  # FileNotFoundError: "missing"
        raise UnsafeInput(f"{what} {shown} is not a regular file.")
    return resolved


def read_own_file(path: Path, root: Path, max_bytes: int) -> bytes:
    """The bytes of a file reportgen wrote under ``root`` (a cache entry, a plan, a manifest).

    Raises FileNotFoundError when it is absent and ValueError (a damaged entry) when it is a
    link out of ``root``, not a regular file, or larger than ``max_bytes``.
    """
    if not path.resolve().is_relative_to(root.resolve()):
        raise ValueError(f"a link out of {root}")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except IsADirectoryError:
        raise ValueError("a folder, not a file") from None
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(exc.strerror or str(exc)) from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("not a regular file")
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"larger than {max_bytes / 2**20:g} MiB")
    return data


def own_dir(root: Path, *parts: str) -> Path:
    """``root/parts…``, each folder made if absent; a link or a file in the way is refused.

    ``root`` itself is the build folder, checked once by :func:`claim_build_dir`.
    """
    folder = root
    for part in parts:
        folder = folder / part
        if folder.is_symlink():
            raise UnsafeInput(
                f"{folder} is a symbolic link; reportgen never writes through a link in"
                " its build folder. Remove the link and build again."
            )
        try:
            folder.mkdir(exist_ok=True)
        except FileExistsError:
            raise UnsafeInput(
                f"{folder} is in the way: reportgen needs a folder there. Remove it and"
                " build again."
            ) from None
    return folder


def _earlier_build(build_dir: Path) -> bool:
    """Whether ``build_dir`` has the layout of an earlier version's build folder, made
    before the marker: a ``cache`` folder holding ``latest/`` or a result under a run key
    (a folder merely named ``cache`` is common in projects)."""
    from reportgen.store import KEY, RESULT_FILE  # the store imports this module

    cache = build_dir / _LEGACY_BUILD
    if cache.is_symlink() or not cache.is_dir():
        return False
    if (cache / "latest").is_dir():
        return True
    return any(
        KEY.match(entry.name) and (entry / RESULT_FILE).is_file()
        for entry in itertools.islice(cache.iterdir(), 10_000)
    )


def claim_build_dir(build_dir: Path) -> None:
    """Make sure ``build_dir`` is a folder reportgen may fill and clean, and mark it.

    Accepted: a new or empty folder, one with reportgen's marker file, or a build folder of
    an earlier version (see :func:`_earlier_build`). Refused: a link, a file, any other folder —
    reportgen deletes what it left half-written below its build folder, and must not do that
    in a folder of someone's documents.
    """
    shown = printable_path(build_dir, "--build-dir")
    if build_dir.is_symlink():
        raise UnsafeInput(
            f"The build folder {shown} is a symbolic link; pass the folder it points to"
            " with --build-dir."
        )
    if build_dir.exists() and not build_dir.is_dir():
        raise UnsafeInput(f"The build folder {shown} is a file, not a folder.")
    marker = build_dir / BUILD_MARKER
    if build_dir.is_dir() and not marker.is_file():
        empty = next(build_dir.iterdir(), None) is None
        legacy = _earlier_build(build_dir)
        if not empty and not legacy:
            raise UnsafeInput(
                f"{shown} is not a reportgen build folder (it holds other files, and no"
                f" {BUILD_MARKER}); pass a new or empty folder with --build-dir."
            )
    build_dir.mkdir(parents=True, exist_ok=True)
    if marker.is_symlink() or (marker.exists() and not marker.is_file()):
        raise UnsafeInput(
            f"{marker} is not reportgen's marker file (a link, or not a file); remove it"
            " and build again."
        )
    if (
        not marker.exists()
    ):  # O_EXCL | O_NOFOLLOW: never through a link planted meanwhile
        fd = os.open(
            marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644
        )
        with os.fdopen(fd, "w") as f:
            f.write("reportgen build folder: reportgen may clean what it made here\n")


# Unicode categories that must never reach a file name or a header field: controls (Cc),
# format characters (Cf: bidi overrides, zero-width spaces), surrogates (Cs: bytes that were
# not UTF-8 on the command line), private use (Co) and unassigned code points (Cn).
_REFUSED_CATEGORIES = {
    "Cc": "a control character",
    "Cf": "an invisible formatting character",
    "Cs": "bytes that are not UTF-8",
    "Co": "a private-use character",
    "Cn": "an unassigned code point",
}


# Letters and symbols that print as nothing (Hangul fillers, the blank braille pattern):
# a name of them looks empty in the header and the file name, yet is not.
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Combining marks on one character: Vietnamese stacks two; more only hides text ("zalgo").
COMBINING_MARKS = 4


def refused_character(text: str) -> str | None:
    """What is wrong with the first refused character of ``text``, or None."""
    marks = 0
    for ch in text:
        problem = _refused(ch)
        if problem is not None:
            return f"{problem} ({_code_point(ch)})"
        marks = marks + 1 if unicodedata.combining(ch) else 0
        if marks > COMBINING_MARKS:
            return f"more than {COMBINING_MARKS} combining marks on one character"
    return None


def _refused(ch: str) -> str | None:
    if ch in _BLANK_LOOKING:
        return "a character that prints as nothing"
    return _REFUSED_CATEGORIES.get(unicodedata.category(ch))


def escaped(text: str) -> str:
    """``text`` quoted, with each refused character escaped (``'杨\\x07跃浙'``)."""
    return "'" + "".join(ascii(ch)[1:-1] if _refused(ch) else ch for ch in text) + "'"


def refusal(text: str) -> str | None:
    """``text`` quoted and what is wrong with it, for an error line (``'杨\\x07跃浙'
    contains a control character (U+0007)``); None when nothing is."""
    problem = refused_character(text)
    return None if problem is None else f"{escaped(text)} contains {problem}"


def printable_path(path: Path | str, what: str) -> str:
    """``path`` as text; a path whose name is not UTF-8 (or has controls) is refused."""
    text = str(path)
    refused = refusal(text)
    if refused is not None:
        raise UnsafeInput(f"{what} {refused}; rename it with plain UTF-8 characters.")
    return text


def _code_point(ch: str) -> str:
    if 0xDC80 <= ord(ch) <= 0xDCFF:  # surrogateescape: the byte that was not UTF-8
        return f"byte 0x{ord(ch) - 0xDC00:02x}"
    return f"U+{ord(ch):04X}"


# reportgen's own temporary files: '.<name>.<8 random>.reportgen.tmp' (see store.write_atomic)
TEMP_SUFFIX = ".reportgen.tmp"
_OWN_TEMP = re.compile(r"^\..+\.[a-z0-9_]{8}" + re.escape(TEMP_SUFFIX) + r"\Z")


def is_own_temp(name: str) -> bool:
    """Whether ``name`` is a temporary file reportgen's atomic writes make."""
    return _OWN_TEMP.match(name) is not None


def temp_target(path: Path) -> Path:
    """The file a temporary file of reportgen's stands for (``path`` itself otherwise)."""
    if not is_own_temp(path.name):
        return path
    return path.with_name(path.name[1:].rsplit(".", 3)[0])


def remove_orphans(build_dir: Path) -> int:
    """Delete reportgen's own temporary files left below ``build_dir``; return how many.

    Only files named like :func:`is_own_temp`, in real folders (links are not followed).
    """
    removed = 0
    for folder, subfolders, files in os.walk(build_dir, followlinks=False):
        subfolders[:] = [d for d in subfolders if not (Path(folder) / d).is_symlink()]
        for name in files:
            path = Path(folder) / name
            if is_own_temp(name) and not path.is_symlink():
                path.unlink(missing_ok=True)
                removed += 1
    return removed
