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
import typing as t
from pathlib import Path

from reportgen.errors import ExperimentError
from reportgen.paths import EXPERIMENTS_DIR

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


def load_experiments(directory: Path = EXPERIMENTS_DIR) -> dict[str, Experiment]:
    """Import every ``experiments/*.py`` once and return the registry (imports torch)."""
    for path in sorted(directory.glob("*.py")):
        module_name = f"reportgen_experiments.{path.stem}"
        if path.stem.startswith("_") or module_name in sys.modules:
            continue
        spec = importlib.util.spec_from_file_location(module_name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return dict(_REGISTRY)


def get_experiment(name: str) -> Experiment:
    """The experiment called ``name``, with a did-you-mean hint when there is none."""
    registry = load_experiments()
    if name not in registry:
        import difflib

        close = difflib.get_close_matches(name, registry, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ExperimentError(f"Unknown experiment '{name}'.{hint}")
    return registry[name]


class Diverged(Exception):
    """Raised by :meth:`RunContext.check_finite` when a loss becomes inf or NaN."""

    def __init__(self, what: str, step: int) -> None:
        super().__init__(f"{what} became non-finite at step {step}")
        self.step = step


class RunContext:
    """What a running experiment sees: seed, device, RNG, and the recorders for its outputs."""

    def __init__(
        self, seed: int, device: str, on_progress: ProgressCallback | None = None
    ) -> None:
        self.seed = seed
        self.device = device
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

    def check_finite(self, what: str, value: float, step: int) -> None:
        """Stop the run as diverged when ``value`` is inf or NaN."""
        if not math.isfinite(value):
            raise Diverged(what, step)
