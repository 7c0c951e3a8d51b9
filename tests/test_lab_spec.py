"""Malformed lab specs: every problem is one LabSpecError naming the file and the key path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reportgen.errors import LabSpecError, ParamError
from reportgen.lab import load_lab, parse_override
from reportgen.plan import plan

HEAD = 'number = 9\ntitle = "t"\ncourse = "c"\ntemplate = "lab4.md.j2"\n'
RUN = HEAD + '[runs.a]\nexperiment = "rnn_scratch"\n'
SWEPT = (
    HEAD + '[runs.h]\nexperiment = "rnn_concise"\ngrid = { num_hiddens = [8, 16] }\n'
)
FIGURE = '[[figures]]\nid = "f"\nruns = ["a"]\nseries = "s"\n'
RANGE = "a number parameter must be finite, and an integer within ±2**53 (9007199254740992)."

# body of demo.toml -> the whole message (after "Error: ")
MALFORMED: dict[str, tuple[str | bytes, str]] = {
    "runs not a table": (
        HEAD + "runs = 3\n",
        "demo.toml: runs: expected a table, got 3",
    ),
    "a run not a table": (
        HEAD + 'runs.x = "a"\n',
        "demo.toml: runs.x: expected a table, got 'a'",
    ),
    "figures a table": (
        HEAD + "figures = {}\n" + '[runs.a]\nexperiment = "rnn_scratch"\n',
        "demo.toml: figures: expected a list, got {}",
    ),
    "a figure not a table": (
        HEAD + "figures = [1]\n" + '[runs.a]\nexperiment = "rnn_scratch"\n',
        "demo.toml: figures[0]: expected a table, got 1",
    ),
    "a profile not a table": (
        RUN + "[profiles]\nquick = 5\n",
        "demo.toml: profiles.quick: expected a table, got 5",
    ),
    "params not a table": (
        RUN + "params = [1]\n",
        "demo.toml: runs.a.params: expected a table, got [1]",
    ),
    "grid axis not a list": (
        RUN + "grid = { a = 1 }\n",
        "demo.toml: runs.a.grid.a: expected a non-empty list of values, got 1",
    ),
    "grid value a table": (
        RUN + "grid = { num_hiddens = [{}] }\n",
        "demo.toml: runs.a.grid.num_hiddens: expected strings, numbers or booleans, got {}",
    ),
    "grid value not finite": (
        RUN + "grid = { lr = [nan] }\n",
        f"demo.toml: runs.a.grid.lr: nan is out of range: {RANGE}",
    ),
    "choose not a table": (
        RUN + "choose = 3\n",
        "demo.toml: runs.a.choose: expected a table, got 3",
    ),
    "a choice not a table": (
        RUN + 'choose = { num_hiddens = "hidden" }\n',
        "demo.toml: runs.a.choose.num_hiddens: expected a table, got 'hidden'",
    ),
    "a choice with a misspelt key": (
        RUN + 'choose = { num_hiddens = { form = "h", metric = "m" } }\n',
        "Lab spec demo.toml has 2 problems:\n"
        "  demo.toml: runs.a.choose.num_hiddens.form: unknown key; did you mean 'from'?\n"
        "  demo.toml: runs.a.choose.num_hiddens.from: missing",
    ),
    "a misspelt run key": (
        RUN + "param = { lr = 2.0 }\n",
        "demo.toml: runs.a.param: unknown key; did you mean 'params'?",
    ),
    "an unknown top-level key": (
        HEAD + "zzz = 1\n" + '[runs.a]\nexperiment = "rnn_scratch"\n',
        "demo.toml: zzz: unknown key; expected one of number, title, course,"
        " template, notes, exercises, seed, runs, figures, profiles, en",
    ),
    "a group name with a line break": (
        HEAD + '[runs."a\\nb"]\nexperiment = "rnn_scratch"\n',
        "demo.toml: runs: key 'a\\nb' holds control or invisible characters",
    ),
    "a top-level key with a tab": (
        '"x\\ty" = 1\n' + RUN,
        "demo.toml: key 'x\\ty' holds control or invisible characters",
    ),
    "a run key with a bidi override": (
        RUN + '"\\u202enotes" = 1\n',
        "demo.toml: runs.a: key '\\u202enotes' holds control or invisible characters",
    ),
    "a parameter name with a zero-width space": (
        RUN + 'params = { "lr\\u200b" = 1.0 }\n',
        "demo.toml: runs.a.params: key 'lr\\u200b' holds control or invisible characters",
    ),
    "figure runs holding a list": (
        RUN + '[[figures]]\nid = "f"\nruns = [[1]]\nseries = "s"\n',
        "demo.toml: figures[0].runs: expected a list of strings, got [1] in it",
    ),
    "figure groups holding a table": (
        RUN + '[[figures]]\nid = "f"\ngroups = [{}]\nseries = "s"\n',
        "demo.toml: figures[0].groups: expected a list of strings, got {} in it",
    ),
    "figure series empty": (
        RUN + '[[figures]]\nid = "f"\nruns = ["a"]\nseries = []\n',
        "demo.toml: figures[0].series: expected a series name or a non-empty list of them",
    ),
    "figure legend of numbers": (
        RUN + FIGURE + "legend = [1]\n",
        "demo.toml: figures[0].legend: expected a list of strings, got 1 in it",
    ),
    "figure id a path": (
        RUN + '[[figures]]\nid = "../../x"\nruns = ["a"]\nseries = "s"\n',
        "demo.toml: figures[0].id: expected 1-64 letters, digits, '-' or '_'"
        " (it names a file), got '../../x'",
    ),
    "figure id twice": (
        RUN + FIGURE + FIGURE,
        "demo.toml: figures[1].id: 'f' is the id of an earlier figure",
    ),
    "by_value along an axis not swept": (
        SWEPT + '[[figures]]\nid = "f"\ngroups = ["h"]\nkind = "by_value"\nx = "lr"\n'
        'series = "s"\n',
        "demo.toml: figures[0].x: group 'h' does not sweep 'lr'",
    ),
    "label positional field": (
        RUN + 'label = "{0}"\n',
        "demo.toml: runs.a.label: {0} in '{0}' is not one of {seed}",
    ),
    "label attribute": (
        RUN + 'label = "{seed.real}"\n',
        "demo.toml: runs.a.label: {seed.real} in '{seed.real}' is not one of {seed}",
    ),
    "label index": (
        SWEPT + 'label = "{num_hiddens[0]}"\n',
        "demo.toml: runs.h.label: {num_hiddens[0]} in '{num_hiddens[0]}' is not one of"
        " {num_hiddens}, {seed}",
    ),
    "label conversion": (
        RUN + 'label = "{seed!x}"\n',
        "demo.toml: runs.a.label: unknown conversion !x in '{seed!x}'",
    ),
    "label huge width": (
        RUN + 'label = "{seed:>999999999}"\n',
        "demo.toml: runs.a.label: format spec '>999999999' in '{seed:>999999999}':"
        " widths and precisions are at most 99, with no nested fields",
    ),
    "label nested field": (
        RUN + 'label = "{seed:{seed}}"\n',
        "demo.toml: runs.a.label: format spec '{seed}' in '{seed:{seed}}':"
        " widths and precisions are at most 99, with no nested fields",
    ),
    "label format the value cannot take": (
        RUN + 'label = "{seed:c}"\nseed = 4294967295\n',
        "demo.toml: runs.a.label: cannot fill '{seed:c}' for seed=4294967295:"
        " %c arg not in range(0x110000)",
    ),
    "label unclosed": (
        RUN + 'label = "{seed"\n',
        "demo.toml: runs.a.label: cannot read '{seed': expected '}' before end of string",
    ),
    "seed negative": (
        RUN + "seed = -1\n",
        "demo.toml: runs.a.seed: a seed must be within 0 … 4294967295 (2**32 − 1), got -1",
    ),
    "seed too large": (
        HEAD
        + "seed = 1180591620717411303424\n"
        + '[runs.a]\nexperiment = "rnn_scratch"\n',
        "demo.toml: seed: a seed must be within 0 … 4294967295 (2**32 − 1),"
        " got 1180591620717411303424",
    ),
    "seeds holding a string": (
        RUN + 'seeds = [0, "1"]\n',
        "demo.toml: runs.a.seeds: expected an integer seed, got '1'",
    ),
    "seed listed twice": (
        RUN + "seeds = [0, 0]\n",
        "demo.toml: runs.a: two runs are named 'a[seed=0]': a grid value or seed"
        " listed twice?",
    ),
    "lab number out of range": (
        RUN.replace("number = 9", "number = -3"),
        "demo.toml: number: expected a lab number within 1 … 999, got -3",
    ),
    "template that does not exist": (
        RUN.replace("lab4.md.j2", "../README.md"),
        "demo.toml: template: no template '../README.md' in templates/",
    ),
    "not UTF-8": (
        ("# 实验\n" + RUN).encode("gbk"),
        "Lab spec demo.toml is not UTF-8 (byte 4); save it as UTF-8.",
    ),
    "nested too deeply": (
        RUN + "x = " + "[" * 5000 + "]" * 5000 + "\n",
        "Malformed lab spec demo.toml: nested too deeply.",
    ),
    "an integer too long to read": (
        RUN + "seed = " + "1" * 5000 + "\n",
        "Malformed lab spec demo.toml: Exceeds the limit (4300 digits) for integer string"
        " conversion: value has 5000 digits; use sys.set_int_max_str_digits() to increase"
        " the limit.",
    ),
}


def spec_dir(tmp_path: Path, body: str | bytes) -> Path:
    data = body.encode() if isinstance(body, str) else body
    (tmp_path / "demo.toml").write_bytes(data)
    return tmp_path


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_spec_is_one_line_naming_file_and_key(
    case: str, tmp_path: Path
) -> None:
    body, message = MALFORMED[case]
    with pytest.raises(LabSpecError) as exc:
        load_lab("demo", spec_dir(tmp_path, body))
    assert exc.value.message == message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("8,inf", f"inf is out of range: {RANGE}"),
        ("8" * 30, f"888888888888888888888888888888 is out of range: {RANGE}"),
        (  # not TOML for Python (beyond 4300 digits): the text itself
            "1" * 5000,
            f"a grid value has at most 100 characters, got '{'1' * 27}...{'1' * 28}'",
        ),
    ],
    ids=["inf", "30 digits", "5000 digits"],
)
def test_set_of_grid_values_is_checked_like_the_spec(
    tmp_path: Path, value: str, message: str
) -> None:
    with pytest.raises(LabSpecError) as exc:
        load_lab(
            "demo",
            spec_dir(tmp_path, SWEPT),
            overrides=[parse_override(f"h.num_hiddens={value}")],
        )
    where = "runs.h.grid.num_hiddens (--set h.num_hiddens)"
    assert exc.value.message == f"demo.toml: {where}: {message}"


def test_set_of_a_grid_value_toml_cannot_read_is_a_word_for_the_params_check(
    tmp_path: Path,
) -> None:
    override = parse_override("h.num_hiddens=[[[")
    lab = load_lab("demo", spec_dir(tmp_path, SWEPT), overrides=[override])
    with pytest.raises(ParamError) as exc:
        plan(lab, overrides=[override])
    assert exc.value.message == (
        "demo.toml: runs.h[num_hiddens=[[[,seed=0].params.num_hiddens expects an int,"
        " got '[[['."
    )


def test_labels_may_format_grid_values_and_seeds(tmp_path: Path) -> None:
    body = (
        SWEPT + 'seeds = [0, 4294967295]\nlabel = "h={num_hiddens:>4} s={seed!r:.3}"\n'
    )
    lab = load_lab("demo", spec_dir(tmp_path, body))
    assert [r.label for r in lab.runs] == [
        "h=   8 s=0",
        "h=   8 s=429",
        "h=  16 s=0",
        "h=  16 s=429",
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"one"', "exercises: expected a list, got 'one'"),
        ('["ok", 3]', "exercises: item 2 must be a non-empty string"),
        ('[" "]', "exercises: item 1 must be a non-empty string"),
    ],
)
def test_exercises_must_be_a_list_of_questions(
    tmp_path: Path, value: str, message: str
) -> None:
    spec = tmp_path / "demo.toml"
    spec.write_text(
        HEAD + f"exercises = {value}\n" + '[runs.a]\nexperiment = "rnn_scratch"\n',
        encoding="utf-8",
    )
    with pytest.raises(LabSpecError, match=re.escape(message)):
        load_lab("demo", directory=tmp_path)
