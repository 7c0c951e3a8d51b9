"""The from-scratch cells compute exactly what torch.nn computes given the same weights."""

from __future__ import annotations

import sys
import types

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from reportgen.experiment import load_experiments
from reportgen.train.language_model import grad_clipping

VOCAB, HIDDEN, BATCH, STEPS = 28, 16, 3, 7


def experiment_module(name: str) -> types.ModuleType:
    load_experiments()
    return sys.modules[f"reportgen_experiments.{name}"]


@pytest.fixture
def tokens() -> torch.Tensor:
    torch.manual_seed(0)
    return torch.randint(0, VOCAB, (BATCH, STEPS))


def rnn_pair(vocab: int, hidden: int) -> tuple[nn.Module, nn.RNN]:
    """The RNN from scratch and an nn.RNN holding the same weights."""
    net = experiment_module("rnn_scratch").RNNScratch(vocab, hidden)
    ref = nn.RNN(vocab, hidden)
    with torch.no_grad():
        ref.weight_ih_l0.copy_(net.W_xh.T)
        ref.weight_hh_l0.copy_(net.W_hh.T)
        ref.bias_ih_l0.copy_(net.b_h)
        ref.bias_hh_l0.zero_()
    return net, ref


def lstm_pair(vocab: int, hidden: int) -> tuple[nn.Module, nn.LSTM]:
    """The LSTM from scratch (with non-zero biases) and an nn.LSTM with the same weights."""
    net = experiment_module("lstm_scratch").LSTMScratch(vocab, hidden)
    with torch.no_grad():  # non-zero biases so that a swapped gate would show
        for b in (net.b_i, net.b_f, net.b_o, net.b_c):
            b.normal_()
    ref = nn.LSTM(vocab, hidden)
    with torch.no_grad():  # torch's gate order is input, forget, cell (g), output
        ref.weight_ih_l0.copy_(torch.cat([net.W_xi, net.W_xf, net.W_xc, net.W_xo], 1).T)
        ref.weight_hh_l0.copy_(torch.cat([net.W_hi, net.W_hf, net.W_hc, net.W_ho], 1).T)
        ref.bias_ih_l0.copy_(torch.cat([net.b_i, net.b_f, net.b_c, net.b_o]))
        ref.bias_hh_l0.zero_()
    return net, ref


def test_rnn_scratch_equals_nn_rnn(tokens: torch.Tensor) -> None:
    net, ref = rnn_pair(VOCAB, HIDDEN)
    H0 = torch.randn(BATCH, HIDDEN)
    logits, H = net(tokens, H0)
    Y, H_ref = ref(F.one_hot(tokens.T, VOCAB).float(), H0.unsqueeze(0))
    torch.testing.assert_close(H, H_ref[0])
    torch.testing.assert_close(logits, Y.reshape(-1, HIDDEN) @ net.W_hq + net.b_q)


def test_lstm_scratch_equals_nn_lstm(tokens: torch.Tensor) -> None:
    net, ref = lstm_pair(VOCAB, HIDDEN)
    H0, C0 = torch.randn(BATCH, HIDDEN), torch.randn(BATCH, HIDDEN)
    logits, (H, C) = net(tokens, (H0, C0))
    Y, (H_ref, C_ref) = ref(
        F.one_hot(tokens.T, VOCAB).float(), (H0.unsqueeze(0), C0.unsqueeze(0))
    )
    torch.testing.assert_close(H, H_ref[0])
    torch.testing.assert_close(C, C_ref[0])
    torch.testing.assert_close(logits, Y.reshape(-1, HIDDEN) @ net.W_hq + net.b_q)


def loss_of(
    logits: torch.Tensor, state: torch.Tensor, targets: torch.Tensor
) -> torch.Tensor:
    """Cross-entropy plus a term on the final state, so that every gradient path is used."""
    return F.cross_entropy(logits, targets) + (state**2).sum()


def test_rnn_scratch_gradients_equal_nn_rnn(float64: None) -> None:
    net, ref = rnn_pair(VOCAB, HIDDEN)
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


def test_lstm_scratch_gradients_equal_nn_lstm(float64: None) -> None:
    net, ref = lstm_pair(VOCAB, HIDDEN)
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


def test_parameter_counts_by_formula_equal_numel() -> None:
    from reportgen.experiment import RunContext

    exp = load_experiments()["param_count"]
    ctx = RunContext(seed=0, device="cpu")
    exp.run(exp.params_cls(), ctx)
    counts = {row["model"]: row for row in ctx.tables["counts"]}
    vanilla = counts["DeepVanillaRNN（从零实现）"]
    # the course exercise: 2 layers, input 1, hidden 3, output 1 → 15 + 21 + 4 = 40
    assert (vanilla["layers"], vanilla["output"]) == ([15, 21], 4)
    assert vanilla["formula_total"] == vanilla["numel"] == 40
    # torch.nn keeps two bias vectors per gate block; GRU has 3 blocks, LSTM 4
    for name, total in (("nn.RNN", 46), ("nn.GRU", 130), ("nn.LSTM", 172)):
        assert counts[name]["formula_total"] == counts[name]["numel"] == total
    textbook = {row["model"]: row["formula_total"] for row in ctx.tables["textbook"]}
    assert textbook == {"GRU": 3 * 15 + 3 * 21 + 4, "LSTM": 4 * 15 + 4 * 21 + 4}


def test_deep_vanilla_rnn_equals_stacked_nn_rnn() -> None:
    """The exercise's model computes what nn.RNN computes with the same weights."""
    module = experiment_module("param_count")
    p = module.Params(input_size=2, num_hiddens=4, num_layers=2, output_size=1)
    ours = module.DeepVanillaRNN(p)
    theirs = nn.RNN(2, 4, 2)
    with torch.no_grad():
        for layer in range(2):
            ours.b_h[layer].normal_()  # a real bias, split over nn.RNN's two vectors
            getattr(theirs, f"weight_ih_l{layer}").copy_(ours.W_xh[layer].T)
            getattr(theirs, f"weight_hh_l{layer}").copy_(ours.W_hh[layer].T)
            getattr(theirs, f"bias_ih_l{layer}").copy_(ours.b_h[layer] + 0.1)
            getattr(theirs, f"bias_hh_l{layer}").fill_(-0.1)
    X = torch.randn(6, 3, 2)
    Y, _ = theirs(X)
    expected = ours.output(Y)
    torch.testing.assert_close(ours(X), expected)
