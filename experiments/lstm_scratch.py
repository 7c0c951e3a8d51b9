"""LSTM from scratch (d2l 9.2): input, forget and output gates and a memory cell, gate by gate.

Run it through a lab, e.g.:
    reportgen build lab4 --student WA2214014 --set lstm_scratch.num_hiddens=128
"""

from __future__ import annotations

import torch
from torch import nn

from reportgen.experiment import RunContext, experiment
from reportgen.paths import DATA_DIR
from reportgen.text.corpus import load_corpus_time_machine
from reportgen.train.language_model import LMParams, train_language_model

Params = LMParams  # hidden 256, lr 1, 500 epochs: the course values for d2l 9.2


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
        # one_hot(x) @ W is row x of W: each input term is a row lookup, not a matmul
        tokens = X.T  # (num_steps, batch)
        hidden_states = []
        for x in tokens:
            I = torch.sigmoid(self.W_xi[x] + H @ self.W_hi + self.b_i)
            F = torch.sigmoid(self.W_xf[x] + H @ self.W_hf + self.b_f)
            O = torch.sigmoid(self.W_xo[x] + H @ self.W_ho + self.b_o)
            C_tilde = torch.tanh(self.W_xc[x] + H @ self.W_hc + self.b_c)
            # keep part of the old memory, write part of the new
            C = F * C + I * C_tilde
            # expose part of the memory as the hidden state
            H = O * torch.tanh(C)
            hidden_states.append(H)
        # (num_steps * batch, vocab)
        outputs = torch.cat(hidden_states) @ self.W_hq + self.b_q
        return outputs, (H, C)


@experiment("lstm_scratch", params=Params, data=["timemachine.txt"])
def run(p: Params, ctx: RunContext) -> None:
    corpus, vocab = load_corpus_time_machine(DATA_DIR / "timemachine.txt", p.max_tokens)
    net = LSTMScratch(len(vocab), p.num_hiddens).to(ctx.device)
    train_language_model(net, corpus, vocab, p, ctx)
