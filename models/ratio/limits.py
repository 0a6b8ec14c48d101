r"""Expected and observed limits on θ with the asymptotic method: unbinned (from estimated likelihood
ratios), binned (histograms of the SALLY score or of observables), and the Fisher information.

This is the inference step of MadMiner (Brehmer, Cranmer, Louppe, Pavez, arXiv 1805.00020 §III.C
"Limit setting" and §IV; arXiv 1805.00013 §5; MadMiner's ``madminer.limits.AsymptoticLimits`` and
``madminer.fisherinformation``). Everything here is plain numpy / scipy: the estimators are evaluated
by the caller (onnxruntime at inference time) and passed in as arrays on a grid of θ.

**Extended likelihood.** n events x_i observed with a luminosity L, expected count
ν(θ) = L σ(θ) (σ from morphing), normalised kinematic density p(x|θ):

.. math::

    \log L(\theta) = -\nu(\theta) + \sum_{i=1}^{n} \log[\nu(\theta)\, p(x_i|\theta)]
                   = -\nu(\theta) + n \log\nu(\theta) + \sum_i \log p(x_i|\theta) .

A ratio estimator gives :math:`\hat r(x|\theta, \theta_{ref}) = p(x|\theta)/p(x|\theta_{ref})`, a ratio of
**normalised** densities, so the Poisson factor keeps its :math:`n\log\nu` term:

.. math::

    \ell(\theta) \equiv \log\frac{L(\theta)}{L(\theta_{ref})}
      = -[\nu(\theta) - \nu(\theta_{ref})] + n \log\frac{\nu(\theta)}{\nu(\theta_{ref})}
        + \sum_i w_i \log\hat r(x_i|\theta, \theta_{ref}),

with event weights :math:`w_i` (1 for observed data; n = Σ w_i). This is MadMiner's
``log_r_kin + log_p_xsec`` with ``log_p_xsec = poisson.logpmf(n, ν(θ))`` up to a θ-independent
constant. The test statistic (profiled over the grid) is

.. math::

    q(\theta) = -2\,\ell(\theta), \qquad t(\theta) = q(\theta) - \min_{\theta'} q(\theta'),

and Wilks' theorem gives :math:`p(\theta) = 1 - F_{\chi^2_k}(t(\theta))`, k the number of parameters
(Cowan, Cranmer, Gross, Vitells, arXiv 1007.1727). The confidence set at level CL is
:math:`\{\theta: t(\theta) \le F^{-1}_{\chi^2_k}(\mathrm{CL})\}`.

**Expected limits (Asimov).** The same with the "Asimov" data at θ_true: events weighted to the
expected distribution at θ_true with total weight ν(θ_true) (:func:`asimov_weights`); then
:math:`\hat\theta = \theta_{true}` and t(θ) is the median expected statistic.

**Binned likelihood.** With per-bin expectations :math:`\nu_b(\theta)` (Σ_b ν_b = ν) and counts
:math:`n_b` (observed, or ν_b(θ_true) for Asimov data),
:math:`\log L(\theta) = \sum_b [n_b \log\nu_b(\theta) - \nu_b(\theta)]` (the extended binned likelihood:
Poisson total times multinomial shape). :func:`binned_expectation` builds ν_b(θ) from a weighted
reference sample, per-event weights :math:`w_i(\theta)` (morphing weights, or :func:`reweighted`)
summed per bin; :func:`quantile_edges` gives the bins.

**Fisher information** (arXiv 1805.00020 §III.B, eq. 19–20): from a per-event score t(x|θ)
(SALLY's t̂, the exact one, or the joint score t(x, z|θ) for the full information),

.. math::

    I_{ij}(\theta) = \nu(\theta)\, \mathbb E_\theta[t_i t_j]
        + \frac{\partial_i\nu\,\partial_j\nu}{\nu} ,

the second (rate) term present when ∇ν is given; it is the information of the per-event density
ν p(x|θ), since E[t] = 0. From a histogram, :math:`I_{ij} = \sum_b \partial_i\nu_b\,\partial_j\nu_b / \nu_b`
(rate included). The information of the joint score bounds that of x, which bounds that of any
histogram of x: :math:`I_{joint} \ge I_x \ge I_{hist}`. The expected half-width of the CL interval on
θ_i is :math:`\sqrt{F^{-1}_{\chi^2_1}(\mathrm{CL})\,(I^{-1})_{ii}}` (1/√I in 1-D at 68.27 %).

Example (a counting experiment: no kinematic information, ν(θ) = 100 (1 + θ), 100 events seen):
    >>> grid = np.linspace(-0.5, 0.5, 1001)
    >>> result = unbinned_limits(grid, np.zeros((100, grid.size)), 100.0 * (1.0 + grid), nu_ref=100.0)
    >>> float(result.theta_hat[0]), result.n_params
    (0.0, 1)
    >>> piece = confidence_interval(result, 0.6827)
    >>> round(piece.low, 3), round(piece.high, 3), piece.low_bounded and piece.high_bounded
    (-0.097, 0.103, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from scipy.special import xlogy
from scipy.stats import chi2

from hepsurrogates.exceptions import InvalidArgumentError

__all__ = [
    "LimitResult", "Interval", "theta_grid", "extended_log_likelihood_ratio", "binned_log_likelihood",
    "profiled_statistic", "asymptotic_p_values", "threshold", "unbinned_limits", "binned_limits", "confidence_set",
    "confidence_intervals", "confidence_interval", "asimov_weights", "reweighted", "quantile_edges", "bin_index",
    "binned_expectation", "bin_counts", "fisher_information", "histogram_fisher_information", "expected_halfwidth",
]


# -- validation ----------------------------------------------------------------------------------
def _finite(name: str, a: np.ndarray) -> None:
    bad = ~np.isfinite(a)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InvalidArgumentError(f"{name}: {int(bad.sum())} non-finite value(s) (first at index {first})")


def _array(name: str, values: Any, ndim: int) -> np.ndarray:
    a = np.asarray(values, dtype=np.float64)
    if a.ndim != ndim:
        raise InvalidArgumentError(f"{name}: expected a {ndim}-D array, got shape {a.shape}")
    _finite(name, a)
    return a


def _grid(values: Any) -> np.ndarray:
    """θ grid as (n_grid, p): a 1-D array is one parameter."""
    g = np.asarray(values, dtype=np.float64)
    if g.ndim == 1:
        g = g[:, None]
    if g.ndim != 2 or g.shape[0] < 1 or g.shape[1] < 1:
        raise InvalidArgumentError(f"theta grid: expected shape (n_grid,) or (n_grid, n_params), "
                                   f"got {np.shape(values)}")
    _finite("theta grid", g)
    return g


def _expected(name: str, values: Any, n: int | None = None, positive: bool = True) -> np.ndarray:
    nu = _array(name, values, 1)
    if n is not None and nu.shape[0] != n:
        raise InvalidArgumentError(f"{name}: expected {n} values (one per grid point), got {nu.shape[0]}")
    bad = nu <= 0 if positive else nu < 0
    if bad.any():
        j = int(np.argmax(bad))
        need = "positive" if positive else "non-negative"
        raise InvalidArgumentError(f"{name}: expected counts must be {need}; got {nu[j]!r} at index {j}")
    return nu


def _cl(cl: float) -> float:
    if not (np.isfinite(cl) and 0.0 < cl < 1.0):
        raise InvalidArgumentError(f"confidence level: expected 0 < cl < 1, got {cl!r}")
    return float(cl)


# -- results -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LimitResult:
    """The scan of one data set on a θ grid.

    Attributes:
        theta: the grid, (n_grid, n_params).
        log_likelihood: ℓ(θ) (up to a θ-independent constant), (n_grid,).
        t: t(θ) = −2 [ℓ(θ) − max ℓ] ≥ 0, (n_grid,).
        p_values: 1 − F_{χ²_k}(t(θ)), k = n_params, (n_grid,).
        i_hat: the index of the best grid point.
    """

    theta: np.ndarray
    log_likelihood: np.ndarray
    t: np.ndarray
    p_values: np.ndarray
    i_hat: int

    @property
    def n_params(self) -> int:
        """The number of parameters k (the χ² degrees of freedom)."""
        return int(self.theta.shape[1])

    @property
    def theta_hat(self) -> np.ndarray:
        """The best grid point θ̂, (n_params,)."""
        return self.theta[self.i_hat]


class Interval(NamedTuple):
    """One connected piece [low, high] of a 1-D confidence set; ``*_bounded`` is False where the set
    reaches the grid's end (the limit there is only the grid's)."""

    low: float
    high: float
    low_bounded: bool
    high_bounded: bool


def theta_grid(ranges: Sequence[tuple[float, float]], resolutions: int | Sequence[int]) -> np.ndarray:
    """A regular grid (MadMiner's ``_make_theta_grid``): ``ranges`` [(lo, hi), …] per parameter, ``resolutions``
    points per parameter; shape (Π resolutions, n_params), the last parameter fastest."""
    ranges = list(ranges)
    res = [int(resolutions)] * len(ranges) if np.ndim(resolutions) == 0 else [int(r) for r in resolutions]
    if not ranges or len(res) != len(ranges) or min(res) < 2:
        raise InvalidArgumentError(f"theta_grid: need one (lo, hi) and a resolution ≥ 2 per parameter, got "
                                   f"{ranges!r}, {resolutions!r}")
    axes = [np.linspace(float(lo), float(hi), r) for (lo, hi), r in zip(ranges, res)]
    return np.stack([m.ravel() for m in np.meshgrid(*axes, indexing="ij")], axis=1)


# -- likelihoods ---------------------------------------------------------------------------------
def extended_log_likelihood_ratio(log_r: Any, nu: Any, nu_ref: float, weights: Any = None,
                                  n_observed: float | None = None) -> np.ndarray:
    r"""ℓ(θ) = log L(θ)/L(θ_ref) of the extended unbinned likelihood (module docstring; arXiv 1805.00020
    eq. 13 with the Poisson term of MadMiner's ``_calculate_log_likelihood_xsec``):

    .. math::

        \ell(\theta) = -[\nu(\theta)-\nu_{ref}] + n\log\frac{\nu(\theta)}{\nu_{ref}}
                       + \sum_i w_i\log\hat r(x_i|\theta,\theta_{ref}).

    Args:
        log_r: log r̂(x_i|θ_j, θ_ref), (n_events, n_grid).
        nu: ν(θ_j) = L σ(θ_j), (n_grid,), positive.
        nu_ref: ν(θ_ref), positive.
        weights: per-event weights w_i (n_events,), default 1 (observed data); Asimov data: :func:`asimov_weights`.
        n_observed: n; default Σ w_i. Given with weights, the weights are rescaled to sum to it (MadMiner's
            ``n_observed``: the kinematic term of n events of the weights' shape).

    Returns:
        ℓ(θ_j), (n_grid,).

    Raises:
        InvalidArgumentError: mismatched shapes, non-finite log r̂ or weights, non-positive ν.
    """
    lr = _array("log_r", log_r, 2)
    n_events, n_grid = lr.shape
    nu = _expected("nu", nu, n_grid)
    nu_ref = float(_expected("nu_ref", np.atleast_1d(nu_ref), 1)[0])
    w = np.ones(n_events) if weights is None else _array("weights", weights, 1)
    if w.shape[0] != n_events:
        raise InvalidArgumentError(f"weights: expected {n_events} values (one per event of log_r), got {w.shape[0]}")
    total = float(w.sum())
    if n_observed is None:
        n = total
    else:
        n = float(n_observed)
        if not (np.isfinite(n) and n >= 0):
            raise InvalidArgumentError(f"n_observed: expected a non-negative number, got {n_observed!r}")
        if weights is not None:
            if total <= 0:
                raise InvalidArgumentError(f"weights: their sum must be positive to rescale to n_observed, got {total}")
            w = w * (n / total)
    if n < 0:
        raise InvalidArgumentError(f"weights: the number of events n = Σ w must be non-negative, got {n}")
    return -(nu - nu_ref) + n * np.log(nu / nu_ref) + w @ lr


def binned_log_likelihood(counts: Any, nu_b: Any) -> np.ndarray:
    r"""log L(θ) = Σ_b [n_b log ν_b(θ) − ν_b(θ)] of the binned Poisson likelihood (the θ-independent −log n_b!
    dropped; MadMiner's histogram mode with ``include_xsec``). A bin with ν_b = 0 contributes 0 when n_b = 0
    and −∞ otherwise.

    Args:
        counts: n_b, (n_bins,), non-negative (need not be integers: Asimov counts ν_b(θ_true)).
        nu_b: ν_b(θ_j), (n_bins, n_grid), non-negative, each column with a positive sum.

    Returns:
        log L(θ_j), (n_grid,).
    """
    n_b = _expected("counts", counts, positive=False)
    nu = _array("nu_b", nu_b, 2)
    if nu.shape[0] != n_b.shape[0]:
        raise InvalidArgumentError(f"nu_b: expected {n_b.shape[0]} bins (rows, as counts), got shape {nu.shape}")
    if (nu < 0).any():
        b, j = (int(i) for i in np.argwhere(nu < 0)[0])
        raise InvalidArgumentError(f"nu_b: expected counts must be non-negative; got {nu[b, j]!r} in bin {b} at "
                                   f"grid point {j}")
    if (nu.sum(axis=0) <= 0).any():
        raise InvalidArgumentError(f"nu_b: no events expected at grid point {int(np.argmax(nu.sum(axis=0) <= 0))}")
    return xlogy(n_b[:, None], nu).sum(axis=0) - nu.sum(axis=0)


def profiled_statistic(log_likelihood: Any) -> tuple[np.ndarray, int]:
    """t(θ) = −2 [ℓ(θ) − max_grid ℓ] and the index of the maximum (−∞ entries give t = +∞).

    Raises:
        InvalidArgumentError: NaN, +∞, or no finite value.
    """
    ll = np.asarray(log_likelihood, dtype=np.float64)
    if ll.ndim != 1 or ll.size == 0:
        raise InvalidArgumentError(f"log_likelihood: expected a non-empty 1-D array, got shape {ll.shape}")
    if np.isnan(ll).any() or (ll == np.inf).any() or not np.isfinite(ll).any():
        raise InvalidArgumentError("log_likelihood: NaN, +inf, or no finite value")
    i_hat = int(np.argmax(ll))
    return -2.0 * (ll - ll[i_hat]), i_hat


def asymptotic_p_values(t: Any, n_params: int) -> np.ndarray:
    """p(θ) = 1 − F_{χ²_k}(t(θ)) (Wilks; arXiv 1007.1727), k = ``n_params``."""
    if int(n_params) != n_params or n_params < 1:
        raise InvalidArgumentError(f"n_params: expected a positive integer, got {n_params!r}")
    return chi2.sf(np.asarray(t, dtype=np.float64), int(n_params))


def threshold(cl: float, n_params: int) -> float:
    """F⁻¹_{χ²_k}(CL): the largest t(θ) inside the confidence set (0.989 for k = 1 at 68 %, 3.84 at 95 %)."""
    return float(chi2.ppf(_cl(cl), int(n_params)))


def _result(grid: np.ndarray, ll: np.ndarray) -> LimitResult:
    t, i_hat = profiled_statistic(ll)
    return LimitResult(grid, ll, t, asymptotic_p_values(t, grid.shape[1]), i_hat)


def unbinned_limits(theta: Any, log_r: Any, nu: Any, nu_ref: float, weights: Any = None,
                    n_observed: float | None = None) -> LimitResult:
    """The scan of :func:`extended_log_likelihood_ratio` on the grid ``theta`` ((n_grid,) or (n_grid, p)):
    observed limits (weights None) or expected ones (Asimov weights)."""
    grid = _grid(theta)
    ll = extended_log_likelihood_ratio(log_r, nu, nu_ref, weights, n_observed)
    if ll.shape[0] != grid.shape[0]:
        raise InvalidArgumentError(f"theta grid: {grid.shape[0]} points, but log_r has {ll.shape[0]} grid columns")
    return _result(grid, ll)


def binned_limits(theta: Any, counts: Any, nu_b: Any) -> LimitResult:
    """The scan of :func:`binned_log_likelihood` on the grid ``theta``: observed counts, or the Asimov counts
    ν_b(θ_true) for expected limits."""
    grid = _grid(theta)
    ll = binned_log_likelihood(counts, nu_b)
    if ll.shape[0] != grid.shape[0]:
        raise InvalidArgumentError(f"theta grid: {grid.shape[0]} points, but nu_b has {ll.shape[0]} grid columns")
    return _result(grid, ll)


# -- confidence sets -----------------------------------------------------------------------------
def confidence_set(result: LimitResult, cl: float) -> np.ndarray:
    """The grid points inside the CL confidence set (t ≤ F⁻¹_{χ²_k}(CL)), a boolean mask (n_grid,); in 2-D,
    the contour is its boundary."""
    return result.t <= threshold(cl, result.n_params)


def _crossing(theta: np.ndarray, t: np.ndarray, inside: int, outside: int, level: float) -> float:
    """θ where t crosses ``level`` between grid points ``inside`` and ``outside``, by linear interpolation."""
    t_in, t_out = t[inside], t[outside]
    if not np.isfinite(t_out):
        return float(theta[inside])
    return float(theta[inside] + (level - t_in) / (t_out - t_in) * (theta[outside] - theta[inside]))


def confidence_intervals(result: LimitResult, cl: float) -> list[Interval]:
    """The 1-D confidence set as its connected pieces (a quadratic EFT can have two), each end point by
    linear interpolation of t(θ) between the grid points that bracket the threshold.

    Raises:
        InvalidArgumentError: more than one parameter, or a grid that is not strictly increasing.
    """
    if result.n_params != 1:
        raise InvalidArgumentError(f"confidence_intervals: needs one parameter, got {result.n_params}")
    theta = result.theta[:, 0]
    if theta.size < 2 or (np.diff(theta) <= 0).any():
        raise InvalidArgumentError("confidence_intervals: the theta grid must be strictly increasing (≥ 2 points)")
    level = threshold(cl, 1)
    inside = result.t <= level
    edges = np.flatnonzero(np.diff(np.concatenate([[0], inside.astype(np.int8), [0]])))
    out = []
    for start, stop in zip(edges[::2], edges[1::2] - 1):
        low = _crossing(theta, result.t, start, start - 1, level) if start > 0 else float(theta[0])
        high = _crossing(theta, result.t, stop, stop + 1, level) if stop < theta.size - 1 else float(theta[-1])
        out.append(Interval(low, high, bool(start > 0), bool(stop < theta.size - 1)))
    return out


def confidence_interval(result: LimitResult, cl: float) -> Interval:
    """The piece of :func:`confidence_intervals` that holds the best fit θ̂."""
    theta_hat = float(result.theta_hat[0])
    for piece in confidence_intervals(result, cl):
        if piece.low <= theta_hat <= piece.high:
            return piece
    raise AssertionError("the best grid point is always inside the confidence set")  # pragma: no cover


# -- Asimov data and weighted samples ------------------------------------------------------------
def asimov_weights(nu_true: float, n_events: int | None = None, log_r_true: Any = None,
                   base_weights: Any = None) -> np.ndarray:
    r"""Per-event weights of the Asimov data at θ_true, summing to ν(θ_true) (MadMiner's ``_asimov_data``):
    :math:`w_i \propto b_i\, \hat r(x_i|\theta_{true}, \theta_s)` for events drawn at θ_s (``log_r_true`` the
    log ratio per event; omitted when the events are drawn at θ_true), ``base_weights`` b_i (default 1; e.g.
    quadrature weights × p(x_i|θ_s)).

    Raises:
        InvalidArgumentError: no events, ν(θ_true) ≤ 0, non-finite values, a non-positive total.
    """
    nu_true = float(_expected("nu_true", np.atleast_1d(nu_true), 1)[0])
    sizes = {len(np.atleast_1d(a)) for a in (log_r_true, base_weights) if a is not None}
    if n_events is not None:
        sizes.add(int(n_events))
    if len(sizes) != 1 or min(sizes) < 1:
        raise InvalidArgumentError(f"asimov_weights: give n_events, log_r_true or base_weights of one positive length, "
                                   f"got lengths {sorted(sizes)}")
    n = sizes.pop()
    w = np.ones(n) if base_weights is None else _array("base_weights", base_weights, 1)
    if log_r_true is not None:
        lr = _array("log_r_true", log_r_true, 1)
        w = w * np.exp(lr - lr.max())
    total = float(w.sum())
    if not total > 0:
        raise InvalidArgumentError(f"asimov_weights: the weights must have a positive sum, got {total}")
    return w * (nu_true / total)


def reweighted(log_r: Any, nu: Any, base_weights: Any = None) -> np.ndarray:
    r"""Per-event weights at each grid point of a reference sample drawn at θ_s,
    :math:`w_i(\theta) = \nu(\theta)\, b_i \hat r(x_i|\theta,\theta_s) / \sum_j b_j \hat r(x_j|\theta,\theta_s)`
    (self-normalised: Σ_i w_i(θ) = ν(θ) exactly), shape (n_events, n_grid); the input of
    :func:`binned_expectation` where no morphing weights are at hand.

    Args:
        log_r: log r̂(x_i|θ_j, θ_s), (n_events, n_grid).
        nu: ν(θ_j), (n_grid,).
        base_weights: b_i, (n_events,), default 1.
    """
    lr = _array("log_r", log_r, 2)
    nu = _expected("nu", nu, lr.shape[1])
    b = np.ones(lr.shape[0]) if base_weights is None else _array("base_weights", base_weights, 1)
    if b.shape[0] != lr.shape[0]:
        raise InvalidArgumentError(f"base_weights: expected {lr.shape[0]} values, got {b.shape[0]}")
    r = b[:, None] * np.exp(lr - lr.max(axis=0, keepdims=True))
    total = r.sum(axis=0)
    if (total <= 0).any():
        raise InvalidArgumentError("reweighted: the weights sum to zero at some grid point")
    return r * (nu / total)[None, :]


# -- histograms ----------------------------------------------------------------------------------
def quantile_edges(values: Any, n_bins: int, weights: Any = None) -> np.ndarray:
    """Bin edges at the (weighted) quantiles k/n_bins of ``values`` (n_events,), outer edges −∞ and +∞:
    equally populated bins under the sample's distribution (MadMiner's adaptive binning).

    Raises:
        InvalidArgumentError: fewer than one bin, non-finite values, or ties that give coinciding edges.
    """
    v = _array("values", values, 1)
    if int(n_bins) != n_bins or n_bins < 1 or v.size < n_bins:
        raise InvalidArgumentError(f"quantile_edges: need 1 ≤ n_bins ≤ n_events, got {n_bins!r} for {v.size} events")
    w = np.ones(v.size) if weights is None else _array("weights", weights, 1)
    if w.shape != v.shape or (w < 0).any() or w.sum() <= 0:
        raise InvalidArgumentError("quantile_edges: weights must be non-negative, one per value, with a positive sum")
    order = np.argsort(v)
    cdf = np.cumsum(w[order])
    cdf = (cdf - 0.5 * w[order]) / cdf[-1]
    inner = np.interp(np.arange(1, int(n_bins)) / n_bins, cdf, v[order])
    if (np.diff(inner) <= 0).any():
        raise InvalidArgumentError(f"quantile_edges: ties in the values give coinciding edges for {n_bins} bins")
    return np.concatenate([[-np.inf], inner, [np.inf]])


def bin_index(values: Any, edges: Any) -> np.ndarray:
    """The (flat) bin of each event: ``values`` (n_events,) with one array of edges, or (n_events, d) with a
    list of d arrays (a d-D histogram, flattened in C order, the last axis fastest). The outer edges count as
    −∞ and +∞ (under- and overflow go to the end bins).

    Raises:
        InvalidArgumentError: non-finite values, edges not strictly increasing, or d ≠ number of edge arrays.
    """
    v = np.asarray(values, dtype=np.float64)
    one_d = v.ndim == 1
    edge_list = [edges] if one_d else list(edges)
    v = v[:, None] if one_d else v
    if v.ndim != 2 or v.shape[1] != len(edge_list):
        raise InvalidArgumentError(f"bin_index: values of shape {np.shape(values)} for {len(edge_list)} edge array(s)")
    _finite("values", v)
    idx, shape = [], []
    for k, e in enumerate(edge_list):
        e = np.asarray(e, dtype=np.float64)
        if e.ndim != 1 or e.size < 2 or (np.diff(e) <= 0).any() or np.isnan(e).any():
            raise InvalidArgumentError(f"bin_index: edges of axis {k} must be ≥ 2 strictly increasing values")
        idx.append(np.searchsorted(e[1:-1], v[:, k], side="right"))
        shape.append(e.size - 1)
    return np.ravel_multi_index(tuple(idx), tuple(shape)) if len(idx) > 1 else idx[0]


def binned_expectation(index: Any, weights: Any, n_bins: int) -> np.ndarray:
    r"""ν_b(θ_j) = Σ_{i ∈ b} w_i(θ_j) from per-event weights at each grid point (morphing weights scaled by L,
    or :func:`reweighted`), shape (n_bins, n_grid); a 1-D ``weights`` gives (n_bins,). Linear in the weights,
    so per-event weight gradients ∂w_i/∂θ_k give ∂ν_b/∂θ_k exactly.

    Args:
        index: the bin of each event, (n_events,) (:func:`bin_index`).
        weights: (n_events,) or (n_events, n_grid).
        n_bins: the number of bins (Π over axes for a d-D histogram).
    """
    idx = np.asarray(index)
    w = np.asarray(weights, dtype=np.float64)
    if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer) or w.ndim not in (1, 2) or w.shape[0] != idx.size:
        raise InvalidArgumentError(f"binned_expectation: index (n_events,) of integers and weights "
                                   f"(n_events[, n_grid]) expected, got {idx.shape} and {w.shape}")
    if idx.size and (idx.min() < 0 or idx.max() >= n_bins):
        raise InvalidArgumentError(f"binned_expectation: bin index outside [0, {n_bins})")
    _finite("weights", w)
    out = np.zeros((int(n_bins),) + w.shape[1:])
    np.add.at(out, idx, w)
    return out


def bin_counts(index: Any, n_bins: int, weights: Any = None) -> np.ndarray:
    """The observed counts n_b (or Σ of event weights per bin), (n_bins,)."""
    idx = np.asarray(index)
    return binned_expectation(idx, np.ones(idx.size) if weights is None else weights, n_bins)


# -- Fisher information --------------------------------------------------------------------------
def fisher_information(scores: Any, nu: float, weights: Any = None, nu_gradient: Any = None) -> np.ndarray:
    r"""I_ij(θ) = ν(θ) E_θ[t_i t_j] (+ ∂_iν ∂_jν / ν with ``nu_gradient``): the expected information of
    ν(θ) events (arXiv 1805.00020 eq. 19; MadMiner's ``FisherInformation``). The expectation is the
    weighted mean over the events, drawn at θ (or weighted to it: quadrature weights × p(x|θ)).

    Args:
        scores: t(x_i|θ), (n_events,) or (n_events, p): SALLY's estimate, the exact score, or the joint score
            t(x_i, z_i|θ) (the full information, an upper bound on that of x).
        nu: ν(θ) = L σ(θ), positive.
        weights: per-event weights (n_events,), default equal.
        nu_gradient: ∇ν(θ), (p,): adds the rate information.

    Returns:
        I, (p, p).
    """
    t = np.asarray(scores, dtype=np.float64)
    t = t[:, None] if t.ndim == 1 else t
    if t.ndim != 2 or t.shape[0] < 1:
        raise InvalidArgumentError(f"scores: expected shape (n_events,) or (n_events, n_params), "
                                   f"got {np.shape(scores)}")
    _finite("scores", t)
    nu = float(_expected("nu", np.atleast_1d(nu), 1)[0])
    w = np.ones(t.shape[0]) if weights is None else _array("weights", weights, 1)
    if w.shape[0] != t.shape[0] or w.sum() <= 0:
        raise InvalidArgumentError(f"weights: expected {t.shape[0]} values with a positive sum, got {w.shape[0]}")
    info = nu * (t * (w / w.sum())[:, None]).T @ t
    if nu_gradient is not None:
        g = _array("nu_gradient", np.atleast_1d(nu_gradient), 1)
        if g.shape[0] != t.shape[1]:
            raise InvalidArgumentError(f"nu_gradient: expected {t.shape[1]} components, got {g.shape[0]}")
        info = info + np.outer(g, g) / nu
    return info


def histogram_fisher_information(nu_b: Any, nu_b_gradient: Any) -> np.ndarray:
    r"""I_ij = Σ_b ∂_iν_b ∂_jν_b / ν_b of a binned Poisson likelihood (rate included; bins with ν_b = 0 and no
    gradient are skipped), shape (p, p). ∂ν_b from :func:`binned_expectation` of the per-event weight
    gradients (morphing: ∇W(θ)), or by finite differences of ν_b on the grid.

    Args:
        nu_b: ν_b(θ), (n_bins,), non-negative.
        nu_b_gradient: ∂ν_b/∂θ_k, (n_bins,) or (n_bins, p).
    """
    nu = _expected("nu_b", nu_b, positive=False)
    g = np.asarray(nu_b_gradient, dtype=np.float64)
    g = g[:, None] if g.ndim == 1 else g
    if g.ndim != 2 or g.shape[0] != nu.shape[0]:
        raise InvalidArgumentError(f"nu_b_gradient: expected ({nu.shape[0]}, n_params), got {np.shape(nu_b_gradient)}")
    _finite("nu_b_gradient", g)
    empty = nu == 0
    if (np.abs(g[empty]) > 0).any():
        raise InvalidArgumentError("nu_b_gradient: non-zero gradient in a bin with ν_b = 0 (infinite information)")
    keep = ~empty
    return (g[keep] / nu[keep, None]).T @ g[keep]


def expected_halfwidth(information: Any, cl: float) -> np.ndarray:
    r"""The expected half-width of the CL interval on each θ_i, the others profiled:
    :math:`\sqrt{F^{-1}_{\chi^2_1}(\mathrm{CL})\,(I^{-1})_{ii}}` (1/√I in 1-D at CL = 68.27 %), shape (p,).

    Raises:
        InvalidArgumentError: I not square, symmetric and positive definite.
    """
    info = np.atleast_2d(np.asarray(information, dtype=np.float64))
    if info.ndim != 2 or info.shape[0] != info.shape[1]:
        raise InvalidArgumentError(f"information: expected a square matrix, got shape {np.shape(information)}")
    _finite("information", info)
    if not np.allclose(info, info.T, rtol=1e-10, atol=0) or np.linalg.eigvalsh(info).min() <= 0:
        raise InvalidArgumentError("information: expected a symmetric positive-definite matrix")
    return np.sqrt(chi2.ppf(_cl(cl), 1) * np.diag(np.linalg.inv(info)))
