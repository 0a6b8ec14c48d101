r"""q q̄ → γ*/Z → ℓ⁻ℓ⁺ with four-fermion contact interactions: |M|² per event at any θ = (c_LL, c_LR).

The helicity amplitudes (Eichten, Lane, Peskin, PRL 50 (1983) 811; textbook), in the convention of
Pythia 8's ``Sigma2QCffbar2llbar`` (the process the ``dy_contact`` sample generates), for
incoming quark chirality X and lepton chirality Y:

.. math::

    A_{XY}(\hat s) = \frac{e^2 Q_q Q_\ell}{\hat s}
        + \frac{e^2}{s_W^2 c_W^2}\,\frac{g_X^q g_Y^\ell}{\hat s - m_Z^2 + i m_Z\Gamma_Z}
        + 4\pi\,\frac{\eta_{XY}}{\Lambda^2},
    \qquad g_{L,R}^f = \tfrac14 (v_f \pm a_f),\ a_f = \pm 1,\ v_f = a_f - 4 e_f \bar s_W^2,

.. math::

    \langle|M|^2\rangle = 16\pi\hat s^2\,\frac{d\hat\sigma}{d\hat t}
        = \frac{1}{3}\left[\hat u^2\left(|A_{LL}|^2 + |A_{RR}|^2\right)
        + \hat t^2\left(|A_{LR}|^2 + |A_{RL}|^2\right)\right],

with :math:`\hat t = (p_q - p_{\ell^-})^2`, :math:`\hat u = (p_q - p_{\ell^+})^2` and the 1/3 the colour
average. The parameters are θ = (c_LL, c_LR) = η_LL/Λ², η_LR/Λ² in TeV⁻² (η_RR = η_RL = 0); each
A_XY is linear in θ, so |M|² is a quadratic in θ with coefficients per event
(:func:`msq_coefficients`), morphed exactly by :class:`hepsurrogates.morphing.Morphing`.

Electroweak inputs are Pythia 8.3's defaults, and the ``dy_contact`` sample sets them explicitly
(:data:`PYTHIA_SETTINGS`) so that the teacher's |M|² is the generator's: α_em fixed at its M_Z
value (``SigmaProcess:alphaEMorder = -1``: no running, which would make α depend on Pythia's
renormalisation scale), sin²θ_W = 0.2312 in the Z coupling normalisation, sin²θ̄_W = 0.2315 in
the vector couplings, and a fixed-width Z propagator with m_Z = 91.1876 GeV and the total width
Pythia computes from these inputs at initialisation, Γ_Z = 2.50419 GeV (it recomputes the Z width;
``23:mWidth`` with ``23:doForceWidth`` does not hold it: measured with pythia8mc 8.317.2, and a test
pins it).

Example (the photon-only limit far below the Z, where the angular shape is 1 + cos²θ):
    >>> import numpy as np
    >>> s = np.array([100.0])
    >>> c = msq_coefficients(s, -s / 2, -s / 2, np.array([2]))
    >>> c.shape
    (1, 6)
    >>> bool(c[0, 4] == 0.0)        # no c_LL c_LR term: they live in different helicities
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError

__all__ = ["ALPHA_EM", "SIN2_THETA_W", "SIN2_THETA_W_BAR", "M_Z", "GAMMA_Z", "PARAMETERS", "PYTHIA_SETTINGS",
           "chiral_couplings", "sm_amplitudes", "msq_coefficients", "mandelstam"]

#: α_em(M_Z), Pythia 8.3's ``StandardModel:alphaEMmZ``
ALPHA_EM = 0.00781751
#: Pythia 8.3's ``StandardModel:sin2thetaW`` (the e²/(s²c²) normalisation of the Z coupling)
SIN2_THETA_W = 0.2312
#: Pythia 8.3's ``StandardModel:sin2thetaWbar`` (the vector couplings v_f)
SIN2_THETA_W_BAR = 0.2315
M_Z = 91.1876
#: the Z width Pythia 8.317 computes at initialisation (a test pins it against ``particleData.mWidth(23)``)
GAMMA_Z = 2.504189709593428
#: the two parameters, in TeV⁻²: the LL and LR (quark-left, lepton-right) contact coefficients η/Λ²
PARAMETERS = ("cLL", "cLR")
#: the generator settings that make Pythia's |M|² the one of this module
PYTHIA_SETTINGS = (
    "SigmaProcess:alphaEMorder = -1",
    f"StandardModel:alphaEMmZ = {ALPHA_EM}",
    f"StandardModel:sin2thetaW = {SIN2_THETA_W}",
    f"StandardModel:sin2thetaWbar = {SIN2_THETA_W_BAR}",
    f"23:m0 = {M_Z}",
    "ContactInteractions:etaRR = 0",
    "ContactInteractions:etaRL = 0",
)
_TEV2_TO_GEV2 = 1.0e-6
_CHARGE = {1: -1.0 / 3.0, 2: 2.0 / 3.0, 3: -1.0 / 3.0, 4: 2.0 / 3.0, 5: -1.0 / 3.0, 11: -1.0, 13: -1.0, 15: -1.0}


def chiral_couplings(abs_id: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(Q, g_L, g_R)`` of quarks (1–5) and charged leptons (11, 13, 15) by |PDG id|.

    Raises:
        InvalidArgumentError: another particle.
    """
    abs_id = np.asarray(abs_id)
    known = np.isin(abs_id, list(_CHARGE))
    if not np.all(known):
        raise InvalidArgumentError(f"contact amplitude: expected quarks 1-5 or charged leptons, found PDG id "
                                   f"{int(abs_id[~known].flat[0])}")
    q = np.vectorize(_CHARGE.get, otypes=[np.float64])(abs_id) if abs_id.size else np.zeros(abs_id.shape)
    a = np.where(q > 0, 1.0, -1.0)
    v = a - 4.0 * q * SIN2_THETA_W_BAR
    return q, 0.25 * (v + a), 0.25 * (v - a)


def sm_amplitudes(shat: np.ndarray, quark: np.ndarray, lepton: int = 13) -> dict[str, np.ndarray]:
    """The γ + Z amplitudes A_XY (complex, GeV⁻²) for X, Y ∈ {L, R} (module docstring)."""
    e2 = 4.0 * np.pi * ALPHA_EM
    qq, lq, rq = chiral_couplings(np.abs(quark))
    ql, ll, rl = chiral_couplings(np.asarray(abs(lepton)))
    photon = e2 * qq * ql / shat
    z = e2 / (SIN2_THETA_W * (1.0 - SIN2_THETA_W)) / (shat - M_Z**2 + 1j * M_Z * GAMMA_Z)
    return {"LL": photon + z * lq * ll, "RR": photon + z * rq * rl, "LR": photon + z * lq * rl,
            "RL": photon + z * rq * ll}


def msq_coefficients(shat: Any, that: Any, uhat: Any, quark: Any, lepton: int = 13) -> np.ndarray:
    r"""Per-event coefficients c_k of ⟨|M|²⟩ = Σ_k c_k f_k(θ), f = (1, c_LL, c_LR, c_LL², c_LL c_LR, c_LR²),
    θ in TeV⁻², shape (n, 6); dimensionless (module docstring).

    Args:
        shat, that, uhat: ŝ, t̂ = (p_q − p_ℓ⁻)², û = (p_q − p_ℓ⁺)² in GeV².
        quark: the PDG id of the incoming quark (1–5; its antiquark is the other parton).
        lepton: the |PDG id| of the outgoing lepton.

    Raises:
        InvalidArgumentError: ŝ ≤ 0, non-finite kinematics, or not a quark.
    """
    s, t, u = (np.asarray(v, dtype=np.float64) for v in (shat, that, uhat))
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(t)) and np.all(np.isfinite(u))):
        raise InvalidArgumentError("contact amplitude: non-finite s-hat, t-hat or u-hat")
    if np.any(s <= 0.0):
        raise InvalidArgumentError("contact amplitude: expected s-hat > 0")
    quark = np.asarray(quark)
    if np.any((quark < 1) | (quark > 5)):
        raise InvalidArgumentError("contact amplitude: the incoming parton must be a quark (PDG 1-5)")
    amp = sm_amplitudes(s, quark, lepton)
    g = 4.0 * np.pi * _TEV2_TO_GEV2
    u2, t2 = u * u / 3.0, t * t / 3.0
    abs2 = {k: (v * v.conj()).real for k, v in amp.items()}
    zero = np.zeros_like(s)
    return np.stack([
        u2 * (abs2["LL"] + abs2["RR"]) + t2 * (abs2["LR"] + abs2["RL"]),
        u2 * 2.0 * g * amp["LL"].real,
        t2 * 2.0 * g * amp["LR"].real,
        u2 * g * g,
        zero,
        t2 * g * g,
    ], axis=1)


def mandelstam(quark_pz: Any, minus: dict[str, Any], plus: dict[str, Any]) -> tuple[np.ndarray, ...]:
    """(ŝ, t̂, û) from the incoming quark's p_z (massless, along the beam) and the ℓ⁻, ℓ⁺ four-momenta
    (``px, py, pz, e`` in GeV): t̂ = m_ℓ² − 2 p_q·p_ℓ⁻, û = m_ℓ² − 2 p_q·p_ℓ⁺."""
    pzq = np.asarray(quark_pz, dtype=np.float64)
    m4 = {k: np.asarray(v, dtype=np.float64) for k, v in minus.items()}
    p4 = {k: np.asarray(v, dtype=np.float64) for k, v in plus.items()}
    tot = {k: m4[k] + p4[k] for k in ("px", "py", "pz", "e")}
    shat = tot["e"] ** 2 - tot["px"] ** 2 - tot["py"] ** 2 - tot["pz"] ** 2
    m2 = m4["e"] ** 2 - m4["px"] ** 2 - m4["py"] ** 2 - m4["pz"] ** 2

    def dot_q(p: dict[str, np.ndarray]) -> np.ndarray:
        return np.abs(pzq) * p["e"] - pzq * p["pz"]

    return shat, m2 - 2.0 * dot_q(m4), m2 - 2.0 * dot_q(p4)
