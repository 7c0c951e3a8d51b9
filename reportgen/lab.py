"""Lab specs: ``labs/<id>.toml`` loaded once into frozen, typed objects.

A lab names its course metadata, its runs (an experiment plus parameter overrides and a seed),
its figures, its template and its profiles (e.g. ``quick``). It knows nothing of training.
Every problem is reported with the file and the key path, e.g. ``labs/lab4.toml: runs.gru.params``.
"""

from __future__ import annotations

import dataclasses
import itertools
import tomllib
import typing as t
from pathlib import Path

from reportgen.errors import LabSpecError
from reportgen.paths import LABS_DIR


@dataclasses.dataclass(frozen=True)
class RunSpec:
    id: str
    experiment: str
    params: dict[
        str, t.Any
    ]  # overrides of the experiment's defaults (grid point included)
    seed: int
    label: str  # how figures and tables name this run
    may_diverge: bool = False  # divergence is a result here (e.g. gradient explosion)
    group: str = ""  # the [runs.<group>] table this run comes from ("" = its own id)
    point: dict[str, t.Any] = dataclasses.field(default_factory=dict)  # its grid values


@dataclasses.dataclass(frozen=True)
class FigureSpec:
    id: str
    runs: tuple[str, ...]
    series: str
    title: str
    xlabel: str
    ylabel: str
    logy: bool


@dataclasses.dataclass(frozen=True)
class LabSpec:
    id: str
    number: int
    title: str
    course: str
    template: str
    notes: str  # default path of the student's discussion
    runs: tuple[RunSpec, ...]
    figures: tuple[FigureSpec, ...]
    profiles: dict[str, dict[str, t.Any]]  # profile name -> parameter overrides
    path: Path

    def run(self, run_id: str) -> RunSpec:
        return next(r for r in self.runs if r.id == run_id)


PROFILES = ("course", "quick")


def available_labs(directory: Path = LABS_DIR) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.toml"))


def load_lab(
    lab_id: str, directory: Path = LABS_DIR, seeds: int | None = None
) -> LabSpec:
    """Load and check ``labs/<lab_id>.toml``.

    ``seeds`` (``--seeds N``) replaces the seed list of every swept group by 0 … N−1.
    """
    path = directory / f"{lab_id}.toml"
    if not path.is_file():
        import difflib

        labs = available_labs(directory)
        close = difflib.get_close_matches(lab_id, labs, n=1)
        hint = (
            f" Did you mean '{close[0]}'?"
            if close
            else f" Available: {', '.join(labs)}."
        )
        raise LabSpecError(f"Unknown lab '{lab_id}'.{hint}")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise LabSpecError(f"Malformed lab spec {path.name}: {exc}.") from None
    return _parse(raw, path, seeds)


class _Reader:
    """Typed access to one TOML table, naming the file and key path in every error."""

    def __init__(self, table: t.Mapping[str, t.Any], where: str, path: Path) -> None:
        self.table, self.where, self.path = table, where, path

    def fail(self, key: str, message: str) -> t.NoReturn:
        raise LabSpecError(f"{self.path.name}: {self.where}{key}: {message}")

    def get(self, key: str, kind: type, default: t.Any = ...) -> t.Any:
        if key not in self.table:
            if default is ...:
                self.fail(key, "missing")
            return default
        value = self.table[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.fail(key, f"expected {kind.__name__}, got {value!r}")
        return value

    def sub(self, key: str) -> _Reader:
        return _Reader(self.get(key, dict, {}), f"{self.where}{key}.", self.path)


def _expand(
    r: _Reader, group: str, default_seed: int, seed_count: int | None
) -> list[RunSpec]:
    """One [runs.<group>] table → its runs: one per grid point and seed.

    ``grid = { num_hiddens = [128, 200] }`` sweeps parameters (the cartesian product of all
    axes); ``seeds = [0, 1, 2]`` repeats every point. A table with neither is one run whose
    id is the table name. Swept runs are named ``group[num_hiddens=128,seed=0]``, and
    ``label`` may use the point's values: ``"h={num_hiddens}"``.
    """
    grid = r.get("grid", dict, {})
    for axis, values in grid.items():
        if not isinstance(values, list) or not values:
            r.fail(
                f"grid.{axis}", f"expected a non-empty list of values, got {values!r}"
            )
    seeds = r.get("seeds", list, [r.get("seed", int, default_seed)])
    if seed_count is not None and "seeds" in r.table:
        seeds = list(range(seed_count))
    if not seeds or not all(
        isinstance(s, int) and not isinstance(s, bool) for s in seeds
    ):
        r.fail("seeds", f"expected a non-empty list of integers, got {seeds!r}")
    label = r.get("label", str, group)
    swept = bool(grid) or "seeds" in r.table
    runs = []
    for values in itertools.product(*grid.values()):
        point = dict(zip(grid, values, strict=True))
        for seed in seeds:
            name = ",".join([*(f"{k}={v}" for k, v in point.items()), f"seed={seed}"])
            try:
                shown = label.format(**point, seed=seed)
            except (KeyError, IndexError, ValueError) as exc:
                r.fail("label", f"cannot fill {label!r}: {exc}")
            runs.append(
                RunSpec(
                    id=f"{group}[{name}]" if swept else group,
                    experiment=r.get("experiment", str),
                    params=dict(r.get("params", dict, {})) | point,
                    seed=seed,
                    label=shown,
                    may_diverge=r.get("may_diverge", bool, False),
                    group=group,
                    point=point,
                )
            )
    return runs


def _parse(raw: dict[str, t.Any], path: Path, seed_count: int | None = None) -> LabSpec:
    top = _Reader(raw, "", path)
    runs_table = top.get("runs", dict)
    default_seed = top.get("seed", int, 0)
    runs = []
    for group in runs_table:
        runs += _expand(top.sub("runs").sub(group), group, default_seed, seed_count)
    run_ids = {r.id for r in runs}
    figures = []
    for i, fig_raw in enumerate(top.get("figures", list, [])):
        f = _Reader(fig_raw, f"figures[{i}].", path)
        fig_runs = tuple(f.get("runs", list))
        for run_id in fig_runs:
            if run_id not in run_ids:
                f.fail("runs", f"unknown run {run_id!r}")
        figures.append(
            FigureSpec(
                id=f.get("id", str),
                runs=fig_runs,
                series=f.get("series", str),
                title=f.get("title", str, ""),
                xlabel=f.get("xlabel", str, ""),
                ylabel=f.get("ylabel", str, ""),
                logy=f.get("logy", bool, False),
            )
        )
    profiles = {"course": {}} | {
        name: dict(v) for name, v in top.get("profiles", dict, {}).items()
    }
    for name in profiles:
        if name not in PROFILES:
            top.fail(
                f"profiles.{name}",
                f"unknown profile; expected one of {', '.join(PROFILES)}",
            )
    return LabSpec(
        id=path.stem,
        number=top.get("number", int),
        title=top.get("title", str),
        course=top.get("course", str),
        template=top.get("template", str),
        notes=top.get("notes", str, f"notes/{path.stem}.md"),
        runs=tuple(runs),
        figures=tuple(figures),
        profiles=profiles,
        path=path,
    )
