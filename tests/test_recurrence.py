"""The hand-written backpropagation through time gives autograd's gradients."""

from __future__ import annotations

import pytest
import torch

from reportgen.models.recurrence import LSTM, TanhRNN

HIDDEN, BATCH, STEPS = 6, 3, 5


pytestmark = pytest.mark.usefixtures("float64")


def test_tanh_rnn_backward_passes_gradcheck() -> None:
    XW = torch.randn(STEPS, BATCH, HIDDEN, requires_grad=True)
    H0 = torch.randn(BATCH, HIDDEN, requires_grad=True)
    W_hh = (0.5 * torch.randn(HIDDEN, HIDDEN)).requires_grad_()
    assert torch.autograd.gradcheck(TanhRNN.apply, (XW, H0, W_hh))


def test_lstm_backward_passes_gradcheck() -> None:
    XW = torch.randn(STEPS, BATCH, 4 * HIDDEN, requires_grad=True)
    H0 = torch.randn(BATCH, HIDDEN, requires_grad=True)
    C0 = torch.randn(BATCH, HIDDEN, requires_grad=True)
    W_h = (0.5 * torch.randn(HIDDEN, 4 * HIDDEN)).requires_grad_()
    # both outputs, H_1 … H_T and C_T, carry a gradient
    assert torch.autograd.gradcheck(LSTM.apply, (XW, H0, C0, W_h))


def test_a_detached_start_state_leaves_the_other_gradients_unchanged() -> None:
    XW = torch.randn(STEPS, BATCH, HIDDEN, requires_grad=True)
    W_hh = torch.randn(HIDDEN, HIDDEN, requires_grad=True)
    H0 = torch.randn(BATCH, HIDDEN)
    grads = []
    for start in (H0, H0.clone().requires_grad_()):
        XW.grad = W_hh.grad = None
        TanhRNN.apply(XW, start, W_hh).sum().backward()
        grads.append((XW.grad, W_hh.grad))
    assert H0.grad is None
    torch.testing.assert_close(grads[0], grads[1])
