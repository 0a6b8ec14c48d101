"""Z/γ* → ℓℓ (ℓ = e, μ, τ) Drell–Yan above a configurable di-lepton mass cut.

Pythia's ``WeakSingleBoson:ffbar2gmZ`` (full γ*/Z interference) with the Z decaying to
charged leptons only; the mass cut applies to the γ*/Z propagator mass (m̂ = m_ℓℓ at Born
level). It is the background of the MEM family and the Z → ττ peak that validates the
di-τ mass (``tautau_only=1`` keeps only Z/γ* → ττ); ``Teacher_mTauTau`` holds the generated
ττ mass (NaN for ee and μμ events), the quantity m_ML learns.

With ``jet_pt_min`` > 0 the hard process is Z/γ* + one parton instead
(``WeakBosonAndParton:qqbar2gmZg`` and ``qg2gmZq``, p̂_T > ``jet_pt_min``; the mass cut is then
``23:mMin`` alone): the Drell–Yan + jets background of the MEM ℓℓbb selection, which needs two
jets and which the 2 → 1 process fills in about 1 % of its events.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from hepsurrogates.exceptions import GenerationError, InvalidArgumentError

from .base import SampleSpec

__all__ = ["SAMPLE"]


def _settings(options: Mapping[str, float]) -> list[str]:
    cut = options["mll_min"]
    if not 4.0 <= cut < 6000.0:
        raise InvalidArgumentError(f"dy_ll needs 4 <= mll_min < 6000 GeV, got {cut}")
    jet = options["jet_pt_min"]
    if jet < 0.0:
        raise InvalidArgumentError(f"dy_ll needs jet_pt_min >= 0 GeV, got {jet}")
    if jet > 0.0:
        # Z/γ* + one hard parton at LO (q q̄ → Z g, q g → Z q), p̂_T > jet_pt_min: the Drell–Yan
        # background of the ℓℓbb selection (two jets), which the 2 → 1 process fills at ~1 %
        process = ["WeakBosonAndParton:qqbar2gmZg = on", "WeakBosonAndParton:qg2gmZq = on",
                   f"PhaseSpace:pTHatMin = {jet:.6g}"]
    else:
        process = ["WeakSingleBoson:ffbar2gmZ = on", f"PhaseSpace:mHatMin = {cut:.6g}"]
    return process + [
        "WeakZ0:gmZmode = 0",  # full gamma*/Z interference
        "23:onMode = off",
        "23:onIfAny = 15" if options["tautau_only"] else "23:onIfAny = 11 13 15",
        f"23:mMin = {cut:.6g}",
        f"PartonLevel:MPI = {'on' if options['mpi'] else 'off'}",
    ]


def _teacher(info: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``mTauTau``: the mass of the hard-process lepton pair where it is τ⁺τ⁻ (the di-τ mass m_ML
    learns, as ``Teacher_mTauTau`` of ``htautau``), NaN for ee and μμ events."""
    ids, status = info["process_id"], info["process_status"]
    lepton = (status == 23) & np.isin(np.abs(ids), (11, 13, 15))
    n = lepton.sum(axis=1)
    if np.any(n != 2):
        bad = int(np.flatnonzero(n != 2)[0])
        raise GenerationError(f"dy_ll: expected two outgoing charged leptons in every hard process; event {bad} "
                              f"has {int(n[bad])}")
    p = {c: np.where(lepton, info[f"process_{c}"], 0.0).sum(axis=1) for c in ("px", "py", "pz", "e")}
    mass = np.sqrt(np.maximum(p["e"] ** 2 - p["px"] ** 2 - p["py"] ** 2 - p["pz"] ** 2, 0.0))
    tautau = (lepton & (np.abs(ids) == 15)).sum(axis=1) == 2
    return {"mTauTau": np.where(tautau, mass, np.nan).astype(np.float32)}


SAMPLE = SampleSpec(
    name="dy_ll",
    description="Z/gamma* -> ll (l = e, mu, tau; only tau with tautau_only=1) with m_ll > mll_min GeV",
    options={"mll_min": 50.0, "mpi": 1.0, "tautau_only": 0.0, "jet_pt_min": 0.0},
    settings=_settings,
    teacher=_teacher,
    default_chunk_size=2000,
)
