"""rnn-tuning's view: the two sweeps' tables, the claims over seeds, the parameter counts."""

from __future__ import annotations

import dataclasses
import typing as t

from reportgen.aggregate import Spread, mean_band
from reportgen.claims import SEED_ERRORS, TIME_MARGIN, Claim, Judge, Seeds
from reportgen.lang import Lang
from reportgen.render.context import format_number
from reportgen.store import RunResult
from reportgen.views import Results, final_value
from reportgen.views.sweeps import Sweep, SweepRow, format_spread, sweep

# The perplexity whose first reaching measures how fast a setting converges: the course's
# 300-epoch runs all pass it, a few epochs of a preview none.
THRESHOLD = 5.0
# Epochs at the end whose perplexity std is a setting's fluctuation: the last tenth of the
# course's 300 (all of them where the runs trained fewer; the table says how many).
LAST = 30
TABLE_ALIGN = "rrrrrrrl"


@dataclasses.dataclass(frozen=True)
class SweepView:
    values: list[str]  # the swept values, in grid order
    head: list[str]  # the comparison table's header
    rows: list[list[str]]  # the comparison table
    # the epochs the fluctuation was computed over: "the last 30 epochs", "all 10 epochs"
    window: str
    # what the column means where the window is every epoch ("" if not)
    window_note: str
    seed_head: list[str]
    seed_rows: list[list[str]]  # value, then each seed's final perplexity
    ends: tuple[list[str], list[str]]  # first and last value: value, params, seconds
    # best final perplexity (and in a course build: speed, steadiness)
    findings: list[Claim]
    curves: list[Claim]  # each setting's mean perplexity curve
    final: Claim  # last setting against the first, final perplexity
    seconds: Claim  # last setting against the first, time per run


@dataclasses.dataclass(frozen=True)
class RnnTuningView:
    base_id: str  # the baseline run (first hidden size, first seed)
    base: RunResult
    seeds: list[int]
    # what the tables' cells are: mean ± std over N seeds, or single runs
    over_seeds: str
    hidden: SweepView
    batch: SweepView
    chosen_hidden: int | None  # the hidden size the batch sweep took from results
    batch_hidden: int  # the hidden size the batch sweep ran at
    count_params: t.Mapping[str, t.Any]  # the exercise's network: input, hidden, output
    vanilla: t.Mapping[str, t.Any]  # the exercise's 2-layer vanilla RNN, counted
    count_rows: list[list[object]]
    # two-layer GRU and LSTM, one bias per gate: "two-layer GRU: a + b + c = n"
    textbook: list[str]
    count_check: str  # formula against numel() over all the models
    scratch_shape: t.Any  # the from-scratch model's output shape, from one forward pass
    lesson: str  # what the hidden sweep teaches, only where its claim supports it ("" if not)
    seed_errors: str  # the seed margin in standard errors of the difference: "3"


def _seeds(row: SweepRow, spread: Spread, digits: int, unit: str = "") -> Seeds:
    return Seeds(row.label, spread, digits, unit, complete=spread.n == len(row.runs))


def _window(found: Sweep, epochs: int, lang: Lang) -> tuple[str, str]:
    """The fluctuation's window for the prose, and what it means where it is every epoch."""
    if found.last < epochs:
        return lang("rnn_tuning.window_last", n=found.last), ""
    return lang("rnn_tuning.window_all", n=found.last), lang(
        "rnn_tuning.window_note", epochs=epochs
    )


def _row(row: SweepRow, lang: Lang) -> list[str]:
    return [
        str(row.value),
        format_number(row.num_params),
        format_spread(row.final, 2),
        format_spread(row.best, 2),
        format_spread(row.to_threshold, 1)
        if row.to_threshold.n
        else lang("value.unreached"),
        format_spread(row.fluctuation, 3),
        format_spread(row.seconds, 1),
        lang.join(row.remarks(lang), "clauses") or "—",
    ]


def _mean_curve(row: SweepRow) -> list[list[float]]:
    curves = [r.series.get("perplexity", []) for r in row.runs if r.status == "ok"]
    steps, means, _ = mean_band([c for c in curves if c])
    return [[s, m] for s, m in zip(steps, means, strict=True)]


def _findings(judge: Judge, found: Sweep) -> list[Claim]:
    rows, lang = found.rows, judge.lang
    best = judge.best_seeds(
        [_seeds(r, r.final, 3) for r in rows], lang("quantity.final_perplexity")
    )
    if judge.preview:  # one sentence says so; the others would repeat the table
        return [best]
    return [
        best,
        judge.best_seeds(
            [_seeds(r, r.to_threshold, 1, lang("value.epochs")) for r in rows],
            lang("rnn_tuning.to_threshold", threshold=f"{found.threshold:g}"),
            word="fewest",
        ),
        judge.best_seeds(
            [_seeds(r, r.fluctuation, 3) for r in rows],
            lang("rnn_tuning.fluctuation", n=found.last),
            word="smallest",
        ),
    ]


def _sweep_view(results: Results, group: str, axis: str, name: str) -> SweepView:
    judge, lang = results.judge, results.lang
    found = sweep(
        results.lab, results.runs, group, axis, threshold=THRESHOLD, last=LAST
    )
    rows = found.rows
    first, last = rows[0], rows[-1]
    epochs = int(first.runs[0].params["num_epochs"])
    window, window_note = _window(found, epochs, lang)

    def ends(row: SweepRow) -> list[str]:
        return [
            str(row.value),
            format_number(row.num_params),
            format_spread(row.seconds, 1),
        ]

    return SweepView(
        values=[str(r.value) for r in rows],
        head=[
            name,
            *(
                lang(
                    f"rnn_tuning.head.{column}",
                    threshold=f"{found.threshold:g}",
                    n=found.last,
                )
                for column in (
                    "params",
                    "final",
                    "lowest",
                    "epochs",
                    "fluctuation",
                    "wall",
                    "remarks",
                )
            ),
        ],
        rows=[_row(r, lang) for r in rows],
        window=window,
        window_note=window_note,
        seed_head=[name, *(lang("rnn_tuning.seed", seed=r.seed) for r in first.runs)],
        seed_rows=[
            [str(r.value), *(final_value(run, "perplexity", lang) for run in r.runs)]
            for r in rows
        ],
        ends=(ends(first), ends(last)),
        findings=_findings(judge, found),
        curves=[
            judge.curve(r.label, _mean_curve(r), lang("rnn_tuning.mean_curve"), "epoch")
            for r in rows
        ],
        final=judge.compare_seeds(
            _seeds(last, last.final, 3),
            _seeds(first, first.final, 3),
            lang("quantity.final_perplexity"),
        ),
        seconds=judge.compare_seeds(
            _seeds(last, last.seconds, 1, lang("value.seconds")),
            _seeds(first, first.seconds, 1, lang("value.seconds")),
            lang("quantity.wall_time"),
            margin=TIME_MARGIN,
            less="shorter",
            more="longer",
        ),
    )


def _over_seeds(seeds: list[int], lang: Lang) -> str:
    if len(seeds) > 1:
        return lang("rnn_tuning.over_seeds", n=len(seeds))
    return lang("rnn_tuning.one_seed")


def _count_check(rows: t.Sequence[t.Mapping[str, t.Any]], lang: Lang) -> str:
    wrong = [r["model"] for r in rows if r["numel"] != r["formula_total"]]
    if wrong:
        return lang("rnn_tuning.count_wrong", models=lang.join(wrong, "series"))
    return lang("rnn_tuning.count_right", n=len(rows))


def _count_row(row: t.Mapping[str, t.Any], lang: Lang) -> list[object]:
    layers = [f"{f} = {n}" for f, n in zip(row["formulas"], row["layers"], strict=True)]
    agrees = row["formula_total"] == row["numel"]
    agree = lang("rnn_tuning.agrees" if agrees else "rnn_tuning.disagrees")
    return [
        lang.name(row["model"]),
        *layers,
        row["output"],
        row["formula_total"],
        row["numel"],
        agree,
    ]


def _sum(row: t.Mapping[str, t.Any], lang: Lang) -> str:
    parts = [*map(str, row["layers"]), str(row["output"])]
    return lang(
        "rnn_tuning.sum",
        model=row["model"],
        parts=" + ".join(parts),
        total=row["formula_total"],
    )


def _lesson(final: Claim, lang: Lang) -> str:
    """The lesson of a larger model ending with a higher perplexity beyond the seeds' spread."""
    return lang("rnn_tuning.lesson") if final.outcome == "more" else ""


def view(results: Results) -> RnnTuningView:
    base_id = results.members("hidden")[0]
    batch_runs = results.members("batch")
    counts = results.runs["param_count"]
    count_rows = counts.tables["counts"]
    chosen = results.chosen.get("batch", {}).get("num_hiddens")
    seeds = [
        results.runs[r].seed
        for r in results.members("hidden")
        if results.lab.run(r).point == results.lab.run(base_id).point
    ]
    lang = results.lang
    hidden = _sweep_view(
        results, "hidden", "num_hiddens", lang("rnn_tuning.axis.num_hiddens")
    )
    return RnnTuningView(
        base_id=base_id,
        base=results.runs[base_id],
        seeds=seeds,
        over_seeds=_over_seeds(seeds, lang),
        hidden=hidden,
        batch=_sweep_view(
            results, "batch", "batch_size", lang("rnn_tuning.axis.batch_size")
        ),
        chosen_hidden=chosen,
        batch_hidden=int(results.runs[batch_runs[0]].params["num_hiddens"]),
        count_params=counts.params,
        vanilla=count_rows[0],
        count_rows=[_count_row(r, lang) for r in count_rows],
        textbook=[_sum(r, lang) for r in counts.tables["textbook"]],
        count_check=_count_check(count_rows, lang),
        scratch_shape=counts.metrics["scratch_output_shape"],
        lesson=_lesson(hidden.final, lang),
        seed_errors=f"{SEED_ERRORS:g}",
    )
