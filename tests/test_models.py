"""The from-scratch cells compute exactly what torch.nn computes given the same weights."""

from __future__ import annotations

import sys
import types

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from reportgen.experiment import load_experiments
from reportgen.train.language_model import grad_clipping, sgd

VOCAB, HIDDEN, BATCH, STEPS = 28, 16, 3, 7


def experiment_module(name: str) -> types.ModuleType:
    load_experiments()
    return sys.modules[f"reportgen_experiments.{name}"]


@pytest.fixture
def tokens() -> torch.Tensor:
    torch.manual_seed(0)
    return torch.randint(0, VOCAB, (BATCH, STEPS))


def test_rnn_scratch_equals_nn_rnn(tokens: torch.Tensor) -> None:
    net = experiment_module("rnn_scratch").RNNScratch(VOCAB, HIDDEN)
    ref = nn.RNN(VOCAB, HIDDEN)
    with torch.no_grad():
        ref.weight_ih_l0.copy_(net.W_xh.T)
        ref.weight_hh_l0.copy_(net.W_hh.T)
        ref.bias_ih_l0.copy_(net.b_h)
        ref.bias_hh_l0.zero_()
    H0 = torch.randn(BATCH, HIDDEN)
    logits, H = net(tokens, H0)
    Y, H_ref = ref(F.one_hot(tokens.T, VOCAB).float(), H0.unsqueeze(0))
    torch.testing.assert_close(H, H_ref[0])
    torch.testing.assert_close(logits, Y.reshape(-1, HIDDEN) @ net.W_hq + net.b_q)


def test_lstm_scratch_equals_nn_lstm(tokens: torch.Tensor) -> None:
    net = experiment_module("lstm_scratch").LSTMScratch(VOCAB, HIDDEN)
    with torch.no_grad():  # non-zero biases so that a swapped gate would show
        for b in (net.b_i, net.b_f, net.b_o, net.b_c):
            b.normal_()
    ref = nn.LSTM(VOCAB, HIDDEN)
    with torch.no_grad():  # torch's gate order is input, forget, cell (g), output
        ref.weight_ih_l0.copy_(torch.cat([net.W_xi, net.W_xf, net.W_xc, net.W_xo], 1).T)
        ref.weight_hh_l0.copy_(torch.cat([net.W_hi, net.W_hf, net.W_hc, net.W_ho], 1).T)
        ref.bias_ih_l0.copy_(torch.cat([net.b_i, net.b_f, net.b_c, net.b_o]))
        ref.bias_hh_l0.zero_()
    H0, C0 = torch.randn(BATCH, HIDDEN), torch.randn(BATCH, HIDDEN)
    logits, (H, C) = net(tokens, (H0, C0))
    Y, (H_ref, C_ref) = ref(
        F.one_hot(tokens.T, VOCAB).float(), (H0.unsqueeze(0), C0.unsqueeze(0))
    )
    torch.testing.assert_close(H, H_ref[0])
    torch.testing.assert_close(C, C_ref[0])
    torch.testing.assert_close(logits, Y.reshape(-1, HIDDEN) @ net.W_hq + net.b_q)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_concise_model_shapes_and_state(cell: str, tokens: torch.Tensor) -> None:
    module = experiment_module("rnn_concise")
    layer = module.CELLS[cell](VOCAB, HIDDEN, 2)
    net = module.RNNModel(layer, VOCAB)
    state = net.begin_state(BATCH, torch.device("cpu"))
    logits, new_state = net(tokens, state)
    assert logits.shape == (STEPS * BATCH, VOCAB)
    assert isinstance(new_state, tuple) == (cell == "lstm")


def test_grad_clipping_limits_the_joint_norm() -> None:
    net = nn.Linear(4, 3)
    net(torch.ones(2, 4)).pow(2).sum().mul(100).backward()
    before = torch.linalg.vector_norm(
        torch.cat([p.grad.flatten() for p in net.parameters()])
    )
    assert before > 1.0
    grad_clipping(net, 1.0)
    after = torch.linalg.vector_norm(
        torch.cat([p.grad.flatten() for p in net.parameters()])
    )
    torch.testing.assert_close(after, torch.tensor(1.0))


def test_sgd_steps_against_the_gradient_and_clears_it() -> None:
    p = nn.Parameter(torch.tensor([1.0, 2.0]))
    (p * torch.tensor([3.0, -1.0])).sum().backward()
    sgd([p], lr=0.5)
    torch.testing.assert_close(p.detach(), torch.tensor([-0.5, 2.5]))
    assert p.grad is None
