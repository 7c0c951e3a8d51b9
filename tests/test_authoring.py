"""Authoring mistakes fail loudly before training: every problem of a spec at once, profile
keys that no experiment has, figure series no run records, a broken experiment file, and
`reportgen validate`."""

from __future__ import annotations

import sys
import typing as t
import uuid
from pathlib import Path

import pytest
from conftest import invoke
from views_data import result

from reportgen import experiment as experiment_mod
from reportgen.authoring import check_figure_series
from reportgen.errors import LabSpecError
from reportgen.inventory import experiment_names
from reportgen.lab import load_lab
from reportgen.paths import TEMPLATES_DIR
from reportgen.plan import plan

HEAD = 'number = 9\ntitle = "t"\ncourse = "c"\ntemplate = "lab4.md.j2"\n'
RUN = HEAD + '[runs.a]\nexperiment = "rnn_scratch"\n'


def spec(tmp_path: Path, body: str, name: str = "demo") -> Path:
    (tmp_path / f"{name}.toml").write_text(body, encoding="utf-8")
    return tmp_path


def test_every_unknown_key_of_a_spec_is_reported_at_once(tmp_path: Path) -> None:
    body = (
        HEAD.replace("course", "cours")
        + '[runs.a]\nexperiment = "rnn_scratch"\nparms = { lr = 2.0 }\n'
        + '[runs.b]\nexperiment = "rnn_scratch"\nlabl = "b"\n'
        + '[[figures]]\nid = "f"\nruns = ["a"]\nseries = "perplexity"\nxlabl = "e"\n'
    )
    with pytest.raises(LabSpecError) as exc:
        load_lab("demo", spec(tmp_path, body))
    assert exc.value.message == (
        "Lab spec demo.toml has 5 problems:\n"
        "  demo.toml: cours: unknown key; did you mean 'course'?\n"
        "  demo.toml: runs.a.parms: unknown key; did you mean 'params'?\n"
        "  demo.toml: runs.b.labl: unknown key; did you mean 'label'?\n"
        "  demo.toml: figures[0].xlabl: unknown key; did you mean 'xlabel'?\n"
        "  demo.toml: course: missing"
    )


def test_a_broken_run_group_is_not_reported_again_by_its_figures(
    tmp_path: Path,
) -> None:
    body = (
        RUN
        + "seed = -1\n"
        + '[[figures]]\nid = "f"\nruns = ["a"]\nseries = "s"\nkind = "pie"\n'
    )
    with pytest.raises(LabSpecError) as exc:
        load_lab("demo", spec(tmp_path, body))
    assert exc.value.message == (
        "Lab spec demo.toml has 2 problems:\n"
        "  demo.toml: runs.a.seed: a seed must be within 0 … 4294967295 (2**32 − 1),"
        " got -1\n"
        "  demo.toml: figures[0].kind: expected one of curves, bars, panels, by_value,"
        " heatmap, got 'pie'"
    )


def test_a_profile_key_no_experiment_has_is_refused(tmp_path: Path) -> None:
    """Before: num_epoch was ignored and the quick run trained its 500 epochs."""
    lab = load_lab("demo", spec(tmp_path, RUN + "[profiles.quick]\nnum_epoch = 10\n"))
    with pytest.raises(LabSpecError) as exc:
        plan(lab, "quick")
    assert exc.value.message == (
        "demo.toml: profiles.quick.num_epoch: no experiment of this lab's runs has this"
        " parameter; did you mean 'num_epochs'?"
    )


def test_a_profile_key_of_one_of_the_experiments_is_accepted(tmp_path: Path) -> None:
    body = (
        RUN
        + '[runs.p]\nexperiment = "text_preprocessing"\n'
        + "[profiles.quick]\nnum_epochs = 2\n"
    )
    planned = plan(load_lab("demo", spec(tmp_path, body)), "quick")
    assert [r.params.num_epochs for r in planned if r.id == "a"] == [2]


def test_spec_problems_found_with_the_experiments_come_together(
    tmp_path: Path,
) -> None:
    body = (
        RUN
        + "params = { num_hidden = 3 }\n"
        + '[runs.b]\nexperiment = "rnn_scrach"\n'
        + "[profiles.quick]\nnum_epoch = 10\n"
    )
    with pytest.raises(LabSpecError) as exc:
        plan(load_lab("demo", spec(tmp_path, body)))
    assert exc.value.message.splitlines() == [
        "Lab spec demo.toml has 3 problems:",
        "  Unknown parameter 'demo.toml: runs.a.params.num_hidden'. Did you mean"
        " 'num_hiddens'?",
        "  demo.toml: runs.b: unknown experiment 'rnn_scrach'. Did you mean"
        " 'rnn_scratch'?",
        "  demo.toml: profiles.quick.num_epoch: no experiment of this lab's runs has"
        " this parameter; did you mean 'num_epochs'?",
    ]


FIGURES = (
    HEAD
    + '[runs.a]\nexperiment = "rnn_scratch"\n[runs.b]\nexperiment = "rnn_scratch"\n'
    + '[[figures]]\nid = "ppl"\nruns = ["a", "b"]\nseries = "perplexty"\n'
    + '[[figures]]\nid = "ok"\nruns = ["a"]\nseries = "perplexity"\n'
)


def test_a_figure_series_no_run_records_is_an_error(tmp_path: Path) -> None:
    lab = load_lab("demo", spec(tmp_path, FIGURES))
    results = {r: result(series={"perplexity": [[1, 9.0]]}) for r in ("a", "b")}
    with pytest.raises(LabSpecError) as exc:
        check_figure_series(lab, results)
    assert exc.value.message == (
        "demo.toml: figure 'ppl': no run of it records series 'perplexty' (runs a, b);"
        " did you mean 'perplexity'?"
    )
    results["b"] = result(series={"perplexty": [[1, 9.0]]})  # one run records it: drawn
    check_figure_series(lab, results)
    # runs that all diverged may have stopped before recording anything
    check_figure_series(lab, {r: result(status="diverged") for r in ("a", "b")})


def test_a_by_value_figure_reads_metrics(tmp_path: Path) -> None:
    body = (
        HEAD
        + '[runs.h]\nexperiment = "rnn_concise"\ngrid = { num_hiddens = [8, 16] }\n'
        + '[[figures]]\nid = "v"\ngroups = ["h"]\nkind = "by_value"\nx = "num_hiddens"\n'
        + 'series = "perplexity"\n'
    )
    lab = load_lab("demo", spec(tmp_path, body))
    ids = [r.id for r in lab.runs]
    with pytest.raises(
        LabSpecError, match="records metric 'perplexity' \\(groups h\\)"
    ):
        check_figure_series(lab, {r: result(series={"perplexity": []}) for r in ids})
    check_figure_series(lab, {r: result(metrics={"perplexity": 3.0}) for r in ids})


@pytest.fixture
def experiments_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> t.Iterator[tuple[Path, str]]:
    """A temp experiments folder: one good experiment, one file with a syntax error on
    line 3. The registry and the modules it loads are the test's own."""
    tag = uuid.uuid4().hex[:8]
    folder = tmp_path / "experiments"
    folder.mkdir()
    (folder / f"good_{tag}.py").write_text(
        "import dataclasses\nfrom reportgen.experiment import experiment\n\n"
        "@dataclasses.dataclass(frozen=True)\nclass Params:\n    n: int = 1\n\n"
        f"@experiment('good_{tag}', params=Params)\ndef run(p, ctx):\n    pass\n",
        encoding="utf-8",
    )
    (folder / f"bad_{tag}.py").write_text(
        "import dataclasses\n\ndef run(p, ctx:\n    pass\n", encoding="utf-8"
    )
    monkeypatch.setattr(experiment_mod, "_REGISTRY", dict(experiment_mod._REGISTRY))
    monkeypatch.setattr(experiment_mod, "_UNLOADABLE", {})
    yield folder, tag
    sys.modules.pop(f"reportgen_experiments.good_{tag}", None)


def test_an_experiment_file_with_a_syntax_error_breaks_only_its_labs(
    tmp_path: Path, experiments_dir: tuple[Path, str]
) -> None:
    folder, tag = experiments_dir
    loaded = experiment_mod.load_experiments(folder)  # before: raised SyntaxError
    assert f"good_{tag}" in loaded
    assert experiment_mod.unloadable() == [
        f"{folder}/bad_{tag}.py, line 3: '(' was never closed"
    ]
    assert experiment_names(folder) == {f"good_{tag}": f"good_{tag}.py"}  # `list`
    good = HEAD + f'[runs.a]\nexperiment = "good_{tag}"\n'
    assert [r.id for r in plan(load_lab("demo", spec(tmp_path, good)))] == ["a"]
    bad = HEAD + f'[runs.a]\nexperiment = "bad_{tag}"\n'
    with pytest.raises(LabSpecError) as exc:
        plan(load_lab("demo", spec(tmp_path, bad)))
    assert exc.value.message == (
        f"demo.toml: runs.a: experiment 'bad_{tag}' is not loaded; an experiment file"
        f" failed: {folder}/bad_{tag}.py, line 3: '(' was never closed."
    )


def test_an_experiment_file_that_raises_on_import_is_one_line(
    experiments_dir: tuple[Path, str],
) -> None:
    """An edited copy importing a module that does not exist (or raising as it runs) is
    told with its file and line, never as a traceback."""
    folder, tag = experiments_dir
    (folder / f"bad_{tag}.py").write_text(
        "import dataclasses\n\nimport no_such_module_here\n", encoding="utf-8"
    )
    experiment_mod.load_experiments(folder)
    assert experiment_mod.unloadable() == [
        f"{folder}/bad_{tag}.py, line 3:"
        " ModuleNotFoundError(\"No module named 'no_such_module_here'\")"
    ]


def test_validate_says_a_lab_is_valid() -> None:
    out = invoke("validate", "lab4", "--profile", "quick")
    assert out.exit_code == 0
    assert out.output == (
        "lab4: spec, template and experiments are valid (8 runs planned).\n"
    )


@pytest.fixture
def broken_template() -> t.Iterator[str]:
    path = TEMPLATES_DIR / f"test-broken-{uuid.uuid4().hex[:8]}.md.j2"
    path.write_text("{% if %}x{% endif %}\n", encoding="utf-8")
    yield path.name
    path.unlink()


def test_validate_lists_template_and_experiment_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken_template: str
) -> None:
    monkeypatch.chdir(tmp_path)  # a spec path must be inside the project folder
    body = (
        HEAD.replace("lab4.md.j2", broken_template)
        + '[runs.a]\nexperiment = "rnn_scratch"\n[profiles.quick]\nnum_epoch = 1\n'
    )
    lab_file = spec(tmp_path, body) / "demo.toml"
    out = invoke("validate", str(lab_file))
    assert out.exit_code == 1
    assert out.output.splitlines() == [
        "Error: Lab demo has 2 problems:",
        "  demo.toml: profiles.quick.num_epoch: no experiment of this lab's runs has"
        " this parameter; did you mean 'num_epochs'?",
        f"  Template templates/{broken_template}, line 1: Expected an expression, got"
        " 'end of statement block'",
    ]
