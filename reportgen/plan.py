"""Planning a build: which runs a lab needs, with which parameters, under which cache keys.

Parameters are resolved in this order, each level overriding the one before:
experiment defaults < the lab's run params < the profile (e.g. quick) < ``--set``.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import hashlib
import typing as t
from pathlib import Path

from reportgen import params as params_mod
from reportgen.errors import EnvironmentProblem, ParamError
from reportgen.experiment import Experiment, load_experiments
from reportgen.lab import LabSpec, RunSpec
from reportgen.paths import DATA_DIR, PROJECT_ROOT
from reportgen.store import canonical_json, run_key, sha256_file

# Library code whose changes change results: it enters the key of every experiment importing it.
KEYED_PACKAGES = ("reportgen.text", "reportgen.train")


@dataclasses.dataclass(frozen=True)
class PlannedRun:
    spec: RunSpec
    experiment: Experiment
    params: t.Any  # an instance of the experiment's params dataclass
    key: str

    @property
    def id(self) -> str:
        return self.spec.id


@dataclasses.dataclass(frozen=True)
class Override:
    """One ``--set target.param=value``: target is an experiment (all its runs) or one run id."""

    target: str
    param: str
    value: str


def parse_override(text: str) -> Override:
    """Split ``target.param=value``; a malformed text raises ParamError."""
    name, sep, value = text.partition("=")
    target, dot, param = name.strip().partition(".")
    if not sep or not dot or not target or not param:
        raise ParamError(
            f"--set expects target.param=value (e.g. rnn_scratch.num_hiddens=256), got {text!r}."
        )
    return Override(target, param.strip(), value.strip())


def plan(
    lab: LabSpec,
    profile: str = "course",
    overrides: t.Sequence[Override] = (),
    corpus: Path | None = None,
) -> list[PlannedRun]:
    """Resolve every run of ``lab`` to typed params and a cache key.

    ``corpus`` (``--corpus``) sets the ``corpus`` parameter of every run that declares one;
    the file's sha256 then enters those runs' keys.
    """
    experiments = load_experiments()
    _check_override_targets(lab, overrides)
    _check_corpus_target(lab, experiments, corpus)
    planned = []
    for spec in lab.runs:
        if spec.experiment not in experiments:
            close = difflib.get_close_matches(spec.experiment, experiments, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise ParamError(
                f"{lab.path.name}: runs.{spec.id}: unknown experiment '{spec.experiment}'.{hint}"
            )
        exp = experiments[spec.experiment]
        declared = params_mod.field_types(exp.params_cls)
        values: dict[str, object] = dict(spec.params)
        params_mod.resolve(
            exp.params_cls, values, f"{lab.path.name}: runs.{spec.id}.params"
        )
        values |= {
            k: v for k, v in lab.profiles.get(profile, {}).items() if k in declared
        }
        where = spec.id
        for o in overrides:
            if o.target in (spec.id, spec.experiment, spec.group):
                if o.param in spec.point:
                    raise ParamError(
                        f"--set {o.target}.{o.param}: {o.param} is swept by the lab's grid"
                        f" ({spec.group}); change the grid in {lab.path.name} instead."
                    )
                values[o.param] = o.value
                where = o.target
        data = data_hashes(exp)
        if corpus is not None and "corpus" in declared:
            values["corpus"] = str(corpus.resolve())
            data["corpus"] = sha256_file(corpus)
        p = params_mod.resolve(exp.params_cls, values, where)
        key = run_key(exp.name, code_hash(exp), params_mod.as_dict(p), spec.seed, data)
        planned.append(PlannedRun(spec, exp, p, key))
    return planned


def _check_override_targets(lab: LabSpec, overrides: t.Sequence[Override]) -> None:
    names = {r.id for r in lab.runs} | {r.experiment for r in lab.runs}
    names |= {r.group for r in lab.runs}
    for o in overrides:
        if o.target not in names:
            close = difflib.get_close_matches(o.target, names, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise ParamError(
                f"--set {o.target}.{o.param}: lab {lab.id} has no run or experiment"
                f" '{o.target}'.{hint}"
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
    paths = [exp.source_path, *sorted(_keyed_imports(exp.source_path))]
    return {_shown_path(p): p.read_text(encoding="utf-8") for p in paths}


def _shown_path(path: Path) -> str:
    """Project-relative where possible, so keys do not depend on where the checkout is."""
    if path.is_relative_to(PROJECT_ROOT):
        return path.relative_to(PROJECT_ROOT).as_posix()
    return str(path)


def code_hash(exp: Experiment) -> str:
    """sha256 over :func:`code_sources` (paths and texts)."""
    return hashlib.sha256(canonical_json(code_sources(exp)).encode()).hexdigest()


def _keyed_imports(source: Path, seen: set[Path] | None = None) -> set[Path]:
    """Files of KEYED_PACKAGES that ``source`` imports, followed transitively."""
    seen = set() if seen is None else seen
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        for module in modules:
            if not module.startswith(KEYED_PACKAGES):
                continue
            path = PROJECT_ROOT / (module.replace(".", "/") + ".py")
            if path.is_file() and path not in seen:
                seen.add(path)
                _keyed_imports(path, seen)
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
