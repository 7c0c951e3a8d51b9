"""Memory capacity of a simple recurrent network (SRN) on DigitSum (nndl 6.1, 6.2).

The model reads a digit sequence and must output the sum of its first two digits from its
last hidden state: Embedding(10, 32) → recurrent layer (32) → Linear(32, 19). The recurrent
layer is the SRN written out (W, U, b), its residual variant, or nn.LSTM as the gated
reference. Run it through a lab:
    reportgen build digitsum --student WA2214014
"""

from __future__ import annotations

import dataclasses
import functools
import math
import statistics
import time
import typing as t

import torch
from torch import nn

from reportgen import limits
from reportgen.data.digitsum import LENGTHS, NUM_CLASSES, generate
from reportgen.experiment import RunContext, experiment
from reportgen.models.recurrence import tanh_rnn
from reportgen.params import require, require_at_least, require_at_most
from reportgen.train.classifier import ClassifierParams, Split, train_classifier

Cell = t.Literal["srn", "residual", "lstm"]


@dataclasses.dataclass(frozen=True)
class Params(ClassifierParams):
    length: int = 5  # digits per sequence
    cell: Cell = "srn"  # "srn", "residual" (h_t = h_{t-1} + tanh(…)) or "lstm"
    embedding_size: int = 32
    num_hiddens: int = 32

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.length >= 3, f"length must be at least 3, got {self.length}")
        require_at_least(self, 1, "embedding_size", "num_hiddens")
        require_at_most(self, limits.STEPS, "length")
        require_at_most(self, limits.HIDDENS, "embedding_size", "num_hiddens")


class SRN(nn.Module):
    """Simple recurrent network: h_t = tanh(x_t W + h_{t-1} U + b), with h_0 = 0.

    ``residual=True`` adds the previous state back: h_t = h_{t-1} + tanh(x_t W + h_{t-1} U + b),
    a shortcut through time along which the first digits can survive a long sequence.
    Initialised like nn.RNN: every entry uniform in [-1/√h, 1/√h].
    """

    def __init__(
        self, input_size: int, hidden_size: int, residual: bool = False
    ) -> None:
        super().__init__()
        bound = 1 / math.sqrt(hidden_size)
        self.W = nn.Parameter(
            torch.empty(input_size, hidden_size).uniform_(-bound, bound)
        )
        self.U = nn.Parameter(
            torch.empty(hidden_size, hidden_size).uniform_(-bound, bound)
        )
        self.b = nn.Parameter(torch.empty(hidden_size).uniform_(-bound, bound))
        self.residual = residual

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """X: (steps, batch, input) → h_1 … h_T as one (steps, batch, hidden) tensor."""
        inputs = X @ self.W + self.b  # x_t W + b for every step at once: one matmul
        h = X.new_zeros(X.shape[1], self.U.shape[0])  # h_0 = 0
        # the recurrence step by step, with backpropagation through time written out
        # (reportgen/models/recurrence.py, d2l 8.7)
        return tanh_rnn(inputs, h, self.U, residual=self.residual)


class DigitSumModel(nn.Module):
    """Embedding → recurrent layer → linear classifier on the last hidden state."""

    def __init__(self, p: Params) -> None:
        super().__init__()
        self.embedding = nn.Embedding(10, p.embedding_size)
        if p.cell == "lstm":
            self.rnn: nn.Module = nn.LSTM(p.embedding_size, p.num_hiddens)
        else:
            self.rnn = SRN(
                p.embedding_size, p.num_hiddens, residual=p.cell == "residual"
            )
        self.output = nn.Linear(p.num_hiddens, NUM_CLASSES)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        # X: (batch, steps) digits; the recurrent layer walks the steps: (steps, batch, …)
        states = self.rnn(self.embedding(X.T))  # (steps, batch, hidden)
        if isinstance(states, tuple):  # nn.LSTM returns (outputs, (h, c))
            states = states[0]
        return self.output(states[-1])  # logits (batch, 19) from the last state


def load_split(length: int, split: str, device: str) -> Split:
    examples = generate(length, split)
    X = torch.tensor([e.digits for e in examples], device=device)
    y = torch.tensor([e.label for e in examples], device=device)
    return X, y


@experiment("digitsum", params=Params)
def run(p: Params, ctx: RunContext) -> None:
    splits = {s: load_split(p.length, s, ctx.device) for s in ("train", "dev", "test")}
    net = DigitSumModel(p).to(ctx.device)
    rnn = net.rnn
    watched = {"W": rnn.W, "U": rnn.U, "b": rnn.b} if isinstance(rnn, SRN) else {}
    ctx.metric("num_params", sum(q.numel() for q in net.parameters()))
    train_classifier(net, splits, p, ctx, watched)


@dataclasses.dataclass(frozen=True)
class CheckParams:
    input_size: int = 32
    num_hiddens: int = 32
    batch_size: int = 8
    repeats: int = 200  # forward passes timed per length; the median is reported

    def __post_init__(self) -> None:
        require_at_least(self, 1, "input_size", "num_hiddens", "batch_size", "repeats")
        require_at_most(self, limits.HIDDENS, "input_size", "num_hiddens")
        require_at_most(self, limits.BATCH, "batch_size")
        require_at_most(self, limits.COUNT, "repeats")


def median_seconds(fn: t.Callable[[], object], repeats: int) -> float:
    """Median wall time of ``fn()`` over ``repeats`` calls, after 5 warm-up calls."""
    for _ in range(5):
        fn()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


@experiment("srn_check", params=CheckParams)
@torch.no_grad()
def check_srn(p: CheckParams, ctx: RunContext) -> None:
    """Own SRN ≡ nn.RNN given the same weights; and the speed of their forward passes."""
    ours = SRN(p.input_size, p.num_hiddens).to(ctx.device)
    reference = nn.RNN(p.input_size, p.num_hiddens).to(ctx.device)
    # nn.RNN computes tanh(x W_ih^T + b_ih + h W_hh^T + b_hh): same weights, b split in two
    reference.weight_ih_l0.copy_(ours.W.T)
    reference.weight_hh_l0.copy_(ours.U.T)
    reference.bias_ih_l0.copy_(ours.b)
    reference.bias_hh_l0.zero_()
    rows = []
    for length in LENGTHS:
        X = torch.randn(length, p.batch_size, p.input_size, device=ctx.device)
        difference = (ours(X) - reference(X)[0]).abs().max().item()
        own = median_seconds(functools.partial(ours, X), p.repeats)
        torch_rnn = median_seconds(functools.partial(reference, X), p.repeats)
        rows.append(
            {
                "length": length,
                "max_abs_diff": difference,
                "own_ms": own * 1000,
                "torch_ms": torch_rnn * 1000,
                "ratio": own / torch_rnn,
            }
        )
    ctx.table("srn_vs_nn_rnn", rows)
    ctx.metric("max_abs_diff", max(r["max_abs_diff"] for r in rows))
