"""The toy's Bayesian intervals from independent importance samples: exact, surrogate, emcee, published.

    python benchmarks/likelihood/bench_importance.py --bundle models/shipped/likelihood_toy.onnx \\
        --mcmc-steps 6000 --out benchmarks/results/likelihood_toy_importance.json

* exact: the Laplace/Student-t importance sample of the exact toy posterior
  (:mod:`hepsurrogates.models.likelihood.importance`), for several seeds (their spread is the
  sampling noise of the bounds);
* surrogate: the same draws (first seed) reweighted by the bundle's posterior, so the difference
  to the exact intervals carries almost no sampling noise;
* emcee: independent runs of the family's default sampler (``DEMove``) on the exact posterior,
  HPDI from the Rao–Blackwell marginal, as :func:`~hepsurrogates.models.likelihood.posterior.posterior_intervals`
  reports them (``--mcmc-steps 0`` skips it);
* published: arXiv:1911.03305, Table 3 (PHYSICS.md §5).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from hepsurrogates.datasets.teachers.likelihood.toy import ToyLikelihood
from hepsurrogates.jsonout import dumps
from hepsurrogates.models.likelihood.importance import importance_intervals, laplace_importance_sample
from hepsurrogates.models.likelihood.profile import maximise
from hepsurrogates.models.likelihood.surrogate import LikelihoodSurrogate

PUBLISHED = {"0.6827": {"hpdi": [-0.12, 0.58], "upper_exact": 0.48, "upper_dnn": 0.48},
             "0.9545": {"hpdi": [-0.47, 0.92], "upper_exact": 0.86, "upper_dnn": 0.88},
             "0.9973": {"hpdi": [-0.82, 1.26], "upper_exact": 1.22, "upper_dnn": 1.28}}


def _bounds(rows: list[dict[str, Any]]) -> np.ndarray:
    return np.array([[*r["hpdi"], r["upper_mu_positive"]] for r in rows])


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", default="models/shipped/likelihood_toy.onnx")
    ap.add_argument("--draws", type=int, default=400_000)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--mcmc-steps", type=int, default=6000)
    ap.add_argument("--mcmc-runs", type=int, default=2)
    ap.add_argument("--out", default="benchmarks/results/likelihood_toy_importance.json")
    args = ap.parse_args(argv)

    toy = ToyLikelihood.load()
    t0 = time.perf_counter()
    best = maximise(toy.log_posterior, toy.nominal(), [tuple(p["range"]) for p in toy.parameters()])
    exact, samples = [], []
    for seed in args.seeds:
        t = time.perf_counter()
        s = laplace_importance_sample(toy.log_posterior, best.x, n=args.draws, seed=seed)
        r = importance_intervals(s)
        r["seed"], r["seconds"] = seed, time.perf_counter() - t
        exact.append(r)
        samples.append(s)
        print(f"exact, seed {seed}: ESS {s.ess:.0f}, {_bounds(r['intervals']).round(3).tolist()}", flush=True)
    spread = np.ptp(np.stack([_bounds(r["intervals"]) for r in exact]), axis=0)

    surrogate = LikelihoodSurrogate.load(args.bundle)
    t = time.perf_counter()
    reweighted = samples[0].reweighted(surrogate.log_posterior)
    sur = importance_intervals(reweighted)
    sur["seconds"] = time.perf_counter() - t
    diff = np.abs(_bounds(sur["intervals"]) - _bounds(exact[0]["intervals"]))
    print(f"surrogate, same draws: {_bounds(sur['intervals']).round(3).tolist()}, max |Δ| {diff.max():.4f}")
    published = np.array([[*PUBLISHED[str(r["credibility"])]["hpdi"], PUBLISHED[str(r["credibility"])]["upper_exact"]]
                          for r in exact[0]["intervals"]])
    mean_exact = np.mean([_bounds(r["intervals"]) for r in exact], axis=0)

    out: dict[str, Any] = {
        "command": " ".join(["python benchmarks/likelihood/bench_importance.py",
                             *(sys.argv[1:] if argv is None else argv)]),
        "draws": args.draws, "mode": best.x.tolist()[:1],
        "exact": exact, "exact_seed_spread": spread.tolist(),
        "exact_mean_minus_published": (mean_exact - published).tolist(),
        "max_abs_exact_minus_published": float(np.abs(mean_exact - published).max()),
        "surrogate_same_draws": sur, "surrogate_ess": reweighted.ess,
        "max_abs_surrogate_minus_exact": float(diff.max()), "published": PUBLISHED,
    }
    if args.mcmc_steps:
        from hepsurrogates.models.likelihood.posterior import posterior_intervals

        post = posterior_intervals(toy, steps=args.mcmc_steps, burn_in=min(2000, args.mcmc_steps // 3),
                                   runs=args.mcmc_runs, progress=False, name="exact")
        post.pop("draws")
        post.pop("grid")
        post.pop("density")
        mdiff = np.abs(_bounds(post["rao_blackwell"]) - mean_exact)
        out["emcee_de"] = post
        out["max_abs_emcee_minus_importance"] = float(mdiff.max())
        print(f"emcee DEMove: {_bounds(post['rao_blackwell']).round(3).tolist()}, max |Δ| {mdiff.max():.4f}; "
              f"R̂ max {post['convergence'].get('rhat_max')}")
    out["seconds"] = time.perf_counter() - t0
    Path(args.out).write_text(dumps(out, indent=1) + "\n")
    return out


if __name__ == "__main__":
    main()
