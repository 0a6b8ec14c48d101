"""Electroweak constants and fermion quantum numbers of the MEM teacher (GeV units).

The masses, widths and couplings are the project-wide PDG values of
:mod:`hepsurrogates.constants` (one definition, re-exported here so a MEM module needs one
import); the values, with their sources (PHYSICS.md §1):

=========================  ===============  ==========================================
name                       value            source
=========================  ===============  ==========================================
``M_Z``, ``GAMMA_Z``       91.1876, 2.4952  PDG
``SIN2_THETA_W``           0.2312           PDG (effective leptonic, MS-bar ≈ 0.2312)
``G_FERMI``                1.1663787e-5     PDG, GeV⁻²
``ALPHA_EM``               1/132.507        MadGraph ``sm`` model default α(M_Z)
``M_W``, ``GAMMA_W``       80.419, 2.0476   MoMEMta tt̄ example (MadGraph param card)
``M_TOP``, ``GAMMA_TOP``   173.0, 1.4915    MoMEMta tt̄ example (MadGraph param card)
=========================  ===============  ==========================================

Fermion electric charges Q (units of e) and weak isospin T3 of the left-handed component are
textbook Standard Model assignments.
"""

from __future__ import annotations

from hepsurrogates.constants import (
    ALPHA_EM_MZ,
    G_FERMI,
    GAMMA_TOP,
    GAMMA_W,
    GAMMA_Z,
    M_TOP,
    M_W,
    M_Z,
    SIN2_THETA_W,
    SQRT_S_13TEV,
)

__all__ = [
    "M_Z", "GAMMA_Z", "M_W", "GAMMA_W", "M_TOP", "GAMMA_TOP", "SIN2_THETA_W", "G_FERMI",
    "ALPHA_EM", "SQRT_S", "CHARGE", "ISOSPIN",
]

#: α(M_Z), MadGraph default 1/132.507.
ALPHA_EM = ALPHA_EM_MZ
#: LHC Run-2 collision energy √s (GeV), the default of the blocks' Jacobians.
SQRT_S = SQRT_S_13TEV
#: Electric charge Q_f in units of e, by fermion kind.
CHARGE = {"u": 2.0 / 3.0, "d": -1.0 / 3.0, "lepton": -1.0, "neutrino": 0.0}
#: Third component of weak isospin T3_f (left-handed), by fermion kind.
ISOSPIN = {"u": 0.5, "d": -0.5, "lepton": -0.5, "neutrino": 0.5}
