"""lab4's view: the preprocessing tables, each model's table row, and the comparisons."""

from __future__ import annotations

import dataclasses

from reportgen.claims import Claim, Measured
from reportgen.lang import Lang
from reportgen.render.context import format_number
from reportgen.store import RunResult
from reportgen.views import Results, final_value, shown_sample

DEEP = ("lstm_deep", "gru_deep")
ALL = (
    "rnn_scratch",
    "rnn_scratch_random",
    "rnn_concise",
    "rnn_concise_2layers",
    "lstm_scratch",
    *DEEP,
)
PROMPT = "time traveller"  # the prefix whose continuation the deep-model table shows


@dataclasses.dataclass(frozen=True)
class Lab4View:
    token_rows: list[list[object]]  # rank, word, freq, char, freq
    top_words: list[str]  # the three most frequent words
    top_chars: list[str]  # the two most frequent characters, quoted; a space named
    toy_rows: list[list[object]]  # iterator, batch, X, Y
    toy_last: int  # the toy sequence is 0, 1, …, toy_last
    scratch_rows: list[list[str]]  # sampling, perplexity, training time, tokens/s
    layer_rows: list[list[object]]
    lstm_row: list[object]  # label, perplexity, training time, tokens/s
    deep_rows: list[list[object]]
    final_rows: list[list[object]]
    sampling: Claim  # sequential vs random partitioning, perplexity
    layers: Claim  # two layers vs one, perplexity
    layers_time: Claim  # two layers vs one, training time
    deep: Claim  # GRU vs LSTM, perplexity
    deep_time: Claim  # GRU vs LSTM, training time


def _seconds(result: RunResult) -> str:
    return format_number(result.metrics.get("train_seconds"), 1)


def _speed(result: RunResult) -> str:
    return format_number(result.metrics.get("tokens_per_second"), 0)


def _token_rows(pre: RunResult, lang: Lang) -> list[list[object]]:
    def shown(token: object) -> object:
        return lang("value.space") if token == " " else token

    pairs = zip(pre.tables["word_top"], pre.tables["char_top"], strict=True)
    return [
        [rank, shown(w["token"]), w["freq"], shown(c["token"]), c["freq"]]
        for rank, (w, c) in enumerate(pairs, 1)
    ]


def _toy_rows(pre: RunResult, lang: Lang) -> list[list[object]]:
    return [
        [lang(f"lab4.{kind}"), index, batch["X"], batch["Y"]]
        for kind in ("random", "sequential")
        for index, batch in enumerate(pre.tables[f"{kind}_toy"], 1)
    ]


def view(results: Results) -> Lab4View:
    runs, judge, lang = results.runs, results.judge, results.lang

    def row(run_id: str, *cells: object) -> list[object]:
        r = runs[run_id]
        return [
            results.label(run_id),
            *cells,
            final_value(r, "perplexity", lang),
            _seconds(r),
        ]

    def ppl(run_id: str) -> Measured:
        return results.metric(run_id, "perplexity")

    def seconds(run_id: str) -> Measured:
        return results.metric(run_id, "train_seconds", 1, lang("value.seconds"))

    tokens = _token_rows(runs["preprocessing"], lang)
    return Lab4View(
        token_rows=tokens,
        top_words=[str(row[1]) for row in tokens[:3]],
        top_chars=[
            lang("value.space_word")
            if c["token"] == " "
            else lang("value.quoted", text=c["token"])
            for c in runs["preprocessing"].tables["char_top"][:2]
        ],
        toy_rows=_toy_rows(runs["preprocessing"], lang),
        toy_last=int(runs["preprocessing"].params["toy_length"]) - 1,
        scratch_rows=[
            [*map(str, row(r)), _speed(runs[r])]
            for r in ("rnn_scratch", "rnn_scratch_random")
        ],
        layer_rows=[
            [
                *row(
                    r,
                    runs[r].params["num_layers"],
                    format_number(runs[r].metrics.get("num_params")),
                ),
                _speed(runs[r]),
            ]
            for r in ("rnn_concise", "rnn_concise_2layers")
        ],
        lstm_row=[*row("lstm_scratch"), _speed(runs["lstm_scratch"])],
        deep_rows=[
            [
                *row(
                    r,
                    runs[r].params["num_layers"],
                    runs[r].params["num_hiddens"],
                    format_number(runs[r].metrics.get("num_params")),
                ),
                _speed(runs[r]),
                shown_sample(runs[r].samples.get(PROMPT, ""), PROMPT, lang)[:32],
            ]
            for r in DEEP
        ],
        final_rows=[row(r, runs[r].params["num_epochs"]) for r in ALL],
        sampling=judge.compare(
            ppl("rnn_scratch"),
            ppl("rnn_scratch_random"),
            lang("quantity.final_perplexity"),
        ),
        layers=judge.compare(
            ppl("rnn_concise_2layers"),
            ppl("rnn_concise"),
            lang("quantity.final_perplexity"),
        ),
        layers_time=judge.times(seconds("rnn_concise_2layers"), seconds("rnn_concise")),
        deep=judge.compare(
            ppl("gru_deep"), ppl("lstm_deep"), lang("quantity.final_perplexity")
        ),
        deep_time=judge.times(seconds("gru_deep"), seconds("lstm_deep")),
    )
