"""The one place the Jinja environments are built.

Markdown templates (``*.md.j2``) escape every output for Markdown; the HTML shell
(``report.html.j2``) escapes for HTML. Both use StrictUndefined, so a typo fails the build.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from markupsafe import Markup

from reportgen.errors import RenderError
from reportgen.lang import DEFAULT_LANG
from reportgen.lang import lang as lang_of
from reportgen.paths import TEMPLATES_DIR
from reportgen.render.context import escape_markdown, format_number


def template_dirs(lang: str) -> list[Path]:
    """Where a report's templates are looked up: ``templates/`` for the course's language;
    ``templates/<lang>/`` first for another (its lab and base templates), then
    ``templates/`` (what both languages share, e.g. ``shared/`` formula blocks)."""
    return (
        [TEMPLATES_DIR]
        if lang == DEFAULT_LANG
        else [TEMPLATES_DIR / lang, TEMPLATES_DIR]
    )


def markdown_env(lang: str = DEFAULT_LANG) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dirs(lang)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown, not HTML: escaping is done by finalize below
        finalize=escape_markdown,  # every {{ }} prints literally unless it is Markup
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = format_number
    env.filters["sentence"] = sentence
    env.filters["named"] = lang_of(lang).name  # a corpus or model name a run recorded
    return env


def sentence(text: object) -> str:
    """``text`` as the start of a sentence: its first letter upper-cased (claims begin in
    lower case so that they can stand inside a sentence); Chinese is unchanged."""
    shown = str(text)
    return shown[:1].upper() + shown[1:]


def html_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        undefined=jinja2.StrictUndefined,
        autoescape=True,  # explicit: select_autoescape would not match "report.html.j2"
    )
    env.filters["css_string"] = css_string
    return env


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string: quotes, backslashes and line breaks escaped, and
    nothing that could close the <style> element."""
    escaped = "".join(
        c if c.isprintable() and c not in '"\\<>' else f"\\{ord(c):x} " for c in text
    )
    return Markup(f'"{escaped}"')


HTML_SHELL = "report.html.j2"


def check_templates(name: str, lab_spec: str, lang: str = DEFAULT_LANG) -> None:
    """Compile the Markdown template ``name`` (named by ``lab_spec``) of language ``lang``,
    every template it extends, includes or imports, and the HTML shell: a syntax error or a
    missing template is a one-line RenderError naming the template and the line. Another
    language's lab template must be its own (``templates/<lang>/``), never the course's."""
    from jinja2 import meta

    own = template_dirs(lang)[0]
    if lang != DEFAULT_LANG and not (own / name).is_file():
        shown = own.relative_to(TEMPLATES_DIR.parent).as_posix()
        raise RenderError(
            f"Template {shown}/{name} (the {lang} text of {lab_spec}) does not exist."
        )
    for env, first in ((markdown_env(lang), name), (html_env(), HTML_SHELL)):
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
