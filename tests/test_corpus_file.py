"""User-supplied corpora: good files load, every bad one is a one-line error."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

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
