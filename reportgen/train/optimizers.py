"""Minibatch SGD and Adam written out, with the interface of a torch optimizer.

Written out for speed: ``torch.optim`` imports ``torch._dynamo`` on its first use (~2 s in
every worker process), and its Adam spends ~0.1 ms a step on bookkeeping per parameter,
a third of a DigitSum step (docs/performance.md). Each update is the book's formula; tests
compare both with ``torch.optim`` step by step.
"""

from __future__ import annotations

import math
import typing as t

import torch
from torch import nn

from reportgen.restore import CheckpointUnusable, count


class SGD:
    """Minibatch SGD (d2l 3.2): step every parameter by −lr × its gradient.

    Same interface as a torch optimizer: ``step``, ``zero_grad`` and an (empty) state for
    checkpoints.
    """

    def __init__(self, params: t.Iterable[nn.Parameter], lr: float) -> None:
        self.params, self.lr = list(params), lr

    @torch.no_grad()
    def step(self) -> None:
        for p in self.params:
            assert p.grad is not None  # every parameter takes part in the loss
            p.add_(p.grad, alpha=-self.lr)  # p ← p − lr·∇p

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def state_dict(self) -> dict[str, t.Any]:
        return {}  # plain SGD keeps no state between steps

    def load_state_dict(self, state: dict[str, t.Any]) -> None:
        pass


class Adam:
    """Adam (d2l 11.10) with torch.optim.Adam's defaults, over all parameters at once.

    The parameters are moved into one vector, and so are their gradients (each parameter
    and its ``.grad`` become views of their slice; autograd adds into a gradient that
    exists, in place). One update is then six tensor operations on that vector however many
    parameters the model has:

        m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²,
        θ ← θ − lr / (1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
    """

    def __init__(
        self,
        params: t.Iterable[nn.Parameter],
        lr: float,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        self.lr, (self.beta1, self.beta2), self.eps = lr, betas, eps
        params = list(params)
        with torch.no_grad():
            self.theta = torch.cat([p.reshape(-1) for p in params])
        self.grad = torch.zeros_like(self.theta)
        offset = 0
        for p in params:
            size = p.numel()
            p.data = self.theta[offset : offset + size].view_as(p)
            p.grad = self.grad[offset : offset + size].view_as(p)
            offset += size
        self.m = torch.zeros_like(self.theta)  # first moment (momentum)
        self.v = torch.zeros_like(self.theta)  # second moment
        self.t = 0  # steps taken

    @torch.no_grad()
    def step(self) -> None:
        self.t += 1
        self.m.lerp_(self.grad, 1 - self.beta1)
        self.v.mul_(self.beta2).addcmul_(self.grad, self.grad, value=1 - self.beta2)
        step_size = self.lr / (1 - self.beta1**self.t)  # bias correction of m
        denom = (self.v.sqrt() / math.sqrt(1 - self.beta2**self.t)).add_(self.eps)
        self.theta.addcdiv_(self.m, denom, value=-step_size)

    def zero_grad(self) -> None:
        self.grad.zero_()  # in place: the parameters' .grad stay views of it

    def state_dict(self) -> dict[str, t.Any]:
        return {"t": self.t, "m": self.m.clone(), "v": self.v.clone()}

    def load_state_dict(self, state: dict[str, t.Any]) -> None:
        """Restore a saved state; a step count or moment that does not fit is refused."""
        t_saved, m, v = count(state["t"]), state["m"], state["v"]
        for name, moment in (("m", m), ("v", v)):
            if not isinstance(moment, torch.Tensor) or moment.shape != self.m.shape:
                raise CheckpointUnusable(
                    f"Adam's {name} does not fit {self.m.numel()} parameters"
                )
        self.t = t_saved
        self.m.copy_(m)
        self.v.copy_(v)
