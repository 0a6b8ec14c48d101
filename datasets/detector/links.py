"""NanoAOD cross-reference indices between leptons, τ_h and jets.

``Muon_jetIdx``, ``Electron_jetIdx``, ``Tau_jetIdx``: the closest reconstructed jet within
ΔR < 0.4 (−1 if none). ``Jet_muonIdx1/2``, ``Jet_electronIdx1/2``: the first two muons or
electrons (collection order) whose ``jetIdx`` is that jet (−1 if none), as in CMS NanoAOD.
"""

from __future__ import annotations

import awkward as ak
import numpy as np

from hepsurrogates import kinematics as kin

__all__ = ["add_jet_links", "LINK_RADIUS"]

LINK_RADIUS = 0.4


def _closest_jet(objects: ak.Array, jets: ak.Array) -> ak.Array:
    pairs = ak.cartesian({"o": objects[["eta", "phi"]], "j": jets[["eta", "phi"]]}, nested=True)
    dr = kin.delta_r(pairs.o.eta, pairs.o.phi, pairs.j.eta, pairs.j.phi)
    best = ak.argmin(dr, axis=2, keepdims=True)
    best_dr = ak.fill_none(ak.firsts(dr[best], axis=2), np.inf)
    best = ak.fill_none(ak.firsts(best, axis=2), -1)
    return ak.values_astype(ak.where(best_dr < LINK_RADIUS, best, -1), np.int32)


def _objects_in_jet(jet_idx: ak.Array, jets: ak.Array, which: int) -> ak.Array:
    pairs = ak.cartesian({"j": ak.local_index(jets.pt, axis=1), "o": jet_idx}, nested=True)
    own = ak.local_index(jet_idx, axis=1)
    owned = ak.cartesian({"j": ak.local_index(jets.pt, axis=1), "o": own}, nested=True).o
    members = owned[pairs.o == pairs.j]
    padded = ak.pad_none(members, which + 1, axis=2)
    return ak.values_astype(ak.fill_none(padded[:, :, which], -1), np.int32)


def add_jet_links(collections: dict[str, ak.Array]) -> dict[str, ak.Array]:
    """The collections with the cross-reference index fields added."""
    jets = collections["Jet"]
    out = dict(collections)
    for name in ("Muon", "Electron", "Tau"):
        out[name] = ak.with_field(collections[name], _closest_jet(collections[name], jets), "jetIdx")
    for name, field in (("Muon", "muonIdx"), ("Electron", "electronIdx")):
        for k in (0, 1):
            jets = ak.with_field(jets, _objects_in_jet(out[name].jetIdx, jets, k), f"{field}{k + 1}")
    out["Jet"] = jets
    return out
