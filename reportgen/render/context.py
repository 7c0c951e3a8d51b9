"""What a report template sees: the typed context and the helpers templates call.

Every ``{{ … }}`` output is Markdown-escaped (see :func:`escape_markdown`) unless a helper
returns :class:`markupsafe.Markup`, so a student's name or a generated sample can never add
markup, links, formulas or template code to the report.
"""

from __future__ import annotations

import ast
import dataclasses
import math
import typing as t

from markupsafe import Markup

from reportgen.errors import RenderError
from reportgen.lab import LabSpec
from reportgen.store import RunResult

_BACKSLASHED = set("\\`*_[]{}!#~")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "&#124;", "$": "&#36;"}


def escape_markdown(value: object) -> str:
    """Make any value print literally in Markdown (and in the HTML made from it)."""
    if isinstance(value, Markup):
        return str(value)
    if isinstance(value, float):
        value = f"{value:g}"  # a parameter such as lr 1.0 prints as 1; metrics go through num()
    text = " ".join(str(value).splitlines())
    return "".join(
        "\\" + ch if ch in _BACKSLASHED else _ENTITIES.get(ch, ch) for ch in text
    )


def format_number(value: float | int | None, digits: int = 3) -> str:
    """Numbers as a report prints them: ints with thousands separators, floats rounded."""
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    if not math.isfinite(value):
        return "发散"
    return f"{value:,.{digits}f}"


@dataclasses.dataclass(frozen=True)
class Student:
    id: str
    name: str
    major: str


class Captions:
    """Numbered captions: 表 N above tables, 图 N below figures, counted in order of use."""

    def __init__(self, figure_paths: t.Mapping[str, str]) -> None:
        self.figure_paths = figure_paths
        self.tables = 0
        self.figures = 0

    def table(self, text: str) -> Markup:
        self.tables += 1
        return Markup(f"**表 {self.tables}**　{escape_markdown(text)}")

    def figure(self, figure_id: str, text: str) -> Markup:
        if figure_id not in self.figure_paths:
            raise RenderError(
                f"Template asks for figure '{figure_id}', which the lab spec does not declare."
            )
        self.figures += 1
        return Markup(
            f"![{escape_markdown(text)}]({self.figure_paths[figure_id]})\n\n"
            f"**图 {self.figures}**　{escape_markdown(text)}"
        )


def md_table(
    headers: t.Sequence[str], rows: t.Iterable[t.Sequence[object]], align: str = ""
) -> Markup:
    """A Markdown table; ``align`` has one letter per column: l, c or r (default l)."""
    marks = {"l": ":--", "c": ":-:", "r": "--:"}
    spec = [marks[align[i]] if i < len(align) else ":--" for i in range(len(headers))]
    lines = [
        "| " + " | ".join(escape_markdown(h) for h in headers) + " |",
        "| " + " | ".join(spec) + " |",
    ]
    lines += ["| " + " | ".join(escape_markdown(c) for c in row) + " |" for row in rows]
    return Markup("\n".join(lines))


def sample_list(result: RunResult) -> Markup:
    """The run's generated continuations as a bullet list: “prefix” → text."""
    return Markup(
        "\n".join(
            f"- “{escape_markdown(prefix)}” → {escape_markdown(text)}"
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
    chosen: t.Mapping[
        str, t.Mapping[str, t.Any]
    ]  # parameters chosen from results, per group
    sweep: t.Callable[..., t.Any]  # (group, axis, **analysis) -> render.sweeps.Sweep
    members: t.Callable[[str], list[str]]  # the run ids of a group, in spec order
    spread: t.Callable[..., str]  # a Spread as "mean ± std"
    spike: t.Callable[[str, str], t.Any]  # (run, series) -> aggregate.Spike | None
    poem: t.Callable[[str, str], Markup]  # (heading, generated text) -> a laid-out poem
