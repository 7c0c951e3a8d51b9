"""Is a report ready to hand in? ``reportgen check`` and the end of every build answer this.

Every build writes a small manifest beside the report (student fields, profile, overrides,
whether the discussion is the student's own, the key and status of every run). The check
reads it back and re-plans the lab with the same settings, so it also sees runs that went
stale since (code, parameters or data changed).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import typing as t
from pathlib import Path

from reportgen import limits
from reportgen.errors import ReportgenError
from reportgen.lab import PROFILES, LabSpec
from reportgen.lang import DEFAULT_LANG, lang
from reportgen.non_course import non_course_settings
from reportgen.paths import report_dir
from reportgen.render.notes import UNFINISHED_MARKS, read_notes
from reportgen.safety import Roots, read_own_file, refused_character
from reportgen.shapes import INT_LIMIT, Shape, check_fields
from reportgen.staged import StagedFiles
from reportgen.store import RunResult


@dataclasses.dataclass(frozen=True)
class Finding:
    blocking: bool  # True: the report must not be handed in like this
    text: str

    def line(self) -> str:
        return f"{'BLOCKS' if self.blocking else 'note  '}  {self.text}"


@dataclasses.dataclass(frozen=True)
class Manifest:
    """What a build produced, as the check needs it."""

    lab: str
    student: dict[str, str]
    profile: str
    overrides: list[str]
    notes_path: str
    has_notes: bool
    pdf: str
    runs: dict[str, dict[str, t.Any]]  # run id -> {"key", "status", "diverged_at"}
    seeds: int | None = None  # --seeds, to plan the same runs again
    # parameters chosen from results (group -> {param: value}), to plan the same runs again
    chosen: dict[str, dict[str, t.Any]] = dataclasses.field(default_factory=dict)
    corpus: str | None = None  # --corpus (absolute path), to plan the same runs again
    lang: str = DEFAULT_LANG  # --lang: the report's language
    # every file of the report (names, beside the PDF); a manifest without: .md, .pdf
    files: list[str] = dataclasses.field(default_factory=list)
    # sha256 of the notes file the report shows, NO_NOTES where there was none; "": not
    # recorded (a manifest of an earlier version)
    notes_sha256: str = ""

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False, indent=1)


def manifest_path(
    build_dir: Path, lab_id: str, student_id: str, lang: str = DEFAULT_LANG
) -> Path:
    """Beside the report it describes."""
    return report_dir(build_dir, lab_id, lang) / f".build-{student_id}.json"


def write_manifest(staged: StagedFiles, build_dir: Path, manifest: Manifest) -> None:
    """Stage the manifest with the report it describes (committed last, after the PDF)."""
    staged.write(
        manifest_path(build_dir, manifest.lab, manifest.student["id"], manifest.lang),
        manifest.to_json(),
    )


_SHAPE: Shape = {
    "lab": str,
    "student": dict,
    "profile": str,
    "overrides": list,
    "notes_path": str,
    "has_notes": bool,
    "pdf": str,
    "runs": dict,
    "seeds": (int, type(None)),
    "chosen": dict,
    "corpus": (str, type(None)),
    "lang": str,
    "files": list,
    "notes_sha256": str,
}
_RUN_SHAPE: Shape = {"key": str, "status": str, "diverged_at": (int, type(None))}


def read_manifest(
    build_dir: Path, lab_id: str, student_id: str, lang: str = DEFAULT_LANG
) -> Manifest | None:
    """The manifest of the last build, or None when it is absent or not one (a damaged or
    planted file: it is data, checked field by field)."""
    path = manifest_path(build_dir, lab_id, student_id, lang)
    try:
        data = json.loads(read_own_file(path, build_dir, limits.MANIFEST_BYTES))
        check_fields(
            data,
            _SHAPE,
            optional=("seeds", "chosen", "corpus", "lang", "files", "notes_sha256"),
        )
        if data.get("lang", lang) != lang:
            raise ValueError("a manifest of another language")
        for state in data["runs"].values():
            check_fields(state, _RUN_SHAPE)
            if (state["status"], state["diverged_at"] is None) not in (
                ("ok", True),
                ("diverged", False),
            ) or not 0 <= (state["diverged_at"] or 0) <= INT_LIMIT:
                raise ValueError("a run's status is not one a build writes")
        files = data.get("files", [])
        if not all(isinstance(f, str) and f == Path(f).name != ".." for f in files):
            raise ValueError("a report file is not a file name")
        if not all(isinstance(o, str) for o in data["overrides"]):
            raise ValueError("an override is not text")
        if not all(isinstance(v, str) for v in data["student"].values()):
            raise ValueError("a student field is not text")
        if not all(isinstance(v, dict) for v in data.get("chosen", {}).values()):
            raise ValueError("a chosen value is not a table")
        if data["profile"] not in PROFILES:
            raise ValueError("an unknown profile")
        seeds = data.get("seeds")
        if seeds is not None and not 1 <= seeds <= limits.SEEDS:
            raise ValueError("seeds out of range")
        texts = [data["lab"], data["notes_path"], data["pdf"], *data["overrides"]]
        texts += [*data["student"].values(), *data["runs"], *files]
        if any(refused_character(text) for text in texts):  # no escapes to the terminal
            raise ValueError("a control or formatting character")
    except (
        OSError,
        ValueError,
        RecursionError,
    ):  # RecursionError: JSON nested too deep
        return None
    return Manifest(**data)


def run_states(results: t.Mapping[str, RunResult]) -> dict[str, dict[str, t.Any]]:
    return {
        run_id: {"key": r.key, "status": r.status, "diverged_at": r.diverged_at}
        for run_id, r in results.items()
    }


def input_findings(
    student: t.Mapping[str, str],
    has_notes: bool,
    notes_path: str,
    profile: str,
    report_lang: str,
) -> list[Finding]:
    """What blocks handing in that is known before anything trains: an empty 姓名 or 专业,
    a placeholder or unfinished discussion, a preview profile (``build --strict`` refuses
    on these at once)."""
    found, words = [], lang(report_lang)
    for field, option in (("name", "--name"), ("major", "--major")):
        label = words(f"header.{field}")
        if not student.get(field):
            found.append(
                Finding(
                    True,
                    f"{label} is empty: pass {option} or set [student] "
                    f"{field} in reportgen.toml.",
                )
            )
    if not has_notes:
        found.append(
            Finding(
                True,
                f"{words('page.discussion')} is a placeholder, or {notes_path}"
                f" still has a place to write ({' / '.join(UNFINISHED_MARKS)}): write your"
                " discussion there and rebuild.",
            )
        )
    if profile != "course":
        found.append(
            Finding(
                True,
                f"The report holds {profile}-profile preview "
                "results: rebuild without --profile.",
            )
        )
    return found


def changed_since_built(
    manifest: Manifest, student: t.Mapping[str, t.Any], roots: Roots
) -> list[Finding]:
    """What the student changed after the report was built, which it therefore does not
    show: the notes file (by its hash) and reportgen.toml's 姓名 and 专业 (``student``)."""
    found = []
    now = _notes_digest_now(Path(manifest.notes_path), roots)
    if manifest.notes_sha256 and now != manifest.notes_sha256:
        found.append(
            Finding(
                True,
                f"{manifest.notes_path} changed since the report was built: rebuild"
                " (nothing retrains) so that the report shows it.",
            )
        )
    for field in ("name", "major"):
        given = student.get(field)
        if isinstance(given, str) and given.strip() != manifest.student.get(field, ""):
            found.append(
                Finding(
                    True,
                    f"[student] {field} in reportgen.toml differs from the report's"
                    f" ({manifest.student.get(field, '')!r}): rebuild.",
                )
            )
    return found


NO_NOTES = "absent"


def notes_digest(text: str | None) -> str:
    """sha256 of the notes as the report shows them (stripped), :data:`NO_NOTES` for none."""
    shown = (text or "").strip()
    return hashlib.sha256(shown.encode()).hexdigest() if shown else NO_NOTES


def _notes_digest_now(path: Path, roots: Roots) -> str:
    """:func:`notes_digest` of the notes file at ``path`` as a build would read it now
    (reportgen.render.notes.read_notes); one it would refuse counts as changed."""
    try:
        return notes_digest(read_notes(path, roots))
    except ReportgenError:  # outside the project, over a limit, not UTF-8 …
        return "unreadable"


def findings(
    manifest: Manifest,
    planned_keys: t.Mapping[str, str],
    lab: LabSpec,
    built: bool = True,
    unverified: t.Sequence[str] = (),
) -> list[Finding]:
    """Everything that stands between this report and handing it in.

    ``built=False``: the report is about to be written, so its PDF cannot exist yet.
    ``unverified``: its runs this user did not train (reportgen.signing), asked of the store
    when the check runs, since whose a result is depends on who asks.
    """
    found = input_findings(
        manifest.student,
        manifest.has_notes,
        manifest.notes_path,
        manifest.profile,
        manifest.lang,
    )
    non_course = non_course_settings(
        lab, manifest.overrides, manifest.seeds, manifest.corpus
    )
    if non_course:
        found.append(
            Finding(False, "Built with non-course settings: " + ", ".join(non_course))
        )
    if unverified:
        found.append(
            Finding(
                False,
                f"{len(unverified)} of {len(manifest.runs)} runs are unverified"
                " (not signed by you: another user's or machine's results, or written"
                " before reportgen signed them):"
                f" {_some(unverified)}. `reportgen verify` on the report"
                " reruns them here.",
            )
        )
    if set(manifest.runs) != set(planned_keys):
        found.append(
            Finding(
                True,
                "The report's manifest names other runs than the lab plans with these"
                " settings: rebuild.",
            )
        )
    for run_id, state in manifest.runs.items():
        if planned_keys.get(run_id) != state["key"]:
            found.append(
                Finding(
                    True,
                    f"Run {run_id} is stale: its code, parameters or data "
                    "changed since the report was built; rebuild.",
                )
            )
        may_diverge = any(r.may_diverge for r in lab.runs if r.id == run_id)
        if state["status"] == "diverged" and not may_diverge:
            found.append(
                Finding(True, f"Run {run_id} diverged at step {state['diverged_at']}.")
            )
    return found + _file_findings(manifest, built)


def _file_findings(manifest: Manifest, built: bool) -> list[Finding]:
    """Each file the build wrote that is gone (``built``: once it is written); a report
    file of another format beside them that the build did not write (an earlier build's,
    which may show other results)."""
    found = []
    pdf = Path(manifest.pdf)
    for path in [pdf.parent / name for name in manifest.files] or [pdf]:
        if built and not path.is_file():
            kind = "PDF" if path.suffix == ".pdf" else "report file"
            found.append(Finding(True, f"The {kind} {path} is missing: rebuild."))
    for suffix in (".pdf", ".html", ".docx"):
        older = pdf.with_suffix(suffix)
        if manifest.files and older.name not in manifest.files and older.is_file():
            found.append(
                Finding(
                    False,
                    f"{older} is an earlier build's: this one wrote no"
                    f" {suffix[1:]} (--format). Delete it or build with that format.",
                )
            )
    return found


def _some(names: t.Sequence[str], shown: int = 6) -> str:
    """``names`` joined, the ones after the first ``shown`` counted, not listed."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more
