"""Counting the parameters of a deep recurrent network by formula, checked against numel().

The course exercise: a 2-layer vanilla RNN with input 1, hidden 3 and output 1 has
15 + 21 + 4 = 40 parameters. A recurrent layer with input size d and hidden size h is made of
g blocks (vanilla RNN 1; GRU 3: reset, update, candidate; LSTM 4: input, forget, output,
candidate), each with W_x (h×d), W_h (h×h) and b bias vectors of length h: g·(h·d + h·h + b·h).
The textbook writes one bias per block (b = 1); torch.nn keeps two, b_ih and b_hh (b = 2).
Run it through a lab:
    reportgen build rnn-tuning --student WA2214014
"""

from __future__ import annotations

import dataclasses
import typing as t

import torch
from torch import nn

from reportgen import limits
from reportgen.experiment import RunContext, experiment
from reportgen.params import require, require_at_most

GATE_BLOCKS = {"rnn": 1, "gru": 3, "lstm": 4}
TORCH_LAYERS: dict[str, type[nn.RNNBase]] = {
    "rnn": nn.RNN,
    "gru": nn.GRU,
    "lstm": nn.LSTM,
}


@dataclasses.dataclass(frozen=True)
class Params:
    input_size: int = 1  # d: features per time step
    num_hiddens: int = 3  # h: hidden units per layer
    num_layers: int = 2  # stacked recurrent layers
    output_size: int = 1  # q: outputs per time step

    def __post_init__(self) -> None:
        for name, value in dataclasses.asdict(self).items():
            require(value >= 1, f"{name} must be at least 1, got {value}")
        require_at_most(
            self, limits.HIDDENS, "input_size", "num_hiddens", "output_size"
        )
        require_at_most(self, limits.LAYERS, "num_layers")


def layer_params(inputs: int, hiddens: int, gates: int, biases: int) -> int:
    """One recurrent layer: ``gates`` blocks of W_x (h×d), W_h (h×h) and ``biases`` × b (h)."""
    return gates * (hiddens * inputs + hiddens * hiddens + biases * hiddens)


def layer_formula(inputs: int, hiddens: int, gates: int, biases: int) -> str:
    """The same count written out, e.g. "4×(3×1 + 3×3 + 2×3)"."""
    bias = f"{biases}×{hiddens}" if biases > 1 else f"{hiddens}"
    inner = f"{hiddens}×{inputs} + {hiddens}×{hiddens} + {bias}"
    return f"{gates}×({inner})" if gates > 1 else inner


class DeepVanillaRNN(nn.Module):
    """The exercise's network: stacked tanh layers with one bias each, then a linear output.

    Layer l: H_t^(l) = tanh(H_t^(l-1) W_xh^(l) + H_{t-1}^(l) W_hh^(l) + b_h^(l)), H_t^(0) = X_t.
    """

    def __init__(self, p: Params) -> None:
        super().__init__()
        sizes = [p.input_size] + [p.num_hiddens] * p.num_layers
        self.W_xh = nn.ParameterList(
            nn.Parameter(torch.randn(d, p.num_hiddens) * 0.01) for d in sizes[:-1]
        )
        self.W_hh = nn.ParameterList(
            nn.Parameter(torch.randn(p.num_hiddens, p.num_hiddens) * 0.01)
            for _ in range(p.num_layers)
        )
        self.b_h = nn.ParameterList(
            nn.Parameter(torch.zeros(p.num_hiddens)) for _ in range(p.num_layers)
        )
        self.output = nn.Linear(p.num_hiddens, p.output_size)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """X: (num_steps, batch, input) → outputs (num_steps, batch, output)."""
        H = [X.new_zeros(X.shape[1], self.W_hh[0].shape[0]) for _ in self.W_hh]
        outputs = []
        for x in X:  # one time step
            for layer, (W_xh, W_hh, b_h) in enumerate(
                zip(self.W_xh, self.W_hh, self.b_h, strict=True)
            ):
                H[layer] = torch.tanh(x @ W_xh + H[layer] @ W_hh + b_h)
                x = H[layer]  # the next layer's input
            outputs.append(self.output(x))
        return torch.stack(outputs)


def formula_row(name: str, p: Params, cell: str, biases: int) -> dict[str, t.Any]:
    """The formula's count per layer, for the output layer (W_hq and b_q) and in total."""
    gates = GATE_BLOCKS[cell]
    inputs = [p.input_size] + [p.num_hiddens] * (p.num_layers - 1)
    layers = [layer_params(d, p.num_hiddens, gates, biases) for d in inputs]
    output = p.output_size * p.num_hiddens + p.output_size
    return {
        "model": name,
        "formulas": [layer_formula(d, p.num_hiddens, gates, biases) for d in inputs],
        "layers": layers,
        "output": output,
        "formula_total": sum(layers) + output,
    }


@experiment("param_count", params=Params)
def run(p: Params, ctx: RunContext) -> None:
    scratch = DeepVanillaRNN(p)
    # the model really runs: 5 steps of a batch of 2 give outputs of the expected shape
    outputs = scratch(torch.randn(5, 2, p.input_size))
    ctx.metric("scratch_output_shape", "×".join(map(str, outputs.shape)))
    models: list[tuple[str, nn.Module, str, int]] = [
        ("DeepVanillaRNN（从零实现）", scratch, "rnn", 1)
    ]
    for cell, layer_cls in TORCH_LAYERS.items():
        layer = layer_cls(p.input_size, p.num_hiddens, p.num_layers)
        net = nn.ModuleDict(
            {"rnn": layer, "output": nn.Linear(p.num_hiddens, p.output_size)}
        )
        models.append((f"nn.{layer_cls.__name__}", net, cell, 2))
    rows = []
    for name, net, cell, biases in models:
        row = formula_row(name, p, cell, biases)
        row["numel"] = sum(param.numel() for param in net.parameters())
        rows.append(row)
    ctx.table("counts", rows)
    # the textbook convention (one bias per block) for the gated cells: formula only
    ctx.table(
        "textbook", [formula_row(cell.upper(), p, cell, 1) for cell in ("gru", "lstm")]
    )
