"""ClassicSVfit (the numpy/VEGAS re-implementation) against FastMTT and m_ML on the same events.

Run (single-threaded numpy and onnxruntime, as on one analysis-facility core):

    python benchmarks/ditau/bench_svfit.py --out benchmarks/results/ditau_svfit.json

In one run, on the demo samples' reconstructed events (``htautau``: every event with a di-τ
pair; ``dy_ll``: the Z/γ* → ττ ones):

* time per event of SVfit at ClassicSVfit's default precision (100 000 integrand calls), of
  FastMTT (2019 variant, best of 3) and of m_ML (the shipped ONNX bundle, one batch, best of 3);
* per channel, the median response m/m_true and the relative resolution
  100·½(q84 − q16)/median of m/m_true (unbinned: a few hundred events do not fill 10 GeV bins),
  and the rate at which m_true lies inside SVfit's own central 68 % interval [q16, q84];
* the Z → ττ peak (80 < m_true < 100 GeV) of each on ``dy_ll``;
* the reference event of ``bin/testClassicSVfit.cc`` over ``--seeds`` seeds (ClassicSVfit:
  115.746 ± 87.0011 GeV) and the generator-level closure (``svfit_closure``) on ``--gen-events``
  for the log-M power κ = 6 (ClassicSVfit's default), 3 and 0.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from hepsurrogates.models.ditau.fastmtt import fastmtt_mass  # noqa: E402
from hepsurrogates.models.ditau.features import CHANNELS  # noqa: E402
from hepsurrogates.models.ditau.svfit import DEFAULT_N_EVAL, svfit_integrate, svfit_mass  # noqa: E402
from hepsurrogates.models.ditau.svfit_closure import gen_ditau_events  # noqa: E402
from hepsurrogates.models.ditau.svfit_integrand import make_event  # noqa: E402
from hepsurrogates.models.shipped import load_shipped  # noqa: E402
from hepsurrogates.processors.demo import demo_fileset  # noqa: E402
from hepsurrogates.provenance import provenance_record  # noqa: E402
from hepsurrogates.training.ditau.data import load_ditau_dataset  # noqa: E402
from hepsurrogates.training.ditau.report import z_peak_metrics  # noqa: E402

REFERENCE = ((33.7393, 0.9409, -0.541458, 0.51100e-3, False), (25.7322, 0.618228, 2.79362, 0.13957, True),
             11.7491, -51.9172, 787.352, -178.63, 179.545)


def _best(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _legs(data):
    lg = data.legs
    return (lg["leg1_pt"], lg["leg1_eta"], lg["leg1_phi"], lg["leg1_mass"], lg["leg1_hadronic"],
            lg["leg2_pt"], lg["leg2_eta"], lg["leg2_phi"], lg["leg2_mass"], lg["leg2_hadronic"],
            lg["met_x"], lg["met_y"], lg["cov_xx"], lg["cov_xy"], lg["cov_yy"])


def _resolution(pred: np.ndarray, true: np.ndarray) -> dict:
    ok = np.isfinite(pred) & (true > 0)
    if ok.sum() < 10:
        return {"n_events": int(ok.sum())}
    q16, q50, q84 = np.quantile(pred[ok] / true[ok], [0.16, 0.5, 0.84])
    return {"n_events": int(ok.sum()), "median_response": float(q50),
            "resolution_percent": float(100.0 * 0.5 * (q84 - q16) / q50)}


def _estimates(data, bundle, n_eval: int) -> tuple[dict, dict, dict]:
    args = _legs(data)
    t0 = time.perf_counter()
    sv = svfit_mass(*args, n_eval=n_eval)
    t_sv = time.perf_counter() - t0
    t_f = _best(lambda: fastmtt_mass(*args), 3)
    t_m = _best(lambda: bundle.predict(data.x, threads=1), 3)
    est = {"SVfit": sv["mass"], "FastMTT": fastmtt_mass(*args), "m_ML": bundle.predict(data.x, threads=1)}
    n = len(data)
    timing = {"events": n, "svfit_ms_per_event": 1e3 * t_sv / n, "fastmtt_ms_per_event": 1e3 * t_f / n,
              "m_ml_ms_per_event": 1e3 * t_m / n, "svfit_calls_per_event": n_eval}
    return est, sv, timing


def bench(args: argparse.Namespace) -> dict:
    fs = demo_fileset()
    bundle = load_shipped("ditau_mass", family="ditau")
    bundle.session(threads=1)
    h = load_ditau_dataset(list(fs["htautau"]["files"]), progress=False)
    h = h.subset(np.arange(min(args.events, len(h))))
    est, sv, timing = _estimates(h, bundle, args.n_eval)
    timing["svfit_over_m_ml"] = timing["svfit_ms_per_event"] / timing["m_ml_ms_per_event"]
    timing["svfit_over_fastmtt"] = timing["svfit_ms_per_event"] / timing["fastmtt_ms_per_event"]
    inside = (h.target >= sv["q16"]) & (h.target <= sv["q84"])
    per_channel = {}
    for code, ch in enumerate(CHANNELS):
        m = h.channel == code
        if m.sum() < 10:
            continue
        per_channel[ch] = {name: _resolution(p[m], h.target[m]) for name, p in est.items()}
        per_channel[ch]["svfit_68_coverage"] = float(inside[m].mean())
    result = {
        "htautau": {"events": len(h), "timing": timing,
                    "all": {name: _resolution(p, h.target) for name, p in est.items()},
                    "svfit_68_coverage": float(inside.mean()), "per_channel": per_channel},
    }
    d = load_ditau_dataset(list(fs["dy_ll"]["files"]), progress=False)
    d = d.subset(np.nonzero(d.lhe_tautau)[0][: args.z_events])
    z_est, _, z_timing = _estimates(d, bundle, args.n_eval)
    result["dy_ll_tautau"] = {"events": len(d), "z_peak": z_peak_metrics(z_est, d.target),
                              "svfit_ms_per_event": z_timing["svfit_ms_per_event"]}
    ev = make_event(*REFERENCE, decay_modes=(-1, 0))
    ref = [svfit_integrate(ev, seed=s) for s in range(args.seeds)]
    masses = np.array([r.mass for r in ref])
    values, counts = np.unique(np.round(masses, 3), return_counts=True)
    result["reference_event"] = {
        "published_mass": 115.746, "published_uncertainty": 87.0011, "seeds": args.seeds,
        "mass_mean": float(masses.mean()), "mass_std_over_seeds": float(masses.std(ddof=1)),
        "mass_values": {f"{v:.3f}": int(c) for v, c in zip(values, counts)},
        "mass_mc_error_mean": float(np.mean([r.mass_mc_error for r in ref])),
        "uncertainty_mean": float(np.mean([r.mass_uncertainty for r in ref])),
        "uncertainty_std_over_seeds": float(np.std([r.mass_uncertainty for r in ref], ddof=1)),
    }
    g = gen_ditau_events(next(iter(fs["htautau"]["files"])), args.gen_events, seed=2)
    l1, l2 = g.legs
    result["generator_closure"] = {"events": len(g), "coverage_binomial_error": float(np.sqrt(0.68 * 0.32 / len(g))),
                                   "by_kappa": {}}
    for kappa in (6.0, 3.0, 0.0):  # 6: ClassicSVfit's default (the teacher); the others show the log-M prior
        gr = svfit_mass(*l1[:5], *l2[:5], g.met_x, g.met_y, *g.cov, n_eval=args.n_eval, kappa=kappa)
        result["generator_closure"]["by_kappa"][f"{kappa:g}"] = {
            "svfit_68_coverage": float(((g.true_mass >= gr["q16"]) & (g.true_mass <= gr["q84"])).mean()),
            "true_below_q16": float((g.true_mass < gr["q16"]).mean()),
            "true_above_q84": float((g.true_mass > gr["q84"]).mean()),
            **_resolution(gr["mass"], g.true_mass)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=600, help="htautau demo events (at most)")
    parser.add_argument("--z-events", type=int, default=300, help="dy_ll demo tau-tau events (at most)")
    parser.add_argument("--gen-events", type=int, default=300)
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--n-eval", type=int, default=DEFAULT_N_EVAL)
    parser.add_argument("--out", default="benchmarks/results/ditau_svfit.json")
    args = parser.parse_args()
    t0 = time.perf_counter()
    result = {"benchmark": "ditau_svfit", "machine": {"cpus": os.cpu_count(), "processor": platform.machine()},
              "threads": 1, "provenance": provenance_record(), **bench(args)}
    result["wall_seconds"] = round(time.perf_counter() - t0, 1)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "provenance"}, indent=2))


if __name__ == "__main__":
    main()
