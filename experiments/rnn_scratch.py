"""RNN from scratch (d2l 8.5): a one-layer tanh RNN on The Time Machine, characters as tokens.

Run it through a lab, e.g.:
    reportgen build lab4 --student WA2214014 --set rnn_scratch.num_hiddens=256
"""

from __future__ import annotations

import dataclasses

from reportgen.experiment import RunContext, experiment
from reportgen.models.rnn_scratch import RNNScratch
from reportgen.paths import DATA_DIR
from reportgen.text.corpus import load_corpus_time_machine
from reportgen.train.language_model import LMParams, train_language_model


@dataclasses.dataclass(frozen=True)
class Params(LMParams):
    num_hiddens: int = 512  # hidden units h — course value for d2l 8.5


@experiment("rnn_scratch", params=Params, data=["timemachine.txt"])
def run(p: Params, ctx: RunContext) -> None:
    corpus, vocab = load_corpus_time_machine(DATA_DIR / "timemachine.txt", p.max_tokens)
    net = RNNScratch(len(vocab), p.num_hiddens).to(ctx.device)
    train_language_model(net, corpus, vocab, p, ctx)
