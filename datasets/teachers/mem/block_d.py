r"""MoMEMta "Block D": both neutrinos of a dileptonic tt̄ decay from four propagator masses.

Topology (the labels of this project; MoMEMta's ``BlockD.cc`` names the b-jets p4, p6 and the
second lepton p5): t → b(p5) W⁺(→ ℓ⁺(p3) ν(p1)), t̄ → b̄(p6) W⁻(→ ℓ⁻(p4) ν̄(p2)).
Given the visible p3…p6, the measured missing transverse momentum :math:`\vec E_T^{miss}` and

.. math::

    s_{13} = (p_1+p_3)^2,\quad s_{135} = (p_1+p_3+p_5)^2,\quad
    s_{24} = (p_2+p_4)^2,\quad s_{246} = (p_2+p_4+p_6)^2

(called ``s13, s134, s25, s256`` in the API, as issue 4 and MoMEMta name them), solve for
massless p1, p2 with :math:`\vec p_{1T} + \vec p_{2T} = \vec E_T^{miss}`:

* the mass constraints are linear in the neutrino momenta,
  :math:`p_1\cdot p_3 = (s_{13} - m_3^2)/2`, :math:`p_1\cdot p_5 = (s_{135} - s_{13} - m_5^2)/2 - p_3\cdot p_5`
  (and the same for p2 with p4, p6), so for a trial :math:`\vec p_{1T} = (x, y)` they fix
  :math:`(E_1, p_{1z})` and, with :math:`\vec p_{2T} = \vec E_T^{miss} - (x, y)`, :math:`(E_2, p_{2z})`
  as linear functions of (x, y);
* the two mass shells :math:`E_i^2 - p_{iz}^2 - p_{iT}^2 = 0` are then two conics in (x, y);
  their intersections are the real roots of a quartic (:mod:`._conics`), hence at most four
  solutions. Solutions with E1 ≤ 0 or E2 ≤ 0, or whose initial-state partons would carry more
  than √s/2 (MoMEMta's physicality check), are dropped.

Jacobian. In MoMEMta's convention the weight is :math:`f(x_1)f(x_2)/(2x_1x_2s)\,|M|^2` times
the visible phase space :math:`\prod d^3p/((2\pi)^3 2E)` times the block's Jacobian, which must
therefore absorb :math:`dx_1\,dx_2\,(2\pi)^4\delta^4(q_1+q_2-\sum p)\,\prod_{i=1,2} d^3p_i/((2\pi)^3 2E_i)`.
The longitudinal δ's remove x1, x2 with :math:`dx_1dx_2 = (2/s)\,dE\,dP_z`, the transverse δ²
removes :math:`\vec p_{2T}` (here: :math:`\vec p_{2T} = \vec E_T^{miss} - \vec p_{1T}`), and
:math:`(p_{1x}, p_{1y}, p_{1z}, p_{2z}) \to (s_{13}, s_{135}, s_{24}, s_{246})` gives

.. math::

    J = \frac{(2\pi)^4}{(2\pi)^6}\,\frac{2}{s}\,\frac{1}{4E_1E_2}\,\frac{1}{|\det D|}
      = \frac{1}{8\pi^2\,s\,E_1E_2\,|\det D|},\qquad
    D = \frac{\partial(s_{13}, s_{135}, s_{24}, s_{246})}{\partial(p_{1x}, p_{1y}, p_{1z}, p_{2z})},

with s = (√s)² the hadronic collision energy squared and, for massless :math:`p_i`,
:math:`\partial s_{13}/\partial p_{1k} = 2(E_3 p_{1k}/E_1 - p_{3k})`,
:math:`\partial s_{135}/\partial p_{1k} = 2(E_{35} p_{1k}/E_1 - p_{35,k})` and, through
:math:`p_{2x,y} = E^{miss}_{x,y} - p_{1x,y}`,
:math:`\partial s_{24}/\partial p_{1k} = -2(E_4 p_{2k}/E_2 - p_{4k})` (k = x, y),
:math:`\partial s_{24}/\partial p_{2z} = 2(E_4 p_{2z}/E_2 - p_{4z})`, likewise for s246 with p46.
This is MoMEMta's ``BlockD.cc`` Jacobian, which writes :math:`1/|8\cdot16\pi^2 s\,P|` with P an
expanded polynomial from MadWeight ``class_d.f`` equal to :math:`\pm E_1E_2\det D/16`; the two
were compared numerically during development and agree to 1e-12 on random tt̄ events. The whole weight is
:math:`\sum_{\text{solutions}} J\,(\ldots)` integrated over ds13 ds134 ds25 ds256.

Reference: MoMEMta (arXiv 1805.08555) ``modules/BlockD.cc``; arXiv 2008.10949; PHYSICS.md §1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError

from ._checks import as_four_vectors, as_per_event, as_two_vectors
from ._conics import intersect_conics
from .constants import SQRT_S

__all__ = ["BlockDSolutions", "solve_block_d", "block_d_jacobian", "MAX_SOLUTIONS"]

#: At most four (p1, p2) pairs: the real roots of a quartic.
MAX_SOLUTIONS = 4


@dataclass(frozen=True)
class BlockDSolutions:
    """Solutions per event, padded to :data:`MAX_SOLUTIONS` (valid ones first, NaN after).

    Attributes:
        p1: (N, 4, 4) neutrino four-momenta (E, px, py, pz): event, solution, component.
        p2: (N, 4, 4) anti-neutrino four-momenta.
        jacobian: (N, 4) the factor J of the module docstring, 1/(8π² s E1 E2 |det D|), in GeV⁻⁸.
        mask: (N, 4) True where the slot holds a solution.
        n_solutions: (N,) number of solutions.
    """

    p1: np.ndarray
    p2: np.ndarray
    jacobian: np.ndarray
    mask: np.ndarray
    n_solutions: np.ndarray


def _mdot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Minkowski product (+,−,−,−) along the last axis."""
    return a[..., 0] * b[..., 0] - a[..., 1] * b[..., 1] - a[..., 2] * b[..., 2] - a[..., 3] * b[..., 3]


def _energy_pz_forms(pa: np.ndarray, pb: np.ndarray, ka: np.ndarray, kb: np.ndarray,
                     sign: float, met: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Solve :math:`E\,E_a - p_z p_{az} = k_a + \vec t\cdot\vec p_{aT}` (and the same for b) for
    (E, p_z), with the neutrino's transverse momentum :math:`\vec t = \text{off} + \text{sign}\,(x, y)`.

    Returns the linear forms of E and p_z in (x, y), each (N, 3) as (coef_x, coef_y, const).
    """
    off = np.zeros_like(met) if sign > 0 else met
    # right-hand sides r = const + rx x + ry y
    ra = np.stack([sign * pa[:, 1], sign * pa[:, 2], ka + off[:, 0] * pa[:, 1] + off[:, 1] * pa[:, 2]], -1)
    rb = np.stack([sign * pb[:, 1], sign * pb[:, 2], kb + off[:, 0] * pb[:, 1] + off[:, 1] * pb[:, 2]], -1)
    delta = (pa[:, 3] * pb[:, 0] - pa[:, 0] * pb[:, 3])[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        energy = (pa[:, 3:4] * rb - pb[:, 3:4] * ra) / delta
        pz = (pa[:, 0:1] * rb - pb[:, 0:1] * ra) / delta
    return energy, pz


def _square(form: np.ndarray) -> np.ndarray:
    """Conic coefficients (xx, xy, yy, x, y, 1) of the square of a linear form (cx, cy, c0)."""
    cx, cy, c0 = form[..., 0], form[..., 1], form[..., 2]
    return np.stack([cx * cx, 2 * cx * cy, cy * cy, 2 * cx * c0, 2 * cy * c0, c0 * c0], -1)


def _evaluate(form: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return form[:, None, 0] * x + form[:, None, 1] * y + form[:, None, 2]


def block_d_jacobian(p1: np.ndarray, p2: np.ndarray, p3: np.ndarray, p4: np.ndarray,
                     p5: np.ndarray, p6: np.ndarray, sqrt_s: float = SQRT_S) -> np.ndarray:
    r""":math:`J = 1/(8\pi^2 s E_1E_2|\det D|)` for four-vectors broadcast as (..., 4).

    The neutrinos must be massless (E = |p|) as returned by :func:`solve_block_d`.
    """
    e1, e2 = p1[..., 0:1], p2[..., 0:1]
    p35, p46 = p3 + p5, p4 + p6
    rows = np.zeros(np.broadcast_shapes(p1.shape, p2.shape, p3.shape)[:-1] + (4, 4))
    rows[..., 0, :3] = 2.0 * (p3[..., 0:1] * p1[..., 1:] / e1 - p3[..., 1:])
    rows[..., 1, :3] = 2.0 * (p35[..., 0:1] * p1[..., 1:] / e1 - p35[..., 1:])
    for row, pv in ((2, p4), (3, p46)):
        grad2 = 2.0 * (pv[..., 0:1] * p2[..., 1:] / e2 - pv[..., 1:])
        rows[..., row, 0:2] = -grad2[..., 0:2]
        rows[..., row, 3] = grad2[..., 2]
    det = np.linalg.det(rows)
    with np.errstate(divide="ignore"):
        return 1.0 / (8.0 * np.pi**2 * sqrt_s**2 * p1[..., 0] * p2[..., 0] * np.abs(det))


def solve_block_d(
    p3: Any, p4: Any, p5: Any, p6: Any, met: Any,
    s13: Any, s134: Any, s25: Any, s256: Any, sqrt_s: float = SQRT_S,
) -> BlockDSolutions:
    r"""Neutrino solutions of Block D for N events (vectorised).

    Args:
        p3: (N, 4) ℓ⁺ from the top, (E, px, py, pz) in GeV.
        p4: (N, 4) ℓ⁻ from the anti-top.
        p5: (N, 4) b-jet from the top.
        p6: (N, 4) b̄-jet from the anti-top.
        met: (N, 2) missing transverse momentum (px, py) = :math:`\vec p_{1T} + \vec p_{2T}`.
        s13, s134, s25, s256: (N,) or scalars, squared masses (GeV²) of (p1+p3), (p1+p3+p5),
            (p2+p4), (p2+p4+p6).
        sqrt_s: hadronic collision energy (GeV), for the Jacobian and the check x1, x2 ≤ 1.

    Returns:
        :class:`BlockDSolutions`.

    Raises:
        InvalidArgumentError: wrong shapes, non-finite values, or √s ≤ 0.

    Example:
        >>> import numpy as np
        >>> nu1, nu2 = np.array([[50.0, 30.0, 40.0, 0.0]]), np.array([[25.0, -20.0, 0.0, 15.0]])
        >>> l1, l2 = np.array([[40.0, 0.0, 24.0, 32.0]]), np.array([[30.0, 18.0, -24.0, 0.0]])
        >>> b1, b2 = np.array([[60.0, -36.0, 0.0, -48.0]]), np.array([[45.0, 0.0, 27.0, 36.0]])
        >>> def m2(*ps): t = sum(ps); return t[:, 0]**2 - (t[:, 1:]**2).sum(1)
        >>> sol = solve_block_d(l1, l2, b1, b2, (nu1 + nu2)[:, 1:3], m2(nu1, l1), m2(nu1, l1, b1),
        ...                     m2(nu2, l2), m2(nu2, l2, b2))
        >>> ok = sol.mask[0]
        >>> bool(np.any(np.all(np.abs(sol.p1[0, ok] - nu1) < 1e-8, axis=1)))
        True
    """
    p3 = as_four_vectors("p3", p3)
    n = p3.shape[0]
    p4, p5, p6 = (as_four_vectors(name, v, n) for name, v in (("p4", p4), ("p5", p5), ("p6", p6)))
    met = as_two_vectors("met", met, n)
    s13, s134, s25, s256 = (as_per_event(name, v, n) for name, v in
                            (("s13", s13), ("s134", s134), ("s25", s25), ("s256", s256)))
    if not (np.isfinite(sqrt_s) and sqrt_s > 0.0):
        raise InvalidArgumentError(f"sqrt_s: expected a collision energy > 0, found {sqrt_s!r}")

    # work in units of the mean visible energy so that the conic coefficients are O(1)
    scale = np.maximum(0.25 * (p3[:, 0] + p4[:, 0] + p5[:, 0] + p6[:, 0]), 1e-300)
    q3, q4, q5, q6 = (p / scale[:, None] for p in (p3, p4, p5, p6))
    m = met / scale[:, None]
    z13, z134, z25, z256 = (v / scale**2 for v in (s13, s134, s25, s256))

    k13 = 0.5 * (z13 - _mdot(q3, q3))
    k15 = 0.5 * (z134 - z13 - _mdot(q5, q5)) - _mdot(q3, q5)
    k24 = 0.5 * (z25 - _mdot(q4, q4))
    k26 = 0.5 * (z256 - z25 - _mdot(q6, q6)) - _mdot(q4, q6)
    e1, pz1 = _energy_pz_forms(q3, q5, k13, k15, +1.0, m)
    e2, pz2 = _energy_pz_forms(q4, q6, k24, k26, -1.0, m)
    ident = np.zeros((n, 3))
    conic1 = _square(e1) - _square(pz1) - _square(ident + [1, 0, 0]) - _square(ident + [0, 1, 0])
    t2x = np.stack([-np.ones(n), np.zeros(n), m[:, 0]], -1)
    t2y = np.stack([np.zeros(n), -np.ones(n), m[:, 1]], -1)
    conic2 = _square(e2) - _square(pz2) - _square(t2x) - _square(t2y)

    with np.errstate(divide="ignore", invalid="ignore"):
        norm1 = np.max(np.abs(conic1), axis=1, keepdims=True)
        norm2 = np.max(np.abs(conic2), axis=1, keepdims=True)
        finite = np.all(np.isfinite(conic1) & np.isfinite(conic2), axis=1) & (norm1[:, 0] > 0) & (norm2[:, 0] > 0)
        conic1 = np.where(finite[:, None], conic1 / norm1, 0.0)
        conic2 = np.where(finite[:, None], conic2 / norm2, 0.0)
    x = np.full((n, MAX_SOLUTIONS), np.nan)
    y = np.full((n, MAX_SOLUTIONS), np.nan)
    valid = np.zeros((n, MAX_SOLUTIONS), dtype=bool)
    if np.any(finite):
        x[finite], y[finite], valid[finite] = intersect_conics(conic1[finite], conic2[finite])

    with np.errstate(invalid="ignore"):
        nu1 = np.stack([_evaluate(e1, x, y), x, y, _evaluate(pz1, x, y)], -1) * scale[:, None, None]
        nu2 = np.stack([_evaluate(e2, x, y), m[:, None, 0] - x, m[:, None, 1] - y,
                        _evaluate(pz2, x, y)], -1) * scale[:, None, None]
        valid &= (nu1[..., 0] > 0.0) & (nu2[..., 0] > 0.0)
        total = nu1 + nu2 + (p3 + p4 + p5 + p6)[:, None, :]
        valid &= np.abs(total[..., 3] + total[..., 0]) <= sqrt_s
        valid &= np.abs(total[..., 3] - total[..., 0]) <= sqrt_s

    vis = [p[:, None, :] for p in (p3, p4, p5, p6)]
    safe1 = np.where(valid[..., None], nu1, 1.0)
    safe2 = np.where(valid[..., None], nu2, 1.0)
    jac = block_d_jacobian(safe1, safe2, *vis, sqrt_s=sqrt_s)
    valid &= np.isfinite(jac)

    order = np.argsort(~valid, axis=1, kind="stable")
    valid = np.take_along_axis(valid, order, axis=1)
    nu1 = np.take_along_axis(nu1, order[..., None], axis=1)
    nu2 = np.take_along_axis(nu2, order[..., None], axis=1)
    jac = np.take_along_axis(jac, order, axis=1)
    return BlockDSolutions(
        p1=np.where(valid[..., None], nu1, np.nan),
        p2=np.where(valid[..., None], nu2, np.nan),
        jacobian=np.where(valid, jac, np.nan),
        mask=valid,
        n_solutions=valid.sum(axis=1),
    )
