"""The language layer: every word a report shows that does not come from a template.

A report is rendered in one language (``--lang``): ``zh`` (the course's) or ``en`` (for
students of the English d2l book). The prose of each lab is in its template
(``templates/<lab>.md.j2``, ``templates/en/<lab>.md.j2``); the lab's names and figure labels
are in its spec (the ``[en]`` table); everything else a report shows — claims, captions, the
page footer, the preview banner, view cells, figure legends — is a message of this
package's catalogs, ``zh.toml`` and ``en.toml``, looked up by key. Both catalogs hold the
same keys (a test checks it), so a message missing in one language fails the suite, not a
build.
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
import typing as t
from pathlib import Path

from reportgen.paths import COURSE_LANG

LANGS = ("zh", "en")
DEFAULT_LANG = COURSE_LANG
CATALOG_DIR = Path(__file__).parent


@dataclasses.dataclass(frozen=True)
class Lang:
    """One language's messages: ``lang("claim.same", a="GRU", …)`` fills a message."""

    code: str
    messages: t.Mapping[str, str]

    def __call__(self, key: str, **fields: object) -> str:
        return self.messages[key].format(**fields)

    def name(self, text: str) -> str:
        """A name a run recorded in the course's language (a corpus, a model), in this
        language: the catalog's ``name."<text>"``, else ``text`` as it is."""
        return self.messages.get(f"name.{text}", text)

    def join(self, items: t.Iterable[object], sep: str = "list") -> str:
        """``items`` joined with the language's separator ``sep.<sep>`` ("，" / ", ")."""
        return self.messages[f"sep.{sep}"].join(str(item) for item in items)


def _flatten(table: t.Mapping[str, t.Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat |= _flatten(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


@functools.cache
def lang(code: str = DEFAULT_LANG) -> Lang:
    """The catalog of language ``code`` (one of :data:`LANGS`)."""
    if code not in LANGS:
        raise ValueError(
            f"unknown language {code!r}: expected one of {', '.join(LANGS)}"
        )
    with (CATALOG_DIR / f"{code}.toml").open("rb") as file:
        return Lang(code, _flatten(tomllib.load(file)))
