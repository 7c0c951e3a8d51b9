"""lyrics' view: the two sampling methods' rows, the curves and the comparison."""

from __future__ import annotations

import dataclasses
import typing as t

from reportgen.claims import Claim
from reportgen.render.context import format_number
from reportgen.views import Results, final_value, shown_sample

METHODS = ("random", "consecutive")  # the run ids, named by their labels


@dataclasses.dataclass(frozen=True)
class LyricsView:
    corpus: t.Literal["known", "user", "shipped"]  # the course's corpus, another, ours
    max_step: float  # the largest parameter change of one step: lr × clipping threshold
    rows: list[list[str]]  # method, final perplexity, training time, tokens/s
    progress: dict[str, list[list[object]]]  # run id -> epoch, perplexity, prefix, text
    curves: list[Claim]  # each run's perplexity curve
    uniform: list[Claim]  # each run's final perplexity against uniform guessing
    sampling: Claim  # consecutive vs random, final perplexity
    times: Claim  # consecutive vs random, training time


def _corpus(metrics: t.Mapping[str, t.Any]) -> t.Literal["known", "user", "shipped"]:
    if metrics.get("corpus_known_as"):
        return "known"
    return "user" if metrics.get("corpus_user_supplied") else "shipped"


def view(results: Results) -> LyricsView:
    runs, judge, lang = results.runs, results.judge, results.lang
    first = runs["random"]
    vocab_size = int(first.metrics["vocab_size"])

    return LyricsView(
        corpus=_corpus(first.metrics),
        max_step=first.params["lr"] * first.params["clip_theta"],
        rows=[
            [
                results.label(r),
                final_value(runs[r], "perplexity", lang),
                format_number(runs[r].metrics.get("train_seconds"), 1),
                format_number(runs[r].metrics.get("tokens_per_second"), 0),
            ]
            for r in METHODS
        ],
        progress={
            r: [
                [
                    s["epoch"],
                    format_number(s["perplexity"]),
                    s["prefix"],
                    shown_sample(s["text"], s["prefix"], lang),
                ]
                for s in runs[r].tables.get("samples_by_epoch", [])
            ]
            for r in METHODS
        },
        curves=[results.epoch_curve(r, "perplexity") for r in METHODS],
        uniform=[
            judge.against_uniform(results.metric(r, "perplexity"), vocab_size)
            for r in METHODS
        ],
        sampling=judge.compare(
            results.metric("consecutive", "perplexity"),
            results.metric("random", "perplexity"),
            lang("quantity.final_perplexity"),
        ),
        times=judge.times(
            results.metric(
                "consecutive", "train_seconds", digits=1, unit=lang("value.seconds")
            ),
            results.metric(
                "random", "train_seconds", digits=1, unit=lang("value.seconds")
            ),
        ),
    )
