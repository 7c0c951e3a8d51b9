"""gru's view: each claim flips with the numbers fed to it, the parameter gap is computed,
and a blank continuation prints as such (no training: synthetic results)."""

from __future__ import annotations

import pytest
from views_data import result, results_of

from reportgen.lang import lang
from reportgen.render.context import sample_list
from reportgen.store import RunResult
from reportgen.views import view_of
from reportgen.views.gru import GRUView

HIDDEN = 256


def gru_view(
    ppl: tuple[float, float] = (1.10, 1.08),
    seconds: tuple[float, float] = (900.0, 300.0),
    params: tuple[int, int] = (226_076, 226_076 + 3 * HIDDEN),
    check: tuple[float, float] = (0.64, 1.5e-7),
    scratch_curve: tuple[float, ...] = (26.0, 9.0, 1.1),
    preview: bool = False,
    concise_started: str = "2026-12-02T00:00:00+00:00",
) -> GRUView:
    def model(i: int, curve: tuple[float, ...]) -> RunResult:
        return result(
            started_at=concise_started if i else "2026-12-02T00:00:00+00:00",
            wall_seconds=seconds[i] + 5.0,
            params={"num_hiddens": HIDDEN, "num_epochs": len(curve)},
            metrics={
                "perplexity": ppl[i],
                "train_seconds": seconds[i],
                "tokens_per_second": 5000.0,
                "num_params": params[i],
                "vocab_size": 28,
            },
            series={"perplexity": [[e + 1, v] for e, v in enumerate(curve)]},
        )

    runs = {
        "check": result(
            metrics={
                "max_abs_diff_book": check[0],
                "max_abs_diff_reset_after": check[1],
            }
        ),
        "gru_scratch": model(0, scratch_curve),
        "gru_concise": model(1, (26.0, 9.0, 1.08)),
    }
    made = view_of(results_of("gru", runs, preview))
    assert isinstance(made, GRUView)
    return made


@pytest.mark.parametrize(
    ("scratch", "concise", "outcome"),
    [(1.30, 1.08, "more"), (1.08, 1.30, "less"), (1.09, 1.08, "same")],
)
def test_perplexity_claim_flips(scratch: float, concise: float, outcome: str) -> None:
    view = gru_view(ppl=(scratch, concise))
    assert view.perplexity.outcome == outcome
    assert view.rows[0][2] == f"{scratch:.3f}"


@pytest.mark.parametrize(
    ("seconds", "outcome"),
    [((900.0, 300.0), "more"), ((300.0, 900.0), "less"), ((310.0, 300.0), "same")],
)
def test_time_claim_flips_and_a_small_gap_is_noise(
    seconds: tuple[float, float], outcome: str
) -> None:
    assert gru_view(seconds=seconds).time.outcome == outcome


@pytest.mark.parametrize(
    ("check", "book", "reset_after"),
    [
        ((0.64, 1.5e-7), "different", "rounding"),
        ((0.0, 0.0), "equal", "equal"),
        ((0.64, 0.3), "different", "different"),
    ],
)
def test_the_nn_gru_check_says_what_the_differences_are(
    check: tuple[float, float], book: str, reset_after: str
) -> None:
    view = gru_view(check=check)
    assert (view.book_check.outcome, view.torch_check.outcome) == (book, reset_after)


def test_the_parameter_gap_is_one_bias_per_gate_only_when_it_is() -> None:
    assert gru_view().extra_params == 3 * HIDDEN and gru_view().extra_is_biases
    other = gru_view(params=(1000, 1100))
    assert other.extra_params == 100 and not other.extra_is_biases


def test_curves_and_uniform_guessing_follow_the_numbers() -> None:
    risen = gru_view(scratch_curve=(26.0, 9.0, 30.0), ppl=(30.0, 1.08))
    assert risen.curves[0].outcome == "rebounded"
    assert risen.uniform[0].outcome == "worse"  # 30 over a vocabulary of 28
    assert gru_view().curves[0].outcome == "steady"
    assert gru_view().uniform[0].outcome == "better"


def test_a_preview_compares_nothing() -> None:
    view = gru_view(preview=True, ppl=(1.30, 1.08), seconds=(900.0, 300.0))
    assert view.perplexity.outcome == view.time.outcome == "preview"


def test_a_blank_continuation_prints_as_such() -> None:
    samples = {"time traveller": "time traveller" + " " * 50, "a": "a b"}
    listed = sample_list(result(samples=samples), lang("zh"))
    assert "“time traveller” → time traveller（空白输出）" in listed
    assert "“a” → a b" in listed
    english = sample_list(result(samples=samples), lang("en"))
    assert '"time traveller" → time traveller (empty output)' in english


@pytest.mark.parametrize(
    ("started", "outcome"),
    [
        ("2026-12-02T00:15:05+00:00", "more"),  # began as the other ended: one build
        ("2026-12-02T00:00:00+00:00", "more"),  # side by side
        ("2026-12-02T03:00:00+00:00", "apart"),  # retrained alone, hours after
    ],
)
def test_times_of_runs_from_different_builds_are_not_compared(
    started: str, outcome: str
) -> None:
    # gru_scratch ran 00:00:00 for 905 s, to 00:15:05
    view = gru_view(seconds=(900.0, 300.0), concise_started=started)
    assert view.time.outcome == outcome
    assert ("不据此比较快慢" in view.time.text) == (outcome == "apart")


def test_an_error_in_a_view_names_the_view_file_and_line() -> None:
    from reportgen.render.report import where_raised

    runs = {
        "check": result(
            metrics={"max_abs_diff_book": 0.6}
        ),  # no max_abs_diff_reset_after
        "gru_scratch": result(
            params={"num_hiddens": HIDDEN}, metrics={"vocab_size": 28}
        ),
        "gru_concise": result(params={"num_hiddens": HIDDEN}),
    }
    with pytest.raises(KeyError) as raised:
        view_of(results_of("gru", runs))
    assert where_raised(raised.value).startswith(", at reportgen/views/gru.py, line ")


def test_an_epoch_axis_has_whole_number_ticks() -> None:
    from reportgen.lab import load_lab
    from reportgen.render.figures import matplotlib_style
    from reportgen.render.fonts import setup_matplotlib
    from reportgen.render.plots import curves

    lab = load_lab("gru")
    (spec,) = lab.figures
    runs = {
        r: result(series={"perplexity": [[1, 27.8], [2, 26.4], [3, 25.1]]})
        for r in spec.runs
    }
    setup_matplotlib()
    with matplotlib_style():  # the report's fonts and style, as figures are drawn
        ticks = [x for x in curves(spec, lab, runs).axes[0].get_xticks() if 1 <= x <= 3]
    assert ticks and all(float(x).is_integer() for x in ticks), ticks
