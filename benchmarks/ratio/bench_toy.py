"""Every MadMiner estimator on the ratio toy, same arrays and same budget, against the exact answer.

Trains CARL, ROLR, RASCAL, ALICE, ALICES, CASCAL (parameterised in θ, reference θ1 = 0) on one
sample of ``--events`` events from :func:`~hepsurrogates.training.ratio.estimators.make_training_sample`
(θ0 ~ U(-1, 1)) and SALLY on ``--events`` events at θ1, each for ``--epochs`` epochs with the same
network and optimiser, one CPU thread. Reports, per method, the mean squared error of
log r̂(x|θ, θ1) against the toy's exact log r(x|θ, θ1) on held-out x ~ p(x|θ1) and a grid of θ
(per grid point and overall; beside it the trivial predictor log r̂ = 0), the MSE of the
estimated score t̂(x|θ) against the exact t(x|θ), and training samples per second (training
events × epochs / wall seconds, validation included). Writes ``benchmarks/results/ratio_toy.json``.

    python benchmarks/ratio/bench_toy.py --events 200000 --epochs 20
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import asdict  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from hepsurrogates.models.ratio.toy import QuadraticToy  # noqa: E402
from hepsurrogates.provenance import code_revision, package_versions  # noqa: E402
from hepsurrogates.training.ratio.estimators import (  # noqa: E402
    RatioConfig,
    make_local_sample,
    make_training_sample,
    train_estimator,
    uniform_prior,
)
from hepsurrogates.training.ratio.losses import METHODS  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
THETA1 = 0.0
GRID = np.linspace(-1.0, 1.0, 9)


def toy_arrays(toy: QuadraticToy, events: int, test_events: int, seed: int) -> tuple:
    """The arrays every method trains and is tested on (also those of the MadMiner comparison): MadMiner's
    ratio sample (θ0 ~ U(-1, 1), θ1 = 0), the local sample at θ1 for SALLY, held-out x ~ p(x|θ1), and the
    exact log r(x|θ, θ1) and t(x|θ) on :data:`GRID`."""
    rng = np.random.default_rng(seed)
    sample = make_training_sample(toy, uniform_prior(-1.0, 1.0), THETA1, events, rng)
    local_x, local_t = make_local_sample(toy, THETA1, events, rng)
    x_test, _ = toy.simulate(THETA1, test_events, np.random.default_rng(seed + 1000))
    exact = np.stack([toy.log_r_x(x_test, t, THETA1) for t in GRID])
    exact_t = np.stack([toy.t_x(x_test, t)[:, 0] for t in GRID])
    return sample, local_x, local_t, x_test, exact, exact_t


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000, help="training events per method (validation included)")
    parser.add_argument("--test-events", type=int, default=20_000, help="held-out x ~ p(x|theta1)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--hidden", default="64,64")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--final-learning-rate", type=float, default=1e-4)
    parser.add_argument("--alpha", type=float, default=1.0, help="weight of the score term")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "ratio_toy.json")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    toy = QuadraticToy()
    config = RatioConfig(hidden=tuple(int(h) for h in args.hidden.split(",")), epochs=args.epochs,
                         batch_size=args.batch_size, learning_rate=args.learning_rate,
                         final_learning_rate=args.final_learning_rate, alpha=args.alpha, seed=args.seed, threads=1)
    t0 = time.perf_counter()
    sample, local_x, local_t, x_test, exact, exact_t = toy_arrays(toy, args.events, args.test_events, args.seed)
    sampling_seconds = time.perf_counter() - t0
    trivial = {"mse_log_r": float(np.mean(exact**2)), "mse_log_r_per_theta": np.mean(exact**2, axis=1).tolist(),
               "mse_score": float(np.mean(exact_t**2))}
    n_train = args.events - int(round(config.validation_fraction * args.events))
    results = {}
    for method in args.methods.split(","):
        cpu0 = time.process_time()
        if method == "sally":
            model, history = train_estimator("sally", local_x, t_xz=local_t, config=config)
            t_hat = model.score(x_test[:, None])[:, 0]
            row = {"mse_score_at_theta1": float(np.mean((t_hat - exact_t[GRID == THETA1][0]) ** 2)),
                   "var_score_at_theta1": float(np.var(exact_t[GRID == THETA1][0]))}
        else:
            model, history = train_estimator(method, *sample, config=config)
            pred = np.stack([model.log_r(x_test[:, None], t) for t in GRID])
            t_hat = np.stack([model.score(x_test[:, None], t)[:, 0] for t in GRID])
            err = (pred - exact) ** 2
            row = {"mse_log_r": float(err.mean()), "mse_log_r_per_theta": err.mean(axis=1).tolist(),
                   "mse_score": float(np.mean((t_hat - exact_t) ** 2))}
        row.update({"train_seconds": history.seconds, "cpu_seconds": time.process_time() - cpu0,
                    "samples_per_second": n_train * len(history.train_loss) / history.seconds,
                    "best_epoch": history.best_epoch, "val_loss": history.val_loss})
        results[method] = row
        print(f"{method:7s} " + " ".join(f"{k}={v:.4g}" for k, v in row.items() if isinstance(v, float)), flush=True)
    out = {
        "command": "python benchmarks/ratio/bench_toy.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "toy": {"class": "QuadraticToy", "n_params": toy.n_params, "sigma": toy.sigma, "background": toy.background,
                "theta1": THETA1, "theta0_prior": [-1.0, 1.0]},
        "grid": GRID.tolist(),
        "events": args.events, "n_train": n_train, "test_events": args.test_events,
        "config": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(config).items()},
        "trivial": trivial,
        "methods": results,
        "sampling_seconds": sampling_seconds,
        "seconds": time.perf_counter() - t0,
        "machine": {"platform": platform.platform(), "processor": platform.processor(), "torch_threads": 1,
                    "cpu_count": os.cpu_count(), "load_average": list(os.getloadavg())},
        "code_revision": code_revision(),
        "versions": package_versions(("numpy", "torch", "hepsurrogates")),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(_table(out))
    return out


def _table(out: dict) -> str:
    lines = ["| method | MSE log r | MSE t | samples/s | train s |", "|---|---|---|---|---|",
             f"| log r = 0 | {out['trivial']['mse_log_r']:.4g} | {out['trivial']['mse_score']:.4g} | | |"]
    for method, row in out["methods"].items():
        mse = row.get("mse_log_r")
        score = row.get("mse_score", row.get("mse_score_at_theta1"))
        lines.append(f"| {method} | {'' if mse is None else f'{mse:.4g}'} | {score:.4g}"
                     f"{' (θ1)' if 'mse_score_at_theta1' in row else ''} | {row['samples_per_second']:.0f} | "
                     f"{row['train_seconds']:.1f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
