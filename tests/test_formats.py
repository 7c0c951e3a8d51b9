"""``build --format``: the HTML file in a real browser, the Word file read back and laid out
by LibreOffice, and the options, defaults and errors around them."""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import threading
import typing as t
import zipfile
from pathlib import Path

import pytest
from conftest import STUDENT, QuickBuild, invoke

from reportgen.errors import RenderError
from reportgen.render.formats import parse_formats

BASENAME = "WA2214014-杨跃浙-Lab-4-preview"  # quick builds
HEADINGS = ["[实验名称]", "[实验目的]", "[实验要求]", "[实验内容]", "[小结或讨论]"]


def _build(build_dir: Path, *args: str) -> t.Any:
    return invoke(
        "build", "lab4", *STUDENT, "--profile", "quick", "--build-dir", str(build_dir),
        *args,
    )  # fmt: skip


@pytest.fixture(scope="module")
def every_format(
    quick_build: QuickBuild, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A copy of the quick lab4 build, rebuilt (from its cache) in all four formats."""
    build_dir = tmp_path_factory.mktemp("formats") / "build"
    shutil.copytree(quick_build.build_dir, build_dir, symlinks=True)
    result = _build(build_dir, "--format", "md,pdf", "--format", "html,docx")
    assert result.exit_code == 0, result.output
    assert "Runs: 0 trained, 8 from cache." in result.output
    lines = [line.strip() for line in result.output.splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith("Report: "))
    named = [Path(lines[start].removeprefix("Report: "))] + [
        Path(line) for line in lines[start + 1 : start + 5]
    ]
    assert [p.name for p in named] == [
        f"{BASENAME}.{suffix}"
        for suffix in ("pdf", "docx", "html", "md", "record.json")
    ]
    return build_dir / "lab4"


def test_formats_parse_as_a_list_or_repeated() -> None:
    assert parse_formats(["pdf"]) == ("md", "pdf")
    assert parse_formats(["docx,HTML ", "pdf"]) == ("md", "pdf", "html", "docx")
    with pytest.raises(ValueError, match="'rtf' is not a format"):
        parse_formats(["pdf,rtf"])


def test_a_bad_format_is_a_one_line_usage_error(tmp_path: Path) -> None:
    result = _build(tmp_path / "b", "--format", "md,odt")
    assert result.exit_code == 2
    assert result.output.startswith("Error: Invalid value for '--format': 'odt'")
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "b").exists()


def _project(
    settings: str,
    quick_build: QuickBuild,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Path, Path]:
    """A project folder whose reportgen.toml says ``settings``, made the working folder,
    and a copy of the quick build (its cache: nothing trains)."""
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    (project / "reportgen.toml").write_text(settings)
    build_dir = tmp_path / "build"
    shutil.copytree(quick_build.build_dir, build_dir, symlinks=True)
    return project, build_dir


def test_reportgen_toml_sets_the_default_format(
    quick_build: QuickBuild, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = '[build]\nformat = "html,rtf"\n'
    project, build_dir = _project(settings, quick_build, tmp_path, monkeypatch)
    result = _build(tmp_path / "b")
    assert result.exit_code == 2
    assert (
        "[build] format in reportgen.toml" in result.output and "'rtf'" in result.output
    )
    (build_dir / "lab4" / f"{BASENAME}.pdf").unlink()
    (project / "reportgen.toml").write_text('[build]\nformat = ["html"]\n')
    result = _build(build_dir)
    assert result.exit_code == 0, result.output
    lab = build_dir / "lab4"
    assert (lab / f"{BASENAME}.html").is_file() and (lab / f"{BASENAME}.md").is_file()
    assert not (lab / f"{BASENAME}.pdf").exists()
    manifest = json.loads((lab / ".build-WA2214014.json").read_text(encoding="utf-8"))
    assert manifest["files"] == [
        f"{BASENAME}.md",
        f"{BASENAME}.record.json",
        f"{BASENAME}.html",
    ]
    # --format wins over the file; the check names the files and finds none missing
    assert _build(build_dir, "--format", "pdf").exit_code == 0
    check = invoke(
        "check", "lab4", "--student", "WA2214014", "--build-dir", str(build_dir)
    )
    assert f"Report: {lab / BASENAME}.md" in check.output
    assert "missing" not in check.output
    assert f"{lab / BASENAME}.html is an earlier build's" in check.output


def test_docx_without_pandoc_fails_before_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None)
    result = _build(tmp_path / "b", "--format", "docx")
    assert result.exit_code == 1
    assert result.output.startswith("Error: --format docx needs pandoc: install it")
    assert "apt-get install pandoc" in result.output
    assert not (tmp_path / "b" / "cache").exists()  # nothing trained


def test_the_formats_are_written_all_or_none(
    quick_build: QuickBuild, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reportgen.render import docx

    build_dir = tmp_path / "build"
    shutil.copytree(quick_build.build_dir, build_dir, symlinks=True)
    before = {
        p.name: p.read_bytes() for p in (build_dir / "lab4").iterdir() if p.is_file()
    }

    def failing(*args: object) -> None:
        raise RenderError("pandoc broke")

    monkeypatch.setattr(docx, "write_docx", failing)
    result = _build(build_dir, "--format", "md,pdf,html,docx")
    assert result.exit_code == 1 and "pandoc broke" in result.output
    after = {
        p.name: p.read_bytes() for p in (build_dir / "lab4").iterdir() if p.is_file()
    }
    assert after == before  # no .html, no .docx, the .md and .pdf as they were


# ---- HTML -------------------------------------------------------------------------------


class _Recorder(http.server.SimpleHTTPRequestHandler):
    requests: list[str] = []

    def log_message(self, format: str, *args: t.Any) -> None:
        type(self).requests.append(self.path)


def _browser() -> t.Any:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None:
        pytest.skip(
            "chromium and chromium-driver are not installed (bash scripts/setup.sh --test)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu"):
        options.add_argument(argument)
    metrics = {"width": 412, "height": 900, "pixelRatio": 1}  # a phone
    options.add_experimental_option("mobileEmulation", {"deviceMetrics": metrics})
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=options)


def test_the_html_file_is_whole_and_fetches_nothing(
    every_format: Path, tmp_path: Path
) -> None:
    from functools import partial

    from selenium.webdriver.common.by import By

    served = tmp_path / "served"  # the HTML alone: no figures/ or math/ beside it
    served.mkdir()
    shutil.copy(every_format / f"{BASENAME}.html", served / "report.html")
    _Recorder.requests = []
    handler = partial(_Recorder, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    browser = _browser()
    try:
        browser.get(f"http://127.0.0.1:{server.server_address[1]}/report.html")
        text = browser.find_element(By.TAG_NAME, "body").text
        widths = browser.execute_script(
            "return Array.from(document.images, i => i.complete ? i.naturalWidth : 0)"
        )
        page_width, viewport = browser.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"
        )
        log = browser.get_log("performance")
    finally:
        browser.quit()
        server.shutdown()
    for expected in ["《深度学习与神经网络》实验报告 4（快速预览，不能提交）", "WA2214014", *HEADINGS]:
        assert expected in text
    assert (
        "快速预览（quick profile）：非课程设置下的结果，不能提交" in text
    )  # the banner
    assert len(widths) > 20 and all(w > 0 for w in widths)  # 5 figures, many formulas
    assert page_width <= viewport == 412  # wide tables and code scroll inside the page
    assert [p for p in _Recorder.requests if p != "/favicon.ico"] == ["/report.html"]
    urls = [
        json.loads(entry["message"])["message"]["params"]["request"]["url"]
        for entry in log
        if '"Network.requestWillBeSent"' in entry["message"]
    ]
    fetched = [u for u in urls if not u.startswith("data:") and "favicon" not in u]
    assert fetched == [f"http://127.0.0.1:{server.server_address[1]}/report.html"]


def test_the_html_file_keeps_the_viewport_and_print_rules(every_format: Path) -> None:
    html = (every_format / f"{BASENAME}.html").read_text(encoding="utf-8")
    assert (
        '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    )
    assert "@media screen" in html and "@page" in html
    assert 'src="figures' not in html and 'src="math/' not in html
    assert "http://" not in html.split("<body>")[0]  # no fonts or sheets to fetch


# ---- DOCX -------------------------------------------------------------------------------


def test_the_docx_has_the_header_table_headings_captions_code_and_equations(
    every_format: Path,
) -> None:
    import docx

    path = every_format / f"{BASENAME}.docx"
    doc = docx.Document(str(path))
    header = doc.tables[0]
    assert [header.cell(0, c).text for c in range(4)] == [
        "学号", "WA2214014", "专业", "人工智能",
    ]  # fmt: skip
    assert header.cell(1, 1).text == "杨跃浙"
    styles = {p.text: p.style.name for p in doc.paragraphs}
    assert styles["《深度学习与神经网络》实验报告 4（快速预览，不能提交）"] == "Heading 1"
    for heading in HEADINGS:
        assert styles[heading] == "Heading 2"
    assert styles["1. 文本数据预处理（d2l 8.2、8.3.4）"] == "Heading 3"
    captions = [text for text, style in styles.items() if style == "Table Caption"]
    assert captions and captions[0].startswith("表 1")
    assert any(s == "Image Caption" and t.startswith("图 1") for t, s in styles.items())
    assert len(doc.inline_shapes) == 5  # the figures
    code = [p for p in doc.paragraphs if p.style.name == "Source Code"]
    assert any(p.text.startswith("def seq_data_iter_sequential(") for p in code)
    assert any(
        r.style.name == "KeywordTok" for p in code for r in p.runs
    )  # highlighted
    with zipfile.ZipFile(path) as z:
        document = z.read("word/document.xml").decode()
        footer, header = (
            "".join(z.read(n).decode() for n in z.namelist() if n.startswith(part))
            for part in ("word/footer", "word/header")
        )
    assert document.count("<m:oMath>") > 20  # Word equations, not pictures
    assert "\\(" not in document and "\\mathbf" not in document
    assert "NUMPAGES" in footer and "第 " in footer and " 页 共 " in footer
    assert "快速预览（quick profile）" in header  # on every page, as in the PDF


def test_libreoffice_lays_the_docx_out(every_format: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (bash scripts/setup.sh --test)")
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(every_format / f"{BASENAME}.docx"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    reader = PdfReader(tmp_path / f"{BASENAME}.pdf")
    assert len(reader.pages) >= 5
    first = reader.pages[0].extract_text()
    assert "学号" in first and "WA2214014" in first
    assert "第 1 页 共" in first


def test_verify_names_the_files_it_reads(every_format: Path, tmp_path: Path) -> None:
    for suffix in ("html", "docx"):
        result = invoke(
            "verify", str(every_format / f"{BASENAME}.{suffix}"),
            "--build-dir", str(tmp_path / "b"),
        )  # fmt: skip
        assert result.exit_code == 1
        assert result.output == (
            f"Error: {BASENAME}.{suffix}: verify reads a report's PDF or Markdown file;"
            f" verify the {BASENAME}.pdf or .md built with it.\n"
        )


def test_an_english_build_writes_english_html_and_docx(every_format: Path) -> None:
    """The same runs in English: the HTML's language, banner and headings, and the Word
    file's header table, footer and banner come from the English language layer."""
    import docx

    build_dir = every_format.parent
    result = _build(build_dir, "--lang", "en", "--format", "html,docx")
    assert result.exit_code == 0, result.output
    assert "Runs: 0 trained, 8 from cache." in result.output
    english = every_format / "en"
    html = (english / f"{BASENAME}.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html
    assert (
        "Quick preview (quick profile)" in html and "[Summary and discussion]" in html
    )
    assert "快速预览" not in html and "[小结或讨论]" not in html
    path = english / f"{BASENAME}.docx"
    header = docx.Document(str(path)).tables[0]
    assert [header.cell(0, c).text for c in range(4)] == [
        "Student ID", "WA2214014", "Major", "人工智能",
    ]  # fmt: skip
    with zipfile.ZipFile(path) as z:
        footer = "".join(
            z.read(n).decode() for n in z.namelist() if n.startswith("word/footer")
        )
    assert "Page " in footer and " of " in footer and "第 " not in footer
    # one reference document per language and banner, made once, in the build's cache
    again = _build(
        build_dir, "--lang", "en", "--format", "docx", "--date", "2026-12-01"
    )
    assert again.exit_code == 0, again.output
    references = sorted((build_dir / "cache" / "pandoc").glob("reference-*.docx"))
    assert len(references) == 2 and not (every_format / "cache").exists()


def test_reportgen_toml_sets_the_default_language(
    quick_build: QuickBuild, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    (project / "reportgen.toml").write_text('[build]\nlang = "fr"\n')
    refused = _build(tmp_path / "b")
    assert refused.exit_code == 2
    assert (
        "[build] lang in reportgen.toml" in refused.output and "'fr'" in refused.output
    )
    build_dir = tmp_path / "build"
    shutil.copytree(quick_build.build_dir, build_dir, symlinks=True)
    (project / "reportgen.toml").write_text('[build]\nlang = "en"\n')
    english = _build(build_dir, "--format", "md")
    assert english.exit_code == 0, english.output
    assert (build_dir / "lab4" / "en" / f"{BASENAME}.md").is_file()
    check = invoke(
        "check", "lab4", "--student", "WA2214014", "--build-dir", str(build_dir)
    )
    assert (
        "[Summary and discussion] is a placeholder" in check.output
    )  # the English one
    other = tmp_path / "only-english"
    shutil.copytree(build_dir / "cache", other / "cache")
    assert (
        _build(other, "--format", "md").exit_code == 0
    )  # English, from reportgen.toml
    (project / "reportgen.toml").write_text("")
    hint = invoke("check", "lab4", "--student", "WA2214014", "--build-dir", str(other))
    assert "build it first (there is one in en: --lang en)." in hint.output
    chinese = _build(build_dir, "--format", "md", "--lang", "zh")  # the option wins
    assert chinese.exit_code == 0 and "Runs: 0 trained" in chinese.output


def test_word_columns_are_never_narrower_than_their_longest_word() -> None:
    from reportgen.render.docx import _fitted

    assert _fitted([100, 200], [300, 400], 1000) == [
        300,
        400,
    ]  # the lines fit: as they are
    shared = _fitted([100, 200], [500, 900], 600)  # the words fit, the lines do not
    assert sum(shared) <= 600 and shared[0] >= 100 and shared[1] >= 200
    assert shared[1] - 200 > shared[0] - 100  # the room goes where the text wants it
    assert sum(_fitted([400, 400], [500, 500], 600)) <= 600  # words too wide: shrunk


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        (
            "evil.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "SVG",
        ),
        ("script.svg", b"<svg><script>alert(1)</script></svg>", "SVG"),
        ("fake.png", b"<html>not a picture</html>", "not a PNG image"),
        (
            "entity.svg",
            b'<!DOCTYPE svg [<!ENTITY x "&#60;script&#62;">]><svg>&x;</svg>',
            "SVG",
        ),
    ],
)
def test_an_image_in_the_notes_must_be_a_plain_picture(
    name: str, content: bytes, why: str, quick_build: QuickBuild, tmp_path: Path
) -> None:
    build_dir = tmp_path / "build"
    shutil.copytree(quick_build.build_dir, build_dir, symlinks=True)
    (build_dir / "lab4" / "figures-preview" / name).write_bytes(content)
    notes = (
        build_dir / "notes.md"
    )  # notes are read from the project or the build folder
    notes.write_text(f"My figure:\n\n![mine](figures-preview/{name})\n", encoding="utf-8")
    result = _build(build_dir, "--format", "html,docx", "--notes", str(notes))
    assert result.exit_code == 1
    assert (
        f"Cannot use the image 'figures-preview/{name}'" in result.output
        and why in result.output
    )
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ('[buld]\nformat = "html"\n', "[buld]: unknown key; did you mean 'build'?"),
        (
            '[build]\nformats = "html"\n',
            "[build] formats: unknown key; did you mean 'format'?",
        ),
        (
            '[student]\nnmae = "x"\n',
            "[student] nmae: unknown key; did you mean 'name'?",
        ),
    ],
)
def test_a_misspelt_setting_is_a_usage_error(
    settings: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reportgen.toml").write_text(settings)
    result = _build(tmp_path / "build")
    assert result.exit_code == 2
    assert f"reportgen.toml: {message}" in result.output


def test_word_builds_in_a_relative_build_folder(
    quick_build: QuickBuild, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default build folder is the relative ``build``: pandoc, run in a temporary
    folder, must still find the reference document."""
    shutil.copytree(quick_build.build_dir, tmp_path / "build", symlinks=True)
    monkeypatch.chdir(tmp_path)
    result = invoke("build", "lab4", *STUDENT, "--profile", "quick", "--format", "docx")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "build" / "lab4" / f"{BASENAME}.docx").is_file()
