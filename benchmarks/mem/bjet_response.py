"""Mean b-jet energy response of the detector model: reconstructed jet / b-parton energy.

    python benchmarks/mem/bjet_response.py --files WORKDIR/hza_261.40_150.50/hza_llbb_13_0000.root

The number behind ``hepsurrogates.datasets.teachers.mem.transfer.BJET_RESPONSE`` (0.871) and
``teach mem --bjet-response``: each parton-level b quark of the ``hza_llbb`` (or
``ttbar_dilepton``) teacher record with p_T > 30 GeV is matched to the nearest reconstructed jet
(and GenJet) within ΔR < 0.2; prints the median and mean of E_jet / E_b and a robust width.
"""

from __future__ import annotations

import argparse
import json

import awkward as ak
import numpy as np
import uproot


def ratios(path: str, collection: str) -> np.ndarray:
    t = uproot.open(path)["Events"]
    fields = [f"{collection}_{v}" for v in ("pt", "eta", "phi")]
    quarks = [f"Teacher_{q}_{c}" for q in ("b", "bbar") for c in ("px", "py", "pz", "e")]
    a = t.arrays(fields + quarks)
    out = []
    for q in ("b", "bbar"):
        px, py, pz, e = (a[f"Teacher_{q}_{c}"] for c in ("px", "py", "pz", "e"))
        pt = np.hypot(px, py)
        eta, phi = np.arcsinh(pz / pt), np.arctan2(py, px)
        jpt, jeta, jphi = (a[f] for f in fields)
        dphi = (jphi - phi + np.pi) % (2 * np.pi) - np.pi
        dr = np.sqrt((jeta - eta) ** 2 + dphi**2)
        best = ak.argmin(dr, axis=1, keepdims=True)
        ok = ak.to_numpy(ak.fill_none(ak.firsts(dr[best]) < 0.2, False)) & (ak.to_numpy(pt) > 30.0)
        je = ak.to_numpy(ak.fill_none(ak.firsts((jpt * np.cosh(jeta))[best]), np.nan))
        out.append((je / ak.to_numpy(e))[ok])
    return np.concatenate(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", nargs="+", required=True)
    args = ap.parse_args()
    result = {}
    for coll in ("Jet", "GenJet"):
        r = np.concatenate([ratios(f, coll) for f in args.files])
        q25, q50, q75 = np.quantile(r, [0.25, 0.5, 0.75])
        result[coll] = {"n": int(len(r)), "median": float(q50), "mean": float(np.mean(r)),
                        "iqr_over_1.35": float((q75 - q25) / 1.35)}
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
