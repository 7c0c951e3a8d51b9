"""``reportgen init``: a work folder, its notes to fill in, and ejected code that trains."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import STUDENT, invoke

from reportgen.lab import load_lab
from reportgen.non_course import edited_copies
from reportgen.render.notes import unfinished
from reportgen.workspace import notes_text


def test_init_writes_settings_notes_and_gitignore(tmp_path: Path) -> None:
    folder = tmp_path / "lab"
    result = invoke("init", "lab4", str(folder), *STUDENT[:4])
    assert result.exit_code == 0, result.output
    settings = tomllib.loads((folder / "reportgen.toml").read_text(encoding="utf-8"))
    assert settings["student"] == {"id": "WA2214014", "name": "杨跃浙", "major": ""}
    assert settings["build"] == {"format": ["md", "pdf"], "lang": "zh"}
    notes = (folder / "notes" / "lab4.md").read_text(encoding="utf-8")
    for question in load_lab("lab4").exercises:
        assert f"**{question}**" in notes
    assert notes.count("【待填写】") == 5  # analysis, two exercises, problems, summary
    assert "build/" in (folder / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert not (folder / "experiments").exists()  # only --eject copies code


def test_init_keeps_what_exists(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "digitsum.md").write_text("我的讨论", encoding="utf-8")
    result = invoke("init", "digitsum", str(tmp_path))
    assert f"kept   {tmp_path / 'notes' / 'digitsum.md'}" in result.output
    assert (tmp_path / "notes" / "digitsum.md").read_text(encoding="utf-8") == "我的讨论"
    again = invoke("init", "digitsum", str(tmp_path))
    assert again.exit_code == 0 and "wrote" not in again.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nolab"], "Unknown lab 'nolab'. Did you mean 'lab4'?"),
        (["lab4", "--student", "../x"], "'../x' is not a student ID"),
        (["lab4", "--name", "a\u202eb"], "--name"),
    ],
)
def test_init_refuses_bad_input_in_one_line(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = invoke("init", *args[:1], str(tmp_path / "w"), *args[1:])
    assert result.exit_code != 0 and message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "w").exists()


def test_init_into_a_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("x")
    result = invoke("init", "lab4", str(tmp_path / "taken"))
    assert result.exit_code == 2 and "is a file" in result.output


def test_init_checks_every_place_before_writing(tmp_path: Path) -> None:
    (tmp_path / "notes").write_text("a file where the notes folder goes")
    result = invoke("init", "lab4", str(tmp_path), "--eject")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {tmp_path / 'notes'} is a file: init needs a folder there for"
        f" {tmp_path / 'notes' / 'lab4.md'}; move it away.\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes"]  # nothing written
    (tmp_path / "notes").unlink()
    (tmp_path / "reportgen.toml").mkdir()
    refused = invoke("init", "lab4", str(tmp_path))
    assert refused.exit_code == 1 and "reportgen.toml is a folder" in refused.output


def test_english_notes_and_digitsum_question() -> None:
    lab = load_lab("digitsum")
    zh, en = notes_text(lab, "zh"), notes_text(lab, "en")
    assert "如果不使用嵌入层，直接将数字作为 SRN 层输入有什么问题？" in zh
    assert "### Exercises" in en and "[TO BE WRITTEN]" in en
    assert unfinished(zh) and unfinished(en)
    assert not unfinished(zh.replace("【待填写】", "我的回答"))
    assert "### 练习与思考题" not in notes_text(load_lab("gru"), "zh")  # none posed


def test_ejected_spec_takes_the_shipped_ones_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoke("init", "lab4", str(tmp_path), "--eject")
    monkeypatch.chdir(tmp_path)
    assert edited_copies(load_lab("lab4")) == []  # unchanged copies: the course's
    spec = tmp_path / "labs" / "lab4.toml"
    spec.write_text(
        spec.read_text(encoding="utf-8").replace('title = "循环神经网络实验"', 'title = "我的实验"'),
        encoding="utf-8",
    )
    lab = load_lab("lab4")
    assert lab.title == "我的实验" and lab.path == spec.resolve()
    assert edited_copies(lab) == ["labs/lab4.toml"]


KEYS = (
    "import json; from reportgen.experiment import load_experiments;"
    "from reportgen.plan import code_hash;"
    "print(json.dumps({n: code_hash(e) for n, e in load_experiments().items()}))"
)


def _code_hashes(folder: Path) -> dict[str, str]:
    out = subprocess.run(
        [sys.executable, "-c", KEYS], cwd=folder, capture_output=True, text=True, check=True
    )
    hashes: dict[str, str] = json.loads(out.stdout)
    return hashes


def test_ejected_code_keys_follow_its_text(tmp_path: Path) -> None:
    """An unchanged copy has the shipped file's keys (its stored runs are reused); an edit
    changes the keys of its experiments only, and the report names the file."""
    shipped = _code_hashes(tmp_path)
    invoke("init", "lab4", str(tmp_path / "w"), "--eject")
    folder = tmp_path / "w"
    assert _code_hashes(folder) == shipped
    source = folder / "experiments" / "rnn_scratch.py"
    source.write_text(source.read_text(encoding="utf-8") + "\n# mine\n", encoding="utf-8")
    edited = _code_hashes(folder)
    assert {n for n in shipped if edited[n] != shipped[n]} == {"rnn_scratch"}


def test_check_names_what_changed_since_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Notes edited, or a 专业 set in reportgen.toml, after the build: the report does not
    show them, and check says to rebuild; undone, check is quiet about it again."""
    invoke("init", "lab4", str(tmp_path), *STUDENT)
    monkeypatch.chdir(tmp_path)
    notes = tmp_path / "notes" / "lab4.md"
    notes.write_text("我的讨论。\n", encoding="utf-8")
    built = invoke("build", "lab4", "--profile", "quick")
    assert built.exit_code == 0, built.output

    def check() -> str:
        return invoke("check", "lab4").output

    assert "since the report was built" not in check() and "differs" not in check()
    notes.write_text("我的讨论。又写了一句。\n", encoding="utf-8")
    assert "notes/lab4.md changed since the report was built: rebuild" in check()
    notes.write_text("我的讨论。\n\n", encoding="utf-8")  # the same text as shown
    assert "since the report was built" not in check()
    notes.unlink()
    assert "notes/lab4.md changed since the report was built" in check()
    settings = tmp_path / "reportgen.toml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace('"人工智能"', '"计算机科学"'),
        encoding="utf-8",
    )
    assert "[student] major in reportgen.toml differs from the report's ('人工智能')" in check()


def test_list_names_an_own_file_that_does_not_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoke("init", "lab4", str(tmp_path), "--eject")
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "experiments" / "lstm_scratch.py"
    lines = source.read_text(encoding="utf-8").count("\n")
    source.write_text(source.read_text(encoding="utf-8") + "= = 64\n", encoding="utf-8")
    listed = invoke("list", "--build-dir", str(tmp_path / "build")).output
    assert f"(does not load)      experiments/lstm_scratch.py          line {lines + 1}: invalid syntax" in listed
    assert "rnn_concise          experiments/rnn_concise.py" in listed  # the rest is listed
