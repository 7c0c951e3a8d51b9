"""The hand-written backpropagation through time gives autograd's gradients."""

from __future__ import annotations

import pytest
import torch

from reportgen.models.recurrence import LSTM, TanhRNN

HIDDEN, BATCH, STEPS = 6, 3, 5


pytestmark = pytest.mark.usefixtures("float64")


@pytest.mark.parametrize("residual", [False, True])
def test_tanh_rnn_backward_passes_gradcheck(residual: bool) -> None:
    XW = torch.randn(STEPS, BATCH, HIDDEN, requires_grad=True)
    H0 = torch.randn(BATCH, HIDDEN, requires_grad=True)
    W_hh = (0.5 * torch.randn(HIDDEN, HIDDEN)).requires_grad_()
    assert torch.autograd.gradcheck(TanhRNN.apply, (XW, H0, W_hh, residual))


def test_the_residual_recurrence_is_the_shortcut_written_out() -> None:
    """H_t = H_{t-1} + tanh(XW_t + H_{t-1} W_hh), step by step with autograd: the same
    states and the same gradients."""
    XW = torch.randn(STEPS, BATCH, HIDDEN, requires_grad=True)
    H0 = torch.randn(BATCH, HIDDEN, requires_grad=True)
    W_hh = (0.5 * torch.randn(HIDDEN, HIDDEN)).requires_grad_()
    H, states = H0, []
    for XW_t in XW:
        H = H + torch.tanh(XW_t + H @ W_hh)
        states.append(H)
    expected = torch.stack(states)
    weights = torch.randn_like(expected)  # a loss that reads every state differently
    expected_grads = torch.autograd.grad((expected * weights).sum(), (XW, H0, W_hh))
    Hs = TanhRNN.apply(XW, H0, W_hh, True)
    grads = torch.autograd.grad((Hs * weights).sum(), (XW, H0, W_hh))
    torch.testing.assert_close(Hs, expected)
    torch.testing.assert_close(grads, expected_grads)


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
