"""Z/γ* → ℓℓ (ℓ = e, μ, τ) Drell–Yan above a configurable di-lepton mass cut.

Pythia's ``WeakSingleBoson:ffbar2gmZ`` (full γ*/Z interference) with the Z decaying to
charged leptons only; the mass cut applies to the γ*/Z propagator mass (m̂ = m_ℓℓ at Born
level). It is the background of the MEM family and the Z → ττ peak that validates the
di-τ mass (``tautau_only=1`` keeps only Z/γ* → ττ).

With ``jet_pt_min`` > 0 the hard process is Z/γ* + one parton instead
(``WeakBosonAndParton:qqbar2gmZg`` and ``qg2gmZq``, p̂_T > ``jet_pt_min``; the mass cut is then
``23:mMin`` alone): the Drell–Yan + jets background of the MEM ℓℓbb selection, which needs two
jets and which the 2 → 1 process fills in about 1 % of its events.
"""

from __future__ import annotations

from collections.abc import Mapping

from hepsurrogates.exceptions import InvalidArgumentError

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


SAMPLE = SampleSpec(
    name="dy_ll",
    description="Z/gamma* -> ll (l = e, mu, tau; only tau with tautau_only=1) with m_ll > mll_min GeV",
    options={"mll_min": 50.0, "mpi": 1.0, "tautau_only": 0.0, "jet_pt_min": 0.0},
    settings=_settings,
    default_chunk_size=2000,
)
