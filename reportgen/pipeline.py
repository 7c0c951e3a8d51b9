"""The build, stage by stage: plan → run what is missing → figures → Markdown → HTML → PDF.

Rendering stages are pure functions of the stored results; a template, CSS, figure-style or
notes change re-renders without touching training.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import os
import re
import time
import typing as t
from pathlib import Path

from reportgen.errors import ReportgenError
from reportgen.inventory import record_latest_keys
from reportgen.lab import LabSpec
from reportgen.plan import Override, PlannedRun, plan
from reportgen.render.context import Student
from reportgen.render.fonts import require_fonts
from reportgen.runner import ExecutionSummary, execute
from reportgen.store import RunResult, Store, remove_orphans

log = logging.getLogger(__name__)

_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]|^\.+')


@dataclasses.dataclass(frozen=True)
class BuildOptions:
    student: Student
    profile: str = "course"
    overrides: tuple[Override, ...] = ()
    device: str = "auto"
    jobs: int = 0  # runs trained at once; 0: one per CPU core (1 on CUDA)
    build_dir: Path = Path("build")
    notes_path: Path | None = None  # None: the lab's default, notes/<lab>.md
    date: str | None = None  # 实验日期; None: today
    force: bool = False  # retrain even what the store has


@dataclasses.dataclass(frozen=True)
class BuildOutcome:
    markdown: Path
    pdf: Path
    summary: ExecutionSummary
    warnings: tuple[str, ...]
    seconds: float


def report_basename(student: Student, lab: LabSpec) -> str:
    """Course naming 学号-姓名-Lab-N, with characters unsafe in file names replaced by '_'."""
    parts = [student.id, student.name] if student.name else [student.id]
    safe = [_UNSAFE_IN_FILENAME.sub("_", p).strip() or "_" for p in parts]
    return "-".join(safe) + f"-Lab-{lab.number}"


@contextlib.contextmanager
def build_lock(build_dir: Path) -> t.Iterator[None]:
    """Hold ``<build_dir>/.lock`` for the whole build; a second build at once gets a clear error."""
    import filelock

    try:
        build_dir.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(build_dir / ".lock", timeout=0)
        with lock:
            yield
    except filelock.Timeout:
        raise ReportgenError(
            f"Another reportgen build is using {build_dir}; wait for it to finish, or pass"
            " another --build-dir."
        ) from None
    except OSError as exc:
        raise ReportgenError(
            f"Cannot write into {build_dir}: {exc.strerror or exc}."
        ) from None


def build(lab: LabSpec, options: BuildOptions) -> BuildOutcome:
    """Build the report for ``lab``: train what the store lacks, then render Markdown and PDF."""
    from reportgen.device import resolve_device

    started = time.perf_counter()
    planned = plan(lab, options.profile, options.overrides)
    device = resolve_device(options.device)
    require_fonts()  # fail before training, not after it
    with build_lock(options.build_dir):
        return _locked_build(lab, options, planned, device, started)


def _locked_build(
    lab: LabSpec,
    options: BuildOptions,
    planned: list[PlannedRun],
    device: str,
    started: float,
) -> BuildOutcome:
    """The build proper, run while holding the build folder's lock."""
    store = Store(options.build_dir / "cache")
    orphans = remove_orphans(options.build_dir)
    if orphans:
        log.info("Removed %d temporary file(s) left by an interrupted build.", orphans)
    log.info(
        "Building %s (%s profile) on %s: %d runs planned.",
        lab.id,
        options.profile,
        device,
        len(planned),
    )
    jobs = options.jobs or (1 if device == "cuda" else (os.cpu_count() or 1))
    results, summary = execute(planned, store, device, jobs=jobs, force=options.force)
    record_latest_keys(
        options.build_dir, lab.id, options.profile, {r.id: r.key for r in planned}
    )

    out_dir = options.build_dir / lab.id
    markdown_path, pdf_path, warnings = render(lab, planned, results, options, out_dir)
    return BuildOutcome(
        markdown_path, pdf_path, summary, tuple(warnings), time.perf_counter() - started
    )


def render(
    lab: LabSpec,
    planned: t.Sequence[PlannedRun],
    results: t.Mapping[str, RunResult],
    options: BuildOptions,
    out_dir: Path,
) -> tuple[Path, Path, list[str]]:
    """Figures, Markdown, HTML and PDF from stored results. Imports no torch."""
    from reportgen.render.report import render_report

    out_dir.mkdir(parents=True, exist_ok=True)
    notes_path = options.notes_path or Path(lab.notes)
    date = options.date or dt.date.today().isoformat()
    basename = report_basename(options.student, lab)
    try:
        return render_report(
            lab,
            planned,
            results,
            options.student,
            options.profile,
            date,
            notes_path,
            out_dir,
            basename,
        )
    except ReportgenError:
        raise
    except OSError as exc:
        raise ReportgenError(
            f"Cannot write the report into {out_dir}: {exc.strerror or exc}."
        ) from exc
