"""Muon and electron reconstruction: efficiency, Gaussian p_T smearing, isolation.

Each stable generator-level lepton is reconstructed with the efficiency of
:mod:`.resolution` and its p_T is smeared with a Gaussian of the η- and p_T-dependent
resolution (direction kept: the tracker measures it far better than p_T). The relative
isolation is the p_T sum of the other stable visible particles within ΔR < 0.4 (muons,
``pfRelIso04_all``) or 0.3 (electrons, ``pfRelIso03_all``) divided by the reconstructed p_T.
``genPartFlav`` follows NanoAOD: 1 prompt, 15 from a prompt τ, 5 from b, 4 from c, 3 other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hepsurrogates import kinematics as kin
from hepsurrogates.constants import M_E, M_MU

from . import resolution as res
from .columnar import FlatCollection, event_pairs, group_sum

__all__ = ["LeptonSpec", "MUON", "ELECTRON", "reconstruct_leptons", "cone_sum"]


@dataclass(frozen=True)
class LeptonSpec:
    """How one lepton flavour is reconstructed and written."""

    collection: str
    pdg: int
    mass: float
    efficiency: Callable[[np.ndarray, np.ndarray], np.ndarray]
    resolution: Callable[[np.ndarray, np.ndarray], np.ndarray]
    iso_cone: float
    iso_branch: str


MUON = LeptonSpec("Muon", 13, M_MU, res.muon_efficiency, res.muon_pt_resolution, 0.4, "pfRelIso04_all")
ELECTRON = LeptonSpec("Electron", 11, M_E, res.electron_efficiency, res.electron_pt_resolution, 0.3, "pfRelIso03_all")


def cone_sum(eta: np.ndarray, phi: np.ndarray, event: np.ndarray, particles: FlatCollection,
             radius: float) -> np.ndarray:
    """Σ p_T of the stable particles within ΔR < radius of each object (self included)."""
    ia, ib = event_pairs(event, particles.offsets, particles.counts)
    dr = kin.delta_r(eta[ia], phi[ia], particles["eta"][ib], particles["phi"][ib])
    inside = dr < radius
    return group_sum(ia[inside], particles["pt"][ib][inside], len(eta))


def reconstruct_leptons(stable: FlatCollection, spec: LeptonSpec,
                        rng: np.random.Generator) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Reconstructed leptons of one flavour, flat.

    Returns:
        (columns, stable_index): NanoAOD columns plus internal ``_event``, ``_gen_px``,
        ``_gen_py``, ``_ptErr``; and the flat index into ``stable`` of every generator lepton
        of this flavour that was reconstructed.
    """
    cand = np.nonzero(np.abs(stable["pdgId"]) == spec.pdg)[0]
    pt, eta, phi = stable["pt"][cand], stable["eta"][cand], stable["phi"][cand]
    u = rng.random(len(cand))
    z = rng.standard_normal(len(cand))
    found = u < spec.efficiency(pt, eta)
    sigma = spec.resolution(pt, eta)
    pt_reco = pt * np.maximum(1.0 + sigma * z, 0.05)
    idx = cand[found]
    pt_r = pt_reco[found]
    event = stable.event[idx]
    iso = (cone_sum(eta[found], phi[found], event, stable, spec.iso_cone) - pt[found]) / pt_r
    columns = {
        "pt": pt_r.astype(np.float32),
        "eta": eta[found].astype(np.float32),
        "phi": phi[found].astype(np.float32),
        "mass": np.full(len(idx), spec.mass, dtype=np.float32),
        "charge": (-np.sign(stable["pdgId"][idx])).astype(np.int32),
        spec.iso_branch: np.maximum(iso, 0.0).astype(np.float32),
        "genPartIdx": stable["genpart"][idx].astype(np.int32),
        "genPartFlav": stable["origin"][idx].astype(np.uint8),
        "_event": event,
        "_gen_px": stable["px"][idx],
        "_gen_py": stable["py"][idx],
        "_ptErr": (pt_r * spec.resolution(pt_r, eta[found])),
    }
    if spec.pdg == 13:
        for name in ("looseId", "mediumId", "tightId"):
            columns[name] = np.ones(len(idx), dtype=bool)
    else:
        columns["cutBased"] = np.full(len(idx), 4, dtype=np.int32)
    return columns, idx
