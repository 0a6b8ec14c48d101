"""MadMiner 0.9.6's side of the ratio comparison: run in MadMiner's own virtual environment, never in ours.

Reads the arrays that ``benchmarks/ratio/madminer_compare.py`` wrote (the toy's training sample, SALLY's
local sample, held-out x and the θ grid), trains each method with MadMiner's
``ParameterizedRatioEstimator`` / ``ScoreEstimator`` on them with the given budget (network, epochs, batch
size, learning rates, validation split: the same as ours), evaluates log r̂ and t̂ on the held-out x and
the grid, and writes ``madminer.json`` beside the arrays: the predictions' file names, training seconds
and samples per second, and the batched evaluation cost per (x, θ) point.

    /path/to/madminer-venv/bin/python benchmarks/ratio/madminer_side.py DIR --epochs 10 --hidden 64,64
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from madminer.ml import ParameterizedRatioEstimator, ScoreEstimator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--methods", default="carl,rolr,rascal,alice,alices,cascal,sally")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--hidden", default="64,64")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--final-learning-rate", type=float, default=1e-4)
    parser.add_argument("--alpha", type=float, default=1.0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(1)
    d = args.dir
    hidden = tuple(int(h) for h in args.hidden.split(","))
    x_test, grid = np.load(d / "x_test.npy"), np.load(d / "grid.npy")
    common = {"n_epochs": args.epochs, "batch_size": args.batch_size, "initial_lr": args.learning_rate,
              "final_lr": args.final_learning_rate, "validation_split": 0.25, "early_stopping": True,
              "n_workers": 0, "verbose": "none"}
    out: dict = {"config": {**common, "hidden": list(hidden), "alpha": args.alpha, "torch_threads": 1}, "methods": {}}
    for method in args.methods.split(","):
        if method == "sally":
            est = ScoreEstimator(n_hidden=hidden, activation="tanh")
            n = len(np.load(d / "local_x.npy"))
            t0 = time.perf_counter()
            est.train("sally", x=str(d / "local_x.npy"), t_xz=str(d / "local_t.npy"), **common)
            seconds = time.perf_counter() - t0
            score = est.evaluate_score(x_test)
            np.save(d / "madminer_sally_score.npy", np.asarray(score).reshape(len(x_test), -1)[:, 0])
            row = {"score": "madminer_sally_score.npy"}
        else:
            est = ParameterizedRatioEstimator(n_hidden=hidden, activation="tanh")
            n = len(np.load(d / "x.npy"))
            kwargs = {"r_xz": str(d / "r_xz.npy")} if method in ("rolr", "rascal", "alice", "alices") else {}
            if method in ("rascal", "alices", "cascal"):
                kwargs["t_xz"] = str(d / "t_xz.npy")
                kwargs["alpha"] = args.alpha
            t0 = time.perf_counter()
            est.train(method, x=str(d / "x.npy"), y=str(d / "y.npy"), theta=str(d / "theta.npy"), **kwargs, **common)
            seconds = time.perf_counter() - t0
            log_r, score = est.evaluate_log_likelihood_ratio(x_test, grid, test_all_combinations=True,
                                                             evaluate_score=True)
            t1 = time.perf_counter()
            est.evaluate_log_likelihood_ratio(x_test, grid, test_all_combinations=True)
            eval_us = (time.perf_counter() - t1) / (len(x_test) * len(grid)) * 1e6
            np.save(d / f"madminer_{method}_log_r.npy", np.asarray(log_r))
            np.save(d / f"madminer_{method}_score.npy", np.asarray(score)[..., 0])
            row = {"log_r": f"madminer_{method}_log_r.npy", "score": f"madminer_{method}_score.npy",
                   "eval_us_per_point": eval_us}
        n_train = n - int(round(0.25 * n))
        row.update({"train_seconds": seconds, "samples_per_second": n_train * args.epochs / seconds})
        out["methods"][method] = row
        print(method, {k: v for k, v in row.items() if isinstance(v, float)}, flush=True)
    (d / "madminer.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
