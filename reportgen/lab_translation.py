"""A lab's strings in another language: the ``[en]`` table of its spec.

The course's language is the spec's own (``title``, ``course``, run ``label``s, figure
labels); ``[en]`` gives the same strings in English::

    [en]
    title = "Recurrent Neural Networks"
    course = "Deep Learning and Neural Networks"
    [en.labels]                 # run group -> label, with the same {param} fields
    rnn_scratch = "RNN (from scratch, sequential partitioning)"
    [en.figures.ppl_rnn_scratch]
    ylabel = "perplexity"

Every group needs a label and every figure field the spec prints needs its translation
(a legend as many entries), so an English report never shows a Chinese name.
"""

from __future__ import annotations

import dataclasses
import typing as t

if t.TYPE_CHECKING:
    from reportgen.lab import FigureSpec, LabSpec, RunSpec, _Reader

TRANSLATED = ("en",)  # languages a spec may translate itself into (the course's is zh)
KEYS = ("title", "course", "labels", "figures")
FIGURE_TEXTS = ("title", "xlabel", "ylabel")
FIGURE_LISTS = ("legend", "series_labels")


@dataclasses.dataclass(frozen=True)
class Translation:
    title: str
    course: str
    labels: dict[str, str]  # group -> label pattern
    figures: dict[
        str, dict[str, t.Any]
    ]  # figure id -> field -> text (or tuple of texts)


def read_translation(
    table: _Reader,
    runs: t.Sequence[RunSpec],
    figures: t.Sequence[FigureSpec],
    check_label: t.Callable[[_Reader, str, t.Sequence[str]], None],
) -> Translation:
    """The ``[<lang>]`` table read by ``table``, checked against the spec's runs and figures
    (``check_label`` checks a label's fields as the spec's own labels are checked)."""
    table.only(KEYS)
    labels_table, figures_table = table.sub("labels"), table.sub("figures")
    groups = {r.group: sorted(r.point) for r in runs}
    labels_table.only(list(groups))
    labels: dict[str, str] = {}
    for group, axes in groups.items():
        labels[group] = labels_table.text(group)
        check_label(labels_table, labels[group], [*axes, "seed"])
    figures_table.only([f.id for f in figures])
    translated: dict[str, dict[str, t.Any]] = {}
    for figure in figures:
        shown = [k for k in (*FIGURE_TEXTS, *FIGURE_LISTS) if getattr(figure, k)]
        reader = figures_table.sub(figure.id)
        reader.only(shown)
        fields: dict[str, t.Any] = {}
        for key in shown:
            if key in FIGURE_TEXTS:
                fields[key] = reader.text(key)
                continue
            fields[key] = reader.strings(key, printed=True)
            if len(fields[key]) != len(getattr(figure, key)):
                reader.fail(key, f"expected {len(getattr(figure, key))} entries")
        translated[figure.id] = fields
    return Translation(table.text("title"), table.text("course"), labels, translated)


def in_language(lab: LabSpec, lang: str) -> LabSpec:
    """``lab`` with its printed strings in ``lang`` (the spec's own for ``zh``)."""
    from reportgen.errors import LabSpecError

    if lang == lab.lang:
        return lab
    if lang not in lab.translations:
        raise LabSpecError(
            f"Lab {lab.id} has no {lang} strings: add an [{lang}] table to"
            f" {lab.path.name} (title, course, labels, figures; see docs/languages.md)."
        )
    words = lab.translations[lang]
    runs = tuple(
        dataclasses.replace(
            run,
            label=words.labels[run.group or run.id].format(**run.point, seed=run.seed),
        )
        for run in lab.runs
    )
    figures = tuple(
        dataclasses.replace(figure, **words.figures.get(figure.id, {}))
        for figure in lab.figures
    )
    return dataclasses.replace(
        lab,
        lang=lang,
        title=words.title,
        course=words.course,
        runs=runs,
        figures=figures,
    )
