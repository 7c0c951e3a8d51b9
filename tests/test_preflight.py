"""Fail before training, and never leave half a report (issue 19 §3).

Bad parameter values, notes whose formulas cannot be drawn or whose characters no font has,
student fields no font can print, broken templates, a folder where the PDF goes: each fails
before the first run trains, with one line. A render that fails later all the same leaves
the old .md, .pdf and manifest, all three.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import shutil
import typing as t
import uuid
from pathlib import Path

import pytest
from conftest import QuickBuild
from markupsafe import Markup

from reportgen.errors import LabSpecError, ParamError, RenderError, ReportgenError
from reportgen.lab import LabSpec, load_lab, parse_override
from reportgen.paths import LABS_DIR, TEMPLATES_DIR
from reportgen.pipeline import BuildOptions, build
from reportgen.plan import plan
from reportgen.preflight import check_notes
from reportgen.render.context import Student
from reportgen.render.math import FORMULA_SHOWN
from reportgen.render.pdf_inputs import digest_path
from reportgen.safety import BUILD_MARKER, escaped
from reportgen.staged import StagedFiles


@pytest.mark.parametrize(
    ("lab_id", "override", "message"),
    [
        # each of these used to pass planning and fail inside run(), after training
        # (Sampling's ValueError, NaN probabilities in torch.multinomial)
        (
            "tangshi",
            "tangshi.temperature=-1",
            "temperature must be 0 (greedy) or between 0.01 and 100, got -1.0",
        ),
        ("tangshi", "tangshi.temperature=1e-300", "got 1e-300"),
        ("lyrics", "lyrics.temperature=-0.5", "got -0.5"),
        # ZeroDivisionError in SRN's initialisation; ValueError from nn.LSTM
        ("digitsum", "digitsum.num_hiddens=0", "num_hiddens must be at least 1"),
        ("digitsum", "digitsum.embedding_size=0", "embedding_size must be at least 1"),
        # StatisticsError (median of no timings), ZeroDivisionError
        ("digitsum", "srn_check.repeats=0", "repeats must be at least 1"),
        ("digitsum", "srn_check.num_hiddens=0", "num_hiddens must be at least 1"),
        ("digitsum", "srn_check.input_size=0", "input_size must be at least 1"),
        ("digitsum", "srn_check.batch_size=0", "batch_size must be at least 1"),
        # ZeroDivisionError / ValueError / IndexError in the sequence iterators
        ("lab4", "text_preprocessing.batch_size=0", "batch_size must be at least 1"),
        ("lab4", "text_preprocessing.num_steps=0", "num_steps must be at least 1"),
        (
            "lab4",
            "text_preprocessing.max_tokens=100",
            "max_tokens (100) must exceed (batch_size + 1) × num_steps (1155)",
        ),
        (
            "lab4",
            "text_preprocessing.toy_batch_size=0",
            "toy_batch_size must be at least 1",
        ),
        (
            "lab4",
            "text_preprocessing.toy_length=3",
            "toy_length (3) must exceed (toy_batch_size + 1) × toy_num_steps (15)",
        ),
    ],
)
def test_values_that_failed_while_running_are_refused_by_planning(
    lab_id: str, override: str, message: str
) -> None:
    with pytest.raises(ParamError) as exc:
        plan(load_lab(lab_id), "quick", [parse_override(override)])
    target = override.split(".")[0]
    assert exc.value.message.startswith(f"{target}: ")
    assert message in exc.value.message


@pytest.mark.parametrize("temperature", ["0", "0.01", "0.8", "100"])
def test_temperatures_a_course_uses_are_accepted(temperature: str) -> None:
    planned = plan(
        load_lab("tangshi"),
        "quick",
        [parse_override(f"lstm.temperature={temperature}")],
    )
    assert {r.id: r.params.temperature for r in planned}["lstm"] == float(temperature)


@pytest.fixture(autouse=True)
def _project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's temp folder is the project folder: its notes are input files there."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def mini_lab(tmp_path: Path) -> LabSpec:
    """lab4 with only its data-counting run: these tests need what a build does before
    training, and a build that wrongly trains first does so in seconds."""
    spec = (LABS_DIR / "lab4.toml").read_text(encoding="utf-8")
    labs = tmp_path / "labs"
    labs.mkdir()
    (labs / "mini.toml").write_text(spec.split("[runs.rnn_scratch]")[0], "utf-8")
    return load_lab("mini", directory=labs)


def build_error(
    lab: LabSpec,
    tmp_path: Path,
    notes: str | None = None,
    *,
    overrides: t.Sequence[str] = (),
    corpus: Path | None = None,
    **student: str,
) -> str:
    """Build ``lab`` (with ``--set`` ``overrides`` and ``--corpus``) into a fresh folder;
    return the one-line error, having checked that nothing trained (the store holds no
    result)."""
    notes_path = tmp_path / "notes.md"
    if notes is not None:
        notes_path.write_text(notes, encoding="utf-8")
    fields = {"id": "WA2214014", "name": "杨跃浙", "major": "人工智能"} | student
    options = BuildOptions(
        student=Student(**fields),
        profile="quick",
        build_dir=tmp_path / "build",
        notes_path=notes_path,
        jobs=1,
        overrides=tuple(parse_override(o) for o in overrides),
        corpus=corpus,
    )
    with pytest.raises(ReportgenError) as exc:
        build(lab, options)
    assert not list((tmp_path / "build" / "cache").glob("*/result.json"))
    assert "\n" not in exc.value.message
    return exc.value.message


def test_a_formula_that_cannot_be_drawn_fails_before_training(
    mini_lab: LabSpec, tmp_path: Path
) -> None:
    message = build_error(mini_lab, tmp_path, "讨论。\n\n困惑度 $\\frac{a$ 很低。\n")
    assert message == (
        f"Notes file {tmp_path / 'notes.md'}, line 3: Formula $\\frac{{a$ cannot be"
        " drawn: an unclosed { or a command missing its argument."
    )


@pytest.mark.parametrize(
    ("latex", "reason"),
    [
        ("a^", "a ^ or _ with nothing after it"),
        ("\\sqrt", "a command or ^/_ is missing its argument"),
        ("\\left( x", "a \\left without its \\right"),
        ("x^1^2", "double superscripts"),
        ("困惑度", "it contains Chinese text; put that outside the $…$"),
    ],
)
def test_every_undrawable_formula_has_a_reason(
    latex: str, reason: str, tmp_path: Path
) -> None:
    notes = Markup(f"一行。\n\n$${latex}$$\n")
    with pytest.raises(RenderError) as exc:
        check_notes((Path("n.md"), notes), tmp_path)
    assert exc.value.message == (
        f"Notes file n.md, line 3: Formula ${latex}$ cannot be drawn: {reason}."
    )


def test_a_long_formula_is_abridged(tmp_path: Path) -> None:
    latex = "x + " * 40 + "\\frac{"
    with pytest.raises(RenderError) as exc:
        check_notes((Path("n.md"), Markup(f"${latex}$")), tmp_path)
    shown = exc.value.message.split("$")[1]
    assert len(shown) == FORMULA_SHOWN and shown.endswith("…")


NO_FONT = (
    "\U00013000"  # EGYPTIAN HIEROGLYPH A001: in none of the fonts setup.sh installs
)


@pytest.mark.parametrize(
    ("notes", "student", "message"),
    [
        (
            f"第一行\n\n第三行有{NO_FONT}。\n",
            {},
            "Notes file {notes}, line 3: character U+13000 (EGYPTIAN HIEROGLYPH A001)",
        ),
        (  # an HTML entity in the notes prints the character too
            "讨论\n\n&#x13000;\n",
            {},
            "Notes file {notes}, line 3: character U+13000",
        ),
        (
            "讨论，代码里也查：\n\n```\nx = 'ก'\n```\n",
            {},
            "Notes file {notes}, line 4: character U+0E01 (THAI CHARACTER KO KAI)",
        ),
        (None, {"name": f"杨{NO_FONT}"}, "--name: character U+13000"),
        (None, {"major": "人工智能\u0915"}, "--major: character U+0915 (DEVANAGARI"),
        (None, {"major": "人工\ue000智能"}, "--major: character U+E000 (a private-use"),
    ],
)
def test_a_character_no_font_has_fails_before_training(
    mini_lab: LabSpec,
    tmp_path: Path,
    notes: str | None,
    student: dict[str, str],
    message: str,
) -> None:
    found = build_error(mini_lab, tmp_path, notes, **student)
    assert found.startswith(message.format(notes=tmp_path / "notes.md"))
    assert found.endswith(
        "is in none of the installed fonts, so the PDF would print a box; replace it."
    )


def test_notes_the_fonts_can_print_pass(tmp_path: Path) -> None:
    notes = Markup(
        "困惑度 $\\exp(\\ell)$ 下降，Ж ß é\u0301 😀 ─ Ⅰ\u200b。\n\n"
        "$$\\frac{1}{n}\\sum_t \\ell_t$$\n\n```python\nprint('注释')\n```\n"
    )
    check_notes((Path("n.md"), notes), tmp_path / "math")
    assert len(list((tmp_path / "math").glob("*.svg"))) == 2  # drawn for the report


@pytest.fixture
def broken_template() -> t.Iterator[str]:
    """A lab template (in templates/, where lab specs find them) with a syntax error on
    line 3, removed afterwards."""
    path = TEMPLATES_DIR / f"test-broken-{uuid.uuid4().hex[:8]}.md.j2"
    path.write_text(
        '{% extends "base.md.j2" %}\n{% block goals %}\n{% if %}x{% endif %}\n'
        "{% endblock %}\n",
        encoding="utf-8",
    )
    yield path.name
    path.unlink()


def test_a_template_syntax_error_fails_before_training(
    mini_lab: LabSpec, tmp_path: Path, broken_template: str
) -> None:
    lab = dataclasses.replace(mini_lab, template=broken_template)
    assert build_error(lab, tmp_path) == (
        f"Template templates/{broken_template}, line 3: Expected an expression,"
        " got 'end of statement block'"
    )


def test_a_missing_template_fails_before_training(
    mini_lab: LabSpec, tmp_path: Path
) -> None:
    lab = dataclasses.replace(mini_lab, template="nosuch.md.j2")
    assert build_error(lab, tmp_path) == (
        "Template templates/nosuch.md.j2 (named in labs/mini.toml) does not exist."
    )


def test_a_folder_where_the_pdf_goes_fails_before_training(
    mini_lab: LabSpec, tmp_path: Path
) -> None:
    pdf = tmp_path / "build" / "mini" / "WA2214014-杨跃浙-Lab-4-preview.pdf"
    pdf.mkdir(parents=True)
    (tmp_path / "build" / BUILD_MARKER).touch()  # a build folder, as a build leaves it
    assert build_error(mini_lab, tmp_path) == (
        f"Cannot write {pdf}: it is a folder; move it away and build again."
    )


def test_a_render_that_fails_late_leaves_the_old_report_whole(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    qb = QuickBuild(tmp_path / "build", quick_build.first)
    shutil.copytree(quick_build.build_dir, qb.build_dir, symlinks=True)
    notes = tmp_path / "notes.md"
    notes.write_text("第一版讨论。\n", encoding="utf-8")
    first = qb.build("--notes", str(notes))
    assert first.exit_code == 0 and "Runs: 0 trained" in first.output, first.output
    out = qb.pdf.parent
    report = [qb.markdown, qb.pdf, digest_path(qb.pdf), out / ".build-WA2214014.json"]
    old = {path: path.read_bytes() for path in report}
    shown = re.findall(r"\]\((figures-preview/[^)]+\.png)\)", qb.markdown.read_text("utf-8"))
    # the last figure cannot be written: a folder has taken its file's place, so the
    # build fails while the PDF is made, after the Markdown was rendered
    broken = out / shown[-1]
    broken.unlink()
    broken.mkdir()
    notes.write_text("第二版讨论，与第一版不同。\n", encoding="utf-8")
    second = qb.build("--notes", str(notes))
    assert second.exit_code == 1 and "Traceback" not in second.output
    assert second.output.splitlines()[-1].startswith("Error: Cannot write ")
    assert {path: path.read_bytes() for path in report} == old  # all old, not half new
    assert all((out / src).is_file() for src in shown[:-1])  # old figures kept
    assert not list(out.rglob(".*.tmp"))
    broken.rmdir()
    third = qb.build("--notes", str(notes))
    assert third.exit_code == 0, third.output
    assert "第二版讨论" in qb.markdown.read_text("utf-8")
    assert json.loads(report[3].read_text("utf-8"))["has_notes"] is True


@pytest.mark.parametrize(
    ("image", "problem"),
    [
        ("../../etc/passwd", "is outside the report folder"),
        ("/etc/passwd", "is outside the report folder"),
        ("http://example.org/a.png", "is not a local file"),
        ("mine-too.png", "does not exist"),
    ],
)
def test_an_image_the_pdf_would_refuse_is_refused_first(
    tmp_path: Path, image: str, problem: str
) -> None:
    (tmp_path / "mine.png").write_bytes(b"\x89PNG")
    notes = Markup(f"图：\n\n![图]({image})\n")
    with pytest.raises(RenderError) as exc:
        check_notes((Path("n.md"), notes), tmp_path / "math")
    assert exc.value.message == (
        f"Notes file n.md, line 3: image {image!r} {problem}; a report shows only files"
        f" inside {tmp_path}: copy the image there or remove it."
    )


def test_an_image_in_the_report_folder_passes(tmp_path: Path) -> None:
    (tmp_path / "mine.png").write_bytes(b"\x89PNG")
    check_notes((Path("n.md"), Markup("![图](mine.png)\n")), tmp_path / "math")


def test_staged_files_replace_nothing_when_one_target_cannot_be_replaced(
    tmp_path: Path,
) -> None:
    first, second = tmp_path / "r.md", tmp_path / "r.pdf"
    first.write_text("old", encoding="utf-8")
    second.mkdir()
    with StagedFiles() as staged:
        staged.write(first, "new")
        staged.write(second, "new")
        with pytest.raises(RenderError, match="it is a folder"):
            staged.commit()
    assert first.read_text(encoding="utf-8") == "old" and second.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.md", "r.pdf"]


# What the report prints that is not a result: each of these used to pass planning and
# preflight, train, and then fail at the PDF with ".notdef glyph".
BOX = "is in none of the installed fonts, so the PDF would print a box;"


@pytest.mark.parametrize(
    ("lab_id", "name", "text", "message"),
    [
        (  # the report prints the corpus's file name
            "lyrics",
            f"c{NO_FONT}.txt",
            "分开\n不分开\n" * 50,
            f"Corpus c{NO_FONT}.txt: file name: character U+13000",
        ),
        (  # and samples drawn from its characters, and its first characters
            "lyrics",
            "c.txt",
            "分开\n不分开\n" + f"{NO_FONT}爱\n" + "一二三四五六七八\n" * 300,
            "Corpus c.txt, line 3: character U+13000 (EGYPTIAN HIEROGLYPH A001)",
        ),
        (
            "tangshi",
            "poems.txt",
            "静夜思:床前明月光，疑是地上霜。\n"
            f"春晓:春眠不觉晓，处处闻{NO_FONT}鸟。\n" * 20,
            "Corpus poems.txt, line 2: character U+13000",
        ),
        (  # a control character in the text is printed too
            "lyrics",
            "c.txt",
            "分开\x07不分开\n" * 300,
            "Corpus c.txt, line 1: character U+0007 (a control character)",
        ),
    ],
)
def test_a_corpus_no_font_can_print_fails_before_training(
    tmp_path: Path, lab_id: str, name: str, text: str, message: str
) -> None:
    corpus = tmp_path / name
    corpus.write_text(text, encoding="utf-8")
    found = build_error(load_lab(lab_id), tmp_path, corpus=Path(name))
    assert found.startswith(message) and BOX in found, found


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (f"tangshi.begin_chars=日{NO_FONT}", "--set tangshi.begin_chars: character"),
        (f"lstm.begin_chars={NO_FONT}", "--set lstm.begin_chars: character"),
    ],
)
def test_a_string_parameter_no_font_can_print_fails_before_training(
    tmp_path: Path, override: str, message: str
) -> None:
    found = build_error(load_lab("tangshi"), tmp_path, overrides=[override])
    assert found.startswith(f"{message} U+13000 (EGYPTIAN HIEROGLYPH A001) {BOX}")


@pytest.mark.parametrize("value", ["日\x07", "\x1b[31m红", "日\u202e月"])
def test_a_control_character_in_a_string_parameter_is_refused_by_planning(
    value: str,
) -> None:
    with pytest.raises(ParamError) as exc:
        plan(
            load_lab("tangshi"), "quick", [parse_override(f"lstm.begin_chars={value}")]
        )
    assert exc.value.message.startswith(f"lstm.begin_chars: {escaped(value)} contains")
    assert exc.value.message.endswith("; remove it.")


MY_FIGURE = '[[figures]]\nid = "f"\nruns = ["preprocessing"]\nseries = "s"\n'


def my_lab(tmp_path: Path, **strings: str) -> Path:
    """lab4's data-counting run as ``mylab.toml`` in the project folder, with a figure,
    each of ``strings`` (``title``, ``figure_xlabel``, …) replaced by the value given."""
    spec = (LABS_DIR / "lab4.toml").read_text(encoding="utf-8")
    spec = spec.split("[runs.rnn_scratch]")[0] + MY_FIGURE
    for key, value in strings.items():
        if key.startswith("figure_"):
            spec += f"{key.removeprefix('figure_')} = {json.dumps(value, ensure_ascii=False)}\n"
        else:
            line = f"{key} = {json.dumps(value, ensure_ascii=False)}"
            spec = re.sub(rf"(?m)^{key} = .*$", lambda _, line=line: line, spec)
    path = tmp_path / "mylab.toml"
    path.write_text(spec, encoding="utf-8")
    return path


SPEC_STRINGS = {
    "title": "mylab.toml: title",
    "course": "mylab.toml: course",
    "label": "mylab.toml: runs.preprocessing: label",
    "figure_title": "mylab.toml: figures[0].title",
    "figure_xlabel": "mylab.toml: figures[0].xlabel",
    "figure_ylabel": "mylab.toml: figures[0].ylabel",
}


@pytest.mark.parametrize("key", SPEC_STRINGS)
def test_a_spec_string_no_font_can_print_fails_before_training(
    tmp_path: Path, key: str
) -> None:
    my_lab(tmp_path, **{key: f"实验{NO_FONT}"})
    found = build_error(load_lab("mylab.toml"), tmp_path)
    assert found.startswith(f"{SPEC_STRINGS[key]}: character U+13000")
    assert found.endswith(f"{BOX} replace it.")


@pytest.mark.parametrize("key", ["legend", "series_labels"])
def test_a_spec_list_no_font_can_print_fails_before_training(
    tmp_path: Path, key: str
) -> None:
    spec = my_lab(tmp_path)
    spec.write_text(
        spec.read_text("utf-8") + f'{key} = ["好", "{NO_FONT}"]\n', encoding="utf-8"
    )
    found = build_error(load_lab("mylab.toml"), tmp_path)
    assert found.startswith(f"mylab.toml: figures[0].{key}: character U+13000")


@pytest.mark.parametrize("key", [*SPEC_STRINGS, "legend", "grid"])
@pytest.mark.parametrize("value", ["\x1b[31m红", "\x07", "红\u200b"])
def test_a_control_character_in_a_spec_string_is_refused_when_loaded(
    tmp_path: Path, key: str, value: str
) -> None:
    if key == "legend":
        spec = (
            my_lab(tmp_path).read_text("utf-8")
            + f"legend = [{json.dumps(value, ensure_ascii=False)}]\n"
        )
        where = "figures[0].legend"
    elif key == "grid":  # a grid value fills the labels
        spec = (
            my_lab(tmp_path)
            .read_text("utf-8")
            .replace(
                'label = "文本预处理"',
                f'label = "{{tag}}"\ngrid = {{ tag = [{json.dumps(value, ensure_ascii=False)}] }}',
            )
        )
        where = "runs.preprocessing.grid.tag"
    else:
        spec = my_lab(tmp_path, **{key: value}).read_text("utf-8")
        where = SPEC_STRINGS[key].removeprefix("mylab.toml: ").replace(": ", ".")
    (tmp_path / "mylab.toml").write_text(spec, encoding="utf-8")
    with pytest.raises(LabSpecError) as exc:
        load_lab("mylab.toml")
    assert exc.value.message.startswith(
        f"mylab.toml: {where}: {escaped(value)} contains"
    ), exc.value.message


def test_printed_text_is_checked_when_every_run_is_stored(tmp_path: Path) -> None:
    """A stored build renders without planning; what it prints is checked all the same."""
    my_lab(tmp_path)
    options = BuildOptions(
        student=Student("WA2214014", "杨跃浙", "人工智能"),
        profile="quick",
        build_dir=tmp_path / "build",
        jobs=1,
    )
    with contextlib.suppress(ReportgenError):  # lab4's template needs more runs
        build(load_lab("mylab.toml"), options)
    stored = sorted((tmp_path / "build" / "cache").glob("*/result.json"))
    assert stored
    my_lab(tmp_path, title=f"实验{NO_FONT}")  # the runs' plan is the same
    with pytest.raises(RenderError) as exc:
        build(load_lab("mylab.toml"), options)
    assert exc.value.message.startswith("mylab.toml: title: character U+13000")
    assert sorted((tmp_path / "build" / "cache").glob("*/result.json")) == stored
    assert not list((tmp_path / "build" / "mylab").glob("*.pdf"))
