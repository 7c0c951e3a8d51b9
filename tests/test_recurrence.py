"""The hand-written backpropagation through time gives autograd's gradients."""

from __future__ import annotations

import sys

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from reportgen.experiment import load_experiments
from reportgen.models.recurrence import LSTM, TanhRNN
from reportgen.models.rnn_scratch import RNNScratch

VOCAB, HIDDEN, BATCH, STEPS = 11, 6, 3, 5


@pytest.fixture(autouse=True)
def float64() -> object:
    """Compare gradients in double precision, where rounding cannot hide a wrong term."""
    torch.manual_seed(0)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


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


def loss_of(
    logits: torch.Tensor, state: torch.Tensor, targets: torch.Tensor
) -> torch.Tensor:
    """Cross-entropy plus a term on the final state, so that every gradient path is used."""
    return F.cross_entropy(logits, targets) + (state**2).sum()


def test_rnn_scratch_gradients_equal_nn_rnn() -> None:
    net = RNNScratch(VOCAB, HIDDEN)
    ref = nn.RNN(VOCAB, HIDDEN)
    with torch.no_grad():
        ref.weight_ih_l0.copy_(net.W_xh.T)
        ref.weight_hh_l0.copy_(net.W_hh.T)
        ref.bias_ih_l0.copy_(net.b_h)
        ref.bias_hh_l0.zero_()
    tokens = torch.randint(0, VOCAB, (BATCH, STEPS))
    targets = torch.randint(0, VOCAB, (STEPS * BATCH,))
    H0 = torch.randn(BATCH, HIDDEN, requires_grad=True)
    H0_ref = H0.detach().clone().unsqueeze(0).requires_grad_()

    logits, H = net(tokens, H0)
    loss_of(logits, H, targets).backward()
    Y, H_ref = ref(F.one_hot(tokens.T, VOCAB).double(), H0_ref)
    W_hq, b_q = net.W_hq.detach().requires_grad_(), net.b_q.detach().requires_grad_()
    loss_of(Y.reshape(-1, HIDDEN) @ W_hq + b_q, H_ref, targets).backward()

    assert net.W_hh.grad is not None and net.W_xh.grad is not None
    torch.testing.assert_close(net.W_hh.grad, ref.weight_hh_l0.grad.T)
    torch.testing.assert_close(net.W_xh.grad, ref.weight_ih_l0.grad.T)
    torch.testing.assert_close(net.b_h.grad, ref.bias_ih_l0.grad)
    torch.testing.assert_close(net.W_hq.grad, W_hq.grad)
    torch.testing.assert_close(net.b_q.grad, b_q.grad)
    torch.testing.assert_close(H0.grad, H0_ref.grad[0])


def test_lstm_scratch_gradients_equal_nn_lstm() -> None:
    load_experiments()
    net = sys.modules["reportgen_experiments.lstm_scratch"].LSTMScratch(VOCAB, HIDDEN)
    with torch.no_grad():  # non-zero biases so that a swapped gate would show
        for b in (net.b_i, net.b_f, net.b_o, net.b_c):
            b.normal_()
    ref = nn.LSTM(VOCAB, HIDDEN)
    with torch.no_grad():  # torch's gate order is input, forget, cell (g), output
        ref.weight_ih_l0.copy_(torch.cat([net.W_xi, net.W_xf, net.W_xc, net.W_xo], 1).T)
        ref.weight_hh_l0.copy_(torch.cat([net.W_hi, net.W_hf, net.W_hc, net.W_ho], 1).T)
        ref.bias_ih_l0.copy_(torch.cat([net.b_i, net.b_f, net.b_c, net.b_o]))
        ref.bias_hh_l0.zero_()
    tokens = torch.randint(0, VOCAB, (BATCH, STEPS))
    targets = torch.randint(0, VOCAB, (STEPS * BATCH,))
    H0, C0 = torch.randn(BATCH, HIDDEN), torch.randn(BATCH, HIDDEN)
    H0.requires_grad_(), C0.requires_grad_()
    H0_ref = H0.detach().clone().unsqueeze(0).requires_grad_()
    C0_ref = C0.detach().clone().unsqueeze(0).requires_grad_()

    logits, (H, C) = net(tokens, (H0, C0))
    loss_of(logits, H + C, targets).backward()
    Y, (H_ref, C_ref) = ref(F.one_hot(tokens.T, VOCAB).double(), (H0_ref, C0_ref))
    W_hq, b_q = net.W_hq.detach().requires_grad_(), net.b_q.detach().requires_grad_()
    loss_of(Y.reshape(-1, HIDDEN) @ W_hq + b_q, H_ref + C_ref, targets).backward()

    # torch's (4·hidden, ·) gradient blocks in its order i, f, g, o
    d_ih = ref.weight_ih_l0.grad.T.split(HIDDEN, dim=1)
    d_hh = ref.weight_hh_l0.grad.T.split(HIDDEN, dim=1)
    d_b = ref.bias_ih_l0.grad.split(HIDDEN)
    for k, gate in enumerate("ifco"):
        torch.testing.assert_close(getattr(net, f"W_x{gate}").grad, d_ih[k])
        torch.testing.assert_close(getattr(net, f"W_h{gate}").grad, d_hh[k])
        torch.testing.assert_close(getattr(net, f"b_{gate}").grad, d_b[k])
    torch.testing.assert_close(net.W_hq.grad, W_hq.grad)
    torch.testing.assert_close(H0.grad, H0_ref.grad[0])
    torch.testing.assert_close(C0.grad, C0_ref.grad[0])


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
