"""What a report template sees: the typed context and the helpers templates call.

Every ``{{ … }}`` output is Markdown-escaped (see :func:`escape_markdown`) unless a helper
returns :class:`markupsafe.Markup`, so a student's name or a generated sample can never add
markup, links, formulas or template code to the report.
"""

from __future__ import annotations

import ast
import dataclasses
import math
import re
import string
import typing as t

from markupsafe import Markup

from reportgen.errors import RenderError
from reportgen.lab import LabSpec
from reportgen.lang import Lang
from reportgen.store import RunResult
from reportgen.views import shown_sample

# an HTML entity or character reference, which "&" would start
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def _escaped(text: str, i: int) -> str:
    """Character ``i`` of a one-line ``text`` as Markdown that prints it literally: escaped
    only where Markdown (Python-Markdown, GitHub, Typora) would read it as markup, so that
    the Markdown file stays readable (``text_preprocessing``, ``[[23, 24], …]``)."""
    ch = text[i]
    if ch not in _CONTEXTUAL:  # most characters: no neighbours to look at
        return _ALWAYS.get(ch, ch)
    before = text[i - 1] if i else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    start = i == 0  # a value may open a line, where # > - + start blocks
    literal = {
        "\\": bool(after) and after not in string.punctuation,  # \\ escapes only these
        "_": (before.isalnum() and after.isalnum())
        or (before.isspace() and after.isspace()),
        "*": before.isspace() and after.isspace(),
        "[": after != "^",
        "]": after not in "([:" or not after,
        "!": after != "[",
        # attribute lists ({: …}); {{ and {% of templates (a site generator would run them)
        "{": (after not in ":#.{%" or not after) and before != "{",
        "#": not start,
        ">": not start,
        "-": not (start and after == " "),
        "+": not (start and after == " "),
        "~": "~" not in (before, after),
        "<": not (after.isalpha() or after in ("/", "!", "?")) or not after,
        "&": not _ENTITY.match(text, i),
    }[ch]
    if literal:
        return ch
    return {"<": "&lt;", ">": "&gt;", "&": "&amp;"}.get(ch, "\\" + ch)


# escaped wherever they stand: code spans, math ($ is this renderer's), table cells
_ALWAYS = {"`": "\\`", "$": "&#36;", "|": "\\|"}
# markup only beside certain neighbours (the rules of _escaped)
_CONTEXTUAL = frozenset("\\_*[]!{#>-+~<&")


def escape_markdown(value: object) -> str:
    """Make any value print literally in Markdown (and in the HTML made from it)."""
    if isinstance(value, Markup):
        return str(value)
    if isinstance(value, float):
        value = f"{value:g}"  # a parameter such as lr 1.0 prints as 1; metrics go through num()
    text = " ".join(str(value).splitlines())
    return "".join(_escaped(text, i) for i in range(len(text)))


def format_number(value: float | int | None, digits: int = 3) -> str:
    """Numbers as a report prints them: ints with thousands separators, floats rounded."""
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    if not math.isfinite(value):
        return f"{value}"  # inf, nan: the words for a diverged run are the views'
    return f"{value:,.{digits}f}"


@dataclasses.dataclass(frozen=True)
class Student:
    id: str
    name: str
    major: str


class Numbering:
    """Section, table and figure numbers, counted in order of use, and references to them.

    References are computed, never typed: a template renders twice, the second time with the
    numbers the first found (``known``), so it may refer ahead; a reference to an id the
    template never numbers is an error on the second rendering.
    """

    KINDS = ("section", "table", "figure")  # named by the messages caption.<kind>

    def __init__(
        self, lang: Lang, known: t.Mapping[tuple[str, str], int] | None = None
    ) -> None:
        self.lang = lang
        self.known = known
        self.found: dict[tuple[str, str], int] = {}
        self.counts = dict.fromkeys(self.KINDS, 0)

    def number(self, kind: str, ref_id: str | None) -> int:
        self.counts[kind] += 1
        if ref_id is not None:
            if (kind, ref_id) in self.found:
                raise RenderError(f"Template numbers {kind} '{ref_id}' twice.")
            self.found[kind, ref_id] = self.counts[kind]
        return self.counts[kind]

    def ref(self, kind: str, ref_id: str) -> str:
        """“第 N 部分”, “表 N” or “图 N” (Section N, …) for the item the template numbers
        as ``ref_id``."""
        if self.known is None:  # the first rendering: numbers are not known yet
            return self.lang(f"caption.{kind}", n="?")
        if (kind, ref_id) not in self.known:
            raise RenderError(
                f"Template refers to {kind} '{ref_id}', which it never numbers."
            )
        return self.lang(f"caption.{kind}", n=self.known[kind, ref_id])


class Captions:
    """Numbered section headings, captions (表 N above tables, 图 N below figures) and the
    references to them, through one :class:`Numbering`."""

    def __init__(self, figure_paths: t.Mapping[str, str], numbering: Numbering) -> None:
        self.figure_paths = figure_paths
        self.numbering = numbering

    def section(self, ref_id: str, title: str) -> Markup:
        number = self.numbering.number("section", ref_id)
        return Markup(f"### {number}. {escape_markdown(title)}")

    def _caption(self, kind: str, number: int, text: str) -> str:
        lang = self.numbering.lang
        label = lang(f"caption.{kind}", n=number)
        return f"**{label}**{lang('caption.gap')}{escape_markdown(text)}"

    def table(self, text: str, ref_id: str | None = None) -> Markup:
        number = self.numbering.number("table", ref_id)
        return Markup(self._caption("table", number, text))

    def figure(self, figure_id: str, text: str) -> Markup:
        if figure_id not in self.figure_paths:
            raise RenderError(
                f"Template asks for figure '{figure_id}', which the lab spec does not declare."
            )
        number = self.numbering.number("figure", figure_id)
        return Markup(
            f"![{escape_markdown(text)}]({self.figure_paths[figure_id]})\n\n"
            + self._caption("figure", number, text)
        )

    def ref(self, kind: str, ref_id: str) -> str:
        """A reference: ``cap.ref("section", "lstm")`` → 第 4 部分."""
        return self.numbering.ref(kind, ref_id)


def md_table(
    headers: t.Sequence[str], rows: t.Iterable[t.Sequence[object]], align: str = ""
) -> Markup:
    """A Markdown table; ``align`` has one letter per column: l, c or r (default l); a
    single letter aligns every column."""
    marks = {"l": ":--", "c": ":-:", "r": "--:"}
    if len(align) == 1:
        align *= len(headers)
    spec = [marks[align[i]] if i < len(align) else ":--" for i in range(len(headers))]
    lines = [
        "| " + " | ".join(escape_markdown(h) for h in headers) + " |",
        "| " + " | ".join(spec) + " |",
    ]
    lines += ["| " + " | ".join(escape_markdown(c) for c in row) + " |" for row in rows]
    return Markup("\n".join(lines))


def sample_list(result: RunResult, lang: Lang) -> Markup:
    """The run's generated continuations as a bullet list: “prefix” → text (a blank
    continuation as “prefix（空白输出）”)."""
    return Markup(
        "\n".join(
            f"- {escape_markdown(lang('value.quoted', text=prefix))} →"
            f" {escape_markdown(shown_sample(text, prefix, lang))}"
            for prefix, text in result.samples.items()
        )
    )


def code_listing(result: RunResult, name: str) -> Markup:
    """The source of class or function ``name`` as it ran (stored with the result), fenced."""
    for source in result.sources.values():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.ClassDef, ast.FunctionDef)) and node.name == name:
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                lines = source.splitlines()[first - 1 : node.end_lineno]
                return Markup("```python\n" + "\n".join(lines) + "\n```")
    raise RenderError(
        f"No class or function '{name}' in the code of experiment {result.experiment}."
    )


class Metrics(dict[str, t.Any]):
    """A run's metrics as templates see them: a metric a diverged run never reached is None
    (printed as "—" by num()), not a template error."""

    def __missing__(self, key: str) -> None:
        return None


def for_templates(result: RunResult) -> RunResult:
    return dataclasses.replace(result, metrics=Metrics(result.metrics))


class ReportContext(t.TypedDict):
    """Everything a lab template may use."""

    lab: LabSpec
    student: Student
    date: str
    profile: str
    non_course: list[str]  # options beyond the course's (reportgen.non_course)
    runs: t.Mapping[str, RunResult]
    labels: t.Mapping[str, str]
    notes: Markup | None
    notes_path: str
    cap: Captions
    listing: t.Callable[[str, str], Markup]
    samples: t.Callable[[str], Markup]
    ok: t.Callable[..., bool]
    table: t.Callable[..., Markup]
    num: t.Callable[..., str]
    time_margin: str  # claims.TIME_MARGIN as "25%": closer times are not compared
    time_rule: str  # claims.TIME_RULE: when the reports compare two times
    appendix_rows: list[list[object]]  # the run record, one row per run (appendix_rows)
    device_names: list[str]  # the devices the runs trained on, each once
    view: object | None  # the lab's view (reportgen.views)


def appendix_rows(results: t.Mapping[str, RunResult]) -> list[list[object]]:
    """The appendix's run record: id, experiment, seed, device, torch, run time, start
    (month-day hour:minute, UTC), the first 10 characters of the cache key."""
    return [
        [
            run_id,
            r.experiment,
            r.seed,
            r.device,
            r.torch_version,
            format_number(r.wall_seconds, 1),
            r.started_at[5:16].replace("T", "\u00a0"),
            r.key[:10],
        ]
        for run_id, r in results.items()
    ]
