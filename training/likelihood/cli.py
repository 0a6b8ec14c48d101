"""Command-line entry points of the likelihood family's training side: ``sample`` and ``train``.

Each verb is one function with plain, typed keyword arguments that returns a JSON-ready summary
(the lead engineer's parser generator turns the signature into the sub-command's options).
"""

from __future__ import annotations

from typing import Any

from .sampling import SamplingConfig, sample_s1, sample_s3
from .teachers import resolve_teacher

__all__ = ["sample"]


def sample(
    teacher: str = "toy",
    out: str = "likelihood_samples",
    walkers: int = 192,
    runs: int = 4,
    steps: int = 12_000,
    burn_in: int = 2_000,
    thin: int = 50,
    s3_mu_low: float = -0.5,
    s3_mu_high: float = 2.5,
    s3_windows: int = 16,
    s3_steps: int = 1_500,
    s3_burn_in: int = 500,
    s3_thin: int = 50,
    keep_every: int = 20,
    seed: int = 1,
    measurement: str | None = None,
    quiet: bool = False,
) -> dict[str, Any]:
    """Sample S1 (posterior) and S3 (S1 + profiled-maximum region) of a likelihood with emcee.

    Args:
        teacher: ``toy`` (the exact 1809.05548 toy) or a pyhf workspace JSON file.
        out: output directory (``s1.npz``, ``s3.npz``, chunk files, convergence JSON); an existing
            one is resumed / extended.
        walkers, runs, steps, burn_in, thin: the S1 runs (independent runs for R̂).
        s3_mu_low, s3_mu_high, s3_windows: the grid of μ windows of the profiled-maximum sample.
        s3_steps, s3_burn_in, s3_thin: the runs of each window.
        keep_every: every how many steps the chains are kept (in memory and in the chunk files).
        seed: base seed.
        measurement: the workspace's measurement (default: its first).
        quiet: no progress bars.

    Returns:
        ``{"s1": {...}, "s3": {...}}``: sizes, convergence (τ, length/τ, R̂) and seconds.
    """
    cfg = SamplingConfig(walkers=walkers, s1_runs=runs, s1_steps=steps, burn_in=burn_in, thin=thin,
                         s3_mu=(s3_mu_low, s3_mu_high), s3_windows=s3_windows, s3_steps=s3_steps,
                         s3_burn_in=s3_burn_in, s3_thin=s3_thin, keep_every=keep_every, seed=seed)
    t = resolve_teacher(teacher, measurement)
    s1 = sample_s1(t, out, cfg, progress=not quiet)
    s3 = sample_s3(t, out, cfg, progress=not quiet)
    return {"s1": {k: s1[k] for k in ("n_points", "convergence", "seconds")},
            "s3": {k: s3[k] for k in ("n_points", "convergence", "seconds")}}
