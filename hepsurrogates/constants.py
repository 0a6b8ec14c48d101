"""Physical constants (PDG values, GeV) shared by generators, teachers and features."""

from __future__ import annotations

__all__ = [
    "M_TAU", "M_MU", "M_E", "M_PI_CHARGED", "M_Z", "GAMMA_Z", "M_W", "GAMMA_W",
    "M_TOP", "GAMMA_TOP", "SIN2_THETA_W", "G_FERMI", "ALPHA_EM_MZ", "SQRT_S_13TEV",
    "NEUTRINO_IDS",
]

M_TAU = 1.77686
M_MU = 0.1056583755
M_E = 0.00051099895
M_PI_CHARGED = 0.13957039
M_Z = 91.1876
GAMMA_Z = 2.4952
M_W = 80.419
GAMMA_W = 2.0476
M_TOP = 173.0
GAMMA_TOP = 1.4915
SIN2_THETA_W = 0.2312
G_FERMI = 1.1663787e-5
#: MadGraph default α(M_Z) = 1/132.507.
ALPHA_EM_MZ = 1.0 / 132.507
SQRT_S_13TEV = 13000.0
#: PDG codes of the Standard Model neutrinos (absolute values).
NEUTRINO_IDS = (12, 14, 16)
