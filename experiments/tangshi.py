"""Tang-poetry generation (nndl chapter 6 exercise): Embedding → 2-layer LSTM → Linear → LogSoftmax.

Poems are wrapped in a start token G and an end token E and learnt character by character;
a poem is generated from G and a begin character until the model writes E. The same model
with a GRU or a vanilla RNN layer gives the lab's cell comparison. e.g.:
    reportgen build tangshi --student WA2214014 --set tangshi.corpus=chinese-poetry
"""

from __future__ import annotations

import dataclasses
import typing as t
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from reportgen import limits
from reportgen.experiment import RunContext, experiment
from reportgen.params import (
    require,
    require_at_least,
    require_at_most,
    require_temperature,
)
from reportgen.paths import DATA_DIR
from reportgen.text.corpus_file import identify, read_corpus_file
from reportgen.text.poems import (
    END,
    PAD,
    START,
    PoemCorpus,
    clauses,
    clean,
    encode,
    poem_vocab,
    read_blank_line_poems,
    read_chinese_poetry,
    read_title_content_poems,
)
from reportgen.train.language_model import State
from reportgen.train.poem_model import PoemTrainParams, train_poem_model
from reportgen.train.sampling import Sampling, generate

Cell = t.Literal["rnn", "gru", "lstm"]
CELLS: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
NAMED_CORPORA = ("tangshi", "chinese-poetry")  # shipped under data/ (data/SOURCES.md)
CHINESE_POETRY = [
    f"chinese-poetry/{name}.json"
    for name in ("tangshi300", *(f"poet.tang.{n}" for n in range(0, 5000, 1000)))
]


@dataclasses.dataclass(frozen=True)
class Params(PoemTrainParams):
    # "tangshi" (data/tangshi.txt, the course file), "chinese-poetry" (the shipped Tang
    # subset), or a path to a poems.txt-style file (--corpus)
    corpus: str = "tangshi"
    cell: Cell = "lstm"  # recurrent layer: "lstm" (the course's), "gru" or "rnn"
    embedding_dim: int = (
        100  # the homework's sizes: embedding 100, hidden 128, 2 layers
    )
    num_hiddens: int = 128
    num_layers: int = 2
    min_chars: int = 5  # the homework keeps poems of 5 … 80 characters
    max_chars: int = 80
    begin_chars: str = "日红山夜湖海月"  # one poem generated from each
    temperature: float = (
        0.8  # sampling temperature; 0: always the most likely character
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        require_at_least(
            self, 1, "embedding_dim", "num_hiddens", "num_layers", "min_chars"
        )
        require_at_most(self, limits.HIDDENS, "embedding_dim", "num_hiddens")
        require_at_most(self, limits.LAYERS, "num_layers")
        require_at_most(self, limits.STEPS, "min_chars", "max_chars")
        require(
            self.max_chars >= self.min_chars,
            f"max_chars ({self.max_chars}) must be at least min_chars ({self.min_chars})",
        )
        require(bool(self.begin_chars), "begin_chars must hold at least one character")
        require_temperature(self.temperature)
        require(
            self.corpus in NAMED_CORPORA or Path(self.corpus).is_file(),
            f"corpus must be {' or '.join(NAMED_CORPORA)} or a poem file (--corpus),"
            f" got {self.corpus!r}",
        )

    def corpus_file(self) -> str | None:
        """The user's file ``corpus`` names, or None for a shipped corpus (the planner
        checks the file like ``--corpus``, and its content enters the run key)."""
        return None if self.corpus in NAMED_CORPORA else self.corpus


class PoemModel(nn.Module):
    """Embedding → recurrent layers → Linear → LogSoftmax over the character vocabulary."""

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int,
        num_hiddens: int,
        num_layers: int,
        cell: Cell,
    ) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.rnn = CELLS[cell](embedding_dim, num_hiddens, num_layers)
        self.linear = nn.Linear(num_hiddens, vocab_size)

    def begin_state(self, batch_size: int, device: torch.device) -> State:
        shape = (self.rnn.num_layers, batch_size, self.rnn.hidden_size)
        zeros = torch.zeros(shape, device=device)
        return (zeros, zeros.clone()) if isinstance(self.rnn, nn.LSTM) else zeros

    def forward(self, X: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        embedded = self.embedding(X.T)  # time-major: (steps, batch, embedding_dim)
        Y, state = self.rnn(embedded, state)  # (steps, batch, num_hiddens)
        scores = self.linear(Y.reshape(-1, Y.shape[-1]))  # (steps * batch, vocab)
        return F.log_softmax(scores, dim=-1), state  # log-probabilities for NLLLoss


def read_poems(corpus: str) -> tuple[list[str], str]:
    """The poems of ``corpus`` and where they came from (a line for the report)."""
    if corpus == "tangshi":
        text = (DATA_DIR / "tangshi.txt").read_text(encoding="utf-8")
        return read_blank_line_poems(text), "tangshi.txt（nndl 课程作业文件，简体）"
    if corpus == "chinese-poetry":
        poems = read_chinese_poetry([DATA_DIR / name for name in CHINESE_POETRY])
        return poems, "chinese-poetry 全唐诗子集（MIT 许可，繁体经 OpenCC 转为简体）"
    user_file = read_corpus_file(Path(corpus))
    known = identify(user_file)
    source = f"{user_file.path.name}（用户提供" + (
        f"，与{known}一致）" if known else "）"
    )
    if ":" in user_file.text.split("\n", 1)[0]:
        return read_title_content_poems(user_file.text), source
    return read_blank_line_poems(user_file.text), source


def record_corpus(
    corpus: PoemCorpus, source: str, vocab_size: int, ctx: RunContext
) -> None:
    ctx.metric("corpus", source)
    ctx.metric("poems_read", corpus.read)
    ctx.metric("poems", len(corpus.poems))
    ctx.metric("chars", corpus.num_chars)
    ctx.metric("vocab_size", vocab_size)
    for low, count in corpus.length_histogram():
        ctx.log("poem_length", low, count)


@experiment("tangshi", params=Params, data=["tangshi.txt", *CHINESE_POETRY])
def run(p: Params, ctx: RunContext) -> None:
    poems, source = read_poems(p.corpus)
    corpus = clean(poems, p.min_chars, p.max_chars)
    vocab = poem_vocab(corpus.poems)
    record_corpus(corpus, source, len(vocab), ctx)
    net = PoemModel(len(vocab), p.embedding_dim, p.num_hiddens, p.num_layers, p.cell)
    net = net.to(ctx.device)
    pad_id = vocab.token_to_idx[PAD]
    train_poem_model(net, encode(corpus.poems, vocab), pad_id, p, ctx)
    sampling = Sampling(p.temperature, seed=ctx.seed)
    # a generated clause found verbatim in the corpus was memorised rather than composed
    known = {c for poem in corpus.poems for c in clauses(poem)}
    generated = []
    for begin in p.begin_chars:
        poem = generate(
            net,
            vocab,
            START + begin,
            p.max_chars,
            torch.device(ctx.device),
            sampling,
            stop=END,
            never=["<unk>", PAD, START],
        )
        poem = poem.removeprefix(START)
        ctx.sample(begin, poem)
        parts = clauses(poem)
        copied = sum(c in known for c in parts)
        generated.append({"begin": begin, "clauses": len(parts), "copied": copied})
    ctx.table("generated", generated)
