"""Declaring experiments and recording their outputs.

An experiment is a function ``run(p: Params, ctx: RunContext) -> None`` in ``experiments/``,
registered with :func:`experiment`. It reads its typed parameters from ``p`` and records
everything the report may show through ``ctx``: scalar metrics, series, sample texts, tables.
It knows nothing of reports, caching or rendering.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import random
import sys
import time
import traceback
import typing as t
from pathlib import Path

from reportgen import limits, restore
from reportgen.paths import experiment_files, shown_path
from reportgen.restore import CheckpointUnusable, restoring

Number = int | float
ProgressCallback = t.Callable[[int, int, dict[str, float]], None]


@dataclasses.dataclass(frozen=True)
class Experiment:
    """A registered experiment: its function, parameter class, data files and source file."""

    name: str
    run: t.Callable[[t.Any, RunContext], None]
    params_cls: type
    data_files: tuple[str, ...]
    source_path: Path

    @property
    def title(self) -> str:
        doc = sys.modules[self.run.__module__].__doc__ or self.name
        return doc.strip().splitlines()[0]


_REGISTRY: dict[str, Experiment] = {}
CHECKPOINTS_PER_RUN = (
    20  # a run saves its state this many times; an interruption costs ≤ 5%
)


def experiment(
    name: str, *, params: type, data: t.Sequence[str] = ()
) -> t.Callable[
    [t.Callable[[t.Any, RunContext], None]], t.Callable[[t.Any, RunContext], None]
]:
    """Register ``run(p, ctx)`` as experiment ``name`` with parameter dataclass ``params``.

    ``data`` names the files under ``data/`` the experiment reads; their hashes enter the run key.
    """
    if not dataclasses.is_dataclass(params):
        raise TypeError(f"experiment {name!r}: params must be a dataclass")

    def register(
        fn: t.Callable[[t.Any, RunContext], None],
    ) -> t.Callable[[t.Any, RunContext], None]:
        source = Path(sys.modules[fn.__module__].__file__ or "")
        _REGISTRY[name] = Experiment(name, fn, params, tuple(data), source)
        return fn

    return register


# experiment files that could not be imported -> a one-line reason naming file and line
_UNLOADABLE: dict[Path, str] = {}


def load_experiments(directory: Path | None = None) -> dict[str, Experiment]:
    """Import every ``experiments/*.py`` once and return the registry (imports torch): the
    shipped files with the work folder's own in their place (:func:`paths.experiment_files`),
    or ``directory``'s.

    A file with a syntax error, or that raises as it is imported, is left out (its
    experiments are not registered) and recorded for :func:`unloadable`: a lab that does
    not use it still builds, and one that does is told the file and the line
    (:func:`reportgen.plan.spec_problems`). The file is
    tried again at the next call.
    """
    for path in experiment_files(directory):
        module_name = f"reportgen_experiments.{path.stem}"
        if path.stem.startswith("_") or module_name in sys.modules:
            continue
        spec = importlib.util.spec_from_file_location(module_name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except SyntaxError as exc:
            del sys.modules[module_name]
            _UNLOADABLE[path] = f"{shown_path(path)}, line {exc.lineno}: {exc.msg}"
        except Exception as exc:  # an edited copy that fails as it runs: import, name …
            del sys.modules[module_name]
            _UNLOADABLE[path] = f"{shown_path(path)}, line {_line_in(path, exc)}: {exc!r}"
        else:
            _UNLOADABLE.pop(path, None)
    return dict(_REGISTRY)


def _line_in(path: Path, exc: BaseException) -> int | None:
    """The line of ``path`` where ``exc`` was raised (its innermost frame in that file)."""
    frames = traceback.extract_tb(exc.__traceback__)
    lines = [f.lineno for f in frames if Path(f.filename).resolve() == path.resolve()]
    return lines[-1] if lines else None


def unloadable() -> list[str]:
    """Why experiment files could not be loaded, one line each (see load_experiments)."""
    return [_UNLOADABLE[path] for path in sorted(_UNLOADABLE)]



class Diverged(Exception):
    """Raised by :meth:`RunContext.check_finite` when a loss becomes inf or NaN."""

    def __init__(self, what: str, step: int) -> None:
        super().__init__(f"{what} became non-finite at step {step}")
        self.step = step


class RunContext:
    """What a running experiment sees: seed, device, RNG, and the recorders for its outputs."""

    def __init__(
        self,
        seed: int,
        device: str,
        on_progress: ProgressCallback | None = None,
        checkpoint_path: Path | None = None,
    ) -> None:
        self.seed = seed
        self.device = device
        self.checkpoint_path = checkpoint_path
        self._started = time.perf_counter()
        self._seconds_before = (
            0.0  # time spent by interrupted attempts this run resumes
        )
        self.rng = random.Random(
            seed
        )  # all Python-level randomness of a run (batch order, offsets)
        self.metrics: dict[str, Number | str] = {}
        self.series: dict[str, list[list[Number]]] = {}
        self.samples: dict[str, str] = {}
        self.tables: dict[str, list[dict[str, t.Any]]] = {}
        self._on_progress = on_progress

    def metric(self, name: str, value: Number | str) -> None:
        """Record one scalar result, e.g. the final perplexity."""
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(
                f"metric {name!r} is {value}; record divergence with check_finite"
            )
        self.metrics[name] = value

    def log(self, series: str, step: Number, value: Number) -> None:
        """Append one point (step, value) to a series, e.g. perplexity per epoch."""
        self.series.setdefault(series, []).append([step, value])

    def sample(self, name: str, text: str) -> None:
        """Record a generated text, e.g. the continuation of a prefix."""
        self.samples[name] = text

    def table(self, name: str, rows: list[dict[str, t.Any]]) -> None:
        """Record a small table (a list of row dicts), e.g. token frequencies."""
        self.tables[name] = rows

    def progress(self, step: int, total: int, **info: float) -> None:
        """Report progress (step of total, plus e.g. perplexity) to the build's display."""
        if self._on_progress is not None:
            self._on_progress(step, total, info)

    def checkpoint_due(self, step: int, total: int) -> bool:
        """True about every 1/20 of a run (never at its last step, when the result is stored)."""
        every = max(1, total // CHECKPOINTS_PER_RUN)
        return self.checkpoint_path is not None and step % every == 0 and step < total

    def save_checkpoint(self, state: dict[str, t.Any]) -> None:
        """Save ``state`` with the RNGs and the series so far, atomically.

        An interrupted run resumes from it: see :meth:`load_checkpoint`.
        """
        assert self.checkpoint_path is not None, "save only when checkpoint_due()"
        import torch

        from reportgen.store import write_atomic_with

        payload = {
            "state": state,
            "series": self.series,
            "py_rng": self.rng.getstate(),
            "torch_rng": torch.get_rng_state(),
            "seconds": self.elapsed(),
        }
        self.checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic_with(self.checkpoint_path, lambda f: torch.save(payload, f))

    def load_checkpoint(self) -> dict[str, t.Any] | None:
        """The state saved by an interrupted attempt of this run, with RNGs and series restored.

        Call it after building the model (whose random init it then overrides), before training.
        Raises :class:`~reportgen.restore.CheckpointUnusable` when any of it cannot be restored
        (the runner then starts the run over); the trainer restores the state's own part with
        :func:`~reportgen.restore.restore_training`.
        """
        path = self.checkpoint_path
        if path is None or not (path.is_file() or path.is_symlink()):
            return None
        import io

        import torch

        from reportgen.safety import read_own_file

        with restoring():
            # tensors and plain containers only: a checkpoint's pickle can never run code
            data = read_own_file(path, path.parent, limits.CHECKPOINT_BYTES)
            payload = torch.load(io.BytesIO(data), weights_only=True)
            state = payload["state"]
            if not isinstance(state, dict):
                raise CheckpointUnusable(f"state is a {type(state).__name__}")
            self.series = restore.series(payload["series"])
            self._seconds_before = restore.seconds(payload["seconds"])
            self.rng.setstate(payload["py_rng"])
            torch.set_rng_state(payload["torch_rng"])
        return state

    def elapsed(self) -> float:
        """Wall seconds this run has taken, interrupted attempts included."""
        return self._seconds_before + time.perf_counter() - self._started

    def check_finite(self, what: str, value: float, step: int) -> None:
        """Stop the run as diverged when ``value`` is inf or NaN."""
        if not math.isfinite(value):
            raise Diverged(what, step)
