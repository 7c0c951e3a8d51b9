"""User-supplied corpora: good files load, every bad one is a one-line error."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen import limits
from reportgen.cli import main
from reportgen.text.corpus_file import CorpusError, read_corpus_file


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_txt_and_single_member_zip_load(tmp_path: Path) -> None:
    txt = tmp_path / "lyrics.txt"
    txt.write_text("想要有直升机\n想要和你飞到宇宙去\n", encoding="utf-8")
    assert read_corpus_file(txt).text.startswith("想要有直升机")
    zipped = read_corpus_file(
        make_zip(tmp_path / "l.zip", {"lyrics.txt": txt.read_bytes()})
    )
    assert zipped.member == "lyrics.txt" and "宇宙" in zipped.text


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "nope.txt", "does not exist."),
        (lambda d: (d / "e.txt").write_bytes(b"  \n") and d / "e.txt", "is empty."),
        (
            lambda d: (d / "g.txt").write_bytes("歌词".encode("gbk")) and d / "g.txt",
            "is not UTF-8 (byte 0); save it as UTF-8 and try again.",
        ),
        (
            lambda d: (
                (d / "b.txt").write_bytes(b"PK\x00\x01\x02binary") and d / "b.txt"
            ),
            "is a binary file, not UTF-8 text.",
        ),
        (
            lambda d: make_zip(d / "z0.zip", {}),
            "is a zip with 0 files; it must hold exactly one .txt.",
        ),
        (
            lambda d: make_zip(d / "z2.zip", {"a.txt": b"a", "b.txt": b"b"}),
            "is a zip with 2 files; it must hold exactly one .txt.",
        ),
    ],
)
def test_bad_corpora_fail_with_one_line(tmp_path: Path, make, message: str) -> None:  # noqa: ANN001
    path = make(tmp_path)
    with pytest.raises(CorpusError) as exc:
        read_corpus_file(path)
    assert exc.value.message == f"Corpus {path} {message}"


# Damaged and oversized zips, built for real: a zip's fields patched at their offsets
# (local header: flags at 6, method at 8; central directory entry: flags at 8, method at 10)
TEXT = "想要有直升机 想要和你飞到宇宙去\n".encode() * 200


def zipped(text: bytes = TEXT) -> bytearray:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("lyrics.txt", text)
    return bytearray(buffer.getvalue())


def central(raw: bytearray) -> int:
    return raw.rfind(b"PK\x01\x02")


def encrypted() -> bytearray:
    raw = zipped()
    raw[6] |= 1
    raw[central(raw) + 8] |= 1
    return raw


def bad_crc() -> bytearray:
    raw = zipped()
    struct.pack_into("<I", raw, central(raw) + 16, 0xDEADBEEF)
    return raw


def unknown_method() -> bytearray:
    raw = zipped()
    struct.pack_into("<H", raw, 8, 99)
    struct.pack_into("<H", raw, central(raw) + 10, 99)
    return raw


def truncated_deflate() -> bytearray:
    """The member's compressed data cut in half, the directory after it still intact."""
    raw = zipped(bytes(range(256)) * 200)
    cd = central(raw)
    size = struct.unpack_from("<I", raw, cd + 20)[0]
    start = 30 + len("lyrics.txt")
    cut = size // 2
    raw = raw[: start + cut] + raw[start + size :]
    end = raw.rfind(b"PK\x05\x06")
    offset = struct.unpack_from("<I", raw, end + 16)[0]
    struct.pack_into("<I", raw, end + 16, offset - (size - cut))
    return raw


def corrupt_deflate() -> bytearray:
    raw = zipped()
    raw[30 + len("lyrics.txt") : 40 + len("lyrics.txt")] = b"\xff" * 10
    return raw


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (encrypted, "is an encrypted zip; unzip it and pass the .txt."),
        (
            bad_crc,
            "is a damaged zip (Bad CRC-32 for file 'lyrics.txt'); zip it again or pass"
            " the .txt.",
        ),
        (
            unknown_method,
            "is compressed with method 99, which reportgen cannot unpack; zip it again"
            " (deflate) or pass the .txt.",
        ),
        (
            truncated_deflate,
            "is a damaged zip (EOFError); zip it again or pass the .txt.",
        ),
        (lambda: zipped()[:-10], "is a damaged zip ("),
        (corrupt_deflate, "is a damaged zip (Error -3 while decompressing data"),
    ],
)
def test_damaged_zips_fail_with_one_line(tmp_path: Path, make, message: str) -> None:  # noqa: ANN001
    path = tmp_path / "lyrics.zip"
    path.write_bytes(make())
    with pytest.raises(CorpusError) as exc:
        read_corpus_file(path)
    assert exc.value.message.startswith(f"Corpus {path} {message}")
    assert "\n" not in exc.value.message


LIMIT = "the limit is 32 MiB of text (reportgen.limits.CORPUS_BYTES)."


def refusal(path: Path) -> str:
    """The one line reading ``path`` as a corpus ends in."""
    with pytest.raises(CorpusError) as exc:
        read_corpus_file(path)
    return exc.value.message


def test_a_zip_bomb_is_refused_by_its_declared_size(tmp_path: Path) -> None:
    """~33 KB on disk, one byte over the limit unpacked: refused without unpacking it."""
    path = tmp_path / "bomb.zip"
    path.write_bytes(zipped(b"\n" * (limits.CORPUS_BYTES + 1)))
    assert path.stat().st_size < limits.CORPUS_BYTES // 100
    assert (
        refusal(path) == f"Corpus {path} holds lyrics.txt, which is 32.0 MiB; {LIMIT}"
    )


def test_a_file_over_the_limit_is_refused_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with open(path, "wb") as f:  # sparse: takes no disk space
        f.truncate(6 * 2**30)
    assert refusal(path) == f"Corpus {path} is 6144.0 MiB; {LIMIT}"


def test_a_corpus_at_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"a" * limits.CORPUS_BYTES)
    assert len(read_corpus_file(path).text) == limits.CORPUS_BYTES


def test_status_refuses_a_zip_bomb_corpus_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the project folder, where the corpus is
    path = tmp_path / "bomb.zip"
    path.write_bytes(zipped(b"\n" * (limits.CORPUS_BYTES + 1)))
    result = CliRunner().invoke(main, ["status", "lyrics", "--corpus", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "holds lyrics.txt, which is 32.0 MiB; the limit is 32 MiB" in result.output


def test_a_corpus_is_hashed_without_holding_it_whole(tmp_path: Path) -> None:
    """`status` and `check` hash the corpus for run keys: in chunks, not the whole file."""
    import hashlib
    import tracemalloc

    from reportgen.store import sha256_file

    path = tmp_path / "big.txt"
    path.write_bytes(b"a" * (16 * limits.MIB))
    tracemalloc.start()
    digest = sha256_file(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
    assert peak < limits.MIB
