"""The text a report prints that does not come from the results, and where each came from.

The report shows the lab spec's strings (title, course, run labels, figure titles, axis
labels, legends), the string parameters of its runs (``begin_chars``, …) and, for a user
corpus, its file name and text drawn from it (samples, its first characters). The preflight
(:mod:`reportgen.preflight`) checks every one against the fonts before anything trains.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

from reportgen.lab import LabSpec, Override, RunSpec

FIGURE_TEXTS = ("title", "xlabel", "ylabel")  # a figure's strings besides its lists
Texts = list[tuple[str, str]]  # (where, text): where names the file, option or key
RunParams = t.Mapping[str, t.Mapping[str, t.Any]]  # run id -> its resolved params


def spec_texts(lab: LabSpec) -> Texts:
    """The strings of the spec the report prints, each named by its key."""
    name = lab.path.name
    texts = [(f"{name}: title", lab.title), (f"{name}: course", lab.course)]
    texts += [(f"{name}: runs.{r.id}: label", r.label) for r in lab.runs]
    for i, f in enumerate(lab.figures):
        where = f"{name}: figures[{i}]"
        texts += [(f"{where}.{key}", getattr(f, key)) for key in FIGURE_TEXTS]
        texts += [(f"{where}.legend", text) for text in f.legend]
        texts += [(f"{where}.series_labels", text) for text in f.series_labels]
    return texts


def corpus_files(runs: RunParams) -> list[Path]:
    """The user corpus files the runs read, each once.

    The planner replaces a ``corpus`` parameter naming a user file by the file's checked,
    resolved path (:func:`reportgen.plan.plan`); a shipped corpus is a name, never an
    absolute path. So this holds for planned runs and stored ones alike.
    """
    found = [
        Path(p["corpus"])
        for p in runs.values()
        if isinstance(p.get("corpus"), str) and Path(p["corpus"]).is_absolute()
    ]
    return list(dict.fromkeys(found))


def param_texts(
    lab: LabSpec,
    profile: str,
    overrides: t.Sequence[Override],
    runs: RunParams,
) -> Texts:
    """Every string parameter of the runs (corpus files aside: see :func:`corpus_files`),
    named by what set it: ``--set tangshi.begin_chars``, the spec's key, or the run's
    default (``tangshi.begin_chars``). Every ``--set`` value is one too, so that a run
    planned only once another group's results are known is covered."""
    corpora = {str(path) for path in corpus_files(runs)}
    texts = [(f"--set {o.name()}", o.value) for o in overrides]
    for run_id, params in runs.items():
        spec = lab.run(run_id)
        for param, value in params.items():
            if isinstance(value, str) and value not in corpora:
                texts.append((_source(lab, profile, overrides, spec, param), value))
    return texts


def _source(
    lab: LabSpec,
    profile: str,
    overrides: t.Sequence[Override],
    spec: RunSpec,
    param: str,
) -> str:
    """What set ``param`` of the run, in the planner's order (the last one wins)."""
    for o in reversed(overrides):
        if o.param == param and o.reaches(spec):
            return f"--set {o.name()}"
    if param in lab.profiles.get(profile, {}):
        return f"{lab.path.name}: profiles.{profile}.{param}"
    if param in spec.params:
        return f"{lab.path.name}: runs.{spec.group}.params.{param}"
    return f"{spec.id}.{param}"
