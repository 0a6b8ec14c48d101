"""Statistical helpers of the tests: truncated-Gaussian core fits and binomial checks."""

from __future__ import annotations

import numpy as np
from scipy import special


def fit_gaussian_core(x: np.ndarray, lo: float, hi: float) -> tuple[float, float, float, float]:
    """Unbinned maximum-likelihood fit of a Gaussian truncated to [lo, hi].

    Returns (mu, sigma, mu_error, sigma_error) with Hesse errors.
    """
    x = np.asarray(x, dtype=np.float64)
    x = x[(x >= lo) & (x <= hi)]

    def nll(mu: float, sigma: float) -> float:
        a, b = (lo - mu) / sigma, (hi - mu) / sigma
        norm = special.ndtr(b) - special.ndtr(a)
        z = (x - mu) / sigma
        return float(np.sum(0.5 * z * z) + len(x) * np.log(sigma * norm))

    mu0 = float(np.median(x))
    s0 = float(np.std(x))
    from iminuit import Minuit  # a test extra: imported where the fit needs it

    m = Minuit(nll, mu=mu0, sigma=s0)
    m.errordef = Minuit.LIKELIHOOD
    m.limits["sigma"] = (1e-6, None)
    m.migrad()
    m.hesse()
    if not m.valid:
        raise RuntimeError("core fit did not converge")
    return m.values["mu"], m.values["sigma"], m.errors["mu"], m.errors["sigma"]


def binomial_pull(k: int, n: int, p: float) -> float:
    """(k − n p) / √(n p (1 − p)): the standardised deviation of a count from expectation."""
    return (k - n * p) / np.sqrt(n * p * (1.0 - p))
