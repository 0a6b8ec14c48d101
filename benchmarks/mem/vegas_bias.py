"""Bias of the tt̄ MEM teacher against precise reference weights, for both ways of combining VEGAS
iterations (:mod:`hepsurrogates.datasets.teachers.mem.vegas_driver`).

Run (single-threaded, about 5 minutes for 30 events on one core):

    python benchmarks/mem/vegas_bias.py --fileset /work/data/fileset_ttdy_val.json \\
        --events 30 --out benchmarks/results/mem_vegas_bias.json

On the first ``--events`` ℓℓbb events of the fileset: reference tt̄ weights at
``--reference-accuracy`` (default 0.2 %, point-weighted combination, 20 M evaluations at most,
seed 99, default phase-space channels); then the teacher at each ``--accuracy`` (default 1 % and
5 %, seed 7) with the point-weighted combination (the default) and with inverse-variance weighting
(VEGAS' and Cuba's own average), and with Block D as its only phase-space channel (the teacher
before :mod:`hepsurrogates.datasets.teachers.mem.tt_channels`). For each: converged events, the mean and median of
w/w_ref − 1 and the mean and
standard deviation of the pull (w − w_ref)/√(σ² + σ_ref²) over the events where both converged,
and the mean evaluations per event. An unbiased teacher with honest errors has mean pull ≈ 0 and
pull standard deviation ≈ 1.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402

import numpy as np  # noqa: E402

from hepsurrogates.datasets.teachers.mem import tt_weights  # noqa: E402
from hepsurrogates.datasets.teachers.mem.tt_channels import CHANNEL_WEIGHTS  # noqa: E402
from hepsurrogates.families.mem.llbb import llbb_numpy  # noqa: E402
from hepsurrogates.provenance import provenance_record  # noqa: E402
from hepsurrogates.training.mem.validation import llbb_events  # noqa: E402

#: Block D as the only phase-space channel (the teacher before the multi-channel integrand)
BLOCK_D_ONLY = (1.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def _summary(res, ref) -> dict:
    both = res.converged & ref.converged
    rel = res.weight[both] / ref.weight[both] - 1.0
    pull = (res.weight[both] - ref.weight[both]) / np.hypot(res.error[both], ref.error[both])
    return {
        "converged": int(np.sum(res.converged)),
        "compared": int(np.sum(both)),
        "mean_relative_deviation": float(np.mean(rel)),
        "median_relative_deviation": float(np.median(rel)),
        "mean_pull": float(np.mean(pull)),
        "pull_std": float(np.std(pull)),
        "standard_error_of_mean_pull": float(np.std(pull) / np.sqrt(max(len(pull), 1))),
        "mean_evaluations": float(np.mean(res.n_eval)),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fileset", required=True, help="fileset JSON of tt̄ events")
    ap.add_argument("--events", type=int, default=30)
    ap.add_argument("--reference-accuracy", type=float, default=0.002)
    ap.add_argument("--accuracy", type=float, nargs="+", default=[0.01, 0.05])
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    rec, _, _ = llbb_events(args.fileset)
    arr = llbb_numpy(rec[: args.events])
    objs = (arr.lep_minus, arr.lep_plus, arr.bjets, arr.met)
    ref = tt_weights(*objs, rel_accuracy=args.reference_accuracy, max_neval=20_000_000, seed=99)
    out: dict = {
        "command": f"python benchmarks/mem/vegas_bias.py --fileset {args.fileset} --events {args.events} "
        f"--reference-accuracy {args.reference_accuracy} --accuracy "
        + " ".join(map(str, args.accuracy))
        + f" --out {args.out}",
        "events": args.events,
        "reference": {
            "rel_accuracy": args.reference_accuracy,
            "converged": int(np.sum(ref.converged)),
            "median_relative_error": float(np.median(ref.relative_error)),
            "mean_evaluations": float(np.mean(ref.n_eval)),
        },
        "teacher": {},
    }
    for acc in args.accuracy:
        for weighting, channels in (("points", "default"), ("inverse_variance", "default"), ("points", "block_d")):
            alpha = CHANNEL_WEIGHTS if channels == "default" else BLOCK_D_ONLY
            res = tt_weights(*objs, rel_accuracy=acc, seed=7, weighting=weighting, channel_weights=alpha)
            key = f"{acc:g}/{weighting}" + ("" if channels == "default" else "/block_d")
            out["teacher"][key] = {
                "rel_accuracy": acc,
                "weighting": weighting,
                "channels": channels,
                "channel_weights": list(alpha),
                **_summary(res, ref),
            }
            print(key, out["teacher"][key], flush=True)
    out["provenance"] = provenance_record()
    with open(args.out, "w") as fh:
        json.dump(out, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
