"""Training a poem model (nndl chapter 6 exercise): whole poems as batches, NLLLoss, RMSprop.

The model follows d2l's protocol (``net(X, state) -> (log_probs, state)``, time-major
output) and ends in LogSoftmax, so the loss is the negative log-likelihood of the next
character; padding positions are ignored.
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
from reportgen.params import require, require_at_least, require_at_most
from reportgen.text.poems import poem_batches
from reportgen.train.language_model import LanguageModel


@dataclasses.dataclass(frozen=True)
class PoemTrainParams:
    num_epochs: int = 100  # passes over all poems
    batch_size: int = 16  # poems per minibatch
    lr: float = 0.01  # RMSprop learning rate (the homework's value)
    clip_norm: float = 1.0  # gradient-norm threshold (the homework clips at 1)

    def __post_init__(self) -> None:
        require_at_least(self, 1, "num_epochs", "batch_size")
        require_at_most(self, limits.EPOCHS, "num_epochs")
        require_at_most(self, limits.BATCH, "batch_size")
        require(self.lr > 0, f"lr must be positive, got {self.lr}")
        require(self.clip_norm > 0, f"clip_norm must be positive, got {self.clip_norm}")


def train_poem_model(
    net: LanguageModel,
    poems: t.Sequence[list[int]],
    pad_id: int,
    cfg: PoemTrainParams,
    ctx: RunContext,
) -> None:
    """Train on encoded poems; log the mean loss per character each epoch, resumable."""
    device = torch.device(ctx.device)
    optimizer = torch.optim.RMSprop(net.parameters(), lr=cfg.lr)
    loss_fn = nn.NLLLoss(ignore_index=pad_id, reduction="sum")
    start, train_seconds, chars = 0, 0.0, 0
    if (saved := ctx.load_checkpoint()) is not None:  # resume an interrupted run
        start = restore.restore_training(saved, net, optimizer, cfg.num_epochs)
        with restore.restoring():
            train_seconds, chars = restore.fields(
                saved["totals"], restore.seconds, restore.count
            )
    loss = math.inf
    for epoch in range(start + 1, cfg.num_epochs + 1):
        started = time.perf_counter()
        loss_sum, epoch_chars = torch.zeros((), device=device), 0
        for X, Y in poem_batches(poems, cfg.batch_size, pad_id, ctx.rng):
            # labels flattened time-major, in the same order as the model's output rows
            X, y = X.to(device), Y.T.reshape(-1).to(device)
            state = net.begin_state(X.shape[0], device)  # every poem starts afresh
            log_probs, _ = net(X, state)
            n = int((y != pad_id).sum())
            batch_loss = loss_fn(log_probs, y)
            (batch_loss / n).backward()  # mean over the batch's real characters
            nn.utils.clip_grad_norm_(net.parameters(), cfg.clip_norm)
            optimizer.step()
            optimizer.zero_grad()
            loss_sum += batch_loss.detach()
            epoch_chars += n
        train_seconds += time.perf_counter() - started
        chars += epoch_chars
        loss = loss_sum.item() / epoch_chars
        ctx.check_finite("loss", loss, epoch)
        ctx.log("loss", epoch, loss)
        ctx.progress(epoch, cfg.num_epochs, loss=loss)
        if ctx.checkpoint_due(epoch, cfg.num_epochs):  # an interrupted run resumes here
            ctx.save_checkpoint(
                {
                    "model": net.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "epoch": epoch,
                    "totals": (train_seconds, chars),
                }
            )
    ctx.metric("loss", loss)
    ctx.metric("perplexity", math.exp(loss))
    ctx.metric("train_seconds", train_seconds)
    ctx.metric("chars_per_second", chars / train_seconds)
    ctx.metric("num_params", sum(p.numel() for p in net.parameters()))
