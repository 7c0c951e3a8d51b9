"""Minibatch iterators over a token sequence (d2l 8.3.4): random sampling and sequential
partitioning.

Both take an explicit ``random.Random`` so that a run's batches depend only on its seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence

import torch

Batch = tuple[torch.Tensor, torch.Tensor]  # X, Y: (batch_size, num_steps) token ids


def seq_data_iter_random(
    corpus: Sequence[int], batch_size: int, num_steps: int, rng: random.Random
) -> Iterator[Batch]:
    """Random sampling: subsequences start at random places; neighbouring batches are unrelated."""
    corpus = corpus[
        rng.randint(0, num_steps - 1) :
    ]  # random offset, so every epoch splits differently
    num_subseqs = (
        len(corpus) - 1
    ) // num_steps  # -1: every X needs its label one step ahead
    starts = list(range(0, num_subseqs * num_steps, num_steps))
    rng.shuffle(starts)
    num_batches = num_subseqs // batch_size
    for i in range(0, batch_size * num_batches, batch_size):
        batch_starts = starts[i : i + batch_size]
        X = [corpus[j : j + num_steps] for j in batch_starts]
        Y = [corpus[j + 1 : j + 1 + num_steps] for j in batch_starts]
        yield torch.tensor(X), torch.tensor(Y)


def seq_data_iter_sequential(
    corpus: Sequence[int], batch_size: int, num_steps: int, rng: random.Random
) -> Iterator[Batch]:
    """Sequential partitioning: row i of batch t+1 continues row i of batch t."""
    offset = rng.randint(0, num_steps)
    num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size
    Xs = torch.tensor(corpus[offset : offset + num_tokens]).reshape(batch_size, -1)
    Ys = torch.tensor(corpus[offset + 1 : offset + 1 + num_tokens]).reshape(
        batch_size, -1
    )
    num_batches = Xs.shape[1] // num_steps
    for i in range(0, num_steps * num_batches, num_steps):
        yield Xs[:, i : i + num_steps], Ys[:, i : i + num_steps]


def seq_data_iter(
    corpus: Sequence[int],
    batch_size: int,
    num_steps: int,
    rng: random.Random,
    use_random_iter: bool,
) -> Iterator[Batch]:
    """The iterator the course's ``use_random_iter`` flag picks."""
    make = seq_data_iter_random if use_random_iter else seq_data_iter_sequential
    return make(corpus, batch_size, num_steps, rng)
