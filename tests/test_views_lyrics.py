"""lyrics' view: the comparison, the curves and uniform guessing follow the numbers."""

from __future__ import annotations

import pytest
from views_data import result, results_of

from reportgen.views import view_of
from reportgen.views.lyrics import LyricsView

PARAMS = {"lr": 100.0, "clip_theta": 0.01}


def lyrics_view(
    random: list[float],
    consecutive: list[float],
    vocab: int = 762,
    preview: bool = False,
) -> LyricsView:
    def run(series: list[float], seconds: float) -> object:
        return result(
            params=PARAMS,
            metrics={
                "perplexity": series[-1],
                "train_seconds": seconds,
                "tokens_per_second": 1000.0,
                "vocab_size": vocab,
                "corpus_known_as": "",
                "corpus_user_supplied": 0,
            },
            series={"perplexity": [[i + 1, v] for i, v in enumerate(series)]},
            tables={
                "samples_by_epoch": [
                    {
                        "epoch": 1,
                        "perplexity": series[0],
                        "prefix": "分开",
                        "text": "分开  ",  # the prompt, then only blanks
                    }
                ]
            },
        )

    runs = {"random": run(random, 50.0), "consecutive": run(consecutive, 52.0)}
    made = view_of(results_of("lyrics", runs, preview))
    assert isinstance(made, LyricsView)
    return made


def test_a_last_epoch_jump_is_a_rebound_and_worse_than_uniform() -> None:
    # the case: 418 → 3,047 in the last epoch, vocabulary 762
    view = lyrics_view([900.0, 418.0, 3047.0], [900.0, 60.0, 15.0])
    assert [c.outcome for c in view.curves] == ["rebounded", "steady"]
    assert "回升，最后为 3,047.000" in view.curves[0].text
    assert [c.outcome for c in view.uniform] == ["worse", "better"]
    assert view.sampling.outcome == "less"
    assert view.sampling.text.startswith("相邻采样的最终困惑度比随机采样更低")


@pytest.mark.parametrize(
    ("random", "consecutive", "outcome"),
    [(39.28, 15.29, "less"), (15.29, 39.28, "more"), (15.30, 15.29, "same")],
)
def test_sampling_claim_flips_with_the_perplexities(
    random: float, consecutive: float, outcome: str
) -> None:
    view = lyrics_view([200.0, random], [200.0, consecutive])
    assert view.sampling.outcome == outcome
    assert view.times.outcome == "same"  # 52 s against 50 s, trained side by side


def test_a_preview_compares_nothing_and_blank_text_says_so() -> None:
    view = lyrics_view([200.0, 39.0], [200.0, 15.0], preview=True)
    assert view.sampling.outcome == view.times.outcome == "preview"
    assert view.progress["random"][0][-1] == "分开（空白输出）"
    assert view.max_step == 1.0
