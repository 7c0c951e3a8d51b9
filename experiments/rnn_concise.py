"""Concise RNNs with torch.nn (d2l 8.6, 9.1, 9.3): nn.RNN, nn.GRU or nn.LSTM, one or more layers.

One wrapper serves the concise RNN of 8.6 and the deep LSTM/GRU of 9.3, as in the book.
Run it through a lab, e.g.:
    reportgen build lab4 --student WA2214014 --set gru_deep.num_hiddens=128
"""

from __future__ import annotations

import dataclasses
import typing as t

import torch
from torch import nn
from torch.nn import functional as F

from reportgen import limits
from reportgen.experiment import RunContext, experiment
from reportgen.params import require, require_at_most
from reportgen.paths import DATA_DIR
from reportgen.text.corpus import load_corpus_time_machine
from reportgen.train.language_model import LMParams, State, train_language_model

Cell = t.Literal["rnn", "gru", "lstm"]
CELLS: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
GATES = {"rnn": 1, "gru": 3, "lstm": 4}  # hidden × hidden matrices per layer and step


@dataclasses.dataclass(frozen=True)
class Params(LMParams):
    cell: Cell = "rnn"  # recurrent layer: "rnn", "gru" or "lstm"
    num_layers: int = (
        1  # stacked recurrent layers (9.3 uses 2); num_hiddens 256 is the course value
    )

    @property
    def recurrent_matrices(self) -> int:
        return GATES[self.cell] * self.num_layers

    def __post_init__(self) -> None:
        super().__post_init__()
        require(
            self.num_layers >= 1,
            f"num_layers must be at least 1, got {self.num_layers}",
        )
        require_at_most(self, limits.LAYERS, "num_layers")


class RNNModel(nn.Module):
    """A torch.nn recurrent layer on one-hot characters, followed by a linear output layer."""

    def __init__(self, rnn_layer: nn.RNNBase, vocab_size: int) -> None:
        super().__init__()
        self.rnn, self.vocab_size = rnn_layer, vocab_size
        self.linear = nn.Linear(rnn_layer.hidden_size, vocab_size)

    def begin_state(self, batch_size: int, device: torch.device) -> State:
        shape = (self.rnn.num_layers, batch_size, self.rnn.hidden_size)
        zeros = torch.zeros(shape, device=device)
        return (zeros, zeros.clone()) if isinstance(self.rnn, nn.LSTM) else zeros

    def forward(self, X: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        # one-hot characters, time-major: (num_steps, batch, vocab)
        inputs = F.one_hot(X.T.long(), self.vocab_size).float()
        Y, state = self.rnn(inputs, state)  # Y: (num_steps, batch, hidden)
        # one output layer for all time steps: (num_steps * batch, vocab)
        return self.linear(Y.reshape(-1, Y.shape[-1])), state


@experiment("rnn_concise", params=Params, data=["timemachine.txt"])
def run(p: Params, ctx: RunContext) -> None:
    corpus, vocab = load_corpus_time_machine(DATA_DIR / "timemachine.txt", p.max_tokens)
    layer = CELLS[p.cell](len(vocab), p.num_hiddens, p.num_layers)
    net = RNNModel(layer, len(vocab)).to(ctx.device)
    train_language_model(net, corpus, vocab, p, ctx)
