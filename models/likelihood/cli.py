"""Command-line entry points of the likelihood family's inference side: ``profile``, ``limit``, ``posterior``.

Each verb is one function with plain, typed keyword arguments that returns a JSON-ready summary
(the lead engineer's parser generator turns the signature into the sub-command's options). They
run on a bundle through onnxruntime; iminuit and emcee are imported inside the functions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from hepsurrogates.exceptions import OutputNotWritableError

from .surrogate import LikelihoodSurrogate

__all__ = ["profile", "limit", "posterior", "resolve_bundle"]


def resolve_bundle(bundle: str) -> Path:
    """A bundle given as a path to its ``.onnx`` file or as the name of a shipped bundle."""
    p = Path(bundle)
    if p.suffix == ".onnx" or p.exists():
        return p
    from ..shipped import shipped_path

    return shipped_path(bundle)


def _write(out: str | None, summary: dict[str, Any]) -> dict[str, Any]:
    if out:
        try:
            Path(out).parent.mkdir(parents=True, exist_ok=True)
            Path(out).write_text(json.dumps(summary, indent=1) + "\n")
        except OSError as err:
            raise OutputNotWritableError(f"cannot write {out}: {err}") from err
    return summary


def profile(bundle: str = "likelihood_toy", mu_low: float = 0.0, mu_high: float = 1.0, points: int = 21,
            out: str | None = None, threads: int = 1) -> dict[str, Any]:
    """Profile-likelihood scan t_μ of a likelihood bundle (iminuit, the bundle's gradient).

    Args:
        bundle: the ``.onnx`` file of a likelihood bundle, or a shipped bundle's name.
        mu_low, mu_high, points: the μ values scanned (equally spaced, ends included).
        out: also write the summary there (JSON).
        threads: onnxruntime threads.

    Returns:
        ``{"bundle", "mu", "t_mu", "mu_hat", "logpdf_max", "all_valid", "seconds"}``.
    """
    from .profile import profile_scan

    s = LikelihoodSurrogate.load(resolve_bundle(bundle), threads=threads)
    scan = profile_scan(s.logpdf, np.linspace(mu_low, mu_high, points), s.nominal(),
                        [tuple(b) for b in s.bounds], poi=s.poi_index, gradient=s.gradient)
    return _write(out, {"bundle": s.bundle.name, **scan.as_dict()})


def limit(bundle: str = "likelihood_toy", mu_high: float = 3.0, points: int = 30, alpha: float = 0.05,
          out: str | None = None, threads: int = 1) -> dict[str, Any]:
    """Asymptotic CLs upper limit on the POI (q̃_μ; σ from the observed likelihood, see ``limits``).

    Args:
        bundle: the ``.onnx`` file of a likelihood bundle, or a shipped bundle's name.
        mu_high, points: the scan ``mu_high/points … mu_high``.
        alpha: 1 − confidence level (0.05: 95 % CLs).
        out: also write the summary there (JSON).
        threads: onnxruntime threads.

    Returns:
        ``{"bundle", "upper_limit", "cls_scan": {...}}``.
    """
    from .limits import cls_scan, upper_limit

    s = LikelihoodSurrogate.load(resolve_bundle(bundle), threads=threads)
    mus = np.linspace(mu_high / points, mu_high, points)
    scan = cls_scan(s.logpdf, mus, s.nominal(), [tuple(b) for b in s.bounds], poi=s.poi_index, gradient=s.gradient)
    return _write(out, {"bundle": s.bundle.name, "alpha": alpha, "upper_limit": upper_limit(scan, alpha),
                        "cls_scan": scan.as_dict()})


def posterior(bundle: str = "likelihood_toy", walkers: int = 192, steps: int = 12_000, burn_in: int = 2_000,
              runs: int = 2, seed: int = 11, rb_draws: int = 4_000, chains_dir: str | None = None,
              out: str | None = None, threads: int = 1, quiet: bool = False) -> dict[str, Any]:
    """Bayesian posterior of the POI by emcee on the bundle: HPDI at 68.27/95.45/99.73 %, μ > 0 upper limits.

    Args:
        bundle: the ``.onnx`` file of a likelihood bundle, or a shipped bundle's name.
        walkers, steps, burn_in, runs, seed: the emcee runs (independent runs for R̂).
        rb_draws: posterior draws averaged by the Rao–Blackwell marginal density.
        chains_dir: directory for resumable chunk files (default: in memory).
        out: also write the summary there (JSON).
        threads: onnxruntime threads.
        quiet: no progress bars.

    Returns:
        ``{"bundle", "convergence", "rao_blackwell", "samples", "mean", "std", "seconds"}``.
    """
    from .posterior import posterior_intervals

    s = LikelihoodSurrogate.load(resolve_bundle(bundle), threads=threads)
    res = posterior_intervals(s, walkers=walkers, steps=steps, burn_in=burn_in, runs=runs, seed=seed,
                              rb_draws=rb_draws, path=chains_dir, progress=not quiet)
    for key in ("grid", "density", "draws"):
        res.pop(key)
    return _write(out, {"bundle": s.bundle.name, **res})
