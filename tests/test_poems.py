"""Poem corpora, batches, generation and layout for the tangshi lab; a quick build of it."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import torch
from conftest import pdf_text, quick_build_of

from reportgen.lang import lang
from reportgen.paths import DATA_DIR
from reportgen.store import Store
from reportgen.text.corpus import Vocab
from reportgen.text.poems import (
    END,
    START,
    clauses,
    clean,
    encode,
    poem_batches,
    poem_vocab,
    read_blank_line_poems,
    read_chinese_poetry,
    read_title_content_poems,
)
from reportgen.train.sampling import Sampling, generate
from reportgen.views.verse import lay_out

ZH = lang("zh")


def test_course_file_poems_and_cleaning() -> None:
    poems = read_blank_line_poems(
        (DATA_DIR / "tangshi.txt").read_text(encoding="utf-8")
    )
    assert len(poems) == 168  # blank-line separated (data/SOURCES.md)
    assert poems[0].startswith("巴山上峡重复重，阳台碧峭十二峰。")
    corpus = clean(poems, 5, 80)
    assert (corpus.read, len(corpus.poems)) == (168, 118)
    assert all(5 <= len(p) <= 80 for p in corpus.poems)
    assert sum(count for _, count in corpus.length_histogram()) == 118
    vocab = poem_vocab(corpus.poems)
    assert vocab.idx_to_token[:4] == ["<unk>", "<pad>", START, END]
    assert len(vocab) == 4 + len(set("".join(corpus.poems)))


def test_title_content_format_and_markup_filter() -> None:
    text = "静夜思:床前明月光，疑是地上霜。\n坏行没有冒号\n注:（注释）不要\n短:一二\n"
    poems = read_title_content_poems(text)
    assert poems == ["床前明月光，疑是地上霜。", "（注释）不要", "一二"]
    assert clean(poems, 5, 80).poems == ["床前明月光，疑是地上霜。"]


def test_chinese_poetry_is_read_in_simplified_characters() -> None:
    paths = sorted((DATA_DIR / "chinese-poetry").glob("*.json"))
    poems = read_chinese_poetry(paths)
    assert len(poems) > 5000
    text = "".join(poems)
    assert (
        "红" in text and "紅" not in text
    )  # OpenCC t2s: the begin character 红 exists
    assert (
        "秦川雄帝宅，函谷壮皇居。"
        in poems[next(i for i, p in enumerate(poems) if p.startswith("秦川"))]
    )


def test_batches_cover_every_poem_once_shifted_and_padded() -> None:
    poems = [
        "白日依山尽，黄河入海流。",
        "春眠不觉晓。",
        "床前明月光，疑是地上霜。举头望明月。",
    ]
    vocab = poem_vocab(poems)
    encoded = encode(poems, vocab)
    assert [len(p) for p in encoded] == sorted(len(p) for p in encoded)
    pad = vocab.token_to_idx["<pad>"]
    seen = []
    for X, Y in poem_batches(encoded, 2, pad, random.Random(0)):
        assert X.shape == Y.shape
        assert torch.equal(X[:, 1:], Y[:, :-1])  # Y is X one step ahead
        for x, y in zip(X.tolist(), Y.tolist(), strict=True):
            real = [t for t in [x[0], *y] if t != pad]
            seen.append("".join(vocab.to_tokens(real)))
    assert sorted(seen) == sorted(START + p + END for p in poems)


class Bigram(torch.nn.Module):
    """A tiny model whose next-token scores depend only on the current token."""

    def __init__(self, vocab_size: int) -> None:
        super().__init__()
        self.table = torch.nn.Embedding(vocab_size, vocab_size)

    def begin_state(self, batch_size: int, device: torch.device) -> torch.Tensor:
        return torch.zeros(batch_size, device=device)

    def forward(self, X: torch.Tensor, state: torch.Tensor):  # noqa: ANN201
        return self.table(X.T).reshape(-1, self.table.num_embeddings), state


def test_generation_is_seeded_stops_at_end_and_never_writes_banned_tokens() -> None:
    vocab = Vocab(list("GE日月山，。"), reserved_tokens=["<pad>"])
    torch.manual_seed(0)
    net = Bigram(len(vocab))
    cpu = torch.device("cpu")
    hot = Sampling(temperature=5.0, seed=3)
    first = generate(
        net, vocab, "G日", 200, cpu, hot, stop="E", never=["<unk>", "<pad>", "G"]
    )
    again = generate(
        net, vocab, "G日", 200, cpu, hot, stop="E", never=["<unk>", "<pad>", "G"]
    )
    assert first == again  # same seed, same poem
    assert first.startswith("G日") and "G" not in first[1:]
    assert "<pad>" not in first and "<unk>" not in first
    assert first.endswith("E") or len(first) == 2 + 200
    assert first.count("E") <= 1
    other = generate(net, vocab, "G日", 200, cpu, Sampling(5.0, seed=4), stop="E")
    greedy = generate(net, vocab, "G日", 5, cpu)
    ids = vocab.indices("G日")
    for _ in range(5):  # greedy: the highest score after the current token, every time
        ids.append(int(net.table.weight[ids[-1]].argmax()))
    expected = "".join(vocab.to_tokens(ids))
    assert greedy == expected
    assert other != first or len(first) < 4  # another seed draws another text


def test_poem_layout_and_form() -> None:
    jueju = lay_out("白日依山尽，黄河入海流。欲穷千里目，更上一层楼。E")
    assert jueju.lines == ["白日依山尽，黄河入海流。", "欲穷千里目，更上一层楼。"]
    assert (jueju.form(ZH), jueju.finished) == ("五言绝句", True)
    lvshi = lay_out("一二三四五六七，一二三四五六七。" * 4 + "E")
    assert lvshi.form(ZH) == "七言律诗"
    assert lay_out("山来苏，草宰复越。E").form(ZH) == "杂言"
    cut = lay_out("月落辕门鼓角鸣，千群面")
    assert (cut.lines, cut.finished) == (["月落辕门鼓角鸣，千群面"], False)
    assert clauses("白日依山尽，黄河入海流。E") == ["白日依山尽", "黄河入海流"]


POEMS_TXT = "\n".join(
    f"诗{i}:{a}，{b}。{c}，{d}。"
    for i, (a, b, c, d) in enumerate(
        [
            ("白日依山尽", "黄河入海流", "欲穷千里目", "更上一层楼"),
            ("红豆生南国", "春来发几枝", "愿君多采撷", "此物最相思"),
            ("山中相送罢", "日暮掩柴扉", "春草明年绿", "王孙归不归"),
            ("夜来风雨声", "花落知多少", "湖上春来早", "海上明月生"),
        ]
        * 3
    )
)


def test_quick_build_on_a_user_poem_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the project folder, where the corpus is
    corpus = tmp_path / "poems.txt"
    corpus.write_text(POEMS_TXT, encoding="utf-8")
    build_dir = tmp_path / "build"
    quick_build_of("tangshi", build_dir, "--corpus", str(corpus))
    pdf = next((build_dir / "tangshi").glob("*-Lab-7-preview.pdf"))
    text = pdf_text(pdf)
    assert "poems.txt（用户提供）" in text
    assert "读入诗数" in text and "「日」" in text and "「月」" in text
    assert "RNN、LSTM 与 GRU 的比较" in text
    store = Store(build_dir / "cache")
    results = [
        r for k in store.keys() if (r := store.load(k)) and r.experiment == "tangshi"
    ]
    assert {r.params["cell"] for r in results} == {"lstm", "gru", "rnn"}
    lstm = next(r for r in results if r.params["cell"] == "lstm")
    assert lstm.metrics["poems"] == 12 and lstm.metrics["vocab_size"] > 4
    markdown = next((build_dir / "tangshi").glob("*-Lab-7-preview.md")).read_text(
        encoding="utf-8"
    )
    for (
        poem
    ) in lstm.samples.values():  # every generated poem is in the report, line by line
        for line in lay_out(poem).lines:
            assert line + "  \n" in markdown or line + "\n{: .poem }" in markdown
