"""The family's pipeline on a pyhf workspace file (e.g. the project-built di-τ one): sample, train, t_μ, limits.

``hepsurrogates likelihood sample | train`` on the workspace (through their Python entry points),
then, against pyhf on the same workspace: t_μ at 21 points of μ ∈ [0, 1] (iminuit on the exact
pyhf ln L, iminuit on the surrogate, pyhf's own ``mle`` fits; all timed) and the 95 % CLs upper
limit (the observed-width asymptotic recipe on exact and surrogate; pyhf's ``upper_limit`` with
its Asimov data), plus the cost per point of ln L (pyhf one point per call, pyhf batched, the
bundle batched).

    python benchmarks/likelihood/bench_pipeline.py --workspace /work/data/likelihood/ditau/ditau_workspace.json \\
        --work /work/data/likelihood/ditau_pipeline --name likelihood_ditau
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_toy import per_point, pyhf_scan  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workspace", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--name", default="likelihood_ditau")
    ap.add_argument("--hidden", default="64,64")
    ap.add_argument("--baseline", default="quadratic")
    ap.add_argument("--walkers", type=int, default=96)
    ap.add_argument("--steps", type=int, default=8000)
    ap.add_argument("--mu-high", type=float, default=4.0, help="top of the CLs scan")
    ap.add_argument("--max-minutes", type=float, default=8.0, help="training budget")
    ap.add_argument("--reuse-bundle", action="store_true", help="use the bundle already in WORK/bundle")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    work = Path(args.work)

    import pyhf

    from hepsurrogates.models.likelihood.limits import cls_scan, upper_limit
    from hepsurrogates.models.likelihood.profile import profile_scan
    from hepsurrogates.models.likelihood.surrogate import LikelihoodSurrogate
    from hepsurrogates.training.likelihood.cli import sample, train
    from hepsurrogates.training.likelihood.teachers import resolve_teacher

    t0 = time.perf_counter()
    sampled = sample(teacher=args.workspace, out=str(work / "samples"), walkers=args.walkers, runs=4, steps=args.steps,
                     burn_in=args.steps // 5, thin=20, s3_mu_low=-0.5, s3_mu_high=args.mu_high, s3_windows=16,
                     s3_steps=1500, s3_burn_in=500, s3_thin=20, quiet=True)
    t_sample = time.perf_counter() - t0
    existing = work / "bundle" / f"{args.name}.onnx"
    if args.reuse_bundle and existing.is_file():
        trained = {"bundle": str(existing),
                   "metrics": json.loads((work / "bundle" / f"{args.name}.train.json").read_text())["metrics"]}
    else:
        trained = train(teacher=args.workspace, samples=str(work / "samples"), out=str(work / "bundle"), name=args.name,
                        hidden=args.hidden, baseline=args.baseline, batch_size=512, lr_patience=10, patience=30,
                        max_minutes=args.max_minutes, threads=1, quiet=True)
    teacher = resolve_teacher(args.workspace)
    sur = LikelihoodSurrogate.load(trained["bundle"])
    bounds = [tuple(p["range"]) for p in teacher.parameters()]
    poi = teacher.poi_index
    mu = np.linspace(0.0, 1.0, 21)
    exact = profile_scan(teacher.logpdf, mu, teacher.nominal(), bounds, poi=poi)
    dnn = profile_scan(sur.logpdf, mu, teacher.nominal(), bounds, poi=poi, gradient=sur.gradient)
    model, data = teacher.model, teacher.data
    t_pyhf, mu_hat_pyhf, sec_pyhf = pyhf_scan(model, data, mu)
    mus = np.linspace(args.mu_high / 40, args.mu_high, 40)
    lim_exact = upper_limit(cls_scan(teacher.logpdf, mus, teacher.nominal(), bounds, poi=poi))
    lim_dnn = upper_limit(cls_scan(sur.logpdf, mus, teacher.nominal(), bounds, poi=poi, gradient=sur.gradient))
    t1 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lim_pyhf, _ = pyhf.infer.intervals.upper_limits.upper_limit(data, model, scan=mus, level=0.05,
                                                                     test_stat="qtilde")
    sec_lim_pyhf = time.perf_counter() - t1
    rng = np.random.default_rng(2)
    x = np.repeat(teacher.nominal()[None], 10_000, axis=0)
    x[:, poi] = rng.uniform(0, 2, len(x))
    big = pyhf.Workspace(dict(teacher.workspace)).model(batch_size=1000)
    out = {
        "workspace": args.workspace, "workspace_sha256": teacher.sha256, "parameters": teacher.n_parameters,
        "sampling": sampled, "sampling_seconds": t_sample,
        "training": {k: trained["metrics"][k] for k in ("test_mse_standardised", "training_seconds", "n_train")},
        "network": sur.card["network"],
        "t_mu": {"mu": mu.tolist(), "exact": exact.t_mu.tolist(), "surrogate": dnn.t_mu.tolist(),
                 "pyhf": t_pyhf.tolist(),
                 "mean_abs_error_surrogate": float(np.mean(np.abs(dnn.t_mu - exact.t_mu))),
                 "max_abs_error_surrogate": float(np.max(np.abs(dnn.t_mu - exact.t_mu))),
                 "mean_abs_difference_iminuit_vs_pyhf_fits": float(np.mean(np.abs(t_pyhf - exact.t_mu))),
                 "mu_hat": {"exact": float(exact.best.x[poi]), "surrogate": float(dnn.best.x[poi]),
                            "pyhf": mu_hat_pyhf},
                 "seconds": {"exact_iminuit": exact.seconds, "surrogate_iminuit": dnn.seconds,
                             "pyhf_scipy": sec_pyhf}},
        "cls_upper_limit_95": {"exact_observed_width": lim_exact, "surrogate_observed_width": lim_dnn,
                               "pyhf_asimov": float(lim_pyhf), "pyhf_seconds": sec_lim_pyhf},
        "speed": {"pyhf_logpdf_one_point": per_point(lambda r: [model.logpdf(p, data) for p in r], x[:300], 2),
                  "pyhf_logpdf_batched_1000": per_point(lambda r: big.logpdf(r, data), x[:1000], 2,
                                                                fixed_batch=True),
                  "surrogate_logpdf": per_point(sur.logpdf, x)},
        "load_average": os.getloadavg(),
    }
    sp = out["speed"]
    sp["ratio_pyhf_one_point_over_surrogate"] = sp["pyhf_logpdf_one_point"]["cpu_us"] / sp["surrogate_logpdf"]["cpu_us"]
    path = Path(args.out) if args.out else RESULTS / f"{args.name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps({k: v for k, v in out.items() if k not in ("sampling",)}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
