r"""Leading-order q q̄ → Z/γ* → ℓ⁺ℓ⁻: spin- and colour-averaged |M|² and the partonic σ̂.

Textbook (Ellis–Stirling–Webber convention; PHYSICS.md §1), θ the angle between the incoming
quark and the ℓ⁻ in the partonic rest frame, massless fermions:

.. math::

    \langle|M|^2\rangle = \frac{(4\pi\alpha)^2}{3}\,[A_0(1+\cos^2\theta) + A_1\cos\theta],
    \qquad
    \frac{d\hat\sigma}{d\Omega} = \frac{\langle|M|^2\rangle}{64\pi^2\hat s}
        = \frac{\alpha^2}{12\hat s}[A_0(1+\cos^2\theta) + A_1\cos\theta],

    A_0 = Q_q^2 - 2Q_q v_\ell v_q\,\mathrm{Re}\,\chi + (v_\ell^2+a_\ell^2)(v_q^2+a_q^2)|\chi|^2,
    \qquad
    A_1 = -4Q_q a_\ell a_q\,\mathrm{Re}\,\chi + 8v_\ell a_\ell v_q a_q|\chi|^2,

    v_f = T_{3,f} - 2Q_f\sin^2\theta_W,\quad a_f = T_{3,f},\quad
    \chi(\hat s) = \frac{\sqrt2\,G_F M_Z^2}{4\pi\alpha}\,\frac{\hat s}{\hat s - M_Z^2 + iM_Z\Gamma_Z},

and, integrated over the solid angle, :math:`\hat\sigma = 4\pi\alpha^2 A_0/(9\hat s)` (the 1/3
colour average included); the forward–backward asymmetry is :math:`A_{FB} = 3A_1/(8A_0)`.
Results are in natural units (GeV⁻² for σ̂).

Example:
    >>> import numpy as np
    >>> round(float(forward_backward_asymmetry(np.array([91.1876**2]), "d")[0]), 3)
    0.105
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError

from ._checks import as_float_array
from .constants import ALPHA_EM, CHARGE, G_FERMI, GAMMA_Z, ISOSPIN, M_Z, SIN2_THETA_W

__all__ = [
    "Quark",
    "couplings",
    "propagator_ratio",
    "angular_coefficients",
    "matrix_element_squared",
    "differential_cross_section",
    "partonic_cross_section",
    "forward_backward_asymmetry",
]

Quark = Literal["u", "d"]


def couplings(kind: str) -> tuple[float, float, float]:
    r"""``(Q, v, a)`` of a fermion kind (``"u"``, ``"d"``, ``"lepton"``, ``"neutrino"``):
    :math:`v = T_3 - 2Q\sin^2\theta_W`, :math:`a = T_3`."""
    if kind not in CHARGE:
        raise InvalidArgumentError(f"fermion kind: expected one of {sorted(CHARGE)}, found {kind!r}")
    q, t3 = CHARGE[kind], ISOSPIN[kind]
    return q, t3 - 2.0 * q * SIN2_THETA_W, t3


def _check_quark(quark: str) -> None:
    if quark not in ("u", "d"):
        raise InvalidArgumentError(f"quark: expected 'u' (up-type) or 'd' (down-type), found {quark!r}")


def _check_shat(shat: Any) -> np.ndarray:
    shat = as_float_array("shat", shat)
    if np.any(shat <= 0.0):
        raise InvalidArgumentError("shat: expected the partonic centre-of-mass energy squared > 0")
    return shat


def propagator_ratio(shat: Any) -> np.ndarray:
    r"""Complex :math:`\chi(\hat s)`, the Z propagator relative to the photon's."""
    shat = _check_shat(shat)
    kappa = np.sqrt(2.0) * G_FERMI * M_Z**2 / (4.0 * np.pi * ALPHA_EM)
    return kappa * shat / (shat - M_Z**2 + 1j * M_Z * GAMMA_Z)


def angular_coefficients(shat: Any, quark: Quark) -> tuple[np.ndarray, np.ndarray]:
    """``(A0, A1)`` of the angular distribution A0 (1 + cos²θ) + A1 cosθ."""
    _check_quark(quark)
    chi = propagator_ratio(shat)
    q_q, v_q, a_q = couplings(quark)
    _, v_l, a_l = couplings("lepton")
    re_chi, abs2 = chi.real, (chi * chi.conj()).real
    a0 = q_q**2 - 2.0 * q_q * v_l * v_q * re_chi + (v_l**2 + a_l**2) * (v_q**2 + a_q**2) * abs2
    a1 = -4.0 * q_q * a_l * a_q * re_chi + 8.0 * v_l * a_l * v_q * a_q * abs2
    return a0, a1


def matrix_element_squared(shat: Any, cos_theta: Any, quark: Quark) -> np.ndarray:
    r"""Spin- and colour-averaged :math:`\langle|M|^2\rangle` (dimensionless).

    Args:
        shat: partonic ŝ (GeV²), broadcast against ``cos_theta``.
        cos_theta: cosine of the angle between the quark and the ℓ⁻ in the partonic frame.
        quark: ``"u"`` for up-type (u, c) or ``"d"`` for down-type (d, s, b) quarks.
    """
    cos_theta = as_float_array("cos_theta", cos_theta)
    if np.any(np.abs(cos_theta) > 1.0):
        raise InvalidArgumentError("cos_theta: expected values in [-1, 1]")
    a0, a1 = angular_coefficients(shat, quark)
    return (4.0 * np.pi * ALPHA_EM) ** 2 / 3.0 * (a0 * (1.0 + cos_theta**2) + a1 * cos_theta)


def differential_cross_section(shat: Any, cos_theta: Any, quark: Quark) -> np.ndarray:
    r""":math:`d\hat\sigma/d\Omega = \langle|M|^2\rangle/(64\pi^2\hat s)` (GeV⁻² sr⁻¹)."""
    shat_arr = _check_shat(shat)
    return matrix_element_squared(shat_arr, cos_theta, quark) / (64.0 * np.pi**2 * shat_arr)


def partonic_cross_section(shat: Any, quark: Quark) -> np.ndarray:
    r"""Closed form :math:`\hat\sigma = 4\pi\alpha^2 A_0/(9\hat s)` (GeV⁻²)."""
    shat_arr = _check_shat(shat)
    a0, _ = angular_coefficients(shat_arr, quark)
    return 4.0 * np.pi * ALPHA_EM**2 * a0 / (9.0 * shat_arr)


def forward_backward_asymmetry(shat: Any, quark: Quark) -> np.ndarray:
    r""":math:`A_{FB} = 3A_1/(8A_0)` (ℓ⁻ forward along the quark)."""
    a0, a1 = angular_coefficients(shat, quark)
    return 3.0 * a1 / (8.0 * a0)
