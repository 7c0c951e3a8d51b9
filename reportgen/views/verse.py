"""Laying out a generated poem: one sentence (a couplet, as a rule) per line, and its form.

Pure text, no torch: changing the layout re-renders a report and never retrains.
"""

from __future__ import annotations

import dataclasses
import re

from markupsafe import Markup

from reportgen.render.context import escape_markdown

END_TOKEN = "E"
_SENTENCE = re.compile(r"[^。？！；]+[。？！；]?")  # a sentence and its closing mark
_CLAUSE_END = re.compile(r"[，。？！；、：]")
_LENGTH_NAMES = {5: "五言", 7: "七言"}
_CLAUSE_COUNT_NAMES = {4: "绝句", 8: "律诗"}  # a 句 is a clause: 绝句 have four


@dataclasses.dataclass(frozen=True)
class Poem:
    lines: list[str]
    # the model wrote the end token (else it was cut at the length limit)
    finished: bool

    @property
    def form(self) -> str:
        """五言绝句, 七言律诗, 五言 6 句 …: every clause (句) has 5 or 7 characters; else 杂言."""
        clauses = [c for line in self.lines for c in _CLAUSE_END.split(line) if c]
        lengths = {len(c) for c in clauses}
        if len(lengths) != 1 or next(iter(lengths)) not in _LENGTH_NAMES:
            return "杂言"
        name = _LENGTH_NAMES[lengths.pop()]
        shape = _CLAUSE_COUNT_NAMES.get(len(clauses), f" {len(clauses)} 句")
        return name + shape


def lay_out(text: str) -> Poem:
    """Split generated text (without the start token) into lines after each 。？！；."""
    finished = text.endswith(END_TOKEN)
    body = text.removesuffix(END_TOKEN)
    return Poem([m.group() for m in _SENTENCE.finditer(body)], finished)


def poem_markdown(heading: str, text: str) -> Markup:
    """A poem as a centred block: heading and form, then one line per sentence."""
    poem = lay_out(text)
    note = (
        poem.form if poem.finished else f"{poem.form}，未写出结束符，在长度上限处截断"
    )
    lines = [f"**{escape_markdown(heading)}**　*{note}*"]
    lines += [escape_markdown(line) for line in poem.lines]
    return Markup("  \n".join(lines) + "\n{: .poem }")
