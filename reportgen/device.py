"""Choosing the device a build trains on, and the CPU thread count."""

from __future__ import annotations

import os
import platform

from reportgen.errors import EnvironmentProblem

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(requested: str) -> str:
    """'auto' picks CUDA when torch sees a GPU, else the CPU; 'cuda' without a GPU is an error."""
    import torch

    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise EnvironmentProblem(
            "--device cuda was requested, but torch sees no CUDA device "
            f"(torch {torch.__version__}); use --device cpu or auto."
        )
    return requested


def require_device(requested: str) -> None:
    """Fail now when an explicitly requested device is missing, whatever the build will train.

    Only ``cuda`` can be missing; ``auto`` and ``cpu`` cost nothing here (no torch import).
    """
    if requested not in ("auto", "cpu"):
        resolve_device(requested)


def configure_threads() -> int:
    """Use one intra-op thread per training process unless REPORTGEN_THREADS says otherwise.

    The lab's models are small (batch 32, hidden ≤ 512): the work per op is too little to split,
    and torch's OpenMP workers then spend their time waiting for each other. Measured numbers are
    in docs/performance.md.
    """
    import torch

    threads = int(os.environ.get("REPORTGEN_THREADS", "1"))
    torch.set_num_threads(threads)
    return threads


def describe_device(device: str, threads: int) -> str:
    """Human-readable name of the device a run used, for the report's appendix."""
    import torch

    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    # the code path torch takes (AVX512, AVX2 …): one CPU model name may hide several, and
    # results are bit-for-bit the same only on the same path (reportgen.agreement)
    isa = torch.backends.cpu.get_cpu_capability()
    return f"{cpu_model()} ({isa}), {threads} thread{'s' if threads != 1 else ''}"


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux), else the architecture."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return next(
                line.split(":", 1)[1].strip()
                for line in f
                if line.startswith("model name")
            )
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()
