"""LSTM from scratch (d2l 9.2): input, forget and output gates and a memory cell, gate by gate.

Run it through a lab, e.g.:
    reportgen build lab4 --student WA2214014 --set lstm_scratch.num_hiddens=128
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn
from torch.nn import functional as F

from reportgen.experiment import RunContext, experiment
from reportgen.models.recurrence import lstm
from reportgen.paths import DATA_DIR
from reportgen.text.corpus import load_corpus_time_machine
from reportgen.train.language_model import LMParams, train_language_model


@dataclasses.dataclass(frozen=True)
class Params(LMParams):
    """hidden 256, lr 1, 500 epochs: the course values for d2l 9.2."""

    @property
    def recurrent_matrices(self) -> int:
        return 4  # W_hi, W_hf, W_ho, W_hc


class LSTMScratch(nn.Module):
    """A one-layer LSTM whose gates are written out as in the book's equations."""

    def __init__(self, vocab_size: int, num_hiddens: int) -> None:
        super().__init__()
        self.vocab_size, self.num_hiddens = vocab_size, num_hiddens

        def normal(*shape: int) -> nn.Parameter:
            # N(0, 0.01²), as in the book
            return nn.Parameter(torch.randn(*shape) * 0.01)

        def gate() -> tuple[nn.Parameter, nn.Parameter, nn.Parameter]:
            return (
                normal(vocab_size, num_hiddens),
                normal(num_hiddens, num_hiddens),
                nn.Parameter(torch.zeros(num_hiddens)),
            )

        self.W_xi, self.W_hi, self.b_i = gate()  # input gate
        self.W_xf, self.W_hf, self.b_f = gate()  # forget gate
        self.W_xo, self.W_ho, self.b_o = gate()  # output gate
        self.W_xc, self.W_hc, self.b_c = gate()  # candidate memory cell
        self.W_hq = normal(num_hiddens, vocab_size)
        self.b_q = nn.Parameter(torch.zeros(vocab_size))

    def begin_state(
        self, batch_size: int, device: torch.device
    ) -> tuple[torch.Tensor, torch.Tensor]:
        zeros = torch.zeros((batch_size, self.num_hiddens), device=device)
        return zeros, zeros.clone()  # (H, C)

    def forward(
        self, X: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        H, C = state
        # the four gates side by side, [I | F | O | C̃], so that one matmul per step
        # computes all of them (the same numbers as four separate products)
        W_x = torch.cat([self.W_xi, self.W_xf, self.W_xo, self.W_xc], dim=1)
        W_h = torch.cat([self.W_hi, self.W_hf, self.W_ho, self.W_hc], dim=1)
        b = torch.cat([self.b_i, self.b_f, self.b_o, self.b_c])
        # one_hot(x) @ W_x is row x of W_x: the input terms of all steps are row lookups
        XW = F.embedding(X.T, W_x) + b  # (num_steps, batch, 4 * hidden)
        # I, F, O = σ(·), C̃ = tanh(·), C_t = F ⊙ C_{t-1} + I ⊙ C̃, H_t = O ⊙ tanh(C_t),
        # step by step; backpropagation through time is written out in lstm (d2l 8.7)
        Hs, C = lstm(XW, H, C, W_h)
        # the output layer for all steps in one matmul: (num_steps * batch, vocab)
        outputs = Hs.reshape(-1, self.num_hiddens) @ self.W_hq + self.b_q
        # the state as tensors of their own, not views (d2l detaches them in place)
        return outputs, (Hs[-1].clone(), C)


@experiment("lstm_scratch", params=Params, data=["timemachine.txt"])
def run(p: Params, ctx: RunContext) -> None:
    corpus, vocab = load_corpus_time_machine(DATA_DIR / "timemachine.txt", p.max_tokens)
    net = LSTMScratch(len(vocab), p.num_hiddens).to(ctx.device)
    train_language_model(net, corpus, vocab, p, ctx)
