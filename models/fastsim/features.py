r"""The W(→μν) + jet vector of the analysis-specific fast simulation: gen level in, reco level out.

The one definition used by training and by processing (arXiv 2010.01835; PHYSICS.md §3). All
operations are awkward high-level functions, so the same code runs on eager, virtual and
dask-awkward NanoEvents and reads only :data:`FEATURE_BRANCHES` (gen level) or, for the training
targets, :data:`RECO_BRANCHES`.

Gen level (every event with both objects is *valid*):

* the gen muon: the leading ``GenPart`` with \|pdgId\| = 13, ``isPrompt`` and ``isLastCopy``
  (``statusFlags`` bits 0 and 13), p_T > 15 GeV, \|η\| < 2.5;
* the gen jet: the leading ``GenJet`` with ΔR > 0.4 from the gen muon, p_T > 20 GeV,
  \|η\| < 2.6 (a GenJet holds every stable particle but neutrinos, so the muon may sit in one);
* the gen MET: ``GenMET_pt``, ``GenMET_phi``.

The cuts sit below the published selections after prediction (:func:`passes_selection`:
p_T^μ > 20, \|η_μ\| < 2.4, p_T^j > 30, \|η_j\| < 2.4, ΔR(μ, j) > 0.5) by several resolutions,
so that the selection is applied to predicted objects, as in the paper.

The 9 regressed features, at gen level (:data:`GEN_NAMES`) and at reco level
(:data:`RECO_NAMES`): muon p_x, p_y, p_z; jet p_x, p_y, p_z; :math:`\log(M_j/\mathrm{GeV})`
(the mass floored at :data:`MASS_FLOOR`, since a one-particle jet is massless); MET x, y. The
reco-level target of a valid event (:func:`reco_targets`) is the ``Muon`` whose ``genPartIdx`` is
the gen muon, the ``Jet`` whose ``genJetIdx`` is the gen jet and the event's ``MET``; events where
either object was not reconstructed have no target (the models learn p(reco | gen, reconstructed);
the reconstruction efficiency is stated in the training report).

The 12 derived features (:func:`derived_features`) are recomputed from any 9-vector: muon and jet
p_T, η, φ; the jet mass; MET p_T and φ; :math:`M_T = \sqrt{2 p_T^\mu E_T^{miss}(1-\cos\Delta\phi)}`;
:math:`S_T = p_T^\mu + p_T^j + E_T^{miss}`; ΔR(μ, j) (the paper's twelfth, which its selection
uses).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import awkward as ak
import numpy as np

from hepsurrogates import kinematics as kin

__all__ = ["FEATURE_NAMES", "GEN_NAMES", "RECO_NAMES", "NOISE_NAMES", "UNITS", "DERIVED_NAMES", "FEATURE_BRANCHES",
           "REQUIRED_BRANCHES", "RECO_BRANCHES", "PROBE_BRANCH", "MASS_FLOOR", "MUON_MASS", "GenInputs",
           "gen_inputs", "reco_targets", "derived_features", "passes_selection", "missing_branches",
           "GEN_CUTS", "SELECTION"]

_BASE = ("muon_px", "muon_py", "muon_pz", "jet_px", "jet_py", "jet_pz", "jet_logm", "met_x", "met_y")
#: the gen-level inputs, in the bundle's order
GEN_NAMES: tuple[str, ...] = tuple(f"gen_{n}" for n in _BASE)
#: the reco-level outputs, in the bundle's order
RECO_NAMES: tuple[str, ...] = _BASE
#: the noise inputs of the sampling graph (one standard normal per output)
NOISE_NAMES: tuple[str, ...] = tuple(f"noise_{i}" for i in range(len(_BASE)))
#: the network inputs, in the bundle's order: the gen features, then the noise
FEATURE_NAMES: tuple[str, ...] = (*GEN_NAMES, *NOISE_NAMES)
#: unit of each of the 9 features (gen and reco alike)
UNITS: tuple[str, ...] = ("GeV",) * 6 + ("log(GeV)", "GeV", "GeV")
DERIVED_NAMES: tuple[str, ...] = ("muon_pt", "muon_eta", "muon_phi", "jet_pt", "jet_eta", "jet_phi", "jet_mass",
                                  "met_pt", "met_phi", "mt", "st", "dr_muon_jet")
#: jet masses below this (GeV) are set to it before the log
MASS_FLOOR = 0.1
MUON_MASS = 0.1056584

#: the gen-level preselection (module docstring)
GEN_CUTS = {"muon_pt": 15.0, "muon_eta": 2.5, "jet_pt": 20.0, "jet_eta": 2.6, "jet_muon_dr": 0.4}
#: the published selections after prediction
SELECTION = {"muon_pt": 20.0, "muon_eta": 2.4, "jet_pt": 30.0, "jet_eta": 2.4, "dr": 0.5}

#: branches the gen inputs read (the noise also reads the event's identity)
FEATURE_BRANCHES: tuple[str, ...] = (
    "run", "luminosityBlock", "event", "nGenPart", "nGenJet",
    "GenPart_pt", "GenPart_eta", "GenPart_phi", "GenPart_pdgId", "GenPart_statusFlags",
    "GenJet_pt", "GenJet_eta", "GenJet_phi", "GenJet_mass",
    "GenMET_pt", "GenMET_phi",
)
REQUIRED_BRANCHES = FEATURE_BRANCHES
#: branches the reco-level training targets read
RECO_BRANCHES: tuple[str, ...] = (
    "nMuon", "nJet", "Muon_pt", "Muon_eta", "Muon_phi", "Muon_genPartIdx",
    "Jet_pt", "Jet_eta", "Jet_phi", "Jet_mass", "Jet_genJetIdx",
    "MET_pt", "MET_phi",
)
#: a branch every input depends on, for the contract tests (shifted / NaN-filled there)
PROBE_BRANCH = "GenMET_pt"


def _cartesian(pt: Any, eta: Any, phi: Any, mass: Any | None = None) -> list[Any]:
    out = [pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)]
    if mass is not None:
        out.append(np.log(np.maximum(mass, MASS_FLOOR)))
    return out


@dataclass
class GenInputs:
    """The gen-level inputs of a chunk: ``columns`` (the 9 :data:`GEN_NAMES`, zero where not
    valid), ``valid`` (both gen objects found), the gen objects' local indices (``muon_index`` in
    GenPart, ``jet_index`` in GenJet, -1 where absent) and the gen muon's charge."""

    columns: dict[str, Any]
    valid: Any
    muon_index: Any
    jet_index: Any
    charge: Any


def _leading(collection: Any, mask: Any) -> tuple[Any, Any]:
    """The leading element of ``collection`` where ``mask``, and its local index (None where
    there is none; empty lists included)."""
    best = ak.argmax(collection.pt[mask], axis=1, keepdims=True)
    index = ak.firsts(ak.local_index(collection.pt, axis=1)[mask][best])
    return ak.firsts(collection[mask][best]), index


def gen_inputs(events: Any) -> GenInputs:
    """The gen-level inputs (eager or dask-awkward events; module docstring)."""
    gp = events.GenPart
    flags = gp.statusFlags
    is_mu = ((abs(gp.pdgId) == 13) & ((flags & 1) != 0) & ((flags & (1 << 13)) != 0)
             & (gp.pt > GEN_CUTS["muon_pt"]) & (abs(gp.eta) < GEN_CUTS["muon_eta"]))
    mu, i_mu = _leading(gp, is_mu)
    gj = events.GenJet
    clean = (ak.fill_none(kin.delta_r(gj.eta, gj.phi, mu.eta, mu.phi) > GEN_CUTS["jet_muon_dr"], False)
             & (gj.pt > GEN_CUTS["jet_pt"]) & (abs(gj.eta) < GEN_CUTS["jet_eta"]))
    jet, i_jet = _leading(gj, clean)
    valid = ~ak.is_none(i_mu) & ~ak.is_none(i_jet)

    def take(obj: Any, field: str, default: float = 0.0) -> Any:
        return ak.where(valid, ak.fill_none(obj[field], default), default)

    met_pt, met_phi = events.GenMET.pt, events.GenMET.phi
    values = [*_cartesian(take(mu, "pt"), take(mu, "eta"), take(mu, "phi")),
              *_cartesian(take(jet, "pt"), take(jet, "eta"), take(jet, "phi"), take(jet, "mass", 1.0)),
              met_pt * np.cos(met_phi), met_pt * np.sin(met_phi)]
    columns = {n: ak.values_astype(ak.where(valid, v, 0.0), np.float32) for n, v in zip(GEN_NAMES, values)}
    return GenInputs(columns=columns, valid=valid, muon_index=ak.where(valid, ak.fill_none(i_mu, -1), -1),
                     jet_index=ak.where(valid, ak.fill_none(i_jet, -1), -1),
                     charge=ak.where(valid, -np.sign(ak.fill_none(mu.pdgId, 0)), 0))


def reco_targets(events: Any, gen: GenInputs) -> tuple[dict[str, Any], Any]:
    """The reco-level 9-vector of the reconstructed partners of the gen objects, and a per-event
    ``found`` flag (both partners reconstructed; the vector is zero elsewhere)."""
    mu, jets = events.Muon, events.Jet
    m_match = mu.genPartIdx == gen.muon_index
    j_match = jets.genJetIdx == gen.jet_index
    found = gen.valid & (ak.sum(m_match, axis=1) > 0) & (ak.sum(j_match, axis=1) > 0)
    m = ak.firsts(mu[m_match])
    j = ak.firsts(jets[j_match])
    zero = 0.0

    def take(obj: Any, field: str, default: float = zero) -> Any:
        return ak.where(found, ak.fill_none(obj[field], default), default)

    values = [*_cartesian(take(m, "pt"), take(m, "eta"), take(m, "phi")),
              *_cartesian(take(j, "pt"), take(j, "eta"), take(j, "phi"), take(j, "mass", 1.0)),
              events.MET.pt * np.cos(events.MET.phi), events.MET.pt * np.sin(events.MET.phi)]
    return {n: ak.values_astype(ak.where(found, v, zero), np.float32) for n, v in zip(RECO_NAMES, values)}, found


def derived_features(x: np.ndarray) -> dict[str, np.ndarray]:
    """The 12 derived features of rows of 9-vectors (reco or gen order, n × 9 numpy)."""
    x = np.asarray(x, dtype=np.float64)
    mpx, mpy, mpz, jpx, jpy, jpz, jlogm, mex, mey = x.T
    out = {
        "muon_pt": kin.pt(mpx, mpy), "muon_eta": kin.eta(mpx, mpy, mpz), "muon_phi": kin.phi(mpx, mpy),
        "jet_pt": kin.pt(jpx, jpy), "jet_eta": kin.eta(jpx, jpy, jpz), "jet_phi": kin.phi(jpx, jpy),
        "jet_mass": np.exp(jlogm), "met_pt": kin.pt(mex, mey), "met_phi": kin.phi(mex, mey),
    }
    out["mt"] = kin.transverse_mass(out["muon_pt"], out["muon_phi"], out["met_pt"], out["met_phi"])
    out["st"] = out["muon_pt"] + out["jet_pt"] + out["met_pt"]
    out["dr_muon_jet"] = kin.delta_r(out["muon_eta"], out["muon_phi"], out["jet_eta"], out["jet_phi"])
    return out


def passes_selection(derived: dict[str, np.ndarray]) -> np.ndarray:
    """The published selection after prediction (:data:`SELECTION`)."""
    s = SELECTION
    return ((derived["muon_pt"] > s["muon_pt"]) & (np.abs(derived["muon_eta"]) < s["muon_eta"])
            & (derived["jet_pt"] > s["jet_pt"]) & (np.abs(derived["jet_eta"]) < s["jet_eta"])
            & (derived["dr_muon_jet"] > s["dr"]))


def missing_branches(events: Any, reco: bool = False) -> list[str]:
    """The branches of :data:`FEATURE_BRANCHES` (and, with ``reco``, :data:`RECO_BRANCHES`) that
    ``events`` lacks."""
    fields = set(events.fields)
    missing = []
    for name in (*FEATURE_BRANCHES, *(RECO_BRANCHES if reco else ())):
        if name.startswith("n") and name[1:] in fields:
            continue  # a collection's counter
        coll, _, field = name.partition("_")
        if name in fields or (field and coll in fields and field in events[coll].fields):
            continue
        missing.append(name)
    return missing
