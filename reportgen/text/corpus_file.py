"""Reading a user-supplied corpus: a UTF-8 ``.txt``, or a ``.zip`` holding exactly one ``.txt``.

Every way a file can be unusable is a one-line :class:`CorpusError` that names the file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import zipfile
from pathlib import Path

from reportgen.errors import ReportgenError


class CorpusError(ReportgenError):
    """Raised by corpus reading: the file is missing, empty, not text, or an odd zip."""


@dataclasses.dataclass(frozen=True)
class CorpusFile:
    path: Path
    text: str
    sha256: str  # of the file as given (the zip itself for a zip)
    member: str | None = None  # the .txt inside a zip


def read_corpus_file(path: Path) -> CorpusFile:
    """Read and check a corpus; raises CorpusError with a message a student can act on."""
    if not path.is_file():
        raise CorpusError(f"Corpus {path} does not exist.")
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    member = None
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
            if len(names) != 1:
                raise CorpusError(
                    f"Corpus {path} is a zip with {len(names)} files;"
                    " it must hold exactly one .txt."
                )
            member = names[0]
            raw = archive.read(member)
    if not raw.strip():
        raise CorpusError(f"Corpus {path} is empty.")
    if b"\x00" in raw:
        raise CorpusError(f"Corpus {path} is a binary file, not UTF-8 text.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"Corpus {path} is not UTF-8 (byte {exc.start}); save it as UTF-8 and try again."
        ) from None
    return CorpusFile(path, text, digest, member)
