"""The DigitSum dataset (nndl 6.1): remember the first two digits of a long sequence.

A sequence of length L starts with two digits n1, n2 followed by zeros; its label is n1 + n2
(19 classes, 0 … 18). The 100 base sequences are all pairs (n1, n2). Each copy of a base
sequence gets noise: one random position ≥ 2 is set to a random digit (0 … 9), so the model
must learn to ignore everything after the first two steps. Train holds k = 3 copies of every
base sequence, dev and test k = 1.

Deterministic: every (length, split) draws from its own ``random.Random`` with an integer
seed, whose sequence is fixed across platforms and Python versions, so the files are the same
byte for byte everywhere (tests pin their sha256).
"""

from __future__ import annotations

import dataclasses
import hashlib
import random

LENGTHS = (5, 10, 15, 20, 25, 30, 35)
SPLITS = {"train": 3, "dev": 1, "test": 1}  # split -> copies of every base sequence
NUM_CLASSES = 19  # sums 0 … 18


@dataclasses.dataclass(frozen=True)
class Example:
    digits: tuple[int, ...]
    label: int


def split_seed(length: int, split: str) -> int:
    """The seed of one (length, split): distinct for every pair, fixed forever."""
    return 1000 * length + list(SPLITS).index(split)


def generate(length: int, split: str) -> list[Example]:
    """The examples of one split, in a fixed order (base sequence by base sequence)."""
    if length < 3:
        raise ValueError(f"length must be at least 3, got {length}")
    rng = random.Random(split_seed(length, split))
    examples = []
    for n1 in range(10):
        for n2 in range(10):
            for _ in range(SPLITS[split]):
                digits = [n1, n2] + [0] * (length - 2)
                digits[rng.randint(2, length - 1)] = rng.randint(0, 9)  # the noise
                examples.append(Example(tuple(digits), n1 + n2))
    return examples


def file_text(examples: list[Example]) -> str:
    """One example per line as nndl stores them: the digits, a tab, the label."""
    return "".join(" ".join(map(str, e.digits)) + f"\t{e.label}\n" for e in examples)


def file_sha256(length: int, split: str) -> str:
    return hashlib.sha256(file_text(generate(length, split)).encode()).hexdigest()
