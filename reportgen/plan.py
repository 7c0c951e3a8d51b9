"""Planning a build: which runs a lab needs, with which parameters, under which cache keys.

Parameters are resolved in this order, each level overriding the one before:
experiment defaults < the lab's run params < a value chosen from another group's results <
the profile (e.g. quick) < ``--set``.

A group that chooses a parameter from another group's results (``choose`` in the lab spec)
is planned in a second stage: :func:`plan` leaves its runs out until ``chosen`` holds the
choice, which :func:`choose_from_results` makes once the source group's runs are done.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import hashlib
import typing as t
from pathlib import Path

from reportgen import params as params_mod
from reportgen.errors import (
    EnvironmentProblem,
    ExperimentError,
    LabSpecError,
    ParamError,
    Problems,
    SetError,
)
from reportgen.experiment import Experiment, load_experiments, unloadable
from reportgen.lab import Choice, LabSpec, Override, RunSpec, did_you_mean
from reportgen.paths import DATA_DIR, PACKAGE_DIR, shown_path
from reportgen.safety import Roots
from reportgen.store import RunResult, canonical_json, run_key, sha256_file
from reportgen.text.corpus_file import CorpusFile, checked_corpus

# Packages of reportgen/ whose code cannot change a run's results: what renders reports.
UNKEYED_PACKAGES = frozenset({"render", "views"})


def keyed_packages(root: Path = PACKAGE_DIR.parent) -> tuple[str, ...]:
    """The library code whose changes change results: every package (a folder with an
    ``__init__.py``) of ``reportgen/`` but the rendering ones. A module of one of them enters
    the key of every experiment that imports it, directly or through another; a new package
    is keyed by being added. The top-level modules (the planner, the runner, the CLI) are
    not: they run experiments, they do not compute their results."""
    return tuple(
        f"reportgen.{folder.name}"
        for folder in sorted((root / "reportgen").iterdir())
        if (folder / "__init__.py").is_file() and folder.name not in UNKEYED_PACKAGES
    )


KEYED_PACKAGES = keyed_packages()


@dataclasses.dataclass(frozen=True)
class PlannedRun:
    spec: RunSpec
    experiment: Experiment
    params: t.Any  # an instance of the experiment's params dataclass
    key: str
    data: dict[str, str]  # data file (or "corpus") -> sha256, as it entered the key

    @property
    def id(self) -> str:
        return self.spec.id


Chosen = t.Mapping[str, t.Mapping[str, t.Any]]  # group -> {param: chosen value}


def plan(
    lab: LabSpec,
    profile: str = "course",
    overrides: t.Sequence[Override] = (),
    corpus: Path | None = None,
    chosen: Chosen | None = None,
    roots: Roots | None = None,
) -> list[PlannedRun]:
    """Resolve every run of ``lab`` to typed params and a cache key.

    ``corpus`` (``--corpus``) sets the ``corpus`` parameter of every run that declares one.
    A corpus parameter that names a file (from ``--corpus``, ``--set`` or the spec) is
    checked like ``--corpus`` (:func:`_user_corpus`: inside ``roots`` — by default the
    project folder — and readable text), and the file's sha256 enters the run's key. Runs
    with an open choice (see
    :func:`open_choices`) are checked but left out unless ``chosen`` holds their group.
    Overrides of swept parameters were applied when the lab was loaded (``load_lab``).
    """
    experiments = load_experiments()
    roots = roots or Roots.of()
    check_spec(lab, experiments)
    overrides = lab.aim(overrides)
    check_override_names(lab, overrides, param_names(experiments))
    _check_corpus_target(lab, experiments, corpus)
    hashes: dict[
        str, tuple[str, dict[str, str]]
    ] = {}  # experiment -> (code, data): once each
    corpus_files: dict[str, CorpusFile] = {}  # each user corpus read once
    planned = []
    for spec in lab.runs:
        exp = experiments[spec.experiment]
        declared = params_mod.field_types(exp.params_cls)
        values: dict[str, object] = dict(spec.params)
        waiting = open_choices(spec, overrides)
        if waiting and chosen is not None and spec.group in chosen:
            values |= chosen[spec.group]
            waiting = {}
        else:  # check the run's params now with a stand-in: any value of the source axis
            values |= {p: _first_value(lab, c.source, p) for p, c in waiting.items()}
        values |= {
            k: v for k, v in lab.profiles.get(profile, {}).items() if k in declared
        }
        where = spec.id
        for o in overrides:
            if o.reaches(spec):
                if o.param in spec.point:
                    continue  # a grid axis: load_lab made the runs of the new values
                values[o.param] = o.value
                where = o.target
        if exp.name not in hashes:
            hashes[exp.name] = (code_hash(exp), data_hashes(exp))
        code, data = hashes[exp.name]
        if corpus is not None and "corpus" in declared:
            values["corpus"] = str(corpus)
        p = params_mod.resolve(exp.params_cls, values, where)
        if waiting:
            continue
        user_file = _user_corpus(p, roots, corpus_files)
        if user_file is not None:  # whichever way it came: --corpus, --set or the spec
            p = dataclasses.replace(p, corpus=str(user_file.path))
            data = data | {"corpus": user_file.sha256}
        key = run_key(exp.name, code, params_mod.as_dict(p), spec.seed, data)
        planned.append(PlannedRun(spec, exp, p, key, data))
    return planned


def check_spec(lab: LabSpec, experiments: t.Mapping[str, Experiment]) -> None:
    """What of the spec only the experiments can check, every problem in one LabSpecError:
    each run's experiment exists (else: did you mean, and the experiment files that did not
    load), its ``params`` resolve, and each profile key is a parameter of at least one of the
    lab's runs' experiments (a misspelt one would be ignored: the run trains at its default).
    """
    problems = Problems()
    for spec in lab.runs:
        if spec.experiment in experiments:
            where = f"{lab.path.name}: runs.{spec.id}.params"
            problems.attempt(
                params_mod.resolve,
                experiments[spec.experiment].params_cls,
                spec.params,
                where,
            )
            continue
        broken = unloadable()
        if broken:  # the likely cause first: a file that defines it did not load
            message = (
                f"experiment '{spec.experiment}' is not loaded; an experiment file failed:"
                f" {'; '.join(broken)}."
            )
        else:
            close = difflib.get_close_matches(spec.experiment, experiments, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            message = f"unknown experiment '{spec.experiment}'.{hint}"
        problems.errors.append(
            LabSpecError(f"{lab.path.name}: runs.{spec.id}: {message}")
        )
    declared = {
        name
        for spec in lab.runs
        if spec.experiment in experiments
        for name in params_mod.field_types(experiments[spec.experiment].params_cls)
    }
    for profile, values in lab.profiles.items():
        for key in values:
            if key not in declared:
                problems.errors.append(
                    LabSpecError(
                        f"{lab.path.name}: profiles.{profile}.{key}: no experiment of"
                        f" this lab's runs has this parameter"
                        f"{did_you_mean(key, declared)}"
                    )
                )
    problems.raise_all(f"Lab spec {lab.path.name}", LabSpecError)


def _user_corpus(
    params: object, roots: Roots, seen: dict[str, CorpusFile]
) -> CorpusFile | None:
    """The user file a run's ``corpus`` parameter names, checked; None when it names none.

    An experiment whose params take a corpus says which values are files with a
    ``corpus_file()`` method (shipped corpora are names, not files).
    """
    corpus_file = getattr(params, "corpus_file", None)
    value = corpus_file() if callable(corpus_file) else None
    if value is None:
        return None
    if value not in seen:
        seen[value] = checked_corpus(Path(value), roots)
    return seen[value]


def open_choices(spec: RunSpec, overrides: t.Sequence[Override]) -> dict[str, Choice]:
    """The run's choices that ``--set`` does not settle (``--set batch.num_hiddens=200``)."""
    settled = {o.param for o in overrides if o.reaches(spec)}
    return {p: c for p, c in spec.choose.items() if p not in settled}


def _first_value(lab: LabSpec, group: str, param: str) -> t.Any:
    return next(r.point[param] for r in lab.runs if r.group == group)


def choose_from_results(
    lab: LabSpec,
    overrides: t.Sequence[Override],
    results: t.Mapping[str, RunResult],
) -> dict[str, dict[str, t.Any]]:
    """Make every open choice from the finished runs of its source group.

    The value of the grid point whose runs have the best mean metric over the seeds wins; a
    point with a diverged (or missing) run cannot win, and a tie goes to the point listed
    first. When no point qualifies, that is an ExperimentError: there is nothing to choose.
    """
    from reportgen.aggregate import metric_spread, points

    chosen: dict[str, dict[str, t.Any]] = {}
    for spec in lab.runs:
        for param, choice in open_choices(spec, overrides).items():
            if param in chosen.get(spec.group, {}):
                continue
            sign = 1 if choice.goal == "min" else -1
            scored = []
            for point, run_ids in points(lab, choice.source):
                found = [results[r] for r in run_ids if r in results]
                spread = metric_spread(found, choice.metric)
                if spread.n == len(run_ids):  # every seed finished with the metric
                    scored.append((sign * spread.mean, point[param]))
            if not scored:
                raise ExperimentError(
                    f"Cannot choose {param} for {spec.group}: no grid point of"
                    f" {choice.source} finished all its runs with a {choice.metric}."
                )
            chosen.setdefault(spec.group, {})[param] = min(scored, key=lambda s: s[0])[
                1
            ]
    return chosen


Stage = t.Callable[[Chosen], t.Mapping[str, RunResult] | None]


def in_stages(
    lab: LabSpec, overrides: t.Sequence[Override], stage: Stage
) -> tuple[dict[str, dict[str, t.Any]], dict[str, RunResult]] | None:
    """The one way through a build: plan → results → choose from them → plan again.

    ``stage(chosen)`` gives the results of every run planned with ``chosen``, in plan order
    (training them, reading them from the store, …), or None when it cannot. The second
    stage comes only when a group chooses a parameter from the first stage's results. Returns
    the choices and the last stage's results, or None where a stage had none.
    """
    results = stage({})
    if results is None:
        return None
    chosen = choose_from_results(lab, overrides, results)
    if chosen:
        results = stage(chosen)
        if results is None:
            return None
    return chosen, dict(results)


ParamNames = t.Mapping[str, t.Collection[str]]  # experiment -> its parameters


def param_names(experiments: t.Mapping[str, Experiment]) -> dict[str, list[str]]:
    """Every experiment's parameters, by name (what ``--set`` may name)."""
    return {
        name: sorted(params_mod.field_types(exp.params_cls))
        for name, exp in experiments.items()
    }


def check_override_names(
    lab: LabSpec, overrides: t.Sequence[Override], names: ParamNames
) -> None:
    """Each ``--set`` names a run, group or experiment of the lab (:meth:`LabSpec.aim`),
    and a parameter of what it reaches: else a usage error listing the parameters there
    are, with a did-you-mean (a misspelt key would otherwise be refused only as some run's
    parameter). ``names``: the experiments' parameters (:func:`param_names`, or the index
    a build remembered: reportgen.param_index)."""
    overrides = lab.aim(overrides)
    experiments = {r.experiment for r in lab.runs}
    targets = experiments | {r.id for r in lab.runs} | {r.group for r in lab.runs}
    seen: set[str] = set()
    groups = [r.group for r in lab.runs]
    runs = {r.id: r.experiment for r in lab.runs} | {r.group: r.experiment for r in lab.runs}
    for o in overrides:
        if o.kind == "experiment" and o.target in set(runs) - experiments:
            raise SetError(
                f"--set {o.name()}: {o.target} is a run of lab {lab.id}, not an"
                f" experiment: write {o.target}.{o.param}=… for that run, or"
                f" experiment:{runs[o.target]}.{o.param}=… for every run of its experiment."
            )
        if not o.kind or o.kind == "experiment" and o.target not in experiments:
            close = difflib.get_close_matches(o.target, targets, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise SetError(
                f"--set {o.name()}: lab {lab.id} has no run or experiment"
                f" '{o.target}'.{hint} Runs: {', '.join(dict.fromkeys(groups))};"
                " experiments:"
                f" {', '.join(sorted(experiments))}."
            )
        if o.name() in seen:
            raise SetError(f"--set {o.name()} is given twice: give each parameter once.")
        seen.add(o.name())
        reached = {r.experiment for r in lab.runs if o.reaches(r)}
        known = sorted({p for e in reached for p in names.get(e, ())})
        if reached <= set(names) and o.param not in known:
            raise SetError(
                f"--set {o.name()}: {o.target} has no parameter {o.param!r}"
                f"{did_you_mean(o.param, known) or '.'} Its parameters: {', '.join(known)}."
            )


def _check_corpus_target(
    lab: LabSpec, experiments: t.Mapping[str, Experiment], corpus: Path | None
) -> None:
    if corpus is None:
        return
    takes = [
        r.id
        for r in lab.runs
        if r.experiment in experiments
        and "corpus" in params_mod.field_types(experiments[r.experiment].params_cls)
    ]
    if not takes:
        raise ParamError(
            f"Lab {lab.id} takes no --corpus: none of its experiments reads one."
        )


def code_sources(exp: Experiment) -> dict[str, str]:
    """The code a run of ``exp`` executes: its source file and the keyed modules it imports."""
    paths = [exp.source_path, *sorted(keyed_imports(exp.source_path))]
    # named as paths.shown_path names them: keys do not depend on where reportgen is
    return {shown_path(p): p.read_text(encoding="utf-8") for p in paths}


def code_hash(exp: Experiment) -> str:
    """sha256 over :func:`code_sources` (paths and texts)."""
    return hashlib.sha256(canonical_json(code_sources(exp)).encode()).hexdigest()


def keyed_imports(
    source: Path, root: Path = PACKAGE_DIR.parent, seen: set[Path] | None = None
) -> set[Path]:
    """Files of the keyed packages under ``root`` that ``source`` imports, followed
    transitively."""
    seen = set() if seen is None else seen
    packages = KEYED_PACKAGES if root == PACKAGE_DIR.parent else keyed_packages(root)
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        for module in modules:
            if not module.startswith(packages):
                continue
            path = root / (module.replace(".", "/") + ".py")
            if path.is_file() and path not in seen:
                seen.add(path)
                keyed_imports(path, root, seen)
    return seen


def data_hashes(exp: Experiment) -> dict[str, str]:
    """sha256 of each data file the experiment declares; a missing file is a one-line error."""
    hashes = {}
    for name in exp.data_files:
        path = DATA_DIR / name
        if not path.is_file():
            raise EnvironmentProblem(
                f"Data file data/{name} is missing (experiment {exp.name}); restore it with:"
                f" git checkout -- data/{name}"
            )
        hashes[name] = sha256_file(path)
    return hashes
