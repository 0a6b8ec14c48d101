r"""The per-event VEGAS protocol shared by every MEM hypothesis, and its result type.

For each event: ``n_adapt`` iterations of ``neval`` points train the grid (discarded), then
passes of ``nitn`` iterations whose results are combined by inverse-variance weighting; while
the combined relative error exceeds ``rel_accuracy``, or χ²/dof (of all iterations, plus the
spread of the passes around their mean) exceeds ``max_chi2_dof``, one more pass runs, sized from
the last pass's variance per point to supply the missing precision with 25 % margin (at least
``neval`` and at most 4× the previous pass per iteration), as long as it fits in ``max_neval``
evaluations. ``converged`` is true when the
final pass has relative error ≤ ``rel_accuracy`` and χ²/dof ≤ ``max_chi2_dof`` (default 3.0: for
4 dof an honest estimate exceeds it with probability 1.8 %). An unconverged event is flagged,
never dropped or zeroed; an event where no point of the domain is kinematically allowed has
weight 0, error 0 and ``converged = False``.

Before the adaptation a pilot batch of ``neval`` random points sets the event's scale (their
mean |f|): VEGAS integrates f/scale, because its variance sums underflow for weights below
~1e-150, which tt̄ weights of non-tt̄-like events reach. The pilot counts in ``n_eval``.

Event i is integrated with ``numpy.random.default_rng([seed, i])``, so results do not depend on
how events are chunked as long as the caller passes the event's global index
(``first_index``).

Reference: G. P. Lepage, J. Comput. Phys. 27 (1978) 192 and the ``vegas`` package; MoMEMta
(arXiv 1805.08555) integrates with Cuba's VEGAS to the same 1 % target.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError

__all__ = ["MEMWeights", "DEFAULT_MAX_CHI2_DOF", "validate_vegas_options", "integrate_events"]

#: Largest χ²/dof of the averaged VEGAS iterations for which an event counts as converged.
DEFAULT_MAX_CHI2_DOF = 3.0

Integrand = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class MEMWeights:
    """Per-event VEGAS results, each of shape (N,)."""

    #: MEM weight P(x), in the normalisation of the hypothesis' module.
    weight: np.ndarray
    #: VEGAS standard-deviation estimate of ``weight``.
    error: np.ndarray
    #: integrand evaluations spent on the event (adaptation included).
    n_eval: np.ndarray
    #: χ²/dof of the iterations averaged into ``weight``.
    chi2_dof: np.ndarray
    #: relative error ≤ target and χ²/dof ≤ threshold (and no non-finite integrand value).
    converged: np.ndarray
    #: integrand values that were NaN/inf (replaced by 0 for VEGAS; the event is not converged).
    nonfinite: np.ndarray | None = None

    @property
    def relative_error(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.weight != 0.0, self.error / np.abs(self.weight), np.inf)


def validate_vegas_options(rel_accuracy: float, max_chi2_dof: float, neval: int, nitn: int,
                           n_adapt: int, max_neval: int) -> None:
    """Raise :class:`InvalidArgumentError` naming the first bad option."""
    if not (np.isfinite(rel_accuracy) and rel_accuracy > 0.0):
        raise InvalidArgumentError(f"rel_accuracy: expected > 0, found {rel_accuracy!r}")
    if not (np.isfinite(max_chi2_dof) and max_chi2_dof > 0.0):
        raise InvalidArgumentError(f"max_chi2_dof: expected > 0, found {max_chi2_dof!r}")
    for name, value, low in (("neval", neval, 100), ("nitn", nitn, 2), ("n_adapt", n_adapt, 0)):
        if int(value) != value or value < low:
            raise InvalidArgumentError(f"{name}: expected an integer >= {low}, found {value!r}")
    if max_neval < (n_adapt + nitn) * neval:
        raise InvalidArgumentError(f"max_neval: expected >= (n_adapt + nitn) * neval = "
                                   f"{(n_adapt + nitn) * neval}, found {max_neval!r}")


def _combine(passes: list[tuple[float, float, float, int]]) -> tuple[float, float, float]:
    """Inverse-variance mean and error of the passes and χ²/dof of all their iterations plus the
    passes' spread, computed relative to the largest |mean| so that no weight under- or overflows
    (numpy float64: an overflowing variance becomes inf and that pass gets zero weight)."""
    m = np.array([p[0] for p in passes], dtype=np.float64)
    sd = np.array([p[1] for p in passes], dtype=np.float64)
    chi2_iter = float(sum(p[2] for p in passes))
    dof = sum(p[3] for p in passes) + len(passes) - 1
    scale = float(np.max(np.abs(m)))
    if scale == 0.0 or not np.isfinite(scale) or not np.any(sd > 0.0):
        return float(m[-1]), float(sd[-1]), float(passes[-1][2]) / max(passes[-1][3], 1)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        rm, rs = m / scale, sd / scale
        w = np.where(rs > 0.0, 1.0 / (rs * rs), 0.0)
        w = np.where(np.isfinite(w), w, 0.0)
        if not np.any(w > 0.0):
            return float(m[-1]), float(sd[-1]), float(passes[-1][2]) / max(passes[-1][3], 1)
        mean = float(np.sum(w * rm) / np.sum(w))
        sdev = float(np.sum(w) ** -0.5)
        spread = float(np.sum(np.where(w > 0.0, (rm - mean) ** 2 * w, 0.0)))
    return mean * scale, sdev * scale, (chi2_iter + spread) / max(dof, 1)


def _integrate_one(integrand: Integrand, dim: int, rng: np.random.Generator, *, rel_accuracy: float,
                   max_chi2_dof: float, neval: int, nitn: int, n_adapt: int,
                   max_neval: int) -> tuple[float, float, float, int, int]:
    """One event: (weight, error, χ²/dof, evaluations, non-finite integrand values)."""
    # VEGAS accumulates variances, which underflow for weights below ~1e-150: integrate
    # f / scale with the scale of a pilot batch (counted in n_eval), and scale back. A pilot that
    # misses a narrow peak gives a scale so small that the peak's f / scale would overflow VEGAS'
    # variances (corrupting its grid or failing inside it): a value above _RESCALE_LIMIT restarts
    # the integration with the largest value seen as the scale (the points spent stay counted)
    pilot = np.abs(integrand(rng.random((neval, dim))))
    pilot = pilot[np.isfinite(pilot)]
    scale = float(np.mean(pilot)) if np.any(pilot > 0.0) else 1.0
    if not np.isfinite(scale) or scale <= 0.0:
        scale = 1.0
    calls = [neval]
    for _ in range(_MAX_RESCALES):
        try:
            return _integrate_scaled(integrand, dim, rng, scale, calls, rel_accuracy=rel_accuracy,
                                     max_chi2_dof=max_chi2_dof, neval=neval, nitn=nitn, n_adapt=n_adapt,
                                     max_neval=max_neval)
        except _Rescale as peak:
            scale = peak.value
    raise ArithmeticError(f"the integrand's scale kept growing by more than {_RESCALE_LIMIT:.0e} "
                          f"after {_MAX_RESCALES} restarts")


class _Rescale(Exception):
    """Raised inside an integration when f / scale exceeds :data:`_RESCALE_LIMIT`."""

    def __init__(self, value: float) -> None:
        super().__init__(value)
        self.value = value


#: largest |f / scale| handed to VEGAS (its squares and sums stay far from float64 overflow)
_RESCALE_LIMIT = 1e100
_MAX_RESCALES = 4


def _integrate_scaled(integrand: Integrand, dim: int, rng: np.random.Generator, scale: float, calls: list[int], *,
                      rel_accuracy: float, max_chi2_dof: float, neval: int, nitn: int, n_adapt: int,
                      max_neval: int) -> tuple[float, float, float, int, int]:
    """The VEGAS protocol on f / ``scale`` (see :func:`_integrate_one`); ``calls`` accumulates."""
    import vegas

    bad = [0]

    @vegas.lbatchintegrand
    def counted(u: np.ndarray) -> np.ndarray:
        calls[0] += u.shape[0]
        with np.errstate(over="ignore", invalid="ignore"):
            raw = integrand(u)
            values = raw / scale
        finite = np.isfinite(values)
        if not np.all(finite):  # never fed to VEGAS (it would corrupt the grid); the event is flagged
            bad[0] += int(np.sum(~finite))
            values = np.where(finite, values, 0.0)
        peak = float(np.max(np.abs(values))) if values.size else 0.0
        if peak > _RESCALE_LIMIT:
            raise _Rescale(float(np.max(np.abs(raw[finite]))))
        return values

    integ = vegas.Integrator([[0.0, 1.0]] * dim, ran_array_generator=rng.random)
    if n_adapt:
        integ(counted, nitn=n_adapt, neval=neval)
    n_now = neval
    passes: list[tuple[float, float, float, int]] = []
    while True:
        result = integ(counted, nitn=nitn, neval=n_now)
        passes.append((float(result.mean), float(result.sdev), float(result.chi2), int(result.dof)))
        mean, sdev, chi2_dof = _combine(passes)
        good = mean != 0.0 and sdev <= rel_accuracy * abs(mean) and chi2_dof <= max_chi2_dof
        nothing = mean == 0.0 and sdev == 0.0  # no point of the domain is kinematically allowed
        if good or nothing:
            break
        # points per iteration for the missing precision, from this pass's variance per point
        # (relative units throughout: the weights span hundreds of orders of magnitude)
        m_pass, s_pass = passes[-1][0], passes[-1][1]
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            rel_pass = np.float64(s_pass) / abs(m_pass) if m_pass != 0.0 else np.inf
            rel_now = np.float64(sdev) / abs(mean) if mean != 0.0 else np.inf
            missing = max(1.0 / rel_accuracy**2 - 1.0 / rel_now**2, 0.0) if rel_now > 0.0 else 0.0
            wanted_f = 1.25 * rel_pass**2 * n_now * missing
        if missing == 0.0:
            wanted = 2 * n_now  # precise enough but χ² too large: a larger, fresh pass
        elif np.isfinite(wanted_f):
            wanted = int(min(np.ceil(wanted_f), 4 * n_now))
        else:
            wanted = 4 * n_now
        n_next = min(max(wanted, neval), 4 * n_now)
        if calls[0] + nitn * n_next > max_neval:
            break
        n_now = n_next
    return mean * scale, sdev * scale, chi2_dof, calls[0], bad[0]


def integrate_events(make_integrand: Callable[[int], Integrand], n_events: int, dim: int, *,
                     rel_accuracy: float, max_chi2_dof: float, neval: int, nitn: int, n_adapt: int,
                     max_neval: int, seed: int, first_index: int = 0) -> MEMWeights:
    """Integrate ``make_integrand(i)`` (a batch integrand over u ∈ [0, 1]^dim) for i < n_events.

    An integrand value that is NaN or infinite is given to VEGAS as 0 (a non-finite value would
    corrupt its grid) and counted in ``nonfinite``; an event with any, or whose integration
    raises a numerical error (``ValueError``/``ArithmeticError``, then weight and error NaN with a
    ``RuntimeWarning``), is flagged not converged — kept, never silently zeroed.
    """
    import vegas  # noqa: F401  (the generation extra: fail here, before any work, when it is missing)

    validate_vegas_options(rel_accuracy, max_chi2_dof, neval, nitn, n_adapt, max_neval)
    weight, error, chi2_dof = np.zeros(n_events), np.zeros(n_events), np.zeros(n_events)
    n_eval = np.zeros(n_events, dtype=np.int64)
    nonfinite = np.zeros(n_events, dtype=np.int64)
    failed = np.zeros(n_events, dtype=bool)
    for i in range(n_events):
        try:
            weight[i], error[i], chi2_dof[i], n_eval[i], nonfinite[i] = _integrate_one(
                make_integrand(i), dim, np.random.default_rng([seed, first_index + i]), rel_accuracy=rel_accuracy,
                max_chi2_dof=max_chi2_dof, neval=neval, nitn=nitn, n_adapt=n_adapt, max_neval=max_neval)
        except (ValueError, ArithmeticError) as err:  # a numerical breakdown of one event: flag it, keep going
            weight[i], error[i], chi2_dof[i], failed[i] = np.nan, np.nan, np.inf, True
            warnings.warn(f"event {first_index + i}: VEGAS failed ({type(err).__name__}: {err}); "
                          "weight NaN, flagged not converged", RuntimeWarning, stacklevel=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(weight != 0.0, error / np.abs(weight), np.inf)
    converged = (rel <= rel_accuracy) & (chi2_dof <= max_chi2_dof) & (nonfinite == 0) & ~failed
    return MEMWeights(weight=weight, error=error, n_eval=n_eval, chi2_dof=chi2_dof, converged=converged,
                      nonfinite=nonfinite)
