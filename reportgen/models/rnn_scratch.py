"""The RNN from scratch of d2l 8.5 (also d2l-zh v1 6.4): a one-layer tanh RNN on one-hot tokens."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from reportgen.models.recurrence import tanh_rnn


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
        # input terms of all steps are a row lookup (F.embedding), not a one-hot matmul.
        XW = F.embedding(X.T, self.W_xh) + self.b_h  # (num_steps, batch, hidden)
        # H_t = tanh(XW_t + H_{t-1} W_hh) step by step; backpropagation through time is
        # written out in tanh_rnn (d2l 8.7)
        Hs = tanh_rnn(XW, H, self.W_hh)  # (num_steps, batch, hidden)
        # the output layer has no recurrence: apply it to all steps in one matmul
        # (num_steps * batch, vocab)
        outputs = Hs.reshape(-1, self.num_hiddens) @ self.W_hq + self.b_q
        # the state as a tensor of its own, not a view into Hs (d2l detaches it in place)
        return outputs, Hs[-1].clone()
