"""Limits a course lab never needs: the sizes reportgen refuses, each with a one-line error.

Every value is far above what the course's labs use (the reason is beside each), so only a
mistake or a hostile file reaches one. docs/reliability.md ("Bounded resources") lists them.
"""

from __future__ import annotations

MIB = 2**20

# Input files
CORPUS_BYTES = (
    32 * MIB
)  # a corpus file, or a zip's text: jaychou ~60 KB, chinese-poetry ~1 MB
NOTES_BYTES = 256 * 2**10  # the student's discussion: a few KB in the course
NOTES_LINE_CHARS = (
    10_000  # one line of the notes: a long paragraph is ~2,000 characters
)
NOTES_NESTING = 20  # block quotes / lists inside each other: the course nests 2 or 3

# The command line and the lab's plan
SEEDS = 20  # --seeds: rnn-tuning uses 3
JOBS = 64  # --jobs: runs trained at once; 64 is more cores than a course machine has
PLANNED_RUNS = 500  # runs of one build: the largest lab (rnn-tuning) plans ~60

# Experiment parameters (the course's largest value in brackets)
HIDDENS = 4096  # num_hiddens, embedding sizes, input sizes [512]
LAYERS = 16  # num_layers [2]
EPOCHS = 10_000  # num_epochs [500]
BATCH = 4096  # batch sizes [32]
STEPS = 1_000  # num_steps, sequence lengths [35]
TOKENS = 10_000_000  # max_tokens, generated lengths, poem lengths [10,000]
COUNT = 100_000  # repeats, periods, top-k and other counts [200]
