"""Training a sequence classifier with dev evaluation and best-model selection (nndl 6.1).

Every ``eval_steps`` updates the model is evaluated on the dev split; the state with the best
dev accuracy is kept and finally evaluated on the test split. Optionally the L2 norm of the
gradients of chosen parameters is recorded at every update (the gradient-explosion study of
nndl 6.2), after clipping when clipping is on: the gradients the update really used.
"""

from __future__ import annotations

import copy
import dataclasses
import time
import typing as t

import torch
from torch import nn
from torch.nn import functional as F

from reportgen import limits, restore
from reportgen.experiment import RunContext
from reportgen.params import require, require_at_most
from reportgen.train.optimizers import SGD, Adam


@dataclasses.dataclass(frozen=True)
class ClassifierParams:
    """Training settings (nndl 6.1 course values by default)."""

    num_epochs: int = 500  # passes over the training split
    batch_size: int = 8
    optimizer: t.Literal["adam", "sgd"] = "adam"
    lr: float = 1e-3
    loss_reduction: t.Literal["mean", "sum"] = "mean"  # "sum" as in the explosion study
    clip_norm: float = 0.0  # > 0: rescale gradients to this total L2 norm at most
    eval_steps: int = 100  # evaluate on dev every this many updates
    record_grad_norms: bool = False  # log ‖∇‖ of the watched parameters at every update

    def __post_init__(self) -> None:
        require_at_most(self, limits.EPOCHS, "num_epochs")
        require_at_most(self, limits.BATCH, "batch_size")
        require_at_most(self, limits.COUNT, "eval_steps")
        require(
            self.num_epochs >= 1,
            f"num_epochs must be at least 1, got {self.num_epochs}",
        )
        require(
            self.batch_size >= 1,
            f"batch_size must be at least 1, got {self.batch_size}",
        )
        require(self.lr > 0, f"lr must be positive, got {self.lr}")
        require(
            self.clip_norm >= 0,
            f"clip_norm must be 0 (off) or positive, got {self.clip_norm}",
        )
        require(
            self.eval_steps >= 1,
            f"eval_steps must be at least 1, got {self.eval_steps}",
        )


Split = tuple[torch.Tensor, torch.Tensor]  # inputs (N, L) and labels (N,)


@torch.no_grad()
def evaluate(
    net: nn.Module, split: Split, batch_size: int = 100
) -> tuple[float, float]:
    """Mean cross-entropy loss and accuracy of ``net`` on a split."""
    net.eval()
    X, y = split
    loss_sum, correct = 0.0, 0
    for i in range(0, len(y), batch_size):
        logits = net(X[i : i + batch_size])
        loss_sum += F.cross_entropy(
            logits, y[i : i + batch_size], reduction="sum"
        ).item()
        correct += int((logits.argmax(dim=1) == y[i : i + batch_size]).sum())
    net.train()
    return loss_sum / len(y), correct / len(y)


def make_optimizer(net: nn.Module, cfg: ClassifierParams) -> SGD | Adam:
    """The optimizer ``cfg.optimizer`` names, written out (reportgen/train/optimizers.py)."""
    if cfg.optimizer == "sgd":
        return SGD(net.parameters(), lr=cfg.lr)
    return Adam(net.parameters(), lr=cfg.lr)


def train_classifier(
    net: nn.Module,
    splits: t.Mapping[str, Split],
    cfg: ClassifierParams,
    ctx: RunContext,
    watched: t.Mapping[str, nn.Parameter] | None = None,
) -> None:
    """Train on splits["train"], select on splits["dev"], report on splits["test"]."""
    optimizer = make_optimizer(net, cfg)
    loss_fn = nn.CrossEntropyLoss(reduction=cfg.loss_reduction)
    X, y = splits["train"]
    best_state, best_accuracy = copy.deepcopy(net.state_dict()), -1.0
    start, step, window, train_seconds = 0, 0, [0.0, 0], 0.0
    if (saved := ctx.load_checkpoint()) is not None:  # resume an interrupted run
        start = restore.restore_training(saved, net, optimizer, cfg.num_epochs)
        with restore.restoring():
            best_state, best_accuracy = saved["best"]
            # the best state is loaded only after training: check that it fits now
            copy.deepcopy(net).load_state_dict(best_state)
            best_accuracy = restore.number(best_accuracy)
            step, window, train_seconds = restore.fields(
                saved["position"],
                restore.count,
                lambda w: list(restore.fields(w, restore.number, restore.count)),
                restore.seconds,
            )
    for epoch in range(start + 1, cfg.num_epochs + 1):
        started = time.perf_counter()
        order = list(range(len(y)))
        ctx.rng.shuffle(order)
        shuffled = torch.tensor(order, device=X.device)
        X_epoch, y_epoch = X[shuffled], y[shuffled]  # minibatches are then slices
        for i in range(0, len(order), cfg.batch_size):
            batch = slice(i, i + cfg.batch_size)
            loss = loss_fn(net(X_epoch[batch]), y_epoch[batch])
            step += 1
            loss_value = loss.item()
            # a loss of inf or NaN: the run diverged at this step
            ctx.check_finite("loss", loss_value, step)
            loss.backward()
            if cfg.clip_norm > 0:  # gradient clipping: ‖g‖ ≤ clip_norm
                nn.utils.clip_grad_norm_(net.parameters(), max_norm=cfg.clip_norm)
            if cfg.record_grad_norms:
                for name, p in (watched or {}).items():
                    assert p.grad is not None
                    ctx.log(
                        f"grad_{name}", step, torch.linalg.vector_norm(p.grad).item()
                    )
            optimizer.step()
            optimizer.zero_grad()
            window = [window[0] + loss_value, window[1] + 1]
            if step % cfg.eval_steps == 0:
                dev_loss, dev_accuracy = evaluate(net, splits["dev"])
                ctx.log("train_loss", step, window[0] / window[1])
                ctx.log("dev_loss", step, dev_loss)
                ctx.log("dev_accuracy", step, dev_accuracy)
                window = [0.0, 0]
                if dev_accuracy > best_accuracy:  # keep the best model on dev
                    best_state = copy.deepcopy(net.state_dict())
                    best_accuracy = dev_accuracy
        train_seconds += time.perf_counter() - started
        ctx.progress(epoch, cfg.num_epochs, loss=loss_value)
        if ctx.checkpoint_due(epoch, cfg.num_epochs):
            ctx.save_checkpoint(
                {
                    "model": net.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "best": (best_state, best_accuracy),
                    "epoch": epoch,
                    "position": (step, window, train_seconds),
                }
            )
    if best_accuracy < 0:  # fewer updates than eval_steps: the last model is the best
        best_state = net.state_dict()
    net.load_state_dict(best_state)
    for name in ("dev", "test"):
        mean_loss, accuracy = evaluate(net, splits[name])
        ctx.metric(f"{name}_loss", mean_loss)
        ctx.metric(f"{name}_accuracy", accuracy)
    ctx.metric("steps", step)
    ctx.metric("train_seconds", train_seconds)
