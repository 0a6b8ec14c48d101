"""A parametric CMS-like detector: the "full simulation" of the samples (PHYSICS.md §3).

:func:`simulate` turns the generator-level content of a chunk (stable particles, GenVisTau,
GenJets) into NanoAOD reconstructed collections: ``Muon``, ``Electron``, ``Tau``, ``Jet``,
``MET_*`` with its covariance, ``PV_*`` and ``Pileup_*``. Every step is vectorised over the
whole chunk (numpy on flat columns, no loop over events or particles), and every random draw
comes from the one ``numpy.random.Generator`` passed in, in a fixed order, so a chunk seed
fixes the output.
"""

from __future__ import annotations

from dataclasses import dataclass

import awkward as ak
import numpy as np

from hepsurrogates import kinematics as kin

from ..genjets import GenJets
from ..genrecord import GenLevel
from . import resolution
from .columnar import event_pairs, flatten, regroup
from .jets import reconstruct_jets
from .leptons import ELECTRON, MUON, reconstruct_leptons
from .links import add_jet_links
from .met import build_met
from .pileup import draw_pileup
from .taus import reconstruct_taus

__all__ = ["RecoLevel", "simulate", "DETECTOR_VERSION", "resolution"]

#: Bumped whenever the detector model changes what it writes (recorded in provenance).
DETECTOR_VERSION = "cms-like-1.0"
_MET_JET_ISOLATION = 0.4


@dataclass
class RecoLevel:
    """Reconstructed collections (jagged, p_T-ordered) and per-event columns of a chunk."""

    collections: dict[str, ak.Array]
    columns: dict[str, np.ndarray]


def _public(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: v for k, v in columns.items() if not k.startswith("_")}


def _overlaps(a: dict[str, np.ndarray], b_eta: np.ndarray, b_phi: np.ndarray, b_event: np.ndarray,
              n_events: int, radius: float) -> np.ndarray:
    """Mask over collection a: within ``radius`` of any element of b in the same event."""
    counts = np.bincount(b_event, minlength=n_events)
    offsets = np.concatenate([[0], np.cumsum(counts)])[:-1]
    order = np.argsort(b_event, kind="stable")
    ia, ib = event_pairs(a["_event"], offsets, counts)
    ib = order[ib]
    near = kin.delta_r(a["eta"][ia], a["phi"][ia], b_eta[ib], b_phi[ib]) < radius
    out = np.zeros(len(a["_event"]), dtype=bool)
    out[ia[near]] = True
    return out


def simulate(gen: GenLevel, genjets: GenJets, rng: np.random.Generator) -> RecoLevel:
    """Reconstruct a chunk of events."""
    n = gen.n_events
    st = flatten(gen.stable)
    vt = flatten(gen.genvistau)
    gj = flatten(genjets.jets)
    pileup = draw_pileup(rng, n)

    muons, mu_idx = reconstruct_leptons(st, MUON, rng)
    electrons, el_idx = reconstruct_leptons(st, ELECTRON, rng)
    jets, jet_gen = reconstruct_jets(gj, rng)
    apdg = np.abs(st["pdgId"])
    veto_leptons = st.select(((apdg == 11) | (apdg == 13)) & np.isin(st["origin"], (1, 15)) & (st["pt"] > 10.0))
    taus, tau_constituents = reconstruct_taus(st, vt, jets, veto_leptons, rng)
    genuine = {k: v[taus["_genuine"]] for k, v in taus.items()}

    # jets entering MET: not overlapping reconstructed leptons or genuine tau_h
    cleaned = np.ones(len(jets["pt"]), dtype=bool)
    for obj in (muons, electrons, genuine):
        cleaned &= ~_overlaps(jets, obj["eta"].astype(np.float64), obj["phi"].astype(np.float64),
                              obj["_event"], n, _MET_JET_ISOLATION)
    met_jets = {k: v[cleaned] for k, v in jets.items()}

    # stable particles inside MET jets
    per_jet = ak.to_numpy(ak.flatten(ak.num(genjets.constituents, axis=2), axis=None)) if len(gj) else np.zeros(0, int)
    local = ak.to_numpy(ak.flatten(genjets.constituents, axis=None)).astype(np.int64) if len(gj) else np.zeros(0, int)
    jet_of_const = np.repeat(np.arange(len(gj)), per_jet)
    particle = st.offsets[gj.event[jet_of_const]] + local
    is_met_genjet = np.zeros(len(gj), dtype=bool)
    is_met_genjet[jet_gen[cleaned]] = True
    in_met_jet = np.zeros(len(st), dtype=bool)
    in_met_jet[particle[is_met_genjet[jet_of_const]]] = True

    measured = np.zeros(len(st), dtype=bool)
    measured[mu_idx] = True
    measured[el_idx] = True
    measured |= tau_constituents | in_met_jet
    lost = (apdg == 13) & (st["pt"] > 3.0) & ~measured
    unclustered = ~measured & ~lost
    sum_et_uncl = np.bincount(st.event[unclustered], weights=st["pt"][unclustered], minlength=n)

    for lep in (muons, electrons):
        lep["_sigma_par"] = lep["_ptErr"]
    met = build_met(
        n, gen.genmet_pt, gen.genmet_phi, [muons, electrons, genuine, met_jets],
        st.event[lost], st["px"][lost], st["py"][lost], sum_et_uncl,
        pileup["PV_npvs"].astype(np.float64), rng,
    )
    muons["ptErr"] = muons["_ptErr"].astype(np.float32)

    collections = {
        "Muon": regroup(_public(muons), muons["_event"], n, muons["pt"]),
        "Electron": regroup(_public(electrons), electrons["_event"], n, electrons["pt"]),
        "Tau": regroup(_public(taus), taus["_event"], n, taus["pt"]),
        "Jet": regroup(_public(jets), jets["_event"], n, jets["pt"]),
    }
    return RecoLevel(collections=add_jet_links(collections), columns={**met, **pileup})
