r"""The di-τ mass inputs: channel, the two τ candidates and the 27 published features.

The one definition used by training and by processing (DL_for_HTT_mass; PHYSICS.md §4). All
operations are awkward high-level functions, so the same code runs on eager, virtual and
dask-awkward NanoEvents, and reads only the branches in :data:`REQUIRED_BRANCHES`.

Object selection (:data:`ANALYSIS`, CMS H → ττ-like, the one the shipped model is trained with):

* muons: p_T > 20 GeV, |η| < 2.4, tight ID, ``pfRelIso04_all`` < 0.15;
* electrons: p_T > 20 GeV, |η| < 2.5, ``cutBased`` ≥ 3 (medium), ``pfRelIso03_all`` < 0.15;
* τ_h: p_T > 20 GeV, |η| < 2.3, DeepTau 2018v2p5 VSjet ≥ Medium, VSe ≥ VVLoose, VSmu ≥ VLoose,
  decay mode 0, 1, 10 or 11, ΔR > 0.5 from the selected lepton;
* jets: p_T > 20 GeV, |η| < 4.7, tight jet ID, ΔR > 0.5 from both legs.

:data:`LOOSE` relaxes identification and isolation (τ_h VSjet, VSe, VSmu ≥ their loosest working
point; lepton isolation < 0.5; electron ``cutBased`` ≥ 1) to look at every di-τ candidate of a
file, e.g. real NanoAOD skims; its events lie partly outside the training distribution.

NanoAOD versions: the MET is ``MET`` (up to v14) or ``PFMET`` (v15); the tight jet ID is
``jetId`` ≥ 2 where stored and, in v15 where it is not, recomputed from the energy fractions
with the JME recipe for AK4 PUPPI jets (|η| ≤ 2.6: neHEF < 0.99, neEmEF < 0.9, more than one
constituent, chHEF > 0.01, at least one charged; 2.6–2.7: neHEF < 0.9, neEmEF < 0.99; 2.7–3.0:
neHEF < 0.99; beyond: at least two neutrals, neEmEF < 0.4). Files without the DeepTau 2018v2p5
τ IDs (NanoAOD ≤ v11) are refused with the missing branches named.

Channel (first that applies, the leptonic legs first): eμ, μμ, ee, μτ_h, eτ_h, τ_hτ_h; the legs
are the leading candidates, ordered e before μ before τ_h (p_T order within a flavour), which is
also the leptonic-first order FastMTT wants. Events with no channel get ``valid = False`` and
zero-filled features.

The 27 inputs: τ1, τ2, jet1, jet2 and the remaining jets (their vector sum) in (p_T, η, φ); the
number of remaining jets; MET p_T, φ and covariance xx, xy, yy; m_T(τ1, MET), m_T(τ2, MET),
m_T(τ1, τ2), :math:`m_T^{tot} = \sqrt{m_T^2(\tau_1,\mathrm{MET}) + m_T^2(\tau_2,\mathrm{MET})
+ m_T^2(\tau_1,\tau_2)}`; the number of good primary vertices; the number of neutrinos (2, 3
or 4 from the channel). Missing jets have p_T = η = φ = 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import awkward as ak
import numpy as np

from hepsurrogates import kinematics as kin

__all__ = [
    "FeatureSpec", "FEATURES", "FEATURE_NAMES", "CHANNELS", "N_NEUTRINOS", "FEATURE_BRANCHES", "REQUIRED_BRANCHES",
    "DiTauInputs", "ditau_inputs", "missing_branches", "DiTauSelection", "ANALYSIS", "LOOSE", "SELECTIONS",
    "ditau_columns",
]


@dataclass(frozen=True)
class FeatureSpec:
    name: str
    unit: str
    description: str


def _obj(prefix: str, what: str) -> list[FeatureSpec]:
    return [
        FeatureSpec(f"{prefix}_pt", "GeV", f"{what} transverse momentum"),
        FeatureSpec(f"{prefix}_eta", "", f"{what} pseudorapidity"),
        FeatureSpec(f"{prefix}_phi", "rad", f"{what} azimuth"),
    ]


FEATURES: tuple[FeatureSpec, ...] = (
    *_obj("tau1", "first visible tau leg (e before mu before tau_h)"),
    *_obj("tau2", "second visible tau leg"),
    *_obj("jet1", "leading cleaned jet"),
    *_obj("jet2", "second cleaned jet"),
    *_obj("remaining_jets", "vector sum of the other cleaned jets"),
    FeatureSpec("remaining_jets_N", "", "number of other cleaned jets"),
    FeatureSpec("MET_pt", "GeV", "missing transverse momentum"),
    FeatureSpec("MET_phi", "rad", "missing transverse momentum azimuth"),
    FeatureSpec("MET_covXX", "GeV^2", "MET covariance xx"),
    FeatureSpec("MET_covXY", "GeV^2", "MET covariance xy"),
    FeatureSpec("MET_covYY", "GeV^2", "MET covariance yy"),
    FeatureSpec("mT1", "GeV", "transverse mass of tau1 and MET"),
    FeatureSpec("mT2", "GeV", "transverse mass of tau2 and MET"),
    FeatureSpec("mTtt", "GeV", "transverse mass of tau1 and tau2"),
    FeatureSpec("mTtot", "GeV", "total transverse mass"),
    FeatureSpec("PU_npvsGood", "", "number of good primary vertices"),
    FeatureSpec("N_neutrinos", "", "neutrinos in the channel: 2 (tau_h tau_h), 3 (l tau_h), 4 (l l)"),
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
#: channel code -> name (legs in this order)
CHANNELS: tuple[str, ...] = ("tt", "mt", "et", "em", "mm", "ee")
N_NEUTRINOS = {"tt": 2, "mt": 3, "et": 3, "em": 4, "mm": 4, "ee": 4}
#: the branches the 27 features and the validity read (the expected ``dak.necessary_columns``
#: of the surrogate column on our samples)
FEATURE_BRANCHES: tuple[str, ...] = (
    "nMuon", "Muon_pt", "Muon_eta", "Muon_phi", "Muon_tightId", "Muon_pfRelIso04_all",
    "nElectron", "Electron_pt", "Electron_eta", "Electron_phi", "Electron_cutBased", "Electron_pfRelIso03_all",
    "nTau", "Tau_pt", "Tau_eta", "Tau_phi", "Tau_decayMode", "Tau_idDeepTau2018v2p5VSjet",
    "Tau_idDeepTau2018v2p5VSe", "Tau_idDeepTau2018v2p5VSmu",
    "nJet", "Jet_pt", "Jet_eta", "Jet_phi", "Jet_jetId",
    "MET_pt", "MET_phi", "MET_covXX", "MET_covXY", "MET_covYY", "PV_npvsGood",
)
#: the feature branches plus the leg masses (FastMTT and the visible mass need them)
REQUIRED_BRANCHES: tuple[str, ...] = (*FEATURE_BRANCHES, "Muon_mass", "Electron_mass", "Tau_mass")


@dataclass(frozen=True)
class DiTauSelection:
    """Thresholds of the object selection (GeV; working points as NanoAOD integers)."""

    name: str
    lepton_pt: float = 20.0
    muon_iso: float = 0.15
    electron_iso: float = 0.15
    electron_id: int = 3
    tau_pt: float = 20.0
    tau_vsjet: int = 5
    tau_vse: int = 2
    tau_vsmu: int = 1
    jet_pt: float = 20.0


ANALYSIS = DiTauSelection("analysis")
LOOSE = DiTauSelection("loose", muon_iso=0.5, electron_iso=0.5, electron_id=1, tau_vsjet=1, tau_vse=1, tau_vsmu=1)
SELECTIONS = {s.name: s for s in (ANALYSIS, LOOSE)}


@dataclass
class DiTauInputs:
    """Per-event inputs (awkward 1-D arrays, eager or dask).

    ``columns`` maps each of :data:`FEATURE_NAMES` to a float32 array; ``legs`` holds, for
    leg1 and leg2, pt, eta, phi, mass and ``hadronic`` (what FastMTT needs); ``channel`` is
    the index into :data:`CHANNELS` (−1: no di-τ pair) and ``valid`` is ``channel >= 0``.
    """

    columns: dict[str, Any]
    legs: dict[str, Any]
    channel: Any
    valid: Any


def _dr_all(obj: Any, eta: Any, phi: Any, radius: float) -> Any:
    """Mask over a jagged collection: farther than ``radius`` from the per-event (eta, phi)."""
    return kin.delta_r(obj.eta, obj.phi, eta, phi) > radius


def _leading(coll: Any, k: int, field: str) -> Any:
    return ak.fill_none(ak.pad_none(coll[field], k + 1, axis=1)[:, k], 0.0)


def _choose(conditions: list[tuple[Any, Any]], default: float = 0.0) -> Any:
    out = default
    for cond, value in reversed(conditions):
        out = ak.where(cond, value, out)
    return out


def missing_branches(events: Any) -> list[str]:
    """The branches the inputs need that ``events`` lacks (empty when it can be processed)."""
    need = {
        "Muon": ("pt", "eta", "phi", "mass", "tightId", "pfRelIso04_all"),
        "Electron": ("pt", "eta", "phi", "mass", "cutBased", "pfRelIso03_all"),
        "Tau": ("pt", "eta", "phi", "mass", "decayMode", "idDeepTau2018v2p5VSjet",
                "idDeepTau2018v2p5VSe", "idDeepTau2018v2p5VSmu"),
        "Jet": ("pt", "eta", "phi"),
        "PV": ("npvsGood",),
    }
    missing = []
    for coll, names in need.items():
        have = set(events[coll].fields) if coll in events.fields else set()
        missing += [f"{coll}_{n}" for n in names if n not in have]
    met = "MET" if "MET" in events.fields else "PFMET"
    have = set(events[met].fields) if met in events.fields else set()
    missing += [f"{met}_{n}" for n in ("pt", "phi", "covXX", "covXY", "covYY") if n not in have]
    if "Jet" in events.fields and "jetId" not in events.Jet.fields:
        fractions = ("neHEF", "neEmEF", "chHEF", "chMultiplicity", "neMultiplicity")
        missing += [f"Jet_{n}" for n in fractions if n not in events.Jet.fields]
    return missing


def _tight_jet_id(jet: Any) -> Any:
    if "jetId" in jet.fields:
        return jet.jetId >= 2
    aeta = abs(jet.eta)
    central = ((jet.neHEF < 0.99) & (jet.neEmEF < 0.9) & ((jet.chMultiplicity + jet.neMultiplicity) > 1)
               & (jet.chHEF > 0.01) & (jet.chMultiplicity > 0))
    return ak.where(aeta <= 2.6, central,
                    ak.where(aeta <= 2.7, (jet.neHEF < 0.90) & (jet.neEmEF < 0.99),
                             ak.where(aeta <= 3.0, jet.neHEF < 0.99, (jet.neMultiplicity >= 2) & (jet.neEmEF < 0.4))))


def ditau_inputs(events: Any, selection: DiTauSelection = ANALYSIS) -> DiTauInputs:
    """Channel, legs and the 27 features of every event."""
    sel = selection
    mu = events.Muon
    mu = mu[(mu.pt > sel.lepton_pt) & (abs(mu.eta) < 2.4) & mu.tightId & (mu.pfRelIso04_all < sel.muon_iso)]
    el = events.Electron
    el = el[(el.pt > sel.lepton_pt) & (abs(el.eta) < 2.5) & (el.cutBased >= sel.electron_id)
            & (el.pfRelIso03_all < sel.electron_iso)]
    tau = events.Tau
    tau = tau[(tau.pt > sel.tau_pt) & (abs(tau.eta) < 2.3) & (tau.idDeepTau2018v2p5VSjet >= sel.tau_vsjet)
              & (tau.idDeepTau2018v2p5VSe >= sel.tau_vse) & (tau.idDeepTau2018v2p5VSmu >= sel.tau_vsmu)
              & ((tau.decayMode == 0) | (tau.decayMode == 1) | (tau.decayMode == 10) | (tau.decayMode == 11))]
    n_mu, n_el, n_tau = ak.num(mu, axis=1), ak.num(el, axis=1), ak.num(tau, axis=1)
    mu1 = {f: _leading(mu, 0, f) for f in ("pt", "eta", "phi", "mass")}
    mu2 = {f: _leading(mu, 1, f) for f in ("pt", "eta", "phi", "mass")}
    el1 = {f: _leading(el, 0, f) for f in ("pt", "eta", "phi", "mass")}
    el2 = {f: _leading(el, 1, f) for f in ("pt", "eta", "phi", "mass")}
    tau_mu = tau[_dr_all(tau, mu1["eta"], mu1["phi"], 0.5)]
    tau_el = tau[_dr_all(tau, el1["eta"], el1["phi"], 0.5)]
    tm1 = {f: _leading(tau_mu, 0, f) for f in ("pt", "eta", "phi", "mass")}
    te1 = {f: _leading(tau_el, 0, f) for f in ("pt", "eta", "phi", "mass")}
    t1 = {f: _leading(tau, 0, f) for f in ("pt", "eta", "phi", "mass")}
    t2 = {f: _leading(tau, 1, f) for f in ("pt", "eta", "phi", "mass")}

    is_em = (n_el >= 1) & (n_mu >= 1)
    is_mm = ~is_em & (n_mu >= 2)
    is_ee = ~is_em & ~is_mm & (n_el >= 2)
    lep_done = is_em | is_mm | is_ee
    is_mt = ~lep_done & (n_mu >= 1) & (ak.num(tau_mu, axis=1) >= 1)
    is_et = ~lep_done & ~is_mt & (n_el >= 1) & (ak.num(tau_el, axis=1) >= 1)
    is_tt = ~lep_done & ~is_mt & ~is_et & (n_tau >= 2)
    flags = {"tt": is_tt, "mt": is_mt, "et": is_et, "em": is_em, "mm": is_mm, "ee": is_ee}
    channel = _choose([(flags[c], i) for i, c in enumerate(CHANNELS)], default=-1)
    valid = channel >= 0

    leg1_src = {"tt": t1, "mt": mu1, "et": el1, "em": el1, "mm": mu1, "ee": el1}
    leg2_src = {"tt": t2, "mt": tm1, "et": te1, "em": mu1, "mm": mu2, "ee": el2}
    leg1 = {f: _choose([(flags[c], leg1_src[c][f]) for c in CHANNELS]) for f in ("pt", "eta", "phi", "mass")}
    leg2 = {f: _choose([(flags[c], leg2_src[c][f]) for c in CHANNELS]) for f in ("pt", "eta", "phi", "mass")}
    leg1["hadronic"] = is_tt
    leg2["hadronic"] = is_tt | is_mt | is_et

    jet = events.Jet
    jet = jet[(jet.pt > sel.jet_pt) & (abs(jet.eta) < 4.7) & _tight_jet_id(jet)
              & _dr_all(jet, leg1["eta"], leg1["phi"], 0.5) & _dr_all(jet, leg2["eta"], leg2["phi"], 0.5)]
    j1 = {f: _leading(jet, 0, f) for f in ("pt", "eta", "phi")}
    j2 = {f: _leading(jet, 1, f) for f in ("pt", "eta", "phi")}
    rest = jet[:, 2:]
    rpx = ak.sum(rest.pt * np.cos(rest.phi), axis=1)
    rpy = ak.sum(rest.pt * np.sin(rest.phi), axis=1)
    rpz = ak.sum(rest.pt * np.sinh(rest.eta), axis=1)
    rpt = np.hypot(rpx, rpy)
    has_rest = rpt > 0.0
    r_eta = ak.where(has_rest, np.arcsinh(rpz / ak.where(has_rest, rpt, 1.0)), 0.0)
    r_phi = ak.where(has_rest, np.arctan2(rpy, rpx), 0.0)
    n_rest = ak.num(rest, axis=1)

    met = events.MET if "MET" in events.fields else events.PFMET
    mt1 = kin.transverse_mass(leg1["pt"], leg1["phi"], met.pt, met.phi)
    mt2 = kin.transverse_mass(leg2["pt"], leg2["phi"], met.pt, met.phi)
    mttt = kin.transverse_mass(leg1["pt"], leg1["phi"], leg2["pt"], leg2["phi"])
    mttot = np.sqrt(mt1 * mt1 + mt2 * mt2 + mttt * mttt)
    n_nu = _choose([(flags[c], float(N_NEUTRINOS[c])) for c in CHANNELS])

    values = [
        leg1["pt"], leg1["eta"], leg1["phi"], leg2["pt"], leg2["eta"], leg2["phi"],
        j1["pt"], j1["eta"], j1["phi"], j2["pt"], j2["eta"], j2["phi"],
        rpt, r_eta, r_phi, n_rest,
        met.pt, met.phi, met.covXX, met.covXY, met.covYY,
        mt1, mt2, mttt, mttot, events.PV.npvsGood, n_nu,
    ]
    columns = {
        name: ak.values_astype(ak.where(valid, v, 0.0), np.float32)
        for name, v in zip(FEATURE_NAMES, values)
    }
    return DiTauInputs(columns=columns, legs={"leg1": leg1, "leg2": leg2}, channel=channel, valid=valid)


def ditau_columns(events: Any, selection: DiTauSelection = ANALYSIS) -> tuple[list[Any], Any]:
    """The model input columns in :data:`FEATURE_NAMES` order and the per-event validity
    (the ``inputs`` function of :class:`~hepsurrogates.models.onnx_column.OnnxColumn`)."""
    inputs = ditau_inputs(events, selection)
    return [inputs.columns[n] for n in FEATURE_NAMES], inputs.valid
