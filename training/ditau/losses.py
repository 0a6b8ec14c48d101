r"""Regression losses of the di-τ mass network (DL_for_HTT_mass; PHYSICS.md §4).

``mape``: :math:`|y - \hat y|/y`; ``mape_sqrt``: :math:`|y - \hat y|/\sqrt{y}`, which weights
high masses more than MAPE, with *mirrored boundaries*: a network trained on masses in
[M_min, M_max] sees no event beyond the edges, so near an edge the events whose mirror image
would lie outside pull the prediction inwards. Those terms are down-weighted, using the
current prediction (no gradient through the weight):

.. math::
    w = \begin{cases} 0 & \hat y - y \ge M_{max} - \hat y \\
                      0.1 & y - \hat y \ge \hat y - M_{min} \\
                      1 & \text{otherwise} \end{cases}

Both apply it (``mirrored=False`` turns it off) and accept per-event sample weights (the mass-flattening weights) and
return the weighted
mean.
"""

from __future__ import annotations

import torch

__all__ = ["mape", "mape_sqrt", "boundary_weights", "LOSSES"]


def boundary_weights(pred: torch.Tensor, target: torch.Tensor, m_min: float, m_max: float) -> torch.Tensor:
    """The mirrored-boundary weights (0, 0.1 or 1) for each event."""
    p = pred.detach()
    w = torch.ones_like(p)
    w = torch.where(target - p >= p - m_min, torch.full_like(p, 0.1), w)
    w = torch.where(p - target >= m_max - p, torch.zeros_like(p), w)
    return w


def _weighted_mean(values: torch.Tensor, weights: torch.Tensor | None) -> torch.Tensor:
    if weights is None:
        return values.mean()
    return (values * weights).sum() / weights.sum().clamp_min(1e-12)


def mape(
    pred: torch.Tensor,
    target: torch.Tensor,
    weights: torch.Tensor | None = None,
    m_min: float = 50.0,
    m_max: float = 1000.0,
    mirrored: bool = True,
) -> torch.Tensor:
    values = torch.abs(target - pred) / target
    if mirrored:
        values = values * boundary_weights(pred, target, m_min, m_max)
    return _weighted_mean(values, weights)


def mape_sqrt(
    pred: torch.Tensor,
    target: torch.Tensor,
    weights: torch.Tensor | None = None,
    m_min: float = 50.0,
    m_max: float = 1000.0,
    mirrored: bool = True,
) -> torch.Tensor:
    values = torch.abs(target - pred) / torch.sqrt(target)
    if mirrored:
        values = values * boundary_weights(pred, target, m_min, m_max)
    return _weighted_mean(values, weights)


LOSSES = {"mape": mape, "mape_sqrt": mape_sqrt}
