"""rnn-tuning's view: the two sweeps' tables, the claims over seeds, the parameter counts."""

from __future__ import annotations

import dataclasses
import typing as t

from reportgen.aggregate import Spread, mean_band
from reportgen.claims import SEED_ERRORS, TIME_MARGIN, Claim, Judge, Seeds
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
    # the epochs the fluctuation was computed over: "最后 30 轮", "全部 10 轮"
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
    # two-layer GRU and LSTM, one bias per gate: "两层 GRU 为 a + b + c = n"
    textbook: list[str]
    count_check: str  # formula against numel() over all the models
    scratch_shape: t.Any  # the from-scratch model's output shape, from one forward pass
    lesson: str  # what the hidden sweep teaches, only where its claim supports it ("" if not)
    seed_errors: str  # the seed margin in standard errors of the difference: "3"


def _seeds(row: SweepRow, spread: Spread, digits: int, unit: str = "") -> Seeds:
    return Seeds(row.label, spread, digits, unit, complete=spread.n == len(row.runs))


def _window(found: Sweep, epochs: int) -> tuple[str, str]:
    """The fluctuation's window for the prose, and what it means where it is every epoch."""
    if found.last < epochs:
        return f"最后 {found.last} 轮", ""
    return f"全部 {found.last} 轮", (
        f"（本次每个设置只训练了 {epochs} 轮，窗口包括困惑度下降的阶段，"
        "这一列因而主要反映下降的幅度，而不是训练后期的波动）"
    )


def _row(row: SweepRow) -> list[str]:
    return [
        str(row.value),
        format_number(row.num_params),
        format_spread(row.final, 2),
        format_spread(row.best, 2),
        format_spread(row.to_threshold, 1) if row.to_threshold.n else "未达到",
        format_spread(row.fluctuation, 3),
        format_spread(row.seconds, 1),
        "；".join(row.remarks) or "—",
    ]


def _mean_curve(row: SweepRow) -> list[list[float]]:
    curves = [r.series.get("perplexity", []) for r in row.runs if r.status == "ok"]
    steps, means, _ = mean_band([c for c in curves if c])
    return [[s, m] for s, m in zip(steps, means, strict=True)]


def _findings(judge: Judge, found: Sweep) -> list[Claim]:
    rows = found.rows
    best = judge.best_seeds([_seeds(r, r.final, 3) for r in rows], "最终困惑度")
    if judge.preview:  # one sentence says so; the others would repeat the table
        return [best]
    return [
        best,
        judge.best_seeds(
            [_seeds(r, r.to_threshold, 1, " 轮") for r in rows],
            f"困惑度降到 {found.threshold:g} 及以下所用的轮数",
            word="最少",
        ),
        judge.best_seeds(
            [_seeds(r, r.fluctuation, 3) for r in rows],
            f"末 {found.last} 轮困惑度的波动（标准差）",
            word="最小",
        ),
    ]


def _sweep_view(results: Results, group: str, axis: str, name: str) -> SweepView:
    judge = results.judge
    found = sweep(
        results.lab, results.runs, group, axis, threshold=THRESHOLD, last=LAST
    )
    rows = found.rows
    first, last = rows[0], rows[-1]
    epochs = int(first.runs[0].params["num_epochs"])
    window, window_note = _window(found, epochs)

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
            "参数量",
            "最终困惑度",
            "最低困惑度",
            f"≤ {found.threshold:g} 轮数",
            f"末 {found.last} 轮波动",
            "运行总时间 (s)",
            "备注",
        ],
        rows=[_row(r) for r in rows],
        window=window,
        window_note=window_note,
        seed_head=[name, *(f"种子 {r.seed}" for r in first.runs)],
        seed_rows=[
            [str(r.value), *(final_value(run, "perplexity") for run in r.runs)]
            for r in rows
        ],
        ends=(ends(first), ends(last)),
        findings=_findings(judge, found),
        curves=[
            judge.curve(r.label, _mean_curve(r), "平均困惑度曲线", "轮") for r in rows
        ],
        final=judge.compare_seeds(
            _seeds(last, last.final, 3), _seeds(first, first.final, 3), "最终困惑度"
        ),
        seconds=judge.compare_seeds(
            _seeds(last, last.seconds, 1, " 秒"),
            _seeds(first, first.seconds, 1, " 秒"),
            "运行总时间",
            margin=TIME_MARGIN,
            less="更短",
            more="更长",
        ),
    )


def _over_seeds(seeds: list[int]) -> str:
    if len(seeds) > 1:
        return f"{len(seeds)} 个种子的均值 ± 样本标准差"
    return "1 个种子的单次结果（用 --seeds 3 可得到均值 ± 标准差）"


def _count_check(rows: t.Sequence[t.Mapping[str, t.Any]]) -> str:
    wrong = [r["model"] for r in rows if r["numel"] != r["formula_total"]]
    if wrong:
        return f"公式与 numel() 在 {'、'.join(wrong)} 上不一致"
    return f"公式与 numel() 在全部 {len(rows)} 个模型上一致"


def _count_row(row: t.Mapping[str, t.Any]) -> list[object]:
    layers = [f"{f} = {n}" for f, n in zip(row["formulas"], row["layers"], strict=True)]
    agree = "一致" if row["formula_total"] == row["numel"] else "不一致"
    return [
        row["model"],
        *layers,
        row["output"],
        row["formula_total"],
        row["numel"],
        agree,
    ]


def _sum(row: t.Mapping[str, t.Any]) -> str:
    parts = [*map(str, row["layers"]), str(row["output"])]
    return f"两层 {row['model']} 为 {' + '.join(parts)} = {row['formula_total']}"


def _lesson(final: Claim) -> str:
    """The lesson of a larger model ending with a higher perplexity beyond the seeds' spread."""
    if final.outcome == "more":
        return "：在同一学习率下，参数更多的模型未必训练得更好"
    return ""


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
    hidden = _sweep_view(results, "hidden", "num_hiddens", "隐藏单元")
    return RnnTuningView(
        base_id=base_id,
        base=results.runs[base_id],
        seeds=seeds,
        over_seeds=_over_seeds(seeds),
        hidden=hidden,
        batch=_sweep_view(results, "batch", "batch_size", "批量"),
        chosen_hidden=chosen,
        batch_hidden=int(results.runs[batch_runs[0]].params["num_hiddens"]),
        count_params=counts.params,
        vanilla=count_rows[0],
        count_rows=[_count_row(r) for r in count_rows],
        textbook=[_sum(r) for r in counts.tables["textbook"]],
        count_check=_count_check(count_rows),
        scratch_shape=counts.metrics["scratch_output_shape"],
        lesson=_lesson(hidden.final),
        seed_errors=f"{SEED_ERRORS:g}",
    )
