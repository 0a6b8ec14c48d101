r"""Histogram calibration of a likelihood-ratio estimator, exported inside the graph, and the
closure checks :math:`\mathbb E_{\theta_1}[\hat r] = 1` and :math:`\mathbb E_{\theta_0}[\hat t] = 0`.

An estimator :math:`\hat r(x|\theta_0, \theta_1)` defines the classifier output
:math:`\hat s(x) = 1/(1 + \hat r(x))`. Whatever its errors, if :math:`\hat s` is a monotone
function of the true ratio, the ratio of the densities of :math:`\hat s` itself is the exact ratio
(Cranmer, Pavez, Louppe, "Approximating likelihood ratios with calibrated discriminative
classifiers", arXiv 1506.02169, Theorem 1); in general it is the best ratio the statistic
:math:`\hat s` allows:

.. math::

    \hat r_{cal}(x) = \frac{\hat p(\hat s(x)|\theta_0)}{\hat p(\hat s(x)|\theta_1)}.

The densities are histograms of a held-out calibration sample, :math:`n_0` events from
:math:`\theta_0` and :math:`n_1` from :math:`\theta_1` (half and half is natural; the normalisation
per hypothesis makes the mix irrelevant), in B bins (default 50) with add-one smoothing,

.. math::

    \hat p_b(\theta) = \frac{c_b(\theta) + 1}{n_\theta + B}, \qquad
    \log\hat r_{cal,b} = \log\hat p_b(\theta_0) - \log\hat p_b(\theta_1)

(the bin widths cancel). The bins are fixed after the fit: by default at the quantiles of the
pooled calibration sample (equal populations, so no bin is empty), or uniform in s
(``binning="uniform"``). Binning s is the same as binning its logit :math:`u = \log(\hat s/(1-\hat s))
= -\log\hat r`, which is what the graph compares (no sigmoid before the comparison). The histogram
closes by construction: :math:`\mathbb E_{\theta_1}[\hat r_{cal}] = \sum_b P_b(\theta_1)\,\hat p_b(\theta_0)/
\hat p_b(\theta_1) \simeq \sum_b \hat p_b(\theta_0) = 1` up to the calibration sample's statistics.

Optionally (``interpolation="linear"``, as carl's ``HistogramCalibrator(interpolation=...)``) the
calibrated :math:`\log\hat r_{cal}` is interpolated linearly in u between the bins' medians (constant
beyond the first and last): continuous, so that torch and onnxruntime, whose float32 outputs differ
in the last bits, cannot fall on two sides of a bin edge.

A parameterised estimator is calibrated at one :math:`\theta_0` (:class:`CalibratedRatio` takes x
and appends its :math:`\theta_0`); a grid of :math:`\theta_0` takes one calibration per point.

The lookup in the graph is a comparison-sum, :math:`b(u) = \sum_j [u \ge e_j]` over the B − 1
interior edges, then a gather of the table: both export to ONNX at opset 17 (``bucketize`` does not).

Example (two unit Gaussians at ±0.5, whose exact log r(x) is x; the "estimator" is exact):
    >>> rng = np.random.default_rng(1)
    >>> cal = fit_histogram_calibration(rng.normal(0.5, 1.0, 4000), rng.normal(-0.5, 1.0, 4000), theta0=0.5,
    ...                                 bins=20)
    >>> cal.n_bins, cal.log_r(np.array([-1.0, 0.0, 1.0])).round(1)
    (20, array([-1.1,  0.1,  1. ]))
    >>> value, error = expectation_of_ratio(np.exp(cal.log_r(rng.normal(-0.5, 1.0, 20000))))
    >>> abs(value - 1.0) < 3 * error + 0.02
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np
import torch
from torch import nn

from hepsurrogates.exceptions import InvalidArgumentError

from .ensemble import export_onnx
from .estimators import _rows, ratio_features

__all__ = ["HistogramCalibration", "fit_histogram_calibration", "calibrate", "CalibratedRatio",
           "export_calibrated_onnx", "Expectation", "expectation_of_ratio", "mean_score"]


class Expectation(NamedTuple):
    """A sample mean and its standard error σ/√n (float, or (p,) arrays for a score)."""

    value: Any
    error: Any


def _finite_sample(values: Any, name: str) -> np.ndarray:
    """A non-empty finite float64 1-D array."""
    v = np.asarray(values, dtype=np.float64).ravel()
    if len(v) == 0:
        raise InvalidArgumentError(f"{name}: the sample is empty")
    bad = int(np.count_nonzero(~np.isfinite(v)))
    if bad:
        raise InvalidArgumentError(f"{name}: {bad} of {len(v)} values are not finite")
    return v


@dataclass(frozen=True)
class HistogramCalibration:
    r"""The fitted calibration at one :math:`\theta_0`: interior edges in :math:`u = -\log\hat r`
    (B − 1, increasing, float32-representable), the calibrated :math:`\log\hat r_{cal}` per bin (B,),
    the median u of the pooled calibration events per bin (B,; NaN for an empty bin), the counts per
    hypothesis (B,)."""

    edges: np.ndarray
    log_ratio: np.ndarray
    nodes: np.ndarray
    counts0: np.ndarray
    counts1: np.ndarray
    theta0: np.ndarray
    interpolation: Literal["none", "linear"] = "none"

    @property
    def n_bins(self) -> int:
        return len(self.log_ratio)

    def interpolation_nodes(self) -> tuple[np.ndarray, np.ndarray]:
        """The (u, log r̂_cal) nodes of the linear interpolation: the filled bins' medians and values."""
        filled = np.isfinite(self.nodes)
        return self.nodes[filled], self.log_ratio[filled]

    def bin_index(self, log_r_hat: Any) -> np.ndarray:
        """The bin of each event, b = #{interior edges e_j ≤ u}, u = −log r̂ (as the graph computes it)."""
        u = -np.asarray(log_r_hat, dtype=np.float32).astype(np.float64)
        return np.searchsorted(self.edges, u, side="right")

    def log_r(self, log_r_hat: Any) -> np.ndarray:
        r"""The calibrated :math:`\log\hat r_{cal}` of estimator outputs ``log_r_hat`` (float64 (n,))."""
        if self.interpolation == "linear":
            u = -np.asarray(log_r_hat, dtype=np.float32).astype(np.float64)
            nodes, values = self.interpolation_nodes()
            return np.interp(u, nodes, values)
        return self.log_ratio[self.bin_index(log_r_hat)]


def _interior_edges(u0: np.ndarray, u1: np.ndarray, bins: int, binning: str) -> np.ndarray:
    """B − 1 interior edges in u: quantiles of the pooled sample, or logit of a uniform grid in s."""
    if binning == "quantile":
        edges = np.quantile(np.concatenate([u0, u1]), np.arange(1, bins) / bins)
    else:
        s = np.arange(1, bins) / bins
        edges = np.log(s / (1.0 - s))
    return np.unique(edges.astype(np.float32).astype(np.float64))


def fit_histogram_calibration(log_r0: Any, log_r1: Any, theta0: Any, bins: int = 50,
                              binning: Literal["quantile", "uniform"] = "quantile",
                              interpolation: Literal["none", "linear"] = "none") -> HistogramCalibration:
    r"""Histogram calibration (arXiv 1506.02169) from the estimator's :math:`\log\hat r(x|\theta_0,\theta_1)`
    on held-out events from :math:`\theta_0` (``log_r0``) and from :math:`\theta_1` (``log_r1``).

    Args:
        log_r0, log_r1: estimator outputs on the two calibration samples (1-D, finite, non-empty).
        theta0: the numerator point they were evaluated at (recorded; a point of p parameters).
        bins: the number of bins B ≥ 2 (fewer if quantile edges coincide).
        binning: ``quantile`` (equal populations of the pooled sample) or ``uniform`` in s = 1/(1 + r̂).
        interpolation: ``none`` (the histogram) or ``linear`` (between the bins' medians in u).

    Raises:
        InvalidArgumentError: an empty sample, non-finite values, bins < 2, an unknown option.
    """
    u0 = -_finite_sample(log_r0, "calibration sample from theta0 (log r_hat)")
    u1 = -_finite_sample(log_r1, "calibration sample from theta1 (log r_hat)")
    if int(bins) != bins or bins < 2:
        raise InvalidArgumentError(f"bins must be an integer >= 2, got {bins!r}")
    if binning not in ("quantile", "uniform"):
        raise InvalidArgumentError(f"unknown binning {binning!r}; choose 'quantile' or 'uniform'")
    if interpolation not in ("none", "linear"):
        raise InvalidArgumentError(f"unknown interpolation {interpolation!r}; choose 'none' or 'linear'")
    theta = np.atleast_1d(np.asarray(theta0, dtype=np.float64))
    if theta.ndim != 1 or not np.isfinite(theta).all():
        raise InvalidArgumentError(f"theta0: expected one finite parameter point, got {theta0!r}")
    # the same float32 rounding of u as the graph, so that numpy and the graph pick the same bin
    u0, u1 = u0.astype(np.float32).astype(np.float64), u1.astype(np.float32).astype(np.float64)
    edges = _interior_edges(u0, u1, int(bins), binning)
    n_bins = len(edges) + 1
    c0 = np.bincount(np.searchsorted(edges, u0, side="right"), minlength=n_bins)
    c1 = np.bincount(np.searchsorted(edges, u1, side="right"), minlength=n_bins)
    log_ratio = np.log((c0 + 1.0) / (len(u0) + n_bins)) - np.log((c1 + 1.0) / (len(u1) + n_bins))
    pooled = np.concatenate([u0, u1])
    which = np.searchsorted(edges, pooled, side="right")
    nodes = np.full(n_bins, np.nan)
    for b in np.flatnonzero(np.bincount(which, minlength=n_bins)):
        nodes[b] = np.median(pooled[which == b])
    if interpolation == "linear" and np.isfinite(nodes).sum() < 2:
        raise InvalidArgumentError("linear interpolation needs at least 2 filled bins")
    return HistogramCalibration(edges, log_ratio, nodes, c0, c1, theta, interpolation)


class CalibratedRatio(nn.Module):
    r"""An estimator of :math:`\log\hat r(x|\theta, \theta_1)` (a :class:`~.estimators.ParameterizedRatio`
    or :class:`~.ensemble.RatioEnsemble`: ``forward(features)`` (n,), attributes ``n_x``, ``n_params``)
    calibrated at the calibration's :math:`\theta_0`: ``forward(x)`` (n, n_x) is
    :math:`\log\hat r_{cal}(x|\theta_0, \theta_1)` (n,), the whole lookup in torch ops that export to ONNX."""

    def __init__(self, estimator: nn.Module, calibration: HistogramCalibration) -> None:
        super().__init__()
        if len(calibration.theta0) != estimator.n_params:
            raise InvalidArgumentError(f"the calibration's theta0 has {len(calibration.theta0)} parameters, the "
                                       f"estimator takes {estimator.n_params}")
        self.estimator = estimator
        #: the fitted table (numpy), whose ``log_r`` of the estimator's outputs the graph reproduces
        self.calibration = calibration
        self.n_x, self.n_params = int(estimator.n_x), int(estimator.n_params)
        self.linear = calibration.interpolation == "linear"
        self.register_buffer("theta0", torch.as_tensor(calibration.theta0, dtype=torch.float32)[None, :])
        self.register_buffer("edges", torch.as_tensor(calibration.edges, dtype=torch.float32))
        nodes, values = calibration.interpolation_nodes() if self.linear else (np.zeros(0), calibration.log_ratio)
        self.register_buffer("table", torch.as_tensor(values, dtype=torch.float32))
        self.register_buffer("nodes", torch.as_tensor(nodes, dtype=torch.float32))

    def uncalibrated(self, x: torch.Tensor) -> torch.Tensor:
        r"""The estimator's :math:`\log\hat r(x|\theta_0, \theta_1)` (n,)."""
        theta = self.theta0.expand(x.shape[0], self.n_params)
        return self.estimator(torch.cat([x, theta], dim=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        u = -self.uncalibrated(x)
        if not self.linear:
            index = (u[:, None] >= self.edges[None, :]).to(torch.int64).sum(dim=1)
            return torch.index_select(self.table, 0, index)
        inner = self.nodes[1:-1]
        k = (u[:, None] >= inner[None, :]).to(torch.int64).sum(dim=1)
        lo, hi = torch.index_select(self.nodes, 0, k), torch.index_select(self.nodes, 0, k + 1)
        v_lo, v_hi = torch.index_select(self.table, 0, k), torch.index_select(self.table, 0, k + 1)
        w = torch.clamp((u - lo) / (hi - lo), 0.0, 1.0)
        return v_lo + w * (v_hi - v_lo)

    def log_r(self, x: Any) -> np.ndarray:
        r"""The calibrated :math:`\log\hat r_{cal}(x|\theta_0, \theta_1)` as float64 (n,)."""
        self.eval()
        with torch.no_grad():
            return self(torch.as_tensor(_rows(x, "x"), dtype=torch.float32)).double().numpy()


def calibrate(estimator: nn.Module, x0: Any, x1: Any, theta0: Any, bins: int = 50,
              binning: Literal["quantile", "uniform"] = "quantile",
              interpolation: Literal["none", "linear"] = "none") -> CalibratedRatio:
    r"""Calibrate ``estimator`` at :math:`\theta_0` on held-out events ``x0`` ~ p(x|θ0) and
    ``x1`` ~ p(x|θ1) (each (n,) or (n, n_x)): :func:`fit_histogram_calibration` of its outputs,
    wrapped as a :class:`CalibratedRatio`.

    Raises:
        InvalidArgumentError: an empty sample, non-finite x or estimator outputs, bad options.
    """
    estimator.eval()
    outputs = []
    for name, x in (("theta0", x0), ("theta1", x1)):
        if np.size(x) == 0:
            raise InvalidArgumentError(f"calibration sample from {name}: the sample is empty")
        with torch.no_grad():
            outputs.append(estimator(torch.as_tensor(ratio_features(x, theta0, estimator.n_params))).double().numpy())
    return CalibratedRatio(estimator, fit_histogram_calibration(*outputs, theta0=theta0, bins=bins, binning=binning,
                                                                interpolation=interpolation))


def export_calibrated_onnx(model: CalibratedRatio, path: str | Path | None = None) -> bytes:
    """One ONNX graph: input ``x`` (n, n_x) → output ``log_r`` (n,), the calibrated log r̂(x|θ0, θ1)."""
    return export_onnx(model, torch.zeros(4, model.n_x), "x", ("log_r",), path)


def expectation_of_ratio(r_hat: Any) -> Expectation:
    r"""The closure :math:`\mathbb E_{\theta_1}[\hat r(x|\theta_0, \theta_1)]`, which is 1 for the exact
    ratio, from :math:`\hat r` (not its log) on events x ~ p(x|θ1): the mean and its standard error.

    Raises:
        InvalidArgumentError: fewer than 2 events, non-finite or negative values.
    """
    r = _finite_sample(r_hat, "r_hat")
    if len(r) < 2 or (r < 0).any():
        raise InvalidArgumentError(f"r_hat: need at least 2 non-negative ratios, got {len(r)} "
                                   f"({int((r < 0).sum())} negative)")
    return Expectation(float(r.mean()), float(r.std(ddof=1) / np.sqrt(len(r))))


def mean_score(t_hat: Any) -> Expectation:
    r"""The closure :math:`\mathbb E_{\theta_0}[\hat t(x|\theta_0)]`, which is 0 for the exact score,
    from :math:`\hat t` (n,) or (n, p) on events x ~ p(x|θ0): the mean (p,) and its standard error (p,).

    Raises:
        InvalidArgumentError: fewer than 2 events or non-finite values.
    """
    t = np.asarray(t_hat, dtype=np.float64)
    t = t[:, None] if t.ndim == 1 else t
    if t.ndim != 2 or len(t) < 2:
        raise InvalidArgumentError(f"t_hat: expected at least 2 events (n,) or (n, p), got shape {np.shape(t_hat)}")
    _finite_sample(t, "t_hat")
    return Expectation(t.mean(axis=0), t.std(axis=0, ddof=1) / np.sqrt(len(t)))
