r"""H → ZA MEM weight of an observed ℓ⁺ℓ⁻ b b̄ event, parametric in (M_H, M_A), with VEGAS.

Hypothesis gg → H → Z A, Z → ℓ⁺ℓ⁻, A → b b̄ (:mod:`.hza_matrix_element`; CMS arXiv 1911.03781,
the MEM regression of arXiv 2008.10949, MoMEMta arXiv 1805.08555; PHYSICS.md §1). The four
visible directions are taken as measured; the lepton masses as measured, the b partons massless
along their jet axes. Each generated energy is integrated over its Gaussian transfer function
(:mod:`.transfer`, s = 0.10 for leptons, 0.30 for b-jets, window E_rec(1 ∓ n s), n = 3):

.. math::

    P(x|M_H,M_A) = \int \prod_{i=1}^{4} dE_i\,W_i(E^{rec}_i|E_i)\frac{d|\vec p_i|}{dE_i}\;
        \frac{f_g(x_1)f_g(x_2)}{2x_1x_2s}\,
        \prod_{i=1}^{4}\frac{|\vec p_i|^2\sin\theta_i}{2E_i(2\pi)^3}\;|M|^2(p_1,p_2,p_b,p_{\bar b}),

with the gluon density f_g = (x·f_g)/x of :mod:`.pdf` (PDG id 21) at the scale Q = M_H and
√s = 13 TeV — MoMEMta's ``MatrixElement`` product, as in :mod:`.dy_weight`, whose conventions
(no (2π)⁴, no 2/s Jacobian of the longitudinal δ's, no δ²(p_T), no 1/σ_vis) are kept here.
Initial state as there: the ℓℓbb system is boosted transversely to p_T = 0 (MoMEMta
``do_transverse_boost``), x₁,₂ = (E' ± p_z)/√s with E' = √(ŝ + p_z²), so x₁x₂s = ŝ = m²_ℓℓbb; a
point with x₁ or x₂ > 1 contributes 0. The integrand is symmetric in the two gluons.

Integration variables (decision). The Z, A and H lines are three narrow ridges of the 4-D
energy space (relative widths 2.7 %, 1 %, 1 % against 10–30 % resolutions), so each is made a
VEGAS axis and flattened by the Breit–Wigner map of :mod:`.breit_wigner`:

* leptons (u₀, u₁): exactly :mod:`.dy_weight` — a = ln E₋ + ln E₊ carries the Z map on the
  massless proxy s̃ = 2(1 − cos α_ℓℓ)e^a, b = ln E₋ − ln E₊ runs over the window at that a;
* b-jets (u₂, u₃): (E₁, E₂) → (s_A = s_bb, s_H = m²_ℓℓbb). For massless b's and a fixed lepton
  pair (E_ℓℓ, P⃗_ℓℓ), with n̂ᵢ the jet directions,

  .. math::

      s_A = k E_1E_2,\quad k = 2(1 - \hat n_1\!\cdot\hat n_2),\qquad
      s_H = s_{\ell\ell} + s_A + 2c_1E_1 + 2c_2E_2,\quad c_i = E_{\ell\ell} - \vec P_{\ell\ell}\!\cdot\hat n_i > 0,

  so at fixed (s_A, s_H), with P = s_A/k and R = s_H − s_ℓℓ − s_A, E₁ solves
  c₁E₁² − (R/2)E₁ + c₂P = 0: E₁ = (R/2 ± √D)/(2c₁), D = R²/4 − 4c₁c₂P, E₂ = P/E₁, and
  |∂(s_A, s_H)/∂(E₁, E₂)| = 2k|c₂E₂ − c₁E₁| = 2k√D for both roots. Both roots are summed
  with that inverse Jacobian; a root outside the transfer-function windows contributes 0.
  s_A is mapped onto the part of its Breit–Wigner u-range spanned by the window rectangle,
  [k E₁^lo E₂^lo, k E₁^hi E₂^hi]; s_H onto [s_ℓℓ + s_A + min g, s_ℓℓ + s_A + max g] with
  g(E₁) = 2c₁E₁ + 2c₂P/E₁ over the E₁ allowed at that s_A, so at least one root is always
  inside. At the lower edge (the double root, when g's minimum is interior) 1/√D diverges
  like an inverse square root; the Breit–Wigner u of s_H is therefore taken as u_lo +
  (u_hi − u_lo)·u₃², whose Jacobian 2u₃ cancels it (finite variance).

The per-point weight is (∂E/∂u of the leptons as in :mod:`.dy_weight`) × J_A × J_H /(2k√D) ×
Π W_i × the density above.

VEGAS protocol per event: the shared one of :mod:`.vegas_driver` (``n_adapt`` discarded
iterations of ``neval`` points, then passes of ``nitn`` iterations combined until the relative
error reaches ``rel_accuracy`` with χ²/dof ≤ ``max_chi2_dof``, within ``max_neval``
evaluations); ``converged`` flags the events that made it, an unconverged event is kept.

Defaults (measured): ``neval`` = 2000, ``nitn`` = 5, ``n_adapt`` = 3. With 1000 points per
iteration the 1 % target is also met, but rare seeds under-report the error (a 7σ pull seen
once); with 2000 the pulls of 400 (event, seed) pairs around a precise reference had mean
−0.12, width 1.02 and no |pull| > 3.5.

Measured on one core here (2 shared cores, load ≈ 2.8), 50 events generated exactly on shell
at (M_H, M_A) = (261.40, 150.50) GeV (H with p_T ~ exp(30 GeV), |y| < 1.5, isotropic decays),
energies smeared with the transfer functions (the generator of ``tests/mem/test_mem_hza_weight.py``),
default options, one call per event: at the true hypothesis 30 ms/event median (90 % below
52 ms), 14.3k integrand evaluations median (max 51k), median relative error 0.46 %, all
converged; at (442.63, 193.26) 38 ms/event, 14.3k evaluations median (max 197k), all converged.
(MoMEMta: 600 s/event for H → ZA, arXiv 2008.10949.) δ-limit closure: with s = 3·10⁻⁴ on both
transfer functions and the default 1 % widths VEGAS is within 0.4 % of
erf(3/√2)⁴ × :func:`hza_delta_weight` (−20 % at s = 0.003, where the 1 % lines are not resolved).

Example:
    >>> import numpy as np
    >>> lm = np.array([[62.0, 0.3, 0.2, 0.0]]); lp = np.array([[38.0, -0.4, 2.1, 0.0]])
    >>> bj = np.array([[[95.0, 0.1, -2.4, 8.0], [70.0, 0.9, -0.9, 7.0]]])
    >>> res = hza_weights(lm, lp, bj, 261.4, 150.5, seed=1)
    >>> res.weight.shape, bool(res.weight[0] > 0.0)
    ((1,), True)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError

from ._checks import as_float_array, as_per_event
from .breit_wigner import breit_wigner_map
from .constants import GAMMA_Z, M_Z, SQRT_S
from .dy_weight import _check_common, _validate_options
from .hza_matrix_element import _me_from_invariants, minkowski_dot
from .pdf import DEFAULT_PDF, Interpolation, LHAGrid, load_grid
from .transfer import (
    DEFAULT_N_SIGMA,
    SIGMA_BJET,
    SIGMA_LEPTON,
    dp_over_de,
    gaussian_energy_tf,
    integration_range,
)
from .vegas_driver import DEFAULT_MAX_CHI2_DOF, MEMWeights, integrate_events

__all__ = ["HZAWeights", "hza_weights", "hza_delta_weight", "bjet_energies_from_masses"]

_GLUON = (21,)
_TWO_PI_CUBED = (2.0 * np.pi) ** 3
_MAX_REL_WIDTH = 0.5


#: The result type of :func:`hza_weights` (shared by every MEM hypothesis).
HZAWeights = MEMWeights


@dataclass(frozen=True)
class _Event:
    """Measured objects: ℓ⁻, ℓ⁺ at index 0, 1 (directions (..., 2, 3), masses, E_rec, sinθ),
    b-jets likewise (massless partons, E_rec the jet energy), and the hypothesis per event."""

    lep_dir: np.ndarray
    lep_mass: np.ndarray
    lep_e: np.ndarray
    lep_sin: np.ndarray
    b_dir: np.ndarray
    b_e: np.ndarray
    b_sin: np.ndarray
    m_h: np.ndarray
    m_a: np.ndarray
    width_h: np.ndarray
    width_a: np.ndarray

    def event(self, i: int) -> _Event:
        return _Event(*(getattr(self, f)[i] for f in self.__dataclass_fields__))


def _directions(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    cosh = np.cosh(eta)
    return np.stack([np.cos(phi) / cosh, np.sin(phi) / cosh, np.tanh(eta)], axis=-1), 1.0 / cosh


def _event_data(lep_minus: Any, lep_plus: Any, bjets: Any, m_h: Any, m_a: Any, rel_width_h: float,
                rel_width_a: float) -> _Event:
    lm = as_float_array("lep_minus", lep_minus)
    lp = as_float_array("lep_plus", lep_plus)
    bj = as_float_array("bjets", bjets)
    for name, arr in (("lep_minus", lm), ("lep_plus", lp)):
        if arr.ndim != 2 or arr.shape[1] != 4:
            raise InvalidArgumentError(
                f"{name}: expected shape (N, 4) as (pt, eta, phi, mass), found shape {arr.shape}")
    if bj.ndim != 3 or bj.shape[1:] != (2, 4):
        raise InvalidArgumentError(f"bjets: expected shape (N, 2, 4) as (pt, eta, phi, mass), found shape {bj.shape}")
    n = lm.shape[0]
    if lp.shape[0] != n or bj.shape[0] != n:
        raise InvalidArgumentError(f"lep_minus, lep_plus, bjets: expected the same number of events, "
                                   f"found {n}, {lp.shape[0]} and {bj.shape[0]}")
    leps = np.stack([lm, lp], axis=1)  # (N, 2, 4)
    for name, obj in (("leptons", leps), ("bjets", bj)):
        if np.any(obj[..., 0] <= 0.0):
            raise InvalidArgumentError(f"{name} pt: expected > 0, found {int(np.sum(obj[..., 0] <= 0.0))} "
                                       f"non-positive values")
        if np.any(obj[..., 3] < 0.0):
            raise InvalidArgumentError(f"{name} mass: expected masses >= 0, found {int(np.sum(obj[..., 3] < 0.0))} "
                                       f"negative values")
    lep_dir, lep_sin = _directions(leps[..., 0], leps[..., 1], leps[..., 2])
    b_dir, b_sin = _directions(bj[..., 0], bj[..., 1], bj[..., 2])
    for name, d in (("leptons", lep_dir), ("bjets", b_dir)):
        if np.any(1.0 - np.sum(d[:, 0] * d[:, 1], axis=-1) < 1e-12):
            raise InvalidArgumentError(f"{name}: expected two distinct directions, found collinear {name}")
    lep_p = leps[..., 0] / lep_sin
    lep_e = np.sqrt(lep_p**2 + leps[..., 3] ** 2)
    b_e = np.sqrt((bj[..., 0] / b_sin) ** 2 + bj[..., 3] ** 2)  # the jet energy, mass included
    mh = as_per_event("m_h", m_h, n)
    ma = as_per_event("m_a", m_a, n)
    if np.any(ma <= 0.0) or np.any(mh <= 0.0):
        raise InvalidArgumentError("m_h, m_a: expected masses > 0 GeV")
    closed = ma >= mh - M_Z
    if np.any(closed):
        i = int(np.flatnonzero(closed)[0])
        raise InvalidArgumentError(f"m_a: expected H -> Z A open, m_a < m_h - m_Z (m_Z = {M_Z}), "
                                   f"found m_h={mh[i]}, m_a={ma[i]} ({int(closed.sum())} events)")
    for name, r in (("rel_width_h", rel_width_h), ("rel_width_a", rel_width_a)):
        if not (np.isfinite(r) and 0.0 < r <= _MAX_REL_WIDTH):
            raise InvalidArgumentError(f"{name}: expected 0 < width/mass <= {_MAX_REL_WIDTH}, found {r!r}")
    return _Event(lep_dir, leps[..., 3], lep_e, lep_sin, b_dir, b_e, b_sin, mh, ma, rel_width_h * mh, rel_width_a * ma)


def _four(e: np.ndarray, vec: np.ndarray) -> np.ndarray:
    return np.concatenate([e[..., None], vec], axis=-1)


def _density(ev: _Event, e_lm: np.ndarray, e_lp: np.ndarray, e_b1: np.ndarray, e_b2: np.ndarray,
             grid: LHAGrid, interpolation: Interpolation, sqrt_s: float) -> np.ndarray:
    r"""The transfer-function-free integrand at generated energies (E₋, E₊, E_b1, E_b2):
    :math:`\frac{f_g f_g}{2x_1x_2s}\prod_i\frac{|\vec p_i|^2\sin\theta_i}{2E_i(2\pi)^3}
    \frac{d|\vec p_i|}{dE_i}|M|^2`, broadcast over the energies' shape."""
    m1, m2 = ev.lep_mass[..., 0], ev.lep_mass[..., 1]
    p1 = np.sqrt((e_lm - m1) * (e_lm + m1))
    p2 = np.sqrt((e_lp - m2) * (e_lp + m2))
    l1 = _four(e_lm, p1[..., None] * ev.lep_dir[..., 0, :])
    l2 = _four(e_lp, p2[..., None] * ev.lep_dir[..., 1, :])
    b1 = _four(e_b1, e_b1[..., None] * ev.b_dir[..., 0, :])
    b2 = _four(e_b2, e_b2[..., None] * ev.b_dir[..., 1, :])
    p_ll, p_bb = l1 + l2, b1 + b2
    total = p_ll + p_bb
    q = p_ll + 2.0 * p_bb
    shat = minkowski_dot(total, total)
    pz = total[..., 3]
    e_prime = np.sqrt(shat + pz * pz)
    x1 = (e_prime + pz) / sqrt_s
    x2 = (e_prime - pz) / sqrt_s
    inside = (x1 <= 1.0) & (x2 <= 1.0)
    xs = np.concatenate([np.where(inside, x1, 0.5).ravel(), np.where(inside, x2, 0.5).ravel()])
    scale = ev.m_h if ev.m_h.ndim == 0 else np.tile(np.broadcast_to(ev.m_h, x1.shape).ravel(), 2)
    xf = grid.xfxQ_flavours(_GLUON, xs, scale, interpolation, clip_negative=True)[0]
    pdfs = xf[: x1.size].reshape(x1.shape) / x1 * xf[x1.size:].reshape(x1.shape) / x2
    me = _me_from_invariants(shat, minkowski_dot(p_ll, p_ll), minkowski_dot(p_bb, p_bb), minkowski_dot(l1, q),
                             minkowski_dot(l2, q), minkowski_dot(l1, l2), minkowski_dot(q, q),
                             ev.m_h, ev.m_a, ev.width_h, ev.width_a)
    flux = 1.0 / (2.0 * x1 * x2 * sqrt_s**2)
    phase_space = (p1**2 * ev.lep_sin[..., 0] / (2.0 * e_lm * _TWO_PI_CUBED)
                   * p2**2 * ev.lep_sin[..., 1] / (2.0 * e_lp * _TWO_PI_CUBED)
                   * e_b1 * ev.b_sin[..., 0] / (2.0 * _TWO_PI_CUBED)
                   * e_b2 * ev.b_sin[..., 1] / (2.0 * _TWO_PI_CUBED))
    dp_de = dp_over_de(e_lm, m1) * dp_over_de(e_lp, m2)  # massless b: dP/dE = 1
    return np.where(inside, flux * phase_space * dp_de * pdfs * me, 0.0)


def bjet_energies_from_masses(s_a: Any, s_h: Any, p_ll: Any, dir_b1: Any, dir_b2: Any
                              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Solve (s_A, s_H) → (E₁, E₂) for massless b's along ``dir_b1``, ``dir_b2`` (unit 3-vectors)
    recoiling against the lepton pair ``p_ll`` = (E, px, py, pz); all arrays broadcast.

    Returns ``(e1, e2, det, real)`` of shape (2, ...): the two roots (index 0 with +√D, 1 with
    −√D), :math:`|\partial(s_A, s_H)/\partial(E_1, E_2)| = 2k\sqrt D` and whether the root is real
    and positive (where not, the energies are NaN). Formulas in the module docstring.
    """
    s_a, s_h = as_float_array("s_a", s_a), as_float_array("s_h", s_h)
    p_ll = as_float_array("p_ll", p_ll)
    d1, d2 = as_float_array("dir_b1", dir_b1), as_float_array("dir_b2", dir_b2)
    k = 2.0 * (1.0 - np.sum(d1 * d2, axis=-1))
    c1 = p_ll[..., 0] - np.sum(p_ll[..., 1:] * d1, axis=-1)
    c2 = p_ll[..., 0] - np.sum(p_ll[..., 1:] * d2, axis=-1)
    return _roots(s_a / k, s_h - minkowski_dot(p_ll, p_ll) - s_a, c1, c2, k)


def _roots(prod: np.ndarray, r: np.ndarray, c1: np.ndarray, c2: np.ndarray, k: Any
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    disc = 0.25 * r * r - 4.0 * c1 * c2 * prod
    sq = np.sqrt(np.maximum(disc, 0.0))
    e1 = np.stack([(0.5 * r + sq) / (2.0 * c1), (0.5 * r - sq) / (2.0 * c1)])
    real = (disc >= 0.0) & (e1 > 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        e1 = np.where(real, e1, np.nan)
        e2 = prod / e1
    det = np.broadcast_to(2.0 * k * sq, e1.shape)
    return e1, e2, det, real


def _u_of(s: Any, mass: float, width: float) -> Any:
    """Inverse of :func:`breit_wigner_map`: u ∈ [0, 1] of a squared mass s ≥ 0."""
    atan = np.arctan(mass / width)
    return (np.arctan((s - mass * mass) / (mass * width)) + atan) / (0.5 * np.pi + atan)


def _event_integrand(ev: _Event, sigma_lepton: float, sigma_bjet: float, n_sigma: float, grid: LHAGrid,
                     interpolation: Interpolation, sqrt_s: float,
                     bjet_response: float = 1.0) -> Callable[[np.ndarray], np.ndarray]:
    """Batch integrand over u ∈ [0, 1]⁴ for one event (variables of the module docstring)."""
    m_h, m_a, g_h, g_a = float(ev.m_h), float(ev.m_a), float(ev.width_h), float(ev.width_a)
    lo, hi = integration_range(ev.lep_e, sigma_lepton, n_sigma, ev.lep_mass)
    l_lo, l_hi = np.log(lo), np.log(hi)
    a_lo, a_hi = l_lo.sum(), l_hi.sum()
    k_l = 2.0 * (1.0 - float(ev.lep_dir[0] @ ev.lep_dir[1]))
    uz_lo, uz_hi = _u_of(k_l * np.exp(a_lo), M_Z, GAMMA_Z), _u_of(k_l * np.exp(a_hi), M_Z, GAMMA_Z)
    b_lo, b_hi = integration_range(ev.b_e, sigma_bjet, n_sigma, response=bjet_response)
    k_b = 2.0 * (1.0 - float(ev.b_dir[0] @ ev.b_dir[1]))
    ua_lo, ua_hi = _u_of(k_b * b_lo[0] * b_lo[1], m_a, g_a), _u_of(k_b * b_hi[0] * b_hi[1], m_a, g_a)

    def integrand(u: np.ndarray) -> np.ndarray:
        # leptons: (a, b) with the Z Breit–Wigner on the proxy, as in dy_weight
        s_proxy, jac_z = breit_wigner_map(uz_lo + (uz_hi - uz_lo) * u[:, 0], M_Z, GAMMA_Z)
        a = np.clip(np.log(s_proxy / k_l), a_lo, a_hi)
        bl = np.maximum(2.0 * l_lo[0] - a, a - 2.0 * l_hi[1])
        bh = np.minimum(2.0 * l_hi[0] - a, a - 2.0 * l_lo[1])
        width_b = np.maximum(bh - bl, 0.0)
        b = bl + width_b * u[:, 1]
        e_lm = np.clip(np.exp(0.5 * (a + b)), lo[0], hi[0])
        e_lp = np.clip(np.exp(0.5 * (a - b)), lo[1], hi[1])
        jac = 0.5 * e_lm * e_lp * width_b * jac_z * (uz_hi - uz_lo) / s_proxy
        ok = (e_lm > ev.lep_mass[0]) & (e_lp > ev.lep_mass[1]) & (width_b > 0.0)
        p_lm = np.sqrt(np.maximum((e_lm - ev.lep_mass[0]) * (e_lm + ev.lep_mass[0]), 0.0))
        p_lp = np.sqrt(np.maximum((e_lp - ev.lep_mass[1]) * (e_lp + ev.lep_mass[1]), 0.0))
        e_ll = e_lm + e_lp
        vec_ll = p_lm[:, None] * ev.lep_dir[0] + p_lp[:, None] * ev.lep_dir[1]
        s_ll = e_ll * e_ll - np.sum(vec_ll * vec_ll, axis=1)
        c1 = e_ll - vec_ll @ ev.b_dir[0]
        c2 = e_ll - vec_ll @ ev.b_dir[1]
        # b-jets: s_A, then s_H over the range reachable at that s_A
        s_a, jac_a = breit_wigner_map(ua_lo + (ua_hi - ua_lo) * u[:, 2], m_a, g_a)
        jac *= jac_a * (ua_hi - ua_lo)
        prod = s_a / k_b
        e1_lo = np.maximum(b_lo[0], prod / b_hi[1])
        e1_hi = np.minimum(b_hi[0], prod / b_lo[1])
        g_lo = 2.0 * c1 * e1_lo + 2.0 * c2 * prod / e1_lo
        g_hi = 2.0 * c1 * e1_hi + 2.0 * c2 * prod / e1_hi
        e1_star = np.sqrt(c2 * prod / c1)
        g_min = np.where((e1_star > e1_lo) & (e1_star < e1_hi), 4.0 * np.sqrt(c1 * c2 * prod), np.minimum(g_lo, g_hi))
        base = s_ll + s_a
        uh_lo, uh_hi = _u_of(base + g_min, m_h, g_h), _u_of(base + np.maximum(g_lo, g_hi), m_h, g_h)
        s_h, jac_h = breit_wigner_map(np.clip(uh_lo + (uh_hi - uh_lo) * u[:, 3] ** 2, 0.0, 1.0), m_h, g_h)
        jac *= jac_h * (uh_hi - uh_lo) * 2.0 * u[:, 3]
        e1, e2, det, real = _roots(prod, s_h - base, c1, c2, k_b)
        good = (ok & real & (det > 0.0) & (e1 >= b_lo[0]) & (e1 <= b_hi[0]) & (e2 >= b_lo[1]) & (e2 <= b_hi[1])
                & (jac > 0.0))
        out = np.zeros(u.shape[0])
        idx_root, idx_pt = np.nonzero(good)
        if idx_pt.size == 0:
            return out
        e1g, e2g = e1[idx_root, idx_pt], e2[idx_root, idx_pt]
        elm, elp = e_lm[idx_pt], e_lp[idx_pt]
        tf = (gaussian_energy_tf(ev.lep_e[0], elm, sigma_lepton) * gaussian_energy_tf(ev.lep_e[1], elp, sigma_lepton)
              * gaussian_energy_tf(ev.b_e[0], e1g, sigma_bjet, bjet_response)
              * gaussian_energy_tf(ev.b_e[1], e2g, sigma_bjet, bjet_response))
        value = jac[idx_pt] / det[idx_root, idx_pt] * tf * _density(ev, elm, elp, e1g, e2g, grid, interpolation,
                                                                    sqrt_s)
        np.add.at(out, idx_pt, value)
        return out

    return integrand


def hza_weights(
    lep_minus: Any,
    lep_plus: Any,
    bjets: Any,
    m_h: Any,
    m_a: Any,
    *,
    rel_width_h: float = 0.01,
    rel_width_a: float = 0.01,
    sigma_lepton: float = SIGMA_LEPTON,
    sigma_bjet: float = SIGMA_BJET,
    bjet_response: float = 1.0,
    n_sigma: float = DEFAULT_N_SIGMA,
    rel_accuracy: float = 0.01,
    max_chi2_dof: float = DEFAULT_MAX_CHI2_DOF,
    neval: int = 2000,
    nitn: int = 5,
    n_adapt: int = 3,
    max_neval: int = 400_000,
    seed: int = 0,
    first_index: int = 0,
    pdf: str | Path = DEFAULT_PDF,
    interpolation: Interpolation = "logcubic",
    sqrt_s: float = SQRT_S,
) -> HZAWeights:
    """H → ZA MEM weights of N observed ℓ⁻ℓ⁺ b b̄ events (one VEGAS integration per event).

    Args:
        lep_minus, lep_plus: arrays (N, 4) of (pt [GeV], eta, phi, mass [GeV]) of the ℓ⁻, ℓ⁺.
        bjets: array (N, 2, 4) of the two b-jets, same columns, in any order.
        m_h, m_a: hypothesis (GeV), scalars or (N,) arrays (one hypothesis per event);
            m_a < m_h − M_Z.
        rel_width_h, rel_width_a: Γ/M of H and A (1 % as in the ``hza_llbb`` sample).
        bjet_response: mean b-jet energy response r of the transfer function (mean r·E_gen;
            1 = MoMEMta's centred Gaussian; :data:`~.transfer.BJET_RESPONSE` = 0.871 is the
            calibrated value of this project's detector, used for the likelihood scans).
        sigma_lepton, sigma_bjet, n_sigma: transfer-function resolutions s (σ = s·E_gen) and
            window half-width in σ.
        rel_accuracy: target relative error of each weight.
        max_chi2_dof: χ²/dof threshold of the convergence flag.
        neval, nitn, n_adapt: points per VEGAS iteration, averaged iterations, discarded
            adaptation iterations.
        max_neval: evaluation budget per event (:mod:`.vegas_driver`).
        seed, first_index: event i uses ``numpy.random.default_rng([seed, first_index + i])``.
        pdf, interpolation: PDF grid and interpolation (:mod:`.pdf`); scale Q = M_H.
        sqrt_s: collider energy (GeV).

    Returns:
        :class:`HZAWeights` with weight, error, n_eval, chi2_dof and converged per event.

    Raises:
        InvalidArgumentError: wrong shapes, NaN/inf, pt <= 0, negative masses, collinear leptons
            or b-jets, m_a >= m_h − M_Z, widths outside (0, 0.5], or invalid options.
    """
    for sigma in (sigma_lepton, sigma_bjet):
        _validate_options(sigma, n_sigma, rel_accuracy, max_chi2_dof, neval, nitn, n_adapt, max_neval)
    _check_common(interpolation, sqrt_s)
    data = _event_data(lep_minus, lep_plus, bjets, m_h, m_a, rel_width_h, rel_width_a)
    grid = load_grid(pdf)
    return integrate_events(
        lambda i: _event_integrand(data.event(i), sigma_lepton, sigma_bjet, n_sigma, grid, interpolation, sqrt_s,
                                   bjet_response),
        data.lep_e.shape[0], 4, rel_accuracy=rel_accuracy, max_chi2_dof=max_chi2_dof, neval=neval, nitn=nitn,
        n_adapt=n_adapt, max_neval=max_neval, seed=seed, first_index=first_index)


def hza_delta_weight(lep_minus: Any, lep_plus: Any, bjets: Any, m_h: Any, m_a: Any, *,
                     rel_width_h: float = 0.01, rel_width_a: float = 0.01, pdf: str | Path = DEFAULT_PDF,
                     interpolation: Interpolation = "logcubic", sqrt_s: float = SQRT_S) -> np.ndarray:
    r"""Closed-form σ → 0 limit of :func:`hza_weights`: the integrand without transfer functions
    and Jacobians at E_gen = E_rec (b partons massless with the jet energy); shape (N,).

    As every transfer function tends to δ(E_gen − E_rec) the integral tends to this value times
    the share of each Gaussian inside its ±n σ window, erf(n/√2)⁴ (0.989 for n = 3); the
    approach is O(s²) once s is small against the relative widths of the Z, A and H lines.
    """
    _check_common(interpolation, sqrt_s)
    data = _event_data(lep_minus, lep_plus, bjets, m_h, m_a, rel_width_h, rel_width_a)
    return _density(data, data.lep_e[:, 0], data.lep_e[:, 1], data.b_e[:, 0], data.b_e[:, 1], load_grid(pdf),
                    interpolation, sqrt_s)
