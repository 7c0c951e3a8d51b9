"""lab4's view: rows from results, and each claim's sentence following its numbers."""

from __future__ import annotations

import typing as t

import pytest
from views_data import result, results_of

from reportgen.views import view_of
from reportgen.views.lab4 import ALL, Lab4View


def lab4_results(
    ppl: dict[str, float] | None = None,
    seconds: dict[str, float] | None = None,
    samples: dict[str, str] | None = None,
) -> dict[str, object]:
    ppl, seconds = ppl or {}, seconds or {}
    runs = {
        "preprocessing": result(
            params={"toy_length": 35},
            tables={
                "word_top": [
                    {"token": w, "freq": 9 - i}
                    for i, w in enumerate("the i and of a".split())
                ],
                "char_top": [
                    {"token": c, "freq": 9 - i} for i, c in enumerate(" etao")
                ],
                "random_toy": [{"X": "[[0, 1]]", "Y": "[[1, 2]]"}],
                "sequential_toy": [{"X": "[[2, 3]]", "Y": "[[3, 4]]"}],
            },
        )
    }
    for run_id in ALL:
        runs[run_id] = result(
            params={"num_layers": 2, "num_hiddens": 256, "num_epochs": 500},
            metrics={
                "perplexity": ppl.get(run_id, 1.05),
                "train_seconds": seconds.get(run_id, 100.0),
                "tokens_per_second": 5000.0,
                "num_params": 1000,
            },
            samples={
                "time traveller": (samples or {}).get(run_id, "time traveller said")
            },
        )
    return runs


def lab4_view(preview: bool = False, **changes: dict[str, t.Any]) -> Lab4View:
    made = view_of(results_of("lab4", lab4_results(**changes), preview))
    assert isinstance(made, Lab4View)
    return made


@pytest.mark.parametrize(
    ("seq", "rnd", "outcome"),
    [(16.913, 16.847, "same"), (1.046, 1.534, "less"), (1.6, 1.1, "more")],
)
def test_sampling_claim_follows_the_perplexities(
    seq: float, rnd: float, outcome: str
) -> None:
    view = lab4_view(ppl={"rnn_scratch": seq, "rnn_scratch_random": rnd})
    assert view.sampling.outcome == outcome
    assert f"{seq:.3f}" in view.sampling.text and f"{rnd:.3f}" in view.sampling.text


@pytest.mark.parametrize(
    ("gru", "lstm", "outcome"),
    [(1728.2, 1768.4, "same"), (1000.0, 1768.4, "less"), (2500.0, 1768.4, "more")],
)
def test_deep_time_claim_needs_the_shared_cpu_margin(
    gru: float, lstm: float, outcome: str
) -> None:
    view = lab4_view(seconds={"gru_deep": gru, "lstm_deep": lstm})
    assert view.deep_time.outcome == outcome
    assert ("更短" in view.deep_time.text) == (outcome == "less")


def test_deep_and_layer_claims_flip_with_their_numbers() -> None:
    assert lab4_view(ppl={"gru_deep": 1.018, "lstm_deep": 1.022}).deep.outcome == "same"
    assert lab4_view(ppl={"gru_deep": 1.5, "lstm_deep": 1.022}).deep.outcome == "more"
    two_lower = lab4_view(ppl={"rnn_concise_2layers": 1.02, "rnn_concise": 1.27})
    assert two_lower.layers.outcome == "less"
    assert two_lower.layers.text.startswith(
        "nn.RNN（2 层）的最终困惑度比 nn.RNN（1 层）更低"
    )


def test_a_preview_compares_nothing() -> None:
    view = lab4_view(preview=True, ppl={"rnn_scratch": 1.0, "rnn_scratch_random": 9.0})
    for claim in (
        view.sampling,
        view.layers,
        view.layers_time,
        view.deep,
        view.deep_time,
    ):
        assert claim.outcome == "preview"


def test_blank_continuations_say_so_and_rows_come_from_results() -> None:
    # generated texts repeat their prompt: 50 blanks after it are no answer
    view = lab4_view(
        samples={
            "gru_deep": "time traveller" + " " * 50,
            "lstm_deep": "time traveller ",
        },
        ppl={"lstm_deep": 1.234},
    )
    assert view.deep_rows[1][-1] == "time traveller（空白输出）"
    assert view.deep_rows[0][-1] == "time traveller（空白输出）"
    assert view.deep_rows[0][4] == "1.234"
    assert view.top_words == ["the", "i", "and"]
    assert view.top_chars[0] == "空格"
