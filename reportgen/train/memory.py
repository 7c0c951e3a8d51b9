"""A language-model run's memory, estimated before it trains, against what the machine has free.

The estimate counts float32 tensors only:
- the weights, their gradients and the optimizer's state (Adam: 2 per weight, SGD: none);
- what one minibatch keeps for the backward pass, per time step and sequence: per hidden ×
  hidden matrix (gates × layers) 4 × num_hiddens numbers (the products, their sum, the
  activation), and for the output 4 × vocabulary numbers (the logits, their softmax and
  gradients, the loss's copy).
It leaves out torch itself (a few hundred MB, already loaded when the check runs), the
corpus and the allocator's slack: tests/test_limits.py measures a real RNN run's peak growth
at 0.78 times the estimate, and requires 0.5 to 2 times.
"""

from __future__ import annotations

import os

import torch

from reportgen.errors import ExperimentError

FLOAT = 4  # bytes of a float32
OPTIMIZER_STATES = {"sgd": 0, "adam": 2}  # tensors kept per weight


def training_bytes(
    num_params: int,
    optimizer: str,
    batch_size: int,
    num_steps: int,
    num_hiddens: int,
    recurrent_matrices: int,
    vocab_size: int,
) -> int:
    """Estimated bytes training adds: weights and their state, one minibatch's activations."""
    weights = num_params * (2 + OPTIMIZER_STATES[optimizer])
    per_token = 4 * num_hiddens * recurrent_matrices + 4 * vocab_size
    return FLOAT * (weights + batch_size * num_steps * per_token)


def available_bytes(device: torch.device) -> int | None:
    """Free memory where the run trains: the GPU's on CUDA, else MemAvailable; None if unknown."""
    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[0])
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return None


def require_memory(estimate: int, device: torch.device) -> None:
    """Refuse a run whose estimate exceeds the free memory of its device, in one line."""
    free = available_bytes(device)
    if free is not None and estimate > free:
        raise ExperimentError(
            f"it would need about {estimate / 2**30:.1f} GiB of memory to train"
            f" (weights, gradients, one minibatch's activations), but {device.type}"
            f" has {free / 2**30:.1f} GiB free; lower batch_size, num_steps or num_hiddens."
        )
