"""Shared relativistic kinematics on numpy or awkward arrays (natural units, GeV).

All functions are plain ufunc arithmetic, so they work unchanged on numpy arrays, on eager
awkward arrays and on dask-awkward arrays. Conventions follow CMS NanoAOD: φ in (−π, π],
η = asinh(p_z / p_T).

Example:
    >>> import numpy as np
    >>> round(float(transverse_mass(40.0, 0.0, 40.0, np.pi)), 6)
    80.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "ETA_AT_ZERO_PT",
    "pt",
    "phi",
    "eta",
    "mass",
    "to_cartesian",
    "delta_phi",
    "delta_r",
    "transverse_mass",
    "invariant_mass",
]

ArrayLike = Any

#: |η| assigned to a particle with p_T = 0 (incoming partons), as ROOT's TVector3::Eta does.
ETA_AT_ZERO_PT = 1.0e10


def pt(px: ArrayLike, py: ArrayLike) -> ArrayLike:
    r"""Transverse momentum :math:`p_T = \sqrt{p_x^2 + p_y^2}`."""
    return np.hypot(px, py)


def phi(px: ArrayLike, py: ArrayLike) -> ArrayLike:
    r"""Azimuth :math:`\phi = \operatorname{atan2}(p_y, p_x)`."""
    return np.arctan2(py, px)


def eta(px: ArrayLike, py: ArrayLike, pz: ArrayLike) -> ArrayLike:
    r"""Pseudorapidity :math:`\eta = \operatorname{asinh}(p_z/p_T)`; ±1e10 where p_T = 0.

    Works on numpy input only (the p_T = 0 case needs item assignment).
    """
    px, py, pz = (np.asarray(a, dtype=np.float64) for a in (px, py, pz))
    ptv = np.hypot(px, py)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.arcsinh(pz / ptv)
    zero = ptv == 0.0
    out[zero] = np.where(pz[zero] >= 0.0, ETA_AT_ZERO_PT, -ETA_AT_ZERO_PT)
    return out


def mass(e: ArrayLike, px: ArrayLike, py: ArrayLike, pz: ArrayLike) -> ArrayLike:
    r"""Invariant mass :math:`\sqrt{\max(E^2 - |\vec p|^2, 0)}` (negative m² from rounding → 0)."""
    m2 = e * e - (px * px + py * py + pz * pz)
    return np.sqrt(np.maximum(m2, 0.0))


def to_cartesian(
    pt_: ArrayLike, eta_: ArrayLike, phi_: ArrayLike, mass_: ArrayLike
) -> tuple[ArrayLike, ArrayLike, ArrayLike, ArrayLike]:
    r"""(p_T, η, φ, m) → (p_x, p_y, p_z, E) with :math:`p_z = p_T \sinh\eta`."""
    px = pt_ * np.cos(phi_)
    py = pt_ * np.sin(phi_)
    pz = pt_ * np.sinh(eta_)
    e = np.sqrt(px * px + py * py + pz * pz + mass_ * mass_)
    return px, py, pz, e


def delta_phi(phi1: ArrayLike, phi2: ArrayLike) -> ArrayLike:
    r"""Signed azimuthal difference wrapped into [−π, π)."""
    return (phi1 - phi2 + np.pi) % (2.0 * np.pi) - np.pi


def delta_r(eta1: ArrayLike, phi1: ArrayLike, eta2: ArrayLike, phi2: ArrayLike) -> ArrayLike:
    r""":math:`\Delta R = \sqrt{\Delta\eta^2 + \Delta\phi^2}`."""
    return np.hypot(eta1 - eta2, delta_phi(phi1, phi2))


def transverse_mass(pt1: ArrayLike, phi1: ArrayLike, pt2: ArrayLike, phi2: ArrayLike) -> ArrayLike:
    r"""Massless transverse mass :math:`m_T = \sqrt{2 p_{T1} p_{T2} (1 - \cos\Delta\phi)}`.

    The definition used by the di-τ mass inputs (PHYSICS.md §4).
    """
    return np.sqrt(np.maximum(2.0 * pt1 * pt2 * (1.0 - np.cos(phi1 - phi2)), 0.0))


def invariant_mass(
    pt1: ArrayLike, eta1: ArrayLike, phi1: ArrayLike, m1: ArrayLike,
    pt2: ArrayLike, eta2: ArrayLike, phi2: ArrayLike, m2: ArrayLike,
) -> ArrayLike:
    """Invariant mass of the sum of two four-vectors given in (p_T, η, φ, m)."""
    ax, ay, az, ae = to_cartesian(pt1, eta1, phi1, m1)
    bx, by, bz, be = to_cartesian(pt2, eta2, phi2, m2)
    return mass(ae + be, ax + bx, ay + by, az + bz)
