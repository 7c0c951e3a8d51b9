"""Run keys and the atomic results store."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

import pytest

from reportgen.store import RunResult, Store, run_key

KEY_ARGS = dict(
    experiment="rnn_scratch",
    code_hash="c0de",
    params={"lr": 1.0, "num_hiddens": 512},
    seed=0,
    data_hashes={"timemachine.txt": "d474"},
)


def make_result(key: str = "k" * 64) -> RunResult:
    return RunResult(
        key=key,
        experiment="rnn_scratch",
        params={"lr": 1.0},
        seed=0,
        status="ok",
        device="cpu",
        device_name="test cpu, 1 thread",
        torch_version="2.13.0",
        started_at="2026-11-23T00:00:00+00:00",
        wall_seconds=1.5,
        sources={"x.py": "pass\n"},
        metrics={"perplexity": 1.25},
        series={"perplexity": [[1, 3.0], [2, 1.25]]},
        samples={"time traveller": "time traveller x"},
        tables={},
    )


def test_run_key_is_stable_and_ignores_param_order() -> None:
    a = run_key(**KEY_ARGS)
    b = run_key(**(KEY_ARGS | {"params": {"num_hiddens": 512, "lr": 1.0}}))
    assert a == b and len(a) == 64


@pytest.mark.parametrize(
    "change",
    [
        {"experiment": "lstm_scratch"},
        {"code_hash": "c0df"},
        {"params": {"lr": 2.0, "num_hiddens": 512}},
        {"seed": 1},
        {"data_hashes": {"timemachine.txt": "d475"}},
    ],
)
def test_run_key_changes_with_everything_that_changes_a_result(
    change: dict[str, object],
) -> None:
    assert run_key(**(KEY_ARGS | change)) != run_key(**KEY_ARGS)


def test_save_then_load_round_trips(tmp_path: Path) -> None:
    store = Store(tmp_path)
    result = make_result()
    store.save(result)
    assert store.load(result.key) == result
    assert store.keys() == [result.key]
    assert [p.name for p in (tmp_path / result.key).iterdir()] == [
        "result.json"
    ]  # no temp left


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda text: text[: len(text) // 2],  # truncated
        lambda text: text.replace(
            '"perplexity": 1.25', '"perplexity": 9.99'
        ),  # edited by hand
        lambda text: "not json",
    ],
)
def test_corrupt_entries_count_as_missing(
    tmp_path: Path, corrupt, caplog: pytest.LogCaptureFixture
) -> None:
    store = Store(tmp_path)
    path = store.save(make_result())
    path.write_text(corrupt(path.read_text(encoding="utf-8")), encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert store.load("k" * 64) is None
    assert "corrupt" in caplog.text


def test_entry_under_the_wrong_key_is_not_used(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.save(make_result("a" * 64))
    (tmp_path / ("b" * 64)).mkdir()
    (tmp_path / ("a" * 64) / "result.json").rename(
        tmp_path / ("b" * 64) / "result.json"
    )
    assert store.load("b" * 64) is None


def test_result_json_records_config_seed_device_and_timing(tmp_path: Path) -> None:
    path = Store(tmp_path).save(make_result())
    body = json.loads(path.read_text(encoding="utf-8"))["result"]
    assert {f.name for f in dataclasses.fields(RunResult)} <= set(body)
    assert body["seed"] == 0 and body["device"] == "cpu" and body["wall_seconds"] == 1.5


def test_keys_are_the_entries_with_a_result_file(tmp_path: Path) -> None:
    """A key folder left with only a temporary file (a run killed while it was stored) is
    no entry; one whose result file is damaged or a folder still is (load reports it)."""
    store = Store(tmp_path)
    store.save(make_result("a" * 64))
    (tmp_path / ("b" * 64)).mkdir()
    (tmp_path / ("b" * 64) / ".result.json.abcd1234.reportgen.tmp").write_text("{")
    (tmp_path / ("c" * 64) / "result.json").mkdir(parents=True)
    (tmp_path / ("d" * 64)).symlink_to(tmp_path / ("a" * 64))
    assert store.keys() == ["a" * 64, "c" * 64]


@pytest.mark.parametrize(
    "planted",
    [
        {"metrics": {"perplexity": 10**400}},  # no float holds it: OverflowError before
        {"series": {"perplexity": [[1, 10**400]]}},
        {"params": {"lr": -(10**60)}},
        {"metrics": {"perplexity": True}},
        {"seed": 2**32},
        {"seed": -1},
        {"wall_seconds": -1.0},
        {"status": "diverged"},  # without the step it diverged at
        {"diverged_at": 3},  # a step, but the run is ok
        {"status": "diverged", "diverged_at": 10**300},
    ],
)
def test_planted_values_out_of_range_count_as_missing(
    tmp_path: Path, planted: dict[str, object], caplog: pytest.LogCaptureFixture
) -> None:
    """A result with a valid checksum whose numbers no run makes: missing, in one line."""
    store = Store(tmp_path)
    store.save(dataclasses.replace(make_result(), **planted))
    with caplog.at_level(logging.WARNING):
        assert store.load("k" * 64) is None
    assert "is corrupt" in caplog.text
