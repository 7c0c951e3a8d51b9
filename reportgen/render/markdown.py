"""Markdown to safe HTML: tables, highlighted code, formulas as SVG images, numbered captions.

``tex=True`` (for pandoc, reportgen.render.docx) keeps formulas as TeX in
``<span class="math inline">\\(…\\)</span>`` (``display``: ``\\[…\\]``) and code as plain
``<pre><code class="language-python">``, which pandoc reads as math and code blocks.

Raw HTML in Markdown is switched off (it is escaped, not passed through) and the result is
sanitised with an nh3 allow-list, so neither the student's notes nor their name can inject
markup, scripts, or links to local files.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from html import escape
from pathlib import Path

import markdown
import nh3
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from reportgen.lang import LANGS, lang
from reportgen.render.highlight import ListingFormatter
from reportgen.render.math import formula_svg

ALLOWED_TAGS = {
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "div",
    "span",
    "pre",
    "code",
    "em",
    "strong",
    "ul",
    "ol",
    "li",
    "blockquote",
    "hr",
    "br",
    "a",
    "img",
    "sup",
    "sub",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id"},
    "a": {"href"},
    "img": {"src", "alt"},
    "th": {"style"},
    "td": {"style"},  # the tables extension aligns columns with style=
}


class _MathPreprocessor(Preprocessor):
    """Replace $$…$$ blocks and $…$ spans (outside code) with images of their SVG."""

    BLOCK = re.compile(r"^\$\$\s*\n?(.+?)\n?\s*\$\$\s*$", re.S | re.M)
    INLINE = re.compile(r"(?<![\\$\w])\$(?!\s)([^$\n]+?)(?<!\s)\$(?![\w$])")

    def __init__(self, md: markdown.Markdown, math_dir: Path, tex: bool) -> None:
        super().__init__(md)
        self.math_dir = math_dir
        self.tex = tex

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        parts = re.split(
            r"(^```.*?^```[ \t]*$)", text, flags=re.S | re.M
        )  # leave code fences alone
        for i in range(0, len(parts), 2):
            parts[i] = self.BLOCK.sub(
                lambda m: self._image(m.group(1), display=True), parts[i]
            )
            parts[i] = self.INLINE.sub(
                lambda m: self._image(m.group(1), display=False), parts[i]
            )
        return "".join(parts).split("\n")

    def _image(self, latex: str, display: bool) -> str:
        if self.tex:  # stashed: Markdown leaves it alone, nh3 escapes nothing in it
            kind, left, right = "inline", r"\(", r"\)"
            if display:
                kind, left, right = "display", r"\[", r"\]"
            tex = escape(latex.strip())
            span = f'<span class="math {kind}">{left}{tex}{right}</span>'
            placeholder = self.md.htmlStash.store(span)
            return f"\n\n{placeholder}\n\n" if display else placeholder
        name = formula_svg(latex.strip(), self.math_dir, display)
        src = f"{self.math_dir.name}/{name}"
        if display:
            return f"\n![formula]({src})\n{{: .math-display }}\n"
        return f"![formula]({src}){{: .math-inline }}"


_ONE_LINE_DISPLAY = re.compile(r"^\$\$(?=\S)(.+?)(?<=\S)\$\$[ \t]*$", re.M)


def display_math_on_own_lines(text: str) -> str:
    """A display formula written ``$$…$$`` on one line, as three lines (``$$``, the
    formula, ``$$``): the form GitHub, Typora and this renderer all read as display math.
    Code fences are left alone."""
    parts = re.split(r"(^```.*?^```[ \t]*$)", text, flags=re.S | re.M)
    for i in range(0, len(parts), 2):
        parts[i] = _ONE_LINE_DISPLAY.sub(r"$$\n\1\n$$", parts[i])
    return "".join(parts)


class _CaptionTreeprocessor(Treeprocessor):
    """Keep each caption with its table or figure: wrap the pair in a div.

    A caption is a paragraph that opens with bold "表 N" (above a table) or "图 N" (below an
    image), as :class:`reportgen.render.context.Captions` writes them; the Markdown file stays
    plain Markdown, with no attribute syntax.
    """

    def run(self, root: etree.Element) -> None:
        children = list(root)
        for i, caption in enumerate(children[:-1]):
            nxt = children[i + 1]
            if _caption_kind(caption) == "table" and nxt.tag == "table":
                caption.set("class", "table-caption")
                _wrap(root, [caption, nxt], "table-block")
        children = list(root)
        for i, image in enumerate(children[:-1]):
            nxt = children[i + 1]
            if (
                _caption_kind(nxt) == "figure"
                and image.tag == "p"
                and image.find("img") is not None
            ):
                nxt.set("class", "figure-caption")
                _wrap(root, [image, nxt], "figure-block")


class _PoemGroupTreeprocessor(Treeprocessor):
    """Consecutive poems (paragraphs of class "poem") go into one <div class="poems">, which
    the CSS sets in two columns."""

    def run(self, root: etree.Element) -> None:
        run: list[etree.Element] = []
        for element in [*root, None]:
            if element is not None and element.get("class") == "poem":
                run.append(element)
                continue
            if len(run) > 1:
                _wrap(root, run, "poems")
            run = []


def _wrap(root: etree.Element, items: list[etree.Element], css_class: str) -> None:
    """Move ``items`` (consecutive children of ``root``) into a new div of ``css_class``."""
    index = list(root).index(items[0])
    block = etree.Element("div", {"class": css_class})
    for item in items:
        root.remove(item)
        block.append(item)
    root.insert(index, block)


def _caption_label(kind: str) -> str:
    """A pattern of the bold label of a ``kind`` caption in any report language: 表 N, Table N."""
    words = (lang(code)(f"caption.{kind}", n="NUMBER") for code in LANGS)
    return "|".join(re.escape(w).replace("NUMBER", r"\d+") for w in words)


_CAPTIONS = {
    kind: re.compile(f"^(?:{_caption_label(kind)})$") for kind in ("table", "figure")
}


def _caption_kind(element: etree.Element) -> str | None:
    """ "table" or "figure" when ``element`` is a paragraph opening with a bold caption
    number."""
    first = element[0] if element.tag == "p" and len(element) else None
    if first is None or first.tag != "strong" or (element.text or "").strip():
        return None
    return next(
        (kind for kind, label in _CAPTIONS.items() if label.match(first.text or "")),
        None,
    )


class _EastAsianLineBreaks(Treeprocessor):
    """A line break inside a paragraph between two Chinese characters (or CJK punctuation)
    is dropped, not shown as a space: "见上表。⏎加入裁剪后" reads "见上表。加入裁剪后".
    Pandoc's ``east_asian_line_breaks`` does the same; code is left alone."""

    BREAK = re.compile(
        r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])[ \t]*\n[ \t]*"
        r"(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])"
    )

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if element.tag in ("pre", "code"):
                continue
            if element.text:
                element.text = self.BREAK.sub("", element.text)
            if element.tail:
                element.tail = self.BREAK.sub("", element.tail)


class _CodeLinePostprocessor(Postprocessor):
    """Pygments marks each code line with id="line-N", repeated in every listing; ids must be
    unique in a document, so turn them into a class (used for the hanging indent in CSS)."""

    LINE_ID = re.compile(r'<span id="line-\d+">')

    def run(self, text: str) -> str:
        return self.LINE_ID.sub('<span class="code-line">', text)


class _DepthProbe(Treeprocessor):
    """Records how deep the finished element tree nests (the root's children are depth 1)."""

    deepest = 0

    def run(self, root: etree.Element) -> None:
        level = [(child, 1) for child in root]
        while level:
            element, depth = level.pop()
            self.deepest = max(self.deepest, depth)
            level += [(child, depth + 1) for child in element]


class ReportExtension(Extension):
    """The report's Markdown; ``math_dir=None`` leaves formulas as text (for :func:`depth`)."""

    def __init__(self, math_dir: Path | None, tex: bool = False) -> None:
        super().__init__()
        self.math_dir = math_dir
        self.tex = tex

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API name)
        md.preprocessors.deregister("html_block")  # raw HTML blocks become escaped text
        md.inlinePatterns.deregister("html")  # and so do inline tags
        if self.math_dir is not None:
            md.preprocessors.register(
                _MathPreprocessor(md, self.math_dir, self.tex), "math", 25
            )
        md.treeprocessors.register(_CaptionTreeprocessor(md), "captions", 5)
        md.treeprocessors.register(_PoemGroupTreeprocessor(md), "poems", 4)
        # after the inline patterns (20): code spans are <code> elements by then
        md.treeprocessors.register(_EastAsianLineBreaks(md), "east_asian_breaks", 3)
        md.postprocessors.register(_CodeLinePostprocessor(md), "code_lines", 5)


def to_html(text: str, math_dir: Path, tex: bool = False) -> str:
    """Convert report Markdown to sanitised HTML; formula SVGs are written to ``math_dir``
    (``tex``: formulas stay TeX and code is not highlighted, for pandoc)."""
    html = _converter(math_dir, tex).convert(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        filter_style_properties={"text-align"},
        link_rel=None,
    )


def depth(text: str) -> int:
    """How deep the HTML of ``text`` nests: a block quote, a list, its item, an emphasis …
    count one level each. Nothing is written (formulas stay text)."""
    md = _converter(None)
    probe = _DepthProbe(md)
    md.treeprocessors.register(probe, "depth", 0)  # last: after the inline patterns
    md.convert(text)
    return probe.deepest


def _converter(math_dir: Path | None, tex: bool = False) -> markdown.Markdown:
    return markdown.Markdown(
        extensions=[
            "tables",
            "fenced_code",
            "attr_list",
            "sane_lists",
            "codehilite",
            ReportExtension(math_dir, tex),
        ],
        extension_configs={
            "codehilite": {
                "css_class": "codehilite",
                "linenums": True,
                "pygments_lang_class": False,
                "linenos": "inline",
                "linespans": "line",
                "pygments_formatter": ListingFormatter,
                "use_pygments": not tex,
            }
        },
        output_format="html",
    )
