r"""The per-event VEGAS protocol shared by every MEM hypothesis, and its result type.

For each event: ``n_adapt`` iterations of ``neval`` points train the grid (discarded), then
passes of ``nitn`` iterations (the grid keeps adapting); while the combined relative error
exceeds ``rel_accuracy``, or χ²/dof of the iterations around their combined mean exceeds
``max_chi2_dof``, one more pass runs, sized from the last pass's variance per point to supply
the missing precision with 25 % margin (at least ``neval`` and at most 4× the previous pass per
iteration), as long as it fits in ``max_neval`` evaluations. ``converged`` is true when the
combined relative error is ≤ ``rel_accuracy`` and χ²/dof ≤ ``max_chi2_dof`` (default 3.0). An
unconverged event is flagged, never dropped or zeroed; an event where no point of the domain is
kinematically allowed has weight 0, error 0 and ``converged = False``.

Combination: every counted iteration i enters with a weight proportional to its number of points,

.. math::

    \hat I = \frac{\sum_i n_i \hat I_i}{\sum_i n_i},\qquad
    \sigma^2 = \frac{\sum_i n_i^2 \sigma_i^2}{(\sum_i n_i)^2},

not by inverse variance (VEGAS' and Cuba's default). For integrands with integrable
singularities, like the tt̄ Block D Jacobian near its branch points, an iteration that misses a
spike has both a low estimate and a low variance, so inverse-variance weights favour low
estimates. Measured on 30 tt̄ events against reference weights at 0.2 %
(``python benchmarks/mem/vegas_bias.py``, ``benchmarks/results/mem_vegas_bias.json``, with the
multi-channel tt̄ integrand): at a 1 % target, inverse-variance weighting is low by 0.6 % on
average (mean pull −0.7 ± 0.2), this weighting +0.01 % (−0.02 ± 0.24); at 5 %, −1.8 % and
+0.7 %. With Block D as the only channel, whose spikes are far larger, inverse variance was low
by 1.4 % at 1 % and 4.7 % at 5 % (the same benchmark at commit 39d82bf).
The price is a larger, honest error: more events need a further pass. χ² uses each pass's mean iteration variance, so
that an
iteration which missed a spike does not fail the event on its own small error.

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
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError

__all__ = ["MEMWeights", "DEFAULT_MAX_CHI2_DOF", "WEIGHTINGS", "validate_vegas_options", "integrate_events"]

#: Largest χ²/dof of the averaged VEGAS iterations for which an event counts as converged.
DEFAULT_MAX_CHI2_DOF = 3.0
#: How the counted iterations are combined (:func:`_combine`).
WEIGHTINGS = ("points", "inverse_variance")

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


def validate_vegas_options(
    rel_accuracy: float, max_chi2_dof: float, neval: int, nitn: int, n_adapt: int, max_neval: int
) -> None:
    """Raise :class:`InvalidArgumentError` naming the first bad option."""
    if not (np.isfinite(rel_accuracy) and rel_accuracy > 0.0):
        raise InvalidArgumentError(f"rel_accuracy: expected > 0, found {rel_accuracy!r}")
    if not (np.isfinite(max_chi2_dof) and max_chi2_dof > 0.0):
        raise InvalidArgumentError(f"max_chi2_dof: expected > 0, found {max_chi2_dof!r}")
    for name, value, low in (("neval", neval, 100), ("nitn", nitn, 2), ("n_adapt", n_adapt, 0)):
        if int(value) != value or value < low:
            raise InvalidArgumentError(f"{name}: expected an integer >= {low}, found {value!r}")
    if max_neval < (n_adapt + nitn) * neval:
        raise InvalidArgumentError(
            f"max_neval: expected >= (n_adapt + nitn) * neval = {(n_adapt + nitn) * neval}, found {max_neval!r}"
        )


def _combine(
    iterations: list[tuple[float, float, float, int]], weighting: str = "points"
) -> tuple[float, float, float]:
    """Weighted mean and error of ``iterations`` (mean, sdev, points, pass) and χ²/dof of the
    iterations around that mean.

    ``"points"`` (default, module docstring): weights ∝ points, and each iteration's variance
    replaced by the mean variance of its pass (the iterations of a pass have the same size), so
    that an iteration which missed a spike, and so reports a small error, neither shrinks the
    error nor inflates χ². ``"inverse_variance"``: weights ∝ 1/sdev² with each iteration's own
    error (VEGAS' own average, biased low on singular integrands), for comparison. Computed
    relative to the largest |mean| so that nothing under- or overflows (an iteration whose
    variance overflows to inf makes the point-weighted error inf: the event is then not
    converged)."""
    m = np.array([it[0] for it in iterations], dtype=np.float64)
    sd = np.array([it[1] for it in iterations], dtype=np.float64)
    n = np.array([it[2] for it in iterations], dtype=np.float64)
    group = np.array([it[3] for it in iterations])
    scale = float(np.max(np.abs(m)))
    if scale == 0.0 or not np.isfinite(scale):
        scale = 1.0
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        rm, rs = m / scale, sd / scale
        if weighting == "inverse_variance" and np.all(rs > 0.0):
            w = 1.0 / (rs * rs)
            w = np.where(np.isfinite(w), w, 0.0)
            w = w / np.sum(w) if np.sum(w) > 0.0 else n / np.sum(n)
        else:
            w = n / np.sum(n)
            pooled = np.empty_like(rs)
            for g in np.unique(group):
                pooled[group == g] = np.sqrt(np.mean(rs[group == g] ** 2))
            rs = pooled
        mean = float(np.sum(w * rm))
        sdev = float(np.sqrt(np.sum((w * rs) ** 2)))
        pulls = np.where(rs > 0.0, (rm - mean) ** 2 / (rs * rs), 0.0)
        chi2 = float(np.sum(pulls)) / max(len(iterations) - 1, 1)
    return mean * scale, sdev * scale, chi2


def _integrate_one(
    integrand: Integrand,
    dim: int,
    rng: np.random.Generator,
    *,
    rel_accuracy: float,
    max_chi2_dof: float,
    neval: int,
    nitn: int,
    n_adapt: int,
    max_neval: int,
    weighting: str = "points",
) -> tuple[float, float, float, int, int]:
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
            return _integrate_scaled(
                integrand,
                dim,
                rng,
                scale,
                calls,
                rel_accuracy=rel_accuracy,
                max_chi2_dof=max_chi2_dof,
                neval=neval,
                nitn=nitn,
                n_adapt=n_adapt,
                max_neval=max_neval,
                weighting=weighting,
            )
        except _Rescale as peak:
            scale = peak.value
    raise ArithmeticError(
        f"the integrand's scale kept growing by more than {_RESCALE_LIMIT:.0e} after {_MAX_RESCALES} restarts"
    )


class _Rescale(Exception):
    """Raised inside an integration when f / scale exceeds :data:`_RESCALE_LIMIT`."""

    def __init__(self, value: float) -> None:
        super().__init__(value)
        self.value = value


#: largest |f / scale| handed to VEGAS (its squares and sums stay far from float64 overflow)
_RESCALE_LIMIT = 1e100
_MAX_RESCALES = 4


def _integrate_scaled(
    integrand: Integrand,
    dim: int,
    rng: np.random.Generator,
    scale: float,
    calls: list[int],
    *,
    rel_accuracy: float,
    max_chi2_dof: float,
    neval: int,
    nitn: int,
    n_adapt: int,
    max_neval: int,
    weighting: str = "points",
) -> tuple[float, float, float, int, int]:
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
    iterations: list[tuple[float, float, float, int]] = []
    while True:
        before = calls[0]
        result = integ(counted, nitn=nitn, neval=n_now)
        per_iteration = (calls[0] - before) / nitn  # VEGAS uses about, not exactly, neval points
        pass_index = iterations[-1][3] + 1 if iterations else 0
        iterations += [(float(r.mean), float(r.sdev), per_iteration, pass_index) for r in result.itn_results]
        mean, sdev, chi2_dof = _combine(iterations, weighting)
        good = mean != 0.0 and sdev <= rel_accuracy * abs(mean) and chi2_dof <= max_chi2_dof
        nothing = mean == 0.0 and sdev == 0.0  # no point of the domain is kinematically allowed
        if good or nothing:
            break
        n_next = min(max(_points_wanted(iterations, nitn, mean, rel_accuracy, n_now), neval), 4 * n_now)
        if calls[0] + nitn * n_next > max_neval:
            break
        n_now = n_next
    return mean * scale, sdev * scale, chi2_dof, calls[0], bad[0]


def _points_wanted(
    iterations: list[tuple[float, float, float, int]], nitn: int, mean: float, rel_accuracy: float, n_now: int
) -> int:
    r"""Points per iteration of the next pass. With v the last pass's variance per point,
    N = Σnᵢ and A = Σnᵢ²σᵢ², M more points give the error² (A + Mv)/(N + M)²; the smallest M
    with that ≤ (rel_accuracy·mean)² solves T²M² + (2T²N − v)M + T²N² − A ≥ 0, and gets 25 %
    margin. Already precise enough (χ²/dof too large): a pass twice as large. The sizing assumes
    the point-count combination also when ``weighting="inverse_variance"`` (kept only for the
    bias comparison), where it is a heuristic."""
    target2 = (rel_accuracy * abs(mean)) ** 2
    scale = max(abs(mean), 1e-300)
    last = iterations[-nitn:]
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        v = float(np.mean([(it[1] / scale) ** 2 * it[2] for it in last]))
        total = float(sum(it[2] for it in iterations))
        a_now = float(sum((it[1] / scale * it[2]) ** 2 for it in iterations))
        t2 = target2 / scale**2
        if a_now <= t2 * total * total:
            return 2 * n_now
        b = 2.0 * t2 * total - v
        c = t2 * total * total - a_now
        more = (-b + np.sqrt(max(b * b - 4.0 * t2 * c, 0.0))) / (2.0 * t2)
    if not np.isfinite(more):
        return 4 * n_now
    return int(min(np.ceil(1.25 * more / nitn), 4 * n_now))


def integrate_events(
    make_integrand: Callable[[int], Integrand],
    n_events: int,
    dim: int,
    *,
    rel_accuracy: float,
    max_chi2_dof: float,
    neval: int,
    nitn: int,
    n_adapt: int,
    max_neval: int,
    seed: int,
    first_index: int = 0,
    weighting: str = "points",
) -> MEMWeights:
    """Integrate ``make_integrand(i)`` (a batch integrand over u ∈ [0, 1]^dim) for i < n_events.

    ``weighting`` (:data:`WEIGHTINGS`) combines the counted iterations; ``"inverse_variance"``
    exists to measure the bias of VEGAS' own average (``benchmarks/mem/vegas_bias.py``).

    An integrand value that is NaN or infinite is given to VEGAS as 0 (a non-finite value would
    corrupt its grid) and counted in ``nonfinite``; an event with any, or whose integration
    raises a numerical error (``ValueError``/``ArithmeticError``, then weight and error NaN with a
    ``RuntimeWarning``), is flagged not converged — kept, never silently zeroed.
    """
    import vegas  # noqa: F401  (the generation extra: fail here, before any work, when it is missing)

    validate_vegas_options(rel_accuracy, max_chi2_dof, neval, nitn, n_adapt, max_neval)
    if weighting not in WEIGHTINGS:
        raise InvalidArgumentError(f"weighting: expected one of {WEIGHTINGS}, found {weighting!r}")
    weight, error, chi2_dof = np.zeros(n_events), np.zeros(n_events), np.zeros(n_events)
    n_eval = np.zeros(n_events, dtype=np.int64)
    nonfinite = np.zeros(n_events, dtype=np.int64)
    failed = np.zeros(n_events, dtype=bool)
    for i in range(n_events):
        try:
            weight[i], error[i], chi2_dof[i], n_eval[i], nonfinite[i] = _integrate_one(
                make_integrand(i),
                dim,
                np.random.default_rng([seed, first_index + i]),
                rel_accuracy=rel_accuracy,
                max_chi2_dof=max_chi2_dof,
                neval=neval,
                nitn=nitn,
                n_adapt=n_adapt,
                max_neval=max_neval,
                weighting=weighting,
            )
        except (ValueError, ArithmeticError) as err:  # a numerical breakdown of one event: flag it, keep going
            weight[i], error[i], chi2_dof[i], failed[i] = np.nan, np.nan, np.inf, True
            warnings.warn(
                f"event {first_index + i}: VEGAS failed ({type(err).__name__}: {err}); "
                "weight NaN, flagged not converged",
                RuntimeWarning,
                stacklevel=2,
            )
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(weight != 0.0, error / np.abs(weight), np.inf)
    converged = (rel <= rel_accuracy) & (chi2_dof <= max_chi2_dof) & (nonfinite == 0) & ~failed
    return MEMWeights(
        weight=weight, error=error, n_eval=n_eval, chi2_dof=chi2_dof, converged=converged, nonfinite=nonfinite
    )
