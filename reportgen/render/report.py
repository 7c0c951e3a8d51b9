"""Rendering one report: figures, the lab template to Markdown, Markdown to HTML, HTML to PDF."""

from __future__ import annotations

import traceback
import typing as t
from pathlib import Path

from markupsafe import Markup

from reportgen.claims import TIME_MARGIN, Judge
from reportgen.errors import RenderError
from reportgen.lab import LabSpec
from reportgen.lang import lang
from reportgen.paths import TEMPLATES_DIR, VIEWS_DIR, build_dir_of, shown_path
from reportgen.render.context import (
    Captions,
    Numbering,
    ReportContext,
    Student,
    appendix_rows,
    code_listing,
    for_templates,
    format_number,
    md_table,
    sample_list,
)
from reportgen.render.figures import (
    BackgroundFigures,
    figure_files,
    remove_old_figures,
)
from reportgen.render.formats import DEFAULT_FORMATS, FORMATS
from reportgen.safety import own_dir
from reportgen.staged import StagedFiles
from reportgen.store import RunResult
from reportgen.views import Results, view_of

FIGURES_DIR = "figures"
MATH_DIR = "math"


def figures_dir(profile: str) -> str:
    """The folder of a report's figures, beside it: a preview's are apart, so that neither
    report's Markdown loses a figure when the other is rebuilt (each prunes its own)."""
    return FIGURES_DIR if profile == "course" else f"{FIGURES_DIR}-preview"


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
    staged: StagedFiles,
    record: str,
    formats: t.Collection[str] = DEFAULT_FORMATS,
    non_course: t.Sequence[str] = (),
) -> tuple[dict[str, Path], list[str]]:
    """Stage the report's files of ``out_dir`` in ``staged``: ``<basename>.md`` with
    ``record`` beside it, always, and the ``formats`` asked for of .pdf (``record``
    attached), .html and .docx (see :func:`report_files`, which names them). Figures and
    formulas, named by content, are written into their folders at once; the ones the new
    report no longer shows are deleted once ``staged`` is committed. ``non_course``: the
    options beyond the course's that the first page lists (reportgen.non_course)."""
    from reportgen.render.html_file import inline_images, screen_css
    from reportgen.render.markdown import display_math_on_own_lines, to_html
    from reportgen.render.math import prune_formulas
    from reportgen.render.pdf_inputs import pdf_is_current, stage_pdf_inputs
    from reportgen.render.templates import html_env, markdown_env

    words = lang(lab.lang)
    mark = "" if profile == "course" else words("plot.preview_mark")
    files = figure_files(lab, results, own_dir(out_dir, figures_dir(profile)), mark)
    # missing figures are drawn in a worker while the text and the PDF are prepared
    with BackgroundFigures(lab, results, files) as figures:
        warnings = []
        judge = Judge(preview=profile != "course", lang=words)
        notes_path, notes_text = notes
        if notes_text is None:
            warnings.append(
                f"No discussion found at {notes_path}: the report shows a placeholder"
                f" for {words('page.discussion')}."
            )

        results = {run_id: for_templates(r) for run_id, r in results.items()}

        context: ReportContext = {
            "lab": lab,
            "student": student,
            "date": date,
            "profile": profile,
            "non_course": list(non_course),
            "runs": results,
            "labels": {run_id: lab.run(run_id).label for run_id in run_ids},
            "notes": notes_text,
            "notes_path": str(notes_path),
            "cap": Captions(files.paths, Numbering(words)),
            "listing": lambda run_id, name: code_listing(results[run_id], name),
            "samples": lambda run_id: sample_list(results[run_id], words),
            "ok": lambda *run_ids: all(results[r].status == "ok" for r in run_ids),
            "table": md_table,
            "num": format_number,
            "time_margin": f"{TIME_MARGIN:.0%}",
            "time_rule": judge.time_rule(),
            "appendix_rows": appendix_rows(results),
            "device_names": list(
                dict.fromkeys(r.device_name for r in results.values())
            ),
            "view": None,  # made below, where a stored value that breaks it is reported
        }
        try:
            context["view"] = view_of(
                Results(
                    lab,
                    {run_id: results[run_id] for run_id in run_ids},
                    chosen,
                    judge,
                )
            )
            template = markdown_env(lab.lang).get_template(lab.template)
            template.render(**context)  # finds the numbers that references print
            known = context["cap"].numbering.found
            unplaced = [f.id for f in lab.figures if ("figure", f.id) not in known]
            if unplaced:
                raise RenderError(
                    f"Template {lab.template} never places figure"
                    f" {', '.join(repr(f) for f in unplaced)} of the lab spec: add"
                    " {{ cap.figure(id, caption) }} where it belongs, or remove the figure"
                    " from the spec."
                )
            context["cap"] = Captions(files.paths, Numbering(words, known))
            text = display_math_on_own_lines(template.render(**context))
        except RenderError:
            raise
        except Exception as exc:
            why = str(exc).rstrip(".")
            # a KeyError's str() is just the key ("'lsmt'"): name the error too
            if isinstance(exc, (KeyError, IndexError)):
                why = f"{type(exc).__name__} {why}"
            raise RenderError(
                f"Error rendering template '{lab.template}' ({lab.id}{where_raised(exc)}):"
                f" {why}. If you changed the lab's view or template, fix it there; if a"
                " stored result under the build folder's cache/ was edited, build with"
                " --force to train every run again."
            ) from exc
        paths = report_files(out_dir, basename, formats)
        staged.write(paths["md"], text)
        staged.write(paths["record"], record)

        body = to_html(text, own_dir(out_dir, MATH_DIR))
        css = (TEMPLATES_DIR / "report.css").read_text(encoding="utf-8")
        page_words = {
            key.removeprefix("page."): value
            for key, value in words.messages.items()
            if key.startswith("page.")
        }

        def page(screen_css: str) -> str:
            return (
                html_env()
                .get_template("report.html.j2")
                .render(
                    body=Markup(body),
                    css=Markup(css),
                    title=f"{student.id} {lab.title}",
                    quick=profile != "course",
                    words=page_words,
                    screen_css=Markup(screen_css),
                )
            )

        html = page("")
        pdf_path = paths.get("pdf")
        # a figure being drawn has a new file name, so the HTML and the PDF change with it
        new_pdf = pdf_path is not None and (
            bool(files.missing) or not pdf_is_current(pdf_path, html, record, out_dir)
        )
        if new_pdf and pdf_path is not None:
            from reportgen.render.pdf import write_pdf  # imports WeasyPrint

            tmp_pdf = staged.temp_for(pdf_path)
            try:
                write_pdf(
                    html, out_dir, tmp_pdf, before_file=figures.wait_for, record=record
                )
            except RenderError:
                figures.wait()  # a figure's own error explains the failure best
                raise
        figures.wait()
        if new_pdf and pdf_path is not None:  # its inputs' digest covers the figures
            stage_pdf_inputs(staged, pdf_path, html, record, out_dir)
        if "html" in paths:
            staged.write(paths["html"], inline_images(page(screen_css()), out_dir))
        if "docx" in paths:
            from reportgen.render.docx import find_pandoc, write_docx
            from reportgen.render.reference_doc import reference_doc

            reference = reference_doc(
                own_dir(build_dir_of(out_dir, lab.lang), "cache", "pandoc"),
                find_pandoc(),
                footer=(
                    words("page.footer_before"),
                    words("page.footer_middle"),
                    words("page.footer_after"),
                ),
                banner=None if profile == "course" else words("page.quick_banner"),
            )
            tex_body = to_html(text, out_dir / MATH_DIR, tex=True)
            write_docx(tex_body, out_dir, reference, staged.temp_for(paths["docx"]))
    staged.after_commit(lambda: remove_old_figures(files))
    staged.after_commit(lambda: prune_formulas(out_dir / MATH_DIR, body))
    return paths, warnings


def report_files(
    out_dir: Path, basename: str, formats: t.Collection[str] = DEFAULT_FORMATS
) -> dict[str, Path]:
    """The files a build writes, by format: "md" and its "record" (reportgen.record) always,
    then each of "pdf", "html", "docx" in ``formats``.

    The Markdown is written whatever ``formats`` says: it is the text every other format is
    made from, costs milliseconds, and with its record beside it keeps every build
    verifiable (``reportgen verify`` reads a PDF or a Markdown file, not HTML or Word)."""
    from reportgen.record import sidecar_path

    markdown = out_dir / f"{basename}.md"
    paths = {"md": markdown, "record": sidecar_path(markdown)}
    for kind in FORMATS[1:]:
        if kind in formats:
            paths[kind] = out_dir / f"{basename}.{kind}"
    return paths


def report_paths(out_dir: Path, basename: str) -> tuple[Path, Path]:
    """The report's Markdown and PDF files (the Markdown's record beside it: see
    reportgen.record.sidecar_path)."""
    return out_dir / f"{basename}.md", out_dir / f"{basename}.pdf"


def where_raised(exc: BaseException) -> str:
    """ ", at <view or template file>, line N" for the innermost frame of an error in a lab's
    view or template (Jinja puts template lines into tracebacks), else ""."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        path = Path(frame.filename).resolve()
        for folder in (VIEWS_DIR, TEMPLATES_DIR):
            if path.is_relative_to(folder):
                return f", at {shown_path(path)}, line {frame.lineno}"
    return ""
