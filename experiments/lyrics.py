"""Lyrics generation with an RNN from scratch (d2l-zh v1 6.4), on a user's corpus or a shipped one.

The course corpus (d2l-zh v1's Jay Chou lyrics) is copyrighted, so it is never shipped: pass
your copy with ``--corpus``. Without it the lab trains on the public-domain Tang poems of
data/tangshi.txt and the report says so.
    reportgen build lyrics --student WA2214014 --corpus jaychou_lyrics.txt.zip
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from reportgen import limits
from reportgen.experiment import RunContext, experiment
from reportgen.models.rnn_scratch import RNNScratch
from reportgen.params import require, require_at_most, require_temperature
from reportgen.paths import DATA_DIR
from reportgen.text.corpus import load_corpus_chars
from reportgen.text.corpus_file import identify, read_corpus_file
from reportgen.train.language_model import LMParams, train_language_model
from reportgen.train.sampling import Sampling

DEFAULT_CORPUS = "tangshi.txt"  # public domain (data/SOURCES.md)
PREFIXES = ("分开", "不分开")  # the course's prefixes


@dataclasses.dataclass(frozen=True)
class Params(LMParams):
    # d2l-zh v1 6.4: hidden 256, 250 epochs, lr 100 with clipping θ = 0.01
    num_epochs: int = 250
    lr: float = 100.0
    clip_theta: float = 0.01
    corpus: str = ""  # --corpus: a UTF-8 .txt or a zip holding one; empty: tangshi.txt
    pred_period: int = 50  # continue the prefixes every this many epochs
    pred_len: int = 50  # characters generated after each prefix
    temperature: float = (
        0.8  # sampling temperature; 0: most likely character (as the book)
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        require(
            self.pred_period >= 1,
            f"pred_period must be at least 1, got {self.pred_period}",
        )
        require(self.pred_len >= 1, f"pred_len must be at least 1, got {self.pred_len}")
        require_temperature(self.temperature)
        require_at_most(self, limits.COUNT, "pred_period", "pred_len")
        require(
            not self.corpus or Path(self.corpus).is_file(),
            f"corpus {self.corpus!r} is not a file; pass your corpus with --corpus PATH",
        )

    def corpus_file(self) -> str | None:
        """The user's file ``corpus`` names, or None for the shipped default (the planner
        checks the file like ``--corpus``, and its content enters the run key)."""
        return self.corpus or None


@experiment("lyrics", params=Params, data=[DEFAULT_CORPUS])
def run(p: Params, ctx: RunContext) -> None:
    corpus_file = read_corpus_file(
        Path(p.corpus) if p.corpus else DATA_DIR / DEFAULT_CORPUS
    )
    ctx.metric("corpus_name", corpus_file.path.name)
    ctx.metric("corpus_sha256", corpus_file.sha256)
    ctx.metric("corpus_user_supplied", int(bool(p.corpus)))
    ctx.metric("corpus_known_as", identify(corpus_file) or "")
    ctx.metric("corpus_chars", len(corpus_file.text))
    corpus, vocab = load_corpus_chars(corpus_file.text, p.max_tokens)
    ctx.metric("vocab_size", len(vocab))
    ctx.sample("corpus_head", "".join(vocab.to_tokens(corpus[:60])))
    net = RNNScratch(len(vocab), p.num_hiddens).to(ctx.device)
    train_language_model(
        net,
        corpus,
        vocab,
        p,
        ctx,
        prefixes=PREFIXES,
        num_preds=p.pred_len,
        sampling=Sampling(p.temperature, seed=ctx.seed),
        sample_every=p.pred_period,
    )
