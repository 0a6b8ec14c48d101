r"""LO |M|² of dileptonic tt̄: production (gg and q q̄ → tt̄) and the t → b ℓ⁺ν decay chain.

Production, spin- and colour-averaged over the initial state and summed over the final state
(Ellis, Stirling, Webber, *QCD and Collider Physics*, table 10.2; Combridge, Nucl. Phys. B151
(1979) 429), in terms of :math:`\tau_{1,2} = 2\,q_1\cdot p_{t,\bar t}/\hat s` and
:math:`\rho = 4m^2/\hat s`:

.. math::

    \overline{|M|^2}_{q\bar q\to t\bar t} = g_s^4\,\frac49\Bigl(\tau_1^2+\tau_2^2+\frac{\rho}{2}\Bigr),
    \qquad
    \overline{|M|^2}_{gg\to t\bar t} = g_s^4\Bigl(\frac{1}{6\tau_1\tau_2}-\frac38\Bigr)
        \Bigl(\tau_1^2+\tau_2^2+\rho-\frac{\rho^2}{4\tau_1\tau_2}\Bigr).

On shell :math:`\tau_1 = (m^2 - \hat t)/\hat s` and τ₁ + τ₂ = 1. Off shell (the MEM integrates the
top masses over Breit–Wigners) the invariants are taken from the actual momenta, which keeps
τ₁ + τ₂ = 1 exactly, and m² is the mean of the two top virtualities, ρ = 2(s_t + s_t̄)/ŝ
(a documented choice; it reduces to the on-shell formula on shell). Where this continuation makes
the gg expression negative (τ₁τ₂ < ρ/4, far off shell) it is clipped at 0 (:func:`production_gg`).

Decay, summed over all spins, with the W propagator (unitary gauge; the k^μk^ν term vanishes
for massless leptons):

.. math::

    \sum|M(t\to b\,\ell^+\nu)|^2 = 4 g^4\,\frac{(p_t\cdot p_{\ell^+})(p_b\cdot p_\nu)}
        {(s_{\ell\nu}-m_W^2)^2 + m_W^2\Gamma_W^2},\qquad g^2 = 4\sqrt2\,G_F m_W^2,

the muon-decay result (Griffiths, *Introduction to Elementary Particles*, §10.3, there averaged
over the muon spin) with :math:`1/m_W^4` replaced by the Breit–Wigner; t̄ → b̄ ℓ⁻ν̄ is its CP
image, :math:`(p_{\bar t}\cdot p_{\ell^-})(p_{\bar b}\cdot p_{\bar\nu})`. Checked in the tests:
:math:`\frac{1}{2m_t}\int d\Phi_3\,\frac12\sum|M|^2` reproduces
:math:`\Gamma(t\to bW)\,\Gamma(W\to\ell\nu)/\Gamma_W` with
:math:`\Gamma(t\to bW) = \frac{G_Fm_t^3}{8\pi\sqrt2}(1-x)^2(1+2x)`, x = m_W²/m_t², and
:math:`\Gamma(W\to\ell\nu) = \frac{G_Fm_W^3}{6\pi\sqrt2}`.

Full chain (spin correlations between production and decay neglected, a documented
approximation: the tops are averaged over their spin in the decay, ½ each):

.. math::

    |M|^2 = \overline{|M|^2}_{prod}\;\prod_{t,\bar t}\frac{\tfrac12\sum|M_{dec}|^2}
            {(s_t-m_t^2)^2+m_t^2\Gamma_t^2}.

α_s runs at one loop with five flavours from α_s(M_Z) = 0.130, the value of the PDF that
Pythia and the teacher use (NNPDF2.3 QCD+QED LO, ``as_0130``).

Reference: PHYSICS.md §1; arXiv 2008.10949; MoMEMta arXiv 1805.08555.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import as_float_array
from .constants import G_FERMI, GAMMA_W, M_W, M_Z

__all__ = [
    "ALPHA_S_MZ", "alpha_s", "weak_coupling_squared", "production_qqbar", "production_gg",
    "top_decay", "top_width_to_lepton",
]

#: α_s(M_Z) of the teacher's PDF, NNPDF2.3 QCD+QED LO (``NNPDF23_lo_as_0130_qed``).
ALPHA_S_MZ = 0.130
_B0 = (33.0 - 2.0 * 5.0) / (12.0 * np.pi)


def alpha_s(q: Any, alpha_s_mz: float = ALPHA_S_MZ) -> np.ndarray:
    r"""One-loop α_s(Q) = α_s(M_Z)/(1 + α_s(M_Z) b₀ ln(Q²/M_Z²)), b₀ = (33 − 2·5)/(12π)."""
    q = as_float_array("q", q)
    return alpha_s_mz / (1.0 + alpha_s_mz * _B0 * np.log(q * q / (M_Z * M_Z)))


def weak_coupling_squared() -> float:
    r""":math:`g^2 = 4\sqrt2\,G_F m_W^2` (≈ 0.427)."""
    return 4.0 * np.sqrt(2.0) * G_FERMI * M_W * M_W


def production_qqbar(tau1: Any, tau2: Any, rho: Any) -> np.ndarray:
    r""":math:`\overline{|M|^2}/g_s^4` of q q̄ → tt̄ (ESW table 10.2)."""
    tau1, tau2, rho = (np.asarray(v, dtype=np.float64) for v in (tau1, tau2, rho))
    return 4.0 / 9.0 * (tau1 * tau1 + tau2 * tau2 + 0.5 * rho)


def production_gg(tau1: Any, tau2: Any, rho: Any) -> np.ndarray:
    r""":math:`\overline{|M|^2}/g_s^4` of g g → tt̄ (ESW table 10.2), clipped at 0.

    On shell τ₁τ₂ = (1 − β²cos²θ)/4 ≥ ρ/4 and the formula is positive. With the off-shell
    continuation of the module docstring (ρ from the mean top virtuality) and very unequal
    virtualities (one top hundreds of GeV off shell), τ₁τ₂ < ρ/4 becomes possible and the second
    factor turns negative, which no |M|² can be; those points get 0 (a documented choice: they
    are Breit–Wigner-suppressed by ~10⁻⁶, but VEGAS can find them and they changed one
    validation event's weight by −15 %).
    """
    tau1, tau2, rho = (np.asarray(v, dtype=np.float64) for v in (tau1, tau2, rho))
    t12 = tau1 * tau2
    value = (1.0 / (6.0 * t12) - 0.375) * (tau1 * tau1 + tau2 * tau2 + rho - rho * rho / (4.0 * t12))
    return np.maximum(value, 0.0)


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a[..., 0] * b[..., 0] - a[..., 1] * b[..., 1] - a[..., 2] * b[..., 2] - a[..., 3] * b[..., 3]


def top_decay(p_top: Any, p_b: Any, p_lepton: Any, p_nu: Any, m_w: float = M_W,
              gamma_w: float = GAMMA_W) -> np.ndarray:
    r""":math:`\sum|M|^2` of t → b ℓ⁺ ν (or, with the CP-image momenta, t̄ → b̄ ℓ⁻ ν̄).

    Four-vectors (E, px, py, pz) in GeV broadcast along the last axis; the W virtuality is
    :math:`s_{\ell\nu} = (p_\ell + p_\nu)^2`. Dimensionless: two dot products (GeV⁴) over the
    squared propagator denominator (GeV⁴).
    """
    p_top, p_b, p_lepton, p_nu = (np.asarray(v, dtype=np.float64) for v in (p_top, p_b, p_lepton, p_nu))
    w = p_lepton + p_nu
    s_w = _dot(w, w)
    g2 = 4.0 * np.sqrt(2.0) * G_FERMI * m_w * m_w
    bw = (s_w - m_w * m_w) ** 2 + (m_w * gamma_w) ** 2
    return 4.0 * g2 * g2 * _dot(p_top, p_lepton) * _dot(p_b, p_nu) / bw


def top_width_to_lepton(m_top: float, m_w: float = M_W, gamma_w: float = GAMMA_W) -> float:
    r"""Narrow-W partial width :math:`\Gamma(t\to bW)\,\Gamma(W\to\ell\nu)/\Gamma_W` for one lepton
    flavour (GeV), the closed form that :func:`top_decay` integrates to."""
    x = (m_w / m_top) ** 2
    gamma_tbw = G_FERMI * m_top**3 / (8.0 * np.pi * np.sqrt(2.0)) * (1.0 - x) ** 2 * (1.0 + 2.0 * x)
    gamma_wlv = G_FERMI * m_w**3 / (6.0 * np.pi * np.sqrt(2.0))
    return float(gamma_tbw * gamma_wlv / gamma_w)
