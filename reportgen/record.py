"""A report's own record: what it was built from, carried inside the report it describes.

Every build embeds one JSON record in its PDF (an attachment named ``reportgen-record.json``)
and writes the same bytes beside its Markdown (``<report>.record.json``). It holds the lab,
profile, ``--set`` overrides, seeds, values chosen from results, the student's fields, the
date and the discussion as printed, and per run: key, experiment, resolved parameters, seed,
the sha256 of each code and data file that ran, torch version, device and CPU model, whether
this user trained it, and everything the report prints or plots from it (metrics, series,
samples, tables, times). The code texts that ran are in it once each, so the report can be
rendered again from the record alone. ``reportgen verify`` reads it back (docs/verify.md).

Read back, a record is untrusted data (a handed-in report may carry an edited or planted
one): every field is checked, each run as a stored result is (:func:`check_result_shape`),
and nothing in it names a file that reportgen reads or writes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import typing as t
from pathlib import Path

from reportgen import limits
from reportgen.errors import ReportgenError
from reportgen.lang import DEFAULT_LANG, LANGS
from reportgen.safety import refused_character
from reportgen.shapes import Shape, check_fields
from reportgen.store import KEY, RunResult, check_result_shape

RECORD_FORMAT = 1
ATTACHMENT = "reportgen-record.json"
SIDECAR_SUFFIX = ".record.json"
_LAB_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}\Z")


class RecordError(ReportgenError):
    """The report carries no record, or one that is not a record reportgen writes."""


@dataclasses.dataclass(frozen=True)
class ReportRecord:
    """What one report was built from (see the module docstring)."""

    lab: str
    lang: str  # the report's language (--lang)
    profile: str
    overrides: list[str]  # --set, as typed
    seeds: int | None  # --seeds
    chosen: dict[str, dict[str, t.Any]]  # group -> {param: value chosen from results}
    corpus: str | None  # --corpus as given; its sha256 is in the runs' data
    student: dict[str, str]  # id, name, major
    date: str
    notes: str | None  # the discussion's Markdown as printed; None: the placeholder
    notes_path: str  # where the placeholder asks for it
    reportgen: str  # the version that built the report
    rendering: (
        str  # sha256 of what turns results into text (templates, views, lab spec)
    )
    sources: dict[str, str]  # path -> text of every code file a run executed
    runs: dict[str, dict[str, t.Any]]  # run id -> the run (see _RUN_SHAPE), plan order

    def to_json(self) -> str:
        body = {"format": RECORD_FORMAT, **dataclasses.asdict(self)}
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))

    def results(self) -> dict[str, RunResult]:
        """The runs as stored results, by run id (their code texts from :attr:`sources`)."""
        return {run_id: _result(run, self.sources) for run_id, run in self.runs.items()}


def make_record(
    settings: dict[str, t.Any],
    results: t.Mapping[str, RunResult],
    data: t.Mapping[str, t.Mapping[str, str]],
    mine: t.Collection[str],
    rendering: str,
) -> ReportRecord:
    """The record of a report: ``settings`` (lab … notes), its runs' ``results`` by run id
    in plan order, each run's ``data`` hashes, the run ids this user trained (``mine``)."""
    from reportgen import __version__

    sources: dict[str, str] = {}
    runs = {}
    for run_id, r in results.items():
        sources |= r.sources
        body = dataclasses.asdict(r)
        body["code"] = {
            path: text_sha256(text) for path, text in body.pop("sources").items()
        }
        body["data"] = dict(data.get(run_id, {}))
        body["mine"] = run_id in mine
        runs[run_id] = body
    return ReportRecord(
        **settings,
        reportgen=__version__,
        rendering=rendering,
        sources=sources,
        runs=runs,
    )


def rendering_digest(spec_path: Path) -> str:
    """sha256 of the files that turn results into a report's text: templates, views, the
    render package and the lab spec (a report rendered by other files may read otherwise)."""
    from reportgen.paths import PACKAGE_DIR, TEMPLATES_DIR, VIEWS_DIR

    files = [*sorted(TEMPLATES_DIR.rglob("*")), *sorted(VIEWS_DIR.rglob("*.py"))]
    files += sorted((PACKAGE_DIR / "render").rglob("*.py"))
    files += [PACKAGE_DIR / "claims.py", spec_path]
    digest = hashlib.sha256()
    for path in files:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def sidecar_path(markdown: Path) -> Path:
    """Where the record of a report's Markdown is kept: beside it."""
    return markdown.with_name(markdown.stem + SIDECAR_SUFFIX)


def read_record(report: Path) -> ReportRecord:
    """The record of ``report``: a PDF's attachment, or a Markdown file's sidecar."""
    if report.suffix.lower() == ".pdf":
        data = _attachment(report)
    else:
        sidecar = sidecar_path(report)
        try:
            data = _bounded(sidecar)
        except FileNotFoundError:
            raise RecordError(
                f"{report} has no record beside it ({sidecar.name} is missing): only a"
                " report reportgen built can be verified."
            ) from None
    return parse_record(data, report)


def _bounded(path: Path) -> bytes:
    try:
        return limits.read_bounded(
            lambda: open(path, "rb"), path.stat().st_size, limits.RECORD_BYTES
        )
    except limits.OverLimit as exc:
        raise RecordError(
            f"{path} is {exc.size / 2**20:.0f} MiB; a record is at most"
            f" {limits.RECORD_BYTES / 2**20:.0f} MiB (reportgen.limits.RECORD_BYTES)."
        ) from None
    except IsADirectoryError:
        raise RecordError(f"{path} is a folder, not a report.") from None


def _attachment(pdf: Path) -> bytes:
    """The record attached to ``pdf``; RecordError when it has none or is no PDF."""
    import io

    import pypdf
    from pypdf.errors import PyPdfError

    try:
        with open(pdf, "rb") as f:
            size = f.seek(0, io.SEEK_END)
        if size > limits.REPORT_BYTES:
            raise RecordError(
                f"{pdf} is {size / 2**20:.0f} MiB; a report is at most"
                f" {limits.REPORT_BYTES / 2**20:.0f} MiB (reportgen.limits.REPORT_BYTES)."
            )
        found = pypdf.PdfReader(pdf).attachments.get(ATTACHMENT, [])
    except FileNotFoundError:
        raise RecordError(f"{pdf} does not exist.") from None
    except (PyPdfError, OSError, ValueError, KeyError, TypeError) as exc:
        raise RecordError(f"{pdf} cannot be read as a PDF ({exc}).") from None
    if len(found) != 1 or len(found[0]) > limits.RECORD_BYTES:
        raise RecordError(
            f"{pdf} carries no reportgen record (no single {ATTACHMENT} attachment): only"
            " a report reportgen built can be verified."
        )
    return found[0]


_SHAPE: Shape = {
    "format": int,
    "lab": str,
    "lang": str,
    "profile": str,
    "overrides": list,
    "seeds": (int, type(None)),
    "chosen": dict,
    "corpus": (str, type(None)),
    "student": dict,
    "date": str,
    "notes": (str, type(None)),
    "notes_path": str,
    "reportgen": str,
    "rendering": str,
    "sources": dict,
    "runs": dict,
}
# a run: a stored result without its code texts, plus their hashes, its data and whose it is
_RUN_EXTRA: Shape = {"code": dict, "data": dict, "mine": bool}


def parse_record(data: bytes, where: Path) -> ReportRecord:
    """A record read back, checked field by field; RecordError names what is wrong."""
    try:
        body = json.loads(data.decode("utf-8"))
        if isinstance(body, dict):
            body.setdefault("lang", DEFAULT_LANG)  # records from before --lang
        check_fields(body, _SHAPE)
        if body.pop("format") != RECORD_FORMAT:
            raise ValueError("an unknown format")
        _check(body)
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        why = str(exc) or type(exc).__name__
        raise RecordError(
            f"The record of {where} is damaged or was edited by hand ({why})."
        ) from None
    return ReportRecord(**body)


def _check(body: dict[str, t.Any]) -> None:
    """Raise ValueError for the first field of a record that no build writes."""
    if not _LAB_ID.match(body["lab"]):
        raise ValueError("the lab is no lab id")
    if body["lang"] not in LANGS:
        raise ValueError("an unknown language")
    if not 1 <= len(body["runs"]) <= limits.PLANNED_RUNS:
        raise ValueError("a number of runs no lab plans")
    seeds = body["seeds"]
    if seeds is not None and not 1 <= seeds <= limits.SEEDS:
        raise ValueError("seeds out of range")
    texts = [body["lab"], body["profile"], body["date"], body["notes_path"]]
    texts += body["overrides"]
    texts += [*body["student"], *body["student"].values(), *body["runs"]]
    if not all(isinstance(text, str) for text in texts):
        raise ValueError("an override or a student field is not text")
    if any(refused_character(text) for text in texts):  # no escapes to the terminal
        raise ValueError("a control or formatting character")
    if set(body["student"]) != {"id", "name", "major"}:
        raise ValueError("the student fields are not id, name and major")
    if not all(isinstance(v, dict) for v in body["chosen"].values()):
        raise ValueError("a chosen value is not a table")
    if not all(isinstance(v, str) for v in body["sources"].values()):
        raise ValueError("a source is not text")
    names = list(body["sources"])  # every name verify may print: no escapes in any
    for run in body["runs"].values():
        if not isinstance(run, dict):
            raise ValueError("a run is not a table")
        extra = {name: run.pop(name, None) for name in _RUN_EXTRA}
        check_fields(extra, _RUN_EXTRA)
        if not KEY.match(str(run.get("key"))):
            raise ValueError("a run's key is not one")
        for path, sha in extra["code"].items():
            if path not in body["sources"] or text_sha256(body["sources"][path]) != sha:
                raise ValueError(f"the code of {path!r} does not match its hash")
        if not all(isinstance(v, str) and KEY.match(v) for v in extra["data"].values()):
            raise ValueError("a data hash is not one")
        check_result_shape(run | {"sources": {}})
        names += [run["experiment"], *extra["data"], *run["params"], *run["metrics"]]
        names += [*run["series"], *run["samples"], *run["tables"]]
        names += [
            v
            for v in (*run["params"].values(), *run["metrics"].values())
            if isinstance(v, str)
        ]
        run |= extra
    if any(refused_character(name) for name in names):
        raise ValueError("a control or formatting character in a name or parameter")


def _result(run: t.Mapping[str, t.Any], sources: t.Mapping[str, str]) -> RunResult:
    fields = {k: v for k, v in run.items() if k not in _RUN_EXTRA}
    return RunResult(**fields, sources={path: sources[path] for path in run["code"]})


def text_sha256(text: str) -> str:
    """sha256 of a code text, as the record names each file that ran."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
