"""Ours against MadMiner 0.9.6 on the ratio toy: the same arrays, the same budget, one run, one machine.

Builds the toy's arrays (``bench_toy.toy_arrays``: MadMiner's ratio sample with θ0 ~ U(-1, 1), θ1 = 0,
SALLY's local sample, held-out x ~ p(x|θ1)), writes them as ``.npy`` files, trains every method here
(:func:`hepsurrogates.training.ratio.estimators.train_estimator`, one torch thread), then runs
``madminer_side.py`` with MadMiner's own interpreter (``--madminer-python``: a separate virtual
environment with ``madminer==0.9.6`` and ``torch==2.13.0``; the project never depends on it) on the same
files with the same network, epochs, batch size, learning rates and validation split. Reports, per
method, the MSE of log r̂ against the exact log r on the θ grid, the MSE of t̂, training samples per
second and the batched evaluation cost per (x, θ) point, both sides, and their ratios. Writes
``benchmarks/results/ratio_madminer.json``.

    python3 -m venv mm && mm/bin/pip install torch==2.13.0 && mm/bin/pip install madminer==0.9.6 torch==2.13.0
    python benchmarks/ratio/madminer_compare.py --madminer-python mm/bin/python --events 50000 --epochs 10
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from hepsurrogates.models.ratio.toy import QuadraticToy  # noqa: E402
from hepsurrogates.provenance import code_revision, package_versions  # noqa: E402
from hepsurrogates.training.ratio.estimators import RatioConfig, train_estimator  # noqa: E402
from hepsurrogates.training.ratio.losses import METHODS  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_toy import GRID, THETA1, toy_arrays  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def _ours(method: str, arrays: tuple, config: RatioConfig) -> dict:
    sample, local_x, local_t, x_test, exact, exact_t = arrays
    if method == "sally":
        model, history = train_estimator("sally", local_x, t_xz=local_t, config=config)
        t_hat = model.score(x_test[:, None])[:, 0]
        return {"mse_score_at_theta1": float(np.mean((t_hat - exact_t[GRID == THETA1][0]) ** 2)),
                "train_seconds": history.seconds, "epochs": len(history.train_loss)}
    model, history = train_estimator(method, *sample, config=config)
    xs = x_test[:, None]
    t0 = time.perf_counter()
    pred = np.stack([model.log_r(xs, t) for t in GRID])
    eval_us = (time.perf_counter() - t0) / pred.size * 1e6
    t_hat = np.stack([model.score(xs, t)[:, 0] for t in GRID])
    return {"mse_log_r": float(np.mean((pred - exact) ** 2)), "mse_score": float(np.mean((t_hat - exact_t) ** 2)),
            "train_seconds": history.seconds, "epochs": len(history.train_loss), "eval_us_per_point": eval_us}


def _theirs(method: str, row: dict, d: Path, exact: np.ndarray, exact_t: np.ndarray) -> dict:
    out = {k: row[k] for k in ("train_seconds", "samples_per_second", "eval_us_per_point") if k in row}
    score = np.load(d / row["score"])
    if method == "sally":
        out["mse_score_at_theta1"] = float(np.mean((score - exact_t[GRID == THETA1][0]) ** 2))
        return out
    log_r = np.load(d / row["log_r"])
    out["mse_log_r"] = float(np.mean((log_r - exact) ** 2))
    out["mse_score"] = float(np.mean((score - exact_t) ** 2))
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--madminer-python", required=True, help="the interpreter of MadMiner's own venv")
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--test-events", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--hidden", default="64,64")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "ratio_madminer.json")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    toy = QuadraticToy()
    arrays = toy_arrays(toy, args.events, args.test_events, args.seed)
    sample, local_x, local_t, x_test, exact, exact_t = arrays
    config = RatioConfig(hidden=tuple(int(h) for h in args.hidden.split(",")), epochs=args.epochs,
                         batch_size=args.batch_size, seed=args.seed, threads=1)
    n_train = args.events - int(round(config.validation_fraction * args.events))
    methods = args.methods.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        for name, value in (("x", sample.x), ("theta", sample.theta), ("y", sample.y[:, None]),
                            ("r_xz", sample.r_xz[:, None]), ("t_xz", sample.t_xz), ("local_x", local_x),
                            ("local_t", local_t), ("x_test", x_test[:, None]), ("grid", GRID[:, None])):
            np.save(d / f"{name}.npy", np.asarray(value, dtype=np.float64))
        ours = {}
        for method in methods:
            row = _ours(method, arrays, config)
            row["samples_per_second"] = n_train * row["epochs"] / row["train_seconds"]
            ours[method] = row
            print("ours", method, {k: round(v, 5) for k, v in row.items()}, flush=True)
        cmd = [args.madminer_python, str(Path(__file__).with_name("madminer_side.py")), str(d), "--methods",
               ",".join(methods), "--epochs", str(args.epochs), "--batch-size", str(args.batch_size), "--hidden",
               args.hidden]
        subprocess.run(cmd, check=True)
        side = json.loads((d / "madminer.json").read_text())
        probe = "import importlib.metadata as m; print(m.version('madminer'), m.version('torch'))"
        versions = subprocess.run([args.madminer_python, "-c", probe], capture_output=True, text=True,
                                  check=True).stdout.split()
        theirs = {m: _theirs(m, side["methods"][m], d, exact, exact_t) for m in methods}
    rows = {}
    for m in methods:
        a, b = ours[m], theirs[m]
        key = "mse_log_r" if "mse_log_r" in a else "mse_score_at_theta1"
        rows[m] = {"ours": a, "madminer": b, "mse_ratio_ours_over_madminer": a[key] / b[key],
                   "throughput_ratio": a["samples_per_second"] / b["samples_per_second"]}
        if "eval_us_per_point" in a and "eval_us_per_point" in b:
            rows[m]["eval_cost_ratio_madminer_over_ours"] = b["eval_us_per_point"] / a["eval_us_per_point"]
    out = {
        "ratio_madminer": {"events": args.events, "n_train": n_train, "test_events": args.test_events,
                           "epochs": args.epochs, "batch_size": args.batch_size, "hidden": args.hidden,
                           "grid": GRID.tolist(), "methods": rows, "madminer_config": side["config"],
                           "madminer_version": versions[0], "madminer_torch": versions[1]},
        "command": " ".join(["python", "benchmarks/ratio/madminer_compare.py", *(argv or sys.argv[1:])]),
        "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count(),
                    "load_average": list(os.getloadavg())},
        "code_revision": code_revision(),
        "versions": package_versions(("numpy", "torch", "hepsurrogates")),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    for m, r in rows.items():
        print(f"{m:7s} MSE ours/MadMiner {r['mse_ratio_ours_over_madminer']:.3f}, training throughput "
              f"{r['throughput_ratio']:.1f}x", flush=True)
    return out


if __name__ == "__main__":
    main()
