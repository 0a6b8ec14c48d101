r"""SCANDAL and NDE: a conditional density estimator p̂(x|θ) with the score term.

A conditional normalising flow (zuko's ``NSF``, rational-quadratic splines) learns the density of
the observables x given θ from events drawn at θ_i from a prior (MadMiner's
``sample_train_density``). SCANDAL (Brehmer, Louppe, Pavez, Cranmer, arXiv:1805.12244; PHYSICS.md
§2) adds the joint score of each event to the maximum-likelihood loss:

.. math::

    L = -\frac1n \sum_i \log \hat p(x_i \mid \theta_i)
        + \alpha\,\frac1n \sum_i \bigl| t(x_i, z_i \mid \theta_i)
        - \nabla_\theta \log \hat p(x_i \mid \theta_i) \bigr|^2 ,

where :math:`t(x, z|\theta) = \nabla_\theta \log p(x, z|\theta)` is the gold of the simulator;
α = 0 is plain neural density estimation (MadMiner's NDE). MadMiner's ``DensityEstimator`` uses a
masked autoregressive flow and the same two terms (``flow_nll`` + α ``flow_score_mse``). The
estimators of the ratio family follow from the density:

.. math::

    \log \hat r(x \mid \theta_0, \theta_1) = \log \hat p(x \mid \theta_0) - \log \hat p(x \mid \theta_1),
    \qquad \hat t(x \mid \theta) = \nabla_\theta \log \hat p(x \mid \theta).

``forward([x, θ])`` returns :math:`\log \hat p(x|\theta)` (nats, in the units of x): the graph a
bundle would hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import zuko
from torch import nn

from hepsurrogates.exceptions import InvalidArgumentError

from ..fit import FitHistory, seed_everything
from .estimators import _rows, _theta_rows, run_epochs

__all__ = ["DensityConfig", "ConditionalDensity", "train_density"]


@dataclass
class DensityConfig:
    """Flow and optimiser settings (lr 1e-3 → 1e-4 exponentially, Adam with AMSGrad, as the ratio
    estimators; the epoch of least validation loss is kept)."""

    transforms: int = 3
    hidden: tuple[int, ...] = (64, 64)
    bins: int = 8
    #: weight of the score term (0: NDE; MadMiner's SCANDAL default is 1)
    alpha: float = 1.0
    epochs: int = 20
    batch_size: int = 256
    learning_rate: float = 1e-3
    final_learning_rate: float = 1e-4
    validation_fraction: float = 0.25
    seed: int = 1
    threads: int | None = 1


class ConditionalDensity(nn.Module):
    """log p̂(x|θ) from a conditional spline flow on standardised x, conditioned on standardised θ."""

    def __init__(self, n_x: int, n_params: int, x_mean: torch.Tensor, x_std: torch.Tensor,
                 theta_mean: torch.Tensor, theta_std: torch.Tensor, transforms: int = 3,
                 hidden: Sequence[int] = (64, 64), bins: int = 8) -> None:
        super().__init__()
        self.n_x, self.n_params = n_x, n_params
        for name, value in (("x_mean", x_mean), ("x_std", x_std), ("theta_mean", theta_mean),
                            ("theta_std", theta_std)):
            self.register_buffer(name, value.detach().clone().float())
        self.flow = zuko.flows.NSF(features=n_x, context=n_params, transforms=transforms,
                                   hidden_features=tuple(hidden), bins=bins)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        x, theta = features[:, : self.n_x], features[:, self.n_x :]
        u = (x - self.x_mean) / self.x_std
        c = (theta - self.theta_mean) / self.theta_std
        return self.flow(c).log_prob(u) - torch.log(self.x_std).sum()

    def log_prob_and_score(self, features: torch.Tensor, create_graph: bool = True) -> tuple[torch.Tensor,
                                                                                             torch.Tensor]:
        """(log p̂ (n,), ∇_θ log p̂ (n, p)) by autograd."""
        features = features.detach().requires_grad_(True)
        log_p = self(features)
        (grad,) = torch.autograd.grad(log_p.sum(), features, create_graph=create_graph)
        return log_p, grad[:, self.n_x :]

    def _features(self, x: Any, theta: Any) -> torch.Tensor:
        xr = _rows(x, "x")
        th = _theta_rows(theta, len(xr), self.n_params)
        return torch.as_tensor(np.concatenate([xr, th], axis=1), dtype=torch.float32)

    def log_p(self, x: Any, theta: Any) -> np.ndarray:
        """log p̂(x|θ) per event (θ one point or one per event)."""
        with torch.no_grad():
            return self(self._features(x, theta)).double().numpy()

    def log_r(self, x: Any, theta0: Any, theta1: Any) -> np.ndarray:
        """log r̂(x|θ0, θ1) = log p̂(x|θ0) − log p̂(x|θ1)."""
        return self.log_p(x, theta0) - self.log_p(x, theta1)

    def score(self, x: Any, theta: Any) -> np.ndarray:
        """t̂(x|θ) = ∇_θ log p̂(x|θ), shape (n, p)."""
        return self.log_prob_and_score(self._features(x, theta), create_graph=False)[1].detach().double().numpy()


def _loss(model: ConditionalDensity, feats: torch.Tensor, t_xz: torch.Tensor | None, alpha: float,
          create_graph: bool) -> torch.Tensor:
    if t_xz is None or alpha == 0.0:
        return -model(feats).mean()
    log_p, t_hat = model.log_prob_and_score(feats, create_graph=create_graph)
    return -log_p.mean() + alpha * ((t_hat - t_xz) ** 2).sum(dim=1).mean()


def train_density(x: Any, theta: Any, t_xz: Any = None,
                  config: DensityConfig | None = None) -> tuple[ConditionalDensity, FitHistory]:
    """Train SCANDAL (``t_xz`` given and ``alpha`` > 0) or NDE (no score term) on plain arrays.

    Args:
        x: observables (n,) or (n, n_x), each event drawn at its own θ.
        theta: the θ of every event, (n,) or (n, p).
        t_xz: the joint scores t(x, z|θ_i), (n, p); required when ``config.alpha`` > 0.
        config: flow and optimiser settings.

    Returns:
        The trained density (eval mode, the epoch of least validation loss) and its history.

    Raises:
        InvalidArgumentError: missing or inconsistent arrays, or a bad setting.
    """
    cfg = config or DensityConfig()
    if cfg.alpha < 0.0 or not 0.0 < cfg.validation_fraction < 1.0 or cfg.epochs < 1:
        raise InvalidArgumentError(f"need alpha >= 0, validation_fraction in (0, 1) and epochs >= 1, got {cfg}")
    xr, th = _rows(x, "x"), _rows(theta, "theta")
    if len(th) != len(xr):
        raise InvalidArgumentError(f"theta: {len(th)} rows for {len(xr)} events")
    tr = None
    if cfg.alpha > 0.0:
        if t_xz is None:
            raise InvalidArgumentError("SCANDAL (alpha > 0) needs t_xz, the joint score of every event at its θ")
        tr = _rows(t_xz, "t_xz")
        if tr.shape != th.shape:
            raise InvalidArgumentError(f"t_xz: shape {tr.shape}, expected {th.shape} (one component per parameter)")
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    generator = seed_everything(cfg.seed)
    n = len(xr)
    perm = torch.randperm(n, generator=generator)
    n_val = max(1, int(round(cfg.validation_fraction * n)))
    if n - n_val < 1:
        raise InvalidArgumentError(f"{n} events leave no training events after the validation split")
    val_idx, train_idx = perm[:n_val], perm[n_val:]
    feats = torch.as_tensor(np.concatenate([xr, th], axis=1), dtype=torch.float32)
    scores = None if tr is None else torch.as_tensor(tr, dtype=torch.float32)
    part = feats[train_idx]
    k = xr.shape[1]
    model = ConditionalDensity(k, th.shape[1], part[:, :k].mean(0), part[:, :k].std(0), part[:, k:].mean(0),
                               part[:, k:].std(0).clamp_min(1e-12), cfg.transforms, cfg.hidden, cfg.bins)

    def loss_of(idx: torch.Tensor, create_graph: bool) -> torch.Tensor:
        return _loss(model, feats[idx], None if scores is None else scores[idx], cfg.alpha, create_graph)

    history = run_epochs(model, loss_of, train_idx, val_idx, generator, name="density estimator",
                         epochs=cfg.epochs, batch_size=cfg.batch_size, learning_rate=cfg.learning_rate,
                         final_learning_rate=cfg.final_learning_rate)
    return model, history
