r"""CLs upper limits on the parameter of interest from a likelihood of fixed observed data, asymptotically.

With the test statistic :math:`\tilde q_\mu` (Cowan, Cranmer, Gross, Vitells, arXiv:1007.1727,
eq. 16: :math:`\hat\mu` clipped at 0, :math:`\tilde q_\mu = 0` for :math:`\hat\mu > \mu`) and
:math:`q_{\mu,A}` its value on the background-only Asimov data set, the asymptotic p-values are
(eq. 65–66, the formulas pyhf's ``AsymptoticCalculator`` implements)

.. math::

    \mathrm{CL}_{s+b} = 1 - \Phi(\sqrt{\tilde q_\mu}), \qquad
    \mathrm{CL}_b = \Phi(\sqrt{q_{\mu,A}} - \sqrt{\tilde q_\mu}) \qquad (\tilde q_\mu \le q_{\mu,A}),

and with :math:`(\tilde q_\mu \pm q_{\mu,A})/(2\sqrt{q_{\mu,A}})` in place of the square roots
beyond; :math:`\mathrm{CL}_s = \mathrm{CL}_{s+b}/\mathrm{CL}_b`, and the upper limit at 95 % is
where :math:`\mathrm{CL}_s = 0.05`.

A surrogate of :math:`\ln L` knows the observed data only, so no Asimov data set can be
built from it. :math:`q_{\mu,A} = \mu^2/\sigma^2` needs the width :math:`\sigma` of
:math:`\hat\mu`, which here comes from the *observed* likelihood by Wald's approximation,
:math:`\sigma_\mu^2 = (\mu - \hat\mu)^2 / t_\mu` at each tested μ (eq. 29–31 with the observed
instead of the Asimov curvature). Both are equal when the observed and Asimov likelihoods
have the same width in μ, which holds for the toy and the di-τ workspace to the per-cent level
(``benchmarks/likelihood`` measures the difference of the resulting limits against pyhf's
full Asimov calculation). The same recipe runs on the exact likelihood and on its surrogate,
so the surrogate's own error on the limit is measured apart from the approximation's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError

from .profile import FitResult, maximise, profile_scan

__all__ = ["CLsScan", "cls_scan", "upper_limit"]


def _phi(x: np.ndarray) -> np.ndarray:
    from math import erf, sqrt

    return np.array([0.5 * (1.0 + erf(v / sqrt(2.0))) for v in np.atleast_1d(x)])


@dataclass
class CLsScan:
    """CLs, CLs+b, CLb at each tested μ, and the quantities they come from."""

    mu: np.ndarray
    cls: np.ndarray
    clsb: np.ndarray
    clb: np.ndarray
    q_tilde: np.ndarray
    q_asimov: np.ndarray
    mu_hat: float
    sigma: np.ndarray
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in self.__dict__.items()}


def cls_scan(
    logpdf: Callable[[np.ndarray], np.ndarray],
    mu: Sequence[float],
    x0: np.ndarray,
    bounds: Sequence[tuple[float, float]],
    poi: int = 0,
    gradient: Callable[[np.ndarray], np.ndarray] | None = None,
) -> CLsScan:
    """Asymptotic CLs at each μ > 0 of ``mu`` (see the module docstring).

    Raises:
        InvalidArgumentError: a tested μ ≤ 0, or the POI's lower bound above 0.
    """
    import time

    mu = np.asarray(mu, dtype=np.float64)
    if np.any(mu <= 0):
        raise InvalidArgumentError("CLs upper limits test mu > 0 only")
    if bounds[poi][0] > 0:
        raise InvalidArgumentError(f"the POI's lower bound {bounds[poi][0]} must be ≤ 0 for q-tilde")
    t0 = time.perf_counter()
    best = maximise(logpdf, x0, bounds, gradient=gradient)
    scan = profile_scan(logpdf, mu, best.x, bounds, poi=poi, gradient=gradient, best=best)
    best = scan.best
    mu_hat = float(best.x[poi])
    t_mu = np.maximum(scan.t_mu, 1e-12)
    if mu_hat < 0:
        # q-tilde: the denominator is the conditional maximum at mu = 0
        zero: FitResult = maximise(logpdf, best.x, bounds, fixed={poi: 0.0}, gradient=gradient)
        q = np.array([max(0.0, -2.0 * (c.logpdf - zero.logpdf)) for c in scan.conditional])
    else:
        q = scan.t_mu.copy()
    q = np.where(mu < mu_hat, 0.0, q)
    sigma = np.abs(mu - mu_hat) / np.sqrt(t_mu)
    q_a = (mu / sigma) ** 2
    sq, sqa = np.sqrt(q), np.sqrt(q_a)
    inner = sq <= sqa
    x = np.where(inner, sq - sqa, (q - q_a) / (2.0 * sqa))
    clsb = 1.0 - _phi(x + sqa)
    clb = 1.0 - _phi(x)
    return CLsScan(mu=mu, cls=clsb / clb, clsb=clsb, clb=clb, q_tilde=q, q_asimov=q_a, mu_hat=mu_hat, sigma=sigma,
                   seconds=time.perf_counter() - t0)


def upper_limit(scan: CLsScan, alpha: float = 0.05) -> float:
    """The μ where CLs crosses ``alpha`` (linear interpolation of ln CLs between scan points).

    Raises:
        InvalidArgumentError: the scan does not bracket the crossing.
    """
    below = np.nonzero(scan.cls < alpha)[0]
    if len(below) == 0 or below[0] == 0:
        raise InvalidArgumentError(f"the CLs scan over mu in [{scan.mu[0]}, {scan.mu[-1]}] does not bracket "
                                   f"CLs = {alpha} (CLs from {scan.cls[0]:.3g} to {scan.cls[-1]:.3g})")
    j = int(below[0])
    a, b = np.log(scan.cls[j - 1]), np.log(scan.cls[j])
    return float(scan.mu[j - 1] + (np.log(alpha) - a) * (scan.mu[j] - scan.mu[j - 1]) / (b - a))
