"""Limits a course lab never needs: the sizes reportgen refuses, each with a one-line error.

Every value is far above what the course's labs use (the reason is beside each), so only a
mistake or a hostile file reaches one. docs/reliability.md ("Bounded resources") lists them.
"""

from __future__ import annotations

import typing as t

MIB = 2**20

# Input files
# a corpus file, or a zip's text: the jaychou corpus is ~60 KB, chinese-poetry ~1 MB
CORPUS_BYTES = 32 * MIB
# a lab spec: the largest shipped one is 4 KB
SPEC_BYTES = 2**20
# reportgen.toml: a few lines
PROFILE_BYTES = 64 * 2**10
# the student's discussion: a few KB in the course
NOTES_BYTES = 256 * 2**10
# one paragraph of the notes: a long one is ~1,000 characters
NOTES_PARAGRAPH_CHARS = 10_000
# '[' in one paragraph of the notes: a link or a citation takes one
NOTES_BRACKETS = 16
# ``` / ~~~ fence lines, and $$ marks, in the notes: a discussion has a few formulas
NOTES_BLOCK_MARKS = 32
# block quotes / lists inside each other: a discussion nests 2 or 3
NOTES_NESTING = 20
# elements inside each other in the notes' HTML (WeasyPrint's layout fails near 200)
HTML_DEPTH = 64

# Files reportgen wrote and reads back (checked: they may have been edited or planted)
RESULT_BYTES = (
    64 * MIB
)  # a cache entry: the largest course result (digitsum) is < 2 MiB
CHECKPOINT_BYTES = 512 * MIB  # a run's checkpoint: a course model's state is a few MiB
MANIFEST_BYTES = MIB  # a report's manifest: a few KB
KEY_MAP_BYTES = MIB  # a remembered plan or latest-keys file: a few KB
# a report's record (reportgen.record): digitsum's, the largest, is ~1 MiB
RECORD_BYTES = 64 * MIB
# a report handed to `reportgen verify`: a course report is < 2 MiB
REPORT_BYTES = 256 * MIB

# The command line and the lab's plan
SEEDS = 20  # --seeds: rnn-tuning uses 3
SEED_MAX = 2**32 - 1  # a seed: numpy's range, the narrowest of the seeding libraries
JOBS = 64  # --jobs: runs trained at once; more than the cores of a course machine
# runs of one build: the largest lab (rnn-tuning) plans 19, and 121 with --seeds 20
PLANNED_RUNS = 500

# Experiment parameters (the course's largest value in brackets)
HIDDENS = 4096  # num_hiddens, embedding sizes, input sizes [512]
LAYERS = 16  # num_layers [2]
EPOCHS = 10_000  # num_epochs [500]
BATCH = 4096  # batch sizes [32]
STEPS = 1_000  # num_steps, sequence lengths [35]
TOKENS = 10_000_000  # max_tokens, generated lengths, poem lengths [10,000]
COUNT = 100_000  # repeats, periods, top-k and other counts [200]
TEXT_PARAM_CHARS = 1_000  # a text parameter: prefixes, begin characters, paths [~100]


class OverLimit(Exception):
    """Raised by :func:`read_bounded`: the data holds more than the limit (``size`` bytes)."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def read_bounded(open_: t.Callable[[], t.IO[bytes]], size: int, limit: int) -> bytes:
    """Read what ``open_()`` opens, whose declared size is ``size``, if it is within ``limit``.

    Refused by the declared size before reading, and, since a file may grow and a zip may
    lie about its size, by reading at most ``limit + 1`` bytes.
    """
    if size > limit:
        raise OverLimit(size)
    with open_() as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise OverLimit(len(data))
    return data
