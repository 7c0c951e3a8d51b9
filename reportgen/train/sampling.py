"""Generating text with a trained char-level model: greedy, or seeded sampling at a temperature.

Works with any model that follows d2l's protocol (see :mod:`reportgen.train.language_model`):
``net(X, state) -> (scores, state)`` with X of shape (batch, steps) and ``net.begin_state``.
Scores may be logits or log-probabilities: softmax(scores / T) is the same distribution.
"""

from __future__ import annotations

import dataclasses
import typing as t

import torch

from reportgen.params import require
from reportgen.text.corpus import Vocab

if t.TYPE_CHECKING:
    from reportgen.train.language_model import LanguageModel


@dataclasses.dataclass(frozen=True)
class Sampling:
    """How the next token is picked.

    temperature 0 takes the most likely token (d2l's ``predict_ch8``); T > 0 draws from
    softmax(scores / T): below 1 sharper, above 1 flatter. ``seed`` makes the draws repeatable
    and is independent of training's random stream.
    """

    temperature: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        require(
            self.temperature >= 0,
            f"temperature must be 0 (greedy) or positive, got {self.temperature}",
        )


GREEDY = Sampling()  # the most likely token every time


@torch.no_grad()
def generate(
    net: LanguageModel,
    vocab: Vocab,
    prefix: str,
    max_new: int,
    device: torch.device,
    sampling: Sampling = GREEDY,
    stop: str | None = None,
    never: t.Sequence[str] = (),
) -> str:
    """``prefix`` followed by up to ``max_new`` generated tokens.

    Generation ends early after the token ``stop`` (kept in the text). Tokens in ``never``
    (e.g. padding) are never produced.
    """
    generator = torch.Generator().manual_seed(sampling.seed)
    banned = torch.tensor(vocab.indices(never), dtype=torch.long)
    stop_id = vocab.token_to_idx.get(stop) if stop is not None else None
    state = net.begin_state(1, device)
    tokens = vocab.indices(prefix)

    def step(token: int) -> torch.Tensor:
        nonlocal state
        scores, state = net(torch.tensor([[token]], device=device), state)
        return scores[-1].float().cpu()

    for token in tokens[:-1]:  # warm-up: run the prefix through to build up the state
        step(token)
    for _ in range(max_new):
        scores = step(tokens[-1])
        scores[banned] = -torch.inf
        if sampling.temperature == 0:
            token = int(scores.argmax())
        else:
            probs = torch.softmax(scores / sampling.temperature, dim=0)
            token = int(torch.multinomial(probs, 1, generator=generator))
        tokens.append(token)
        if token == stop_id:
            break
    return "".join(vocab.to_tokens(tokens))
