"""Every lab found in labs/ validates and quick-builds into a report a reader can open: a new
lab is tested by being added (docs/authoring.md)."""

from __future__ import annotations

import json
import re
import shutil
import typing as t
from pathlib import Path

import pytest
from conftest import STUDENT, QuickLab, invoke, pdf_text, quick_build_of

from reportgen.lab import load_lab
from reportgen.paths import LABS_DIR, TEMPLATES_DIR

LABS = sorted(path.stem for path in LABS_DIR.glob("*.toml"))
TEMPLATES = sorted(TEMPLATES_DIR.glob("**/*.j2"))  # both languages' and the shared ones
HAN = re.compile(r"[\u4e00-\u9fff]+")


def test_the_shipped_labs_are_found() -> None:
    assert {"lab4", "rnn-tuning", "digitsum", "tangshi", "lyrics", "gru"} <= set(LABS)


@pytest.mark.parametrize("lab_id", LABS)
def test_every_lab_validates(lab_id: str) -> None:
    result = invoke("validate", lab_id, "--profile", "quick")
    assert result.exit_code == 0, result.output
    assert "spec, template and experiments are valid" in result.output


@pytest.mark.parametrize("lab_id", LABS)
def test_every_lab_quick_builds_a_whole_report(
    lab_id: str, quick_lab: QuickLab
) -> None:
    lab = load_lab(lab_id)
    build_dir, built = quick_lab(lab_id)
    pdf = next((build_dir / lab_id).glob(f"WA2214014-*-Lab-{lab.number}-preview.pdf"))
    text = pdf_text(pdf)
    flat = re.sub(r"\s+", "", text)
    assert f"实验报告{lab.number}" in flat and re.sub(r"\s+", "", lab.title) in flat
    for section in (
        "[实验名称]",
        "[实验目的]",
        "[实验要求]",
        "[实验内容]",
        "[小结或讨论]",
    ):
        assert section in flat, section
    # nothing a template failed to fill (Python's None, Jinja's markers) outside code
    markdown = pdf.with_suffix(".md").read_text(encoding="utf-8")
    prose = re.sub(r"^```.*?^```", "", markdown, flags=re.M | re.S)
    assert not re.search(r"\bNone\b|\{\{|\{%|undefined", prose), prose[:2000]
    # every figure of the spec is drawn, and the drawn file is an image
    for figure in lab.figures:
        (path,) = re.findall(
            rf"\]\((figures-preview/{re.escape(figure.id)}-[0-9a-f]+\.png)\)", markdown
        )
        assert (pdf.parent / path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
    assert "附录：运行记录" in flat and built.exit_code == 0


@pytest.mark.parametrize(
    "template", TEMPLATES, ids=lambda path: path.relative_to(TEMPLATES_DIR).as_posix()
)
def test_a_tag_ending_a_line_of_text_keeps_the_line_break(template: Path) -> None:
    """trim_blocks removes the newline after a block tag: at the end of a line of text
    (``…更多样。{% endif %}``) that joins the next paragraph to this one. Such a tag must
    be written ``+%}``, which keeps the newline."""
    for number, line in enumerate(template.read_text("utf-8").splitlines(), 1):
        text = re.sub(r"\{%.*?%\}|\{#.*?#\}", "", line)
        if text.strip() and re.search(r"%\}\s*$", line):
            assert line.rstrip().endswith("+%}"), f"{template.name}:{number}"


def test_a_figure_the_template_never_places_is_an_error(
    tmp_path: Path, quick_lab: QuickLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A spec's figure the template forgets would be drawn and silently left out."""
    monkeypatch.chdir(tmp_path)  # a spec path must be inside the project folder
    extra = '[[figures]]\nid = "extra"\nruns = ["gru_scratch"]\nseries = "perplexity"\n'
    lab_file = tmp_path / "gru.toml"  # the id names the view: reportgen.views.gru
    lab_file.write_text((LABS_DIR / "gru.toml").read_text("utf-8") + extra, "utf-8")
    build_dir = tmp_path / "build"
    shutil.copytree(quick_lab("gru")[0] / "cache", build_dir / "cache")  # no training
    result = invoke(
        "build", str(lab_file), *STUDENT, "--profile", "quick",
        "--build-dir", str(build_dir),
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "never places figure 'extra' of the lab spec" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "template", TEMPLATES, ids=lambda path: path.relative_to(TEMPLATES_DIR).as_posix()
)
def test_a_template_computes_nothing(template: Path) -> None:
    """Arithmetic and comparisons of numbers belong in the lab's view (docs/authoring.md): a
    template may only test a value against a text, e.g. a claim's outcome."""
    from jinja2 import nodes

    from reportgen.render.templates import markdown_env

    lang = "en" if template.parent.name == "en" else "zh"
    tree = markdown_env(lang).parse(template.read_text("utf-8"))
    for node in tree.find_all((nodes.BinExpr, nodes.UnaryExpr, nodes.Compare)):
        if isinstance(node, nodes.Compare):
            sides = [node.expr, *(op.expr for op in node.ops)]
            if any(
                isinstance(s, nodes.Const) and isinstance(s.value, str) for s in sides
            ):
                continue
        raise AssertionError(
            f"{template.name}, line {node.lineno}: {type(node).__name__}"
        )


def _corpus_texts(record: dict[str, t.Any]) -> str:
    """What a report may quote of its corpus: the runs' generated texts and tables."""
    runs = record["runs"].values()
    return json.dumps([[r["samples"], r["tables"]] for r in runs], ensure_ascii=False)


@pytest.mark.parametrize("lab_id", LABS)
def test_every_lab_renders_in_english_from_the_same_runs(
    lab_id: str, quick_lab: QuickLab
) -> None:
    """The English report of the quick build: nothing retrains, and no Chinese is left but
    the student's own fields and what the corpus and the models wrote."""
    lab = load_lab(lab_id)
    build_dir, _ = quick_lab(lab_id)
    no_notes = str(build_dir / "no-notes.md")
    english = quick_build_of(lab_id, build_dir, "--lang", "en", "--notes", no_notes)
    assert re.search(r"Runs: 0 trained, \d+ from cache", english.output)
    pdf = next((build_dir / lab_id / "en").glob(f"WA2214014-*-Lab-{lab.number}-preview.pdf"))
    markdown = pdf.with_suffix(".md").read_text(encoding="utf-8")
    record = json.loads(pdf.with_suffix(".record.json").read_text(encoding="utf-8"))
    assert record["lang"] == "en"
    quoted = _corpus_texts(record) + "".join(STUDENT)
    left = [run for run in HAN.findall(markdown) if run not in quoted]
    assert not left, left
    flat = re.sub(r"\s+", " ", pdf_text(pdf))
    for heading in ("[Title]", "[Objectives]", "[Summary and discussion]", "Page 1 of"):
        assert heading in flat, heading
    # the Chinese report beside it is still the course's
    chinese = next((build_dir / lab_id).glob(f"WA2214014-*-Lab-{lab.number}-preview.md"))
    assert "[实验名称]" in chinese.read_text(encoding="utf-8")
