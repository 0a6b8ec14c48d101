r"""gg → H → Z A → ℓ⁺ℓ⁻ b b̄ (ℓ = e, μ), the 2HDM signal of the Matrix Element Method family.

The heavy neutral scalar H of a two-Higgs-doublet model decays to a Z boson and the
pseudoscalar A when m_A < m_H − m_Z; with Z → ℓℓ and A → b b̄ this is the signal of the CMS
H → ZA search (arXiv 1911.03781) whose MoMEMta weights arXiv 2008.10949 regresses with a DNN
parametric in (M_H, M_A) (PHYSICS.md §1). A mass grid is a set of samples generated with
different ``mH``/``mA`` options; the defaults are one of the paper's two published ROC
points, (M_H, M_A) = (261.40, 150.50) GeV; the other is (442.63, 193.26) GeV.

Pythia 8 settings: ``Higgs:useBSM = on``, ``HiggsBSM:gg2H2`` (gg → H₂ = H, PDG 35, through
the top and bottom loops), H → Z A only (``35:onIfMatch = 23 36``: Pythia's default H₂ table
has the Z A channel, with the 2HDM partial width of its ``ResonanceH``), A → b b̄ only
(``36:onIfMatch = 5 -5``), Z → e e or μ μ only (``23:onIfAny = 11 13``), Pythia's default PDF,
shower, MPI (``mpi`` option) and hadronisation.

Widths (narrow-width signal, a documented choice): Pythia's own H₂ and A widths follow its
default, non-2HDM-benchmark couplings (5.1 GeV and 4 MeV at the default point), so both are
forced (``doForceWidth``) to Γ = ``rel_width_H``·m_H and ``rel_width_A``·m_A, 1 % by default:
narrow against the detector resolution (10 % on leptons, 30 % on b jets in the MEM transfer
functions), broad enough for the MEM teacher's Breit–Wigner mapping to stay well conditioned.
Each mass is generated within m₀ ± 15 Γ, MadGraph's default ``bwcutoff``, so the line shape
is the one a MadGraph-generated sample (as in the paper) has. The Z keeps its PDG mass and
Pythia's width. Pythia's σ depends on those couplings and is not a physical 2HDM cross
section (``physical_xsec = False``).

Teacher columns (``Teacher_<name>``), from Pythia's hard-process record ``pythia.process``
(H, Z, A at status −22, decayed resonances; leptons and b quarks at status 23), i.e. after
the resonance decays and before ISR, FSR, MPI and hadronisation (the ``LHEPart`` particles):

* ``mH``, ``mA``: the generated (Breit–Wigner) masses of this event's H and A, GeV; the
  nominal hypothesis (the ``mH``, ``mA`` options) is in the fileset metadata and in each
  file's provenance;
* ``H``, ``Z``, ``A``, ``lplus``, ``lminus``, ``b``, ``bbar`` with ``_px, _py, _pz, _e``
  (GeV, float64); the leptons come from the Z, the b quarks from the A;
* ``lminus_pdgId`` (11 or 13; ℓ⁺ is its antiparticle), ``x1``, ``x2``, ``id1``, ``id2``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from hepsurrogates.constants import M_Z
from hepsurrogates.exceptions import InvalidArgumentError

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

__all__ = ["SAMPLE", "PUBLISHED_POINTS", "BW_CUTOFF"]

#: (M_H, M_A) in GeV of the two ROC curves published in arXiv 2008.10949.
PUBLISHED_POINTS: tuple[tuple[float, float], ...] = ((261.40, 150.50), (442.63, 193.26))
#: Masses are generated within m₀ ± BW_CUTOFF·Γ (MadGraph ``run_card`` default ``bwcutoff``).
BW_CUTOFF = 15.0
_MA_MIN = 20.0  # GeV: A -> b bbar well above threshold for every allowed width
_MH_MAX = 3000.0
_REL_WIDTH_MAX = 0.05  # keeps m0 - 15 Gamma >= m0 / 4 > 0


def _check(options: Mapping[str, float]) -> None:
    m_h, m_a = options["mH"], options["mA"]
    r_h, r_a = options["rel_width_H"], options["rel_width_A"]
    if not (np.isfinite(m_h) and np.isfinite(m_a)):
        raise InvalidArgumentError(f"hza_llbb needs finite masses, got mH={m_h}, mA={m_a}")
    if not _MA_MIN <= m_a:
        raise InvalidArgumentError(f"hza_llbb needs mA >= {_MA_MIN:g} GeV, got mA={m_a}")
    if not m_a < m_h - M_Z:
        raise InvalidArgumentError(
            f"hza_llbb needs H -> Z A open, mA < mH - mZ = {m_h - M_Z:.4g} GeV "
            f"(mZ = {M_Z}), got mH={m_h}, mA={m_a}"
        )
    if not m_h <= _MH_MAX:
        raise InvalidArgumentError(f"hza_llbb needs mH <= {_MH_MAX:g} GeV, got mH={m_h}")
    for name, r in (("rel_width_H", r_h), ("rel_width_A", r_a)):
        if not 0.0 < r <= _REL_WIDTH_MAX:
            raise InvalidArgumentError(f"hza_llbb needs 0 < {name} <= {_REL_WIDTH_MAX}, got {r}")


def _resonance(pdg: int, mass: float, rel_width: float) -> list[str]:
    width = rel_width * mass
    return [
        f"{pdg}:m0 = {mass:.8g}",
        f"{pdg}:mWidth = {width:.8g}",
        f"{pdg}:doForceWidth = on",
        f"{pdg}:mMin = {mass - BW_CUTOFF * width:.8g}",
        f"{pdg}:mMax = {mass + BW_CUTOFF * width:.8g}",
    ]


def _settings(options: Mapping[str, float]) -> list[str]:
    _check(options)
    return [
        "Higgs:useBSM = on",
        "HiggsBSM:gg2H2 = on",
        *_resonance(35, options["mH"], options["rel_width_H"]),
        "35:onMode = off",
        "35:onIfMatch = 23 36",
        *_resonance(36, options["mA"], options["rel_width_A"]),
        "36:onMode = off",
        "36:onIfMatch = 5 -5",
        "23:onMode = off",
        "23:onIfAny = 11 13",
        f"PartonLevel:MPI = {'on' if options['mpi'] else 'off'}",
    ]


def _teacher(info: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Parton-level H → Z A → ℓℓ b b̄ chain of every event (see the module doc)."""
    higgs = find_unique(info, (35,), RESONANCE, "H")
    z = find_unique(info, (23,), RESONANCE, "Z")
    a = find_unique(info, (36,), RESONANCE, "A")
    l_minus = find_unique(info, (11, 13), OUTGOING, "negative lepton")
    l_plus = find_unique(info, (-11, -13), OUTGOING, "positive lepton")
    b = find_unique(info, (5,), OUTGOING, "b quark")
    bbar = find_unique(info, (-5,), OUTGOING, "b antiquark")
    for child, mother, names in (
        (z, higgs, ("Z", "H")), (a, higgs, ("A", "H")),
        (l_minus, z, ("negative lepton", "Z")), (l_plus, z, ("positive lepton", "Z")),
        (b, a, ("b quark", "A")), (bbar, a, ("b antiquark", "A")),
    ):
        require_mother(info, child, mother, *names)
    out: dict[str, np.ndarray] = {
        "mH": take(info, "m", higgs).astype(np.float64),
        "mA": take(info, "m", a).astype(np.float64),
    }
    for name, index in (("H", higgs), ("Z", z), ("A", a), ("lplus", l_plus), ("lminus", l_minus),
                        ("b", b), ("bbar", bbar)):
        out.update(four_momentum(info, index, name))
    out["lminus_pdgId"] = take(info, "id", l_minus).astype(np.int32)
    out.update(initial_state(info))
    return out


SAMPLE = SampleSpec(
    name="hza_llbb",
    description="gg -> H -> Z A -> ll bb (2HDM, l = e, mu), narrow H and A at (mH, mA) GeV",
    options={"mH": PUBLISHED_POINTS[0][0], "mA": PUBLISHED_POINTS[0][1],
             "rel_width_H": 0.01, "rel_width_A": 0.01, "mpi": 1.0},
    settings=_settings,
    teacher=_teacher,
    default_chunk_size=2000,
    physical_xsec=False,  # Pythia's default (non-benchmark) H2/A couplings set sigma x BR
)
