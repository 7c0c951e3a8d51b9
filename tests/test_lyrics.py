"""The lyrics lab: which corpus it trained on (user file, known course corpus, or the shipped
public-domain one), samples every pred_period epochs, and `check` after a --corpus build."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from conftest import QuickLab, invoke, pdf_text, quick_build_of

from reportgen.paths import DATA_DIR
from reportgen.store import Store
from reportgen.text.corpus_file import (
    KNOWN_CORPORA,
    KnownCorpus,
    identify,
    read_corpus_file,
)

# made up for the tests: never the copyrighted course corpus
LYRICS = "\n".join(
    [
        "想要有直升机 想要和你飞到宇宙去",
        "分开的时候 不分开的理由",
        "我不要再想 我不要再想",
    ]
    * 60
)


def lyrics_results(build_dir: Path) -> list:  # noqa: ANN401
    store = Store(build_dir / "cache")
    return [
        r for k in store.keys() if (r := store.load(k)) and r.experiment == "lyrics"
    ]


def test_known_corpora_are_the_published_checksums() -> None:
    sources = (DATA_DIR / "SOURCES.md").read_text(encoding="utf-8")
    for corpus in KNOWN_CORPORA:
        for digest in corpus.sha256:
            assert digest in sources
        if corpus.git_blob:
            assert corpus.git_blob in sources


def test_a_zip_is_recognised_by_the_file_or_by_its_member(tmp_path: Path) -> None:
    member = LYRICS.encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lyrics.txt", member)
    (tmp_path / "c.zip").write_bytes(buffer.getvalue())
    (tmp_path / "c.txt").write_bytes(member)
    zipped, plain = (
        read_corpus_file(tmp_path / "c.zip"),
        read_corpus_file(tmp_path / "c.txt"),
    )
    by_member = [KnownCorpus("course", sha256=(hashlib.sha256(member).hexdigest(),))]
    by_zip = [
        KnownCorpus("course", sha256=(hashlib.sha256(buffer.getvalue()).hexdigest(),))
    ]
    assert identify(zipped, by_member) == identify(plain, by_member) == "course"
    assert identify(zipped, by_zip) == "course" and identify(plain, by_zip) is None
    assert identify(plain) is None  # not the course corpus


def test_quick_build_on_a_user_zip_then_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the project folder, where the corpus is
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("my_lyrics.txt", LYRICS.encode())
    corpus = tmp_path / "my_lyrics.zip"
    corpus.write_bytes(buffer.getvalue())
    build_dir = tmp_path / "build"
    quick_build_of("lyrics", build_dir, "--corpus", str(corpus))
    text = pdf_text(next((build_dir / "lyrics").glob("*-Lab-8-preview.pdf")))
    assert "my_lyrics.zip" in text and "不一致" in text
    results = lyrics_results(build_dir)
    assert {r.params["use_random_iter"] for r in results} == {True, False}
    for r in results:
        assert r.metrics["corpus_user_supplied"] == 1
        assert (
            r.metrics["corpus_sha256"]
            == hashlib.sha256(corpus.read_bytes()).hexdigest()
        )
        epochs = [row["epoch"] for row in r.tables["samples_by_epoch"]]
        assert epochs == [3, 3, 6, 6]  # quick profile: pred_period 3, 6 epochs
        for row in r.tables["samples_by_epoch"]:
            assert row["text"].startswith(row["prefix"])
            assert len(row["text"]) == len(row["prefix"]) + r.params["pred_len"]
        flat = "".join(text.split())
        assert "".join(r.tables["samples_by_epoch"][-1]["text"].split())[:12] in flat
    # the check re-plans with the same corpus: nothing is stale
    checked = invoke(
        "check", "lyrics", "--student", "WA2214014", "--build-dir", str(build_dir)
    )
    assert "stale" not in checked.output, checked.output
    corpus.unlink()
    gone = invoke(
        "check", "lyrics", "--student", "WA2214014", "--build-dir", str(build_dir)
    )
    assert gone.exit_code == 1 and "is gone" in gone.output


def test_without_a_corpus_the_report_says_it_used_the_public_domain_one(
    quick_lab: QuickLab,
) -> None:
    build_dir, _ = quick_lab("lyrics")
    text = pdf_text(next((build_dir / "lyrics").glob("*-Lab-8-preview.pdf")))
    assert "本次训练没有使用课程原始语料" in text and "tangshi.txt" in text
    (r, _) = lyrics_results(build_dir)
    assert (
        r.metrics["corpus_name"] == "tangshi.txt"
        and r.metrics["corpus_user_supplied"] == 0
    )
