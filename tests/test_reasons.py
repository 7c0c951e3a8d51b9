"""Why a run must train: each part of its key that differs from its last stored result."""

from __future__ import annotations

import dataclasses

from views_data import result

from reportgen import params as params_mod
from reportgen.lab import load_lab
from reportgen.plan import PlannedRun, code_sources, plan
from reportgen.reasons import NEVER_RAN, retrain_reasons
from reportgen.store import RunResult


def last_result_of(run_id: str) -> tuple[PlannedRun, RunResult]:
    """lab4's planned run and a stored result exactly like it (same params, code, seed)."""
    run = next(r for r in plan(load_lab("lab4"), "quick") if r.id == run_id)
    stored = dataclasses.replace(
        result(run.experiment.name, params_mod.as_dict(run.params)),
        sources=code_sources(run.experiment),
        seed=run.spec.seed,
    )
    return run, stored


def test_a_run_never_stored_never_ran() -> None:
    run, _ = last_result_of("lstm_scratch")
    assert retrain_reasons(run, None) == [NEVER_RAN]


def test_each_changed_parameter_code_file_and_the_seed_is_named() -> None:
    run, stored = last_result_of("lstm_scratch")
    code = dict(stored.sources)
    first = next(iter(code))
    code[first] += "\n# edited\n"
    before = dataclasses.replace(
        stored,
        params=stored.params | {"num_hiddens": 999, "lr": 0.25},
        sources=code,
        seed=7,
    )
    reasons = retrain_reasons(run, before)
    now = params_mod.as_dict(run.params)
    assert reasons == [
        f"lr: 0.25 → {now['lr']}",
        f"num_hiddens: 999 → {now['num_hiddens']}",
        f"{first} changed",
        f"seed: 7 → {run.spec.seed}",
    ]


def test_nothing_else_differing_means_a_data_file() -> None:
    run, stored = last_result_of("rnn_concise")
    assert retrain_reasons(run, stored) == ["a data file changed"]
