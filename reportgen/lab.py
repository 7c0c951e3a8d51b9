"""Lab specs: ``labs/<id>.toml`` loaded once into frozen, typed objects.

A lab names its course metadata, its runs (an experiment plus parameter overrides and a seed),
its figures, its template and its profiles (e.g. ``quick``). It knows nothing of training.
Every problem is reported with the file and the key path, e.g. ``labs/lab4.toml: runs.gru.params``.

Sweeps: a ``[runs.<group>]`` table with ``grid`` and/or ``seeds`` expands into one run per grid
point and seed. A group may ``choose`` a parameter from another group's results, e.g. the batch
sweep runs at the hidden size whose runs reached the lowest mean perplexity (see
:func:`reportgen.plan.choose_from_results`).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
import tomllib
import typing as t
from pathlib import Path

from reportgen import limits
from reportgen.errors import LabSpecError, ParamError
from reportgen.paths import LABS_DIR


@dataclasses.dataclass(frozen=True)
class Choice:
    """A parameter taken from the best grid point of another group once its runs finished."""

    source: str  # the group whose results decide, e.g. "hidden"
    metric: str  # a metric every run of that group records, e.g. "perplexity"
    goal: t.Literal["min", "max"]  # lowest or highest mean over seeds wins

    def describe(self, param: str) -> str:
        best = "lowest" if self.goal == "min" else "highest"
        return f"{param}: the {self.source} sweep's value with the {best} mean {self.metric}"


@dataclasses.dataclass(frozen=True)
class Override:
    """One ``--set target.param=value``.

    The target is a run id, a group or an experiment (all its runs). On a swept parameter of a
    group, the value is the new list of grid values: ``--set hidden.num_hiddens=64,128``.
    """

    target: str
    param: str
    value: str

    def reaches(self, run: RunSpec) -> bool:
        """Whether this override is aimed at ``run``: by its id, group or experiment."""
        return self.target in (run.id, run.group, run.experiment)

    def grid_values(self) -> list[t.Any]:
        """The value as a list of grid values, each read as a TOML value (64 → int)."""
        values = []
        for item in self.value.split(","):
            try:
                values.append(tomllib.loads(f"v = {item.strip()}")["v"])
            except tomllib.TOMLDecodeError:
                values.append(item.strip())  # a bare word, e.g. lstm
        return values


def parse_override(text: str) -> Override:
    """Split ``target.param=value``; a malformed text raises ParamError."""
    # the target may itself hold '.' and '=' (a run id like hidden[lr=0.1,seed=0])
    match = re.fullmatch(r"\s*(.+)\.(\w+)\s*=(.*)", text, re.DOTALL)
    if match is None:
        raise ParamError(
            f"--set expects target.param=value (e.g. rnn_scratch.num_hiddens=256), got {text!r}."
        )
    target, param, value = match.groups()
    return Override(target.strip(), param, value.strip())


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
    # parameters chosen from another group's results (see Choice)
    choose: dict[str, Choice] = dataclasses.field(default_factory=dict)


FigureKind = t.Literal["curves", "bars", "panels", "by_value", "heatmap"]


@dataclasses.dataclass(frozen=True)
class FigureSpec:
    """One figure of a lab, drawn by ``kind``:

    - ``curves``: the first series, a line per run (``runs``), or per grid point of swept
      ``groups`` the mean over seeds with a ±1 std band;
    - ``panels``: one small plot per run (of ``runs`` or ``groups``), every series in each;
    - ``by_value``: a metric (each of ``series``) against the grid value ``x``, a line per
      group;
    - ``heatmap``: a metric (the first series) over the grid values ``x`` × ``y`` of a group;
    - ``bars``: the first series of the first run as bars, e.g. a histogram of (bin, count).

    ``series_labels`` names the series and ``legend`` the groups (by_value), in order.
    """

    id: str
    runs: tuple[str, ...]
    groups: tuple[str, ...]
    series: tuple[str, ...]
    title: str
    xlabel: str
    ylabel: str
    logy: bool
    kind: FigureKind = "curves"
    legend: tuple[str, ...] = ()
    series_labels: tuple[str, ...] = ()
    x: str = ""  # by_value, heatmap: the grid parameter along the x axis
    y: str = ""  # heatmap: the grid parameter along the y axis


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

    def figure_runs(self, figure: FigureSpec) -> list[str]:
        """The runs a figure draws: its own list, or every run of its groups."""
        return list(figure.runs) or [
            r.id for r in self.runs if r.group in figure.groups
        ]


PROFILES = ("course", "quick")
FIGURE_KINDS = {
    "curves": (),
    "bars": (),
    "panels": (),
    "by_value": ("x",),
    "heatmap": ("x", "y"),
}


def available_labs(directory: Path = LABS_DIR) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.toml"))


def load_lab(
    lab_id: str,
    directory: Path = LABS_DIR,
    seeds: int | None = None,
    overrides: t.Sequence[Override] = (),
) -> LabSpec:
    """Load and check ``labs/<lab_id>.toml``.

    ``seeds`` (``--seeds N``) replaces the seed list of every swept group by 0 … N−1.
    ``overrides`` (``--set``) that name a swept parameter of a group (or of the group's
    experiment) replace that grid axis; the others are the planner's (:func:`plan.plan`).
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
    return _parse(raw, path, seeds, overrides)


class _Reader:
    """Typed access to one TOML table, naming the file and key path in every error."""

    def __init__(self, table: t.Mapping[str, t.Any], where: str, path: Path) -> None:
        self.table, self.where, self.path = table, where, path

    def fail(self, key: str, message: str) -> t.NoReturn:
        raise LabSpecError(f"{self.path.name}: {self.where}{key}: {message}")

    def get(
        self, key: str, kind: type | tuple[type, ...], default: t.Any = ...
    ) -> t.Any:
        if key not in self.table:
            if default is ...:
                self.fail(key, "missing")
            return default
        value = self.table[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            kinds = kind if isinstance(kind, tuple) else (kind,)
            names = " or ".join(k.__name__ for k in kinds)
            self.fail(key, f"expected {names}, got {value!r}")
        return value

    def sub(self, key: str) -> _Reader:
        return _Reader(self.get(key, dict, {}), f"{self.where}{key}.", self.path)


def _expand(
    r: _Reader,
    group: str,
    default_seed: int,
    seed_count: int | None,
    overrides: t.Sequence[Override],
    room: int,
) -> list[RunSpec]:
    """One [runs.<group>] table → its runs: one per grid point and seed, at most ``room``.

    ``grid = { num_hiddens = [128, 200] }`` sweeps parameters (the cartesian product of all
    axes); ``seeds = [0, 1, 2]`` repeats every point. A table with neither is one run whose
    id is the table name. Swept runs are named ``group[num_hiddens=128,seed=0]``, and
    ``label`` may use the point's values: ``"h={num_hiddens}"``.
    """
    grid = dict(r.get("grid", dict, {}))
    for axis, values in grid.items():
        if not isinstance(values, list) or not values:
            r.fail(
                f"grid.{axis}", f"expected a non-empty list of values, got {values!r}"
            )
    experiment_name = r.get("experiment", str)
    for o in overrides:
        if o.param in grid and o.target in (group, experiment_name):
            grid[o.param] = o.grid_values()
    choose = _choices(r.sub("choose"), grid)
    seeds = r.get("seeds", list, [r.get("seed", int, default_seed)])
    if seed_count is not None and "seeds" in r.table:
        seeds = list(range(seed_count))
    if not seeds or not all(
        isinstance(s, int) and not isinstance(s, bool) for s in seeds
    ):
        r.fail("seeds", f"expected a non-empty list of integers, got {seeds!r}")
    count = math.prod(len(values) for values in grid.values()) * len(seeds)
    if count > room:
        r.fail(
            "grid",
            f"{count} runs (grid points × seeds) would make the lab plan more than"
            f" {limits.PLANNED_RUNS} runs (reportgen.limits.PLANNED_RUNS)",
        )
    label = r.get("label", str, group)
    params = r.get("params", dict, {})
    may_diverge = r.get("may_diverge", bool, False)
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
                    experiment=experiment_name,
                    params=dict(params) | point,
                    seed=seed,
                    label=shown,
                    may_diverge=may_diverge,
                    group=group,
                    point=point,
                    choose=choose,
                )
            )
    return runs


def _choices(r: _Reader, grid: t.Mapping[str, t.Any]) -> dict[str, Choice]:
    """``choose = { num_hiddens = { from = "hidden", metric = "perplexity", goal = "min" } }``."""
    choices = {}
    for param in r.table:
        c = r.sub(param)
        if param in grid:
            r.fail(param, "is swept by this group's grid; it cannot also be chosen")
        goal = c.get("goal", str, "min")
        if goal not in ("min", "max"):
            c.fail("goal", f"expected 'min' or 'max', got {goal!r}")
        choices[param] = Choice(c.get("from", str), c.get("metric", str), goal)
    return choices


def _check_choices(top: _Reader, runs: t.Sequence[RunSpec]) -> None:
    """A choice names a group that sweeps that parameter and chooses nothing itself."""
    swept = {r.group: set(r.point) for r in runs}
    choosing = {r.group for r in runs if r.choose}
    for run in runs:
        for param, choice in run.choose.items():
            where = f"runs.{run.group}.choose.{param}"
            if choice.source not in swept:
                top.fail(where, f"unknown group {choice.source!r}")
            if param not in swept[choice.source]:
                top.fail(where, f"group {choice.source!r} does not sweep {param}")
            if choice.source in choosing:
                top.fail(where, f"group {choice.source!r} chooses parameters itself")


def _check_override_grid(runs: t.Sequence[RunSpec], o: Override) -> None:
    """``--set <run id>.<swept param>`` would break the grid: name the group instead."""
    for run in runs:
        if o.target == run.id != run.group and o.param in run.point:
            raise ParamError(
                f"--set {o.target}.{o.param}: {o.param} is swept by group {run.group};"
                f" set the group's values instead, e.g. --set {run.group}.{o.param}=…"
            )


def _parse(
    raw: dict[str, t.Any],
    path: Path,
    seed_count: int | None = None,
    overrides: t.Sequence[Override] = (),
) -> LabSpec:
    top = _Reader(raw, "", path)
    runs_table = top.get("runs", dict)
    default_seed = top.get("seed", int, 0)
    runs: list[RunSpec] = []
    for group in runs_table:
        runs += _expand(
            top.sub("runs").sub(group),
            group,
            default_seed,
            seed_count,
            overrides,
            limits.PLANNED_RUNS - len(runs),
        )
    _check_choices(top, runs)
    for o in overrides:
        _check_override_grid(runs, o)
    run_ids = {r.id for r in runs}
    groups = {r.group for r in runs}
    figures = []
    for i, fig_raw in enumerate(top.get("figures", list, [])):
        f = _Reader(fig_raw, f"figures[{i}].", path)
        fig_runs = tuple(f.get("runs", list, []))
        fig_groups = tuple(f.get("groups", list, []))
        if bool(fig_runs) == bool(fig_groups):
            f.fail(
                "runs", "give either runs (a curve per run) or groups (bands per point)"
            )
        for run_id in fig_runs:
            if run_id not in run_ids:
                f.fail("runs", f"unknown run {run_id!r}")
        for group in fig_groups:
            if group not in groups:
                f.fail("groups", f"unknown group {group!r}")
        kind = f.get("kind", str, "curves")
        if kind not in FIGURE_KINDS:
            f.fail("kind", f"expected one of {', '.join(FIGURE_KINDS)}, got {kind!r}")
        for axis in FIGURE_KINDS[kind]:
            f.get(axis, str)  # by_value needs x; heatmap x and y
        if kind in ("by_value", "heatmap") and not fig_groups:
            f.fail("groups", f"a {kind} figure draws swept groups")
        series = f.get("series", (str, list))
        figures.append(
            FigureSpec(
                id=f.get("id", str),
                runs=fig_runs,
                groups=fig_groups,
                kind=t.cast(FigureKind, kind),
                series=(series,) if isinstance(series, str) else tuple(series),
                legend=tuple(f.get("legend", list, [])),
                series_labels=tuple(f.get("series_labels", list, [])),
                x=f.get("x", str, ""),
                y=f.get("y", str, ""),
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
