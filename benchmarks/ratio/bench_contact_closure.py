"""The dy_contact gold against Pythia: each sample reweighted to another θ against Pythia's own sample there.

Generates the hard process of ``dy_contact`` (m_ll > ``--mll-min`` GeV) at the SM and at the contact
points c_LL = −0.04 and c_LR = +0.04 TeV⁻² (Λ = 5 TeV, η = ∓1), ``--events`` each, and reports, for
every ordered pair, the cross-section ratio from the reweighting against Pythia's, the m_ll and
cos θ* shape χ², the largest weight and the effective sample size
(:func:`hepsurrogates.datasets.teachers.ratio.closure.reweighting_closure`), and the generation
rate. Writes ``benchmarks/results/ratio_contact_closure.json``.

    python benchmarks/ratio/bench_contact_closure.py --events 150000
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

from hepsurrogates.datasets.teachers.ratio.closure import hard_process_events, reweighting_closure
from hepsurrogates.provenance import code_revision, package_versions

ROOT = Path(__file__).resolve().parents[2]
POINTS = {"SM": (0.0, 0.0), "cLL=-0.04": (-1.0, 0.0), "cLR=+0.04": (0.0, 1.0)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=150_000, help="hard processes per point")
    parser.add_argument("--mll-min", type=float, default=400.0)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "ratio_contact_closure.json")
    args = parser.parse_args(argv)
    samples, seconds = {}, {}
    for k, (name, (eta_ll, eta_lr)) in enumerate(POINTS.items()):
        t0 = time.perf_counter()
        samples[name] = hard_process_events({"eta_ll": eta_ll, "eta_lr": eta_lr, "mll_min": args.mll_min},
                                            args.events, args.seed + k)
        seconds[name] = time.perf_counter() - t0
    pairs = {f"{a} -> {b}": reweighting_closure(samples[a], samples[b]) for a in POINTS for b in POINTS if a != b}
    out = {
        "ratio_contact_closure": {
            "events": args.events, "mll_min": args.mll_min, "seed": args.seed,
            "points": {n: list(p) for n, p in POINTS.items()},
            "sigma_pb": {n: s["sigma_pb"] for n, s in samples.items()},
            "events_per_second": {n: args.events / seconds[n] for n in POINTS},
            "pairs": pairs,
        },
        "command": " ".join(["python", "benchmarks/ratio/bench_contact_closure.py", *(argv or sys.argv[1:])]),
        "machine": platform.platform(),
        "code_revision": code_revision(),
        "versions": package_versions(("numpy", "pythia8mc", "hepsurrogates")),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    for name, c in pairs.items():
        print(f"{name:22s} sigma ratio {c['sigma_ratio_reweighted']:.4f} +- {c['sigma_ratio_reweighted_err']:.4f} "
              f"(Pythia {c['sigma_ratio_pythia']:.4f} +- {c['sigma_ratio_pythia_err']:.4f}, pull {c['pull']:+.2f}); "
              f"chi2 m_ll {c['chi2_mll']:.1f}, cos {c['chi2_cos_theta']:.1f} / {c['ndf']}; "
              f"N_eff {c['effective_events']:.0f}")
    return out


if __name__ == "__main__":
    main()
