"""GRU from scratch (d2l 9.1): reset gate, update gate and candidate hidden state, gate by gate.

Two experiments: ``gru_scratch`` trains the from-scratch GRU as a character-level language
model on *The Time Machine*; ``gru_check`` feeds the same weights to this GRU and to
``nn.GRU`` and records how far their hidden states are apart. Run them through a lab, e.g.:
    reportgen build gru --student WA2214014 --set gru_scratch.num_hiddens=128
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn
from torch.nn import functional as F

from reportgen import limits
from reportgen.experiment import RunContext, experiment
from reportgen.params import require, require_at_least, require_at_most
from reportgen.paths import DATA_DIR
from reportgen.text.corpus import load_corpus_time_machine
from reportgen.train.language_model import LMParams, train_language_model

GATES = ("r", "z", "h")  # reset gate, update gate, candidate hidden state


@dataclasses.dataclass(frozen=True)
class Params(LMParams):
    """hidden 256, lr 1, 500 epochs: the values of d2l 9.1.2."""

    @property
    def recurrent_matrices(self) -> int:
        return 3  # W_hr, W_hz, W_hh


class GRUScratch(nn.Module):
    """A one-layer GRU whose gates are written out as in the book's equations (9.1.1–9.1.4)."""

    def __init__(
        self, vocab_size: int, num_hiddens: int, reset_after: bool = False
    ) -> None:
        super().__init__()
        self.vocab_size, self.num_hiddens = vocab_size, num_hiddens
        # False: the book's R ⊙ H before the product with W_hh;
        # True: nn.GRU's R ⊙ (H W_hh) after it (see gru_check)
        self.reset_after = reset_after

        def normal(*shape: int) -> nn.Parameter:
            # N(0, 0.01²), as in the book
            return nn.Parameter(torch.randn(*shape) * 0.01)

        # per gate g: input weights W_xg (d×h), hidden weights W_hg (h×h), bias b_g (h)
        self.W_x = nn.ParameterDict({g: normal(vocab_size, num_hiddens) for g in GATES})
        self.W_h = nn.ParameterDict(
            {g: normal(num_hiddens, num_hiddens) for g in GATES}
        )
        self.b = nn.ParameterDict(
            {g: nn.Parameter(torch.zeros(num_hiddens)) for g in GATES}
        )
        self.W_hq = normal(num_hiddens, vocab_size)  # output layer
        self.b_q = nn.Parameter(torch.zeros(vocab_size))

    def begin_state(self, batch_size: int, device: torch.device) -> torch.Tensor:
        return torch.zeros((batch_size, self.num_hiddens), device=device)

    def step(self, X: torch.Tensor, H: torch.Tensor) -> torch.Tensor:
        """One time step: X (batch, vocab) one-hot, H (batch, hidden) -> the new H."""
        W_x, W_h, b = self.W_x, self.W_h, self.b
        R = torch.sigmoid(X @ W_x["r"] + H @ W_h["r"] + b["r"])  # reset gate (9.1.1)
        Z = torch.sigmoid(X @ W_x["z"] + H @ W_h["z"] + b["z"])  # update gate (9.1.1)
        # candidate hidden state (9.1.2): the reset gate decides how much of H it sees
        recurrent = R * (H @ W_h["h"]) if self.reset_after else (R * H) @ W_h["h"]
        H_tilde = torch.tanh(X @ W_x["h"] + recurrent + b["h"])
        return Z * H + (1 - Z) * H_tilde  # Z near 1 keeps the old state (9.1.3)

    def forward(
        self, X: torch.Tensor, state: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """X (batch, num_steps) token ids -> logits (num_steps * batch, vocab), last H."""
        H, outputs = state, []
        for x in F.one_hot(X.T.long(), self.vocab_size).float():  # one time step
            H = self.step(x, H)
            outputs.append(H @ self.W_hq + self.b_q)
        return torch.cat(outputs), H


@experiment("gru_scratch", params=Params, data=["timemachine.txt"])
def run(p: Params, ctx: RunContext) -> None:
    corpus, vocab = load_corpus_time_machine(DATA_DIR / "timemachine.txt", p.max_tokens)
    ctx.metric("vocab_size", len(vocab))
    net = GRUScratch(len(vocab), p.num_hiddens).to(ctx.device)
    train_language_model(net, corpus, vocab, p, ctx)


@dataclasses.dataclass(frozen=True)
class CheckParams:
    """A small GRU fed random one-hot inputs: enough to tell two formulas apart."""

    vocab_size: int = 28  # the character vocabulary of The Time Machine
    num_hiddens: int = 16
    num_steps: int = 10
    batch_size: int = 4
    # weights ~ N(0, init_std²): large enough that the gates matter (see __post_init__)
    init_std: float = 0.5

    def __post_init__(self) -> None:
        require_at_least(
            self, 1, "vocab_size", "num_hiddens", "num_steps", "batch_size"
        )
        require_at_most(self, limits.HIDDENS, "vocab_size", "num_hiddens")
        require_at_most(self, limits.STEPS, "num_steps")
        require_at_most(self, limits.BATCH, "batch_size")
        # below 0.1 every gate sits near 0.5 and the two formulas' hidden states differ by
        # less than float32 rounding (6e-6 at 0.01, under 1e-5): the check could not tell them
        # apart
        require(
            0.1 <= self.init_std <= 10,
            f"init_std must be between 0.1 and 10, got {self.init_std}",
        )


def torch_gru_like(net: GRUScratch) -> nn.GRU:
    """An nn.GRU holding ``net``'s weights: PyTorch stacks [r | z | n] row-wise, transposed
    (it computes x Wᵀ), and has a second bias b_hh per gate, set to zero here."""
    gru = nn.GRU(net.vocab_size, net.num_hiddens)
    with torch.no_grad():
        gru.weight_ih_l0.copy_(torch.cat([net.W_x[g].T for g in GATES]))
        gru.weight_hh_l0.copy_(torch.cat([net.W_h[g].T for g in GATES]))
        gru.bias_ih_l0.copy_(torch.cat([net.b[g] for g in GATES]))
        gru.bias_hh_l0.zero_()
    return gru


@experiment("gru_check", params=CheckParams)
def check(p: CheckParams, ctx: RunContext) -> None:
    """The hidden states of GRUScratch (both placements of the reset gate) against
    nn.GRU's with the same weights, on the same random tokens."""
    torch.manual_seed(ctx.seed)
    tokens = torch.randint(p.vocab_size, (p.batch_size, p.num_steps))
    for name, reset_after in (("book", False), ("reset_after", True)):
        net = GRUScratch(p.vocab_size, p.num_hiddens, reset_after)
        with torch.no_grad():
            for weight in net.parameters():  # not N(0, 0.01²): every gate near 0.5
                weight.normal_(0.0, p.init_std)
            H = net.begin_state(p.batch_size, torch.device("cpu"))
            ours = []
            for x in F.one_hot(tokens.T, p.vocab_size).float():
                H = net.step(x, H)
                ours.append(H)
            theirs, _ = torch_gru_like(net)(F.one_hot(tokens.T, p.vocab_size).float())
        ctx.metric(
            f"max_abs_diff_{name}", (torch.stack(ours) - theirs).abs().max().item()
        )
