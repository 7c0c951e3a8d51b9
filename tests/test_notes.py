"""The student's notes: read before training, refused in one line past the limits that keep
Markdown and WeasyPrint bounded, and rendered for real up to those limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen import limits
from reportgen.errors import RenderError
from reportgen.render.markdown import depth, to_html
from reportgen.render.notes import read_notes
from reportgen.render.pdf import write_pdf
from reportgen.safety import Roots
from tests.conftest import STUDENT, invoke


def notes_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "notes.md"
    path.write_text(text, encoding="utf-8")
    return path


def refusal(path: Path) -> str:
    with pytest.raises(RenderError) as exc:
        read_notes(path, Roots.of(path.parent))
    assert "\n" not in exc.value.message
    return exc.value.message


def test_notes_over_the_size_limit_are_refused_by_their_size(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    with open(path, "wb") as f:  # 50 MB, sparse: never read
        f.truncate(50 * limits.MIB)
    assert refusal(path) == (
        f"Notes file {path} is 51200 KB; the limit is 256 KB (reportgen.limits.NOTES_BYTES)."
    )


def test_50_kb_of_brackets_is_refused(tmp_path: Path) -> None:
    """One paragraph of them, or many short ones: python-markdown rescans from every '['."""
    path = notes_file(tmp_path, "[" * 50_000)
    assert refusal(path) == (
        f"Notes file {path}, line 1: a paragraph of 50000 characters; at most 10000 are"
        " allowed (reportgen.limits.NOTES_PARAGRAPH_CHARS): add blank lines."
    )
    path = notes_file(
        tmp_path, "正文\n\n" + ("\\[" * 500 + "\\\\[" * 50 + "\n\n") * 100
    )
    assert refusal(path) == (
        f"Notes file {path}, line 3: a paragraph holds 50 '['; at most 16 are allowed"
        " (reportgen.limits.NOTES_BRACKETS): write them as \\[, put code between ```"
        " fences, or split the paragraph."
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("```a\n" * 1000, "line 33: more than 32 ``` or ~~~ fence marks"),
        ("正文\n" + "$$ a\n" * 1000, "line 34: more than 32 $$ marks"),
    ],
)
def test_unclosed_fences_and_formulas_are_refused(
    tmp_path: Path, text: str, problem: str
) -> None:
    """Markdown and the formula pass look ahead for the close from every opening mark."""
    path = notes_file(tmp_path, text)
    assert refusal(path) == (
        f"Notes file {path}, {problem} (reportgen.limits.NOTES_BLOCK_MARKS)."
    )


def test_deep_block_quotes_and_lists_are_refused_with_their_line(
    tmp_path: Path,
) -> None:
    path = notes_file(tmp_path, "讨论\n\n" + ">" * 1000 + " 引用\n")
    assert refusal(path) == (
        f"Notes file {path}, line 3: block quotes or lists nested 1000 levels deep;"
        " at most 20 are allowed (reportgen.limits.NOTES_NESTING)."
    )
    lists = "\n".join("    " * i + "- 项" for i in range(25))
    assert "line 22: block quotes or lists nested 21 levels" in refusal(
        notes_file(tmp_path, lists)
    )
    assert "nested 30 levels" in refusal(notes_file(tmp_path, "> - " * 15 + "x"))


def test_deeply_nested_emphasis_is_refused_by_the_depth_of_its_html(
    tmp_path: Path,
) -> None:
    path = notes_file(tmp_path, "*a " * 500 + "x" + " a*" * 500)
    assert refusal(path) == (
        f"Notes file {path} nests its Markdown (quotes, lists, emphasis, links) 501"
        " levels deep; at most 64 are allowed (reportgen.limits.HTML_DEPTH)."
    )


def test_notes_at_the_limits_render_to_a_pdf(tmp_path: Path) -> None:
    """Real Markdown and WeasyPrint: the deepest notes the limits let through lay out."""
    quotes = ">" * limits.NOTES_NESTING + " "
    level = next(
        n
        for n in range(limits.HTML_DEPTH)
        if depth(quotes + "*a " * (n + 1) + "x" + " a*" * (n + 1)) > limits.HTML_DEPTH
    )
    deepest = quotes + "*a " * level + "x" + " a*" * level
    assert depth(deepest) == limits.HTML_DEPTH
    lists = "\n".join("    " * i + "- 项" for i in range(limits.NOTES_NESTING))
    code = "```python\n" + "x = [[[[0]]]]\n" * 100 + "```"  # fenced: its '[' are free
    formulas = "\n\n".join(["$$\nx^2\n$$"] * (limits.NOTES_BLOCK_MARKS // 2 - 1))
    links = " ".join(["[链接](https://example.com)"] * limits.NOTES_BRACKETS)
    escaped = "\\[" * 1000  # escaped: not a link, no rescanning
    text = "\n\n".join(
        [deepest, lists, code, formulas, links, escaped, "区间 [0, 1) 未闭合。"]
    )
    notes = read_notes(notes_file(tmp_path, text), Roots.of(tmp_path))
    assert notes is not None
    html = to_html(str(notes), tmp_path / "formulas")
    assert html.count('<a href="https://example.com">链接</a>') == limits.NOTES_BRACKETS
    assert "[" * 1000 in html
    write_pdf(f"<html><body>{html}</body></html>", tmp_path, tmp_path / "notes.pdf")
    assert (tmp_path / "notes.pdf").read_bytes().startswith(b"%PDF")


def test_build_refuses_deep_notes_before_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the project folder, where the notes are
    notes = notes_file(tmp_path, ">" * 1000 + " x")
    build_dir = tmp_path / "build"
    result = invoke(
        "build", "lab4", *STUDENT, "--profile", "quick", "--notes", str(notes),
        "--build-dir", str(build_dir),
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: Notes file {notes}, line 1: block quotes")
    assert not (build_dir / "cache").exists() or not any(
        (build_dir / "cache").rglob("result.json")
    )
