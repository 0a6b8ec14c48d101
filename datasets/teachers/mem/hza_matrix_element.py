r"""Leading-order gg → H → Z A → ℓ⁺ℓ⁻ b b̄: spin- and colour-summed |M|², up to one constant.

The signal hypothesis of the CMS H → ZA search (arXiv 1911.03781) whose MoMEMta weights
arXiv 2008.10949 regresses (PHYSICS.md §1): a heavy scalar H made in gluon fusion decays to a
Z boson and a pseudoscalar A, with Z → ℓ⁺ℓ⁻ and A → b b̄. Factor by factor (textbook vertices,
massless fermions):

* gg → H through the heavy-quark loop, effective vertex :math:`H G^a_{\mu\nu}G^{a\mu\nu}`:
  :math:`|M_{gg\to H}|^2 \propto \hat s^2` (also off shell, :math:`\hat s = x_1x_2s = m^2_{\ell\ell bb}`);
* H(scalar) → Z A(pseudoscalar): vertex :math:`\propto (p_H + p_A)^\mu \epsilon^*_\mu(p_Z)`;
  with Z → ℓ⁻(p₁) ℓ⁺(p₂) and the V−A lepton tensor
  :math:`L^{\mu\nu} = 4(v^2+a^2)(p_1^\mu p_2^\nu + p_2^\mu p_1^\nu - g^{\mu\nu}p_1\!\cdot p_2)
  \mp 8iva\,\epsilon^{\mu\nu\rho\sigma}p_{1\rho}p_{2\sigma}`, contracted with :math:`q_\mu q_\nu`,
  :math:`q = p_H + p_A` (the antisymmetric part vanishes against the symmetric :math:`q_\mu q_\nu`;
  the :math:`p_Z^\mu p_Z^\nu/M_Z^2` part of the Z polarisation sum vanishes against the conserved
  massless current):

  .. math:: L^{\mu\nu}q_\mu q_\nu \propto 2(p_1\!\cdot q)(p_2\!\cdot q) - (p_1\!\cdot p_2)\,q^2 ;

  in the Z rest frame this is :math:`2m_{\ell\ell}^2|\vec p_A|^2\sin^2\theta^*` (θ* between ℓ⁻ and A):
  the Z from a 0 → 1 + 0 decay is longitudinal (checked in the tests);
* A → b b̄, pseudoscalar Yukawa :math:`\bar b\,i\gamma_5 b`: :math:`|M|^2 \propto s_{bb}`;
* Breit–Wigner propagators :math:`|1/(s - m^2 + im\Gamma)|^2 = \mathrm{BW}(s)` for H at
  :math:`\hat s`, Z at :math:`s_{\ell\ell}` and A at :math:`s_{bb}`.

Together

.. math::

    |M|^2 = N\;\hat s^2\,\mathrm{BW}_H(\hat s)\;
            \bigl[2(p_1\!\cdot q)(p_2\!\cdot q) - (p_1\!\cdot p_2)\,q^2\bigr]\,\mathrm{BW}_Z(s_{\ell\ell})\;
            s_{bb}\,\mathrm{BW}_A(s_{bb}),\qquad q = p_1 + p_2 + 2(p_b + p_{\bar b}).

Normalisation (decision): every dimensionless coupling (the gluon-fusion loop factor, the
2HDM H–Z–A factor g cos(β−α)/(2cos θ_W), the Z–lepton couplings v² + a², the A Yukawa), the
colour and spin averages are set to one, and the one dimensionful constant is
:math:`N = 1/v^2 = \sqrt2\,G_F` (GeV⁻²), which gives |M|² the dimension GeV⁻⁴ of a 2 → 4
amplitude squared. All of these are the same for every event and every (M_H, M_A), so they
cancel once the weight is divided by σ_vis (arXiv 2008.10949), and in any ratio of weights at
fixed hypothesis. The widths are not constants: Γ_H = r_H M_H and Γ_A = r_A M_A (1 % each in
the ``hza_llbb`` sample, :mod:`hepsurrogates.datasets.samples.hza_llbb`), the Z keeps its PDG
mass and width. Leptons are treated as massless in the tensor; their measured masses only
enter through the four-momenta.

Example:
    >>> import numpy as np
    >>> p1 = np.array([45.0, 0.0, 0.0, 45.0]); p2 = np.array([45.0, 0.0, 0.0, -45.0])
    >>> b1 = np.array([60.0, 60.0, 0.0, 0.0]); b2 = np.array([60.0, 0.0, 60.0, 0.0])
    >>> me = hza_matrix_element_squared(p1, p2, b1, b2, 261.4, 150.5, 2.614, 1.505)
    >>> bool(me > 0.0)
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError

from ._checks import as_float_array
from .constants import G_FERMI, GAMMA_Z, M_Z

__all__ = ["HZA_NORMALISATION", "minkowski_dot", "hza_matrix_element_squared"]

#: The constant N = 1/v² = √2 G_F (GeV⁻²) of the module docstring.
HZA_NORMALISATION = float(np.sqrt(2.0) * G_FERMI)


def minkowski_dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a·b with metric (+, −, −, −) over the last axis of (E, px, py, pz) arrays."""
    return a[..., 0] * b[..., 0] - a[..., 1] * b[..., 1] - a[..., 2] * b[..., 2] - a[..., 3] * b[..., 3]


def _bw(s: np.ndarray, mass: Any, width: Any) -> np.ndarray:
    d = s - mass * mass
    return 1.0 / (d * d + (mass * width) ** 2)


def _me_from_invariants(shat: np.ndarray, s_ll: np.ndarray, s_bb: np.ndarray, p1q: np.ndarray,
                        p2q: np.ndarray, p1p2: np.ndarray, q2: np.ndarray, m_h: Any, m_a: Any,
                        width_h: Any, width_a: Any) -> np.ndarray:
    """|M|² from the invariants (no validation; the hot path of :mod:`.hza_weight`)."""
    lepton = 2.0 * p1q * p2q - p1p2 * q2
    return (HZA_NORMALISATION * shat * shat * _bw(shat, m_h, width_h) * lepton * _bw(s_ll, M_Z, GAMMA_Z)
            * s_bb * _bw(s_bb, m_a, width_a))


def hza_matrix_element_squared(p_lminus: Any, p_lplus: Any, p_b1: Any, p_b2: Any, m_h: Any, m_a: Any,
                               width_h: Any, width_a: Any) -> np.ndarray:
    """|M|² (GeV⁻⁴) of the module docstring for four-momenta (..., 4) as (E, px, py, pz).

    The two b-jets enter symmetrically (b and b̄ are not told apart). Masses and widths (GeV)
    broadcast against the events.

    Raises:
        InvalidArgumentError: four-vectors without a last axis of 4, NaN/inf, or masses/widths ≤ 0.
    """
    vectors = []
    for name, value in (("p_lminus", p_lminus), ("p_lplus", p_lplus), ("p_b1", p_b1), ("p_b2", p_b2)):
        arr = as_float_array(name, value)
        if arr.ndim < 1 or arr.shape[-1] != 4:
            raise InvalidArgumentError(f"{name}: expected four-vectors (..., 4) as (E, px, py, pz), "
                                       f"found shape {arr.shape}")
        vectors.append(arr)
    params = [as_float_array(n, v) for n, v in (("m_h", m_h), ("m_a", m_a), ("width_h", width_h),
                                                 ("width_a", width_a))]
    if any(np.any(p <= 0.0) for p in params):
        raise InvalidArgumentError("m_h, m_a, width_h, width_a: expected masses and widths > 0 GeV")
    p1, p2, b1, b2 = vectors
    p_ll, p_bb = p1 + p2, b1 + b2
    total = p_ll + p_bb
    q = p_ll + 2.0 * p_bb
    return _me_from_invariants(minkowski_dot(total, total), minkowski_dot(p_ll, p_ll), minkowski_dot(p_bb, p_bb),
                               minkowski_dot(p1, q), minkowski_dot(p2, q), minkowski_dot(p1, p2),
                               minkowski_dot(q, q), *params)
