"""The optimizers written out take torch.optim's steps, and keep their state across a resume."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from reportgen.restore import CheckpointUnusable
from reportgen.train.optimizers import SGD, Adam


def twin_models() -> tuple[nn.Module, nn.Module]:
    """Two copies of one small model with several parameters of different shapes."""
    torch.manual_seed(0)
    ours = nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(12, 5))
    theirs = nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(12, 5))
    theirs.load_state_dict(ours.state_dict())
    return ours, theirs


def loss_of(net: nn.Module, step: int) -> torch.Tensor:
    X = torch.randint(0, 10, (6, 3), generator=torch.Generator().manual_seed(step))
    return net(X).sin().sum()


def assert_same_parameters(ours: nn.Module, theirs: nn.Module) -> None:
    for a, b in zip(ours.parameters(), theirs.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_sgd_steps_against_the_gradient_and_clears_it() -> None:
    p = nn.Parameter(torch.tensor([1.0, 2.0]))
    (p * torch.tensor([3.0, -1.0])).sum().backward()
    optimizer = SGD([p], lr=0.5)
    optimizer.step()
    optimizer.zero_grad()
    torch.testing.assert_close(p.detach(), torch.tensor([-0.5, 2.5]))
    assert p.grad is None


def test_sgd_matches_torch_optim_sgd() -> None:
    ours, theirs = twin_models()
    steps = [SGD(ours.parameters(), 0.1), torch.optim.SGD(theirs.parameters(), 0.1)]
    for net, optimizer in zip([ours, theirs], steps, strict=True):
        loss_of(net, 0).backward()
        optimizer.step()
    assert_same_parameters(ours, theirs)


def test_adam_takes_torch_optim_adam_s_steps_to_the_last_bit() -> None:
    """Fifty steps, the gradients zeroed in between (ours in place): every parameter
    bit-identical to torch.optim.Adam's, and every .grad still a view of one vector."""
    ours, theirs = twin_models()
    adam, reference = (
        Adam(ours.parameters(), lr=0.01),
        torch.optim.Adam(theirs.parameters(), lr=0.01),
    )
    for step in range(50):
        for net, optimizer in ((ours, adam), (theirs, reference)):
            loss_of(net, step).backward()
            optimizer.step()
            optimizer.zero_grad()
    assert_same_parameters(ours, theirs)
    for p in ours.parameters():
        assert p.grad is not None
        assert p.grad.untyped_storage().data_ptr() == adam.grad.data_ptr()


def test_adam_resumed_from_its_state_continues_as_if_never_stopped() -> None:
    ours, theirs = twin_models()
    first, second = Adam(ours.parameters(), lr=0.01), Adam(theirs.parameters(), lr=0.01)
    for step in range(5):
        for net, optimizer in ((ours, first), (theirs, second)):
            loss_of(net, step).backward()
            optimizer.step()
            optimizer.zero_grad()
    saved = {"model": theirs.state_dict(), "adam": second.state_dict()}
    resumed_net = twin_models()[1]
    resumed = Adam(resumed_net.parameters(), lr=0.01)
    resumed_net.load_state_dict(saved["model"])
    resumed.load_state_dict(saved["adam"])
    for step in range(5, 10):
        for net, optimizer in ((ours, first), (resumed_net, resumed)):
            loss_of(net, step).backward()
            optimizer.step()
            optimizer.zero_grad()
    assert_same_parameters(ours, resumed_net)


@pytest.mark.parametrize(
    "state",
    [
        {"t": -1, "m": torch.zeros(105), "v": torch.zeros(105)},
        {"t": 3, "m": torch.zeros(7), "v": torch.zeros(105)},
        {"t": 3, "m": torch.zeros(105), "v": [0.0] * 105},
    ],
)
def test_adam_refuses_a_state_that_does_not_fit(state: dict[str, object]) -> None:
    net = twin_models()[0]
    assert sum(p.numel() for p in net.parameters()) == 105
    with pytest.raises(CheckpointUnusable):
        Adam(net.parameters(), lr=0.01).load_state_dict(state)
