"""docs/security.md, tried from outside: planted checkpoints, paths out of the project, links
in the build folder, foreign build folders, spoofing and non-UTF-8 text, damaged entries.

Each test here failed on the code before the fix it guards (see the commit that added it).
"""

from __future__ import annotations

import json
import os
import shutil
import typing as t
from pathlib import Path

import pytest
from conftest import STUDENT, QuickBuild, invoke

from reportgen.errors import ReportgenError
from reportgen.experiment import RunContext
from reportgen.lab import load_lab, parse_override
from reportgen.plan import plan
from reportgen.restore import CheckpointUnusable
from reportgen.safety import BUILD_MARKER, Roots, UnsafeInput, remove_orphans
from reportgen.store import Store

REPO_LAB4 = Path(__file__).resolve().parent.parent / "labs" / "lab4.toml"


class _RunsAShellCommand:
    """What a hostile pickle holds: unpickling it calls os.system."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[t.Any, ...]:
        return (os.system, (f"touch {self.marker}",))


def test_a_planted_checkpoint_runs_nothing_and_counts_as_absent(tmp_path: Path) -> None:
    import torch

    marker = tmp_path / "pwned"
    checkpoint = tmp_path / "partial" / f"{'a' * 64}.pt"
    checkpoint.parent.mkdir()
    torch.save({"state": _RunsAShellCommand(marker)}, checkpoint)
    ctx = RunContext(0, "cpu", checkpoint_path=checkpoint)
    with pytest.raises(CheckpointUnusable):  # the runner deletes it and starts over
        ctx.load_checkpoint()
    assert not marker.exists()


def test_a_real_checkpoint_still_resumes(tmp_path: Path) -> None:
    import torch

    checkpoint = tmp_path / "partial" / "k.pt"
    ctx = RunContext(3, "cpu", checkpoint_path=checkpoint)
    ctx.log("perplexity", 1, 9.5)
    ctx.save_checkpoint({"model": {"w": torch.ones(2)}, "epoch": 1, "totals": (1.0, 2)})
    again = RunContext(3, "cpu", checkpoint_path=checkpoint)
    state = again.load_checkpoint()
    assert state is not None and state["epoch"] == 1
    assert torch.equal(state["model"]["w"], torch.ones(2))
    assert again.series == {"perplexity": [[1, 9.5]]}


def _project_with_spec(tmp_path: Path, lab_id: str, extra: str) -> Path:
    """A project folder holding a copy of lab4's spec as ``<lab_id>.toml`` plus ``extra``."""
    project = tmp_path / "project"
    project.mkdir()
    text = REPO_LAB4.read_text(encoding="utf-8").replace(
        'notes = "notes/lab4.md"\n', extra
    )
    (project / f"{lab_id}.toml").write_text(text, encoding="utf-8")
    return project


def test_a_spec_cannot_pull_a_local_file_into_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project_with_spec(tmp_path, "mylab", 'notes = "/etc/passwd"\n')
    monkeypatch.chdir(project)
    result = invoke(
        "build", "mylab.toml", *STUDENT, "--profile", "quick", "--build-dir", "b"
    )
    assert result.exit_code == 1
    assert (
        "Error: Notes file /etc/passwd is outside the project folder" in result.output
    )
    assert not list((project / "b").rglob("result.json"))  # refused before training


def test_notes_linked_out_of_the_project_are_refused(quick_build: QuickBuild) -> None:
    link = quick_build.build_dir / "linked-notes.md"
    link.symlink_to("/etc/passwd")
    try:
        result = quick_build.build("--notes", str(link))
    finally:
        link.unlink()
    assert result.exit_code == 1
    assert "(a link to /etc/passwd) is outside the project folder" in result.output
    assert "root:" not in quick_build.markdown.read_text(encoding="utf-8")


def test_a_corpus_parameter_is_checked_like_corpus_and_keyed(tmp_path: Path) -> None:
    inside, outside = tmp_path / "project", tmp_path / "elsewhere"
    inside.mkdir(), outside.mkdir()
    lab = load_lab("lyrics")

    def keys(path: Path) -> set[str]:
        override = parse_override(f"lyrics.corpus={path}")
        return {r.key for r in plan(lab, "quick", [override], roots=Roots.of(inside))}

    secret = outside / "secret.txt"
    secret.write_text("not for the report", encoding="utf-8")
    with pytest.raises(UnsafeInput, match="is outside the project folder"):
        keys(secret)
    binary = inside / "binary.txt"
    binary.write_bytes(b"\x00\x01 lyrics")
    with pytest.raises(ReportgenError, match="is a binary file"):
        keys(binary)
    corpus = inside / "lyrics.txt"
    corpus.write_text("分开 不分开 " * 400, encoding="utf-8")
    before = keys(corpus)
    corpus.write_text("想要 不想要 " * 400, encoding="utf-8")
    assert keys(corpus).isdisjoint(before)  # an edited corpus retrains


@pytest.mark.parametrize("spec_name", ["...toml", "lab-4!.toml"])
def test_a_spec_file_name_must_be_a_lab_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec_name: str
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(REPO_LAB4, tmp_path / spec_name)
    with pytest.raises(ReportgenError, match="its file name must be a lab id"):
        load_lab(str(tmp_path / spec_name))
    with pytest.raises(ReportgenError, match="is not a lab"):
        load_lab(str(tmp_path / ".."))  # the path that used to find '...toml'


def test_a_spec_linked_from_outside_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "mine.toml").symlink_to(REPO_LAB4)
    monkeypatch.chdir(project)
    with pytest.raises(UnsafeInput, match="is outside the project folder"):
        load_lab("mine.toml")


@pytest.mark.parametrize("with_cache", [False, True])
def test_a_foreign_folder_is_not_taken_as_build_folder(
    tmp_path: Path, with_cache: bool
) -> None:
    """Refused, its files kept — also when it holds a folder named ``cache`` (common in
    projects), which alone is not an earlier version's build folder."""
    documents = tmp_path / "documents"
    documents.mkdir()
    if with_cache:
        (documents / "cache" / "pip").mkdir(parents=True)
    (documents / "thesis.docx").write_text("years of work")
    (documents / ".thesis.docx.tmp").write_text("the editor's autosave")
    result = invoke(
        "build", "lab4", *STUDENT, "--profile", "quick", "--build-dir", str(documents)
    )
    assert result.exit_code == 1
    assert "is not a reportgen build folder" in result.output
    assert sorted(p.name for p in documents.iterdir()) == [
        ".thesis.docx.tmp",
        *(["cache"] if with_cache else []),
        "thesis.docx",
    ]


def test_an_earlier_build_folder_is_still_one(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    """A build folder made before the marker existed (its cache holds results) is accepted
    and marked; only this lab's old figure files are cleaned, not other PNGs."""
    build = _copy_of(quick_build, tmp_path)
    (build / BUILD_MARKER).unlink()
    theirs = build / "lab4" / "figures-preview" / "myplot-0123456789abcdef.png"
    theirs.write_bytes(b"a student's own plot")
    result = _quick(build)
    assert result.exit_code == 0, result.output
    assert (build / BUILD_MARKER).is_file() and theirs.exists()


def test_orphan_clean_up_takes_only_reportgens_temp_files(tmp_path: Path) -> None:
    build = tmp_path / "build"
    (build / "cache" / "k").mkdir(parents=True)
    ours = build / "cache" / "k" / ".result.json.abcd_123.reportgen.tmp"
    theirs = [build / ".notes.md.tmp", build / "cache" / ".x.tmp"]
    for path in (ours, *theirs):
        path.write_text("x")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / ".y.json.abcd1234.reportgen.tmp").write_text("not under the build")
    (build / "linked").symlink_to(outside)
    assert remove_orphans(build) == 1
    assert not ours.exists()
    assert all(p.exists() for p in theirs)
    assert (outside / ".y.json.abcd1234.reportgen.tmp").exists()


def _copy_of(qb: QuickBuild, tmp_path: Path) -> Path:
    copy = tmp_path / "build"
    shutil.copytree(qb.build_dir, copy, symlinks=True)
    return copy


def _latest(build: Path) -> dict[str, str]:
    """Run id → key of the quick lab4 build in ``build``."""
    return t.cast(
        dict[str, str], json.loads((build / "cache/latest/lab4-quick.json").read_text())
    )


def _quick(build_dir: Path, *args: str) -> t.Any:
    return invoke(
        "build", "lab4", *STUDENT, "--profile", "quick", "--build-dir", str(build_dir),
        "--notes", str(build_dir / "none.md"), *args,
    )  # fmt: skip


def test_a_linked_figures_folder_is_refused_and_its_files_kept(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    build = _copy_of(quick_build, tmp_path)
    documents = tmp_path / "documents"
    documents.mkdir()
    keep = [documents / "thesis.docx", documents / "curves-0123456789abcdef.png"]
    for path in keep:
        path.write_text("mine")
    shutil.rmtree(build / "lab4" / "figures-preview")
    (build / "lab4" / "figures-preview").symlink_to(documents)
    result = _quick(build)
    assert result.exit_code == 1
    assert "is a symbolic link; reportgen never writes through a link" in result.output
    assert all(p.read_text() == "mine" for p in keep)
    assert sorted(documents.iterdir()) == sorted(keep)


def test_a_linked_cache_entry_is_retrained_inside_the_build(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    build = _copy_of(quick_build, tmp_path)
    latest = _latest(build)
    key = latest["preprocessing"]
    elsewhere = tmp_path / "elsewhere"
    shutil.move(build / "cache" / key, elsewhere)
    (build / "cache" / key).symlink_to(elsewhere)
    before = sorted(p.name for p in elsewhere.iterdir())
    result = _quick(build)
    assert result.exit_code == 0, result.output
    assert "Runs: 1 trained, 7 from cache." in result.output
    assert (build / "cache" / key / "result.json").is_file()
    assert not (build / "cache" / key).is_symlink()
    assert (
        sorted(p.name for p in elsewhere.iterdir()) == before
    )  # nothing written there


def test_damaged_entries_are_reported_not_crashed(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    build = _copy_of(quick_build, tmp_path)
    latest = _latest(build)
    store = Store(build / "cache")
    cut = store.path_for(latest["rnn_concise"])
    data = cut.read_bytes()
    first_multibyte = next(i for i, b in enumerate(data) if b >= 0x80)
    cut.write_bytes(data[: first_multibyte + 1])  # cut inside a character
    stray = store.path_for(latest["lstm_scratch"])
    stray.write_bytes(b"\xff" + stray.read_bytes())
    folder = store.path_for(latest["gru_deep"])
    folder.unlink()
    folder.mkdir()
    planted = store.path_for(latest["lstm_deep"])
    body = json.loads(planted.read_text(encoding="utf-8"))
    body["result"]["metrics"] = ["not", "a", "table"]
    planted.write_text(json.dumps(body), encoding="utf-8")  # wrong shape, any checksum
    for damaged in (cut, stray, folder, planted):
        assert store.load(damaged.parent.name) is None
    for command in (
        ["list", "--build-dir", str(build)],
        ["status", "lab4", "--profile", "quick", "--build-dir", str(build)],
    ):
        result = invoke(*command)
        assert result.exit_code == 0, result.output
    status = invoke("status", "lab4", "--profile", "quick", "--build-dir", str(build))
    assert status.output.count("is corrupt") >= 4  # one warning line each time
    assert status.output.count("  missing  ") == 4


def test_a_result_saved_over_a_damaged_folder_moves_it_aside(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    build = _copy_of(quick_build, tmp_path)
    latest = _latest(build)
    store = Store(build / "cache")
    result = store.load(latest["preprocessing"])
    assert result is not None
    path = store.path_for(result.key)
    path.unlink()
    path.mkdir()
    (path / "a file of someone's").write_text("kept")
    store.save(result)
    assert store.load(result.key) == result
    (aside,) = path.parent.glob("result.json.damaged-*")
    assert (aside / "a file of someone's").read_text() == "kept"


@pytest.mark.parametrize(
    "manifest",
    [
        {"runs": []},
        "a string",
        [1, 2],
        None,
    ],
)
def test_a_manifest_of_the_wrong_shape_is_one_line(
    quick_build: QuickBuild, tmp_path: Path, manifest: object
) -> None:
    build = _copy_of(quick_build, tmp_path)
    path = build / "lab4" / ".build-WA2214014.json"
    if isinstance(manifest, dict):
        manifest = json.loads(path.read_text(encoding="utf-8")) | manifest
    path.write_text(json.dumps(manifest), encoding="utf-8")
    result = invoke(
        "check", "lab4", "--student", "WA2214014", "--build-dir", str(build)
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: No lab4 report for WA2214014")


@pytest.mark.parametrize(
    "name",
    [
        "\u202efdp.exe",  # right-to-left override: displays as 'exe.pdf'
        "杨\u200b跃浙",  # zero-width space
        "\ufeff杨跃浙",  # byte order mark
        "\u2066杨跃浙\u2069",  # bidi isolates
    ],
)
def test_invisible_formatting_characters_are_refused(name: str) -> None:
    result = invoke("build", "lab4", "--student", "WA2214014", "--name", name)
    assert result.exit_code == 2
    assert "contains an invisible formatting character (U+" in result.output


@pytest.mark.parametrize(
    ("option", "value", "problem"),
    [
        ("--name", "\u3164\u3164", "a character that prints as nothing (U+3164)"),
        ("--name", "杨\uffa0", "a character that prints as nothing (U+FFA0)"),
        ("--major", "\u2800", "a character that prints as nothing (U+2800)"),
        (
            "--name",
            "杨" + "\u0301" * 60,
            "more than 4 combining marks on one character",
        ),
    ],
)
def test_blank_looking_text_is_refused(option: str, value: str, problem: str) -> None:
    """Letters that print as nothing would give a file name and header that look empty
    (and pass the empty-name check); stacked combining marks hide what is under them."""
    result = invoke("build", "lab4", "--student", "WA2214014", option, value)
    assert result.exit_code == 2, result.output
    assert f"contains {problem}" in result.output


def test_vietnamese_diacritics_are_a_name() -> None:
    from reportgen.safety import refused_character

    assert refused_character("Nguy\u1ec5n Th\u1ecb Minh") is None
    assert refused_character("Nguye\u0302\u0303n") is None  # decomposed: two marks


@pytest.mark.parametrize(
    "option", ["--name", "--date", "--corpus", "--notes", "--build-dir", "--set"]
)
def test_arguments_that_are_not_utf8_are_one_line(option: str) -> None:
    gbk = os.fsdecode("歌词".encode("gbk"))  # a GBK name as Linux hands it to Python
    value = f"rnn_scratch.lr={gbk}" if option == "--set" else gbk
    result = invoke("build", "lab4", *STUDENT, option, value)
    assert result.exit_code == 1
    assert "contains bytes that are not UTF-8 (byte 0x" in result.output
    assert "Traceback" not in result.output


def test_a_report_name_too_long_in_bytes_fails_before_training(tmp_path: Path) -> None:
    name = "杨" * 64  # 64 characters are allowed; as a file name they are 192 bytes
    result = invoke(
        "build", "lab4", "--student", "W" * 32, "--name", name, "--major", "人工智能",
        "--profile", "quick", "--build-dir", str(tmp_path),
    )  # fmt: skip
    assert result.exit_code == 1
    assert "bytes long; at most 200 fit. Shorten --name." in result.output
    assert not list(tmp_path.rglob("result.json"))


def test_the_pdf_digest_reads_only_the_reports_files(tmp_path: Path) -> None:
    from reportgen.render.pdf_inputs import _inputs_digest

    report = tmp_path / "report"
    report.mkdir()
    outside = tmp_path / "outside.bin"
    outside.write_bytes(b"one")
    html = '<img src="../outside.bin">'
    before = _inputs_digest(html, "", report)
    outside.write_bytes(b"two")
    assert _inputs_digest(html, "", report) == before


def test_a_remembered_plan_follows_the_content_of_a_set_corpus(tmp_path: Path) -> None:
    from reportgen.plan_cache import plan_digest

    corpus = tmp_path / "lyrics.txt"
    corpus.write_text("分开 不分开", encoding="utf-8")
    overrides = [parse_override(f"lyrics.corpus={corpus}")]
    lab = load_lab("lyrics")

    def digest() -> str:
        return plan_digest(
            "0" * 64, lab, "quick", overrides, None, {}, Roots.of(tmp_path)
        )

    before = digest()
    corpus.write_text("想要 不想要", encoding="utf-8")
    assert digest() != before  # the edited file is planned again, so it retrains


def test_modules_and_matplotlibrc_in_the_project_do_not_reach_workers(
    quick_build: QuickBuild, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A spawned worker starts as `python -c`, which puts the working directory first on
    sys.path; matplotlib reads ./matplotlibrc. Neither may act in a handed-in folder."""
    project = tmp_path / "project"
    project.mkdir()
    ran = tmp_path / "ran"
    for module in ("pickle", "multiprocessing", "runpy", "socket"):
        (project / f"{module}.py").write_text(f"open({str(ran)!r}, 'a').write('x')\n")
    (project / "matplotlibrc").write_text("text.usetex : True\nlines.linewidth : 9\n")
    build = _copy_of(quick_build, project)
    shutil.rmtree(build / "lab4" / "figures-preview")  # every figure is drawn by the worker
    monkeypatch.chdir(project)
    result = _quick(build)
    assert result.exit_code == 0, result.output
    assert not ran.exists()
    drawn = {p.name for p in (build / "lab4" / "figures-preview").iterdir()}
    assert drawn == {p.name for p in (quick_build.build_dir / "lab4/figures-preview").iterdir()}


@pytest.mark.parametrize(
    "where",
    ["cache/{key}/result.json", "cache/plans/{plan}", "cache/latest/lab4-quick.json"],
)
def test_json_nested_too_deep_is_a_damaged_file(
    quick_build: QuickBuild, tmp_path: Path, where: str
) -> None:
    build = _copy_of(quick_build, tmp_path)
    key = _latest(build)["gru_deep"]
    plan = next((build / "cache/plans").iterdir()).name
    (build / where.format(key=key, plan=plan)).write_text("[" * 200_000 + "]" * 200_000)
    for command in (
        ["list", "--build-dir", str(build)],
        ["status", "lab4", "--profile", "quick", "--build-dir", str(build)],
    ):
        result = invoke(*command)
        assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    if "plans" in where:  # builds read remembered plans
        result = _quick(build)
        assert result.exit_code == 0 and "Traceback" not in result.output, result.output


def test_a_manifest_nested_too_deep_or_naming_odd_things_is_no_manifest(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    build = _copy_of(quick_build, tmp_path)
    path = build / "lab4" / ".build-WA2214014.json"
    good = json.loads(path.read_text(encoding="utf-8"))
    for bad in (
        "[" * 200_000 + "]" * 200_000,
        json.dumps(good | {"notes_path": "\u202e\x07/etc/passwd"}),
        json.dumps(good | {"seeds": -3}),
        json.dumps(good | {"profile": "../../etc"}),
        json.dumps(good | {"runs": {"rnn_scratch": _run_state("exploded", None)}}),
        json.dumps(good | {"runs": {"rnn_scratch": _run_state("diverged", 10**1000)}}),
        json.dumps(good | {"runs": {"rnn_scratch": _run_state("ok", 3)}}),
    ):
        path.write_text(bad, encoding="utf-8")
        result = invoke(
            "check", "lab4", "--student", "WA2214014", "--build-dir", str(build)
        )
        assert result.exit_code == 1
        assert result.output.startswith("Error: No lab4 report for WA2214014"), bad[:40]


def _run_state(status: str, diverged_at: int | None) -> dict[str, object]:
    return {"key": "0" * 64, "status": status, "diverged_at": diverged_at}


@pytest.mark.parametrize("keep", [[], ["rnn_scratch", "lstm_scratch"]])
def test_a_manifest_that_leaves_runs_out_is_not_ready(
    quick_build: QuickBuild, tmp_path: Path, keep: list[str]
) -> None:
    """Stale runs are found by comparing each run of the manifest with the plan: one that
    lists fewer runs (none) must not hide them, whatever profile it claims."""
    build = _copy_of(quick_build, tmp_path)
    path = build / "lab4" / ".build-WA2214014.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    runs = {run_id: manifest["runs"][run_id] for run_id in keep}
    forged = {"runs": runs, "has_notes": True, "profile": "course"}
    path.write_text(json.dumps(manifest | forged))
    result = invoke(
        "check", "lab4", "--student", "WA2214014", "--build-dir", str(build)
    )
    assert result.exit_code == 1, result.output
    assert "manifest names other runs than the lab plans" in result.output


def test_check_finds_the_pdf_beside_the_manifest_not_where_it_says(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    build = _copy_of(
        quick_build, tmp_path
    )  # the folder moved: the manifest's path is old
    path = build / "lab4" / ".build-WA2214014.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(manifest | {"pdf": "/etc/WA2214014-杨跃浙-Lab-4.pdf"}))
    result = invoke(
        "check", "lab4", "--student", "WA2214014", "--build-dir", str(build)
    )
    assert "is missing" not in result.output, result.output


def test_the_profile_file_is_an_input_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, outside = tmp_path / "project", tmp_path / "outside.toml"
    project.mkdir()
    outside.write_text('[student]\nid = "OUTSIDE1"\n')
    monkeypatch.chdir(project)
    profile = project / "reportgen.toml"
    cases = {
        "is outside the project folder": lambda: profile.symlink_to(outside),
        "nested too deeply": lambda: profile.write_text("a = " + "[" * 30_000),
        "Exceeds the limit": lambda: profile.write_text("a = " + "9" * 5000),
        "the limit is 64 KB": lambda: profile.write_text("#" * 70_000),
    }
    for message, make in cases.items():
        profile.unlink(missing_ok=True)
        make()
        result = invoke("build", "lab4", "--profile", "quick", "--build-dir", "b")
        assert result.exit_code == 1, result.output
        assert message in result.output and "Traceback" not in result.output


def test_a_linked_marker_is_refused_and_nothing_is_written_through_it(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    build = _copy_of(quick_build, tmp_path)
    target = tmp_path / "outside" / "created-by-marker"
    target.parent.mkdir()
    (build / ".reportgen-build").unlink()
    (build / ".reportgen-build").symlink_to(target)
    result = _quick(build)
    assert result.exit_code == 1
    assert "is not reportgen's marker file" in result.output
    assert not target.exists()


def test_a_fifo_in_place_of_a_result_is_moved_aside(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    build = _copy_of(quick_build, tmp_path)
    store = Store(build / "cache")
    key = _latest(build)["preprocessing"]
    result = store.load(key)
    assert result is not None
    store.path_for(key).unlink()
    os.mkfifo(store.path_for(key))
    assert store.load(key) is None
    store.save(result)
    assert store.load(key) == result
    (aside,) = store.path_for(key).parent.glob("result.json.damaged-*")
    assert aside.is_fifo()


def test_a_lab_id_with_a_trailing_newline_is_not_an_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ReportgenError, match="contains a control character"):
        load_lab("lab4\n")
    monkeypatch.chdir(tmp_path)
    shutil.copy(REPO_LAB4, tmp_path / "evil\n.toml")
    (tmp_path / "nice.toml").symlink_to("evil\n.toml")
    with pytest.raises(ReportgenError, match="its file name must be a lab id"):
        load_lab("nice.toml")


@pytest.mark.parametrize(
    "damage",
    [
        lambda r: r["series"].update(perplexity=[[1, float("nan")]]),
        lambda r: r["series"].update(perplexity=[[None, {}]]),
        lambda r: r["metrics"].update(perplexity={}),
        lambda r: r["params"].update(lr=[1, 2]),
        lambda r: r["tables"].update(x=[1]),
    ],
)
def test_a_planted_result_with_a_valid_checksum_is_checked_inside(
    quick_build: QuickBuild,
    tmp_path: Path,
    damage: t.Callable[[dict[str, t.Any]], None],
) -> None:
    from reportgen.store import RunResult

    build = _copy_of(quick_build, tmp_path)
    store = Store(build / "cache")
    key = _latest(build)["rnn_concise"]
    body = json.loads(store.path_for(key).read_text(encoding="utf-8"))["result"]
    damage(body)
    forged = RunResult.__new__(RunResult)
    object.__setattr__(forged, "__dict__", body)  # to_json() computes a valid checksum
    store.path_for(key).write_text(RunResult.to_json(forged), encoding="utf-8")
    assert store.load(key) is None


def test_a_text_parameter_has_a_length_limit() -> None:
    with pytest.raises(ReportgenError, match="at most 1000 are allowed"):
        plan(
            load_lab("tangshi"),
            "quick",
            [parse_override("lstm.begin_chars=" + "日" * 30_000)],
        )


def test_a_damaged_pdf_digest_only_makes_the_pdf_again(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    build = _copy_of(quick_build, tmp_path)
    digest = build / "lab4" / f".{quick_build.pdf.name}.inputs"
    assert digest.is_file()
    digest.write_bytes(b"\xff\xfe\x00garbage")
    result = _quick(build)
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output


@pytest.mark.parametrize(
    "planted", [{"seed": 7}, {"experiment": "gru_scratch"}, {"params": {"lr": 1.0}}]
)
def test_a_result_of_another_run_under_a_key_is_trained_again(
    quick_build: QuickBuild, tmp_path: Path, planted: dict[str, object]
) -> None:
    """An entry with a valid checksum under rnn_scratch's key but another seed, experiment
    or params (planted, or swapped between keys): not used, the run trains again."""
    import dataclasses

    build = _copy_of(quick_build, tmp_path)
    key = _latest(build)["rnn_scratch"]
    store = Store(build / "cache")
    genuine = store.load(key)
    assert genuine is not None
    store.save(dataclasses.replace(genuine, **planted))
    result = _quick(build)
    assert result.exit_code == 0, result.output
    assert (
        f"Cache entry {key[:12]} is not the result of run rnn_scratch" in result.output
    )
    assert "Runs: 1 trained, 7 from cache." in result.output
    retrained = store.load(key)
    assert retrained is not None
    assert (retrained.experiment, retrained.seed, retrained.params) == (
        genuine.experiment,
        genuine.seed,
        genuine.params,
    )


@pytest.mark.parametrize("epochs", ["abc", 0, -5, 10**15, True])
def test_status_of_a_stale_run_with_a_planted_epoch_count(
    quick_build: QuickBuild, tmp_path: Path, epochs: object
) -> None:
    """The time left for a stale run scales by its stored num_epochs only when that is a
    count within the limit; any other stored value (text, zero, huge) is no traceback."""
    import dataclasses

    build = _copy_of(quick_build, tmp_path)
    store = Store(build / "cache")
    genuine = store.load(_latest(build)["rnn_scratch"])
    assert genuine is not None
    store.save(
        dataclasses.replace(genuine, params=genuine.params | {"num_epochs": epochs})
    )
    result = invoke(
        "status", "lab4", "--profile", "quick", "--build-dir", str(build),
        "--set", "rnn_scratch.num_hiddens=64",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "stale    rnn_scratch" in result.output
    assert "about " in result.output and "inf" not in result.output


def test_a_stored_metric_of_the_wrong_kind_says_how_to_train_again(
    quick_build: QuickBuild, tmp_path: Path
) -> None:
    """A well-formed entry whose metric the template cannot use (text for a perplexity):
    the one error line says how to get past it, since the entry itself looks sound."""
    import dataclasses

    build = _copy_of(quick_build, tmp_path)
    store = Store(build / "cache")
    genuine = store.load(_latest(build)["rnn_scratch"])
    assert genuine is not None
    metrics = genuine.metrics | {"perplexity": "abc"}
    store.save(dataclasses.replace(genuine, metrics=metrics))
    result = _quick(build)
    assert result.exit_code == 1, result.output
    (line,) = [x for x in result.output.splitlines() if x.startswith("Error")]
    assert line.endswith("build with --force to train every run again.")
    assert "Traceback" not in result.output
