"""Lab specs: ``labs/<id>.toml`` loaded once into frozen, typed objects.

A lab names its course metadata, its runs (an experiment plus parameter overrides and a seed),
its figures, its template and its profiles (e.g. ``quick``). It knows nothing of training.
Every problem is reported with the file and the key path, e.g. ``labs/lab4.toml: runs.gru.params``,
before anything trains: a value of the wrong type, an unknown (misspelt) key, a seed outside
0 … 2**32 − 1, a label field other than a grid parameter or ``seed``, a figure that names
unknown runs or axes, a template that does not exist, a file not in UTF-8.

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
import string
import tomllib
import typing as t
import unicodedata
from pathlib import Path

from reportgen import limits
from reportgen.errors import LabSpecError, ParamError, Problems, shown
from reportgen.lab_translation import (
    TRANSLATED,
    Translation,
    in_language,
    read_translation,
)
from reportgen.params import number_problem
from reportgen.paths import LABS_DIR, TEMPLATES_DIR, own_folder
from reportgen.safety import refusal


@dataclasses.dataclass(frozen=True)
class Choice:
    """A parameter taken from the best grid point of another group once its runs finished."""

    source: str  # the group whose results decide, e.g. "hidden"
    metric: str  # a metric every run of that group records, e.g. "perplexity"
    goal: t.Literal["min", "max"]  # lowest or highest mean over seeds wins

    def describe(self, param: str) -> str:
        best = "lowest" if self.goal == "min" else "highest"
        return f"{param}: the {self.source} sweep's value with the {best} mean {self.metric}"


TargetKind = t.Literal["", "run", "experiment"]
EXPERIMENT_PREFIX = "experiment:"


@dataclasses.dataclass(frozen=True)
class Override:
    """One ``--set target.param=value``.

    The target is a run id or group (those runs), or an experiment (all its runs). A name
    that is both — lab4's run ``rnn_concise`` and the experiment ``rnn_concise`` that four
    runs use — means the run: the most specific reading wins, and ``experiment:rnn_concise``
    reaches every run of the experiment. ``kind`` is "" until :meth:`LabSpec.aim` has read
    the target against a lab. On a swept parameter of a group, the value is the new list of
    grid values: ``--set hidden.num_hiddens=64,128``.
    """

    target: str
    param: str
    value: str
    kind: TargetKind = ""
    prefixed: bool = False  # typed as experiment:<target>

    def reaches(self, run: RunSpec) -> bool:
        """Whether this override is aimed at ``run``: by its id or group, or by its
        experiment."""
        if self.kind == "run":
            return self.target in (run.id, run.group)
        if self.kind == "experiment":
            return self.target == run.experiment
        raise ValueError(f"--set {self.text()}: not aimed at a lab yet (LabSpec.aim)")

    def aimed(self, runs: t.Container[str], experiments: t.Container[str]) -> Override:
        """This override read against a lab whose run ids and groups are ``runs``: still
        unaimed where the target names nothing of the lab."""
        if self.kind or self.target not in runs and self.target not in experiments:
            return self
        kind: TargetKind = "run" if self.target in runs else "experiment"
        return dataclasses.replace(self, kind=kind)

    def name(self) -> str:
        """``target.param`` as it was typed."""
        prefix = EXPERIMENT_PREFIX if self.prefixed else ""
        return f"{prefix}{self.target}.{self.param}"

    def text(self) -> str:
        """The whole ``--set`` value as it was typed."""
        return f"{self.name()}={self.value}"

    def grid_values(self) -> list[t.Any]:
        """The value as a list of grid values, each read as a TOML value (64 → int)."""
        values = []
        for item in self.value.split(","):
            try:
                values.append(tomllib.loads(f"v = {item.strip()}")["v"])
            except (ValueError, RecursionError):  # TOMLDecodeError, or no TOML value
                values.append(item.strip())  # a bare word, e.g. lstm
        return values


def parse_override(text: str) -> Override:
    """Split ``[experiment:]target.param=value``; a malformed text raises ParamError."""
    # the target may itself hold '.' and '=' (a run id like hidden[lr=0.1,seed=0])
    match = re.fullmatch(r"\s*(.+)\.(\w+)\s*=(.*)", text, re.DOTALL)
    if match is None:
        raise ParamError(
            f"--set expects target.param=value (e.g. rnn_scratch.num_hiddens=256), got {text!r}."
        )
    target, param, value = match.groups()
    target = target.strip()
    if target.startswith(EXPERIMENT_PREFIX):
        target = target.removeprefix(EXPERIMENT_PREFIX).strip()
        return Override(target, param, value.strip(), "experiment", prefixed=True)
    return Override(target, param, value.strip())


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
    exercises: tuple[str, ...]  # the course's questions to answer (reportgen init's notes)
    runs: tuple[RunSpec, ...]
    figures: tuple[FigureSpec, ...]
    profiles: dict[str, dict[str, t.Any]]  # profile name -> parameter overrides
    path: Path
    lang: str = "zh"  # the language of its printed strings (reportgen.lab_translation)
    translations: dict[str, Translation] = dataclasses.field(default_factory=dict)

    def in_language(self, lang: str) -> LabSpec:
        """This lab with its title, labels and figure labels in ``lang``."""
        return in_language(self, lang)

    def run(self, run_id: str) -> RunSpec:
        return next(r for r in self.runs if r.id == run_id)

    def aim(self, overrides: t.Iterable[Override]) -> tuple[Override, ...]:
        """``--set`` targets read against this lab: a run id or group where one has the
        name, else an experiment (see :class:`Override`)."""
        names = {r.id for r in self.runs} | {r.group for r in self.runs}
        experiments = {r.experiment for r in self.runs}
        return tuple(o.aimed(names, experiments) for o in overrides)

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


# every seeding library accepts these (numpy's seed the fewest; torch and random take more)
SEED_RANGE = (0, limits.SEED_MAX)
# the widest width or precision a label's format field may ask for
LABEL_FIELD_WIDTH = 99
GRID_VALUE_LENGTH = 100  # characters of a string grid value (it is part of the run ids)
FIGURE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # it names the figure's file
LAB_NUMBERS = range(1, 1000)
# the keys each table may have (any other is a typo, refused rather than ignored)
TOP_KEYS = "number title course template notes exercises seed runs figures profiles".split()
TOP_KEYS += TRANSLATED
RUN_KEYS = "experiment label params may_diverge grid seeds seed choose".split()
CHOICE_KEYS = "from metric goal".split()
FIGURE_KEYS = "id runs groups series title xlabel ylabel logy kind legend".split()
FIGURE_KEYS += ["series_labels", "x", "y"]
HIDDEN_CHARACTERS = ("Cc", "Cf", "Zl", "Zp")  # Unicode categories refused in keys
_KIND_NAMES = {
    dict: "a table",
    list: "a list",
    str: "a string",
    int: "an integer",
    bool: "true or false",
}


def available_labs(directory: Path | None = None) -> list[str]:
    """The lab ids of ``directory``, or of the shipped specs and the work folder's own."""
    folders = [directory] if directory else [LABS_DIR, own_folder(LABS_DIR)]
    return sorted({p.stem for folder in folders if folder for p in folder.glob("*.toml")})


def load_lab(
    lab_id: str,
    directory: Path | None = None,
    seeds: int | None = None,
    overrides: t.Sequence[Override] = (),
) -> LabSpec:
    """Load and check ``labs/<lab_id>.toml``: the work folder's own (``init --eject``), else
    the shipped one (or ``directory``'s).

    ``lab_id`` is a lab's id, or the path of a spec file ending in ``.toml`` inside
    the project folder (docs/security.md) whose name is a lab id.
    ``seeds`` (``--seeds N``) replaces the seed list of every swept group by 0 … N−1.
    ``overrides`` (``--set``) that name a swept parameter of a group (or of the group's
    experiment) replace that grid axis; the others are the planner's (:func:`plan.plan`).
    """
    path = _spec_path(lab_id, directory)
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
        data = limits.read_bounded(
            lambda: open(path, "rb"), path.stat().st_size, limits.SPEC_BYTES
        )
        raw = tomllib.loads(data.decode("utf-8"))
    except limits.OverLimit as exc:
        raise LabSpecError(
            f"Lab spec {path.name} is {exc.size // 1024} KB; the limit is"
            f" {limits.SPEC_BYTES // 1024} KB (reportgen.limits.SPEC_BYTES)."
        ) from None
    except UnicodeDecodeError as exc:
        raise LabSpecError(
            f"Lab spec {path.name} is not UTF-8 (byte {exc.start}); save it as UTF-8."
        ) from None
    except RecursionError:
        raise LabSpecError(
            f"Malformed lab spec {path.name}: nested too deeply."
        ) from None
    except ValueError as exc:  # TOMLDecodeError, or an integer too long to read
        raise LabSpecError(
            f"Malformed lab spec {path.name}: {str(exc)[:200]}."
        ) from None
    return _parse(raw, path, seeds, overrides)


# a lab id names folders and files of the build: letters, digits, '-', '_'; not '.' or '..'
LAB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z")


def _spec_path(lab_id: str, directory: Path | None) -> Path:
    """The spec file of ``lab_id``: ``<directory>/<id>.toml``, the work folder's own
    ``labs/<id>.toml`` (a data file: checked like any input) or the shipped one, or a
    checked path to one."""
    from reportgen.safety import Roots, input_file, printable_path

    if LAB_ID.match(lab_id):
        if directory:
            return directory / f"{lab_id}.toml"
        own = own_folder(LABS_DIR)
        if own and (own / f"{lab_id}.toml").exists():
            return input_file(own / f"{lab_id}.toml", "Lab spec", Roots.of())
        return LABS_DIR / f"{lab_id}.toml"
    shown = printable_path(lab_id, "Lab")
    if not lab_id.endswith(".toml"):
        raise LabSpecError(
            f"{shown!r} is not a lab: give a lab id (letters, digits, '-' and '_'; see"
            " `reportgen list`) or the path of a lab spec ending in .toml."
        )
    try:
        path = input_file(Path(lab_id), "Lab spec", Roots.of())
    except FileNotFoundError:
        raise LabSpecError(f"Lab spec {shown} does not exist.") from None
    if not LAB_ID.match(path.stem):  # the file's own name, once links are resolved
        raise LabSpecError(
            f"Lab spec {shown}: its file name must be a lab id (letters, digits, '-' and"
            " '_') followed by .toml."
        )
    return path


class _Reader:
    """Typed access to one TOML table, naming the file and key path in every error.

    :meth:`fail` raises; :meth:`only` records its problems in ``problems`` (shared by the
    readers of one spec) and parsing goes on, so that every misspelt key is reported.
    """

    def __init__(
        self, table: object, where: str, path: Path, problems: Problems
    ) -> None:
        self.where, self.path, self.problems = where, path, problems
        if not isinstance(table, dict):
            self.fail("", f"expected a table, got {shown(table)}")
        for key in table:  # keys name runs, groups and parameters in ids and messages
            if any(unicodedata.category(c) in HIDDEN_CHARACTERS for c in key):
                self.fail("", f"key {shown(key)} holds control or invisible characters")
        self.table: dict[str, t.Any] = table

    def fail(self, key: str, message: str) -> t.NoReturn:
        where = f"{self.where}{key}".rstrip(".")
        raise LabSpecError(
            f"{self.path.name}: {where + ': ' if where else ''}{message}"
        )

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
            names = " or ".join(_KIND_NAMES[k] for k in kinds)
            self.fail(key, f"expected {names}, got {shown(value)}")
        return value

    def sub(self, key: str) -> _Reader:
        return _Reader(
            self.get(key, dict, {}), f"{self.where}{key}.", self.path, self.problems
        )

    def tables(self, key: str) -> list[_Reader]:
        """An array of tables (``[[figures]]``), each read by its own reader."""
        items = self.get(key, list, [])
        return [
            _Reader(item, f"{self.where}{key}[{i}].", self.path, self.problems)
            for i, item in enumerate(items)
        ]

    def strings(self, key: str, printed: bool = False) -> tuple[str, ...]:
        """A list of strings, empty when absent; ``printed``: each is checked as
        :meth:`text` checks one."""
        items = self.get(key, list, [])
        for item in items:
            if not isinstance(item, str):
                self.fail(key, f"expected a list of strings, got {shown(item)} in it")
            if printed:
                self.plain(key, item)
        return tuple(items)

    def text(self, key: str, default: t.Any = ...) -> str:
        """A string the report prints: no control or invisible characters (:meth:`plain`)."""
        return self.plain(key, self.get(key, str, default))

    def plain(self, key: str, value: str) -> str:
        """``value`` (read at ``key``) unless it holds a character the report must not
        print: a control or formatting character, a surrogate, private-use or unassigned."""
        refused = refusal(value)
        if refused is not None:
            self.fail(key, f"{refused}; remove it")
        return value

    def seed(self, value: object, key: str) -> int:
        """``value`` (read at ``key``) as a seed: an integer within SEED_RANGE."""
        low, high = SEED_RANGE
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(key, f"expected an integer seed, got {shown(value)}")
        if not low <= value <= high:
            self.fail(
                key,
                f"a seed must be within {low} … {high} (2**32 − 1), got {shown(value)}",
            )
        return value

    def only(self, known: t.Sequence[str]) -> None:
        """Refuse keys this table does not have: a misspelt key would be ignored silently.

        Each is recorded in ``problems`` (with a did-you-mean); parsing goes on."""
        for key in self.table:
            if key not in known:
                self.problems.attempt(self.fail, key, unknown_key(key, known))


def did_you_mean(key: str, known: t.Iterable[str]) -> str:
    """``; did you mean 'x'?`` with the closest of ``known``, or "" when none is close."""
    import difflib

    close = difflib.get_close_matches(key, sorted(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def unknown_key(key: str, known: t.Sequence[str]) -> str:
    """``unknown key; did you mean 'x'?``, or the keys expected when none is close."""
    return f"unknown key{did_you_mean(key, known) or '; expected one of ' + ', '.join(known)}"


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
    r.only(RUN_KEYS)
    grid = dict(r.sub("grid").table)
    for axis, values in grid.items():
        if not isinstance(values, list) or not values:
            r.fail(
                f"grid.{axis}",
                f"expected a non-empty list of values, got {shown(values)}",
            )
        for value in values:
            _check_grid_value(r, f"grid.{axis}", value)
    experiment_name = r.get("experiment", str)
    for o in overrides:  # aimed at the groups (a grid run's id is no grid's target)
        if o.param in grid and o.target == (group if o.kind == "run" else experiment_name):
            grid[o.param] = o.grid_values()
            for value in grid[o.param]:
                _check_grid_value(
                    r, f"grid.{o.param} (--set {o.target}.{o.param})", value
                )
    choose = _choices(r.sub("choose"), grid)
    if "seeds" in r.table:
        listed = r.get("seeds", list)
        if not listed:
            r.fail("seeds", "expected a non-empty list of integers, got []")
        seeds = [r.seed(s, "seeds") for s in listed]
    else:
        seeds = [r.seed(r.table.get("seed", default_seed), "seed")]
    if seed_count is not None and "seeds" in r.table:
        seeds = list(range(seed_count))
    count = math.prod(len(values) for values in grid.values()) * len(seeds)
    if count > room:
        r.fail(
            "grid",
            f"{count} runs (grid points × seeds) would make the lab plan more than"
            f" {limits.PLANNED_RUNS} runs (reportgen.limits.PLANNED_RUNS)",
        )
    label = r.text("label", group)
    _check_label(r, label, [*grid, "seed"])
    params = r.sub("params").table
    may_diverge = r.get("may_diverge", bool, False)
    swept = bool(grid) or "seeds" in r.table
    runs = []
    for values in itertools.product(*grid.values()):
        point = dict(zip(grid, values, strict=True))
        for seed in seeds:
            name = ",".join([*(f"{k}={v}" for k, v in point.items()), f"seed={seed}"])
            try:
                shown_label = label.format(**point, seed=seed)
            # a format spec the value cannot take, e.g. {seed:s} or {seed:c} of 2**32 − 1
            except (ValueError, TypeError, OverflowError) as exc:
                r.fail("label", f"cannot fill {shown(label)} for {name}: {exc}")
            runs.append(
                RunSpec(
                    id=f"{group}[{name}]" if swept else group,
                    experiment=experiment_name,
                    params=dict(params) | point,
                    seed=seed,
                    label=shown_label,
                    may_diverge=may_diverge,
                    group=group,
                    point=point,
                    choose=choose,
                )
            )
    return runs


def _check_grid_value(r: _Reader, key: str, value: object) -> None:
    """A grid value is a short string, a boolean or a number a parameter can take.

    It is part of its runs' ids (``hidden[num_hiddens=128,seed=0]``), hence the length limit.
    """
    if not isinstance(value, (str, int, float)):
        r.fail(key, f"expected strings, numbers or booleans, got {shown(value)}")
    if isinstance(value, str) and len(value) > GRID_VALUE_LENGTH:
        r.fail(
            key,
            f"a grid value has at most {GRID_VALUE_LENGTH} characters, got {shown(value)}",
        )
    if isinstance(value, str):  # it fills labels, which the report prints
        r.plain(key, value)
    if isinstance(value, (int, float)) and number_problem(value, value):
        r.fail(key, number_problem(value, value))


def _check_label(r: _Reader, label: str, fields: t.Sequence[str]) -> None:
    """A label's ``{field}``s name a grid parameter or ``seed``, with a modest format spec.

    No positional fields, attribute or index access, nested fields, or widths beyond
    LABEL_FIELD_WIDTH (``{seed:>999999999}`` would build a gigabyte string).
    """
    try:
        parsed = list(string.Formatter().parse(label))
    except ValueError as exc:
        r.fail("label", f"cannot read {shown(label)}: {exc}")
    for _, field, spec, conversion in parsed:
        if field is None or spec is None:
            continue
        if field not in fields:
            allowed = ", ".join(f"{{{f}}}" for f in fields)
            r.fail("label", f"{{{field}}} in {shown(label)} is not one of {allowed}")
        if conversion not in (None, "r", "s", "a"):
            r.fail("label", f"unknown conversion !{conversion} in {shown(label)}")
        if "{" in spec or any(
            int(n) > LABEL_FIELD_WIDTH for n in re.findall(r"\d+", spec)
        ):
            r.fail(
                "label",
                f"format spec {spec!r} in {shown(label)}: widths and precisions are at most"
                f" {LABEL_FIELD_WIDTH}, with no nested fields",
            )


def _choices(r: _Reader, grid: t.Mapping[str, t.Any]) -> dict[str, Choice]:
    """``choose = { num_hiddens = { from = "hidden", metric = "perplexity", goal = "min" } }``."""
    choices = {}
    for param in r.table:
        c = r.sub(param)
        c.only(CHOICE_KEYS)
        if param in grid:
            r.fail(param, "is swept by this group's grid; it cannot also be chosen")
        goal = c.get("goal", str, "min")
        if goal not in ("min", "max"):
            c.fail("goal", f"expected 'min' or 'max', got {shown(goal)}")
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
        if o.kind != "experiment" and o.target == run.id != run.group and o.param in run.point:
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
    """Every part of the spec is checked, each problem recorded, then all raised at once:
    a part that fails (a run group, a figure, a field) is left out of the later checks."""
    problems = Problems()
    attempt = problems.attempt
    top = _Reader(raw, "", path, problems)
    top.only(TOP_KEYS)
    default_seed = attempt(top.seed, top.table.get("seed", 0), "seed") or 0
    runs_table = attempt(_runs_table, top)
    runs: list[RunSpec] = []
    groups = runs_table.table if runs_table else {}
    experiments = {str(g.get("experiment")) for g in groups.values() if isinstance(g, dict)}
    aimed = [o.aimed(groups, experiments) for o in overrides]
    broken: set[str] = set()  # groups whose table has a problem: not checked further
    for group in runs_table.table if runs_table else ():
        room = limits.PLANNED_RUNS - len(runs)
        reader = attempt(runs_table.sub, group) if runs_table else None
        expanded = reader and attempt(
            _expand, reader, group, default_seed, seed_count, aimed, room
        )
        if expanded is None:
            broken.add(group)
        runs += expanded or []
    if runs_table and not broken:
        attempt(_check_unique_ids, top, runs)
        attempt(_check_choices, top, runs)
        for o in overrides:
            _check_override_grid(runs, o)
    figures: list[FigureSpec] = []
    for f in attempt(top.tables, "figures") or []:
        figure = attempt(_figure, f, runs, broken)
        if figure is not None and figure.id in [g.id for g in figures]:
            attempt(f.fail, "id", f"{figure.id!r} is the id of an earlier figure")
        elif figure is not None:
            figures.append(figure)
    number = attempt(_number, top) or 0
    title = attempt(top.text, "title") or ""
    course = attempt(top.text, "course") or ""
    template = attempt(_template, top) or ""
    notes = attempt(top.get, "notes", str, f"notes/{path.stem}.md") or ""
    exercises = attempt(_exercises, top) or ()
    profiles = attempt(_profiles, top) or {}
    translations = {
        lang: attempt(read_translation, top.sub(lang), runs, figures, _check_label)
        for lang in TRANSLATED
        if lang in top.table and runs_table and not broken
    }
    problems.raise_all(f"Lab spec {path.name}", LabSpecError)
    return LabSpec(
        id=path.stem,
        number=number,
        title=title,
        course=course,
        template=template,
        notes=notes,
        exercises=exercises,
        runs=tuple(runs),
        figures=tuple(figures),
        profiles=profiles,
        path=path,
        translations={k: v for k, v in translations.items() if v is not None},
    )


def _exercises(top: _Reader) -> tuple[str, ...]:
    """``exercises``: the questions the course poses, each a printable, non-empty string."""
    questions = top.get("exercises", list, [])
    for number, question in enumerate(questions, 1):
        if not isinstance(question, str) or not question.strip():
            top.fail("exercises", f"item {number} must be a non-empty string")
        top.plain("exercises", question)
    return tuple(questions)


def _runs_table(top: _Reader) -> _Reader:
    top.get("runs", dict)  # required
    return top.sub("runs")


def _number(top: _Reader) -> int:
    number: int = top.get("number", int)
    if number not in LAB_NUMBERS:
        top.fail("number", f"expected a lab number within 1 … 999, got {shown(number)}")
    return number


def _check_unique_ids(top: _Reader, runs: t.Sequence[RunSpec]) -> None:
    """Two runs of one id would share results and figures: a grid value or seed listed twice."""
    seen: set[str] = set()
    for run in runs:
        if run.id in seen:
            top.fail(
                f"runs.{run.group}",
                f"two runs are named {shown(run.id)}: a grid value or seed listed twice?",
            )
        seen.add(run.id)


def _template(top: _Reader) -> str:
    """The template's file name in templates/: it must exist, so rendering cannot fail late."""
    name: str = top.get("template", str)
    if "/" in name or "\\" in name or not (TEMPLATES_DIR / name).is_file():
        top.fail("template", f"no template {shown(name)} in templates/")
    return name


def _profiles(top: _Reader) -> dict[str, dict[str, t.Any]]:
    """``[profiles.quick]``: each a table of parameter overrides; ``course`` is always there.

    Its keys are checked against the experiments' parameters by planning
    (:func:`reportgen.plan.spec_problems`), which imports the experiments."""
    r = top.sub("profiles")
    profiles: dict[str, dict[str, t.Any]] = {"course": {}}
    for name in r.table:
        if name not in PROFILES:
            r.fail(name, f"unknown profile; expected one of {', '.join(PROFILES)}")
        profiles[name] = dict(r.sub(name).table)
    return profiles


def _figure(
    f: _Reader, runs: t.Sequence[RunSpec], broken: t.Collection[str] = ()
) -> FigureSpec:
    """One ``[[figures]]`` table, checked against the lab's runs and groups; the runs and
    groups of ``broken`` groups (whose own problems are reported) are not checked."""
    f.only(FIGURE_KEYS)
    figure_id = f.get("id", str)
    if not FIGURE_ID.fullmatch(figure_id):
        f.fail(
            "id",
            f"expected 1-64 letters, digits, '-' or '_' (it names a file), got {shown(figure_id)}",
        )
    fig_runs, fig_groups = f.strings("runs"), f.strings("groups")
    if bool(fig_runs) == bool(fig_groups):
        f.fail("runs", "give either runs (a curve per run) or groups (bands per point)")
    run_ids = {r.id for r in runs}
    for run_id in fig_runs:
        if run_id not in run_ids and run_id.partition("[")[0] not in broken:
            f.fail("runs", f"unknown run {shown(run_id)}")
    axes = {r.group: set(r.point) for r in runs}
    for group in fig_groups:
        if group not in axes and group not in broken:
            f.fail("groups", f"unknown group {shown(group)}")
    kind = f.get("kind", str, "curves")
    if kind not in FIGURE_KINDS:
        f.fail("kind", f"expected one of {', '.join(FIGURE_KINDS)}, got {shown(kind)}")
    if kind in ("by_value", "heatmap") and not fig_groups:
        f.fail("groups", f"a {kind} figure draws swept groups")
    for axis in FIGURE_KINDS[kind]:  # by_value needs x; heatmap x and y
        param = f.get(axis, str)
        for group in fig_groups:
            if param not in axes.get(group, {param}):
                f.fail(axis, f"group {group!r} does not sweep {shown(param)}")
    series = f.get("series", (str, list))
    series = (series,) if isinstance(series, str) else f.strings("series")
    if not series:
        f.fail("series", "expected a series name or a non-empty list of them")
    return FigureSpec(
        id=figure_id,
        runs=fig_runs,
        groups=fig_groups,
        kind=t.cast(FigureKind, kind),
        series=series,
        legend=f.strings("legend", printed=True),
        series_labels=f.strings("series_labels", printed=True),
        x=f.get("x", str, ""),
        y=f.get("y", str, ""),
        title=f.text("title", ""),
        xlabel=f.text("xlabel", ""),
        ylabel=f.text("ylabel", ""),
        logy=f.get("logy", bool, False),
    )
