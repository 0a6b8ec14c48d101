"""W(→ μν) + one jet at 13 TeV: the process of the analysis-specific fast simulation.

Pythia's ``WeakBosonAndParton:qqbar2Wg`` and ``qg2Wq`` (q q̄' → W g, q g → W q', LO), the
hard parton above ``jet_pt_min`` (``PhaseSpace:pTHatMin``), with the W decaying to μν only
(``24:onMode = off``, ``24:onIfAny = 13``). It is the sample of arXiv 2010.01835 (Chen et al.,
"Data augmentation at the LHC through analysis-specific fast simulation with deep learning"):
its reco level is this project's detector model, the "full simulation" the ``fastsim``
family learns. ``Teacher_mW`` holds the generated W (μν) mass, Born level, GeV.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from hepsurrogates.exceptions import GenerationError, InvalidArgumentError

from .base import SampleSpec

__all__ = ["SAMPLE"]


def _settings(options: Mapping[str, float]) -> list[str]:
    jet = options["jet_pt_min"]
    if not 5.0 <= jet < 3000.0:
        raise InvalidArgumentError(f"wjets_munu needs 5 <= jet_pt_min < 3000 GeV, got {jet}")
    return [
        "WeakBosonAndParton:qqbar2Wg = on",
        "WeakBosonAndParton:qg2Wq = on",
        f"PhaseSpace:pTHatMin = {jet:.6g}",
        "24:onMode = off",
        "24:onIfAny = 13",
        f"PartonLevel:MPI = {'on' if options['mpi'] else 'off'}",
    ]


def _teacher(info: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``mW``: the mass of the hard-process μν pair (m² = (p_μ + p_ν)²), GeV."""
    ids, status = info["process_id"], info["process_status"]
    lepton = (status == 23) & np.isin(np.abs(ids), (13, 14))
    n = lepton.sum(axis=1)
    if np.any(n != 2):
        bad = int(np.flatnonzero(n != 2)[0])
        raise GenerationError(f"wjets_munu: expected a muon and a neutrino in every hard process; event {bad} "
                              f"has {int(n[bad])} of them")
    p = {c: np.where(lepton, info[f"process_{c}"], 0.0).sum(axis=1) for c in ("px", "py", "pz", "e")}
    mass = np.sqrt(np.maximum(p["e"] ** 2 - p["px"] ** 2 - p["py"] ** 2 - p["pz"] ** 2, 0.0))
    return {"mW": mass.astype(np.float32)}


SAMPLE = SampleSpec(
    name="wjets_munu",
    description="W(-> mu nu) + 1 jet (LO q qbar' -> W g, q g -> W q') with parton pT > jet_pt_min GeV",
    options={"jet_pt_min": 20.0, "mpi": 1.0},
    settings=_settings,
    teacher=_teacher,
    default_chunk_size=2000,
)
