r"""The log-likelihood network: standardise (μ, θ), SELU MLP, de-standardise; ln L and its gradient as outputs.

DNNLikelihood (arXiv:1911.03305 §3) fits an MLP with SELU activations to the standardised
log-likelihood, :math:`z = (\ln L - m_y)/s_y`, from standardised inputs
:math:`u = (x - m_x)/s_x`. Here the whole path is one module, so the ONNX graph takes the raw
parameters and returns

* ``logpdf``: :math:`\ln L = m_y + s_y\,\bar f(u)`, the mean over the :math:`K` members of an
  ensemble, :math:`\bar f = \tfrac1K \sum_k f_k`;
* ``grad_logpdf``: :math:`\partial \ln L / \partial x = (s_y / s_x) \odot \nabla_u \bar f`,
  written out layer by layer (back-propagation in the forward graph: for
  :math:`h_l = \mathrm{selu}(W_l h_{l-1} + b_l)`, :math:`\nabla_{h_{l-1}} = W_l^\top
  (\mathrm{selu}'(a_l) \odot \nabla_{h_l})`, with :math:`\mathrm{selu}'(a) = \lambda` for
  :math:`a > 0` and :math:`\lambda\alpha e^a` otherwise), so that fits on the surrogate use an
  exact gradient instead of finite differences in float32.

Optionally (``baseline``) the network learns only the departure of ln L from its second-order
expansion at the global maximum :math:`\hat x` (the Laplace approximation),

.. math:: \ln L(x) = c + g\cdot\delta + \tfrac12\,\delta^\top H \delta + m_r + s_r\,\bar f(u),
          \qquad \delta = x - \hat x,

with :math:`c, g, H` the value, gradient and Hessian of the exact ln L at :math:`\hat x`
(finite differences of the teacher, :mod:`.baseline`) and :math:`m_r, s_r` the standardisation of
the residual. The quadratic is one 95 × 95 matrix in the graph; the MLP then fits only the
non-Gaussian part, whose spread on the toy is a fraction of that of ln L itself.

Weights are LeCun-normal (the initialisation SELU's self-normalisation assumes), biases zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["LogLikelihoodNet", "SELU_ALPHA", "SELU_SCALE"]

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


class _Member(nn.Module):
    def __init__(self, n_in: int, hidden: Sequence[int]) -> None:
        super().__init__()
        widths = [n_in, *hidden, 1]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
        for layer in self.layers:
            nn.init.normal_(layer.weight, std=1.0 / math.sqrt(layer.in_features))
            nn.init.zeros_(layer.bias)

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        h = u
        for layer in self.layers[:-1]:
            h = torch.selu(layer(h))
        return self.layers[-1](h).squeeze(-1)

    def value_and_grad(self, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = u
        slopes = []
        for layer in self.layers[:-1]:
            a = layer(h)
            h = torch.selu(a)
            slopes.append(torch.where(a > 0, torch.full_like(a, SELU_SCALE), h + SELU_SCALE * SELU_ALPHA))
        last = self.layers[-1]  # selu'(a) = λ for a > 0, selu(a) + λα otherwise (one exp per unit)
        value = last(h).squeeze(-1)
        g = last.weight.expand(u.shape[0], -1)  # (n, H_L)
        for layer, slope in zip(reversed(self.layers[:-1]), reversed(slopes)):
            g = (g * slope) @ layer.weight
        return value, g


class LogLikelihoodNet(nn.Module):
    """Raw parameters → (ln L, ∂ ln L/∂x): standardisation and ensemble inside the module."""

    def __init__(self, n_in: int, hidden: Sequence[int], x_mean: torch.Tensor, x_std: torch.Tensor,
                 y_mean: float, y_std: float, members: int = 1) -> None:
        super().__init__()
        #: whether ``forward`` (and so the exported graph) also returns the gradient
        self.with_gradient = True
        x_std = torch.where(x_std > 1e-12, x_std, torch.ones_like(x_std))
        self.register_buffer("x_mean", x_mean.detach().clone().float())
        self.register_buffer("x_std", x_std.detach().clone().float())
        self.register_buffer("y_mean", torch.tensor(float(y_mean)))
        self.register_buffer("y_std", torch.tensor(float(y_std)))
        self.members = nn.ModuleList(_Member(n_in, hidden) for _ in range(members))
        self.hidden = list(hidden)
        self.has_baseline = False

    def set_baseline(self, centre: torch.Tensor, value: float, gradient: torch.Tensor, hessian: torch.Tensor) -> None:
        """Add the quadratic expansion c + g·δ + ½ δᵀHδ around ``centre`` to the output."""
        self.register_buffer("q_centre", centre.detach().clone().float())
        self.register_buffer("q_value", torch.tensor(float(value)))
        self.register_buffer("q_gradient", gradient.detach().clone().float())
        self.register_buffer("q_hessian", (0.5 * (hessian + hessian.T)).detach().clone().float())
        self.has_baseline = True

    def baseline(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(quadratic value, its gradient) per row; zeros without a baseline."""
        if not self.has_baseline:
            return torch.zeros(x.shape[0], dtype=x.dtype), torch.zeros_like(x)
        d = x - self.q_centre
        hd = d @ self.q_hessian
        return self.q_value + d @ self.q_gradient + 0.5 * (hd * d).sum(dim=1), self.q_gradient + hd

    def standardised(self, u: torch.Tensor, member: int | None = None) -> torch.Tensor:
        """The standardised prediction z from standardised inputs (one member, or the mean)."""
        if member is not None:
            return self.members[member](u)
        return torch.stack([m(u) for m in self.members]).mean(dim=0)

    def logpdf(self, x: torch.Tensor) -> torch.Tensor:
        value = self.y_mean + self.y_std * self.standardised((x - self.x_mean) / self.x_std)
        return value + self.baseline(x)[0] if self.has_baseline else value

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor] | torch.Tensor:
        if not self.with_gradient:
            return self.logpdf(x)
        u = (x - self.x_mean) / self.x_std
        values, grads = zip(*(m.value_and_grad(u) for m in self.members))
        z = torch.stack(values).mean(dim=0)
        g = torch.stack(grads).mean(dim=0)
        value, grad = self.y_mean + self.y_std * z, g * (self.y_std / self.x_std)
        if self.has_baseline:
            q, qg = self.baseline(x)
            value, grad = value + q, grad + qg
        return value, grad
