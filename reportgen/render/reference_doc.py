"""The reference document pandoc takes its Word styles from (reportgen.render.docx).

Made from pandoc's own default ``reference.docx``, patched with python-docx: the PDF's fonts
(templates/report.css: Noto Serif CJK SC body, Noto Sans CJK SC headings and captions,
DejaVu for Latin text, DejaVu Sans Mono code on grey), A4 with the PDF's margins, and a
footer with the page number in the course's form. Cached under the build folder, named by
a digest of everything it is made from.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import typing as t
from pathlib import Path

BODY = ("DejaVu Serif", "Noto Serif CJK SC")  # (Latin, East Asian), as in report.css
SANS = ("DejaVu Sans", "Noto Sans CJK SC")
MONO = ("DejaVu Sans Mono", "Noto Sans CJK SC")
CODE_SHADING = "F3F3F3"
# the course's footer: 第 N 页 共 M 页 (an English report passes "Page ", " of ", "")
_VERSION = b"3"  # bump when the patching below changes


def reference_doc(
    cache_dir: Path,
    pandoc: str,
    footer: tuple[
        str, str, str
    ],  # the page footer's words: 第 N 页 共 M 页, Page N of M
    east_asian_language: str = "zh-CN",
    banner: str | None = None,
) -> Path:
    """The reference document for this pandoc, ``footer``, language of the CJK text and
    ``banner`` (a red line at the top of every page, as the PDF's quick-profile warning),
    made once into ``cache_dir``."""
    from reportgen.store import write_atomic_with

    def run(*args: str) -> bytes:
        return subprocess.run(
            [pandoc, *args], capture_output=True, check=True, timeout=60
        ).stdout

    # keyed by pandoc's version, not by its default document's bytes: those carry the
    # time they were zipped, so they differ at every call
    version = run("--version").split(b"\n", 1)[0]
    words = "\0".join([*footer, east_asian_language, banner or ""]).encode()
    key = hashlib.sha256(b"\0".join([_VERSION, version, words]))
    path = cache_dir / f"reference-{key.hexdigest()[:16]}.docx"
    if not path.is_file():
        default = run("--print-default-data-file", "reference.docx")
        data = patched(default, footer, east_asian_language, banner)
        write_atomic_with(path, lambda f: f.write(data))
    return path


def patched(
    default: bytes,
    footer: tuple[str, str, str],
    east_asian_language: str,
    banner: str | None = None,
) -> bytes:
    """``default`` (a reference.docx) with the report's fonts, page and footer."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt, RGBColor

    doc = docx.Document(io.BytesIO(default))
    styles = {style.style_id: style for style in doc.styles}  # pandoc's names, by id
    defaults = doc.styles.element.find(_w("docDefaults"))
    assert defaults is not None
    default_run = defaults.find(f"{_w('rPrDefault')}/{_w('rPr')}")
    assert default_run is not None
    _set_fonts(default_run, BODY)
    language = default_run.find(_w("lang"))
    if language is not None:  # CJK text is Chinese: the SC faces, Chinese line breaking
        language.set(_w("eastAsia"), east_asian_language)
    for name in ("Normal", "BodyText", "FirstParagraph", "Compact"):
        styles[name].font.size = Pt(10.5)
    for name, size in (("Title", 18), ("Heading1", 18), ("Heading2", 13.5)):
        _style_font(styles[name], SANS, size)
    for name in ("Heading3", "Heading4", "Heading5", "Heading6"):
        _style_font(styles[name], SANS, 12)
    for name in ("Title", "Heading1", "Heading2", "Heading3", "Heading4"):
        styles[name].font.color.rgb = RGBColor(0x11, 0x11, 0x11)
    styles["Heading1"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for name in ("Caption", "TableCaption", "ImageCaption"):
        style = styles[name]
        _style_font(style, SANS, 9.5)
        style.font.italic = False
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    styles["TableCaption"].paragraph_format.keep_with_next = True
    _style_font(styles["VerbatimChar"], MONO, 8)
    code = _source_code_style(doc)
    _style_font(code, MONO, 8)
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(22), Mm(20)
    section.left_margin, section.right_margin = Mm(20), Mm(20)
    _page_footer(section.footer.paragraphs[0], footer)
    if banner:
        line = section.header.paragraphs[0]
        line.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = line.add_run(banner)
        run.bold = True
        run.font.size = Pt(9)
        run.font.color.rgb = RGBColor(0xB0, 0x00, 0x20)
        _set_fonts(run._element.get_or_add_rPr(), SANS)
    _quote_style(styles["BlockText"])
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# the elements that follow w:shd in a paragraph's properties (ECMA-376 CT_PPrBase)
_AFTER_SHADING = (
    "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
    "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
    "w:sectPr", "w:pPrChange",
)  # fmt: skip


def _w(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(f"w:{tag}")


def _set_fonts(run_properties: t.Any, fonts: tuple[str, str]) -> None:
    """Replace the ``w:rFonts`` of ``run_properties`` (theme fonts included) by ``fonts``."""
    from docx.oxml import OxmlElement

    for old in run_properties.findall(_w("rFonts")):
        run_properties.remove(old)
    element = OxmlElement("w:rFonts")
    latin, east_asian = fonts
    for attribute, value in (
        ("ascii", latin),
        ("hAnsi", latin),
        ("cs", latin),
        ("eastAsia", east_asian),
    ):
        element.set(_w(attribute), value)
    run_properties.insert(0, element)


def _style_font(style: t.Any, fonts: tuple[str, str], size: float) -> None:
    from docx.shared import Pt

    style.font.size = Pt(size)
    _set_fonts(style.element.get_or_add_rPr(), fonts)


def _source_code_style(doc: t.Any) -> t.Any:
    """pandoc's "Source Code" paragraph style, made here: grey shading, tight lines."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.shared import Pt

    style = doc.styles.add_style("Source Code", WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles.default(WD_STYLE_TYPE.PARAGRAPH)
    style.paragraph_format.space_before = Pt(0)
    style.paragraph_format.space_after = Pt(0)
    style.paragraph_format.line_spacing = 1.0
    shading = OxmlElement("w:shd")
    shading.set(_w("val"), "clear")
    shading.set(_w("color"), "auto")
    shading.set(_w("fill"), CODE_SHADING)
    style.element.get_or_add_pPr().insert_element_before(shading, *_AFTER_SHADING)
    return style


def _quote_style(style: t.Any) -> None:
    """Block quotes (the preview warning, the placeholder) as in the PDF: a red rule on
    the left, a pale red ground."""
    from docx.oxml import OxmlElement

    properties = style.element.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    left = OxmlElement("w:left")
    for attribute, value in (("val", "single"), ("sz", "24"), ("space", "8")):
        left.set(_w(attribute), value)
    left.set(_w("color"), "C0392B")
    borders.append(left)
    properties.insert_element_before(borders, "w:shd", *_AFTER_SHADING)
    shading = OxmlElement("w:shd")
    for attribute, value in (("val", "clear"), ("color", "auto"), ("fill", "FDF2F0")):
        shading.set(_w(attribute), value)
    properties.insert_element_before(shading, *_AFTER_SHADING)


def _page_footer(paragraph: t.Any, words: tuple[str, str, str]) -> None:
    """``before`` PAGE ``middle`` NUMPAGES ``after``, centred, in small grey sans."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.shared import Pt, RGBColor

    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    before, middle, after = words
    for text, field in ((before, "PAGE"), (middle, "NUMPAGES"), (after, None)):
        if text:
            run = paragraph.add_run(text)
            run.font.size = Pt(9)
            run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
            _set_fonts(run._element.get_or_add_rPr(), SANS)
        if field is not None:
            simple = OxmlElement("w:fldSimple")
            simple.set(_w("instr"), field)
            number = paragraph.add_run("1")
            number.font.size = Pt(9)
            _set_fonts(number._element.get_or_add_rPr(), SANS)
            simple.append(number._element)
            paragraph._p.append(simple)
