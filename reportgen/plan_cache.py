"""Remembered plans: the run keys a lab resolved to, so that a rebuild whose runs are all
stored renders without importing the experiments (they import torch: ~2 s of every build).

A plan is a function of its inputs: the lab as loaded (--seeds and grid overrides applied),
the profile, --set, --corpus, the values chosen from results, and the files that define the
experiments, the library code they run, parameter handling and the data. Their digest names a
small JSON file under ``<store>/plans/``; a change to any input misses it and the build plans
afresh (and remembers the new plan).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import typing as t
from pathlib import Path

from reportgen import limits
from reportgen.errors import ReportgenError
from reportgen.lab import LabSpec, Override
from reportgen.paths import DATA_DIR, EXPERIMENTS_DIR, PROJECT_ROOT
from reportgen.plan import KEYED_PACKAGES
from reportgen.safety import Roots, input_file, read_own_file
from reportgen.store import canonical_json, is_key_map, sha256_file, write_atomic

# the planner itself: a change to how keys are made must never reuse an old plan
PLANNING_CODE = ("plan.py", "params.py", "lab.py", "experiment.py", "store.py")


def _input_files() -> list[Path]:
    files = sorted(EXPERIMENTS_DIR.glob("*.py"))
    for package in KEYED_PACKAGES:
        files += sorted((PROJECT_ROOT / package.replace(".", "/")).rglob("*.py"))
    files += [PROJECT_ROOT / "reportgen" / name for name in PLANNING_CODE]
    files += sorted(p for p in DATA_DIR.rglob("*") if p.is_file())
    return files


def inputs_digest() -> str:
    """sha256 over the files a plan depends on. A build takes it once, before planning, so
    that a file edited while runs train can never be remembered with the keys of before."""
    digest = hashlib.sha256()
    for path in _input_files():
        digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0")
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


class PlanCache:
    """Run id → key maps under ``<store root>/plans/<digest>.json``."""

    def __init__(self, store_root: Path) -> None:
        self.root = store_root / "plans"

    def get(self, digest: str) -> dict[str, str] | None:
        try:
            path = self.root / f"{digest}.json"
            keys = json.loads(
                read_own_file(path, self.root.parent, limits.KEY_MAP_BYTES)
            )
        except (OSError, ValueError):
            return None  # never remembered, or damaged: plan afresh
        return keys if is_key_map(keys) else None

    def put(self, digest: str, keys: t.Mapping[str, str]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        write_atomic(self.root / f"{digest}.json", json.dumps(dict(keys), indent=1))
