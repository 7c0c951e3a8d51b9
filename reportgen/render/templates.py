"""The one place the Jinja environments are built.

Markdown templates (``*.md.j2``) escape every output for Markdown; the HTML shell
(``report.html.j2``) escapes for HTML. Both use StrictUndefined, so a typo fails the build.
"""

from __future__ import annotations

import jinja2

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
        extensions=["jinja2.ext.do"],
    )
    env.filters["num"] = format_number
    env.filters["zip_rows"] = zip_rows
    return env


def zip_rows(
    left: list[dict[str, object]], right: list[dict[str, object]]
) -> list[list[object]]:
    """Two ranked token tables side by side: [rank, token, freq, token, freq] per row."""

    def shown(token: object) -> object:
        return "（空格）" if token == " " else token

    return [
        [i, shown(a["token"]), a["freq"], shown(b["token"]), b["freq"]]
        for i, (a, b) in enumerate(zip(left, right, strict=True), 1)
    ]


def html_env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        undefined=jinja2.StrictUndefined,
        autoescape=True,  # explicit: select_autoescape would not match "report.html.j2"
    )
