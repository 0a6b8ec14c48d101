r"""Total cross section of the H → ZA teacher's own |M|², the (M_H, M_A) dependence of σ_vis.

A MEM likelihood is :math:`P(x|\alpha) = W(x|\alpha)/\sigma_{vis}(\alpha)` (PHYSICS.md §1). With the
overall constant of :mod:`.hza_matrix_element` and the acceptance ε(α) of the event selection,
:math:`\sigma_{vis}(\alpha) \propto \sigma(\alpha)\,\varepsilon(\alpha)`, where σ(α) is the LO
cross section of the same |M|² with the same gluon density (Q = M_H):

.. math::

    \sigma(\alpha) = \int d\tau\,dy\; f_g(x_1)f_g(x_2)\,\frac{1}{2\hat s}\int d\Phi_4\,|M|^2,
    \qquad x_{1,2} = \sqrt\tau\,e^{\pm y},

estimated by Monte Carlo: ŝ, s_Z and s_A from their Breit–Wigner maps (:mod:`.breit_wigner`),
y uniform, and the four-body phase space factorised into isotropic two-body decays,
:math:`d\Phi_4 = d\Phi_2(\hat s; s_Z, s_A)\,\frac{ds_Z}{2\pi}\frac{ds_A}{2\pi}\,d\Phi_2(s_Z)\,d\Phi_2(s_A)`,
:math:`\int d\Phi_2(M; m_1, m_2) = |\vec p^*|/(4\pi M)`. With ``bw_cutoff`` the H and A masses are
limited to m₀ ± cutoff·Γ, as the ``hza_llbb`` sample generates them (MadGraph's ``bwcutoff`` = 15).

Closure (tests): in the narrow-width limit σ tends to the closed form

.. math::

    \sigma_{NWA} = N\,\frac{\pi M_H}{2s\Gamma_H}\int dy\,f_g f_g\Big|_{\tau=M_H^2/s}\;
        \frac{\lambda^{1/2}}{8\pi M_H^2}\,\frac{1}{4\pi^2}\,\frac{\pi}{M_Z\Gamma_Z}\frac{\pi}{M_A\Gamma_A}\;
        \frac{\lambda}{24\pi}\;\frac{M_A^2}{8\pi},\qquad \lambda = \lambda(M_H^2, M_Z^2, M_A^2),

(Z decay: :math:`\langle 2(p_1\cdot q)(p_2\cdot q) - (p_1\cdot p_2)q^2\rangle = \lambda/3` in the Z frame
with q = 2p_A + p_Z; A decay: s_bb = M_A²).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError

from .breit_wigner import breit_wigner_map
from .constants import GAMMA_Z, M_Z, SQRT_S
from .hza_matrix_element import HZA_NORMALISATION, hza_matrix_element_squared
from .pdf import DEFAULT_PDF, load_grid

__all__ = ["hza_cross_section", "hza_cross_section_nwa"]


def _u_range(lo: float, hi: float, mass: float, width: float) -> tuple[float, float]:
    atan = np.arctan(mass / width)
    span = 0.5 * np.pi + atan
    return tuple(float((np.arctan((s - mass**2) / (mass * width)) + atan) / span) for s in (lo, hi))


def _isotropic(rng: np.random.Generator, n: int) -> np.ndarray:
    cos_t = rng.uniform(-1.0, 1.0, n)
    phi = rng.uniform(0.0, 2.0 * np.pi, n)
    sin_t = np.sqrt(1.0 - cos_t**2)
    return np.column_stack([sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t])


def _decay(rng: np.random.Generator, parent: np.ndarray, m: np.ndarray, m1: np.ndarray, m2: np.ndarray):
    """Isotropic two-body decay of ``parent`` (n, 4) of mass m into masses m1, m2, in its frame,
    boosted to the frame of ``parent``; returns (p1, p2, |p*|)."""
    lam = (m**2 - (m1 + m2) ** 2) * (m**2 - (m1 - m2) ** 2)
    pstar = np.sqrt(np.maximum(lam, 0.0)) / (2.0 * m)
    d = _isotropic(rng, m.size) * pstar[:, None]
    out = []
    for sign, mass in ((1.0, m1), (-1.0, m2)):
        p = np.column_stack([np.sqrt(pstar**2 + mass**2), sign * d])
        beta = parent[:, 1:] / parent[:, :1]
        b2 = np.sum(beta**2, axis=1)
        gamma = 1.0 / np.sqrt(1.0 - b2)
        bp = np.sum(beta * p[:, 1:], axis=1)
        coef = np.where(b2 > 0.0, (gamma - 1.0) * bp / np.where(b2 > 0.0, b2, 1.0), 0.0) + gamma * p[:, 0]
        out.append(np.column_stack([gamma * (p[:, 0] + bp), p[:, 1:] + coef[:, None] * beta]))
    return out[0], out[1], pstar


def hza_cross_section(m_h: float, m_a: float, *, rel_width_h: float = 0.01, rel_width_a: float = 0.01,
                      bw_cutoff: float | None = 15.0, n_points: int = 200_000, seed: int = 0,
                      pdf: str | Path = DEFAULT_PDF, sqrt_s: float = SQRT_S) -> tuple[float, float]:
    """Monte Carlo σ(M_H, M_A) of the teacher's |M|² (module docstring) and its standard error, in
    GeV⁻² × the constant N of :mod:`.hza_matrix_element` (multiply by 0.3894e9 for pb)."""
    if not (np.isfinite(m_h) and np.isfinite(m_a) and 0.0 < m_a < m_h - M_Z):
        raise InvalidArgumentError(f"m_h, m_a: expected 0 < M_A < M_H - M_Z, found {m_h!r}, {m_a!r}")
    if n_points < 1000:
        raise InvalidArgumentError(f"n_points: expected >= 1000, found {n_points!r}")
    rng = np.random.default_rng(seed)
    n = int(n_points)
    g_h, g_a = rel_width_h * m_h, rel_width_a * m_a
    if bw_cutoff is None:
        h_lo, h_hi = (M_Z + 1.0) ** 2, (4.0 * m_h) ** 2
        a_lo, a_hi = 1.0, (m_h - M_Z) ** 2
    else:
        h_lo, h_hi = (m_h - bw_cutoff * g_h) ** 2, (m_h + bw_cutoff * g_h) ** 2
        a_lo, a_hi = max(m_a - bw_cutoff * g_a, 0.0) ** 2, (m_a + bw_cutoff * g_a) ** 2
    u_lo, u_hi = _u_range(h_lo, h_hi, m_h, g_h)
    shat, jac_h = breit_wigner_map(u_lo + (u_hi - u_lo) * rng.random(n), m_h, g_h)
    jac = jac_h * (u_hi - u_lo)
    # s_A per point within [a_lo, min(a_hi, ŝ)]
    atan_a = np.arctan(m_a / g_a)
    span_a = 0.5 * np.pi + atan_a
    ua_lo = (np.arctan((a_lo - m_a**2) / (m_a * g_a)) + atan_a) / span_a
    ua_hi = (np.arctan((np.minimum(a_hi, shat) - m_a**2) / (m_a * g_a)) + atan_a) / span_a
    s_a, jac_a = breit_wigner_map(np.clip(ua_lo + (ua_hi - ua_lo) * rng.random(n), 0.0, 1.0 - 1e-15), m_a, g_a)
    jac *= jac_a * np.maximum(ua_hi - ua_lo, 0.0)
    # s_Z per point up to (sqrt(shat) - sqrt(s_a))^2
    z_hi = (np.sqrt(shat) - np.sqrt(s_a)) ** 2
    atan = np.arctan(M_Z / GAMMA_Z)
    span = 0.5 * np.pi + atan
    uz_hi = (np.arctan((z_hi - M_Z**2) / (M_Z * GAMMA_Z)) + atan) / span
    uz_lo = (np.arctan((1e-2 - M_Z**2) / (M_Z * GAMMA_Z)) + atan) / span
    uz = uz_lo + (uz_hi - uz_lo) * rng.random(n)
    s_z, jac_z = breit_wigner_map(np.clip(uz, 0.0, 1.0 - 1e-15), M_Z, GAMMA_Z)
    jac *= jac_z * np.maximum(uz_hi - uz_lo, 0.0)
    tau = shat / sqrt_s**2
    y_max = -0.5 * np.log(tau)
    y = rng.uniform(-1.0, 1.0, n) * y_max
    jac *= 2.0 * y_max / sqrt_s**2  # dτ = dŝ/s, dy over [−y_max, y_max]
    x1, x2 = np.sqrt(tau) * np.exp(y), np.sqrt(tau) * np.exp(-y)
    rs = np.sqrt(shat)
    h = np.column_stack([rs, np.zeros((n, 3))])
    z, a, pz_star = _decay(rng, h, rs, np.sqrt(s_z), np.sqrt(s_a))
    zero = np.zeros(n)
    l1, l2, _ = _decay(rng, z, np.sqrt(s_z), zero, zero)
    b1, b2, _ = _decay(rng, a, np.sqrt(s_a), zero, zero)
    me = hza_matrix_element_squared(l1, l2, b1, b2, m_h, m_a, g_h, g_a)
    phase = (pz_star / (4.0 * np.pi * rs)) / (2.0 * np.pi) ** 2 / (8.0 * np.pi) ** 2
    grid = load_grid(pdf)
    xf = grid.xfxQ(21, np.concatenate([x1, x2]), m_h, clip_negative=True)
    lumi = xf[:n] * xf[n:] / (x1 * x2)
    values = np.where(np.isfinite(me), lumi / (2.0 * shat) * phase * me * jac, 0.0)
    return float(values.mean()), float(values.std() / np.sqrt(n))


def hza_cross_section_nwa(m_h: float, m_a: float, *, rel_width_h: float = 0.01, rel_width_a: float = 0.01,
                          pdf: str | Path = DEFAULT_PDF, sqrt_s: float = SQRT_S, n_y: int = 2001) -> float:
    """The narrow-width closed form of the module docstring (y integral by Simpson's rule)."""
    from scipy.integrate import simpson

    g_h, g_a = rel_width_h * m_h, rel_width_a * m_a
    s = sqrt_s**2
    tau = m_h**2 / s
    y = np.linspace(0.5 * np.log(tau), -0.5 * np.log(tau), n_y) * (1.0 - 1e-12)
    x1, x2 = np.sqrt(tau) * np.exp(y), np.sqrt(tau) * np.exp(-y)
    xf = load_grid(pdf).xfxQ(21, np.concatenate([x1, x2]), m_h, clip_negative=True)
    lumi = float(simpson(xf[:n_y] * xf[n_y:] / (x1 * x2), x=y))
    lam = (m_h**2 - (M_Z + m_a) ** 2) * (m_h**2 - (M_Z - m_a) ** 2)
    return (HZA_NORMALISATION * np.pi * m_h / (2.0 * s * g_h) * lumi * np.sqrt(lam) / (8.0 * np.pi * m_h**2)
            / (4.0 * np.pi**2) * np.pi / (M_Z * GAMMA_Z) * np.pi / (m_a * g_a) * lam / (24.0 * np.pi)
            * m_a**2 / (8.0 * np.pi))
