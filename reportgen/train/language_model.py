"""Training and sampling a char-level language model (d2l 8.5 ``train_ch8``, ``predict_ch8``).

A model follows d2l's protocol: ``net(X, state) -> (logits, state)`` with X of shape
(batch, num_steps) and logits of shape (num_steps * batch, vocab), time-major; and
``net.begin_state(batch_size, device)`` gives the initial hidden state.
"""

from __future__ import annotations

import dataclasses
import math
import time
import typing as t

import torch
from torch import nn

from reportgen import limits, restore
from reportgen.experiment import RunContext
from reportgen.params import require, require_at_most, require_one_minibatch
from reportgen.text.corpus import Vocab
from reportgen.text.iterators import seq_data_iter
from reportgen.train.memory import require_memory, training_bytes
from reportgen.train.optimizers import SGD
from reportgen.train.sampling import GREEDY, Sampling, generate

State = torch.Tensor | tuple[torch.Tensor, ...]
OptimizerName = t.Literal["sgd", "adam"]


class LanguageModel(t.Protocol):
    def __call__(self, X: torch.Tensor, state: State) -> tuple[torch.Tensor, State]: ...
    def begin_state(self, batch_size: int, device: torch.device) -> State: ...
    def parameters(self) -> t.Iterator[nn.Parameter]: ...
    def state_dict(self) -> dict[str, t.Any]: ...
    def load_state_dict(self, state: dict[str, t.Any]) -> t.Any: ...


@dataclasses.dataclass(frozen=True)
class LMParams:
    """Settings shared by every char-level language-model experiment (course values by default).

    An experiment subclasses this to add its model's settings, e.g. ``num_hiddens``.
    """

    num_hiddens: int = 256  # hidden units per layer
    num_epochs: int = 500  # passes over the training tokens
    # "sgd": d2l's minibatch SGD; "adam": torch.optim.Adam
    optimizer: OptimizerName = "sgd"
    lr: float = 1.0  # learning rate
    batch_size: int = 32  # subsequences per minibatch
    num_steps: int = 35  # time steps per subsequence
    max_tokens: int = 10_000  # d2l trains on the first 10,000 characters of the corpus
    use_random_iter: bool = (
        False  # False: sequential partitioning; True: random sampling
    )
    clip_theta: float = 1.0  # gradient-norm threshold θ

    def __post_init__(self) -> None:
        require_at_most(self, limits.HIDDENS, "num_hiddens")
        require_at_most(self, limits.EPOCHS, "num_epochs")
        require_at_most(self, limits.BATCH, "batch_size")
        require_at_most(self, limits.STEPS, "num_steps")
        require_at_most(self, limits.TOKENS, "max_tokens")
        require(
            self.num_hiddens >= 1,
            f"num_hiddens must be at least 1, got {self.num_hiddens}",
        )
        require(
            self.num_epochs >= 1,
            f"num_epochs must be at least 1, got {self.num_epochs}",
        )
        require(self.lr > 0, f"lr must be positive, got {self.lr}")
        require(
            self.batch_size >= 1,
            f"batch_size must be at least 1, got {self.batch_size}",
        )
        require(
            self.num_steps >= 1, f"num_steps must be at least 1, got {self.num_steps}"
        )
        require(
            self.clip_theta > 0, f"clip_theta must be positive, got {self.clip_theta}"
        )
        require_one_minibatch(self, "max_tokens", "batch_size", "num_steps")

    @property
    def recurrent_matrices(self) -> int:
        """hidden × hidden weight matrices per time step (gates × layers): 1 for a tanh RNN."""
        return 1

    @property
    def schedule_weight(self) -> float:
        """Rough work of a run (epochs × tokens × recurrent matrix products), so that a
        build can start its longest runs first; nothing else depends on it."""
        per_token = self.recurrent_matrices * self.num_hiddens**2
        return float(self.num_epochs * self.max_tokens * per_token)


def grad_clipping(net: LanguageModel, theta: float) -> None:
    """Rescale all gradients so that their joint L2 norm is at most θ (d2l 8.5.5)."""
    grads = [p.grad for p in net.parameters() if p.grad is not None]
    norm = torch.linalg.vector_norm(
        torch.stack([torch.linalg.vector_norm(g) for g in grads])
    )
    if norm > theta:
        for g in grads:
            g.mul_(theta / norm)


Optimizer = SGD | torch.optim.Optimizer


def make_optimizer(net: LanguageModel, cfg: LMParams) -> Optimizer:
    """The optimizer ``cfg.optimizer`` names, over all of the model's parameters."""
    if cfg.optimizer == "adam":
        return torch.optim.Adam(net.parameters(), lr=cfg.lr)
    return SGD(net.parameters(), cfg.lr)


def detach_state(state: State) -> State:
    """Cut the graph between batches: the next batch continues the state, not its history."""
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def train_epoch(
    net: LanguageModel,
    corpus: list[int],
    cfg: LMParams,
    ctx: RunContext,
    device: torch.device,
    optimizer: Optimizer,
) -> tuple[float, int]:
    """One pass over the corpus; returns (perplexity, tokens seen)."""
    loss_fn = nn.CrossEntropyLoss()
    state: State | None = None
    loss_sum, num_tokens = torch.zeros((), device=device), 0
    for X, Y in seq_data_iter(
        corpus, cfg.batch_size, cfg.num_steps, ctx.rng, cfg.use_random_iter
    ):
        if state is None or cfg.use_random_iter:
            # random sampling: batches are unrelated, each starts from a zero state
            state = net.begin_state(X.shape[0], device)
        else:
            state = detach_state(state)
        # labels flattened in the same time-major order as the logits
        X, y = X.to(device), Y.T.reshape(-1).to(device)
        logits, state = net(X, state)
        loss = loss_fn(logits, y)
        loss.backward()
        grad_clipping(net, cfg.clip_theta)
        optimizer.step()
        optimizer.zero_grad()
        loss_sum += loss.detach() * y.numel()  # stays on the device: no sync per batch
        num_tokens += y.numel()
    mean_loss = loss_sum.item() / num_tokens
    # perplexity = exp(mean loss); past e^709 a float overflows: that run has diverged
    return (math.exp(mean_loss) if mean_loss < 709 else math.inf), num_tokens


def train_language_model(
    net: LanguageModel,
    corpus: list[int],
    vocab: Vocab,
    cfg: LMParams,
    ctx: RunContext,
    prefixes: t.Sequence[str] = ("time traveller", "traveller"),
    num_preds: int = 50,
    sampling: Sampling = GREEDY,
    sample_every: int = 0,
) -> None:
    """Train with gradient clipping; record perplexity, speed and samples.

    After training, each prefix is continued by ``num_preds`` tokens (greedy unless
    ``sampling`` says otherwise). ``sample_every`` > 0 also continues them every that many
    epochs, into the table ``samples_by_epoch`` (d2l-zh v1's ``pred_period``).
    """
    device = torch.device(ctx.device)
    require_memory(
        training_bytes(
            sum(p.numel() for p in net.parameters()),
            cfg.optimizer,
            cfg.batch_size,
            cfg.num_steps,
            cfg.num_hiddens,
            cfg.recurrent_matrices,
            len(vocab),
        ),
        device,
    )
    optimizer = make_optimizer(net, cfg)
    start, ppl, train_seconds, tokens = 0, math.inf, 0.0, 0
    samples_by_epoch: list[dict[str, t.Any]] = []
    if (saved := ctx.load_checkpoint()) is not None:  # resume an interrupted run
        start = restore.restore_training(saved, net, optimizer, cfg.num_epochs)
        with restore.restoring():
            ppl, train_seconds, tokens = restore.fields(
                saved["totals"], restore.number, restore.seconds, restore.count
            )
            samples_by_epoch = restore.table_rows(saved["samples_by_epoch"])

    def continuation(prefix: str) -> str:
        return generate(net, vocab, prefix, num_preds, device, sampling)

    for epoch in range(start + 1, cfg.num_epochs + 1):
        started = time.perf_counter()
        ppl, epoch_tokens = train_epoch(net, corpus, cfg, ctx, device, optimizer)
        train_seconds += time.perf_counter() - started
        tokens += epoch_tokens
        ctx.check_finite("perplexity", ppl, epoch)
        ctx.log("perplexity", epoch, ppl)
        ctx.progress(epoch, cfg.num_epochs, ppl=ppl)
        if sample_every and epoch % sample_every == 0:
            samples_by_epoch += [
                {
                    "epoch": epoch,
                    "perplexity": ppl,
                    "prefix": p,
                    "text": continuation(p),
                }
                for p in prefixes
            ]
        if ctx.checkpoint_due(epoch, cfg.num_epochs):  # an interrupted run resumes here
            totals = (ppl, train_seconds, tokens)
            ctx.save_checkpoint(
                {
                    "model": net.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "epoch": epoch,
                    "totals": totals,
                    "samples_by_epoch": samples_by_epoch,
                }
            )

    ctx.metric("perplexity", ppl)
    ctx.metric("train_seconds", train_seconds)
    ctx.metric("tokens_per_second", tokens / train_seconds)
    ctx.metric("num_params", sum(p.numel() for p in net.parameters()))
    if samples_by_epoch:
        ctx.table("samples_by_epoch", samples_by_epoch)
    for prefix in prefixes:
        ctx.sample(prefix, continuation(prefix))
