"""Poem corpora for the Tang-poetry lab (nndl chapter 6): reading, cleaning, vocabulary, batches.

Three formats are read, each giving one string per poem, punctuation kept (the model learns
where lines end from ，and 。):
- ``tangshi.txt`` (the nndl course file): poems separated by blank lines, wrapped anywhere;
- ``poems.txt`` (the homework's default, user-supplied): one ``title:content`` poem per line;
- the chinese-poetry JSON files: ``paragraphs`` joined, converted from traditional to
  simplified characters (OpenCC ``t2s``) so the course's begin characters (红 …) occur.
Cleaning follows the homework's ``process_poems1``: poems holding ``_ ( （ 《 [`` or the
start/end tokens are dropped, and so are poems shorter or longer than the given bounds.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import random
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import torch

from reportgen.text.corpus import Vocab

START, END = "G", "E"  # every training poem is G + poem + E
PAD = "<pad>"  # fills short poems up to the longest of their batch; ignored by the loss
MARKUP = set("_(（《[") | {START, END}  # the homework drops poems holding these


def read_blank_line_poems(text: str) -> list[str]:
    """Poems separated by blank lines, each poem's lines joined (tangshi.txt)."""
    blocks = text.replace("\r\n", "\n").split("\n\n")
    return [b.replace("\n", "").replace(" ", "") for b in blocks if b.strip()]


def read_title_content_poems(text: str) -> list[str]:
    """The content of ``title:content`` lines (poems.txt); lines without one ':' are skipped."""
    poems = []
    for line in text.splitlines():
        parts = line.strip().split(":")
        if len(parts) == 2:
            poems.append(parts[1].replace(" ", ""))
    return poems


def read_chinese_poetry(paths: Sequence[Path]) -> list[str]:
    """Poems of chinese-poetry JSON files in simplified characters, each text once."""
    import opencc

    to_simplified = opencc.OpenCC("t2s")
    # an insertion-ordered set: a poem found in two files is kept once
    poems: dict[str, None] = {}
    for path in paths:
        for entry in json.loads(path.read_text(encoding="utf-8")):
            poems[to_simplified.convert("".join(entry["paragraphs"]))] = None
    return list(poems)


def clauses(poem: str) -> list[str]:
    """The clauses (句) of a poem: the runs of characters between punctuation marks."""
    return [c for c in re.split("[，。？！；、：]", poem) if c and c != END]


def keep_poem(poem: str, min_chars: int, max_chars: int) -> bool:
    """The homework's filter: no markup or token characters, length within bounds."""
    return min_chars <= len(poem) <= max_chars and not MARKUP & set(poem)


@dataclasses.dataclass(frozen=True)
class PoemCorpus:
    poems: list[str]  # kept poems, without start/end tokens
    read: int  # poems in the file before cleaning

    @property
    def num_chars(self) -> int:
        return sum(len(p) for p in self.poems)

    def length_histogram(self, bin_width: int = 4) -> list[tuple[int, int]]:
        """(lower bound of bin, number of poems) for poem lengths in bins of ``bin_width``."""
        counts = collections.Counter(
            len(p) // bin_width * bin_width for p in self.poems
        )
        return sorted(counts.items())


def clean(poems: Sequence[str], min_chars: int, max_chars: int) -> PoemCorpus:
    return PoemCorpus(
        [p for p in poems if keep_poem(p, min_chars, max_chars)], len(poems)
    )


def poem_vocab(poems: Sequence[str]) -> Vocab:
    """Characters by frequency, after ``<unk>``, the padding token and the start/end tokens."""
    return Vocab([list(p) for p in poems], reserved_tokens=[PAD, START, END])


def encode(poems: Sequence[str], vocab: Vocab) -> list[list[int]]:
    """Each poem as token ids, wrapped in the start and end tokens, shortest poems first."""
    return sorted(
        (vocab.indices([START, *p, END]) for p in poems), key=len
    )  # neighbours have similar lengths, so a batch needs little padding


def poem_batches(
    encoded: Sequence[list[int]], batch_size: int, pad_id: int, rng: random.Random
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Batches of poems of similar length, in a random order: X, Y of shape (batch, steps).

    Y is X shifted by one (each token predicts the next); short poems are padded with
    ``pad_id`` at the end, which the loss ignores.
    """
    starts = list(range(0, len(encoded), batch_size))
    rng.shuffle(starts)
    for start in starts:
        batch = encoded[start : start + batch_size]
        width = max(len(p) for p in batch)
        padded = torch.full((len(batch), width), pad_id, dtype=torch.long)
        for row, poem in enumerate(batch):
            padded[row, : len(poem)] = torch.tensor(poem)
        yield padded[:, :-1], padded[:, 1:]
