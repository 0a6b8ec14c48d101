"""A small, reproducible training loop: Adam, plateau LR decay, early stopping, progress bar."""

from __future__ import annotations

import copy
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

__all__ = ["FitConfig", "FitHistory", "fit", "seed_everything", "split_indices"]


@dataclass
class FitConfig:
    """Optimiser and stopping settings (published: Adam lr 1e-3, batch 2048, ≤ 500 epochs)."""

    batch_size: int = 2048
    learning_rate: float = 1e-3
    max_epochs: int = 500
    patience: int = 20
    lr_patience: int = 8
    lr_factor: float = 0.5
    min_lr: float = 1e-5
    clip_grad_norm: float | None = 1.0
    threads: int | None = None
    progress: bool = True
    #: stop after the epoch that passes this wall-clock budget (None: no budget); the best state is kept
    max_seconds: float | None = None


@dataclass
class FitHistory:
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    learning_rate: list[float] = field(default_factory=list)
    best_epoch: int = -1
    seconds: float = 0.0
    stopped_early: bool = False
    stopped_on_time: bool = False


def seed_everything(seed: int) -> torch.Generator:
    """Seed python, numpy and torch; returns a torch generator for data shuffling."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def split_indices(
    n: int, fractions: tuple[float, float, float], seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random train/validation/test index sets (e.g. 70/20/10), reproducible with ``seed``."""
    if not math.isclose(sum(fractions), 1.0, abs_tol=1e-6) or min(fractions) <= 0:
        raise ValueError(f"split fractions must be positive and sum to 1, got {fractions}")
    perm = np.random.default_rng(seed).permutation(n)
    n_train = int(round(fractions[0] * n))
    n_val = int(round(fractions[1] * n))
    return perm[:n_train], perm[n_train : n_train + n_val], perm[n_train + n_val :]


#: ``loss(pred, target, weights, epoch)``
LossFn = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, int], torch.Tensor]


def _evaluate(
    model: nn.Module, loss_fn: LossFn, x: torch.Tensor, y: torch.Tensor, w: torch.Tensor, batch: int, epoch: int
) -> float:
    model.eval()
    total = 0.0
    wsum = 0.0
    with torch.no_grad():
        for i in range(0, len(x), batch * 4):
            sl = slice(i, i + batch * 4)
            bw = w[sl]
            total += float(loss_fn(model(x[sl]).squeeze(-1), y[sl], bw, epoch)) * float(bw.sum())
            wsum += float(bw.sum())
    return total / max(wsum, 1e-12)


def fit(
    model: nn.Module,
    loss_fn: LossFn,
    train: tuple[np.ndarray, np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray, np.ndarray],
    config: FitConfig,
    generator: torch.Generator,
    description: str = "train",
    val_loss_fn: LossFn | None = None,
    augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None,
) -> FitHistory:
    """Minimise ``loss_fn(pred, target, weights, epoch)``; the state with the best
    ``val_loss_fn`` (default: the training loss) on the validation set is restored.

    ``augment(x_batch, generator)``, when given, transforms every training batch before the
    forward pass (e.g. a random symmetry of the target, :mod:`.symmetries`); the validation
    set is evaluated as given."""
    val_loss_fn = val_loss_fn or loss_fn
    from tqdm.auto import tqdm

    if config.threads:
        torch.set_num_threads(config.threads)
    xt, yt, wt = (torch.as_tensor(a, dtype=torch.float32) for a in train)
    xv, yv, wv = (torch.as_tensor(a, dtype=torch.float32) for a in val)
    opt = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(
        opt, factor=config.lr_factor, patience=config.lr_patience, min_lr=config.min_lr
    )
    history = FitHistory()
    best = math.inf
    best_state = copy.deepcopy(model.state_dict())
    since_best = 0
    t0 = time.perf_counter()
    bar = tqdm(range(config.max_epochs), desc=description, unit="epoch", disable=not config.progress, leave=False)
    for epoch in bar:
        model.train()
        order = torch.randperm(len(xt), generator=generator)
        running = 0.0
        wsum = 0.0
        for i in range(0, len(xt), config.batch_size):
            idx = order[i : i + config.batch_size]
            opt.zero_grad(set_to_none=True)
            xb = xt[idx] if augment is None else augment(xt[idx], generator)
            loss = loss_fn(model(xb).squeeze(-1), yt[idx], wt[idx], epoch)
            loss.backward()
            if config.clip_grad_norm:
                nn.utils.clip_grad_norm_(model.parameters(), config.clip_grad_norm)
            opt.step()
            bw = float(wt[idx].sum())
            running += loss.detach().item() * bw
            wsum += bw
        train_loss = running / max(wsum, 1e-12)
        val_loss = _evaluate(model, val_loss_fn, xv, yv, wv, config.batch_size, epoch)
        sched.step(val_loss)
        history.train_loss.append(train_loss)
        history.val_loss.append(val_loss)
        history.learning_rate.append(opt.param_groups[0]["lr"])
        improved = val_loss < best if not math.isfinite(best) else val_loss < best - 1e-6 * abs(best)
        if improved:
            best = val_loss
            best_state = copy.deepcopy(model.state_dict())
            history.best_epoch = epoch
            since_best = 0
        else:
            since_best += 1
        bar.set_postfix(train=f"{train_loss:.4f}", val=f"{val_loss:.4f}", lr=f"{opt.param_groups[0]['lr']:.1e}")
        if since_best >= config.patience:
            history.stopped_early = True
            break
        if config.max_seconds is not None and time.perf_counter() - t0 > config.max_seconds:
            history.stopped_on_time = True
            break
    bar.close()
    model.load_state_dict(best_state)
    model.eval()
    history.seconds = time.perf_counter() - t0
    return history
