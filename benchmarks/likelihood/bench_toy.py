"""The toy's targets (issue 16): the surrogate against the exact likelihood and against pyhf.

Measures, in one run (ratios within the run):

* cost per point of ln L: the vectorised exact toy (numpy), the bundle through onnxruntime (one
  thread, batches of 10⁴; with and without the gradient output), pyhf's ``logpdf`` on the toy's
  workspace (one point per call, and batched); CPU time of this process (``time.process_time``,
  what a dedicated core would take) and wall time, with the machine's load average;
* t_μ at 21 points of μ ∈ [0, 1] by iminuit profile fits on the exact toy and on the surrogate
  (its gradient output), and pyhf's own fits (``pyhf.infer.mle``) on its workspace, all timed;
  mean and max |Δt_μ| against the exact one;
* the HPDI and μ > 0 upper limits at 68.27/95.45/99.73 %: exact from the S1 runs, surrogate both
  on the same draws (Rao–Blackwell, importance-weighted) and by its own emcee runs;
* asymptotic CLs 95 % upper limits (observed-width recipe) on exact and surrogate, and pyhf's
  ``upper_limit`` (full Asimov) on its workspace (``--pyhf-limit``);
* the card's test MSE, network size and training time, against the published numbers.

    python benchmarks/likelihood/bench_toy.py --bundle B/likelihood_toy.onnx --samples /work/data/likelihood/toy_samples
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
PUBLISHED = {
    "hpdi": {"0.6827": [-0.12, 0.58], "0.9545": [-0.47, 0.92], "0.9973": [-0.82, 1.26]},
    "upper_mu_positive_exact": {"0.6827": 0.48, "0.9545": 0.86, "0.9973": 1.22},
    "upper_mu_positive_dnn": {"0.6827": 0.48, "0.9545": 0.88, "0.9973": 1.28},
    "t_mu_mean_abs_error": 0.032, "test_mse": 7.2e-4, "parameters": 25_500_000,
    "us_per_point_here": 367.0, "training_seconds": 7114,
}


def per_point(fn, x: np.ndarray, repeat: int = 3, fixed_batch: bool = False) -> dict[str, float]:
    """Best of ``repeat`` calls of fn(x): CPU and wall µs per row (``fixed_batch``: fn takes len(x) rows only)."""
    fn(x if fixed_batch else x[: min(len(x), 64)])
    cpu, wall = [], []
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        fn(x)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return {"cpu_us": 1e6 * min(cpu) / len(x), "wall_us": 1e6 * min(wall) / len(x), "rows": int(len(x))}


def pyhf_scan(model, data, mu: np.ndarray) -> tuple[np.ndarray, float, float]:
    import pyhf

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        best = pyhf.infer.mle.fit(data, model, return_fitted_val=True)
        twice_nll = []
        for m in mu:
            _, v = pyhf.infer.mle.fixed_poi_fit(float(m), data, model, return_fitted_val=True)
            twice_nll.append(float(v))
    t = np.maximum(0.0, np.array(twice_nll) - float(best[1]))
    return t, float(best[0][model.config.poi_index]), time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--samples", default="/work/data/likelihood/toy_samples")
    ap.add_argument("--surrogate-mcmc-steps", type=int, default=12_000, help="0: skip the surrogate's own runs")
    ap.add_argument("--pyhf-limit", action="store_true", help="also pyhf's upper_limit on the toy workspace (slow)")
    ap.add_argument("--out", default=str(RESULTS / "likelihood_toy.json"))
    args = ap.parse_args(argv)

    import pyhf

    from hepsurrogates.datasets.teachers.likelihood.toy import ToyLikelihood
    from hepsurrogates.datasets.teachers.likelihood.toy_workspace import toy_pyhf_model
    from hepsurrogates.models.likelihood.hpdi import CREDIBILITIES, density_interval_table, rao_blackwell_density
    from hepsurrogates.models.likelihood.limits import cls_scan, upper_limit
    from hepsurrogates.models.likelihood.posterior import posterior_intervals
    from hepsurrogates.models.likelihood.profile import profile_scan
    from hepsurrogates.models.likelihood.surrogate import LikelihoodSurrogate

    pyhf.set_backend("numpy")
    toy = ToyLikelihood.load()
    sur = LikelihoodSurrogate.load(args.bundle)
    card = sur.card
    out: dict = {"bundle": str(args.bundle), "card_metrics": {k: card["metrics"][k] for k in
                                                             ("test_mse_standardised", "training_seconds", "n_train")},
                 "network": card["network"], "published": PUBLISHED, "load_average": os.getloadavg()}
    bounds = [tuple(p["range"]) for p in toy.parameters()]

    # -- cost per point ------------------------------------------------------------------------
    rng = np.random.default_rng(5)
    x = np.tile(toy.nominal(), (10_000, 1))
    x[:, 0] = rng.uniform(-0.5, 2.0, len(x))
    x[:, 1:] = rng.normal(size=(len(x), 94))
    ws, model, data = toy_pyhf_model(toy)
    order = [toy.parameter_names.index(n) for n in model.config.par_order]
    xp = x[:, order]
    speed = {
        "exact_numpy_batched": per_point(toy.logpdf, x),
        "surrogate_logpdf_and_gradient": per_point(lambda r: sur.evaluate(r), x),
        "surrogate_logpdf": per_point(sur.logpdf, x),
        "pyhf_logpdf_one_point": per_point(lambda r: [model.logpdf(p, data) for p in r], xp[:200], repeat=2),
    }
    _, model_b, data_b = toy_pyhf_model(toy, batch_size=1000)
    speed["pyhf_logpdf_batched_1000"] = per_point(lambda r: model_b.logpdf(r, data_b), xp[:1000], repeat=2,
                                                    fixed_batch=True)
    best_sur = min(v["cpu_us"] for k, v in speed.items() if k.startswith("surrogate_logpdf"))
    speed["ratio_pyhf_one_point_over_surrogate"] = speed["pyhf_logpdf_one_point"]["cpu_us"] / best_sur
    speed["ratio_pyhf_batched_over_surrogate"] = speed["pyhf_logpdf_batched_1000"]["cpu_us"] / best_sur
    out["speed"] = speed
    print(json.dumps(speed, indent=1), flush=True)

    # -- t_mu scans ------------------------------------------------------------------------------
    mu = np.linspace(0.0, 1.0, 21)
    exact = profile_scan(toy.logpdf, mu, toy.nominal(), bounds)
    dnn = profile_scan(sur.logpdf, mu, toy.nominal(), bounds, gradient=sur.gradient)
    t_pyhf, mu_hat_pyhf, sec_pyhf = pyhf_scan(model, data, mu)
    out["t_mu"] = {
        "mu": mu.tolist(), "exact": exact.t_mu.tolist(), "surrogate": dnn.t_mu.tolist(), "pyhf": t_pyhf.tolist(),
        "mean_abs_error_surrogate": float(np.mean(np.abs(dnn.t_mu - exact.t_mu))),
        "max_abs_error_surrogate": float(np.max(np.abs(dnn.t_mu - exact.t_mu))),
        "mean_abs_difference_pyhf_workspace": float(np.mean(np.abs(t_pyhf - exact.t_mu))),
        "mu_hat": {"exact": float(exact.best.x[0]), "surrogate": float(dnn.best.x[0]), "pyhf": mu_hat_pyhf},
        "seconds": {"exact_iminuit": exact.seconds, "surrogate_iminuit": dnn.seconds, "pyhf_scipy": sec_pyhf},
    }
    print(json.dumps({k: v for k, v in out["t_mu"].items() if k not in ("exact", "surrogate", "pyhf", "mu")}),
          flush=True)

    # -- Bayesian intervals --------------------------------------------------------------------
    from hepsurrogates.training.likelihood.sampling import SamplingConfig

    cfg = SamplingConfig()
    post_exact = posterior_intervals(toy, walkers=cfg.walkers, steps=cfg.s1_steps, burn_in=cfg.burn_in,
                                     runs=cfg.s1_runs, seed=cfg.seed, keep_every=cfg.keep_every,
                                     path=str(Path(args.samples) / "chains_s1"), name="run", progress=False)
    g = np.asarray(post_exact["grid"])
    dens_same = rao_blackwell_density(sur.log_posterior, post_exact["draws"], g, poi=0,
                                      draws_logpdf=toy.log_posterior)
    same = density_interval_table(g, dens_same, CREDIBILITIES)
    bayes = {"exact": post_exact["rao_blackwell"], "exact_samples": post_exact["samples"],
             "exact_convergence": post_exact["convergence"], "surrogate_same_draws": same}
    diffs = []
    for e, s in zip(post_exact["rao_blackwell"], same):
        diffs += [abs(a - b) for a, b in zip(e["hpdi"], s["hpdi"])]
    bayes["max_abs_bound_difference_same_draws"] = float(max(diffs))
    if args.surrogate_mcmc_steps:
        own = posterior_intervals(sur, walkers=cfg.walkers, steps=args.surrogate_mcmc_steps, burn_in=cfg.burn_in,
                                  runs=2, seed=23, keep_every=cfg.keep_every, progress=False)
        bayes["surrogate_own_mcmc"] = own["rao_blackwell"]
        bayes["surrogate_own_mcmc_samples"] = own["samples"]
        bayes["surrogate_own_convergence"] = own["convergence"]
        bayes["surrogate_own_seconds"] = own["seconds"]
        d2 = []
        for e, s in zip(post_exact["rao_blackwell"], own["rao_blackwell"]):
            d2 += [abs(a - b) for a, b in zip(e["hpdi"], s["hpdi"])]
        bayes["max_abs_bound_difference_own_mcmc"] = float(max(d2))
    out["bayesian"] = bayes
    print(json.dumps({k: v for k, v in bayes.items() if "convergence" not in k}, indent=1), flush=True)

    # -- CLs limits ------------------------------------------------------------------------------
    mus = np.linspace(0.05, 2.0, 40)
    lim_exact = upper_limit(cls_scan(toy.logpdf, mus, toy.nominal(), bounds))
    lim_dnn = upper_limit(cls_scan(sur.logpdf, mus, toy.nominal(), bounds, gradient=sur.gradient))
    out["cls_upper_limit_95"] = {"exact_observed_width": lim_exact, "surrogate_observed_width": lim_dnn}
    if args.pyhf_limit:
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            obs, _ = pyhf.infer.intervals.upper_limits.upper_limit(data, model, scan=np.linspace(0.05, 2.0, 14),
                                                                   level=0.05, test_stat="qtilde")
        out["cls_upper_limit_95"]["pyhf_asimov"] = float(obs)
        out["cls_upper_limit_95"]["pyhf_seconds"] = time.perf_counter() - t0
    print(json.dumps(out["cls_upper_limit_95"]), flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
