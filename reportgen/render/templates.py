"""The one place the Jinja environments are built.

Markdown templates (``*.md.j2``) escape every output for Markdown; the HTML shell
(``report.html.j2``) escapes for HTML. Both use StrictUndefined, so a typo fails the build.
"""

from __future__ import annotations

import jinja2

from reportgen.errors import RenderError
from reportgen.paths import TEMPLATES_DIR
from reportgen.render.context import escape_markdown, format_number


def markdown_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown, not HTML: escaping is done by finalize below
        finalize=escape_markdown,  # every {{ }} prints literally unless it is Markup
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = format_number
    return env


def html_env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        undefined=jinja2.StrictUndefined,
        autoescape=True,  # explicit: select_autoescape would not match "report.html.j2"
    )


HTML_SHELL = "report.html.j2"


def check_templates(name: str, lab_spec: str) -> None:
    """Compile the Markdown template ``name`` (named by ``lab_spec``), every template it
    extends, includes or imports, and the HTML shell: a syntax error or a missing template
    is a one-line RenderError naming the template and the line."""
    from jinja2 import meta

    for env, first in ((markdown_env(), name), (html_env(), HTML_SHELL)):
        assert env.loader is not None
        pending, seen = [(first, lab_spec)], set()
        while pending:
            current, asked_by = pending.pop()
            seen.add(current)
            try:
                source = env.loader.get_source(env, current)[0]
                tree = env.parse(source, current)
                env.compile(tree, current)
            except jinja2.TemplateNotFound:
                raise RenderError(
                    f"Template templates/{current} (named in {asked_by}) does not exist."
                ) from None
            except jinja2.TemplateSyntaxError as exc:
                raise RenderError(
                    f"Template templates/{current}, line {exc.lineno}: {exc.message}"
                ) from None
            pending += [
                (referenced, f"templates/{current}")
                for referenced in meta.find_referenced_templates(tree)
                if referenced and referenced not in seen
            ]
