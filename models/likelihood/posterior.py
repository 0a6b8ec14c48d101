r"""Bayesian inference on a likelihood (exact or surrogate): emcee posterior runs, HPDI of the POI.

:func:`posterior_intervals` runs independent emcee runs on ``log_posterior`` (started at the
global maximum), checks them (τ, length/τ, R̂), and reports the HPDI and the μ > 0 upper limits at
68.27 / 95.45 / 99.73 % from the Rao–Blackwell marginal density of the POI
(:func:`~.hpdi.rao_blackwell_density`, the low-noise estimator) and, beside it, from the samples
(smoothed-density HPDI), as DNNLikelihood's table does (arXiv:1911.03305, Table 3).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .hpdi import CREDIBILITIES, density_interval_table, interval_table, rao_blackwell_density
from .mcmc import convergence_summary, run_chain
from .profile import maximise

__all__ = ["posterior_intervals"]


def posterior_intervals(
    likelihood: Any,
    walkers: int = 192,
    steps: int = 12_000,
    burn_in: int = 2_000,
    runs: int = 2,
    seed: int = 11,
    keep_every: int = 20,
    rb_draws: int = 4_000,
    grid: tuple[float, float, int] = (-1.0, 2.5, 701),
    path: str | None = None,
    progress: bool = True,
    name: str = "posterior",
) -> dict[str, Any]:
    """Posterior runs and HPDI of the POI of ``likelihood``.

    Args:
        likelihood: anything with ``parameters()``, ``poi_index``, ``nominal()``, ``logpdf`` and
            ``log_posterior`` (a teacher or a :class:`~.surrogate.LikelihoodSurrogate`).
        walkers, steps, burn_in, runs, seed, keep_every: the emcee runs.
        rb_draws: posterior draws (thinned evenly) averaged by the Rao–Blackwell estimator.
        grid: (low, high, points) of the POI grid of the marginal density.
        path: directory for resumable chunk files (None: in memory).
        progress: progress bars.
        name: run names in ``path`` (``<name>0``, ``<name>1``, …); runs already there of the
            same shape are read back (e.g. the S1 runs of the sampling, ``name="run"``).

    Returns:
        ``{"convergence", "rao_blackwell", "samples", "mean", "std", "seconds", "grid", "density",
        "draws"}`` (``draws``: the posterior draws the Rao–Blackwell density averaged, an array).
    """
    t0 = time.perf_counter()
    bounds = [tuple(p["range"]) for p in likelihood.parameters()]
    poi = likelihood.poi_index
    gradient = getattr(likelihood, "gradient", None)
    best = maximise(likelihood.logpdf, likelihood.nominal(), bounds, gradient=gradient)
    chains = []
    for k in range(runs):
        rng = np.random.default_rng(seed * 100 + k)
        start = best.x + 0.05 * rng.normal(size=(walkers, len(best.x)))
        lo, hi = np.array(bounds).T
        start = np.clip(start, lo + 1e-6, hi - 1e-6)
        chains.append(run_chain(likelihood.log_posterior, start, steps, path=path, name=f"{name}{k}",
                                seed=seed * 100 + k, progress=progress, keep_every=keep_every,
                                description="posterior"))
    names = [p["name"] for p in likelihood.parameters()]
    conv = convergence_summary(chains, burn_in, names)
    draws = np.concatenate([c.chain[burn_in // keep_every:].reshape(-1, len(names)) for c in chains]).astype(np.float64)
    g = np.linspace(*grid[:2], int(grid[2]))
    pick = draws[np.linspace(0, len(draws) - 1, min(rb_draws, len(draws))).astype(int)]
    density = rao_blackwell_density(likelihood.log_posterior, pick, g, poi=poi)
    return {
        "convergence": conv,
        "rao_blackwell": density_interval_table(g, density, CREDIBILITIES),
        "samples": interval_table(draws[:, poi], CREDIBILITIES),
        "mean": float(draws[:, poi].mean()), "std": float(draws[:, poi].std()),
        "n_draws": int(len(draws)), "rb_draws": int(len(pick)),
        "seconds": time.perf_counter() - t0, "grid": g.tolist(), "density": density.tolist(),
        "draws": pick,
    }
