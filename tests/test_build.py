"""End to end: a quick lab4 build, its PDF's text, caching across rebuilds, and user text."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import re
import signal
from pathlib import Path

import pytest
from conftest import STUDENT, QuickBuild, invoke, invoke_fresh, pdf_text
from PIL import Image

from reportgen.errors import RenderError
from reportgen.lab import load_lab
from reportgen.lang import lang
from reportgen.render.context import format_number
from reportgen.render.figures import BackgroundFigures, figure_files
from reportgen.store import RunResult, Store

PREVIEW_MARK = lang("zh")("plot.preview_mark")
SECTIONS = ["[实验名称]", "[实验目的]", "[实验要求]", "[实验内容]", "[小结或讨论]"]
PARTS = [
    "1. 文本数据预处理",
    "2. 从零实现循环神经网络",
    "3. 循环神经网络的简洁实现",
    "4. 长短期记忆网络 LSTM",
    "5. 深度循环神经网络",
]


def stored_metric(qb: QuickBuild, run_id: str, name: str) -> float:
    return quick_results(qb)[run_id].metrics[name]


def quick_results(qb: QuickBuild) -> dict[str, RunResult]:
    """The stored results of the quick build's latest runs, by run id."""
    keys = json.loads(
        (qb.build_dir / "cache" / "latest" / "lab4-quick.json").read_text()
    )
    store = Store(qb.build_dir / "cache")
    found = {run_id: store.load(key) for run_id, key in keys.items()}
    return {run_id: r for run_id, r in found.items() if r is not None}


def test_first_build_trains_every_run_and_writes_the_report(
    quick_build: QuickBuild,
) -> None:
    assert "Runs: 8 trained, 0 from cache." in quick_build.first.output
    assert quick_build.pdf.is_file() and quick_build.markdown.is_file()
    markdown = quick_build.markdown.read_text(encoding="utf-8")
    figures = re.findall(r"\]\((figures-preview/[^)]+\.png)\)", markdown)
    assert len(figures) == 5
    for figure in figures:  # real images, drawn at 200 dpi
        with Image.open(quick_build.markdown.parent / figure) as image:
            assert image.format == "PNG" and image.width > 1000
    assert "$$" in markdown  # formulas stay LaTeX in the Markdown; the PDF shows images


def test_longest_runs_are_trained_first(quick_build: QuickBuild) -> None:
    # [k/8] numbers the runs in the order they start: by schedule weight, ties in lab order
    started = dict(re.findall(r"\[(\d)/8\] (\w+): done", quick_build.first.output))
    assert [started[str(k)] for k in range(1, 9)] == [
        "lstm_deep",  # 2 layers × 4 gates
        "gru_deep",  # 2 layers × 3 gates
        "rnn_scratch",  # one 512 × 512 matrix = four of 256 × 256
        "rnn_scratch_random",
        "lstm_scratch",
        "rnn_concise_2layers",
        "rnn_concise",
        "preprocessing",  # no weight: trains nothing
    ]


def test_pdf_has_header_sections_and_stored_numbers(quick_build: QuickBuild) -> None:
    text = pdf_text(quick_build.pdf)
    for expected in [
        "《深度学习与神经网络》实验报告 4",
        "WA2214014",
        "杨跃浙",
        "人工智能",
        "教师签字",
        "成绩",
        "循环神经网络实验",
        *SECTIONS,
        *PARTS,
    ]:
        assert expected in text, expected
    assert "3,221" in text and "170,580" in text and "(32, 35)" in text
    for run_id in ["rnn_scratch", "lstm_scratch", "gru_deep"]:
        assert format_number(stored_metric(quick_build, run_id, "perplexity")) in text


def test_every_page_says_quick_preview_and_is_numbered(quick_build: QuickBuild) -> None:
    pages = pdf_text(quick_build.pdf).split("\f")[:-1]
    assert len(pages) >= 8
    for number, page in enumerate(pages, 1):
        assert "快速预览" in page
        assert f"第 {number} 页 共 {len(pages)} 页" in page


def test_missing_notes_give_a_placeholder_and_a_warning(
    quick_build: QuickBuild,
) -> None:
    assert "No discussion found at" in quick_build.first.output
    assert "【待填写】" in pdf_text(quick_build.pdf)


def test_rebuild_trains_nothing_and_notes_appear(
    quick_build: QuickBuild, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the project folder, where the notes are
    notes = tmp_path / "notes.md"
    notes.write_text(
        "我发现 **GRU** 收敛更快。\n\n<script>alert(1)</script>", encoding="utf-8"
    )
    result = quick_build.build("--notes", str(notes))
    assert result.exit_code == 0, result.output
    assert "Runs: 0 trained, 8 from cache." in result.output
    text = pdf_text(quick_build.pdf)
    assert "我发现 GRU 收敛更快。" in text and "【待填写】" not in text
    assert "<script>alert(1)</script>" in text  # shown as text, never run


def test_set_retrains_exactly_the_affected_run(quick_build: QuickBuild) -> None:
    result = quick_build.build("--set", "lstm_scratch.num_hiddens=32")
    assert result.exit_code == 0, result.output
    assert "Overriding: lstm_scratch.num_hiddens = 32" in result.output
    assert "Runs: 1 trained, 7 from cache." in result.output
    assert re.search(r"trained \(num_hiddens: \d+ → 32\): lstm_scratch\n", result.output)
    # planning a different value now: the run built last time is stale, the rest cached
    status = invoke(
        "status",
        "lab4",
        "--profile",
        "quick",
        "--build-dir",
        str(quick_build.build_dir),
        "--set",
        "lstm_scratch.num_hiddens=64",
    )
    assert "stale    lstm_scratch (params changed: num_hiddens)" in status.output
    assert status.output.count("cached   ") == 7
    why = invoke(
        "status", "lab4", "--profile", "quick", "--why",
        "--build-dir", str(quick_build.build_dir), "--set", "lstm_scratch.num_hiddens=64",
    )
    assert "stale    lstm_scratch: num_hiddens: 32 → 64\n" in why.output
    assert "To train: about" in status.output


def test_name_with_markup_is_printed_literally(quick_build: QuickBuild) -> None:
    name = "<script>{{7*7}}</script>"
    result = invoke(
        "build",
        "lab4",
        "--student",
        "WA2214014",
        "--name",
        name,
        "--profile",
        "quick",
        "--build-dir",
        str(quick_build.build_dir),
    )
    assert result.exit_code == 0, result.output
    pdfs = list((quick_build.build_dir / "lab4").glob("WA2214014-_script_*-Lab-4-preview.pdf"))
    assert len(pdfs) == 1  # '<', '>', '/', '*' never reach the file name
    assert name in pdf_text(pdfs[0])
    assert "Runs: 0 trained" in result.output


def test_run_records_carry_device_seed_and_timing(quick_build: QuickBuild) -> None:
    text = pdf_text(quick_build.pdf)
    assert "附录：运行记录" in text and "2.13.0" in text and "cpu" in text
    store = Store(quick_build.build_dir / "cache")
    results = [store.load(k) for k in store.keys()]
    assert results and all(
        r is not None and r.wall_seconds > 0 and r.seed == 0 for r in results
    )


def test_student_profile_file_supplies_the_fields(
    quick_build: QuickBuild, tmp_path: Path, monkeypatch
) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    Path("reportgen.toml").write_text(
        '[student]\nid = "WA2214014"\nname = "杨跃浙"\nmajor = "人工智能"\n',
        encoding="utf-8",
    )
    result = invoke(
        "build", "lab4", "--profile", "quick", "--build-dir", str(quick_build.build_dir)
    )
    assert result.exit_code == 0, result.output
    assert "Runs: 0 trained" in result.output
    assert STUDENT[3] in pdf_text(quick_build.pdf)


def test_unchanged_rebuild_reuses_pdf_and_figures(quick_build: QuickBuild) -> None:
    assert quick_build.build().exit_code == 0
    figures = quick_build.markdown.parent / "figures-preview"
    # one file per figure: earlier tests' builds (other results) left no stale versions
    assert len(list(figures.glob("*.png"))) == 5
    (figure,) = figures.glob("ppl_all-*.png")
    before = (quick_build.pdf.stat().st_mtime_ns, figure.stat().st_mtime_ns)
    result = quick_build.build()
    assert result.exit_code == 0 and "Runs: 0 trained" in result.output
    assert (quick_build.pdf.stat().st_mtime_ns, figure.stat().st_mtime_ns) == before
    assert oct(quick_build.markdown.stat().st_mode & 0o777) == oct(
        0o666 & ~current_umask()
    )


def current_umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_rebuild_of_stored_runs_imports_no_torch(quick_build: QuickBuild) -> None:
    """A remembered plan whose runs are all stored renders without importing torch."""
    assert quick_build.build().exit_code == 0  # remembers the plan if no test did yet
    out, torch_imported = invoke_fresh(
        "build",
        "lab4",
        *STUDENT,
        "--profile",
        "quick",
        "--build-dir",
        str(quick_build.build_dir),
    )
    assert "all 8 runs are stored, nothing to train" in out, out
    assert "Runs: 0 trained, 8 from cache." in out
    assert not torch_imported


def test_status_and_check_after_a_build_import_no_torch(quick_build: QuickBuild) -> None:
    """The remembered plan answers ``status`` and ``check`` (docs/cli.md): no torch."""
    assert quick_build.build().exit_code == 0
    where = ["--build-dir", str(quick_build.build_dir)]
    out, torch_imported = invoke_fresh("status", "lab4", "--profile", "quick", *where)
    assert out.splitlines()[1:] == [
        *(f"  cached   {run.id}" for run in load_lab("lab4").runs),
        "Everything is cached: a build only re-renders.",
    ]
    assert not torch_imported
    out, torch_imported = invoke_fresh("check", "lab4", "--student", "WA2214014", *where)
    assert "The report holds quick-profile preview results" in out
    assert "is stale" not in out and not torch_imported
    # a --set the plan does not know: planned afresh (torch), and told what would train
    out, torch_imported = invoke_fresh(
        "status", "lab4", "--profile", "quick", "--set", "lstm_scratch.lr=2", *where
    )
    assert "lstm_scratch" in out and "Everything is cached" not in out and torch_imported


def test_damaged_remembered_plan_is_planned_again(quick_build: QuickBuild) -> None:
    plans = list((quick_build.build_dir / "cache" / "plans").glob("*.json"))
    assert plans
    for path in plans:
        path.write_text("{not json", encoding="utf-8")
    result = quick_build.build()
    assert result.exit_code == 0, result.output
    assert "nothing to train" not in result.output  # planned (and imported torch) again
    assert "Runs: 0 trained, 8 from cache." in result.output
    assert quick_build.build().output.count("nothing to train") == 1  # remembered again


def test_figures_drawn_in_the_background_are_the_report_s(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    lab, results = load_lab("lab4"), quick_results(quick_build)
    folder = tmp_path / "figures-preview"  # as the quick build's, with its mark
    files = figure_files(lab, results, folder, PREVIEW_MARK)
    assert len(files.missing) == 5
    with BackgroundFigures(lab, results, files) as figures:
        figures.wait()
    assert figure_files(lab, results, folder, PREVIEW_MARK).missing == ()
    for path in files.paths.values():  # same inputs, same bytes, whichever process drew
        report_figure = quick_build.markdown.parent / path
        assert (tmp_path / path).read_bytes() == report_figure.read_bytes()


def red_pixels(png: Path) -> int:
    """Pixels of the preview mark's red (#b00020, faint) in an RGB(A) PNG."""
    image = Image.open(png).convert("RGB")
    return sum(1 for r, g, b in image.getdata() if r > g + 20 and r > b + 10)


def test_a_preview_s_figures_carry_its_mark(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    lab, results = load_lab("lab4"), quick_results(quick_build)
    marked = figure_files(lab, results, tmp_path / "marked", PREVIEW_MARK)
    plain = figure_files(lab, results, tmp_path / "plain")
    assert set(marked.paths.values()).isdisjoint(plain.paths.values())  # other names
    for files in (marked, plain):
        with BackgroundFigures(lab, results, files) as figures:
            figures.wait()
    # ppl_all: one of seven lines is red; the mark adds thousands of red pixels
    assert red_pixels(tmp_path / marked.paths["ppl_all"]) > red_pixels(
        tmp_path / plain.paths["ppl_all"]
    ) + 5000


def test_a_figure_that_cannot_be_drawn_is_a_one_line_error(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    lab, results = load_lab("lab4"), quick_results(quick_build)
    broken = dataclasses.replace(results["lstm_scratch"], series={"perplexity": [[1]]})
    results["lstm_scratch"] = broken  # a point without a value
    files = figure_files(lab, results, tmp_path / "figures")
    with pytest.raises(RenderError, match="Error rendering figure 'ppl_lstm_scratch'"):
        with BackgroundFigures(lab, results, files) as figures:
            figures.wait()


def test_a_killed_figure_worker_is_a_one_line_error(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    lab, results = load_lab("lab4"), quick_results(quick_build)
    files = figure_files(lab, results, tmp_path / "figures")
    with pytest.raises(RenderError, match="stopped before it finished"):
        with BackgroundFigures(lab, results, files) as figures:
            (worker,) = multiprocessing.active_children()
            os.kill(worker.pid, signal.SIGKILL)  # as the OOM killer would
            figures.wait()
