r"""Normalisation calibration of a parameterised ratio estimator, inside the graph.

Any ratio of two normalised densities obeys :math:`E_{\theta_1}[r(x|\theta,\theta_1)] = 1` for every θ. A
trained :math:`\hat r` meets it only to its accuracy (on ``dy_contact`` about 1–2 % low). The calibration
measures :math:`c(\theta) = \log E_{\theta_1}[\hat r(x|\theta,\theta_1)]` on held-out calibration events
(weighted to θ1) at a grid of θ, fits it by a quadratic :math:`c(\theta) \approx f(\theta)\cdot a`
(f = (1, θ₁, θ₂, θ₁², θ₁θ₂, θ₂²), least squares), and subtracts it in the graph:

.. math::

    \log\hat r_{cal}(x|\theta,\theta_1) = \log\hat r(x|\theta,\theta_1) - f(\theta)\cdot a .

It changes the normalisation at each θ, not the shape in x: the per-event ratios between two x at one θ,
and so the SALLY-like score up to the θ-gradient of c, stay those of the network. It is the
normalisation part of the calibration of the ATLAS toolkits and of arXiv 1506.02169, exact to the
calibration sample's statistics, and it is what the extended likelihood's Poisson term assumes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from hepsurrogates.exceptions import InvalidArgumentError
from hepsurrogates.morphing import quadratic_basis

from .estimators import ParameterizedRatio, RatioMethods

__all__ = ["NormalisedRatio", "fit_normalisation"]


class NormalisedRatio(RatioMethods, nn.Module):
    """A :class:`~.estimators.ParameterizedRatio` of two parameters minus a quadratic c(θ) (module docstring).

    Exposes the wrapped model's description (``n_x``, ``n_params``, ``hidden``, ``activation``, ``logs``) so
    that cards and exports treat it as the estimator it calibrates; ``log_r`` and ``score`` (by autograd)
    come from :class:`~.estimators.RatioMethods`.
    """

    def __init__(self, base: ParameterizedRatio, coefficients: Any) -> None:
        super().__init__()
        if base.n_params != 2:
            raise InvalidArgumentError(f"NormalisedRatio: a two-parameter estimator is needed, got {base.n_params}")
        a = torch.as_tensor(np.asarray(coefficients, dtype=np.float64).reshape(6), dtype=torch.float32)
        self.base = base
        self.register_buffer("coefficients", a)
        self.n_x, self.n_params, self.hidden, self.activation = base.n_x, base.n_params, base.hidden, base.activation
        self.logs = base.logs

    def offset(self, theta: torch.Tensor) -> torch.Tensor:
        """c(θ) = f(θ)·a for rows of θ (n, 2)."""
        a, b = theta[:, 0], theta[:, 1]
        f = torch.stack([torch.ones_like(a), a, b, a * a, a * b, b * b], dim=1)
        return f @ self.coefficients

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.base(features) - self.offset(features[:, self.n_x:])


def fit_normalisation(log_r: Callable[[np.ndarray], np.ndarray], probabilities: np.ndarray,
                      grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The least-squares coefficients a of c(θ) ≈ f(θ)·a, and the measured c(θ_k) on ``grid`` (n_grid, 2).

    Args:
        log_r: θ (2,) → log r̂(x_i|θ, θ1) of the calibration events.
        probabilities: the events' weights at θ1 (summing to one).
        grid: at least six θ points that determine a quadratic.

    Raises:
        InvalidArgumentError: weights that do not sum to one, or a grid that does not determine a quadratic.
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if not (np.all(p >= 0) and abs(p.sum() - 1.0) < 1e-6):
        raise InvalidArgumentError("fit_normalisation: probabilities must be non-negative and sum to one")
    grid = np.atleast_2d(np.asarray(grid, dtype=np.float64))
    f = quadratic_basis(grid)
    if len(grid) < 6 or np.linalg.matrix_rank(f) < 6:
        raise InvalidArgumentError(f"fit_normalisation: {len(grid)} grid points do not determine a quadratic")
    c = np.array([np.log(p @ np.exp(log_r(theta))) for theta in grid])
    a, *_ = np.linalg.lstsq(f, c, rcond=None)
    return a, c
