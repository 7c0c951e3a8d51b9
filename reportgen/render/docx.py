"""The Word report, by pandoc: native equations (OMML), tables, headings and code blocks.

pandoc reads the report's sanitised HTML with formulas kept as TeX (reportgen.render.markdown,
``tex=True``) from stdin and writes the .docx to stdout. It runs in a fresh temporary folder
(its working directory and only resource path) holding copies of the report's figures,
read by reportgen from the report folder (reportgen.render.html_file.read_image) and
renamed ``image-N``; every ``<img src>`` names one of them. Besides those it reads only the
reference document (reportgen.render.reference_doc). Not ``--sandbox``: pandoc 2.17
(Debian 12) then cannot read its own docx data files (jgm/pandoc#8128). Not ``data:`` URIs
either: pandoc takes 3.5 s to decode lab4's five figures from them, 0.2 s from files.
python-docx then draws the tables' rules: a full grid for the course header, three rules
(三线表) for the data tables, as in the PDF.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import typing as t
from pathlib import Path

from reportgen.errors import RenderError, ReportgenError

PANDOC_TIMEOUT_S = 120
INSTALL_PANDOC = (
    "--format docx needs pandoc: install it (Debian/Ubuntu: sudo apt-get install pandoc,"
    " or bash scripts/setup.sh), or build without docx."
)
# a caption paragraph (reportgen.render.markdown marks them) -> pandoc's caption style
_CAPTIONS = re.compile(r'<p class="(table|figure)-caption">(.*?)</p>', re.S)
_CAPTION_STYLES = {"table": "Table Caption", "figure": "Image Caption"}


def find_pandoc() -> str:
    """The pandoc executable; a one-line ReportgenError saying how to install it."""
    found = shutil.which("pandoc")
    if found is None:
        raise ReportgenError(INSTALL_PANDOC)
    return found


def docx_html(body: str) -> str:
    """The HTML document pandoc reads: ``body`` (TeX math, images inlined) with each
    caption in a div that names its Word style."""

    def styled(match: re.Match[str]) -> str:
        style = _CAPTION_STYLES[match.group(1)]
        return f'<div data-custom-style="{style}"><p>{match.group(2)}</p></div>'

    text = _CAPTIONS.sub(styled, body)
    head = '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>'
    return f"{head}\n{text}\n</body></html>"


def write_docx(
    body: str,
    base_dir: Path,
    reference: Path,
    out_path: Path,
    before_file: t.Callable[[Path], None] = lambda path: None,
) -> None:
    """Convert ``body`` (see :func:`docx_html`; images relative to ``base_dir``) to a Word
    file at ``out_path``."""
    import tempfile

    pandoc = find_pandoc()
    command = [
        pandoc,
        "-f",
        "html+tex_math_single_backslash",  # \(…\) and \[…\] are math
        "-t",
        "docx",
        "--reference-doc",
        str(reference.resolve()),  # pandoc runs in a temporary folder
        "-o",
        "-",
    ]
    try:
        with tempfile.TemporaryDirectory(prefix="reportgen-pandoc-") as folder:
            html = docx_html(_private_images(body, base_dir, Path(folder), before_file))
            done = subprocess.run(
                [*command, f"--resource-path={folder}"],
                input=html.encode("utf-8"),
                capture_output=True,
                timeout=PANDOC_TIMEOUT_S,
                cwd=folder,
            )
    except subprocess.TimeoutExpired:
        raise RenderError(
            f"pandoc took over {PANDOC_TIMEOUT_S} s to write the Word report."
        ) from None
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RenderError(f"pandoc could not write the Word report: {why[-1:]}.")
    out_path.write_bytes(ruled_tables(done.stdout))


def _private_images(
    body: str, base_dir: Path, folder: Path, before_file: t.Callable[[Path], None]
) -> str:
    """``body`` with each image copied from ``base_dir`` into ``folder`` as ``image-N``."""
    from reportgen.render.html_file import MEDIA_TYPES, read_image, replace_images

    names: dict[str, str] = {}
    suffixes = {media: suffix for suffix, media in MEDIA_TYPES.items()}

    def copied(src: str) -> str:
        if src not in names:
            data, media = read_image(src, base_dir, before_file)
            names[src] = f"image-{len(names)}{suffixes[media]}"
            (folder / names[src]).write_bytes(data)
        return names[src]

    return replace_images(body, copied)


def ruled_tables(data: bytes) -> bytes:
    """``data`` (a .docx) with the course header (the first table) as a full grid across
    the page, label cells shaded, and each other table centred, its columns as wide as
    their text, with three rules: above and below the header row, below the last row."""
    import docx

    doc = docx.Document(io.BytesIO(data))
    for number, table in enumerate(doc.tables):
        rows = table.rows
        header = number == 0
        if header:  # across the text width, as on the paper form
            words, _ = _text_widths(table, 10.5)
            widths = _header_widths(words, TEXT_WIDTH_TWIPS)
        else:  # the PDF's 9 pt, smaller only where the words would not fit at that size
            for points in TABLE_TEXT_PT:
                words, lines = _text_widths(table, points)
                if sum(words) <= TEXT_WIDTH_TWIPS:
                    break
            _text_size(table, points)
            widths = _fitted(words, lines, TEXT_WIDTH_TWIPS)
        _column_widths(table, widths, centred=not header)
        for r, row in enumerate(rows):
            for c, cell in enumerate(row.cells):
                if header:
                    edges = dict.fromkeys(("top", "bottom", "left", "right"), 6)
                    _borders(cell, edges, "F2F2F2" if c % 2 == 0 else None)
                    continue
                edges = {"top": 10, "bottom": 5} if r == 0 else {}
                if r == len(rows) - 1:
                    edges["bottom"] = 10
                _borders(cell, edges, None)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


TEXT_WIDTH_TWIPS = 9638  # A4 less 20 mm margins (reportgen.render.reference_doc)
# a Latin character of 10.5 pt DejaVu Serif: 0.65 em covers digits and bold headers; a
# Chinese character counts two
_TWIPS_PER_UNIT = 137
# data tables: report.css's 9 pt for the PDF, or smaller where a table's words do not fit
TABLE_TEXT_PT = (9.0, 8.0, 7.0)
_CELL_PADDING_TWIPS = 320  # the cell's margins (2 × 108), and some air


def qn(tag: str) -> str:
    from docx.oxml.ns import qn as qualified

    return str(qualified(tag))


def _text_size(table: t.Any, points: float) -> None:
    from docx.shared import Pt

    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(points)


def _text_widths(table: t.Any, points: float) -> tuple[list[int], list[int]]:
    """Each column's width in twips, padding included, for its longest word (narrower, a
    word breaks in the middle) and for its longest line (wider is air)."""
    import unicodedata

    def units(text: str) -> int:  # a Chinese character is two Latin ones wide
        return len(text) + sum(unicodedata.east_asian_width(c) in "WF" for c in text)

    columns = len(table.columns)
    words, lines = [1] * columns, [1] * columns
    for row in table.rows:
        for c, cell in enumerate(row.cells[:columns]):
            for line in cell.text.splitlines() or [""]:
                lines[c] = max(lines[c], units(line))
                # break opportunities are spaces, not no-break spaces ("12-04 20:08")
                words[c] = max([words[c], *(units(w) for w in line.split(" "))])
    per_unit = _TWIPS_PER_UNIT * points / 10.5
    return (
        [round(u * per_unit) + _CELL_PADDING_TWIPS for u in words],
        [round(u * per_unit) + _CELL_PADDING_TWIPS for u in lines],
    )


def _header_widths(words: list[int], total: int) -> list[int]:
    """The course header's four columns: labels 15 % of the width, or their longest word
    ("Instructor's"), values sharing the rest."""
    labels = [max(round(total * 0.15), words[c]) for c in (0, 2)]
    value = (total - sum(labels)) // 2
    return [labels[0], value, labels[1], value]


def _fitted(least: list[int], most: list[int], total: int) -> list[int]:
    """Column widths within ``total``: each as wide as its longest line where they fit;
    else each at least its longest word, the room left shared in proportion to what each
    column's lines want beyond that (so a word breaks only where the words alone are wider
    than the page)."""
    if sum(most) <= total:
        return most
    if sum(least) >= total:
        return [w * total // sum(least) for w in least]
    spare, wants = total - sum(least), [m - w for m, w in zip(most, least, strict=True)]
    return [w + spare * e // sum(wants) for w, e in zip(least, wants, strict=True)]


def _column_widths(table: t.Any, widths: list[int], centred: bool) -> None:
    """Fixed column ``widths`` (twips) on the table's grid, width and cells."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Twips

    table.autofit = False
    if centred:
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for column, width in zip(table.columns, widths, strict=False):
        column.width = Twips(width)
        for cell in column.cells:
            cell.width = Twips(width)
    table_width = table._tbl.tblPr.find(qn("w:tblW"))
    if table_width is not None:
        table_width.set(qn("w:type"), "dxa")
        table_width.set(qn("w:w"), str(sum(widths)))


# what follows w:shd in a cell's properties (ECMA-376 CT_TcPr)
_AFTER_SHADING = (
    "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark",
    "w:headers", "w:cellIns", "w:cellDel", "w:cellMerge", "w:tcPrChange",
)  # fmt: skip


def _borders(cell: t.Any, edges: dict[str, int], fill: str | None) -> None:
    """Give ``cell`` single black borders of ``edges`` (eighths of a point), and a fill."""
    from docx.oxml import OxmlElement

    properties = cell._tc.get_or_add_tcPr()
    if edges:
        borders = OxmlElement("w:tcBorders")
        for edge, size in edges.items():
            line = OxmlElement(f"w:{edge}")
            line.set(qn("w:val"), "single")
            line.set(qn("w:sz"), str(size))
            line.set(qn("w:color"), "333333")
            borders.append(line)
        properties.insert_element_before(borders, "w:shd", *_AFTER_SHADING)
    if fill is not None:
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:fill"), fill)
        properties.insert_element_before(shading, *_AFTER_SHADING)
