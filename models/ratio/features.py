r"""The observables x of the ``ratio`` family's Drell–Yan EFT: m_ℓℓ, cos θ*_CS and y_ℓℓ of a reco lepton pair.

The one definition used by training and by processing (PHYSICS.md §2; the observables of the CMS
and ATLAS dilepton contact-interaction searches). All operations are awkward high-level functions,
so the same code runs on eager, virtual and dask-awkward NanoEvents and reads only
:data:`FEATURE_BRANCHES`.

Selection (:data:`SELECTION`): muons with p_T > 20 GeV, \|η\| < 2.4, ``tightId`` and
``pfRelIso04_all`` < 0.15; electrons with p_T > 20 GeV, \|η\| < 2.5, ``cutBased`` ≥ 3 (medium) and
``pfRelIso03_all`` < 0.15. The pair is the leading two muons if they have opposite charge, else the
leading two electrons if they do (μμ first: the better resolution); the leading lepton needs
p_T > 25 GeV and the pair m_ℓℓ > 400 GeV, above the generator cut of the training sample (350 GeV)
by many resolutions. An event with such a pair is *valid*.

The observables, in the bundle's order (:data:`FEATURE_NAMES`):

* ``mll`` (GeV): the pair's invariant mass;
* ``cosThetaCS``: the ℓ⁻ polar angle in the Collins–Soper frame, signed by the pair's p_z (the
  quark direction is most often the boost's),
  :math:`\cos\theta^*_{CS} = \mathrm{sign}(p_{z,\ell\ell})\,
  \frac{2(P_1^+P_2^- - P_1^-P_2^+)}{m_{\ell\ell}\sqrt{m_{\ell\ell}^2 + p_{T,\ell\ell}^2}}`,
  :math:`P^\pm = (E \pm p_z)/\sqrt 2`, 1 the ℓ⁻ and 2 the ℓ⁺ (Collins, Soper, PRD 16 (1977) 2219);
* ``yll``: the pair's rapidity.
"""

from __future__ import annotations

from typing import Any

import awkward as ak
import numpy as np

__all__ = ["FEATURE_NAMES", "UNITS", "SELECTION", "FEATURE_BRANCHES", "PROBE_BRANCH", "dilepton", "ratio_features",
           "feature_matrix", "missing_branches"]

FEATURE_NAMES: tuple[str, ...] = ("mll", "cosThetaCS", "yll")
UNITS: tuple[str, ...] = ("GeV", "1", "1")
SELECTION = {"lepton_pt": 20.0, "leading_pt": 25.0, "muon_eta": 2.4, "electron_eta": 2.5, "muon_iso": 0.15,
             "electron_iso": 0.15, "electron_id": 3, "mll_min": 400.0}

_MUON = ("pt", "eta", "phi", "mass", "charge", "tightId", "pfRelIso04_all")
_ELECTRON = ("pt", "eta", "phi", "mass", "charge", "cutBased", "pfRelIso03_all")
#: the branches the observables read
FEATURE_BRANCHES: tuple[str, ...] = ("nMuon", *(f"Muon_{f}" for f in _MUON),
                                     "nElectron", *(f"Electron_{f}" for f in _ELECTRON))
#: a branch every observable depends on (the family-contract test removes it)
PROBE_BRANCH = "Muon_pt"


def missing_branches(available: Any) -> list[str]:
    """The :data:`FEATURE_BRANCHES` absent from ``available`` (events, or branch names)."""
    if hasattr(available, "fields"):
        names = set()
        for coll in ("Muon", "Electron"):
            if coll in available.fields:
                names |= {f"{coll}_{f}" for f in available[coll].fields} | {f"n{coll}"}
    else:
        names = set(available)
    return [b for b in FEATURE_BRANCHES if b not in names]


def _leading_pair(coll: Any) -> tuple[dict[str, Any], dict[str, Any], Any, Any, Any]:
    """The four-momenta of the leading two objects of ``coll`` (zero where absent), whether the first
    is negative, its p_T, and whether the two are an opposite-charge pair."""
    padded = ak.pad_none(coll, 2, axis=1)
    a, b = padded[:, 0], padded[:, 1]
    ok = ak.fill_none((ak.num(coll, axis=1) >= 2) & (a.charge * b.charge < 0), False)
    return _p4(a), _p4(b), ak.fill_none(a.charge < 0, True), ak.fill_none(a.pt, 0.0), ok


def _p4(obj: Any) -> dict[str, Any]:
    pt, eta, phi, m = (ak.fill_none(ak.values_astype(obj[f], np.float64), 0.0) for f in ("pt", "eta", "phi", "mass"))
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    return {"px": px, "py": py, "pz": pz, "e": np.sqrt(px**2 + py**2 + pz**2 + m**2)}


def dilepton(events: Any) -> dict[str, Any]:
    """The selected pair of every event (module docstring): ``valid`` and the ℓ⁻, ℓ⁺ four-momenta
    (``minus``/``plus``: px, py, pz, e in GeV)."""
    mu, el = events.Muon, events.Electron
    mu = mu[(mu.pt > SELECTION["lepton_pt"]) & (abs(mu.eta) < SELECTION["muon_eta"]) & mu.tightId
            & (mu.pfRelIso04_all < SELECTION["muon_iso"])]
    el = el[(el.pt > SELECTION["lepton_pt"]) & (abs(el.eta) < SELECTION["electron_eta"])
            & (el.cutBased >= SELECTION["electron_id"]) & (el.pfRelIso03_all < SELECTION["electron_iso"])]
    mu_a, mu_b, mu_neg, mu_pt, mu_ok = _leading_pair(mu)
    el_a, el_b, el_neg, el_pt, el_ok = _leading_pair(el)
    a = {c: ak.where(mu_ok, mu_a[c], el_a[c]) for c in mu_a}
    b = {c: ak.where(mu_ok, mu_b[c], el_b[c]) for c in mu_b}
    a_neg = ak.where(mu_ok, mu_neg, el_neg)
    minus = {c: ak.where(a_neg, a[c], b[c]) for c in a}
    plus = {c: ak.where(a_neg, b[c], a[c]) for c in a}
    lead_pt = ak.where(mu_ok, mu_pt, el_pt)
    tot = {c: minus[c] + plus[c] for c in minus}
    m2 = tot["e"] ** 2 - tot["px"] ** 2 - tot["py"] ** 2 - tot["pz"] ** 2
    valid = (mu_ok | el_ok) & (lead_pt > SELECTION["leading_pt"]) & (m2 > SELECTION["mll_min"] ** 2)
    return {"valid": valid, "minus": minus, "plus": plus}


def ratio_features(events: Any) -> tuple[list[Any], Any]:
    """The observables (module docstring) as a list of per-event arrays in :data:`FEATURE_NAMES`
    order (float64; finite values where not valid), and ``valid``."""
    pair = dilepton(events)
    m, p = pair["minus"], pair["plus"]
    tot = {c: m[c] + p[c] for c in m}
    valid = pair["valid"]
    m2 = tot["e"] ** 2 - tot["px"] ** 2 - tot["py"] ** 2 - tot["pz"] ** 2
    mll = np.sqrt(ak.where(valid, m2, 1.0))
    pt2 = tot["px"] ** 2 + tot["py"] ** 2
    root2 = np.sqrt(2.0)
    p1p, p1m = (m["e"] + m["pz"]) / root2, (m["e"] - m["pz"]) / root2
    p2p, p2m = (p["e"] + p["pz"]) / root2, (p["e"] - p["pz"]) / root2
    sign = ak.where(tot["pz"] < 0.0, -1.0, 1.0)
    cos = sign * 2.0 * (p1p * p2m - p1m * p2p) / (mll * np.sqrt(mll**2 + pt2))
    e_plus_pz = ak.where(valid, tot["e"] + tot["pz"], 1.0)
    e_minus_pz = ak.where(valid, tot["e"] - tot["pz"], 1.0)
    yll = 0.5 * np.log(e_plus_pz / e_minus_pz)
    return [ak.where(valid, mll, 0.0), ak.where(valid, cos, 0.0), ak.where(valid, yll, 0.0)], valid


def feature_matrix(events: Any) -> tuple[np.ndarray, np.ndarray]:
    """The observables of the valid events as a (n_valid, 3) float64 matrix, and ``valid`` (eager)."""
    columns, valid = ratio_features(events)
    mask = ak.to_numpy(valid).astype(bool)
    return np.stack([ak.to_numpy(c)[mask] for c in columns], axis=1), mask
