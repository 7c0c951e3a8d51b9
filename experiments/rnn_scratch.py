"""RNN from scratch (d2l 8.5): a one-layer tanh RNN on The Time Machine, characters as tokens.

Run it through a lab, e.g.:
    reportgen build lab4 --student WA2214014 --set rnn_scratch.num_hiddens=256
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

from reportgen.experiment import RunContext, experiment
from reportgen.paths import DATA_DIR
from reportgen.text.corpus import load_corpus_time_machine
from reportgen.train.language_model import LMParams, train_language_model


@dataclasses.dataclass(frozen=True)
class Params(LMParams):
    num_hiddens: int = 512  # hidden units h — course value for d2l 8.5


class RNNScratch(nn.Module):
    """H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h),  O_t = H_t W_hq + b_q."""

    def __init__(self, vocab_size: int, num_hiddens: int) -> None:
        super().__init__()
        self.vocab_size, self.num_hiddens = vocab_size, num_hiddens

        def normal(*shape: int) -> nn.Parameter:
            # N(0, 0.01²), as in the book
            return nn.Parameter(torch.randn(*shape) * 0.01)

        self.W_xh = normal(vocab_size, num_hiddens)
        self.W_hh = normal(num_hiddens, num_hiddens)
        self.b_h = nn.Parameter(torch.zeros(num_hiddens))
        self.W_hq = normal(num_hiddens, vocab_size)
        self.b_q = nn.Parameter(torch.zeros(vocab_size))

    def begin_state(self, batch_size: int, device: torch.device) -> torch.Tensor:
        return torch.zeros((batch_size, self.num_hiddens), device=device)

    def forward(
        self, X: torch.Tensor, H: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        # X: (batch, num_steps) token ids. one_hot(x) @ W_xh is row x of W_xh, so the
        # input term of every step is a row lookup, not a matmul with a one-hot matrix.
        XW = self.W_xh[X.T]  # (num_steps, batch, hidden)
        hidden_states = []
        for XW_t in XW:
            H = torch.tanh(XW_t + H @ self.W_hh + self.b_h)  # (batch, hidden)
            hidden_states.append(H)
        # the output layer has no recurrence: apply it to all steps in one matmul
        # (num_steps * batch, vocab)
        outputs = torch.cat(hidden_states) @ self.W_hq + self.b_q
        return outputs, H


@experiment("rnn_scratch", params=Params, data=["timemachine.txt"])
def run(p: Params, ctx: RunContext) -> None:
    corpus, vocab = load_corpus_time_machine(DATA_DIR / "timemachine.txt", p.max_tokens)
    net = RNNScratch(len(vocab), p.num_hiddens).to(ctx.device)
    train_language_model(net, corpus, vocab, p, ctx)
