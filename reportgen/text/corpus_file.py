"""Reading a user-supplied corpus: a UTF-8 ``.txt``, or a ``.zip`` holding exactly one ``.txt``.

Every way a file can be unusable is a one-line :class:`CorpusError` that names the file.
A file whose checksums match a published course corpus (:data:`KNOWN_CORPORA`, facts from
data/SOURCES.md) is recognised, so a report can say which corpus it was trained on.
"""

from __future__ import annotations

import dataclasses
import hashlib
import typing as t
import zipfile
from pathlib import Path

from reportgen.errors import ReportgenError
from reportgen.safety import Roots, input_file


class CorpusError(ReportgenError):
    """Raised by corpus reading: the file is missing, empty, not text, or an odd zip."""


@dataclasses.dataclass(frozen=True)
class CorpusFile:
    path: Path
    text: str
    sha256: str  # of the file as given (the zip itself for a zip)
    text_sha256: str  # of the text's bytes (the member's, for a zip)
    git_blob: str  # `git hash-object` of the text's bytes
    member: str | None = None  # the .txt inside a zip


@dataclasses.dataclass(frozen=True)
class KnownCorpus:
    """A published corpus, known by any of its checksums."""

    name: str
    sha256: tuple[str, ...] = ()  # of the file (zip) or of the text
    git_blob: str | None = None


KNOWN_CORPORA = (
    KnownCorpus(
        "d2l-zh v1 周杰伦歌词语料 jaychou_lyrics.txt(.zip)",
        sha256=(
            "3cfedd7d174111cdad5a27eaffaa6a2432a2842cf2590a03dd8a97610ea07043",  # zip
            "f0cab49f5d00e736c7201a0e2aa9c8dd72da1940c9491b309e4cc657be0faa48",  # txt
        ),
    ),
    KnownCorpus(
        "nndl 作业默认语料 poems.txt",
        git_blob="54f26ca3137309652337fc0ad11728a1495d7c6c",
    ),
)


def identify(
    corpus: CorpusFile, known: t.Sequence[KnownCorpus] = KNOWN_CORPORA
) -> str | None:
    """The name of the published corpus this file is byte for byte, or None."""
    for candidate in known:
        if {corpus.sha256, corpus.text_sha256} & set(candidate.sha256):
            return candidate.name
        if candidate.git_blob == corpus.git_blob:
            return candidate.name
    return None


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
    blob = hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()
    return CorpusFile(path, text, digest, hashlib.sha256(raw).hexdigest(), blob, member)


MAX_CORPUS_BYTES = 64 * 2**20  # the course corpora are under 1 MiB


def checked_corpus(path: Path, roots: Roots) -> CorpusFile:
    """A user's corpus file: inside ``roots`` once links are resolved, then read and checked."""
    try:
        resolved = input_file(path, "Corpus", roots, MAX_CORPUS_BYTES)
    except FileNotFoundError:
        raise CorpusError(f"Corpus {path} does not exist.") from None
    return read_corpus_file(resolved)
