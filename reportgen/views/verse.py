"""Laying out a generated poem: one sentence (a couplet, as a rule) per line, and its form.

Pure text, no torch: changing the layout re-renders a report and never retrains.
"""

from __future__ import annotations

import dataclasses
import re

from markupsafe import Markup

from reportgen.lang import Lang
from reportgen.render.context import escape_markdown

END_TOKEN = "E"
_SENTENCE = re.compile(r"[^。？！；]+[。？！；]?")  # a sentence and its closing mark
_CLAUSE_END = re.compile(r"[，。？！；、：]")
# clause lengths and counts with a name (verse.length_<n>, verse.count_<n>): a 句 is a
# clause, and 绝句 (quatrains) have four
_NAMED_LENGTHS = (5, 7)
_NAMED_COUNTS = (4, 8)


@dataclasses.dataclass(frozen=True)
class Poem:
    lines: list[str]
    # the model wrote the end token (else it was cut at the length limit)
    finished: bool

    def form(self, lang: Lang) -> str:
        """五言绝句, 七言律诗, 五言 6 句 …: every clause (句) has 5 or 7 characters; else 杂言
        (in ``lang``)."""
        clauses = [c for line in self.lines for c in _CLAUSE_END.split(line) if c]
        lengths = {len(c) for c in clauses}
        if len(lengths) != 1 or next(iter(lengths)) not in _NAMED_LENGTHS:
            return lang("verse.irregular")
        count = len(clauses)
        shape = (
            lang(f"verse.count_{count}")
            if count in _NAMED_COUNTS
            else lang("verse.clauses", n=count)
        )
        return lang(f"verse.length_{lengths.pop()}") + shape


def lay_out(text: str) -> Poem:
    """Split generated text (without the start token) into lines after each 。？！；."""
    finished = text.endswith(END_TOKEN)
    body = text.removesuffix(END_TOKEN)
    return Poem([m.group() for m in _SENTENCE.finditer(body)], finished)


def poem_markdown(heading: str, text: str, lang: Lang) -> Markup:
    """A poem as a centred block: heading and form, then one line per sentence."""
    poem = lay_out(text)
    form = poem.form(lang)
    note = form if poem.finished else lang("verse.cut", form=form)
    lines = [f"**{escape_markdown(heading)}**{lang('caption.gap')}*{note}*"]
    lines += [escape_markdown(line) for line in poem.lines]
    return Markup("  \n".join(lines) + "\n{: .poem }")
