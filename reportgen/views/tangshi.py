"""tangshi's view: the corpus, each cell's loss curve and perplexity, the poems and the
comparison of the three cells."""

from __future__ import annotations

import dataclasses
import re

from markupsafe import Markup

from reportgen.claims import Claim
from reportgen.lang import Lang
from reportgen.render.context import format_number
from reportgen.store import RunResult
from reportgen.views import Results, final_value
from reportgen.views.verse import END_TOKEN, poem_markdown

CELLS = ("lstm", "gru", "rnn")  # the course model first


@dataclasses.dataclass(frozen=True)
class CellPoems:
    """What one cell wrote: its poems, how many clauses it copied, whether starts repeat."""

    name: str
    lines: list[str]  # "日: …" per first character (an unfinished poem says so)
    memorised: Claim
    repeated: Claim


@dataclasses.dataclass(frozen=True)
class TangshiView:
    corpus: list[list[str]]  # the corpus table's one row
    loss: str  # the course model's final loss (or where it diverged)
    curves: list[Claim]  # each cell's loss curve
    unsteady: bool  # a curve rose on the way, or ended well above its lowest
    uniform: list[Claim]  # each cell's final perplexity against uniform guessing
    poems: list[Markup]  # the course model's poems, laid out
    memorised: Claim  # the course model's clauses found in the corpus
    repeated: Claim  # the course model's poems: one text under several first characters
    rows: list[list[str]]  # cell, parameters, loss, perplexity, time, chars/s, copied
    lowest: Claim  # the lowest final loss
    fastest: Claim  # the shortest training time
    others: list[CellPoems]  # GRU's and RNN's poems
    losses: str  # the three final losses, "a、b、c"
    corpus_source: str  # where the poems came from, in the report's language
    seconds: str  # the three training times


# how experiments/tangshi.py names a file the user supplied (in the course's language)
_USER_FILE = re.compile(r"^(?P<file>.*)（用户提供(?:，与(?P<known>.*)一致)?）$")


def corpus_source(recorded: str, lang: Lang) -> str:
    """The corpus line the run recorded, in ``lang``: a shipped corpus by its catalog name,
    a user's file by its name (and the published corpus its checksum matches)."""
    user = _USER_FILE.match(recorded)
    if user is None:
        return lang.name(recorded)
    if user["known"] is None:
        return lang("tangshi.corpus_user", file=user["file"])
    known = lang.name(user["known"])
    return lang("tangshi.corpus_user_known", file=user["file"], known=known)


def _copied(result: RunResult) -> tuple[int, int]:
    """(clauses found verbatim in the corpus, clauses) over the run's poems."""
    generated = result.tables.get("generated", [])
    return sum(g["copied"] for g in generated), sum(g["clauses"] for g in generated)


def _line(first: str, text: str, lang: Lang) -> str:
    body = text.removesuffix(END_TOKEN)
    unfinished = "" if text.endswith(END_TOKEN) else lang("tangshi.unfinished")
    return lang("tangshi.poem_line", first=first, body=body) + unfinished


def _cell_poems(results: Results, run_id: str) -> CellPoems:
    result, name = results.runs[run_id], results.label(run_id)
    judge = results.judge
    return CellPoems(
        name,
        [_line(first, text, results.lang) for first, text in result.samples.items()],
        judge.memorised(name, *_copied(result)),
        judge.shared_start(name, result.samples),
    )


def _row(results: Results, run_id: str) -> list[str]:
    result, lang = results.runs[run_id], results.lang
    finished = result.status == "ok"
    copied, total = _copied(result)

    def shown(name: str, digits: int = 3) -> str:
        return format_number(result.metrics.get(name), digits) if finished else "—"

    return [
        results.label(run_id),
        format_number(result.metrics.get("num_params")),
        final_value(result, "loss", lang),
        shown("perplexity"),
        shown("train_seconds", 1),
        shown("chars_per_second", 0),
        f"{copied}/{total}" if finished else "—",
    ]


def view(results: Results) -> TangshiView:
    runs, judge, lang = results.runs, results.judge, results.lang
    main = runs["lstm"]
    m = main.metrics
    vocab_size = int(m["vocab_size"])
    curves = [results.epoch_curve(r, "loss") for r in CELLS]
    course = _cell_poems(results, "lstm")
    return TangshiView(
        corpus=[
            [
                format_number(m["poems_read"]),
                format_number(m["poems"]),
                format_number(m["chars"]),
                format_number(m["chars"] / m["poems"], 1),
                format_number(vocab_size),
            ]
        ],
        loss=final_value(main, "loss", lang),
        curves=curves,
        unsteady=any(c.outcome in ("bumpy", "rebounded") for c in curves),
        uniform=[
            judge.against_uniform(results.metric(r, "perplexity"), vocab_size)
            for r in CELLS
        ],
        poems=[
            poem_markdown(lang("tangshi.poem_heading", first=first), text, lang)
            for first, text in main.samples.items()
        ],
        memorised=course.memorised,
        repeated=course.repeated,
        rows=[_row(results, r) for r in CELLS],
        lowest=judge.best(
            [results.metric(r, "loss") for r in CELLS], lang("quantity.final_loss")
        ),
        fastest=judge.fastest(
            [
                results.metric(r, "train_seconds", 1, lang("value.seconds"))
                for r in CELLS
            ]
        ),
        others=[_cell_poems(results, r) for r in CELLS[1:]],
        losses=lang.join((final_value(runs[r], "loss", lang) for r in CELLS), "series"),
        seconds=lang.join(
            (format_number(runs[r].metrics.get("train_seconds"), 1) for r in CELLS),
            "series",
        ),
        corpus_source=corpus_source(str(m["corpus"]), lang),
    )
