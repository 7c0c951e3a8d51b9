"""The ``reportgen`` command line. Commands parse their arguments and hand off to the pipeline.

torch, matplotlib and weasyprint are imported inside the commands that need them, so that
``reportgen --help`` and ``reportgen list`` answer at once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
import tomllib
import typing as t
from pathlib import Path

import click

from reportgen import limits, program
from reportgen.interrupts import interrupts_raise
from reportgen.lang import DEFAULT_LANG, LANGS
from reportgen.paths import COURSE_LANG, DEFAULT_BUILD_DIR, report_dir

STUDENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}\Z")
PROFILE_FILE = Path("reportgen.toml")
MAX_FIELD_CHARS = {"id": 32, "name": 64, "major": 64, "date": 32}

student_help = (
    "学号, e.g. WA2214014 (letters, digits, '-' and '_'). "
    "Default: [student] id in reportgen.toml."
)
set_help = (
    "Override an experiment parameter: RUN_OR_EXPERIMENT.PARAM=VALUE (repeatable)."
)
profile_help = (
    "'course': the course's hyperparameters; 'quick': a preview in well under a minute."
)
corpus_help = (
    "Your own corpus (UTF-8 .txt, or a .zip holding one), for labs that take one."
)
device_help = "Where to train: auto (CUDA when present), cpu or cuda."
format_help = (
    "Report formats: md, pdf, html, docx; repeat the option or give a comma list"
    " (--format pdf,docx). Default: md,pdf, or [build] format in reportgen.toml."
    " The Markdown is always written."
)


class OverrideType(click.ParamType):  # type: ignore[type-arg]
    """``--set target.param=value``: its shape is checked here, its type by the plan."""

    name = "KEY=VALUE"

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        from reportgen.errors import ParamError
        from reportgen.lab import Override, parse_override

        if isinstance(value, Override):
            return value
        try:
            return parse_override(value)
        except ParamError as exc:
            self.fail(exc.message, param, ctx)


# options shared by several commands, defined once
PROFILE_OPTION = click.option(
    "--profile",
    type=click.Choice(["course", "quick"]),
    default="course",
    show_default=True,
    help=profile_help,
)
SET_OPTION = click.option(
    "--set", "overrides", type=OverrideType(), multiple=True, help=set_help
)
SEEDS_OPTION = click.option(
    "--seeds",
    type=click.IntRange(min=1, max=limits.SEEDS),
    default=None,
    help="Seeds per point of every swept group (0 … N−1, N ≤ 20), instead of the lab's list.",
)
BUILD_DIR_OPTION = click.option(
    "--build-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_BUILD_DIR,
    show_default=True,
    help="Where the cache and reports go.",
)


def _complete_lab(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[str]:
    """Shell completion of a LAB argument: the shipped labs' ids (docs/cli.md)."""
    from reportgen.lab import available_labs

    return [lab for lab in available_labs() if lab.startswith(incomplete)]


# LAB, optional (lab4 by default), completed by the shell
LAB_ARGUMENT = click.argument(
    "lab_id", metavar="[LAB]", default="lab4", shell_complete=_complete_lab
)


class CorpusType(click.ParamType):  # type: ignore[type-arg]
    """``--corpus PATH``: read and checked at once, so a bad file fails before anything runs."""

    name = "PATH"

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        from reportgen.errors import ReportgenError
        from reportgen.safety import printable_path

        try:
            return Path(printable_path(value, "Corpus"))
        except ReportgenError as exc:
            self.fail(exc.message, param, ctx)


def _checked_corpus(corpus: Path | None, build_dir: Path) -> Path | None:
    """``--corpus`` inside the project or build folder, read and checked; its real path."""
    from reportgen.safety import Roots
    from reportgen.text.corpus_file import checked_corpus

    return None if corpus is None else checked_corpus(corpus, Roots.of(build_dir)).path


def _student_option(value: str | None, key: str, profile: dict[str, t.Any]) -> str:
    """A student field from the command line, else from reportgen.toml, else empty.

    Refused: control and invisible formatting characters (a right-to-left override makes
    'fdp.exe' display as 'exe.pdf'), bytes that are not UTF-8, and over-long values.
    """
    from reportgen.safety import refusal

    chosen = value if value is not None else profile.get(key, "")
    option = "--student" if key == "id" else f"--{key}"
    if not isinstance(chosen, str):
        raise click.BadParameter(f"{PROFILE_FILE}: student.{key} must be a string.")
    refused = refusal(chosen)
    if refused is not None:
        raise click.BadParameter(f"{refused}.", param_hint=option)
    limit = MAX_FIELD_CHARS[key]
    if len(chosen) > limit:
        raise click.BadParameter(
            f"is {len(chosen)} characters long; at most {limit} are allowed.",
            param_hint=option,
        )
    return chosen.strip()


def _student_id(value: str | None, profile: dict[str, t.Any]) -> str:
    """The 学号 from --student or reportgen.toml: required, and safe in a file name."""
    sid = _student_option(value, "id", profile)
    if not sid:
        raise click.UsageError(
            "Missing --student (your 学号), or set [student] id in reportgen.toml."
        )
    if not STUDENT_ID.match(sid):
        raise click.BadParameter(
            f"{sid!r} is not a student ID: use letters, digits, '-' and '_'.",
            param_hint="--student",
        )
    return sid


def _formats_option(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...] | None:
    """``--format`` values, parsed (None when not given: reportgen.toml or the default)."""
    from reportgen.render.formats import parse_formats

    try:
        return parse_formats(value) if value else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


def _formats(
    given: tuple[str, ...] | None, settings: dict[str, t.Any]
) -> tuple[str, ...]:
    """``--format``, else ``[build] format`` of reportgen.toml (a comma list or a list of
    names), else md,pdf."""
    from reportgen.render.formats import DEFAULT_FORMATS, parse_formats

    if given is not None:
        return given
    chosen = _setting(settings, "build", "format", DEFAULT_FORMATS)
    if isinstance(chosen, str):
        chosen = [chosen]
    hint = f"[build] format in {PROFILE_FILE}"
    if not isinstance(chosen, (list, tuple)) or not all(
        isinstance(c, str) for c in chosen
    ):
        raise click.BadParameter("must be a list of format names.", param_hint=hint)
    try:
        return parse_formats(chosen)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=hint) from None


def _table(settings: dict[str, t.Any], name: str) -> dict[str, t.Any]:
    """The table ``[name]`` of reportgen.toml's ``settings`` ({} where absent)."""
    table = settings.get(name, {})
    return table if isinstance(table, dict) else {}


def _setting(settings: dict[str, t.Any], table: str, key: str, default: t.Any) -> t.Any:
    """``key`` of reportgen.toml's ``[table]``; ``default`` where absent, None where the
    table is not a table (the caller refuses it)."""
    found = settings.get(table, {})
    return found.get(key, default) if isinstance(found, dict) else None


def _load_settings() -> dict[str, t.Any]:
    """``reportgen.toml`` in the project folder: an input file like the notes (inside the
    project once links are resolved, at most PROFILE_BYTES), parsed as data. Its tables:
    ``[student]`` (id, name, major) and ``[build]`` (format, lang)."""
    from reportgen.safety import Roots, input_file

    try:
        path = input_file(PROFILE_FILE, str(PROFILE_FILE), Roots.of())
        data = tomllib.loads(
            limits.read_bounded(
                lambda: open(path, "rb"), path.stat().st_size, limits.PROFILE_BYTES
            ).decode("utf-8")
        )
    except FileNotFoundError:
        return {}
    except limits.OverLimit as exc:
        raise click.ClickException(
            f"{PROFILE_FILE} is {exc.size // 1024} KB; the limit is"
            f" {limits.PROFILE_BYTES // 1024} KB (reportgen.limits.PROFILE_BYTES)."
        ) from None
    except RecursionError:
        raise click.ClickException(
            f"Malformed {PROFILE_FILE}: nested too deeply."
        ) from None
    except (
        ValueError
    ) as exc:  # TOMLDecodeError, UnicodeDecodeError, a 5000-digit integer
        raise click.ClickException(
            f"Malformed {PROFILE_FILE}: {str(exc)[:200]}."
        ) from None
    _check_settings_keys(data)
    return data


# the tables of reportgen.toml and their keys: a misspelt one would be ignored silently
SETTINGS_KEYS = {"student": ("id", "name", "major"), "build": ("format", "lang")}


def _check_settings_keys(data: dict[str, t.Any]) -> None:
    """Refuse a table or key of reportgen.toml that reportgen does not read, with a
    did-you-mean (exit 2, like a misspelt option)."""
    from reportgen.lab import unknown_key

    for table, value in data.items():
        if table not in SETTINGS_KEYS:
            raise click.UsageError(
                f"{PROFILE_FILE}: [{table}]: {unknown_key(table, list(SETTINGS_KEYS))}"
            )
        for key in value if isinstance(value, dict) else ():
            if key not in SETTINGS_KEYS[table]:
                known = list(SETTINGS_KEYS[table])
                raise click.UsageError(
                    f"{PROFILE_FILE}: [{table}] {key}: {unknown_key(key, known)}"
                )


class _EchoHandler(logging.Handler):
    """Log records to click's stderr, looked up at each call (so CliRunner captures them)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(self.format(record), err=True)


def _setup_logging(verbose: bool) -> None:
    """reportgen's own progress at INFO (DEBUG with ``-v``); other libraries' records only
    from WARNING up — torch, for one, logs cache statistics at INFO while it exits."""
    root = logging.getLogger()
    root.handlers = [_EchoHandler()]
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    logging.getLogger("reportgen").setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    logging.getLogger("matplotlib").setLevel(logging.WARNING)
    weasy = logging.getLogger("weasyprint")
    weasy.setLevel(logging.WARNING)
    weasy.propagate = False  # its warnings are collected and reported by render.pdf


@contextlib.contextmanager
def _one_line_usage_errors() -> t.Iterator[None]:
    """A usage error (a bad option value, a missing option) shown as its one ``Error:``
    line, like every other bad input: click adds the usage and a ``Try --help`` hint only
    when the error carries its context. Asking for help (no command at all) stays help."""
    try:
        yield
    except click.exceptions.NoArgsIsHelpError:
        raise
    except click.UsageError as exc:
        exc.ctx = None
        raise


class _Commands(click.Group):
    """The command group; refuses arguments that are not UTF-8 before anything parses them,
    and shows usage errors in one line (:func:`_one_line_usage_errors`).

    On Linux a byte that is not UTF-8 (a GBK file name from a Windows zip) reaches Python
    as a lone surrogate, which no file, JSON or PDF can hold: one line instead of a crash.
    """

    def make_context(self, *args: t.Any, **kwargs: t.Any) -> click.Context:
        with _one_line_usage_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> t.Any:
        with _one_line_usage_errors():
            return super().invoke(ctx)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        from reportgen.safety import UnsafeInput, refusal

        for arg in args:
            if any(0xD800 <= ord(ch) <= 0xDFFF for ch in arg):
                raise UnsafeInput(
                    f"The argument {refusal(arg)}: rename the file or retype the value in"
                    " UTF-8."
                )
        return super().parse_args(ctx, args)


LANG_OPTION = click.option(
    "--lang",
    type=click.Choice(LANGS),
    help="The report's language: zh (the course's) or en (the English d2l book's terms);"
    " an English report goes to <build>/<lab>/en/. Default: zh, or [build] lang in"
    " reportgen.toml.",
)


def _lang(given: str | None, settings: dict[str, t.Any]) -> str:
    """``--lang``, else ``[build] lang`` of reportgen.toml, else the course's."""
    if given is not None:
        return given
    chosen = _setting(settings, "build", "lang", DEFAULT_LANG)
    if chosen not in LANGS:
        raise click.BadParameter(
            f"expected one of {', '.join(LANGS)}, got {chosen!r}.",
            param_hint=f"[build] lang in {PROFILE_FILE}",
        )
    return t.cast(str, chosen)


def report_options(command: t.Callable[..., None]) -> t.Callable[..., None]:
    """LAB, --student, --lang, --build-dir: the options that name one built report."""
    for option in reversed(
        [
            LAB_ARGUMENT,
            click.option("--student", "student_id", help=student_help),
            LANG_OPTION,
            BUILD_DIR_OPTION,
        ]
    ):
        command = option(command)
    return command


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="reportgen")
@click.option("-v", "--verbose", is_flag=True, help="Log every step.")
def main(verbose: bool) -> None:
    """Train a deep-learning lab's models and render the lab report (Markdown + PDF; HTML and
    Word with --format)."""
    _setup_logging(verbose)


@main.command()
@LAB_ARGUMENT
@click.argument(
    "folder", metavar="[DIR]", default=".", type=click.Path(file_okay=False, path_type=Path)
)
@click.option("--student", "student_id", help="学号 to write into reportgen.toml.")
@click.option("--name", help="姓名 to write into reportgen.toml.")
@click.option("--major", help="专业 to write into reportgen.toml.")
@LANG_OPTION
@click.option(
    "--eject",
    is_flag=True,
    help="Also copy LAB's spec and experiment files into DIR: your copies then train.",
)
def init(
    lab_id: str,
    folder: Path,
    student_id: str | None,
    name: str | None,
    major: str | None,
    lang: str | None,
    eject: bool,
) -> None:
    """Make DIR (default: here) a work folder for LAB: reportgen.toml, notes/LAB.md with
    the headings and the course's questions to answer, and a .gitignore (docs/workspace.md)."""
    from reportgen.lab import load_lab
    from reportgen.workspace import init_workspace

    student = {"id": _student_id(student_id, {}) if student_id else ""}
    for key, value in (("name", name), ("major", major)):
        student[key] = _student_option(value, key, {})
    lab = load_lab(lab_id)
    try:
        outcome = init_workspace(folder, lab, student, lang or COURSE_LANG, eject)
    except OSError as exc:
        raise click.ClickException(
            f"Cannot write into {folder}: {exc.strerror}."
        ) from None
    for path in outcome.written:
        click.echo(f"  wrote  {path}")
    for path in outcome.kept:
        click.echo(f"  kept   {path} (it exists: not overwritten)")
    enter = "" if folder == Path(".") else f"cd {folder}, "
    click.echo(
        f"Next: {enter}fill in reportgen.toml, build a preview with `reportgen build"
        f" {lab.id} --profile quick`, and write your discussion in {lab.notes}."
    )


@main.command()
@LAB_ARGUMENT
@click.option("--student", "student_id", help=student_help)
@click.option("--name", help="姓名 as printed in the report and the file name.")
@click.option("--major", help="专业.")
@PROFILE_OPTION
@SET_OPTION
@SEEDS_OPTION
@click.option(
    "--device",
    type=click.Choice(["auto", "cpu", "cuda"]),
    default="auto",
    show_default=True,
    help=device_help,
)
@click.option(
    "--notes",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Your discussion (Markdown). Default: notes/<lab>.md.",
)
@click.option("--date", help="实验日期 printed in the header. Default: today.")
@LANG_OPTION
@BUILD_DIR_OPTION
@click.option(
    "--jobs",
    type=click.IntRange(min=0, max=limits.JOBS),
    default=0,
    help="Runs trained at once (at most 64). Default 0: one per CPU core (1 on CUDA).",
)
@click.option("--corpus", type=CorpusType(), help=corpus_help)
@click.option("--force", is_flag=True, help="Retrain every run even when it is cached.")
@click.option(
    "--strict",
    is_flag=True,
    help="Write no report while the submission check finds a blocker.",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    metavar="FORMATS",
    callback=_formats_option,
    help=format_help,
)
@interrupts_raise()  # Ctrl-C or SIGTERM at any moment: one line, exit 130
def build(
    lab_id: str,
    student_id: str | None,
    name: str | None,
    major: str | None,
    profile: str,
    overrides: tuple[t.Any, ...],
    seeds: int | None,
    device: str,
    notes: Path | None,
    date: str | None,
    lang: str | None,
    build_dir: Path,
    jobs: int,
    corpus: Path | None,
    force: bool,
    strict: bool,
    formats: tuple[str, ...] | None,
) -> None:
    """Build the report for LAB (default lab4): train what is not cached, then render."""
    from reportgen.lab import load_lab
    from reportgen.param_index import check_early
    from reportgen.pipeline import BuildOptions
    from reportgen.pipeline import build as run_build
    from reportgen.render.context import Student

    settings = _load_settings()
    student_profile = _table(settings, "student")
    chosen_formats = _formats(formats, settings)
    lang = _lang(lang, settings)
    sid = _student_id(student_id, student_profile)
    student = Student(
        sid,
        _student_option(name, "name", student_profile),
        _student_option(major, "major", student_profile),
    )
    date = _student_option(date, "date", {}) or None
    lab = load_lab(lab_id, seeds=seeds, overrides=overrides).in_language(lang)
    check_early(lab, overrides, build_dir)
    corpus = _checked_corpus(corpus, build_dir)
    options = BuildOptions(
        student=student,
        profile=profile,
        overrides=tuple(overrides),
        device=device,
        build_dir=build_dir,
        notes_path=notes,
        date=date,
        jobs=jobs,
        seeds=seeds,
        force=force,
        strict=strict,
        corpus=corpus,
        formats=chosen_formats,
    )
    outcome = run_build(lab, options)
    click.echo(f"Runs: {outcome.summary.line()}.", err=True)
    for line in _trained_lines(outcome.summary):
        click.echo(f"  {line}", err=True)
    if outcome.summary.reused:
        click.echo(f"  from cache: {', '.join(outcome.summary.reused)}", err=True)
    for warning in outcome.warnings:
        click.echo(f"Warning: {warning}", err=True)
    for i, path in enumerate(_shown_first(outcome.files)):
        click.echo(f"{'Report: ' if i == 0 else ' ' * 8}{path}", err=True)
    click.echo(f"Built in {outcome.seconds:.1f} s.", err=True)
    _echo_findings(outcome.findings)
    program.STATE.finished = True  # a signal from now on finds the work done


def _trained_lines(summary: t.Any) -> list[str]:
    """``trained: …`` with why: the runs of one reason together (``never trained here``,
    ``--force``), each other run with what changed."""
    by_reason: dict[str, list[str]] = {}
    for run_id in summary.trained:
        reason = "; ".join(summary.why[run_id])
        by_reason.setdefault(reason, []).append(run_id)
    return [
        f"trained ({reason}): {', '.join(run_ids)}"
        for reason, run_ids in by_reason.items()
    ]


def _shown_first(files: dict[str, Path]) -> list[Path]:
    """The report's files, the one to hand in first: PDF, Word, HTML, then the Markdown."""
    order = ["pdf", "docx", "html", "md", "record"]
    return [files[kind] for kind in sorted(files, key=order.index)]


def _echo_findings(found: t.Sequence[t.Any]) -> None:
    if not found:
        click.echo("Submission check: ready to hand in.", err=True)
        return
    click.echo("Submission check:", err=True)
    for finding in found:
        click.echo(f"  {finding.line()}", err=True)


@main.command()
@report_options
def check(
    lab_id: str, student_id: str | None, lang: str | None, build_dir: Path
) -> None:
    """List what keeps the last report of LAB from being ready to hand in."""
    from reportgen.check import changed_since_built, findings, read_manifest
    from reportgen.lab import load_lab, parse_override
    from reportgen.plan import plan
    from reportgen.plan_cache import remembered_results
    from reportgen.safety import Roots
    from reportgen.store import Store

    settings = _load_settings()  # read once: [student] and [build]
    sid = _student_id(student_id, _table(settings, "student"))
    lang = _lang(lang, settings)
    lab = load_lab(lab_id)
    manifest = read_manifest(build_dir, lab.id, sid, lang)
    if manifest is None:
        others = [
            other
            for other in LANGS
            if other != lang and read_manifest(build_dir, lab.id, sid, other)
        ]
        hint = "".join(
            f" (there is one in {other}: --lang {other})" for other in others
        )
        which = "" if lang == DEFAULT_LANG else f" ({lang})"
        raise click.ClickException(
            f"No {lab.id} report{which} for {sid} in {build_dir}: build it first{hint}."
        )
    overrides = [parse_override(o) for o in manifest.overrides]
    corpus = Path(manifest.corpus) if manifest.corpus else None
    if corpus is not None and not corpus.is_file():
        raise click.ClickException(
            f"The corpus this report was built from, {corpus}, is gone: cannot check it."
        )
    corpus = _checked_corpus(corpus, build_dir)  # the manifest is data: checked too
    # the runs that build planned
    lab = load_lab(lab_id, seeds=manifest.seeds, overrides=overrides).in_language(lang)
    overrides = list(lab.aim(overrides))  # as the build aimed them: its plan's digest
    remembered = remembered_results(
        lab, manifest.profile, overrides, corpus, manifest.chosen, build_dir
    )
    planned = (
        {run_id: r.key for run_id, r in remembered.items()}
        if remembered is not None  # the plan the build remembered: no torch
        else {
            r.id: r.key
            for r in plan(
                lab, manifest.profile, overrides, corpus, manifest.chosen,
                Roots.of(build_dir),
            )
        }
    )
    # the PDF beside the manifest, wherever the build folder is now (never a path it names)
    pdf = report_dir(build_dir, lab.id, lang) / Path(manifest.pdf).name
    # whose results they are, asked of this user's key
    store = Store(build_dir / "cache")
    unverified = [
        r for r, state in manifest.runs.items() if not store.is_mine(state["key"])
    ]
    manifest = dataclasses.replace(manifest, pdf=str(pdf))
    found = findings(manifest, planned, lab, unverified=unverified)
    found += changed_since_built(
        manifest, _table(settings, "student"), Roots.of(build_dir)
    )
    for i, name in enumerate(
        manifest.files
    ):  # the files this build wrote (checked names)
        click.echo(f"{'Report: ' if i == 0 else ' ' * 8}{pdf.parent / name}", err=True)
    _echo_findings(found)
    if any(f.blocking for f in found):
        raise SystemExit(1)


@main.command()
@click.argument("report", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--sample",
    type=click.IntRange(min=1, max=limits.PLANNED_RUNS),
    help="Rerun only this many of the report's runs, drawn at random.",
)
@click.option(
    "--epochs",
    type=click.IntRange(min=1, max=limits.EPOCHS),
    help="Rerun each run for its first N epochs only and compare that stretch.",
)
@click.option(
    "--corpus",
    type=CorpusType(),
    help="The student's own corpus file, for a report trained on one.",
)
@click.option(
    "--device",
    type=click.Choice(["auto", "cpu", "cuda"]),
    default="auto",
    help=device_help,
)
@click.option(
    "--jobs",
    type=click.IntRange(min=0, max=limits.JOBS),
    default=0,
    help="Runs trained at once.",
)
@BUILD_DIR_OPTION
def verify(
    report: Path,
    sample: int | None,
    epochs: int | None,
    corpus: Path | None,
    device: str,
    jobs: int,
    build_dir: Path,
) -> None:
    """Check that a report's numbers come from the runs it describes: rerun them here.

    REPORT is a PDF (or the Markdown) reportgen built. Exit 0 only when its text, the code
    and data, and every rerun agree with the record it carries."""
    from reportgen.verify import verify as verify_report
    from reportgen.verify_table import describe

    found = verify_report(
        report,
        build_dir,
        device=device,
        jobs=jobs,
        sample=sample,
        epochs=epochs,
        corpus=_checked_corpus(corpus, build_dir),
    )
    click.echo(describe(found, epochs))
    if not found.ok:
        raise SystemExit(1)


@main.command("list")
@BUILD_DIR_OPTION
def list_command(build_dir: Path) -> None:
    """List labs, experiments and cached runs (imports no torch)."""
    from reportgen.inventory import describe_inventory

    click.echo(describe_inventory(build_dir))


@main.command()
@LAB_ARGUMENT
@PROFILE_OPTION
@SET_OPTION
@SEEDS_OPTION
@click.option("--corpus", type=CorpusType(), help=corpus_help)
@BUILD_DIR_OPTION
@click.option(
    "--why",
    is_flag=True,
    help="For each run that must train, every reason: never trained here, each parameter"
    " changed (old → new), each code file changed, a data file changed.",
)
def status(
    lab_id: str,
    profile: str,
    overrides: tuple[t.Any, ...],
    seeds: int | None,
    corpus: Path | None,
    build_dir: Path,
    why: bool,
) -> None:
    """Show which runs of LAB are cached, stale or missing, and the time left to train."""
    from reportgen.inventory import describe_status
    from reportgen.lab import load_lab
    from reportgen.param_index import check_early

    lab = load_lab(lab_id, seeds=seeds, overrides=overrides)
    check_early(lab, overrides, build_dir)
    corpus = _checked_corpus(corpus, build_dir)
    click.echo(describe_status(lab, profile, tuple(overrides), build_dir, corpus, why))


@main.command()
@LAB_ARGUMENT
@PROFILE_OPTION
@SET_OPTION
@SEEDS_OPTION
@click.option("--corpus", type=CorpusType(), help=corpus_help)
@BUILD_DIR_OPTION
def validate(
    lab_id: str,
    profile: str,
    overrides: tuple[t.Any, ...],
    seeds: int | None,
    corpus: Path | None,
    build_dir: Path,
) -> None:
    """Check LAB's spec, template and experiments as build does, training nothing."""
    from reportgen.authoring import check_inputs
    from reportgen.lab import load_lab
    from reportgen.param_index import check_early
    from reportgen.safety import Roots

    lab = load_lab(lab_id, seeds=seeds, overrides=overrides)
    check_early(lab, overrides, build_dir)
    corpus = _checked_corpus(corpus, build_dir)
    check_inputs(lab, profile, tuple(overrides), corpus, Roots.of(build_dir))
    click.echo(
        f"{lab.id}: spec, template and experiments are valid"
        f" ({len(lab.runs)} run{'s' if len(lab.runs) != 1 else ''} planned)."
    )


@main.command()
def doctor() -> None:
    """Check torch and the device, CJK fonts, Pango/WeasyPrint and data files."""
    from reportgen.doctor import run_checks

    problems = 0
    for check in run_checks():
        mark = "ok  " if check.ok else "FAIL"
        click.echo(f"[{mark}] {check.name}: {check.detail}")
        if not check.ok:
            problems += 1
            click.echo(f"       fix: {check.fix}")
    if problems:
        raise click.ClickException(f"{problems} problem(s) found.")


@main.command()
@LAB_ARGUMENT
@click.option(
    "--builds",
    type=click.IntRange(min=1, max=19),
    default=1,
    show_default=True,
    help="Compare the last build with the one N builds before it.",
)
@click.option(
    "--profile",
    type=click.Choice(["course", "quick"]),
    default=None,
    help="Compare builds of this profile only. Default: the last build's.",
)
@BUILD_DIR_OPTION
def diff(lab_id: str, builds: int, profile: str | None, build_dir: Path) -> None:
    """Compare the metrics of LAB's last build with those of the build before it of the
    same profile (e.g. before and after a --set): every metric that differs, in a table."""
    from reportgen.history import metric_rows, read_history, text_table
    from reportgen.lab import load_lab
    from reportgen.store import Store

    lab = load_lab(lab_id)
    history = read_history(build_dir, lab.id)
    profile = profile or (history[-1].profile if history else "course")
    history = [b for b in history if b.profile == profile]
    if len(history) <= builds:
        raise click.ClickException(
            f"{build_dir} remembers {len(history)} {profile}-profile build(s) of {lab.id}"
            f" with different runs: nothing to compare {builds} build(s) back. Build it"
            " again with other settings (--set) first."
        )
    before, after = history[-1 - builds], history[-1]
    rows, same = metric_rows(before, after, Store(build_dir / "cache"))
    click.echo(f"{lab.id}: {before.label()} → {after.label()}")
    if rows:
        header = ["run", "metric", "before", "after", "change"]
        click.echo(text_table(header, rows, right=(2, 3, 4)))
    click.echo(f"{len(rows)} metric(s) differ, {same} the same.")


@main.command()
@click.argument("lab_id", metavar="LAB", shell_complete=_complete_lab)
@BUILD_DIR_OPTION
def clean(lab_id: str, build_dir: Path) -> None:
    """Remove LAB's reports (every language, course and preview), keeping its training
    results: a rebuild renders them again in seconds."""
    from reportgen.cleanup import clean_lab
    from reportgen.lab import load_lab

    lab = load_lab(lab_id)  # an unknown lab is refused with a did-you-mean
    click.echo(clean_lab(build_dir, lab.id).line(f"{lab.id}'s reports"))


@main.command()
@BUILD_DIR_OPTION
def gc(build_dir: Path) -> None:
    """Remove cache entries that neither a lab's last build nor its plain build uses."""
    from reportgen.cleanup import collect_garbage

    click.echo(collect_garbage(build_dir).line("unused cache entries"))


def _no_display() -> bool:
    """Linux without a graphical session: xdg-open would only print errors (and, started
    without waiting, return success)."""
    import os
    import sys

    graphical = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    return sys.platform.startswith("linux") and not graphical


@main.command("open")
@report_options
def open_command(
    lab_id: str, student_id: str | None, lang: str | None, build_dir: Path
) -> None:
    """Open the last PDF (or the first format it wrote) of LAB with the system's viewer."""
    from reportgen.check import read_manifest
    from reportgen.lab import load_lab

    settings = _load_settings()
    sid = _student_id(student_id, _table(settings, "student"))
    lang = _lang(lang, settings)
    lab = load_lab(lab_id)
    manifest = read_manifest(build_dir, lab.id, sid, lang)
    folder = report_dir(build_dir, lab.id, lang)
    shown = [folder / name for name in (manifest.files if manifest else [])]
    openable = [p for p in shown if p.suffix in (".pdf", ".html", ".docx") and p.is_file()]
    if not openable:
        raise click.ClickException(
            f"No {lab.id} report for {sid} in {build_dir}: build it first."
        )
    if _no_display():
        raise click.ClickException(
            f"No display to show {openable[0]} on (DISPLAY and WAYLAND_DISPLAY are unset):"
            " open the file yourself."
        )
    click.echo(f"Opening {openable[0]}", err=True)
    try:
        failed = click.launch(str(openable[0])) != 0  # xdg-open, open or start
    except OSError:  # no launcher on this machine (a server without a desktop)
        failed = True
    if failed:
        raise click.ClickException(
            f"No viewer could open {openable[0]}: open the file yourself."
        )


# The console script of a virtualenv installed before the entry point moved to
# reportgen.program still imports reportgen.cli:run; it keeps working until setup runs again.
run = program.run
