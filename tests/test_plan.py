"""Planning: lab specs, parameter precedence, --set targets and what enters a run key."""

from __future__ import annotations

import dataclasses
import typing as t
from pathlib import Path

import pytest
from views_data import result

from reportgen.errors import LabSpecError, ParamError
from reportgen.experiment import load_experiments
from reportgen.lab import load_lab, parse_override
from reportgen.plan import code_hash, in_stages, plan
from reportgen.store import RunResult


def params_of(runs, run_id):  # noqa: ANN001, ANN201 (test helper)
    return next(r.params for r in runs if r.id == run_id)


def test_lab4_course_values() -> None:
    runs = plan(load_lab("lab4"))
    assert params_of(runs, "rnn_scratch").num_hiddens == 512
    assert params_of(runs, "rnn_scratch").num_epochs == 500
    assert params_of(runs, "rnn_scratch_random").use_random_iter is True
    deep = params_of(runs, "gru_deep")
    assert (deep.cell, deep.num_layers, deep.num_hiddens, deep.lr) == (
        "gru",
        2,
        256,
        2.0,
    )
    assert len({r.key for r in runs}) == len(runs)


def test_quick_profile_overrides_only_declared_params() -> None:
    runs = plan(load_lab("lab4"), "quick")
    assert params_of(runs, "lstm_deep").num_epochs == 10
    assert not hasattr(params_of(runs, "preprocessing"), "num_epochs")


def changed_runs(override: str) -> list[str]:
    """The runs of lab4 whose key ``--set override`` changes, in plan order."""
    lab = load_lab("lab4")
    base = {r.id: r.key for r in plan(lab)}
    changed = {r.id: r.key for r in plan(lab, overrides=[parse_override(override)])}
    return [run_id for run_id in base if base[run_id] != changed[run_id]]


@pytest.mark.parametrize(
    ("override", "runs"),
    [
        ("lstm_deep.num_hiddens=64", ["lstm_deep"]),
        # a run and an experiment of one name: the run alone (the README's example)
        ("rnn_scratch.num_hiddens=256", ["rnn_scratch"]),
        ("rnn_concise.num_hiddens=128", ["rnn_concise"]),
        # the prefix reaches every run of the experiment
        (
            "experiment:rnn_concise.lr=0.5",
            ["rnn_concise", "rnn_concise_2layers", "lstm_deep", "gru_deep"],
        ),
        ("experiment:rnn_scratch.num_hiddens=256", ["rnn_scratch", "rnn_scratch_random"]),
    ],
)
def test_set_reaches_the_most_specific_target(override: str, runs: list[str]) -> None:
    assert changed_runs(override) == runs


def test_set_on_an_experiment_no_run_is_named_after(tmp_path: Path) -> None:
    """tangshi's runs use the experiment ``tangshi`` under other ids: no prefix needed."""
    lab = load_lab("tangshi")
    aimed = lab.aim([parse_override("tangshi.num_epochs=3")])
    assert aimed[0].kind == "experiment"
    assert all(aimed[0].reaches(r) for r in lab.runs if r.experiment == "tangshi")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "nosuchrun.lr=1",
            "--set nosuchrun.lr: lab lab4 has no run or experiment 'nosuchrun'."
            " Runs: preprocessing, rnn_scratch, rnn_scratch_random, rnn_concise, rnn_concise_2layers, lstm_scratch, lstm_deep, gru_deep; experiments: lstm_scratch, rnn_concise, rnn_scratch, text_preprocessing.",
        ),
        (
            "lstm_scratch.num_hidden=3",
            "--set lstm_scratch.num_hidden: lstm_scratch has no parameter 'num_hidden';"
            " did you mean 'num_hiddens'? Its parameters: batch_size, clip_theta, lr,"
            " max_tokens, num_epochs, num_hiddens, num_steps, optimizer, use_random_iter.",
        ),
        (
            "experiment:nosuch.lr=1",
            "--set experiment:nosuch.lr: lab lab4 has no run or experiment 'nosuch'."
            " Runs: preprocessing, rnn_scratch, rnn_scratch_random, rnn_concise, rnn_concise_2layers, lstm_scratch, lstm_deep, gru_deep; experiments: lstm_scratch, rnn_concise, rnn_scratch, text_preprocessing.",
        ),
        (
            "experiment:lstm_deep.lr=1",  # a run named as an experiment
            "--set experiment:lstm_deep.lr: lstm_deep is a run of lab lab4, not an"
            " experiment: write lstm_deep.lr=… for that run, or experiment:rnn_concise.lr=…"
            " for every run of its experiment.",
        ),
        (
            "lstm_scratch.num_hiddens=big",
            "lstm_scratch.num_hiddens expects an int, got 'big'.",
        ),
        ("lstm_scratch.lr=0", "lstm_scratch: lr must be positive, got 0.0"),
        (
            "lstm_scratch.num_epochs=0",
            "lstm_scratch: num_epochs must be at least 1, got 0",
        ),
        (
            "lstm_scratch.batch_size=1000",
            "lstm_scratch: max_tokens (10000) must exceed (batch_size + 1) × num_steps (35035) to fill one minibatch at any offset",
        ),
        (
            "rnn_scratch.num_epochs=" + "1" * 400,  # was an OverflowError in scheduling
            "rnn_scratch.num_epochs: '" + "1" * 27 + "..." + "1" * 28 + "' is out of"
            " range: a number parameter must be finite, and an integer within ±2**53 (9007199254740992).",
        ),
        (
            "lstm_scratch.lr=nan",
            "lstm_scratch.lr: 'nan' is out of range: a number parameter must be finite,"
            " and an integer within ±2**53 (9007199254740992).",
        ),
        (
            "gru_deep.cell=transformer",
            "gru_deep.cell expects one of 'rnn', 'gru', 'lstm', got 'transformer'.",
        ),
    ],
)
def test_bad_overrides_fail_with_one_line(override: str, message: str) -> None:
    with pytest.raises(ParamError) as exc:
        plan(load_lab("lab4"), overrides=[parse_override(override)])
    assert exc.value.message == message


def test_a_parameter_set_twice_is_refused() -> None:
    twice = [parse_override("rnn_scratch.lr=0.5"), parse_override("rnn_scratch.lr=2")]
    with pytest.raises(ParamError, match=r"--set rnn_scratch.lr is given twice"):
        plan(load_lab("lab4"), overrides=twice)


@pytest.mark.parametrize("text", ["lr=1", "rnn_scratch.lr", ".lr=1", "rnn_scratch.=1"])
def test_malformed_set_is_refused(text: str) -> None:
    with pytest.raises(ParamError, match="--set expects target.param=value"):
        parse_override(text)


def test_code_hash_follows_the_source_and_the_library_it_imports(
    tmp_path: Path,
) -> None:
    source = tmp_path / "exp.py"
    source.write_text("from reportgen.text.corpus import Vocab\n", encoding="utf-8")
    exp = dataclasses.replace(load_experiments()["rnn_scratch"], source_path=source)
    first = code_hash(exp)
    assert code_hash(exp) == first
    source.write_text(
        "from reportgen.text.corpus import Vocab  # edited\n", encoding="utf-8"
    )
    assert code_hash(exp) != first
    source.write_text("import os\n", encoding="utf-8")  # no keyed library imported
    assert code_hash(exp) != first


def write_lab(tmp_path: Path, text: str) -> Path:
    (tmp_path / "demo.toml").write_text(text, encoding="utf-8")
    return tmp_path


LAB_HEAD = 'number = 9\ntitle = "t"\ncourse = "c"\ntemplate = "lab4.md.j2"\n'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "number = \n",
            "Malformed lab spec demo.toml: Invalid value (at line 1, column 10).",
        ),
        (
            LAB_HEAD + "[runs.a]\nexperiment = 3\n",
            "demo.toml: runs.a.experiment: expected a string, got 3",
        ),
        (LAB_HEAD, "demo.toml: runs: missing"),
        (
            LAB_HEAD
            + '[runs.a]\nexperiment = "rnn_scratch"\n[[figures]]\nid = "f"\nruns = ["b"]\nseries = "s"\n',
            "demo.toml: figures[0].runs: unknown run 'b'",
        ),
        (
            LAB_HEAD + '[runs.a]\nexperiment = "rnn_scratch"\n[profiles.fast]\n',
            "demo.toml: profiles.fast: unknown profile; expected one of course, quick",
        ),
    ],
)
def test_lab_spec_errors_name_file_and_key(
    tmp_path: Path, body: str, message: str
) -> None:
    with pytest.raises(LabSpecError) as exc:
        load_lab("demo", write_lab(tmp_path, body))
    assert exc.value.message == message


def test_unknown_experiment_in_a_spec(tmp_path: Path) -> None:
    lab = load_lab(
        "demo", write_lab(tmp_path, LAB_HEAD + '[runs.a]\nexperiment = "rnn_scrach"\n')
    )
    with pytest.raises(
        LabSpecError,
        match="runs.a: unknown experiment 'rnn_scrach'. Did you mean 'rnn_scratch'",
    ):
        plan(lab)


def test_unknown_lab_suggests_a_close_one() -> None:
    with pytest.raises(LabSpecError, match="Unknown lab 'lab5'. Did you mean 'lab4'?"):
        load_lab("lab5")


def test_plan_digest_follows_every_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A remembered plan is found again only under the very same settings."""
    from functools import partial

    monkeypatch.chdir(tmp_path)  # the project folder: the corpus below is inside it

    from reportgen.plan_cache import inputs_digest, plan_digest

    inputs = inputs_digest()
    assert inputs_digest() == inputs
    digest = partial(plan_digest, inputs)
    lab = load_lab("lab4")
    base = digest(lab, "course", (), None, {})
    assert digest(load_lab("lab4"), "course", (), None, {}) == base
    corpus = tmp_path / "c.txt"
    corpus.write_text("分开", encoding="utf-8")
    with_corpus = digest(lab, "course", (), corpus, {})
    corpus.write_text("不分开", encoding="utf-8")
    variants = {
        digest(lab, "quick", (), None, {}),
        digest(lab, "course", [parse_override("rnn_scratch.lr=0.5")], None, {}),
        digest(lab, "course", [parse_override("rnn_scratch.lr=0.6")], None, {}),
        digest(load_lab("rnn-tuning"), "course", (), None, {}),
        digest(load_lab("rnn-tuning", seeds=1), "course", (), None, {}),
        digest(lab, "course", (), None, {"batch": {"num_hiddens": 128}}),
        with_corpus,
        digest(lab, "course", (), corpus, {}),  # same path, other content
    }
    assert len(variants) == 8 and base not in variants
    # another state of the files: another plan
    assert plan_digest("0" * 64, lab, "course", (), None, {}) != base


def test_a_new_library_package_enters_the_key_of_experiments_importing_it(
    tmp_path: Path,
) -> None:
    """The keyed packages are derived from the folders of reportgen/, not a hand-kept list:
    a package added there is keyed by being added; rendering packages never are."""
    from reportgen.plan import keyed_imports, keyed_packages

    for package, module in (
        ("newlib", "helper"),
        ("render", "drawing"),
        ("train", "loop"),
    ):
        folder = tmp_path / "reportgen" / package
        folder.mkdir(parents=True)
        (folder / "__init__.py").write_text("")
        (folder / f"{module}.py").write_text("from reportgen.train.loop import step\n")
    (tmp_path / "reportgen" / "notapackage").mkdir()
    experiment = tmp_path / "experiments" / "demo.py"
    experiment.parent.mkdir()
    experiment.write_text(
        "from reportgen.newlib.helper import thing\nimport reportgen.render.drawing\n"
    )
    assert keyed_packages(tmp_path) == ("reportgen.newlib", "reportgen.train")
    assert keyed_imports(experiment, tmp_path) == {
        tmp_path / "reportgen" / "newlib" / "helper.py",
        tmp_path / "reportgen" / "train" / "loop.py",  # followed through newlib
    }


def test_in_stages_chooses_from_the_first_stage_and_plans_again() -> None:
    lab = load_lab("rnn-tuning")
    hidden = [r for r in lab.runs if r.group == "hidden"]
    sizes = sorted({r.params["num_hiddens"] for r in hidden})
    best = sizes[-1]  # the largest size scores lowest
    asked: list[dict[str, t.Any]] = []

    def stage(chosen: t.Mapping[str, t.Any]) -> dict[str, RunResult]:
        asked.append(dict(chosen))
        return {
            r.id: result(
                metrics={"perplexity": 10.0 - sizes.index(r.params["num_hiddens"])}
            )
            for r in hidden
        }

    assert in_stages(lab, [], stage) == ({"batch": {"num_hiddens": best}}, stage({}))
    assert asked[:2] == [{}, {"batch": {"num_hiddens": best}}]  # planned again with it
    assert in_stages(lab, [], lambda chosen: None) is None  # a stage without results
    asked.clear()
    assert in_stages(load_lab("lab4"), [], stage) == ({}, stage({}))
    assert asked == [
        {},
        {},
    ]  # lab4 chooses nothing: one stage (and the comparison's call)
