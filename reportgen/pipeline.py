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

from markupsafe import Markup

from reportgen import param_index
from reportgen import params as params_mod
from reportgen.authoring import check_figure_series, check_inputs
from reportgen.check import (
    Finding,
    Manifest,
    findings,
    input_findings,
    manifest_path,
    notes_digest,
    run_states,
    write_manifest,
)
from reportgen.errors import ReportgenError
from reportgen.experiment import load_experiments
from reportgen.history import remember_build
from reportgen.interrupts import Interrupted
from reportgen.inventory import latest_keys, record_latest_keys
from reportgen.lab import LabSpec, Override
from reportgen.non_course import non_course_settings
from reportgen.paths import DEFAULT_BUILD_DIR, report_dir
from reportgen.plan import Chosen, PlannedRun, in_stages, param_names, plan
from reportgen.plan_cache import PlanCache, inputs_digest, plan_digest
from reportgen.preflight import preflight
from reportgen.printed import RunParams, corpus_files, param_texts, spec_texts
from reportgen.reasons import DAMAGED, FORCED, retrain_reasons
from reportgen.render.context import Student
from reportgen.render.fonts import require_fonts
from reportgen.render.notes import has_discussion, read_notes
from reportgen.runner import ExecutionSummary, execute
from reportgen.safety import (
    Roots,
    UnsafeInput,
    claim_build_dir,
    own_dir,
    remove_orphans,
)
from reportgen.staged import StagedFiles
from reportgen.store import RunResult, Store
from reportgen.withdraw import withdraw_report
from reportgen.write_errors import (
    DISK_FULL,
    REPORT_KEPT,
    TRAINING_KEPT,
    cannot_write,
)

log = logging.getLogger(__name__)

_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]|^\.+')


@dataclasses.dataclass(frozen=True)
class BuildOptions:
    student: Student
    profile: str = "course"
    overrides: tuple[Override, ...] = ()
    device: str = "auto"
    jobs: int = 0  # runs trained at once; 0: one per CPU core (1 on CUDA)
    build_dir: Path = DEFAULT_BUILD_DIR
    notes_path: Path | None = None  # None: the lab's default, notes/<lab>.md
    date: str | None = None  # 实验日期; None: today
    force: bool = False  # retrain even what the store has
    seeds: int | None = (
        None  # --seeds: the lab was loaded with it (recorded for `check`)
    )
    corpus: Path | None = None  # a user corpus, for labs whose experiments take one
    # refuse to write the report while the submission check finds blockers
    strict: bool = False
    # the report's formats (reportgen.render.report.FORMATS); the Markdown is always written
    formats: tuple[str, ...] = ("md", "pdf")


@dataclasses.dataclass(frozen=True)
class BuildOutcome:
    files: dict[str, Path]  # every file of the report, by format (report_files)
    summary: ExecutionSummary
    warnings: tuple[str, ...]
    findings: tuple[Finding, ...]  # the submission check of this report
    seconds: float


# a report's longest sibling, '.<basename>.pdf.inputs.<8>.reportgen.tmp', must fit in the
# 255 bytes a file name may have (ext4, APFS, NTFS)
MAX_BASENAME_BYTES = 200


def report_basename(student: Student, lab: LabSpec, profile: str = "course") -> str:
    """Course naming 学号-姓名-Lab-N, with characters unsafe in file names replaced by '_';
    a preview (any profile but the course's) is ``…-Lab-N-preview``, so that it can never
    be handed in for the report, nor replace it.

    Raises UnsafeInput when the name is too long to be a file name (counted in bytes).
    """
    parts = [student.id, student.name] if student.name else [student.id]
    safe = [_UNSAFE_IN_FILENAME.sub("_", p).strip() or "_" for p in parts]
    basename = "-".join(safe) + f"-Lab-{lab.number}"
    if profile != "course":
        basename += "-preview"
    size = len(basename.encode("utf-8"))
    if size > MAX_BASENAME_BYTES:
        raise UnsafeInput(
            f"The report's file name {basename}.pdf would be {size} bytes long; at most"
            f" {MAX_BASENAME_BYTES} fit. Shorten --name."
        )
    return basename


@contextlib.contextmanager
def build_lock(build_dir: Path) -> t.Iterator[None]:
    """Hold ``<build_dir>/.lock`` for the whole build; a second build at once gets a clear error."""
    import filelock

    try:
        claim_build_dir(build_dir)
        lock = filelock.FileLock(build_dir / ".lock", timeout=0)
        with lock:
            yield
    except filelock.Timeout:
        raise ReportgenError(
            f"Another reportgen build is using {build_dir}; wait for it to finish, or pass"
            " another --build-dir."
        ) from None
    except OSError as exc:  # a file in the way, a read-only folder, a full disk
        if exc.errno in DISK_FULL:
            raise cannot_write(exc, build_dir, TRAINING_KEPT) from None
        raise ReportgenError(
            f"Cannot write into {build_dir}: {exc.strerror or exc}."
        ) from None


@dataclasses.dataclass(frozen=True)
class Stages:
    """What the training stages produced: every run's key and result, the values chosen
    from results, and what was trained or reused."""

    keys: dict[str, str]  # run id -> key, in plan order
    results: dict[str, RunResult]  # in plan order
    chosen: dict[str, dict[str, t.Any]]  # group -> {param: value}
    summary: ExecutionSummary
    data: dict[str, dict[str, str]]  # run id -> sha256 of each data file in its key


def build(lab: LabSpec, options: BuildOptions) -> BuildOutcome:
    """Build the report for ``lab``: train what the store lacks, then render Markdown and PDF.

    When a remembered plan (see :mod:`reportgen.plan_cache`) names only stored runs, the
    build renders from the store without planning again: no experiment (and no torch) is
    imported.
    """
    from reportgen.device import require_device, resolve_device

    started = time.perf_counter()
    options = dataclasses.replace(options, overrides=lab.aim(options.overrides))
    require_device(options.device)  # before anything else, even when nothing must train
    if "docx" in options.formats:
        from reportgen.render.docx import find_pandoc

        find_pandoc()  # a missing pandoc fails now, not after the training
    report_basename(options.student, lab, options.profile)  # a name too long to be a file fails now
    roots = Roots.of(options.build_dir)  # where input files may come from
    store = Store(options.build_dir / "cache")
    plans = PlanCache(store.root)
    inputs = inputs_digest()

    def plan_key(chosen: Chosen) -> str:
        """The name of the plan of these settings once ``chosen`` is known."""
        return plan_digest(
            inputs,
            lab,
            options.profile,
            options.overrides,
            options.corpus,
            chosen,
            roots,
        )

    stored = (
        None if options.force else stored_stages(lab, options, store, plans, plan_key)
    )
    if stored is None:
        # everything that can be wrong with the input fails here, before any training:
        # the checks of `reportgen validate`
        planned = check_inputs(
            lab, options.profile, options.overrides, options.corpus, roots
        )
        device = resolve_device(options.device)
    for o in options.overrides:
        log.info("Overriding: %s = %s", o.name(), o.value)
    require_fonts()
    notes_path = options.notes_path or Path(lab.notes)
    notes = read_notes(notes_path, roots)
    with build_lock(options.build_dir):
        try:
            for folders in _own_folders(lab, options.profile):  # refused now if one is a link
                own_dir(options.build_dir, *folders)
            if stored is None:  # the experiments are imported: remember their parameters
                param_index.remember(
                    options.build_dir, inputs, param_names(load_experiments())
                )
            orphans = remove_orphans(options.build_dir)
            if orphans:
                log.info(
                    "Removed %d temporary file(s) left by an interrupted build.",
                    orphans,
                )
            runs = (
                {r.id: params_mod.as_dict(r.params) for r in planned}
                if stored is None
                else {run_id: r.params for run_id, r in stored.results.items()}
            )
            _preflight(lab, options, (notes_path, notes), runs)
            if options.strict:  # every input checked: refuse before anything trains
                _refuse_early(lab, options, notes_path, notes)
            if stored is None:
                stored = _train(lab, options, store, planned, device, plans, plan_key)
            else:
                log.info(
                    "Building %s (%s profile): all %d runs are stored, nothing to train.",
                    lab.id,
                    options.profile,
                    len(stored.keys),
                )
            try:
                return _render_stage(
                    lab, options, store, stored, (notes_path, notes), started
                )
            except Interrupted as exc:
                raise Interrupted(
                    exc.signal_name,
                    f"all {len(stored.keys)} runs are stored; the report was not"
                    " finished. Run the same command again to write it.",
                ) from None
        except OSError as exc:  # disk full, folder made read-only mid-build, …
            # ``stored`` is set once every run is: then only the report was being written
            kept = TRAINING_KEPT if stored is None else REPORT_KEPT
            raise cannot_write(exc, options.build_dir, kept) from None


def _own_folders(lab: LabSpec, profile: str) -> list[tuple[str, ...]]:
    """The folders a build writes into, below the build folder."""
    from reportgen.render.report import MATH_DIR, figures_dir

    cache = [("cache", folder) for folder in ("partial", "plans", "latest", "history")]
    report = report_dir(Path(), lab.id, lab.lang).parts
    return [*cache, (*report, figures_dir(profile)), (*report, MATH_DIR)]


def stored_stages(
    lab: LabSpec,
    options: BuildOptions,
    store: Store,
    plans: PlanCache,
    plan_key: t.Callable[[Chosen], str],
) -> Stages | None:
    """The build's runs from remembered plans, when every one of them is stored; else None."""

    def remembered(chosen: Chosen) -> dict[str, RunResult] | None:
        return plans.results(
            plan_key(chosen), store, lab, options.profile, options.overrides, chosen
        )

    staged = in_stages(lab, options.overrides, remembered)
    if staged is None:
        return None
    chosen, results = staged
    keys = {run_id: r.key for run_id, r in results.items()}
    data = {run_id: plans.data_hashes.get(key, {}) for run_id, key in keys.items()}
    return Stages(keys, results, chosen, ExecutionSummary(reused=list(keys)), data)


def _train(
    lab: LabSpec,
    options: BuildOptions,
    store: Store,
    planned: list[PlannedRun],
    device: str,
    plans: PlanCache,
    plan_key: t.Callable[[Chosen], str],
) -> Stages:
    """Train what the store lacks, in one or two stages; remember the plans."""
    roots = Roots.of(options.build_dir)
    waiting = len(lab.runs) - len(planned)  # runs at a parameter chosen from results
    log.info(
        "Building %s (%s profile) on %s: %d runs planned%s.",
        lab.id,
        options.profile,
        device,
        len(planned),
        f", {waiting} more once their chosen parameters are known" if waiting else "",
    )
    jobs = options.jobs or (1 if device == "cuda" else (os.cpu_count() or 1))
    results: dict[str, RunResult] = {}
    summary = ExecutionSummary()
    latest = latest_keys(options.build_dir, lab.id, options.profile)  # the last build's

    def _why(run: PlannedRun) -> list[str]:
        """Why ``run`` trained: --force, a damaged entry of its own key, or what differs
        from the result the last build stored for it."""
        if options.force:
            return [FORCED]
        if latest.get(run.id) == run.key:
            return [DAMAGED]
        return retrain_reasons(run, store.load(latest[run.id]) if run.id in latest else None)

    def trained(chosen: Chosen) -> dict[str, RunResult]:
        """Train the runs of the plan with ``chosen`` that are not done yet."""
        nonlocal summary
        stage_plan = planned
        if chosen:  # the second stage: the groups that choose from the first's results
            for group, values in chosen.items():
                shown = ", ".join(f"{k} = {v}" for k, v in values.items())
                log.info("Chosen from the results for %s: %s.", group, shown)
            stage_plan = plan(
                lab, options.profile, options.overrides, options.corpus, chosen, roots
            )
        to_run = {r.id: r for r in stage_plan if r.id not in results}
        done, stage_summary = execute(
            list(to_run.values()), store, device, jobs=jobs, force=options.force
        )
        stage_summary.why = {r: _why(to_run[r]) for r in stage_summary.trained}
        results.update(done)
        summary = summary.merged(stage_summary)
        plans.put(plan_key(chosen), stage_plan)
        return {r.id: results[r.id] for r in stage_plan}

    staged = in_stages(lab, options.overrides, trained)
    assert staged is not None  # training gives every stage its results
    chosen, last = staged
    keys = {run_id: r.key for run_id, r in last.items()}
    data = {run_id: plans.data_hashes.get(key, {}) for run_id, key in keys.items()}
    return Stages(keys, last, chosen, summary, data)


def _render_stage(
    lab: LabSpec,
    options: BuildOptions,
    store: Store,
    stages: Stages,
    notes: tuple[Path, Markup | None],
    started: float,
) -> BuildOutcome:
    """Manifest, submission check, Markdown and PDF from the stages' results (``store``:
    the one they were loaded from or saved to, which knows whose each is)."""
    keys, results, chosen = stages.keys, stages.results, stages.chosen
    check_figure_series(lab, results)  # before anything is drawn
    record_latest_keys(options.build_dir, lab.id, options.profile, keys)
    corpus = str(options.corpus) if options.corpus else None
    non_course = non_course_settings(
        lab, override_texts(options), options.seeds, corpus
    )
    remember_build(options.build_dir, lab.id, options.profile, non_course, keys)

    out_dir = report_dir(options.build_dir, lab.id, lab.lang)
    notes_path, notes_text = notes
    mine = [run_id for run_id, key in keys.items() if store.is_mine(key)]
    record = report_record(lab, options, stages, notes, mine)
    manifest = Manifest(
        lab=lab.id,
        student=dataclasses.asdict(options.student),
        profile=options.profile,
        overrides=override_texts(options),
        notes_path=str(notes_path),
        notes_sha256=notes_digest(notes_text),
        has_notes=has_discussion(notes_text),
        pdf=str(out_dir / (report_basename(options.student, lab, options.profile) + ".pdf")),
        runs=run_states(results),
        files=[path.name for path in report_files_of(lab, options).values()],
        seeds=options.seeds,
        chosen=chosen,
        corpus=str(options.corpus.resolve()) if options.corpus else None,
        lang=lab.lang,
    )
    unverified = [run_id for run_id in keys if run_id not in mine]
    found = findings(manifest, keys, lab, built=False, unverified=unverified)
    if options.strict and any(f.blocking for f in found):
        raise _blocked(lab, options, found)
    # the report's files and the manifest are replaced together: all new or all old
    with StagedFiles() as staged:
        paths, warnings = render(
            lab, list(keys), results, chosen, options, notes, out_dir, staged, record,
            non_course,
        )
        write_manifest(staged, options.build_dir, manifest)
        staged.commit()
    return BuildOutcome(
        paths,
        stages.summary,
        tuple(warnings),
        tuple(found),
        time.perf_counter() - started,
    )


def _refuse_early(
    lab: LabSpec, options: BuildOptions, notes_path: Path, notes: str | None
) -> None:
    """``--strict``: what blocks handing in and is known before training refuses now."""
    found = input_findings(
        dataclasses.asdict(options.student),
        has_discussion(notes),
        str(notes_path),
        options.profile,
        lab.lang,
    )
    if any(f.blocking for f in found):
        raise _blocked(lab, options, found)


def _blocked(
    lab: LabSpec, options: BuildOptions, found: t.Sequence[Finding]
) -> SubmissionBlocked:
    """The refusal of ``--strict``. The submission's name must not keep a report of
    before: a refused course build withdraws it (a preview has a name of its own)."""
    withdrawn = (
        withdraw_report(report_files_of(lab, options))
        if options.profile == "course"
        else []
    )
    return SubmissionBlocked(found, withdrawn)


class SubmissionBlocked(ReportgenError):
    """Raised by ``build --strict`` when the submission check finds something blocking."""

    def __init__(self, found: t.Sequence[Finding], withdrawn: t.Sequence[Path]) -> None:
        lines = "\n".join("  " + f.line() for f in found)
        gone = [p for p in withdrawn if p.suffix in (".pdf", ".md")]
        removed = (
            f"\n  The earlier report ({', '.join(str(p) for p in gone)}) was removed, so"
            " that it cannot be handed in for this one."
            if gone
            else ""
        )
        super().__init__(
            f"Not ready to hand in (--strict wrote no report):\n{lines}{removed}"
        )


def render(
    lab: LabSpec,
    run_ids: t.Sequence[str],
    results: t.Mapping[str, RunResult],
    chosen: Chosen,
    options: BuildOptions,
    notes: tuple[Path, Markup | None],
    out_dir: Path,
    staged: StagedFiles,
    record: str,
    non_course: t.Sequence[str],
) -> tuple[dict[str, Path], list[str]]:
    """Figures, Markdown and the formats of ``options`` from stored results, staged in
    ``staged``, with the report's ``record`` beside the Markdown and inside the PDF, and
    the ``non_course`` options on its first page. Imports no torch."""
    from reportgen.render.report import render_report

    own_dir(options.build_dir, *out_dir.relative_to(options.build_dir).parts)
    basename = report_basename(options.student, lab, options.profile)
    return render_report(
        lab,
        run_ids,
        results,
        chosen,
        options.student,
        options.profile,
        report_date(options),
        notes,
        out_dir,
        basename,
        staged,
        record,
        options.formats,
        non_course,
    )


def report_files_of(lab: LabSpec, options: BuildOptions) -> dict[str, Path]:
    """The files the build of ``lab`` with ``options`` writes, by format."""
    from reportgen.render.report import report_files

    basename = report_basename(options.student, lab, options.profile)
    return report_files(
        report_dir(options.build_dir, lab.id, lab.lang), basename, options.formats
    )


def report_record(
    lab: LabSpec,
    options: BuildOptions,
    stages: Stages,
    notes: tuple[Path, Markup | None],
    mine: t.Collection[str],
) -> str:
    """The report's record (reportgen.record), as the JSON embedded in it."""
    from reportgen.record import make_record, rendering_digest

    settings = {
        "lab": lab.id,
        "lang": lab.lang,
        "profile": options.profile,
        "overrides": override_texts(options),
        "seeds": options.seeds,
        "chosen": {group: dict(values) for group, values in stages.chosen.items()},
        "corpus": str(options.corpus) if options.corpus else None,
        "student": dataclasses.asdict(options.student),
        "date": report_date(options),
        "notes": None if notes[1] is None else str(notes[1]),
        "notes_path": str(notes[0]),
    }
    digest = rendering_digest(lab.path)
    return make_record(settings, stages.results, stages.data, mine, digest).to_json()


def override_texts(options: BuildOptions) -> list[str]:
    """``--set`` as typed (target.param=value), for the manifest and the record."""
    return [o.text() for o in options.overrides]


def report_date(options: BuildOptions) -> str:
    """实验日期: ``--date``, or today."""
    return options.date or dt.date.today().isoformat()


def _preflight(
    lab: LabSpec,
    options: BuildOptions,
    notes: tuple[Path, Markup | None],
    runs: RunParams,
) -> None:
    """What rendering would refuse, asked before any training (see reportgen.preflight);
    ``runs``: the params of the runs planned (or stored), by run id."""
    out_dir = report_dir(options.build_dir, lab.id, lab.lang)
    student = options.student
    fields = {
        "--student": student.id,
        "--name": student.name,
        "--major": student.major,
        "--date": report_date(options),
    }
    outputs = [
        *report_files_of(lab, options).values(),
        manifest_path(options.build_dir, lab.id, student.id, lab.lang),
    ]
    texts = [*fields.items(), *spec_texts(lab)]
    texts += param_texts(lab, options.profile, options.overrides, runs)
    preflight(lab, texts, corpus_files(runs), notes, out_dir, outputs)
