"""Combining two likelihood surrogates that share parameters, checked against the exact combined likelihood.

The 1809.05548 toy split by category: A = categories 0 and 1 (μ, 60 MC-statistics nuisances, ISR,
JES, LV, CR: 65 parameters), B = category 2 (35 parameters); they share μ and the four correlated
nuisances. Each part is sampled (S1 + S3) and learned on its own; the two bundles are combined by
:class:`~hepsurrogates.models.likelihood.combine.CombinedLikelihood` (shared constraint terms
counted once), whose exact counterpart is the full toy (``tests/likelihood`` checks that the
exact parts combine into it to 10⁻¹²). Measured: t_μ at 21 points of μ ∈ [0, 1] of the combined
surrogates against the full exact toy, and the HPDI of μ from the full toy's S1 draws
(Rao–Blackwell, importance-weighted) for the combined surrogates against the exact.

    python benchmarks/likelihood/bench_combination.py --work /work/data/likelihood/combination \\
        --s1 /work/data/likelihood/toy_samples
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", required=True)
    ap.add_argument("--s1", default="/work/data/likelihood/toy_samples", help="the full toy's samples (S1 draws)")
    ap.add_argument("--hidden", default="64,64")
    ap.add_argument("--steps", type=int, default=6000)
    ap.add_argument("--windows", type=int, default=12)
    ap.add_argument("--max-minutes", type=float, default=8.0, help="training budget per part")
    ap.add_argument("--out", default=str(RESULTS / "likelihood_combination.json"))
    args = ap.parse_args(argv)
    work = Path(args.work)

    from hepsurrogates.datasets.teachers.likelihood.toy import ToyCategories, ToyLikelihood
    from hepsurrogates.models.likelihood.combine import CombinedLikelihood
    from hepsurrogates.models.likelihood.hpdi import CREDIBILITIES, density_interval_table, rao_blackwell_density
    from hepsurrogates.models.likelihood.profile import profile_scan
    from hepsurrogates.models.likelihood.surrogate import LikelihoodSurrogate
    from hepsurrogates.training.likelihood.sampling import SamplingConfig, load_sample, sample_s1, sample_s3
    from hepsurrogates.training.likelihood.train import TrainConfig, train_likelihood

    toy = ToyLikelihood.load()
    parts = {"A": ToyCategories(toy, (0, 1)), "B": ToyCategories(toy, (2,))}
    out: dict = {"parts": {}}
    surrogates = []
    for tag, part in parts.items():
        t0 = time.perf_counter()
        walkers = max(2 * part.n_parameters + 2, 96)
        cfg = SamplingConfig(walkers=walkers, s1_runs=2, s1_steps=args.steps, burn_in=args.steps // 5, thin=20,
                             s3_windows=args.windows, s3_steps=1200, s3_burn_in=400, s3_thin=20)
        s1 = sample_s1(part, work / tag / "samples", cfg, progress=False)
        sample_s3(part, work / tag / "samples", cfg, progress=False)
        res = train_likelihood(part, work / tag / "samples", work / tag / "bundle",
                               TrainConfig(hidden=tuple(int(h) for h in args.hidden.split(",")), baseline="quadratic",
                                           n_points=80_000, batch_size=1024, lr_patience=5, patience=12,
                                           max_minutes=args.max_minutes, name=f"likelihood_toy_part_{tag.lower()}"),
                               progress=False)
        surrogates.append(LikelihoodSurrogate.load(res["bundle"]))
        out["parts"][tag] = {"parameters": part.n_parameters, "categories": list(part.categories),
                             "s1_convergence": s1["convergence"], "test_mse": res["metrics"]["test_mse_standardised"],
                             "t_mu_mean_abs_error_part": res["metrics"]["t_mu"]["mean_abs_error"],
                             "seconds": time.perf_counter() - t0}
    combo = CombinedLikelihood(surrogates)
    order = np.array([combo.parameter_names.index(n) for n in toy.parameter_names])
    bounds_full = [tuple(p["range"]) for p in toy.parameters()]

    def combined_logpdf(x: np.ndarray) -> np.ndarray:  # in the full toy's parameter order
        xc = np.empty_like(np.atleast_2d(x))
        xc[:, order] = np.atleast_2d(x)
        return combo.logpdf(xc)

    def combined_gradient(x: np.ndarray) -> np.ndarray:
        xc = np.empty_like(x)
        xc[order] = x
        return combo.gradient(xc)[order]

    mu = np.linspace(0.0, 1.0, 21)
    exact = profile_scan(toy.logpdf, mu, toy.nominal(), bounds_full)
    comb = profile_scan(combined_logpdf, mu, toy.nominal(), bounds_full, gradient=combined_gradient)
    out["t_mu"] = {"mu": mu.tolist(), "exact_full_toy": exact.t_mu.tolist(), "combined_surrogates": comb.t_mu.tolist(),
                   "mean_abs_error": float(np.mean(np.abs(comb.t_mu - exact.t_mu))),
                   "max_abs_error": float(np.max(np.abs(comb.t_mu - exact.t_mu))),
                   "mu_hat": {"exact": float(exact.best.x[0]), "combined": float(comb.best.x[0])}}
    x1, _, _, _ = load_sample(Path(args.s1) / "s1.npz")
    draws = x1[np.linspace(0, len(x1) - 1, 4000).astype(int)].astype(np.float64)
    g = np.linspace(-1.0, 2.5, 701)

    def combined_posterior(x: np.ndarray) -> np.ndarray:
        inside = (x[:, 0] > -1.0) & (x[:, 0] < 5.0)
        return np.where(inside, combined_logpdf(x), -np.inf)

    d_exact = rao_blackwell_density(toy.log_posterior, draws, g)
    d_comb = rao_blackwell_density(combined_posterior, draws, g, draws_logpdf=toy.log_posterior)
    e, c = density_interval_table(g, d_exact, CREDIBILITIES), density_interval_table(g, d_comb, CREDIBILITIES)
    out["hpdi"] = {"exact_full_toy": e, "combined_surrogates_same_draws": c,
                   "max_abs_bound_difference": float(max(abs(a - b) for x, y in zip(e, c)
                                                         for a, b in zip(x["hpdi"], y["hpdi"])))}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps({k: v for k, v in out.items() if k != "parts"}, indent=1))
    print(json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "s1_convergence"} for k, v in out["parts"].items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
