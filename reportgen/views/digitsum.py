"""digitsum's view: the data, the SRN check against nn.RNN, accuracy by length for the three
models against chance, the learning-rate study and the gradient-explosion runs."""

from __future__ import annotations

import collections
import dataclasses
import statistics
import typing as t

from reportgen.claims import Claim, Measured
from reportgen.lang import Lang
from reportgen.render.context import format_number
from reportgen.store import RunResult
from reportgen.views import Results

MODELS = ("srn", "residual", "lstm")  # the groups; named by digitsum.model.<group>
GRADIENTS = ("grad_W", "grad_U", "grad_b")
# the label is the sum of the first two digits: always answering the commonest sum (9, ten
# of the 100 pairs) is the best an answer that ignores the input can do
CLASSES = 19  # the sums 0 … 18 of two digits: the classifier's outputs
CHANCE = (
    max(collections.Counter(a + b for a in range(10) for b in range(10)).values()) / 100
)


@dataclasses.dataclass(frozen=True)
class DigitsumView:
    lengths: list[int]
    srn_first: str  # the shortest length's SRN run: its settings and code are shown
    sizes: list[list[object]]  # length, train, dev, test
    examples: list[list[object]]  # length (first line only), digits, label
    train_sha: str  # the L = 5 training file's sha256, shortened
    files: int  # data files hashed
    check_rows: list[list[str]]  # length, max abs diff, own ms, nn.RNN ms, ratio
    agreement: Claim  # own SRN against nn.RNN
    speed: Claim  # the speed ratio along the length
    accuracy_rows: list[list[str]]  # length, then dev and test per model
    chance: float
    chance_shown: str  # CHANCE as a table prints it: "10.0%"
    classes: int  # the labels: every sum of two digits, 0 … 18
    guess_shown: str  # one class in CLASSES by uniform guessing: "5.3%"
    test_size: int  # test samples per length
    srn_range: Claim  # SRN's shortest against its longest length
    srn_longest: Claim  # SRN at its longest length against chance
    means: list[str]  # "SRN 12.3%" per model: the mean over lengths
    residual: Claim  # residual SRN against SRN, over all lengths
    lstm: Claim  # LSTM against SRN, over all lengths
    rates: list[float]
    lr_head: list[str]  # learning rate, L=5, …
    lr_rows: list[list[str]]  # rate, then test accuracy per length
    best_rate: Claim  # the two best rates' mean accuracies
    diverged_rates: list[str]  # "lr=…: L=…" where a run diverged
    explosion_rows: list[list[str]]  # setting, how training ended, peaks, dev, test
    peaks_u: tuple[str, str] | None  # ‖∇U‖'s peak without and with clipping
    explosion: Claim  # the two explosion runs' test accuracies
    summary_accuracy: str  # "SRN a / b / …；…"


def percent(result: RunResult, lang: Lang, metric: str = "test_accuracy") -> str:
    """An accuracy in % as a cell, or where the run diverged."""
    if result.status != "ok":
        return lang("value.diverged_step", at=result.diverged_at)
    return format_number(result.metrics[metric] * 100, 1)


def _by_length(results: Results, group: str) -> dict[int, RunResult]:
    return {
        results.runs[r].params["length"]: results.runs[r]
        for r in results.members(group)
    }


def _mean(name: str, found: t.Iterable[RunResult]) -> tuple[Measured, int]:
    """The mean test accuracy of the finished runs among ``found``, and how many finished."""
    values = [r.metrics["test_accuracy"] for r in found if r.status == "ok"]
    return Measured(name, statistics.fmean(values) if values else None, 3), len(values)


def _accuracy(name: str, result: RunResult) -> Measured:
    value = result.metrics["test_accuracy"] if result.status == "ok" else None
    return Measured(name, value, 3)


def _peak(result: RunResult, name: str) -> float | None:
    values = [v for _, v in result.series.get(name, [])]
    return max(values) if values else None


def _explosion_row(results: Results, run_id: str) -> list[str]:
    result, lang = results.runs[run_id], results.lang
    ended = (
        lang("value.diverged_step", at=result.diverged_at)
        if result.status != "ok"
        else lang("digitsum.steps_done", steps=format_number(result.metrics["steps"]))
    )
    peaks = [format_number(_peak(result, name), 2) for name in GRADIENTS]
    return [
        results.label(run_id),
        ended,
        *peaks,
        percent(result, lang, "dev_accuracy"),
        percent(result, lang),
    ]


def view(results: Results) -> DigitsumView:
    runs, judge, lang = results.runs, results.judge, results.lang
    data, check = runs["data"], runs["srn_check"]
    by_group = {group: _by_length(results, group) for group in MODELS}
    names = {group: lang(f"digitsum.model.{group}") for group in MODELS}
    lengths = sorted(by_group["srn"])
    test_size = next(
        int(row["test"]) for row in data.tables["sizes"] if row["length"] == lengths[0]
    )
    lr_runs = [runs[r] for r in results.members("lr")]
    rates = list(dict.fromkeys(r.params["lr"] for r in lr_runs))
    lr_cell = {(r.params["lr"], r.params["length"]): r for r in lr_runs}
    rate_means = sorted(
        (
            _mean(
                lang("digitsum.rate", rate=f"{rate:g}"),
                (lr_cell[rate, n] for n in lengths),
            )
            for rate in rates
        ),
        key=lambda mean: mean[0].value if mean[0].value is not None else -1.0,
        reverse=True,
    )
    means = {g: _mean(names[g], by_group[g].values()) for g in MODELS}

    def srn_at(length: int) -> Measured:
        return _accuracy(
            lang("digitsum.srn_at", length=length), by_group["srn"][length]
        )

    def pooled(
        *compared: tuple[Measured, int],
    ) -> tuple[Measured, Measured, float, int]:
        """Two means over lengths for :meth:`Judge.accuracies`: each counts the tests of
        every length its runs finished (the fewer of the two)."""
        (a, finished_a), (b, finished_b) = compared
        return a, b, CHANCE, test_size * min(finished_a, finished_b)

    boom, clipped = runs["explode"], runs["explode_clipped"]
    peaks = (_peak(boom, "grad_U"), _peak(clipped, "grad_U"))
    return DigitsumView(
        lengths=lengths,
        srn_first=results.members("srn")[0],
        sizes=[
            [row["length"], row["train"], row["dev"], row["test"]]
            for row in data.tables["sizes"]
        ],
        examples=[
            [length if i == 0 else "", *line.split("\t")]
            for length in lengths
            for i, line in enumerate(data.samples[f"L{length}"].split("\n"))
        ],
        train_sha=next(
            f["sha256"][:16]
            for f in data.tables["files"]
            if f["length"] == lengths[0] and f["split"] == "train"
        ),
        files=len(data.tables["files"]),
        check_rows=[
            [
                str(row["length"]),
                f"{row['max_abs_diff']:.1e}",
                format_number(row["own_ms"], 3),
                format_number(row["torch_ms"], 3),
                format_number(row["ratio"], 1),
            ]
            for row in check.tables["srn_vs_nn_rnn"]
        ],
        agreement=judge.agreement(
            lang("digitsum.agreement"), check.metrics["max_abs_diff"]
        ),
        speed=judge.trend(
            lang("digitsum.length"),
            [
                (row["length"], Measured(f"L={row['length']}", row["ratio"], 1))
                for row in check.tables["srn_vs_nn_rnn"]
            ],
            lang("digitsum.slowdown"),
        ),
        accuracy_rows=[
            [
                str(n),
                *(
                    cell
                    for g in MODELS
                    for cell in (
                        percent(by_group[g][n], lang, "dev_accuracy"),
                        percent(by_group[g][n], lang),
                    )
                ),
            ]
            for n in lengths
        ],
        chance=CHANCE,
        chance_shown=f"{CHANCE:.1%}",
        classes=CLASSES,
        guess_shown=f"{1 / CLASSES:.1%}",
        test_size=test_size,
        srn_range=judge.accuracies(
            srn_at(lengths[0]), srn_at(lengths[-1]), CHANCE, test_size
        ),
        srn_longest=judge.versus_chance(srn_at(lengths[-1]), CHANCE, test_size),
        means=[
            f"{m.name} {format_number(_percent_of(m), 1)}%" for m, _ in means.values()
        ],
        residual=judge.accuracies(*pooled(means["residual"], means["srn"])),
        lstm=judge.accuracies(*pooled(means["lstm"], means["srn"])),
        rates=rates,
        lr_head=[lang("digitsum.rate_head"), *(f"L={n}" for n in lengths)],
        lr_rows=[
            [f"{rate:g}", *(percent(lr_cell[rate, n], lang) for n in lengths)]
            for rate in rates
        ],
        best_rate=judge.accuracies(*pooled(rate_means[0], rate_means[1])),
        diverged_rates=[
            lang(
                "digitsum.diverged_rate",
                rate=f"{rate:g}",
                lengths=lang.join(
                    (n for n in lengths if lr_cell[rate, n].status != "ok"), "series"
                ),
            )
            for rate in rates
            if any(lr_cell[rate, n].status != "ok" for n in lengths)
        ],
        explosion_rows=[
            _explosion_row(results, r) for r in ("explode", "explode_clipped")
        ],
        peaks_u=None
        if None in peaks
        else (format_number(peaks[0], 1), format_number(peaks[1], 1)),
        explosion=judge.accuracies(
            _accuracy(results.label("explode"), boom),
            _accuracy(results.label("explode_clipped"), clipped),
            CHANCE,
            test_size,
        ),
        summary_accuracy=lang.join(
            (
                f"{names[g]} "
                + " / ".join(percent(by_group[g][n], lang) for n in lengths)
                for g in MODELS
            ),
            "clauses",
        ),
    )


def _percent_of(measured: Measured) -> float | None:
    return None if measured.value is None else measured.value * 100
