"""Rendering pieces: escaping user text, sanitised Markdown, formulas, the sandboxed PDF writer."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import QuickBuild

from reportgen.errors import RenderError
from reportgen.paths import TEMPLATES_DIR
from reportgen.render.context import escape_markdown, format_number, md_table
from reportgen.render.highlight import COLOURED_CLASSES
from reportgen.render.markdown import to_html
from reportgen.render.math import prune_formulas
from reportgen.render.pdf import write_pdf

HTML_HEAD = '<html lang="zh-CN"><head><meta charset="utf-8"></head><body>'


@pytest.mark.parametrize(
    "text",
    [
        "<script>{{7*7}}</script>",
        "**bold** _it_ `code`",
        "[x](javascript:alert(1))",
        "![](file:///etc/passwd)",
        "$x^2$ and | pipes |",
        "a{: .caption }",
    ],
)
def test_escaped_text_prints_literally(text: str, tmp_path: Path) -> None:
    html = to_html(f"名字：{escape_markdown(text)}", tmp_path)
    visible = html.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert f"名字：{text}" in visible.replace("<p>", "").replace("</p>", "")
    assert "<script" not in html and "<img" not in html and "<a " not in html
    assert not list(tmp_path.iterdir())  # no formula rendered from user text


def test_markdown_html_and_dangerous_urls_are_neutralised(tmp_path: Path) -> None:
    notes = (
        "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n"
        "[link](javascript:alert(1)) ![pw](file:///etc/passwd) [ok](https://d2l.ai)\n\n"
        "![x](a.png){: onerror=alert(1) }\n"
    )
    html = to_html(notes, tmp_path)
    tags = re.findall(r"<[^>]*>", html)
    assert not [
        tag for tag in tags if re.search(r"script|onerror|javascript:|file:", tag)
    ]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text, not run
    assert '<a href="https://d2l.ai">ok</a>' in html


def test_formulas_become_svg_files(tmp_path: Path) -> None:
    html = to_html("$$H_t = \\tanh(X_t W)$$\n\ninline $x^2$ here", tmp_path / "math")
    svgs = sorted((tmp_path / "math").glob("*.svg"))
    assert len(svgs) == 2
    assert all(svg.read_text().startswith("<svg") for svg in svgs)
    assert html.count('src="math/') == 2 and "$" not in html


def test_formulas_are_svg_1_1_and_unused_ones_are_pruned(tmp_path: Path) -> None:
    math = tmp_path / "math"
    old = to_html("$$x_t^2$$", math)
    html = to_html("$$H_t = \\tanh(X_t W)$$", math)
    (svg,) = [p for p in math.glob("*.svg") if p.name in html]
    # every glyph an inline path: no <symbol>/<use> for WeasyPrint to resolve
    assert "<path" in svg.read_text() and "<use" not in svg.read_text()
    prune_formulas(math, html)
    assert [p.name for p in math.glob("*.svg")] == [svg.name]
    assert svg.name not in old


def test_chinese_inside_a_formula_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="contains Chinese"):
        to_html("$$困惑度 = e^x$$", tmp_path)


def test_code_blocks_are_highlighted_with_line_spans(tmp_path: Path) -> None:
    html = to_html(
        "```python\ndef f(x: int) -> int:\n    return x  # 注释\n```", tmp_path
    )
    assert (
        'class="codehilite"' in html
        and 'class="code-line"' in html
        and 'class="c1"' in html
    )


def test_listings_carry_spans_only_for_coloured_tokens(tmp_path: Path) -> None:
    source = "def f(x: int) -> int:\n    return x + 1  # 注释"
    html = to_html(f"```python\n{source}\n```", tmp_path)
    classes = set(re.findall(r'<span class="([^"]+)"', html))
    assert classes == {"code-line", "linenos", "k", "nf", "mi", "c1"}
    # names, punctuation and operators merge into plain text runs
    assert "(x: int) -&gt; int:" in html and "x + " in html
    code = re.sub(r'<span class="linenos">[^<]*</span>', "", html)
    text = re.sub(r"<[^>]+>", "", code).replace("&gt;", ">")
    assert text.strip("\n").splitlines() == source.splitlines()  # nothing lost


def test_coloured_token_classes_are_the_ones_the_css_colours() -> None:
    css = (TEMPLATES_DIR / "report.css").read_text(encoding="utf-8")
    styled = set(re.findall(r"\.codehilite \.([\w-]+)", css))
    assert styled - {"code-line", "linenos"} == COLOURED_CLASSES


def test_table_caption_is_kept_with_its_table(tmp_path: Path) -> None:
    text = "**表 1** 说明\n\n" + md_table(["a", "b"], [[1, "x|y"]], "lr")
    html = to_html(text, tmp_path)
    assert html.startswith('<div class="table-block"><p class="table-caption">')
    assert "<td>x|y</td>" in html.replace('<td style="text-align:right">', "<td>")


def test_format_number() -> None:
    assert format_number(170580) == "170,580"
    assert format_number(1.23456) == "1.235"
    assert format_number(float("nan")) == "nan"  # a view names a diverged run in words
    assert format_number(None) == "—"


def render(tmp_path: Path, body: str) -> Path:
    out = tmp_path / "r.pdf"
    write_pdf(HTML_HEAD + body + "</body></html>", tmp_path, out)
    return out


def test_pdf_renders_chinese_and_images_inside_the_folder(tmp_path: Path) -> None:
    (tmp_path / "dot.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'
    )
    out = render(tmp_path, '<p>困惑度 perplexity</p><img src="dot.svg">')
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True
    ).stdout
    assert "困惑度 perplexity" in text


@pytest.mark.parametrize(
    "body",
    [
        '<img src="file:///etc/passwd">',
        '<link rel="attachment" href="file:///etc/passwd">',
        '<img src="../outside.svg">',
        '<img src="http://example.com/x.png">',
        '<style>@import url("file:///etc/passwd");</style><p>x</p>',
        '<img src="escape.svg">',
    ],
)
def test_pdf_fetches_nothing_outside_the_report_folder(
    tmp_path: Path, body: str
) -> None:
    report_dir = tmp_path / "report"
    report_dir.mkdir()
    (tmp_path / "outside.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    os.symlink(tmp_path / "outside.svg", report_dir / "escape.svg")
    with pytest.raises(RenderError, match="blocked"):
        render(report_dir, body)
    assert not (report_dir / "r.pdf").exists()


def test_missing_glyph_is_an_error_not_tofu(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"\.notdef glyph"):
        render(tmp_path, "<p>Linear B: \U00010000</p>")


def test_a_line_break_between_chinese_characters_is_no_space(tmp_path: Path) -> None:
    html = to_html(
        "见上表。\n加入裁剪后\n`nn.RNN` 不变，\nGRU 也是。\n\n```python\n# 甲\n# 乙\n```\n",
        tmp_path,
    )
    assert "<p>见上表。加入裁剪后\n<code>nn.RNN</code> 不变，\nGRU 也是。</p>" in html
    assert "# 甲</span>\n" in html  # code keeps its lines


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("text_preprocessing", "text_preprocessing"),  # an underscore inside a word
        ("[[23, 24], [8, 9]]", "[[23, 24], [8, 9]]"),  # brackets that open no link
        ("a < b & c", "a < b & c"),
        ("<unk>", "&lt;unk>"),  # would be a tag
        ("[x](y)", "[x\\](y)"),  # would be a link
        ("# title", "\\# title"),  # would be a heading
        ("_it_", "\\_it\\_"),  # would be emphasis
        (
            "{{7*7}} {%x%}",
            "\\{\\{7\\*7}} \\{%x%}",
        ),  # a template's, for a site generator
    ],
)
def test_markdown_escapes_only_what_would_be_markup(value: str, written: str) -> None:
    assert escape_markdown(value) == written


def test_the_markdown_file_reads_as_typed(quick_build: QuickBuild) -> None:
    """No escaping noise for hand editing, and display formulas on lines of their own (the
    form GitHub and Typora render)."""
    text = quick_build.markdown.read_text(encoding="utf-8")
    assert "| preprocessing | text_preprocessing |" in text
    assert "\\_" not in text and "\\[" not in text
    assert "\n$$\n\\mathbf{H}_t = \\tanh(" in text
    assert not re.search(r"^\$\$\S", text, flags=re.M)  # no one-line $$…$$
