"""The shipped ratio bundles on independent dy_contact samples: closure, Fisher information, expected limits.

Reads (or generates, ``--events`` per point, seeds 41–45, MPI off) one ``dy_contact`` sample at each of
the five training points, none of which any training used, and reports:

* the closure E_SM[r̂(x|θ, SM)] = 1 on a grid of θ (events weighted to the SM) and E_SM[t̂(x|SM)] = 0 for
  SALLY, with their standard errors;
* :func:`hepsurrogates.training.ratio.limits_study.expected_limits` at ``--lumi`` fb⁻¹ (Asimov data at the
  SM): the 68 % / 95 % areas and profiled intervals of the unbinned ratio likelihood, the SALLY-score
  histogram and the m_ll × cos θ* histogram, and the Fisher informations (joint score, SALLY, the ratio
  bundle's slope, both histograms);
* the evaluation cost per (x, θ) point of the ratio bundle, batched (onnxruntime, one thread).

Writes ``benchmarks/results/ratio_contact_limits.json``.

    python benchmarks/ratio/bench_contact_limits.py --events 10000 --lumi 10
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

from hepsurrogates.models.shipped import load_shipped
from hepsurrogates.provenance import code_revision, package_versions
from hepsurrogates.training.ratio.data import load_contact_events
from hepsurrogates.training.ratio.limits_study import expected_limits
from hepsurrogates.training.samples import DataSpec, resolve

ROOT = Path(__file__).resolve().parents[2]
POINTS = ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1))
GRID = ((-0.01, 0.0), (0.01, 0.0), (0.0, -0.01), (0.0, 0.01), (0.005, 0.005), (-0.005, 0.005))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000, help="events per point")
    parser.add_argument("--lumi", type=float, default=10.0, help="fb^-1")
    parser.add_argument("--samples-dir", type=Path, default=ROOT / "samples")
    parser.add_argument("--resolution", type=int, default=41)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "ratio_contact_limits.json")
    args = parser.parse_args(argv)
    filesets = []
    for k, (a, b) in enumerate(POINTS):
        spec = DataSpec("dy_contact", args.events, 41 + k, options={"eta_ll": float(a), "eta_lr": float(b), "mpi": 0.0})
        resolve(spec, args.samples_dir, progress=False)
        filesets.append(str(spec.directory(args.samples_dir) / "fileset.json"))
    events = load_contact_events(filesets)
    ratio, sally = load_shipped("ratio_dycontact_alices"), load_shipped("ratio_dycontact_sally")
    sm = np.zeros(2)
    closure = []
    for theta in GRID:
        feats = np.hstack([events.x, np.broadcast_to(theta, (len(events.x), 2))]).astype(np.float32)
        mean, err = events.expectation(np.exp(ratio.predict(feats).astype(np.float64)), sm)
        closure.append({"theta": list(theta), "mean_r": float(mean), "error": float(err)})
    t_hat = sally.predict(events.x.astype(np.float32)).astype(np.float64)
    mean_t, err_t = events.expectation(t_hat, sm)
    summary, _ = expected_limits(events, ratio, sally, args.lumi, resolution=args.resolution)
    feats = np.hstack([events.x, np.zeros((len(events.x), 2))]).astype(np.float32)
    ratio.predict(feats[:100])
    t0 = time.perf_counter()
    for _ in range(5):
        ratio.predict(feats)
    per_point_us = (time.perf_counter() - t0) / (5 * len(feats)) * 1e6
    out = {
        "ratio_contact_limits": {
            "events_per_point": args.events, "selected_events": len(events.x), "closure_r": closure,
            "mean_score_sally": {"value": mean_t.tolist(), "error": err_t.tolist()}, "limits": summary,
            "ratio_eval_us_per_point": per_point_us,
        },
        "command": " ".join(["python", "benchmarks/ratio/bench_contact_limits.py", *(argv or sys.argv[1:])]),
        "machine": platform.platform(),
        "code_revision": code_revision(),
        "versions": package_versions(("numpy", "onnxruntime", "pythia8mc", "hepsurrogates")),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out["ratio_contact_limits"], indent=1)[:4000])
    return out


if __name__ == "__main__":
    main()
