"""Rendering one report: figures, the lab template to Markdown, Markdown to HTML, HTML to PDF."""

from __future__ import annotations

import typing as t
from pathlib import Path

from markupsafe import Markup

from reportgen.aggregate import first_spike
from reportgen.errors import RenderError
from reportgen.lab import LabSpec
from reportgen.paths import TEMPLATES_DIR
from reportgen.render.context import (
    Captions,
    ReportContext,
    Student,
    code_listing,
    for_templates,
    format_number,
    md_table,
    sample_list,
)
from reportgen.render.figures import BackgroundFigures, figure_files
from reportgen.render.sweeps import Sweep, format_spread, sweep
from reportgen.render.verse import poem_markdown
from reportgen.store import RunResult, write_atomic

FIGURES_DIR = "figures"
MATH_DIR = "math"


def render_report(
    lab: LabSpec,
    run_ids: t.Sequence[str],  # the build's runs, in plan order
    results: t.Mapping[str, RunResult],
    chosen: t.Mapping[str, t.Mapping[str, t.Any]],
    student: Student,
    profile: str,
    date: str,
    notes: tuple[Path, Markup | None],
    out_dir: Path,
    basename: str,
) -> tuple[Path, Path, list[str]]:
    """Write ``<basename>.md`` (+ figures/) and ``<basename>.pdf`` into ``out_dir``."""
    from reportgen.render.markdown import to_html
    from reportgen.render.math import prune_formulas
    from reportgen.render.pdf_inputs import pdf_is_current, record_pdf_inputs
    from reportgen.render.templates import html_env, markdown_env

    files = figure_files(lab, results, out_dir / FIGURES_DIR)
    # missing figures are drawn in a worker while the text and the PDF are prepared
    with BackgroundFigures(lab, results, files) as figures:
        warnings = []
        notes_path, notes_text = notes
        if notes_text is None:
            warnings.append(
                f"No discussion found at {notes_path}:"
                " the report shows a placeholder for [小结或讨论]."
            )

        results = {run_id: for_templates(r) for run_id, r in results.items()}

        def sweep_of(group: str, axis: str, **analysis: t.Any) -> Sweep:
            return sweep(lab, results, group, axis, **analysis)

        context: ReportContext = {
            "lab": lab,
            "student": student,
            "date": date,
            "profile": profile,
            "runs": results,
            "labels": {run_id: lab.run(run_id).label for run_id in run_ids},
            "notes": notes_text,
            "notes_path": str(notes_path),
            "cap": Captions(files.paths),
            "listing": lambda run_id, name: code_listing(results[run_id], name),
            "samples": lambda run_id: sample_list(results[run_id]),
            "ok": lambda *run_ids: all(results[r].status == "ok" for r in run_ids),
            "table": md_table,
            "num": format_number,
            "chosen": chosen,
            "sweep": sweep_of,
            "members": lambda group: [r for r in run_ids if lab.run(r).group == group],
            "spread": format_spread,
            "spike": lambda run_id, name: first_spike(
                results[run_id].series.get(name, [])
            ),
            "poem": poem_markdown,
        }
        try:
            text = markdown_env().get_template(lab.template).render(**context)
        except RenderError:
            raise
        except Exception as exc:
            raise RenderError(
                f"Error rendering template '{lab.template}' ({lab.id}): {exc}"
            ) from exc
        markdown_path = out_dir / f"{basename}.md"

        body = to_html(text, out_dir / MATH_DIR)
        prune_formulas(out_dir / MATH_DIR, body)  # e.g. after a template edit
        css = (TEMPLATES_DIR / "report.css").read_text(encoding="utf-8")
        html = (
            html_env()
            .get_template("report.html.j2")
            .render(
                body=Markup(body),
                css=Markup(css),
                title=f"{student.id} {lab.title}",
                quick=profile != "course",
            )
        )
        pdf_path = out_dir / f"{basename}.pdf"
        # a figure being drawn has a new file name, so the HTML and the PDF change with it
        if files.missing or not pdf_is_current(pdf_path, html, out_dir):
            from reportgen.render.pdf import write_pdf  # imports WeasyPrint

            try:
                write_pdf(html, out_dir, pdf_path, before_file=figures.wait_for)
            except RenderError:
                figures.wait()  # a figure's own error explains the failure best
                raise
            record_pdf_inputs(pdf_path, html, out_dir)
        figures.wait()
        # last: a report that failed on the way keeps its previous Markdown beside its PDF
        write_atomic(markdown_path, text)
    return markdown_path, pdf_path, warnings
