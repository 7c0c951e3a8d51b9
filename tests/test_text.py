"""Preprocessing numbers computed from the real corpus, and the two minibatch iterators."""

from __future__ import annotations

import random

import pytest
import torch

from reportgen.paths import DATA_DIR
from reportgen.text.corpus import (
    Vocab,
    load_corpus_time_machine,
    read_time_machine,
    tokenize,
)
from reportgen.text.iterators import seq_data_iter_random, seq_data_iter_sequential

CORPUS = DATA_DIR / "timemachine.txt"


def test_time_machine_numbers_match_the_book() -> None:
    lines = read_time_machine(CORPUS)
    assert len(lines) == 3221
    assert lines[0] == "the time machine by h g wells"
    words = tokenize(lines, "word")
    assert sum(len(line) for line in words) == 32775
    word_vocab = Vocab(words)
    assert word_vocab.token_freqs[:3] == [("the", 2261), ("i", 1267), ("and", 1245)]
    corpus, vocab = load_corpus_time_machine(CORPUS)
    assert len(corpus) == 170580
    assert len(vocab) == 28
    assert vocab.idx_to_token[:4] == ["<unk>", " ", "e", "t"]
    assert vocab.token_freqs[0] == (" ", 29927)


def test_vocab_maps_unknown_tokens_to_zero_and_respects_min_freq() -> None:
    vocab = Vocab([["a", "a", "b"]], min_freq=2)
    assert vocab.idx_to_token == ["<unk>", "a"]
    assert vocab.indices(["a", "b", "zzz"]) == [1, 0, 0]


def test_tokenize_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown token type"):
        tokenize(["abc"], "byte")


def test_sequential_batches_continue_each_other() -> None:
    corpus = list(range(1000))
    batches = list(seq_data_iter_sequential(corpus, 4, 7, random.Random(0)))
    assert len(batches) > 2
    for (X1, Y1), (X2, _) in zip(batches, batches[1:], strict=False):
        assert X1.shape == (4, 7)
        assert torch.equal(Y1, X1 + 1)  # labels are the next token
        assert torch.equal(
            X2[:, 0], X1[:, -1] + 1
        )  # row i of batch t+1 continues row i


def test_random_batches_are_disjoint_subsequences() -> None:
    corpus = list(range(1000))
    starts = []
    for X, Y in seq_data_iter_random(corpus, 4, 7, random.Random(0)):
        assert X.shape == (4, 7) and torch.equal(Y, X + 1)
        starts += X[:, 0].tolist()
    assert len(starts) == len(set(starts))
    offsets = {s % 7 for s in starts}
    assert len(offsets) == 1  # one random offset per epoch, then whole subsequences


def test_iterators_depend_only_on_the_seed() -> None:
    corpus = list(range(500))
    a = [x.tolist() for x, _ in seq_data_iter_random(corpus, 2, 5, random.Random(3))]
    b = [x.tolist() for x, _ in seq_data_iter_random(corpus, 2, 5, random.Random(3))]
    c = [x.tolist() for x, _ in seq_data_iter_random(corpus, 2, 5, random.Random(4))]
    assert a == b != c
