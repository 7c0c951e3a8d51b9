"""Reading a user-supplied corpus: a UTF-8 ``.txt``, or a ``.zip`` holding exactly one ``.txt``.

Every way a file can be unusable is a one-line :class:`CorpusError` that names the file.
A file whose checksums match a published course corpus (:data:`KNOWN_CORPORA`, facts from
data/SOURCES.md) is recognised, so a report can say which corpus it was trained on.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import lzma
import struct
import typing as t
import zipfile
import zlib
from pathlib import Path

from reportgen import limits
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
    """Read and check a corpus; raises CorpusError with a message a student can act on.

    At most :data:`limits.CORPUS_BYTES` are read: a larger file is refused by its size, a
    zip member by its declared size and, since a zip can lie about that, by reading one
    byte more than the limit at most.
    """
    if not path.is_file():
        raise CorpusError(f"Corpus {path} does not exist.")
    try:
        raw = limits.read_bounded(
            lambda: open(path, "rb"), path.stat().st_size, limits.CORPUS_BYTES
        )
    except OSError as exc:
        raise CorpusError(f"Corpus {path} cannot be read: {exc.strerror}.") from None
    except limits.OverLimit as exc:
        raise _too_large(path, exc.size, "is") from None
    digest = hashlib.sha256(raw).hexdigest()
    member = None
    if raw.startswith(b"PK\x03\x04") or zipfile.is_zipfile(io.BytesIO(raw)):
        member, raw = _read_zip_member(path, raw)
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


# what a damaged zip raises: bad CRC, truncated or corrupt deflate/bzip2/lzma streams,
# unknown compression methods, malformed headers and names
_ZIP_DAMAGE = (
    zipfile.BadZipFile,
    RuntimeError,
    EOFError,
    OSError,
    ValueError,
    struct.error,
    zlib.error,
    lzma.LZMAError,
)


def _read_zip_member(path: Path, raw: bytes) -> tuple[str, bytes]:
    """The one file of a zip and its bytes, read with the size limit; damage is a CorpusError."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
            if len(infos) != 1:
                raise CorpusError(
                    f"Corpus {path} is a zip with {len(infos)} files;"
                    " it must hold exactly one .txt."
                )
            info = infos[0]
            if info.flag_bits & 0x1:
                raise CorpusError(
                    f"Corpus {path} is an encrypted zip; unzip it and pass the .txt."
                )
            try:
                text = limits.read_bounded(
                    lambda: archive.open(info), info.file_size, limits.CORPUS_BYTES
                )
            except NotImplementedError:
                raise CorpusError(
                    f"Corpus {path} is compressed with method {info.compress_type},"
                    " which reportgen cannot unpack; zip it again (deflate) or pass the .txt."
                ) from None
            except limits.OverLimit as exc:
                raise _too_large(
                    path, exc.size, f"holds {info.filename}, which is"
                ) from None
            return info.filename, text
    except _ZIP_DAMAGE as exc:
        reason = str(exc) or type(exc).__name__  # a truncated stream: EOFError()
        raise CorpusError(
            f"Corpus {path} is a damaged zip ({reason}); zip it again or pass the .txt."
        ) from None


def _too_large(path: Path, size: int, what: str) -> CorpusError:
    return CorpusError(
        f"Corpus {path} {what} {size / limits.MIB:.1f} MiB; the limit is"
        f" {limits.CORPUS_BYTES // limits.MIB} MiB of text (reportgen.limits.CORPUS_BYTES)."
    )


def checked_corpus(path: Path, roots: Roots) -> CorpusFile:
    """A user's corpus file: inside ``roots`` once links are resolved, then read and checked."""
    try:
        resolved = input_file(path, "Corpus", roots)
    except FileNotFoundError:
        raise CorpusError(f"Corpus {path} does not exist.") from None
    return read_corpus_file(resolved)
