r"""Median-response calibration of a regression, as a monotone map inside the graph.

A regression trained on a flat prior over [M_min, M_max] is pulled towards the middle of the
range near its edges (regression to the prior), so its median response R(y) = median(ŷ/y | y)
drifts from 1 there. Jet energy corrections fix the same effect with the inverse of the median
response, and that is what this module does: because the median commutes with a monotone map,

.. math::
    \tilde m(y) = R(y)\,y \ \text{increasing} \;\Rightarrow\;
    \operatorname{median}\big(\tilde m^{-1}(\hat y)\,\big|\,y\big) = \tilde m^{-1}\big(\tilde m(y)\big) = y ,

so ŷ_cal = m̃⁻¹(ŷ) has median response 1 at every y (up to the statistical precision of the
fit), and its relative resolution is that of ŷ to first order.

R(y) is measured on the *validation* split in adaptive bins of y (equal populations), and
smoothed by a weighted polynomial fit in log y; m̃⁻¹ is tabulated on a grid and exported as a
piecewise-linear function (:class:`PiecewiseLinear`, ReLU arithmetic that ONNX runs as is), with
linear extrapolation beyond the grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

__all__ = ["ResponseCalibration", "fit_response_calibration", "PiecewiseLinear"]


@dataclass
class ResponseCalibration:
    """Knots of the inverse map (predicted mass → calibrated mass) and the fitted response."""

    x_knots: np.ndarray
    y_knots: np.ndarray
    poly_log_coefficients: np.ndarray
    fit_range: tuple[float, float]
    n_events: int

    def response(self, y: np.ndarray) -> np.ndarray:
        """The fitted median response R(y) (constant beyond the fit range)."""
        t = np.log(np.clip(y, *self.fit_range))
        return np.polyval(self.poly_log_coefficients, t)

    def apply(self, pred: np.ndarray) -> np.ndarray:
        """m̃⁻¹(pred), with the same linear extrapolation as the graph."""
        x, y = self.x_knots, self.y_knots
        out = np.interp(pred, x, y)
        lo = pred < x[0]
        hi = pred > x[-1]
        out[lo] = y[0] + (pred[lo] - x[0]) * (y[1] - y[0]) / (x[1] - x[0])
        out[hi] = y[-1] + (pred[hi] - x[-1]) * (y[-1] - y[-2]) / (x[-1] - x[-2])
        return out

    def to_card(self) -> dict:
        return {
            "method": "inverse median response, polynomial in log(m) fitted on the validation split",
            "fit_range_gev": list(self.fit_range),
            "n_events": self.n_events,
            "poly_log_coefficients": [float(c) for c in self.poly_log_coefficients],
            "n_knots": int(len(self.x_knots)),
        }


def fit_response_calibration(pred: np.ndarray, true: np.ndarray, lo: float, hi: float,
                             events_per_bin: int = 400, degree: int = 4) -> ResponseCalibration:
    """Fit R(y) on (pred, true) pairs with lo ≤ true ≤ hi and build m̃⁻¹."""
    sel = (true >= lo) & (true <= hi) & np.isfinite(pred)
    p, t = pred[sel], true[sel]
    order = np.argsort(t)
    p, t = p[order], t[order]
    n_bins = max(3, len(t) // events_per_bin)
    edges = np.linspace(0, len(t), n_bins + 1).astype(int)
    centres, medians, errors = [], [], []
    for a, b in zip(edges[:-1], edges[1:]):
        r = p[a:b] / t[a:b]
        q16, q50, q84 = np.quantile(r, [0.16, 0.5, 0.84])
        centres.append(np.median(t[a:b]))
        medians.append(q50)
        errors.append(1.2533 * 0.5 * (q84 - q16) / np.sqrt(b - a))
    x = np.log(np.asarray(centres))
    grid = np.geomspace(lo, hi, 200)
    # the highest degree (at most n_bins - 2) whose mass map is monotone; small samples get
    # a lower degree, down to a constant response
    for deg in range(min(degree, n_bins - 2), -1, -1):
        coeffs = np.polyfit(x, np.asarray(medians), deg=deg, w=1.0 / np.asarray(errors))
        m_tilde = np.polyval(coeffs, np.log(grid)) * grid
        if np.all(np.diff(m_tilde) > 0):
            break
    else:  # pragma: no cover - a constant positive response is always monotone
        raise ValueError("no monotone median-response calibration could be fitted")
    return ResponseCalibration(x_knots=m_tilde, y_knots=grid, poly_log_coefficients=coeffs,
                               fit_range=(float(lo), float(hi)), n_events=int(sel.sum()))


class PiecewiseLinear(nn.Module):
    r"""y = y₀ + s₀(x − x₀) + Σ_k (s_k − s_{k−1}) ReLU(x − x_k): the linear interpolation through
    the knots, with the end slopes continued outside them; exports as Relu/MatMul."""

    def __init__(self, x_knots: np.ndarray, y_knots: np.ndarray) -> None:
        super().__init__()
        x = np.asarray(x_knots, dtype=np.float64)
        y = np.asarray(y_knots, dtype=np.float64)
        slopes = np.diff(y) / np.diff(x)
        self.register_buffer("x0", torch.tensor([x[0]], dtype=torch.float32))
        self.register_buffer("y0", torch.tensor([y[0]], dtype=torch.float32))
        self.register_buffer("s0", torch.tensor([slopes[0]], dtype=torch.float32))
        self.register_buffer("knots", torch.tensor(x[1:-1], dtype=torch.float32))
        self.register_buffer("dslopes", torch.tensor(np.diff(slopes), dtype=torch.float32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        base = self.y0 + self.s0 * (x - self.x0)
        return base + torch.relu(x - self.knots) @ self.dslopes.unsqueeze(-1)
