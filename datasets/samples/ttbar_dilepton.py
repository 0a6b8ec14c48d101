r"""tt̄ → b ℓ⁺ν b̄ ℓ⁻ν̄ (ℓ = e, μ), the tt̄ hypothesis of the Matrix Element Method family.

The dileptonic tt̄ sample of arXiv 2008.10949 (MoMEMta weights regressed by a DNN; PHYSICS.md
§1): LO ``Top:gg2ttbar`` and ``Top:qqbar2ttbar`` (q = d, u, s, c, b), with

* t → W b only (``6:onIfMatch = 24 5``; Pythia's t → W s, W d, together 0.18 %, are off), so
  every event has exactly the b b̄ pair of the MEM hypothesis;
* W → e ν or μ ν only (``24:onIfAny = 11 13``), no τ;
* the masses and widths of the MoMEMta tt̄ example, which the MEM teacher's Breit–Wigners
  use: m_t = 173 GeV, Γ_t = 1.4915 GeV, m_W = 80.419 GeV, Γ_W = 2.0476 GeV. Pythia would
  compute Γ_t = 1.357 GeV and Γ_W = 2.092 GeV itself, so ``doForceWidth`` imposes them
  (the branching ratios are rescaled, their ratios kept);
* Pythia's default PDF (NNPDF2.3 QCD+QED LO), shower, MPI (``mpi`` option, as ``dy_ll``)
  and hadronisation.

Pythia's σ for this sample (the decays' branching fractions included, (2 × 10.8 %)²) is about
25 pb at 13 TeV, LO.

Teacher columns (``Teacher_<name>``), from Pythia's hard-process record ``pythia.process``:
the top quarks and W bosons are taken at status −22 (decayed resonances), the b quarks,
charged leptons and neutrinos at status 23 (outgoing of the top and W decays); that is the
parton level *after* the resonance decays and *before* ISR, FSR, MPI and hadronisation, the
same particles as ``LHEPart``. Their momenta close exactly: t = b + ℓ⁺ + ν, and the sum of
the six decay products is the incoming parton pair ((x₁ + x₂)√s/2, 0, 0, (x₁ − x₂)√s/2).

* ``top``, ``antitop``, ``Wplus``, ``Wminus``, ``b``, ``bbar``, ``lplus``, ``lminus``,
  ``nu``, ``nubar`` with ``_px, _py, _pz, _e`` (GeV, float64: the MEM closure tests need
  momentum conservation beyond float32); ℓ⁺ and ν come from the t (W⁺), ℓ⁻ and ν̄ from the t̄;
* ``lplus_pdgId`` (−11 or −13), ``lminus_pdgId`` (11 or 13);
* ``x1``, ``x2`` (float64) and ``id1``, ``id2`` (PDG codes of the incoming partons, 21 for
  gluons), Pythia's ``Info`` values of the hard process.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from hepsurrogates.constants import GAMMA_TOP, GAMMA_W, M_TOP, M_W

from .base import SampleSpec
from .hard_process import (
    OUTGOING,
    RESONANCE,
    find_unique,
    four_momentum,
    initial_state,
    require_mother,
    take,
)

__all__ = ["SAMPLE"]


def _settings(options: Mapping[str, float]) -> list[str]:
    return [
        "Top:gg2ttbar = on",
        "Top:qqbar2ttbar = on",
        f"6:m0 = {M_TOP:.6g}",
        f"6:mWidth = {GAMMA_TOP:.6g}",
        "6:doForceWidth = on",
        "6:onMode = off",
        "6:onIfMatch = 24 5",
        f"24:m0 = {M_W:.6g}",
        f"24:mWidth = {GAMMA_W:.6g}",
        "24:doForceWidth = on",
        "24:onMode = off",
        "24:onIfAny = 11 13",
        f"PartonLevel:MPI = {'on' if options['mpi'] else 'off'}",
    ]


def _teacher(info: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Parton-level tt̄ decay chain and initial state of every event (see the module doc)."""
    top = find_unique(info, (6,), RESONANCE, "top quark")
    antitop = find_unique(info, (-6,), RESONANCE, "top antiquark")
    w_plus = find_unique(info, (24,), RESONANCE, "W+")
    w_minus = find_unique(info, (-24,), RESONANCE, "W-")
    b = find_unique(info, (5,), OUTGOING, "b quark")
    bbar = find_unique(info, (-5,), OUTGOING, "b antiquark")
    l_plus = find_unique(info, (-11, -13), OUTGOING, "positive lepton")
    l_minus = find_unique(info, (11, 13), OUTGOING, "negative lepton")
    nu = find_unique(info, (12, 14), OUTGOING, "neutrino")
    nubar = find_unique(info, (-12, -14), OUTGOING, "antineutrino")
    for child, mother, names in (
        (b, top, ("b quark", "top quark")), (w_plus, top, ("W+", "top quark")),
        (bbar, antitop, ("b antiquark", "top antiquark")), (w_minus, antitop, ("W-", "top antiquark")),
        (l_plus, w_plus, ("positive lepton", "W+")), (nu, w_plus, ("neutrino", "W+")),
        (l_minus, w_minus, ("negative lepton", "W-")), (nubar, w_minus, ("antineutrino", "W-")),
    ):
        require_mother(info, child, mother, *names)
    out: dict[str, np.ndarray] = {}
    for name, index in (("top", top), ("antitop", antitop), ("Wplus", w_plus), ("Wminus", w_minus),
                        ("b", b), ("bbar", bbar), ("lplus", l_plus), ("lminus", l_minus),
                        ("nu", nu), ("nubar", nubar)):
        out.update(four_momentum(info, index, name))
    out["lplus_pdgId"] = take(info, "id", l_plus).astype(np.int32)
    out["lminus_pdgId"] = take(info, "id", l_minus).astype(np.int32)
    out.update(initial_state(info))
    return out


SAMPLE = SampleSpec(
    name="ttbar_dilepton",
    description="ttbar -> b l+ nu bbar l- nubar (l = e, mu), LO gg/qqbar, m_t 173 GeV",
    options={"mpi": 1.0},
    settings=_settings,
    teacher=_teacher,
    default_chunk_size=2000,
)
