"""Reading a corpus, tokenizing it and building a vocabulary (d2l 8.2)."""

from __future__ import annotations

import collections
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

Token = str


def read_time_machine(path: Path) -> list[str]:
    """Lines of The Time Machine with everything but letters replaced by spaces, lower-cased."""
    with open(path, encoding="utf-8") as f:
        lines = f.readlines()
    return [re.sub("[^A-Za-z]+", " ", line).strip().lower() for line in lines]


def tokenize(lines: Sequence[str], token: str = "word") -> list[list[Token]]:
    """Split each line into word tokens or character tokens."""
    if token == "word":
        return [line.split() for line in lines]
    if token == "char":
        return [list(line) for line in lines]
    raise ValueError(f"unknown token type {token!r}; expected 'word' or 'char'")


def count_corpus(
    tokens: Iterable[Token] | Iterable[list[Token]],
) -> collections.Counter[Token]:
    """Token frequencies; accepts a flat token list or a list of token lines."""
    items = list(tokens)
    if items and isinstance(items[0], list):
        return collections.Counter(tok for line in items for tok in line)
    return collections.Counter(items)  # type: ignore[arg-type]


class Vocab:
    """Maps tokens to indices: ``<unk>`` is 0, then tokens by descending frequency."""

    def __init__(
        self,
        tokens: Sequence[Token] | Sequence[list[Token]] = (),
        min_freq: int = 0,
        reserved_tokens: Sequence[Token] = (),
    ) -> None:
        counter = count_corpus(tokens)
        # sorted() is stable: ties keep first-seen order, exactly as in d2l
        self.token_freqs = sorted(counter.items(), key=lambda x: x[1], reverse=True)
        self.idx_to_token: list[Token] = ["<unk>", *reserved_tokens]
        self.token_to_idx = {tok: idx for idx, tok in enumerate(self.idx_to_token)}
        for tok, freq in self.token_freqs:
            if freq < min_freq:
                break
            if tok not in self.token_to_idx:
                self.idx_to_token.append(tok)
                self.token_to_idx[tok] = len(self.idx_to_token) - 1

    def __len__(self) -> int:
        return len(self.idx_to_token)

    @property
    def unk(self) -> int:
        return 0

    def indices(self, tokens: Iterable[Token]) -> list[int]:
        """Indices of tokens; unknown tokens map to ``<unk>``."""
        return [self.token_to_idx.get(tok, self.unk) for tok in tokens]

    def to_tokens(self, indices: Iterable[int]) -> list[Token]:
        return [self.idx_to_token[i] for i in indices]


def load_corpus_time_machine(
    path: Path, max_tokens: int = -1
) -> tuple[list[int], Vocab]:
    """Char-level corpus (token indices) and its vocabulary; ``max_tokens > 0`` keeps a prefix."""
    tokens = tokenize(read_time_machine(path), "char")
    vocab = Vocab(tokens)
    corpus = [vocab.token_to_idx[tok] for line in tokens for tok in line]
    if max_tokens > 0:
        corpus = corpus[:max_tokens]
    return corpus, vocab


def load_corpus_chars(text: str, max_chars: int) -> tuple[list[int], Vocab]:
    """Char corpus of any text (d2l-zh v1 ``load_data_jay_lyrics``): line breaks become spaces,
    the first ``max_chars`` characters are kept, every distinct character is a token."""
    chars = list(text.replace("\n", " ").replace("\r", " ")[:max_chars])
    vocab = Vocab(chars)
    return vocab.indices(chars), vocab
