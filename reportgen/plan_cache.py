"""Remembered plans: the run keys a lab resolved to, so that a rebuild whose runs are all
stored renders without importing the experiments (they import torch: ~2 s of every build).

A plan is a function of its inputs: the lab as loaded (--seeds and grid overrides applied),
the profile, --set, --corpus, the values chosen from results, and the files that define the
experiments, the library code they run, parameter handling and the data. Their digest names a
small JSON file under ``<store>/plans/``; a change to any input misses it and the build plans
afresh (and remembers the new plan). A remembered plan is checked against the results it
names before it is trusted (:meth:`PlanCache.results`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import typing as t
from pathlib import Path

from reportgen import limits
from reportgen import params as params_mod
from reportgen.errors import ReportgenError
from reportgen.lab import LabSpec, Override
from reportgen.paths import DATA_DIR, PACKAGE_DIR, experiment_files, shown_path
from reportgen.plan import KEYED_PACKAGES, Chosen, PlannedRun, open_choices
from reportgen.safety import Roots, input_file, read_own_file
from reportgen.shapes import check_fields
from reportgen.store import (
    KEY,
    RunResult,
    Store,
    canonical_json,
    sha256_file,
    write_atomic,
)

log = logging.getLogger(__name__)

# the planner itself: a change to how keys are made must never reuse an old plan
PLANNING_CODE = ("plan.py", "params.py", "lab.py", "experiment.py", "store.py")


def _input_files() -> list[Path]:
    files = experiment_files()
    for package in KEYED_PACKAGES:
        files += sorted((PACKAGE_DIR.parent / package.replace(".", "/")).rglob("*.py"))
    files += [PACKAGE_DIR / name for name in PLANNING_CODE]
    files += sorted(p for p in DATA_DIR.rglob("*") if p.is_file())
    return files


def inputs_digest() -> str:
    """sha256 over the files a plan depends on. A build takes it once, before planning, so
    that a file edited while runs train can never be remembered with the keys of before."""
    digest = hashlib.sha256()
    for path in _input_files():
        digest.update(shown_path(path).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def plan_digest(
    inputs: str,
    lab: LabSpec,
    profile: str,
    overrides: t.Sequence[Override],
    corpus: Path | None,
    chosen: t.Mapping[str, t.Mapping[str, t.Any]],
    roots: Roots | None = None,
) -> str:
    """sha256 of everything a plan depends on: ``inputs`` (:func:`inputs_digest`) and the
    settings (see the module docstring), with the content of every corpus file they name."""
    settings = {
        "inputs": inputs,
        "lab": [dataclasses.asdict(r) for r in lab.runs],
        "profile": [profile, lab.profiles.get(profile, {})],
        "overrides": [dataclasses.asdict(o) for o in overrides],
        "corpora": _corpus_hashes(lab, overrides, corpus, roots or Roots.of()),
        "chosen": chosen,
    }
    return hashlib.sha256(canonical_json(settings).encode()).hexdigest()


def _corpus_hashes(
    lab: LabSpec, overrides: t.Sequence[Override], corpus: Path | None, roots: Roots
) -> dict[str, str]:
    """sha256 of each file a corpus setting names — ``--corpus``, ``--set X.corpus=…``, a
    spec's ``params.corpus`` — so that editing one misses the remembered plan."""
    named = [str(corpus)] if corpus else []
    named += [o.value for o in overrides if o.param == "corpus"]
    named += [str(r.params["corpus"]) for r in lab.runs if "corpus" in r.params]
    hashes = {}
    for value in named:
        try:
            path = input_file(Path(value), "Corpus", roots)
        except (OSError, ReportgenError):
            continue  # a shipped corpus's name, or a file the planner will refuse
        hashes[str(path)] = sha256_file(path)
    return hashes


PLAN_FORMAT = 3  # 3: each run's data hashes (for the report's record)
_RUN_SHAPE = {"key": str, "experiment": str, "seed": int, "params": dict, "data": dict}


@dataclasses.dataclass(frozen=True)
class RememberedRun:
    """What a plan expects of one run: its key, the experiment, seed and params it ran, and
    the sha256 of each data file that entered its key."""

    key: str
    experiment: str
    seed: int
    params: dict[str, t.Any]
    data: dict[str, str]


class PlanCache:
    """Remembered plans under ``<store root>/plans/<digest>.json``.

    A plan is trusted only after :meth:`results` has checked it: the file's own check digest
    (over its name and its runs), and each stored result against the run it is named for.
    A plan that fails is reported in one line and planned again (and then overwritten).
    """

    def __init__(self, store_root: Path) -> None:
        self.root = store_root / "plans"
        # run key -> its data hashes, from every plan put or read: the report's record
        self.data_hashes: dict[str, dict[str, str]] = {}

    def path(self, digest: str) -> Path:
        return self.root / f"{digest}.json"

    def put(self, digest: str, planned: t.Sequence[PlannedRun]) -> None:
        runs = {
            r.id: {
                "key": r.key,
                "experiment": r.experiment.name,
                "seed": r.spec.seed,
                "params": params_mod.as_dict(r.params),
                "data": r.data,
            }
            for r in planned
        }
        self.data_hashes |= {r.key: r.data for r in planned}
        body = {"format": PLAN_FORMAT, "runs": runs, "check": _check(digest, runs)}
        self.root.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path(digest), json.dumps(body, ensure_ascii=False, indent=1))

    def results(
        self,
        digest: str,
        store: Store,
        lab: LabSpec,
        profile: str,
        overrides: t.Sequence[Override],
        chosen: Chosen,
    ) -> dict[str, RunResult] | None:
        """The stored results the plan ``digest`` names, by run id, once checked; else None.

        None without a word when the plan was never remembered or a run is not stored;
        None with a warning when the plan is damaged or does not match the results.
        """
        path = self.path(digest)
        if not path.parent.is_dir():  # no plans yet (or no build folder there at all)
            return None
        try:
            data = read_own_file(path, self.root.parent, limits.KEY_MAP_BYTES)
            text = data.decode("utf-8")
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            return _distrust(path, f"cannot be read ({exc})")
        runs = _parse(digest, text)
        if runs is None:
            return None  # written by an earlier version: planned again, without a word
        if isinstance(runs, str):
            return _distrust(path, runs)
        found = {run_id: store.load(run.key) for run_id, run in runs.items()}
        stored = {run_id: r for run_id, r in found.items() if r is not None}
        if len(stored) < len(found):
            return None  # a run to train: the build plans anyway
        problem = mismatch(lab, profile, overrides, chosen, runs, stored)
        if problem is not None:
            return _distrust(path, problem)
        self.data_hashes |= {run.key: run.data for run in runs.values()}
        return stored


def _check(digest: str, runs: t.Mapping[str, t.Any]) -> str:
    """sha256 binding a plan's runs to its name: an edited or copied plan fails it."""
    return hashlib.sha256(canonical_json([digest, runs]).encode()).hexdigest()


def _parse(digest: str, text: str) -> dict[str, RememberedRun] | str | None:
    """The runs of a plan file, what is wrong with it, or None for an earlier format."""
    try:
        body = json.loads(text)
        if isinstance(body, dict) and body.get("format") in range(1, PLAN_FORMAT):
            return None
        if not isinstance(body, dict) or body.get("format") != PLAN_FORMAT:
            return "has an unknown format"
        runs = body["runs"]
        if body.get("check") != _check(digest, runs):
            return "was changed after it was written (its check digest is off)"
        for run in runs.values():  # a planted plan can carry a valid check digest
            check_fields(run, _RUN_SHAPE)
            if not KEY.match(run["key"]):
                return "names a key that is not one"
            if not all(isinstance(v, str) for v in run["data"].values()):
                return "names a data hash that is not one"
        return {run_id: RememberedRun(**run) for run_id, run in runs.items()}
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        return f"is damaged ({type(exc).__name__})"


def mismatch(
    lab: LabSpec,
    profile: str,
    overrides: t.Sequence[Override],
    chosen: Chosen,
    runs: t.Mapping[str, RememberedRun],
    results: t.Mapping[str, RunResult],
) -> str | None:
    """What makes ``results`` (by run id) not the runs the lab spec names; None if nothing.

    Checked without importing an experiment: the plan's run ids are the lab's runs of this
    stage; each result is the one its key names (``Store.load``), with the experiment and
    seed of its run's spec, the params the plan recorded, and each parameter the spec sets
    that neither the profile, a choice nor ``--set`` replaces.
    """
    specs = {r.id: r for r in lab.runs}
    expected = {
        r.id for r in lab.runs if r.group in chosen or not open_choices(r, overrides)
    }
    if set(runs) != expected:
        return "names other runs than the lab's"
    profile_params = lab.profiles.get(profile, {})
    for run_id, result in results.items():
        spec, run = specs[run_id], runs[run_id]
        replaced = set(profile_params) | set(spec.choose)
        replaced |= {o.param for o in overrides if o.reaches(spec)}
        set_by_spec = {k: v for k, v in spec.params.items() if k not in replaced}
        if (
            (result.experiment, result.seed) != (spec.experiment, spec.seed)
            or (run.experiment, run.seed) != (spec.experiment, spec.seed)
            or result.params != run.params
            or any(result.params.get(k) != v for k, v in set_by_spec.items())
        ):
            return f"gives run {run_id} the result of another run ({result.key[:12]})"
    return None


def _distrust(path: Path, problem: str) -> dict[str, RunResult] | None:
    """Report in one line why the plan at ``path`` is not used; it is planned again."""
    log.warning("Remembered plan %s %s; planning again.", path, problem)
    return None


def remembered_results(
    lab: LabSpec,
    profile: str,
    overrides: t.Sequence[Override],
    corpus: Path | None,
    chosen: Chosen,
    build_dir: Path,
) -> dict[str, RunResult] | None:
    """The stored results of the plan a build remembered for these settings, when all are
    stored; else None. Imports no experiment (and no torch): what lets ``status`` and
    ``check`` answer at once after a build."""
    store, roots = Store(build_dir / "cache"), Roots.of(build_dir)
    digest = plan_digest(inputs_digest(), lab, profile, overrides, corpus, chosen, roots)
    return PlanCache(store.root).results(digest, store, lab, profile, overrides, chosen)
