"""On a GPU: the hand-written BPTT, the optimizers and whole runs give the CPU's results.

Skipped where torch sees no CUDA device (CI, the project's CPU machines); run by
benchmarks/gpu.sh on a GPU machine.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from reportgen.experiment import RunContext, load_experiments
from reportgen.models.recurrence import LSTM, TanhRNN
from reportgen.runner import RunTask, train_one
from reportgen.train.optimizers import Adam

pytestmark = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="torch sees no CUDA device"
)


@pytest.mark.parametrize("residual", [False, True])
def test_tanh_rnn_gradcheck_on_the_gpu(residual: bool) -> None:
    XW, H0 = (
        torch.randn(*s, dtype=torch.float64, device="cuda") for s in ((5, 3, 6), (3, 6))
    )
    W_hh = 0.5 * torch.randn(6, 6, dtype=torch.float64, device="cuda")
    inputs = tuple(x.requires_grad_() for x in (XW, H0, W_hh))
    assert torch.autograd.gradcheck(TanhRNN.apply, (*inputs, residual))


def test_lstm_gradcheck_on_the_gpu() -> None:
    shapes = ((5, 3, 24), (3, 6), (3, 6), (6, 24))
    inputs = tuple(
        (0.5 * torch.randn(*s, dtype=torch.float64, device="cuda")).requires_grad_()
        for s in shapes
    )
    assert torch.autograd.gradcheck(LSTM.apply, inputs)


def test_adam_on_the_gpu_takes_the_cpu_s_steps() -> None:
    torch.manual_seed(0)
    start = torch.randn(50)
    found = []
    for device in ("cpu", "cuda"):
        p = torch.nn.Parameter(start.clone().to(device))
        adam = Adam([p], lr=0.01)
        for _ in range(20):
            (p.sin() * torch.arange(50, device=device)).sum().backward()
            adam.step()
            adam.zero_grad()
        found.append(p.detach().cpu())
    torch.testing.assert_close(found[0], found[1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cell", ["srn", "residual", "lstm"])
def test_a_digitsum_run_on_the_gpu_follows_the_cpu_s(cell: str) -> None:
    """Three epochs of length 10: the same number of updates and nearly the same losses
    (float32 on two kinds of processor), the result recorded as trained on CUDA."""
    exp = load_experiments()["digitsum"]
    losses = {}
    for device in ("cpu", "cuda"):
        torch.manual_seed(0)
        ctx = RunContext(seed=0, device=device)
        exp.run(exp.params_cls(length=10, cell=cell, num_epochs=3, eval_steps=10), ctx)
        losses[device] = [value for _, value in ctx.series["train_loss"]]
    assert len(losses["cpu"]) == len(losses["cuda"]) == 3 * 38 // 10
    torch.testing.assert_close(losses["cuda"], losses["cpu"], rtol=1e-3, atol=1e-4)


def test_a_run_trained_by_the_runner_on_cuda_says_so(tmp_path: Path) -> None:
    params = load_experiments()["rnn_concise"].params_cls(num_epochs=2)
    task = RunTask(
        "gpu", "g" * 64, "rnn_concise", vars(params), 0, "cuda", tmp_path / "gpu.pt"
    )
    result = train_one(task, lambda *a: None)
    assert result.status == "ok" and result.device == "cuda"
    assert torch.cuda.get_device_name() in result.device_name
