r"""The training samples of a likelihood surrogate: S1 (posterior) and S3 (S1 plus the profiled-maximum region).

Following DNNLikelihood (arXiv:1911.03305 §3):

* **S1**, the unbiased sample: :math:`m` independent emcee runs on the posterior
  :math:`L(\mu, \theta)\,\pi(\mu)` (the likelihood's constraint terms act as the nuisances'
  priors), started at the global maximum with a small spread, burn-in dropped, thinned. It
  serves Bayesian inference and the posterior part of the training set.
* **S3**, the mixed sample: S1 plus points around the *profiled* maxima: for every
  :math:`\mu_k` of a grid, emcee runs on :math:`L(\mu, \theta)` with :math:`\mu` uniform in a
  window of the grid spacing around :math:`\mu_k`, started at the conditional maximum
  :math:`\hat{\hat\theta}_{\mu_k}`. These are the points a profile fit visits; they make the
  frequentist :math:`t_\mu` accurate, which the posterior alone does not (its mass sits where
  :math:`\mu` is probable, not on the ridge of conditional maxima at every :math:`\mu`).
* **Tempered windows** (``s3_temperatures``, an addition to the published recipe): each window is
  also sampled from :math:`L(\mu, \theta)^\beta` for every :math:`\beta` listed. In :math:`d`
  nuisances a posterior draw lies at :math:`\Delta\ln L \approx d/2` below the conditional
  maximum (47 on the 94-nuisance toy), so the ridge itself, where a profile fit ends, holds almost
  no points at :math:`\beta = 1`; at :math:`\beta` they lie at :math:`d/(2\beta)`.

Points are stored as float32 (the surrogate's input type) with the teacher's ln L evaluated, in
float64, at exactly those float32 values (the quantity the surrogate learns: Poisson terms plus
constraint terms, as pyhf's ``logpdf``). Runs live in chunk files
(:func:`~hepsurrogates.models.likelihood.mcmc.run_chain`), so sampling resumes after an
interruption and longer runs extend shorter ones; the convergence checks (τ, chain length over
τ, R̂ across the S1 runs) are written beside the samples.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError
from hepsurrogates.models.likelihood.mcmc import convergence_summary, run_chain
from hepsurrogates.models.likelihood.profile import maximise

__all__ = ["Teacher", "SamplingConfig", "sample_s1", "sample_s3", "load_sample", "parameter_bounds"]


class Teacher(Protocol):
    """What a likelihood teacher offers (the exact toy, a pyhf workspace)."""

    parameter_names: list[str]
    poi_index: int

    def parameters(self) -> list[dict[str, Any]]: ...
    def logpdf(self, x: np.ndarray) -> np.ndarray: ...
    def log_posterior(self, x: np.ndarray) -> np.ndarray: ...
    def nominal(self) -> np.ndarray: ...


@dataclass
class SamplingConfig:
    """Sizes of the sampling runs (defaults: the shipped toy bundle's sample)."""

    walkers: int = 192
    s1_runs: int = 4
    s1_steps: int = 12_000
    burn_in: int = 2_000
    thin: int = 50
    keep_every: int = 20
    s3_mu: tuple[float, float] = (-0.5, 2.5)
    s3_windows: int = 16
    s3_steps: int = 1_500
    s3_burn_in: int = 500
    s3_thin: int = 50
    #: inverse temperatures β of the profiled-maximum windows: each window is also sampled from
    #: L(μ, θ)^β, which concentrates the points 1/√β closer to the ridge of conditional maxima
    s3_temperatures: tuple[float, ...] = (1.0, 4.0, 16.0, 64.0)
    start_spread: float = 0.05
    moves: str = "de"
    seed: int = 1


def parameter_bounds(teacher: Teacher) -> list[tuple[float, float]]:
    """(low, high) of every parameter from the teacher's parameter records."""
    return [(float(p["range"][0]), float(p["range"][1])) for p in teacher.parameters()]


def _start(centre: np.ndarray, walkers: int, spread: float, rng: np.random.Generator,
           bounds: Sequence[tuple[float, float]], fixed_window: tuple[float, float] | None = None,
           poi: int = 0) -> np.ndarray:
    lo = np.array([b[0] for b in bounds])
    hi = np.array([b[1] for b in bounds])
    x = centre + spread * rng.normal(size=(walkers, len(centre)))
    if fixed_window is not None:
        x[:, poi] = rng.uniform(*fixed_window, size=walkers)
    return np.clip(x, lo + 1e-6, hi - 1e-6)


def _save(path: Path, x: np.ndarray, logpdf: np.ndarray, names: list[str], meta: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".part.npz")
    np.savez_compressed(tmp, x=x.astype(np.float32), logpdf=logpdf.astype(np.float64), names=np.array(names),
                        meta=json.dumps(meta))
    tmp.replace(path)


def load_sample(path: str | Path) -> tuple[np.ndarray, np.ndarray, list[str], dict[str, Any]]:
    """``(x, logpdf, names, meta)`` of a sample written by :func:`sample_s1` / :func:`sample_s3`."""
    from hepsurrogates.exceptions import MissingInputFileError, SchemaError

    p = Path(path)
    if not p.is_file():
        raise MissingInputFileError(f"likelihood sample not found: {p}")
    with np.load(p, allow_pickle=False) as f:
        missing = [k for k in ("x", "logpdf", "names", "meta") if k not in f]
        if missing:
            raise SchemaError(f"{p}: not a likelihood sample (missing arrays {missing})")
        return f["x"], f["logpdf"], [str(n) for n in f["names"]], json.loads(str(f["meta"]))


def sample_s1(teacher: Teacher, out: str | Path, config: SamplingConfig | None = None,
              progress: bool = True) -> dict[str, Any]:
    """Run (or resume) the S1 posterior runs; writes ``out/s1.npz`` and ``out/s1.json``.

    Returns:
        the summary: sizes, convergence (τ, length/τ, R̂), seconds.

    Raises:
        InvalidArgumentError: burn-in not shorter than the run.
    """
    cfg = config or SamplingConfig()
    if cfg.burn_in >= cfg.s1_steps:
        raise InvalidArgumentError(f"burn-in {cfg.burn_in} must be shorter than the run ({cfg.s1_steps} steps)")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    names = list(teacher.parameter_names)
    bounds = parameter_bounds(teacher)
    t0 = time.perf_counter()
    best = maximise(teacher.logpdf, teacher.nominal(), bounds)
    runs = []
    for k in range(cfg.s1_runs):
        rng = np.random.default_rng(cfg.seed * 1000 + k)
        start = _start(best.x, cfg.walkers, cfg.start_spread, rng, bounds)
        runs.append(run_chain(teacher.log_posterior, start, cfg.s1_steps, path=out / "chains_s1", name=f"run{k}",
                              seed=cfg.seed * 1000 + k, moves=cfg.moves, progress=progress, description="S1",
                              keep_every=cfg.keep_every))
    summary = convergence_summary(runs, cfg.burn_in, names)
    step = max(1, cfg.thin // cfg.keep_every)
    x = np.concatenate([r.chain[cfg.burn_in // cfg.keep_every::step].reshape(-1, len(names)) for r in runs])
    logpdf = teacher.logpdf(x.astype(np.float64))
    meta = {"kind": "S1", "config": asdict(cfg), "convergence": summary, "n_points": int(len(x)),
            "global_maximum": {"x": best.x.tolist(), "logpdf": best.logpdf}, "seconds": time.perf_counter() - t0}
    _save(out / "s1.npz", x, logpdf, names, meta)
    (out / "s1.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta


def sample_s3(teacher: Teacher, out: str | Path, config: SamplingConfig | None = None,
              progress: bool = True) -> dict[str, Any]:
    """The profiled-maximum points (``out/s3_profile.npz``) and S3 = S1 ∪ them (``out/s3.npz``).

    Needs ``out/s1.npz`` (:func:`sample_s1`).
    """
    cfg = config or SamplingConfig()
    out = Path(out)
    x1, lp1, names, meta1 = load_sample(out / "s1.npz")
    if names != list(teacher.parameter_names):
        raise InvalidArgumentError(f"{out / 's1.npz'} was sampled for other parameters than this teacher's")
    bounds = parameter_bounds(teacher)
    poi = teacher.poi_index
    t0 = time.perf_counter()
    centres = np.linspace(cfg.s3_mu[0], cfg.s3_mu[1], cfg.s3_windows)
    half = 0.5 * (centres[1] - centres[0]) if len(centres) > 1 else 0.05
    start_x = np.asarray(meta1["global_maximum"]["x"])
    if not cfg.s3_temperatures or min(cfg.s3_temperatures) <= 0:
        raise InvalidArgumentError(f"s3_temperatures must be positive, got {cfg.s3_temperatures}")
    blocks, runs = [], []
    for k, mu in enumerate(centres):
        fit = maximise(teacher.logpdf, start_x, bounds, fixed={poi: float(mu)})
        start_x = fit.x
        window = (max(mu - half, bounds[poi][0]), min(mu + half, bounds[poi][1]))
        for beta in cfg.s3_temperatures:

            def log_window(x: np.ndarray, window: tuple[float, float] = window, beta: float = beta) -> np.ndarray:
                inside = (x[:, poi] >= window[0]) & (x[:, poi] <= window[1])
                value = np.full(len(x), -np.inf)
                if inside.any():
                    value[inside] = beta * teacher.logpdf(x[inside])
                return value

            # β = 1 keeps the seeds and chain names of samples drawn before temperatures existed
            tag, salt = ("", 0) if beta == 1.0 else (f"_beta{beta:g}", int(round(1000 * beta)))
            seed = cfg.seed * 7919 + k + 1009 * salt
            rng = np.random.default_rng(seed)
            start = _start(fit.x, cfg.walkers, cfg.start_spread / np.sqrt(beta), rng, bounds, fixed_window=window,
                           poi=poi)
            run = run_chain(log_window, start, cfg.s3_steps, path=out / "chains_s3", name=f"window{k:02d}{tag}",
                            seed=seed, moves=cfg.moves, progress=progress,
                            description=f"S3 mu={mu:+.2f} beta={beta:g}", keep_every=cfg.keep_every,
                            chunk=max(cfg.keep_every, 500 // cfg.keep_every * cfg.keep_every))
            runs.append(run)
            step = max(1, cfg.s3_thin // cfg.keep_every)
            blocks.append(run.chain[cfg.s3_burn_in // cfg.keep_every::step].reshape(-1, len(names)))
    x3 = np.concatenate(blocks)
    lp3 = teacher.logpdf(x3.astype(np.float64))
    summary = convergence_summary(runs, cfg.s3_burn_in, names)
    meta = {"kind": "S3-profile", "config": asdict(cfg), "windows": centres.tolist(), "n_points": int(len(x3)),
            "convergence": {k: v for k, v in summary.items() if not k.startswith("rhat")},
            "seconds": time.perf_counter() - t0}
    _save(out / "s3_profile.npz", x3, lp3, names, meta)
    mixed = {"kind": "S3", "parts": {"S1": int(len(x1)), "profile": int(len(x3))}, "config": asdict(cfg),
             "global_maximum": meta1["global_maximum"]}
    _save(out / "s3.npz", np.concatenate([x1, x3]), np.concatenate([lp1, lp3]), names, mixed)
    (out / "s3.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta
