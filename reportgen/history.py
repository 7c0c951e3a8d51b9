"""The builds of a lab, remembered so that ``reportgen diff`` can set two side by side.

Each build whose runs differ from the build before it (a ``--set``, another profile, edited
code: not a re-render) adds one entry to ``<build>/cache/history/<lab>.json``: when, the
profile, the options beyond the course's (reportgen.non_course) and each run's key. The
newest :data:`KEPT` entries are kept. The results themselves are the cache's entries, so a
build whose entries ``gc`` removed can no longer be compared (``diff`` says so).
The file is data: read with a size bound and checked field by field.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import typing as t
from pathlib import Path

from reportgen import limits
from reportgen.errors import ReportgenError
from reportgen.safety import read_own_file
from reportgen.store import KEY, RunResult, Store, write_atomic

KEPT = 20


@dataclasses.dataclass(frozen=True)
class Build:
    when: str  # ISO time, UTC
    profile: str
    settings: list[str]  # options beyond the course's, as typed
    keys: dict[str, str]  # run id -> key

    def label(self) -> str:
        extra = f", {' '.join(self.settings)}" if self.settings else ""
        return f"{self.when[:16].replace('T', ' ')} ({self.profile}{extra})"


def history_path(build_dir: Path, lab_id: str) -> Path:
    return build_dir / "cache" / "history" / f"{lab_id}.json"


def read_history(build_dir: Path, lab_id: str) -> list[Build]:
    """The lab's remembered builds, oldest first ([] when none or not readable)."""
    try:
        raw = read_own_file(history_path(build_dir, lab_id), build_dir, limits.KEY_MAP_BYTES)
        entries = json.loads(raw)
        builds = [Build(**entry) for entry in entries]
    except (OSError, ValueError, TypeError, RecursionError):
        return []
    for b in builds:
        if not (
            isinstance(b.when, str)
            and isinstance(b.profile, str)
            and isinstance(b.settings, list)
            and all(isinstance(s, str) for s in b.settings)
            and isinstance(b.keys, dict)
            and all(isinstance(k, str) and KEY.match(v) for k, v in b.keys.items())
        ):
            return []
    return builds


def remember_build(
    build_dir: Path,
    lab_id: str,
    profile: str,
    settings: t.Sequence[str],
    keys: t.Mapping[str, str],
) -> None:
    """Add this build to the lab's history, unless its runs are those of the last one."""
    builds = read_history(build_dir, lab_id)
    if builds and builds[-1].keys == dict(keys) and builds[-1].profile == profile:
        return
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    builds.append(Build(now, profile, list(settings), dict(keys)))
    path = history_path(build_dir, lab_id)  # its folder: made by the build (own_dir)
    kept = [dataclasses.asdict(b) for b in builds[-KEPT:]]
    write_atomic(path, json.dumps(kept, ensure_ascii=False, indent=1))


def metric_rows(
    before: Build, after: Build, store: Store
) -> tuple[list[list[str]], int]:
    """Each numeric metric of each run in either build that differs between them, as
    [run, metric, before, after, change]; and how many were the same."""
    rows, same = [], 0
    for run_id in dict.fromkeys([*before.keys, *after.keys]):
        old = _metrics(store, before.keys.get(run_id))
        new = _metrics(store, after.keys.get(run_id))
        for name in dict.fromkeys([*old, *new]):
            a, b = old.get(name), new.get(name)
            if a == b:
                same += 1
                continue
            rows.append([run_id, name, _shown(a), _shown(b), _change(a, b)])
    return rows, same


def _metrics(store: Store, key: str | None) -> dict[str, float]:
    """A run's numeric metrics (empty for a run the build did not have)."""
    if key is None:
        return {}
    found: RunResult | None = store.load(key)
    if found is None:
        raise ReportgenError(
            f"The result {key[:12]} of that build is no longer in the cache (removed by"
            " gc, or the build folder was cleaned): it cannot be compared."
        )
    return {
        k: float(v)
        for k, v in found.metrics.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    }


def _shown(value: float | None) -> str:
    """Four significant digits; a whole number (a count: parameters, steps) in full."""
    if value is None:
        return "—"
    return f"{value:.0f}" if value.is_integer() and abs(value) < 1e15 else f"{value:.4g}"


def _change(a: float | None, b: float | None) -> str:
    if a is None or b is None:
        return "new" if a is None else "gone"
    if a == 0:
        return f"{b - a:+.4g}"
    return f"{b - a:+.4g} ({(b - a) / abs(a):+.1%})"


def text_table(
    header: t.Sequence[str], rows: t.Sequence[t.Sequence[str]], right: t.Container[int] = ()
) -> str:
    """Columns aligned for a terminal (the columns in ``right`` to the right)."""
    table = [list(header), *map(list, rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]

    def line(row: list[str]) -> str:
        cells = [
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(table[0]), rule, *map(line, table[1:])])
