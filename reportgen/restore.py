"""Restoring a checkpoint: all of it, in range, or not at all.

A checkpoint is reportgen's own file, but it may be damaged or edited. Whatever cannot be
restored exactly as an interrupted run saved it (a missing key, a value of the wrong type, a
tensor of the wrong shape, an epoch outside the run) raises :class:`CheckpointUnusable`;
the runner then deletes the checkpoint and trains the run again from scratch
(``reportgen/runner.py::train_one``).
"""

from __future__ import annotations

import contextlib
import typing as t

from reportgen.shapes import finite_number

Number = int | float
MESSAGE_CHARS = 200  # of an error's text in the one warning line


class CheckpointUnusable(Exception):
    """A checkpoint that cannot be fully restored; the run starts over."""


@contextlib.contextmanager
def restoring() -> t.Iterator[None]:
    """Turn any error while restoring a checkpoint into :class:`CheckpointUnusable`."""
    try:
        yield
    except CheckpointUnusable:
        raise
    except Exception as exc:
        text = " ".join(str(exc).split())  # one line: torch's load errors take several
        if len(text) > MESSAGE_CHARS:
            text = text[: MESSAGE_CHARS - 1] + "…"
        raise CheckpointUnusable(f"{type(exc).__name__}: {text}") from exc


class Restorable(t.Protocol):
    def load_state_dict(self, state: dict[str, t.Any]) -> t.Any: ...


def restore_training(
    saved: dict[str, t.Any], net: Restorable, optimizer: Restorable, num_epochs: int
) -> int:
    """Load ``saved["model"]`` and ``saved["optimizer"]``; return the epoch they reached.

    A run saves checkpoints after epochs 1 … num_epochs − 1 only (never after its last
    epoch, when its result is stored), so any other epoch is unusable.
    """
    with restoring():
        epoch = saved["epoch"]
        if not _is_int(epoch) or not 1 <= epoch < num_epochs:
            raise CheckpointUnusable(
                f"epoch {epoch!r} is not within 1 … {num_epochs - 1}"
            )
        net.load_state_dict(saved["model"])  # strict: every key, every shape
        settings = _settings(optimizer)
        optimizer.load_state_dict(saved["optimizer"])
        if _settings(optimizer) != settings:
            raise CheckpointUnusable("optimizer settings differ from the run's")
        _check_optimizer_state(optimizer)
    return t.cast(int, epoch)


def _settings(optimizer: object) -> list[dict[str, t.Any]]:
    """A torch optimizer's settings (lr, betas, …) per parameter group; [] for ours."""
    groups = getattr(optimizer, "param_groups", [])
    return [{k: v for k, v in group.items() if k != "params"} for group in groups]


def _check_optimizer_state(optimizer: object) -> None:
    """Every tensor a torch optimizer keeps per parameter is shaped like the parameter
    (moment estimates) or a scalar (its step count): else its next step would fail."""
    import torch

    state = getattr(optimizer, "state", {})
    for group in getattr(optimizer, "param_groups", []):
        for p in group["params"]:
            for name, value in state.get(p, {}).items():
                if not isinstance(value, torch.Tensor) or (
                    value.shape != p.shape and value.dim() != 0
                ):
                    raise CheckpointUnusable(
                        f"optimizer state {name!r} does not fit a {tuple(p.shape)}"
                        " parameter"
                    )


def count(value: object) -> int:
    """``value`` as a count: an int ≥ 0."""
    if not _is_int(value) or t.cast(int, value) < 0:
        raise CheckpointUnusable(f"{value!r} is not a count")
    return t.cast(int, value)


def number(value: object) -> float:
    """``value`` as a finite number."""
    if not finite_number(value):
        raise CheckpointUnusable(f"{value!r} is not a finite number")
    return float(t.cast(Number, value))


def seconds(value: object) -> float:
    """``value`` as a duration: a finite number ≥ 0."""
    if number(value) < 0:
        raise CheckpointUnusable(f"{value!r} seconds is negative")
    return float(t.cast(Number, value))


def fields(values: object, *kinds: t.Callable[[object], t.Any]) -> tuple[t.Any, ...]:
    """A saved tuple or list of ``len(kinds)`` values, each checked by its kind."""
    if not isinstance(values, tuple | list) or len(values) != len(kinds):
        raise CheckpointUnusable(f"{values!r} is not {len(kinds)} values")
    return tuple(kind(value) for kind, value in zip(kinds, values, strict=True))


def series(value: object) -> dict[str, list[list[Number]]]:
    """``value`` as recorded series: names mapped to lists of [step, value] points."""
    if not isinstance(value, dict):
        raise CheckpointUnusable(f"series {_short(value)} is not a dict")
    for name, points in value.items():
        if (
            not isinstance(name, str)
            or not isinstance(points, list)
            or not all(_is_point(point) for point in points)
        ):
            raise CheckpointUnusable(
                f"series {_short(name)} is not a list of [number, number] points"
            )
    return value


def table_rows(value: object) -> list[dict[str, t.Any]]:
    """``value`` as rows of a table: dicts of names to texts or numbers."""
    if not isinstance(value, list) or not all(
        isinstance(row, dict)
        and all(
            isinstance(k, str) and (isinstance(v, str) or finite_number(v))
            for k, v in row.items()
        )
        for row in value
    ):
        raise CheckpointUnusable(f"table {_short(value)} is not a list of rows")
    return value


def _is_point(point: object) -> bool:
    return (
        isinstance(point, list) and len(point) == 2 and all(map(finite_number, point))
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"
