"""The command line: every bad input gets a one-line error, a non-zero exit, and writes nothing."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import torch
from conftest import QuickBuild, invoke, invoke_fresh

GOOD = ["build", "lab4", "--student", "WA2214014", "--profile", "quick"]
NO_CUDA = "cuda-absent"


def write(name: str, data: bytes):  # noqa: ANN201 (table helper)
    """A setup step: write a file into the case's temp folder, return the args naming it."""

    def setup(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
        (tmp / name).write_bytes(data)
        return ["--notes", str(tmp / name)] if name.endswith(".md") else []

    return setup


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


EMPTY_ZIP = zip_bytes({})
TWO_FILE_ZIP = zip_bytes({"a.txt": "歌".encode(), "b.txt": "词".encode()})


def empty_fontconfig(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A real fontconfig setup that knows no fonts, as on a machine without the packages."""
    (tmp / "fonts.conf").write_text(
        f"<fontconfig><cachedir>{tmp}</cachedir></fontconfig>"
    )
    monkeypatch.setenv("FONTCONFIG_FILE", str(tmp / "fonts.conf"))
    return []


# The bad-input matrix (docs/reliability.md lists it): command, setup, expected error line.
BAD_INPUTS = {
    "unknown lab": (
        ["build", "lab5", "--student", "WA2214014"],
        None,
        "Error: Unknown lab 'lab5'. Did you mean 'lab4'?",
    ),
    "unknown run or experiment": (
        [*GOOD, "--set", "transformer.lr=1"],
        None,
        "Error: --set transformer.lr: lab lab4 has no run or experiment 'transformer'.",
    ),
    "unknown parameter": (
        [*GOOD, "--set", "lstm_scratch.num_hidden=25"],
        None,
        "Error: --set lstm_scratch.num_hidden: lstm_scratch has no parameter 'num_hidden';"
        " did you mean 'num_hiddens'? Its parameters: batch_size, clip_theta, lr,"
        " max_tokens, num_epochs, num_hiddens, num_steps, optimizer, use_random_iter.",
    ),
    "wrong type": (
        [*GOOD, "--set", "lstm_scratch.num_hiddens=25x"],
        None,
        "Error: lstm_scratch.num_hiddens expects an int, got '25x'.",
    ),
    "negative hidden size": (
        [*GOOD, "--set", "lstm_scratch.num_hiddens=-3"],
        None,
        "Error: lstm_scratch: num_hiddens must be at least 1, got -3",
    ),
    "lr 0": (
        [*GOOD, "--set", "rnn_scratch.lr=0"],
        None,
        "Error: rnn_scratch: lr must be positive, got 0.0",
    ),
    "epochs 0": (
        [*GOOD, "--set", "gru_deep.num_epochs=0"],
        None,
        "Error: gru_deep: num_epochs must be at least 1, got 0",
    ),
    "batch larger than the corpus allows": (
        [*GOOD, "--set", "rnn_scratch.batch_size=200"],
        None,
        "Error: rnn_scratch: max_tokens (5000) must exceed (batch_size + 1) × num_steps (7035)"
        " to fill one minibatch at any offset",
    ),
    "cell not among the choices": (
        [*GOOD, "--set", "gru_deep.cell=transformer"],
        None,
        "Error: gru_deep.cell expects one of 'rnn', 'gru', 'lstm', got 'transformer'.",
    ),
    "malformed --set": (
        [*GOOD, "--set", "lr=1"],
        None,
        "Error: Invalid value for '--set': --set expects target.param=value "
        "(e.g. rnn_scratch.num_hiddens=256), got 'lr=1'.",
    ),
    "unknown profile": (
        [*GOOD, "--profile", "fast"],
        None,
        "Error: Invalid value for '--profile': 'fast' is not one of 'course', 'quick'.",
    ),
    "missing student ID": (
        ["build", "lab4", "--profile", "quick"],
        None,
        "Error: Missing --student (your 学号), or set [student] id in reportgen.toml.",
    ),
    "student ID with a path separator": (
        ["build", "lab4", "--student", "../WA22"],
        None,
        "Error: Invalid value for --student: '../WA22' is not a student ID: use letters, digits, '-' and '_'.",
    ),
    "name with control characters": (
        [*GOOD, "--name", "杨\x07跃浙"],
        None,
        "Error: Invalid value for --name: '杨\\x07跃浙' contains a control character (U+0007).",
    ),
    "malformed reportgen.toml": (
        ["build", "lab4"],
        write("reportgen.toml", b'[student]\nid = "WA22\n'),
        "Error: Malformed reportgen.toml: Illegal character '\\n' (at line 2, column 11).",
    ),
    "notes not UTF-8": (
        GOOD,
        write("notes.md", "讨论".encode("gbk")),
        "is not UTF-8 text; save it as UTF-8.",
    ),
    "notes binary": (
        GOOD,
        write("notes.md", b"\x00\x01"),
        "is binary, not Markdown text.",
    ),
    "output folder not writable": (
        [*GOOD, "--build-dir", "{tmp}/file/build"],
        write("file", b"x"),
        "Error: Cannot write into {tmp}/file/build: Not a directory.",
    ),
    "CJK font missing": (
        GOOD,
        empty_fontconfig,
        "Error: Font 'Noto Sans CJK SC' is not installed, so Chinese text would print as"
        " boxes; install it with: sudo apt-get install fonts-dejavu-core fonts-noto-cjk",
    ),
    "corpus missing": (
        [*GOOD, "--corpus", "{tmp}/none.txt"],
        None,
        "Error: Corpus {tmp}/none.txt does not exist.",
    ),
    "corpus empty": (
        [*GOOD, "--corpus", "{tmp}/c.txt"],
        write("c.txt", b"\n"),
        "Corpus {tmp}/c.txt is empty.",
    ),
    "corpus not UTF-8": (
        [*GOOD, "--corpus", "{tmp}/c.txt"],
        write("c.txt", "歌词".encode("gbk")),
        "Corpus {tmp}/c.txt is not UTF-8 (byte 0); save it as UTF-8 and try again.",
    ),
    "corpus binary": (
        [*GOOD, "--corpus", "{tmp}/c.txt"],
        write("c.txt", b"\x00\x01\x02"),
        "Corpus {tmp}/c.txt is a binary file, not UTF-8 text.",
    ),
    "corpus zip with no member": (
        [*GOOD, "--corpus", "{tmp}/c.zip"],
        write("c.zip", EMPTY_ZIP),
        "Corpus {tmp}/c.zip is a zip with 0 files; it must hold exactly one .txt.",
    ),
    "corpus zip with two members": (
        [*GOOD, "--corpus", "{tmp}/c.zip"],
        write("c.zip", TWO_FILE_ZIP),
        "Corpus {tmp}/c.zip is a zip with 2 files; it must hold exactly one .txt.",
    ),
    "corpus for a lab that reads none": (
        [*GOOD, "--corpus", "{tmp}/c.txt"],
        write("c.txt", "歌词".encode()),
        "Error: Lab lab4 takes no --corpus: none of its experiments reads one.",
    ),
    "tangshi corpus neither shipped nor a file": (
        ["build", "tangshi", "--student", "WA2214014", "--set", "tangshi.corpus=poems"],
        None,
        "Error: tangshi: corpus must be tangshi or chinese-poetry or a poem file (--corpus),"
        " got 'poems'",
    ),
    "lyrics corpus set to a missing file": (
        [
            "build",
            "lyrics",
            "--student",
            "WA2214014",
            "--set",
            "lyrics.corpus=/no/such.txt",
        ],
        None,
        "Error: lyrics: corpus '/no/such.txt' is not a file; pass your corpus with --corpus",
    ),
    "lyrics corpus in another encoding": (
        ["build", "lyrics", "--student", "WA2214014", "--corpus", "{tmp}/gbk.txt"],
        write("gbk.txt", "分开的时候".encode("gbk")),
        "Corpus {tmp}/gbk.txt is not UTF-8 (byte 0); save it as UTF-8 and try again.",
    ),
    "--device cuda without CUDA": (
        [*GOOD, "--device", "cuda"],
        NO_CUDA,
        "Error: --device cuda was requested, but torch sees no CUDA device",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_gives_one_line_and_writes_nothing(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args, setup, message = BAD_INPUTS[case]
    if setup == NO_CUDA:
        if torch.cuda.is_available():
            pytest.skip("this machine has CUDA")
        setup = None
    monkeypatch.chdir(tmp_path)
    extra = setup(tmp_path, monkeypatch) if setup else []
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if "--build-dir" not in args:
        args += ["--build-dir", str(tmp_path / "build")]
    result = invoke(*args, *extra)
    assert result.exit_code != 0
    # one error line, usage errors too (no "Usage: …/Try --help" header above it)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert message.replace("{tmp}", str(tmp_path)) in lines[-1]
    assert "Traceback" not in result.output
    assert not (tmp_path / "build").exists()


def test_list_and_help_do_not_import_torch(tmp_path: Path) -> None:
    out, torch_imported = invoke_fresh("list", "--build-dir", str(tmp_path))
    assert (
        "lab4" in out and "rnn_scratch" in out and "experiments/rnn_scratch.py" in out
    )
    assert not torch_imported


def test_status_before_any_build_says_missing(tmp_path: Path) -> None:
    result = invoke(
        "status", "lab4", "--profile", "quick", "--build-dir", str(tmp_path)
    )
    assert result.exit_code == 0
    assert result.output.count("missing  ") == 8


def test_doctor_checks_fonts_torch_and_data() -> None:
    result = invoke("doctor")
    assert "[ok  ] torch: 2.13.0" in result.output
    assert "[ok  ] font Noto Sans CJK SC" in result.output
    assert "[ok  ] matplotlib CJK" in result.output
    assert "[ok  ] data timemachine.txt" in result.output
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ("transformer.lr=1", 2),  # no such target: a usage error
        ("rnn_scratch.nope=3", 2),  # no such parameter: a usage error
        ("experiment:nosuch.lr=1", 2),
        ("rnn_scratch.lr=0", 1),  # a parameter's value out of range
    ],
)
def test_set_errors_exit_like_usage_errors(
    override: str, code: int, tmp_path: Path
) -> None:
    result = invoke(
        "status", "lab4", "--set", override, "--build-dir", str(tmp_path / "b")
    )
    assert result.exit_code == code, result.output


def test_a_misspelt_set_is_refused_before_torch_once_a_build_planned(
    quick_build: QuickBuild,
) -> None:
    """A build remembers the experiments' parameters (reportgen.param_index): a wrong
    ``--set`` answers without importing torch, listing what there is."""
    build_dir = str(quick_build.build_dir)
    # any status or build that imports the experiments (re)writes the index
    assert invoke("status", "lab4", "--build-dir", build_dir).exit_code == 0
    assert list((quick_build.build_dir / "cache" / "params").glob("*.json"))
    for command in (["status", "lab4"], ["build", "lab4", "--student", "WA2214014"]):
        out, torch_imported = invoke_fresh(
            *command, "--set", "rnn_scratch.num_hidden=3", "--build-dir", build_dir
        )
        assert "did you mean 'num_hiddens'? Its parameters: batch_size," in out, out
        assert not torch_imported, command
    out, torch_imported = invoke_fresh(
        "status", "lab4", "--set", "rnn_scrath.lr=3", "--build-dir", build_dir
    )
    assert "has no run or experiment 'rnn_scrath'. Did you mean 'rnn_scratch'?" in out
    assert not torch_imported


def test_status_time_reads_as_a_wait() -> None:
    from reportgen.inventory import _duration

    assert [_duration(s) for s in (4.2, 89, 90, 210)] == ["4 s", "89 s", "1.5 min", "3.5 min"]
