"""``reportgen verify REPORT``: did a report's numbers come from the runs it describes?

A teaching assistant's check of a handed-in report, in four steps (docs/verify.md):

1. **Record**: read the record the report carries (reportgen.record), checked as untrusted data.
2. **Text**: render the report again from the record and compare the numbers of both texts in
   order; a number edited in the PDF or the Markdown is named with its page or line.
3. **Code and data**: hash this machine's code and data files of every run and compare them
   with the record's; any that differ are named (file, both hashes) and nothing trains.
4. **Rerun**: train the runs here (all, ``sample`` of them, or each for its first ``epochs``
   epochs) into a scratch store and compare every value with the record
   (reportgen.agreement): identical, within tolerance (another CPU kind), or different.

A rerun identical to the record is stored in this user's cache, signed: a foreign entry of
the same key becomes a verified one. Exit status 0 only when everything agrees.
"""

from __future__ import annotations

import dataclasses
import random
import shutil
import typing as t
from pathlib import Path

from markupsafe import Markup

from reportgen import agreement, limits
from reportgen import params as params_mod
from reportgen.errors import ReportgenError
from reportgen.interrupts import Interrupted
from reportgen.lab import LabSpec
from reportgen.record import ReportRecord, read_record, rendering_digest, text_sha256
from reportgen.report_text import (
    Mismatch,
    figure_mismatches,
    mismatches,
    numbers_of,
    pages_of,
)
from reportgen.store import RunResult, Store

EPOCHS_PARAM = "num_epochs"


@dataclasses.dataclass(frozen=True)
class CodeDifference:
    """A code or data file whose content here is not what the report's run used."""

    run_id: str
    path: str
    recorded: str  # sha256, or "absent"
    here: str

    def line(self) -> str:
        return (
            f"{self.path} (run {self.run_id}): the report ran {self.recorded[:12]},"
            f" here it is {self.here[:12]}"
        )


@dataclasses.dataclass(frozen=True)
class RunCheck:
    """One rerun compared with the record."""

    run_id: str
    agreements: list[agreement.Agreement]
    trained_here: RunResult
    recorded: RunResult

    @property
    def verdict(self) -> str:
        return agreement.worst(self.agreements)


@dataclasses.dataclass
class Verification:
    """Everything ``verify`` found, in the order it found it."""

    record: ReportRecord
    notes: list[str] = dataclasses.field(default_factory=list)
    text: list[Mismatch] = dataclasses.field(default_factory=list)
    code: list[CodeDifference] = dataclasses.field(default_factory=list)
    settings: list[str] = dataclasses.field(default_factory=list)  # params off the plan
    runs: list[RunCheck] = dataclasses.field(default_factory=list)
    not_rerun: list[str] = dataclasses.field(default_factory=list)
    now_verified: list[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.text or self.code or self.settings) and all(
            r.verdict != agreement.DIFFERENT for r in self.runs
        )


def verify(
    report: Path,
    build_dir: Path,
    device: str = "auto",
    jobs: int = 0,
    sample: int | None = None,
    epochs: int | None = None,
    corpus: Path | None = None,
) -> Verification:
    """Check ``report`` (a PDF or a Markdown file reportgen built); see the module docstring."""
    from reportgen.pipeline import build_lock

    if report.suffix.lower() not in (
        ".pdf",
        ".md",
    ):  # an .html or .docx carries no record
        raise ReportgenError(
            f"{report.name}: verify reads a report's PDF or Markdown file; verify the"
            f" {report.stem}.pdf or .md built with it."
        )
    record = read_record(report)
    found = Verification(record)
    with build_lock(build_dir):
        scratch = _scratch(build_dir, record)
        try:
            _check_and_rerun(
                found,
                report,
                (build_dir, scratch),
                (device, jobs, sample, epochs),
                corpus,
            )
        except Interrupted:
            raise  # the scratch folder stays: the next verification resumes from it
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)  # reportgen's own folder
            raise
        shutil.rmtree(scratch, ignore_errors=True)
        found.now_verified = _keep_identical(found, Store(build_dir / "cache"), epochs)
    return found


def _check_and_rerun(
    found: Verification,
    report: Path,
    folders: tuple[Path, Path],
    how: tuple[str, int, int | None, int | None],
    corpus: Path | None,
) -> None:
    """Steps 2–4 of the module docstring, into ``found``; trains only when the code, data
    and parameters are the record's. ``folders``: the build folder and the scratch folder
    in it."""
    import os

    from reportgen.device import resolve_device
    from reportgen.runner import execute

    (build_dir, scratch), (device, jobs, sample, epochs) = folders, how
    record = found.record
    lab = _lab_of(record)
    found.text = text_mismatches(report, record, lab, scratch, found.notes)
    found.code, planned = plan_reruns(record, epochs, corpus)
    found.settings = settings_mismatches(record, lab, corpus, build_dir)
    if found.code or found.settings:
        return  # nothing trains on other code, data or parameters
    chosen = _sample(list(planned), sample)
    found.not_rerun = [run_id for run_id in planned if run_id not in chosen]
    resolved = resolve_device(device)
    reruns, _ = execute(
        [planned[run_id] for run_id in chosen],
        Store(scratch / "cache"),
        resolved,
        jobs=jobs or (1 if resolved == "cuda" else (os.cpu_count() or 1)),
    )
    recorded = record.results()
    for run_id, rerun in reruns.items():
        trained = record.runs[run_id]["params"].get(EPOCHS_PARAM)
        shorter = isinstance(trained, int) and epochs is not None and epochs < trained
        prefix = epochs if shorter else None
        comparison = agreement.compare(recorded[run_id], rerun, prefix)
        found.runs.append(RunCheck(run_id, comparison, rerun, recorded[run_id]))


def _lab_of(record: ReportRecord) -> LabSpec:
    """The record's lab as loaded here with its --seeds and --set; its runs must be the
    record's."""
    from reportgen.lab import load_lab, parse_override

    try:
        overrides = [parse_override(o) for o in record.overrides]
        lab = load_lab(record.lab, seeds=record.seeds, overrides=overrides)
        lab = lab.in_language(record.lang)
    except ReportgenError as exc:
        raise ReportgenError(f"The report's lab cannot be loaded here: {exc}") from None
    if set(record.runs) != {r.id for r in lab.runs}:
        raise ReportgenError(
            f"The record's runs are not the runs of {lab.id} here (with its --set and"
            " --seeds): verify with the reportgen version the report was built with."
        )
    return lab


def settings_mismatches(
    record: ReportRecord, lab: LabSpec, corpus: Path | None, build_dir: Path
) -> list[str]:
    """Runs whose recorded parameters are not those the lab plans for the record's profile,
    --set and chosen values (e.g. quick-profile runs in a report that says "course")."""
    from reportgen.lab import parse_override
    from reportgen.plan import plan
    from reportgen.safety import Roots

    overrides = [parse_override(o) for o in record.overrides]
    planned = plan(
        lab, record.profile, overrides, corpus, record.chosen, Roots.of(build_dir)
    )
    differ = []
    for run in planned:
        here = params_mod.as_dict(run.params)
        recorded = record.runs[run.id]["params"]
        for name in sorted(set(here) | set(recorded)):
            if name != "corpus" and here.get(name) != recorded.get(name):
                differ.append(
                    f"run {run.id}: {name} is {recorded.get(name)!r} in the record,"
                    f" {here.get(name)!r} in {lab.id}'s {record.profile}-profile plan"
                )
    return differ


def _scratch(build_dir: Path, record: ReportRecord) -> Path:
    """The folder a verification renders and trains in: one per record, so that an
    interrupted verification resumes from its runs' checkpoints."""
    import hashlib

    from reportgen.safety import claim_build_dir, own_dir

    claim_build_dir(build_dir)
    digest = hashlib.sha256(record.to_json().encode()).hexdigest()[:16]
    own_dir(build_dir, "verify", digest, "cache", "partial")
    own_dir(build_dir, "cache")
    return build_dir / "verify" / digest


def text_mismatches(
    report: Path, record: ReportRecord, lab: LabSpec, scratch: Path, notes: list[str]
) -> list[Mismatch]:
    """Render the report again from ``record`` (in ``scratch``) and compare the numbers of
    its text with those of ``report``; differences of the rendering code go into ``notes``."""
    from reportgen import __version__
    from reportgen.non_course import non_course_settings
    from reportgen.pipeline import report_basename
    from reportgen.render.context import Student
    from reportgen.render.notes import check_shape
    from reportgen.render.report import render_report
    from reportgen.safety import own_dir
    from reportgen.staged import StagedFiles

    if record.rendering != rendering_digest(lab.path):
        notes.append(
            f"The report was rendered by reportgen {record.reportgen} with other templates,"
            f" views or lab spec than this reportgen {__version__}: a difference in the"
            " text may come from that."
        )
    notes_text = record.notes
    if notes_text is not None:
        if len(notes_text.encode("utf-8")) > limits.NOTES_BYTES or "\x00" in notes_text:
            raise ReportgenError(
                "The record's discussion is larger than any notes file."
            )
        check_shape(Path("the record's discussion"), notes_text)
    student = Student(**record.student)
    out_dir = own_dir(scratch, record.lab)
    basename = report_basename(student, lab, record.profile)
    with StagedFiles() as staged:
        paths, _ = render_report(
            lab,
            list(record.runs),
            record.results(),
            record.chosen,
            student,
            record.profile,
            record.date,
            (
                Path(record.notes_path),
                None if notes_text is None else Markup(notes_text),
            ),
            out_dir,
            basename,
            staged,
            record.to_json(),
            non_course=non_course_settings(
                lab, record.overrides, record.seeds, record.corpus
            ),
        )
        staged.commit()
    again = paths["pdf"] if report.suffix.lower() == ".pdf" else paths["md"]
    found = mismatches(numbers_of(pages_of(again)), numbers_of(pages_of(report)))
    return found + figure_mismatches(again, report)


def plan_reruns(
    record: ReportRecord, epochs: int | None, corpus: Path | None
) -> tuple[list[CodeDifference], dict[str, t.Any]]:
    """The code and data files that differ from the record's, and the runs to train (by run
    id, as PlannedRun), each for at most ``epochs`` epochs where it has them."""
    from reportgen.experiment import load_experiments
    from reportgen.lab import RunSpec
    from reportgen.plan import PlannedRun, code_hash, code_sources, data_hashes
    from reportgen.store import run_key, sha256_file

    experiments = load_experiments()
    differ: list[CodeDifference] = []
    planned = {}
    hashes: dict[str, tuple[dict[str, str], str, dict[str, str]]] = {}  # once each
    for run_id, run in record.runs.items():
        exp = experiments.get(run["experiment"])
        if exp is None:
            differ.append(
                CodeDifference(
                    run_id, f"experiment {run['experiment']}", "its code", "absent"
                )
            )
            continue
        if exp.name not in hashes:
            files = {
                path: text_sha256(text) for path, text in code_sources(exp).items()
            }
            hashes[exp.name] = (files, code_hash(exp), data_hashes(exp))
        here, code, shared_data = hashes[exp.name]
        data = dict(shared_data)  # a run's own corpus is added below
        values = dict(run["params"])
        if "corpus" in run["data"]:  # a user's own corpus file: the TA passes it
            if corpus is None:
                raise ReportgenError(
                    f"Run {run_id} trained on the student's own corpus file"
                    f" {Path(str(values.get('corpus'))).name} (sha256"
                    f" {run['data']['corpus'][:12]}…): pass it with --corpus."
                )
            data["corpus"] = sha256_file(corpus)
            values["corpus"] = str(corpus.resolve())
        differ += _differences(run_id, run["code"], here, lambda path: path)
        differ += _differences(
            run_id,
            run["data"],
            data,
            lambda name: name if name == "corpus" else f"data/{name}",
        )
        if epochs is not None and isinstance(values.get(EPOCHS_PARAM), int):
            values[EPOCHS_PARAM] = min(epochs, values[EPOCHS_PARAM])
        p = params_mod.resolve(exp.params_cls, values, f"the record's run {run_id}")
        key = run_key(exp.name, code, params_mod.as_dict(p), run["seed"], data)
        spec = RunSpec(run_id, exp.name, run["params"], run["seed"], label=run_id)
        planned[run_id] = PlannedRun(spec, exp, p, key, data)
    # a file that differs for several runs is named once
    unique = list({(d.path, d.recorded, d.here): d for d in differ}.values())
    return unique, planned


def _differences(
    run_id: str,
    recorded: t.Mapping[str, str],
    here: t.Mapping[str, str],
    shown: t.Callable[[str], str],
) -> list[CodeDifference]:
    """The files (by name -> sha256) whose hash here is not the recorded one."""
    return [
        CodeDifference(
            run_id, shown(name), recorded.get(name, "absent"), here.get(name, "absent")
        )
        for name in sorted(set(recorded) | set(here))
        if recorded.get(name) != here.get(name)
    ]


def _sample(run_ids: list[str], sample: int | None) -> list[str]:
    """All runs, or ``sample`` of them drawn at random (a student cannot tell which)."""
    if sample is None or sample >= len(run_ids):
        return run_ids
    drawn = set(random.SystemRandom().sample(run_ids, sample))
    return [run_id for run_id in run_ids if run_id in drawn]


def _keep_identical(found: Verification, store: Store, epochs: int | None) -> list[str]:
    """Store each whole rerun identical to the record in this user's cache (signed); the
    run ids whose cache entry was foreign or absent and is now this user's."""
    if epochs is not None:
        return []
    kept = []
    for check in found.runs:
        key = found.record.runs[check.run_id]["key"]
        if check.verdict != agreement.IDENTICAL or check.trained_here.key != key:
            continue
        if not store.is_mine(key):
            store.save(check.trained_here)
            kept.append(check.run_id)
    return kept
