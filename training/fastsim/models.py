r"""The two generative models of the analysis-specific vector, and their exportable samplers.

Both learn the reco-level 9-vector :math:`y` given the gen-level one :math:`x` through the
standardised residual :math:`t = (y - x - m)/s` (:math:`m, s`: the residual's training mean and
standard deviation per feature), and both export as a *sampler*: an ONNX graph from
:math:`[x, \varepsilon]` (18 inputs, ε standard normal noise chosen by the caller,
:mod:`hepsurrogates.models.fastsim.noise`) to :math:`y`, so that onnxruntime alone draws the
sample and a draw is reproducible from its noise.

* :class:`GaussianModel`, the published model (arXiv 2010.01835): a network with an MAE head for
  the location μ(x) and a quantile head q(x) at γ = 0.841 (pinball loss), σ = \|q − μ\|, and the
  prediction :math:`t = \mu + \sigma\,\varepsilon` per feature, independently (a product of
  Gaussians, by construction without correlations or non-Gaussian tails);
* :class:`FlowModel`, a conditional normalising flow p(t | x) with rational-quadratic spline
  transforms (Durkan et al., arXiv 1906.04032; zuko's ``NSF``), trained by maximum likelihood;
  sampling inverts the flow at :math:`z = \varepsilon`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import zuko
from torch import nn

from ..networks import Standardize, mlp

__all__ = ["polar_context", "ResidualFrame", "GaussianModel", "FlowModel", "GaussianSampler", "FlowSampler",
           "gaussian_loss", "QUANTILE", "N_FEATURES"]

N_FEATURES = 9
#: the quantile of the σ head: 0.5 + 0.341 (one standard deviation of a Gaussian)
QUANTILE = 0.841


def polar_context(x: torch.Tensor) -> torch.Tensor:
    r"""The resolutions' natural variables, computed from the gen 9-vector: :math:`\log p_T^\mu`,
    :math:`\eta_\mu`, :math:`\log p_T^j`, :math:`\eta_j`, :math:`\log(1 + E_T^{miss})` (n × 5)."""
    mu_pt = torch.sqrt(x[:, 0] ** 2 + x[:, 1] ** 2).clamp_min(1e-3)
    jet_pt = torch.sqrt(x[:, 3] ** 2 + x[:, 4] ** 2).clamp_min(1e-3)
    met = torch.sqrt(x[:, 7] ** 2 + x[:, 8] ** 2)
    return torch.stack([torch.log(mu_pt), torch.asinh(x[:, 2] / mu_pt), torch.log(jet_pt),
                        torch.asinh(x[:, 5] / jet_pt), torch.log1p(met)], dim=1)


class ResidualFrame(nn.Module):
    """Standardised inputs and the residual frame: ``condition(x)`` (the standardised gen features and
    their :func:`polar_context`: a detector's resolutions are functions of p_T and η),
    ``residual(x, y) = t``, ``reco(x, t) = y`` (buffers only, exported with the graph)."""

    def __init__(self, x_mean: torch.Tensor, x_std: torch.Tensor, r_mean: torch.Tensor, r_std: torch.Tensor,
                 c_mean: torch.Tensor | None = None, c_std: torch.Tensor | None = None) -> None:
        super().__init__()
        self.standardize = Standardize(x_mean, x_std)
        n_polar = 5
        self.polar = Standardize(torch.zeros(n_polar) if c_mean is None else c_mean,
                                 torch.ones(n_polar) if c_std is None else c_std)
        self.register_buffer("r_mean", r_mean.detach().clone().float())
        self.register_buffer("r_std", torch.where(r_std > 1e-12, r_std, torch.ones_like(r_std)).float())

    @property
    def width(self) -> int:
        """The width of the conditioning vector."""
        return int(self.standardize.mean.numel() + self.polar.mean.numel())

    def condition(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.standardize(x), self.polar(polar_context(x))], dim=1)

    def residual(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (y - x - self.r_mean) / self.r_std

    def reco(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return x + self.r_mean + self.r_std * t

    def log_jacobian(self) -> torch.Tensor:
        """log |dt/dy| (per row): converts a density in t to one in y."""
        return -torch.log(self.r_std).sum()


class GaussianModel(nn.Module):
    """The published Gaussian model: ``forward(x)`` gives [μ, q] (n × 18) in the residual frame."""

    def __init__(self, frame: ResidualFrame, hidden: Sequence[int] = (100, 100, 100), slope: float = 0.05) -> None:
        super().__init__()
        self.frame = frame
        self.network = mlp(frame.width, hidden, 2 * N_FEATURES, activation="leaky_relu")
        for m in self.network:
            if isinstance(m, nn.LeakyReLU):
                m.negative_slope = slope

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.network(self.frame.condition(x))


def gaussian_loss(pred: torch.Tensor, t: torch.Tensor, w: torch.Tensor, quantile: float = QUANTILE) -> torch.Tensor:
    r"""MAE of the location head plus the pinball loss of the quantile head:
    :math:`|t - \mu| + \max(\gamma (t - q), (\gamma - 1)(t - q))`, summed over features, weighted mean over rows."""
    mu, q = pred[:, :N_FEATURES], pred[:, N_FEATURES:]
    d = t - q
    per_row = (t - mu).abs().sum(1) + torch.maximum(quantile * d, (quantile - 1.0) * d).sum(1)
    return (per_row * w).sum() / w.sum()


class GaussianSampler(nn.Module):
    """[x, ε] → y = x + m + s·(μ(x) + \\|q(x) − μ(x)\\|·ε) (the exported graph)."""

    def __init__(self, model: GaussianModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        x, eps = features[:, :N_FEATURES], features[:, N_FEATURES:]
        pred = self.model(x)
        mu, q = pred[:, :N_FEATURES], pred[:, N_FEATURES:]
        return self.model.frame.reco(x, mu + (q - mu).abs() * eps)


class FlowModel(nn.Module):
    """Conditional spline flow p(t | x): ``forward([x, y])`` gives −log p(y | x) per row (nats, reco units)."""

    def __init__(self, frame: ResidualFrame, transforms: int = 5, hidden: Sequence[int] = (128, 128),
                 bins: int = 8, passes: int | None = None, randperm: bool = False) -> None:
        super().__init__()
        self.frame = frame
        # passes=None: fully autoregressive (sampling inverts each transform in 9 sequential passes);
        # passes=2: coupling transforms (two passes each way: several times faster sampling). zuko
        # alternates ascending and descending feature orders; with 9 features and two passes that
        # keeps jet_py in the first block of every transform, so coupling wants randperm=True
        # (a random feature order per transform)
        self.flow = zuko.flows.NSF(features=N_FEATURES, context=frame.width, transforms=transforms,
                                   hidden_features=tuple(hidden), bins=bins, passes=passes, randperm=randperm)

    def forward(self, xy: torch.Tensor) -> torch.Tensor:
        x, y = xy[:, :N_FEATURES], xy[:, N_FEATURES:]
        t = self.frame.residual(x, y)
        return -(self.flow(self.frame.condition(x)).log_prob(t) + self.frame.log_jacobian())


class FlowSampler(nn.Module):
    """[x, ε] → y = reco(x, T⁻¹(ε | x)) (the exported graph)."""

    def __init__(self, model: FlowModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        x, eps = features[:, :N_FEATURES], features[:, N_FEATURES:]
        transform = self.model.flow(self.model.frame.condition(x)).transform
        return self.model.frame.reco(x, transform.inv(eps))
