"""gru's view: the two models' rows, the nn.GRU check and the comparisons (d2l 9.1)."""

from __future__ import annotations

import dataclasses

from reportgen.claims import Claim, Measured
from reportgen.render.context import format_number
from reportgen.views import Results, final_value

MODELS = ("gru_scratch", "gru_concise")
GATES = 3  # reset gate, update gate, candidate hidden state


@dataclasses.dataclass(frozen=True)
class GRUView:
    # model, parameters, final perplexity, training time, tokens/s
    rows: list[list[str]]
    vocab_size: int
    book_check: Claim  # the book's formula against nn.GRU, the same weights
    torch_check: Claim  # the reset gate after the product against nn.GRU
    extra_params: int  # nn.GRU's parameters beyond the from-scratch GRU's
    extra_is_biases: bool  # whether that is one more bias vector per gate
    curves: list[Claim]  # each model's perplexity curve
    uniform: list[Claim]  # each model's final perplexity against uniform guessing
    perplexity: Claim  # from scratch vs nn.GRU, final perplexity
    time: Claim  # from scratch vs nn.GRU, training time


def view(results: Results) -> GRUView:
    runs, judge, lang = results.runs, results.judge, results.lang
    check = runs["check"].metrics
    scratch = runs["gru_scratch"]
    vocab_size = int(scratch.metrics["vocab_size"])  # the same corpus for both models
    params = [int(runs[r].metrics.get("num_params") or 0) for r in MODELS]
    hidden = int(scratch.params["num_hiddens"])

    def seconds(run_id: str) -> Measured:
        return results.metric(run_id, "train_seconds", 1, lang("value.seconds"))

    return GRUView(
        rows=[
            [
                results.label(r),
                format_number(runs[r].metrics.get("num_params")),
                final_value(runs[r], "perplexity", lang),
                format_number(runs[r].metrics.get("train_seconds"), 1),
                format_number(runs[r].metrics.get("tokens_per_second"), 0),
            ]
            for r in MODELS
        ],
        vocab_size=vocab_size,
        book_check=judge.agreement(lang("gru.book_check"), check["max_abs_diff_book"]),
        torch_check=judge.agreement(
            lang("gru.torch_check"), check["max_abs_diff_reset_after"]
        ),
        extra_params=params[1] - params[0],
        extra_is_biases=params[1] - params[0] == GATES * hidden,
        curves=[results.epoch_curve(r, "perplexity") for r in MODELS],
        uniform=[
            judge.against_uniform(results.metric(r, "perplexity"), vocab_size)
            for r in MODELS
        ],
        perplexity=judge.compare(
            results.metric("gru_scratch", "perplexity"),
            results.metric("gru_concise", "perplexity"),
            lang("quantity.final_perplexity"),
        ),
        time=judge.times(seconds("gru_scratch"), seconds("gru_concise")),
    )
