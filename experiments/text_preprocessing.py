"""Text preprocessing (d2l 8.2, 8.3.4): reading The Time Machine, tokens, vocabulary, minibatches.

Counts everything the report's first part states, from the data itself. Run it through a lab:
    reportgen build lab4 --student WA2214014
"""

from __future__ import annotations

import dataclasses
import random

from reportgen import limits
from reportgen.experiment import RunContext, experiment
from reportgen.params import (
    require,
    require_at_least,
    require_at_most,
    require_one_minibatch,
)
from reportgen.paths import DATA_DIR
from reportgen.text.corpus import (
    Vocab,
    load_corpus_time_machine,
    read_time_machine,
    tokenize,
)
from reportgen.text.iterators import seq_data_iter_random, seq_data_iter_sequential


@dataclasses.dataclass(frozen=True)
class Params:
    top_k: int = 10  # most frequent tokens to list
    batch_size: int = 32  # minibatch shape shown for the iterators
    num_steps: int = 35
    max_tokens: int = 10_000  # training prefix used by the lab's models
    toy_length: int = (
        35  # the book's toy sequence 0, 1, …, 34 to show how iterators split
    )
    toy_batch_size: int = 2
    toy_num_steps: int = 5

    def __post_init__(self) -> None:
        require(self.top_k >= 1, f"top_k must be at least 1, got {self.top_k}")
        require_at_least(
            self, 1, "batch_size", "num_steps", "toy_batch_size", "toy_num_steps"
        )
        require_at_most(self, limits.COUNT, "top_k", "toy_length")
        require_at_most(self, limits.BATCH, "batch_size", "toy_batch_size")
        require_at_most(self, limits.STEPS, "num_steps", "toy_num_steps")
        require_at_most(self, limits.TOKENS, "max_tokens")
        require_one_minibatch(self, "max_tokens", "batch_size", "num_steps")
        require_one_minibatch(self, "toy_length", "toy_batch_size", "toy_num_steps")


@experiment("text_preprocessing", params=Params, data=["timemachine.txt"])
def run(p: Params, ctx: RunContext) -> None:
    lines = read_time_machine(DATA_DIR / "timemachine.txt")
    ctx.metric("num_lines", len(lines))
    ctx.sample("first_line", lines[0])

    # word and character tokens, and a vocabulary for each
    for kind in ("word", "char"):
        tokens = tokenize(lines, kind)
        vocab = Vocab(tokens)
        ctx.metric(f"{kind}_tokens", sum(len(line) for line in tokens))
        ctx.metric(f"{kind}_vocab_size", len(vocab))
        ctx.table(
            f"{kind}_top",
            [
                {"token": tok, "freq": freq}
                for tok, freq in vocab.token_freqs[: p.top_k]
            ],
        )

    corpus, vocab = load_corpus_time_machine(DATA_DIR / "timemachine.txt")
    ctx.metric("corpus_length", len(corpus))
    ctx.metric("char_vocab_size_loaded", len(vocab))
    ctx.sample("char_vocab", " ".join(repr(tok) for tok in vocab.idx_to_token))

    # the two iterators on the lab's real training prefix: shapes of one minibatch
    train_corpus = corpus[: p.max_tokens]
    for name, make in (
        ("random", seq_data_iter_random),
        ("sequential", seq_data_iter_sequential),
    ):
        batches = list(
            make(train_corpus, p.batch_size, p.num_steps, random.Random(ctx.seed))
        )
        X, Y = batches[0]
        ctx.metric(f"{name}_num_batches", len(batches))
        ctx.sample(f"{name}_shapes", f"X: {tuple(X.shape)}, Y: {tuple(Y.shape)}")
        # how each iterator splits the toy sequence 0..34 (d2l 8.3.4)
        toy = list(range(p.toy_length))
        rows = []
        for X, Y in make(
            toy, p.toy_batch_size, p.toy_num_steps, random.Random(ctx.seed)
        ):
            rows.append({"X": X.tolist(), "Y": Y.tolist()})
        ctx.table(f"{name}_toy", rows)
