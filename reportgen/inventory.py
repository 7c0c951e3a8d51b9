"""What exists: labs, experiments, cached runs (``reportgen list``), and per-lab run state
(``reportgen status``). Each build records which key every run had, so a later plan can tell a
*stale* run (its code or params changed since) from a *missing* one.
"""

from __future__ import annotations

import ast
import json
import typing as t
from pathlib import Path

from reportgen import limits
from reportgen.lab import LabSpec, available_labs, load_lab
from reportgen.paths import experiment_files, is_own, shown_path
from reportgen.safety import Roots, read_own_file
from reportgen.store import RunResult, Store, is_key_map, write_atomic


def latest_keys_path(build_dir: Path, lab_id: str, profile: str) -> Path:
    return build_dir / "cache" / "latest" / f"{lab_id}-{profile}.json"


def record_latest_keys(
    build_dir: Path, lab_id: str, profile: str, keys: t.Mapping[str, str]
) -> None:
    """Remember the key each run of the lab had in this build."""
    path = latest_keys_path(build_dir, lab_id, profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(dict(keys), indent=1))


def latest_keys(build_dir: Path, lab_id: str, profile: str) -> dict[str, str]:
    path = latest_keys_path(build_dir, lab_id, profile)
    try:
        data = json.loads(read_own_file(path, build_dir, limits.KEY_MAP_BYTES))
    except (OSError, ValueError, RecursionError):  # RecursionError: nested too deep
        return {}
    return data if is_key_map(data) else {}


def experiment_names(directory: Path | None = None) -> dict[str, str]:
    """Experiment name -> file name, read from ``@experiment("name", …)`` without importing
    anything (the files of :func:`paths.experiment_files`)."""
    return {name: path.name for name, path in experiment_paths(directory).items()}


def experiment_paths(directory: Path | None = None) -> dict[str, Path]:
    """Experiment name -> the file that defines it (see :func:`experiment_names`)."""
    names = {}
    for path in experiment_files(directory):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except SyntaxError:  # not loadable: a lab using it is told the file and line
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "experiment"
                and node.args
            ):
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    names[first.value] = path
    return names


def _syntax_error(path: Path) -> str:
    """"line N: message" where ``path`` is not valid Python, else ""."""
    try:
        ast.parse(path.read_text(encoding="utf-8"))
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}"
    return ""


def describe_inventory(build_dir: Path) -> str:
    store = Store(build_dir / "cache")
    cached: dict[str, int] = {}
    for key in store.keys():
        result = store.load(key)
        if result is not None:
            cached[result.experiment] = cached.get(result.experiment, 0) + 1
    lines = ["Labs:"]
    for lab_id in available_labs():
        lab = load_lab(lab_id)
        lines.append(
            f"  {lab_id:<12} {lab.title} ({len(lab.runs)} runs;"
            f" profiles: {', '.join(lab.profiles)})"
        )
    lines.append("Experiments:")
    for name, path in experiment_paths().items():
        own = " (your own copy)" if is_own(path) else ""
        lines.append(
            f"  {name:<20} {shown_path(path):<36} {cached.get(name, 0)} cached run(s){own}"
        )
    for path in experiment_files():
        problem = _syntax_error(path)
        if problem:
            lines.append(f"  {'(does not load)':<20} {shown_path(path):<36} {problem}")
    lines.append(f"Cache: {sum(cached.values())} run(s) in {store.root}")
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    """``seconds`` as a student reads a wait: "40 s", "3.5 min" (never "0.0 min")."""
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


EVERYTHING_CACHED = "Everything is cached: a build only re-renders."


def describe_status(
    lab: LabSpec,
    profile: str,
    overrides: tuple[t.Any, ...],
    build_dir: Path,
    corpus: Path | None = None,
    why: bool = False,
) -> str:
    """Each run of the lab: cached, stale (with what changed) or missing, then the time
    left to train. ``why``: every reason of each run that must train, in full."""
    from reportgen import param_index
    from reportgen.experiment import load_experiments
    from reportgen.plan import PlannedRun, in_stages, param_names, plan
    from reportgen.plan_cache import inputs_digest, remembered_results
    from reportgen.reasons import retrain_reasons

    overrides = lab.aim(overrides)
    remembered = in_stages(
        lab,
        overrides,
        lambda chosen: remembered_results(
            lab, profile, overrides, corpus, chosen, build_dir
        ),
    )
    if remembered is not None:  # the last build's plan answers: no torch
        cached = [f"  cached   {run_id}" for run_id in remembered[1]]
        return "\n".join(
            [f"{lab.id} ({profile} profile):", *cached, EVERYTHING_CACHED]
        )
    param_index.remember(build_dir, inputs_digest(), param_names(load_experiments()))
    store = Store(build_dir / "cache")
    latest = latest_keys(build_dir, lab.id, profile)
    lines = [f"{lab.id} ({profile} profile):"]
    left_seconds, unknown = 0.0, 0
    roots = Roots.of(build_dir)
    planned: list[PlannedRun] = []
    stored: dict[str, RunResult | None] = {}

    def from_store(chosen: t.Mapping[str, t.Any]) -> dict[str, RunResult] | None:
        """The stage's stored results, as a build would find them; None if one is not."""
        planned[:] = plan(lab, profile, overrides, corpus, chosen, roots)
        stored.update({r.id: store.load(r.key) for r in planned})
        found = {r.id: result for r in planned if (result := stored[r.id]) is not None}
        return found if len(found) == len(planned) else None

    # the runs a build would plan, with the choices it would make
    in_stages(lab, overrides, from_store)
    waiting = [r for r in lab.runs if r.id not in stored]
    for run in planned:
        if stored[run.id] is not None:
            lines.append(f"  cached   {run.id}")
            continue
        previous = store.load(latest[run.id]) if run.id in latest else None
        reasons = retrain_reasons(run, previous)
        state = "missing" if previous is None else "stale  "
        if why:
            lines.append(f"  {state}  {run.id}: {'; '.join(reasons)}")
        elif previous is not None:
            lines.append(f"  {state}  {run.id} ({_short(reasons)})")
        else:
            lines.append(f"  {state}  {run.id}")
        if previous is None:
            unknown += 1
            continue
        left_seconds += _seconds_now(previous, run.params)
    for spec in waiting:
        sources = ", ".join(f"{p} from {c.source}" for p, c in spec.choose.items())
        lines.append(f"  waiting  {spec.id} (chooses {sources} once those runs exist)")
    unknown += len(waiting)
    if left_seconds or unknown:
        parts = []
        if left_seconds:
            parts.append(f"about {_duration(left_seconds)} for the stale runs")
        if unknown:
            parts.append(f"{unknown} run(s) never trained here, time unknown")
        lines.append(f"To train: {'; '.join(parts)}.")
    else:
        lines.append(EVERYTHING_CACHED)
    return "\n".join(lines)


def _short(reasons: list[str]) -> str:
    """The reasons in a few words: the parameters changed (by name), else the first."""
    changed = [r.split(":")[0] for r in reasons if " → " in r]
    return f"params changed: {', '.join(changed)}" if changed else reasons[0]


def _seconds_now(previous: RunResult, params_now: object) -> float:
    """A stale run's time to train again: its last time, scaled by its epochs then and now
    (a stored ``num_epochs`` that is no count — a planted one — scales nothing)."""
    epochs_then = previous.params.get("num_epochs")
    if not (isinstance(epochs_then, int) and not isinstance(epochs_then, bool)) or not (
        1 <= epochs_then <= limits.EPOCHS
    ):
        return previous.wall_seconds
    epochs_now = getattr(params_now, "num_epochs", epochs_then)
    return previous.wall_seconds * epochs_now / epochs_then
