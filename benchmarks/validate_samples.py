"""Physics validation numbers of generated samples (the quantities the tests assert), as JSON.

Run on any generated filesets (bigger samples than the tests use give tighter numbers):

    python benchmarks/validate_samples.py --htautau samples/htautau/fileset.json \\
        --dy samples/dy_ll/fileset.json --files 3 --out benchmarks/results/sample_validation.json

Reports: τ decay fractions with their pulls against PDG; the χ² p-value of the flat Higgs
mass; the largest |GenMET − Σν| / GenMET; the mean of (MET − GenMET)ᵀ V⁻¹ (MET − GenMET) in events
without muons (2 if the covariance is right); the fitted Gaussian-core widths of muon and jet
p_T pulls (1 if the resolution model closes); the τ_h identification efficiency (0.6 by design);
and the di-τ channel fractions.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import awkward as ak
import numpy as np
from scipy import special, stats

from hepsurrogates.datasets.detector import resolution as res
from hepsurrogates.datasets.detector.jets import RESPONSE_MEAN
from hepsurrogates.fileset import load_fileset
from hepsurrogates.nanoio import open_events

PDG_TAU_BR = {"e": 0.1782, "mu": 0.1739, "pi": 0.1082, "pi_pi0": 0.2549, "pi_2pi0": 0.0926, "3pi": 0.0899}
_MODES = {(11, 12, 16): "e", (13, 14, 16): "mu", (16, 211): "pi", (16, 111, 211): "pi_pi0",
          (16, 111, 111, 211): "pi_2pi0", (16, 211, 211, 211): "3pi"}


def _files(fileset: str, n: int) -> list[str]:
    (ds,) = load_fileset(fileset).values()
    return sorted(ds["files"])[:n]


def _core_width(x: np.ndarray, lo: float, hi: float) -> tuple[float, float]:
    """Truncated-Gaussian ML width (and error) by a simple Newton-free grid refinement."""
    x = x[(x >= lo) & (x <= hi)]
    best = None
    for mu in np.linspace(np.median(x) - 0.1, np.median(x) + 0.1, 41):
        for s in np.linspace(0.5 * x.std(), 2.0 * x.std(), 121):
            a, b = (lo - mu) / s, (hi - mu) / s
            nll = np.sum(0.5 * ((x - mu) / s) ** 2) + len(x) * np.log(s * (special.ndtr(b) - special.ndtr(a)))
            if best is None or nll < best[0]:
                best = (nll, mu, s)
    return float(best[2]), float(best[2] / np.sqrt(2 * len(x)))


def validate(htautau: list[str], dy: list[str]) -> dict:
    out: dict = {"files": {"htautau": htautau, "dy_ll": dy}}
    modes: list[str] = []
    masses, chi2, mu_pull, jet_z = [], [], [], []
    n_acc = n_id = 0
    genmet_dev = 0.0
    channels: list[str] = []
    for path in htautau + dy:
        ev = open_events(path)
        gp = ev.GenPart
        nu = gp[(gp.status == 1) & ((abs(gp.pdgId) == 12) | (abs(gp.pdgId) == 14) | (abs(gp.pdgId) == 16))]
        sx = ak.to_numpy(ak.sum(nu.pt * np.cos(nu.phi), axis=1))
        sy = ak.to_numpy(ak.sum(nu.pt * np.sin(nu.phi), axis=1))
        gx = ak.to_numpy(ev.GenMET.pt * np.cos(ev.GenMET.phi))
        gy = ak.to_numpy(ev.GenMET.pt * np.sin(ev.GenMET.phi))
        genmet_dev = max(
            genmet_dev, float(np.max(np.hypot(sx - gx, sy - gy) / np.maximum(ak.to_numpy(ev.GenMET.pt), 1.0)))
        )
        no_mu = ~ak.to_numpy(ak.any((gp.status == 1) & (abs(gp.pdgId) == 13) & (gp.pt > 3), axis=1))
        mx = ak.to_numpy(ev.MET.pt * np.cos(ev.MET.phi)).astype(float)
        my = ak.to_numpy(ev.MET.pt * np.sin(ev.MET.phi)).astype(float)
        cxx, cxy, cyy = (ak.to_numpy(getattr(ev.MET, k)).astype(float) for k in ("covXX", "covXY", "covYY"))
        dx, dy_ = mx - gx, my - gy
        c2 = (dx * dx * cyy - 2 * dx * dy_ * cxy + dy_ * dy_ * cxx) / (cxx * cyy - cxy * cxy)
        chi2.append(c2[no_mu])
        mu = ev.Muon[ev.Muon.genPartIdx >= 0]
        rp, gpt, geta = (
            ak.to_numpy(ak.flatten(a)).astype(float) for a in (mu.pt, mu.matched_gen.pt, mu.matched_gen.eta)
        )
        mu_pull.append((rp / gpt - 1) / res.muon_pt_resolution(gpt, geta))
        jet = ev.Jet[ev.Jet.genJetIdx >= 0]
        rp, gpt, geta = (
            ak.to_numpy(ak.flatten(a)).astype(float) for a in (jet.pt, jet.matched_gen.pt, jet.matched_gen.eta)
        )
        keep = gpt > 40
        jet_z.append(((rp / gpt - 1) / res.jet_pt_resolution(gpt, geta) + RESPONSE_MEAN)[keep])
        if path in htautau:
            masses.append(ak.to_numpy(ev.Teacher.mTauTau))
            taus = gp[(abs(gp.pdgId) == 15) & gp.hasFlags(["isLastCopy"])]
            kids = taus.children
            direct = kids[kids.hasFlags(["isDirectTauDecayProduct"])]
            modes += [
                _MODES.get(tuple(sorted(abs(i) for i in ids)), "other")
                for ids in ak.to_list(ak.flatten(direct.pdgId, axis=1))
            ]
            hard = gp[(abs(gp.pdgId) == 15) & gp.hasFlags(["isLastCopy", "fromHardProcess"])]
            k2 = abs(hard.children.pdgId)
            leg = ak.where(ak.any(k2 == 11, axis=2), "e", ak.where(ak.any(k2 == 13, axis=2), "m", "t"))
            channels += ["".join(sorted(a + b, key="emt".index)) for a, b in ak.to_list(leg)]
            vis = ev.GenVisTau
            acc = (vis.pt > 25) & (abs(vis.eta) < 2.1)
            taus_id = ev.Tau[(ev.Tau.genPartFlav == 5) & (ev.Tau.idDeepTau2018v2p5VSjet >= 5)]
            idx = ak.local_index(vis)[acc]
            n_acc += int(ak.sum(acc))
            n_id += int(ak.sum(ak.any(taus_id.genPartIdx[:, :, None] == idx[:, None, :], axis=1)))
    n = len(modes)
    out["tau_decays"] = {
        "n": n,
        **{
            m: {
                "fraction": sum(x == m for x in modes) / n,
                "pdg": br,
                "pull": (sum(x == m for x in modes) - n * br) / np.sqrt(n * br * (1 - br)),
            }
            for m, br in PDG_TAU_BR.items()
        },
    }
    m = np.concatenate(masses)
    counts, _ = np.histogram(m, bins=19, range=(50, 1000))
    out["flat_mass"] = {
        "n": int(len(m)),
        "chi2": float(stats.chisquare(counts).statistic),
        "ndf": 18,
        "p_value": float(stats.chisquare(counts).pvalue),
    }
    out["genmet_max_relative_deviation"] = genmet_dev
    c = np.concatenate(chi2)
    out["met_pull_chi2"] = {
        "n": int(len(c)),
        "mean": float(c.mean()),
        "error": float(c.std() / np.sqrt(len(c))),
        "expected": 2.0,
    }
    w, e = _core_width(np.concatenate(mu_pull), -3.0, 3.0)
    out["muon_pull_core_width"] = {"value": w, "error": e, "expected": 1.0}
    w, e = _core_width(np.concatenate(jet_z), -1.5, 1.5)
    out["jet_pull_core_width"] = {"value": w, "error": e, "expected": 1.0}
    out["tau_id_efficiency"] = {
        "n": n_acc,
        "value": n_id / n_acc,
        "error": float(np.sqrt(0.6 * 0.4 / n_acc)),
        "expected": 0.6,
    }
    out["ditau_channels"] = {
        ch: sum(x == ch for x in channels) / len(channels) for ch in ("tt", "mt", "et", "em", "mm", "ee")
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--htautau", required=True)
    parser.add_argument("--dy", required=True)
    parser.add_argument("--files", type=int, default=3)
    parser.add_argument("--out", default="benchmarks/results/sample_validation.json")
    args = parser.parse_args()
    result = validate(_files(args.htautau, args.files), _files(args.dy, args.files))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "files"}, indent=2))


if __name__ == "__main__":
    main()
