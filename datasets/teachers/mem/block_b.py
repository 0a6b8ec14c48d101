r"""MoMEMta "Block B": one neutrino from one propagator mass, q1 q2 → X + W(→ ν(p1) ℓ(p2)).

Given the visible p2, the squared mass :math:`s_{12} = (p_1+p_2)^2` and the transverse
momentum that the neutrino must balance, solve for the massless p1 (MoMEMta ``BlockB.cc``):

* :math:`\vec p_{1T} = -\vec P_T` with :math:`\vec P_T` the sum of the visible transverse
  momenta (``visible_pt_sum``; by default p2's own, the "MET-free" single-W case in which the
  W has no transverse recoil — MoMEMta's default ``pT_is_met = false``). To impose the measured
  MET instead (MoMEMta's ``pT_is_met = true``) pass ``visible_pt_sum = -MET``;
* the mass constraint :math:`E_1E_2 - p_{1z}p_{2z} = k := (s_{12} - m_2^2)/2 + \vec p_{1T}\cdot\vec p_{2T}`
  with :math:`E_1 = \sqrt{p_{1T}^2 + p_{1z}^2}` gives the quadratic
  :math:`m_{T2}^2\,p_{1z}^2 - 2k\,p_{2z}\,p_{1z} - (k^2 - E_2^2 p_{1T}^2) = 0`,
  :math:`m_{T2}^2 = m_2^2 + p_{2T}^2`, i.e.
  :math:`p_{1z} = [k\,p_{2z} \pm E_2\sqrt{k^2 - m_{T2}^2 p_{1T}^2}]/m_{T2}^2`
  (MoMEMta solves the same equation for E1; this form has no 1/p_{2z} singularity). Roots of the
  squared equation with :math:`k + p_{1z}p_{2z} \le 0` (E1 < 0) are dropped, as are solutions
  whose partons would carry more than √s/2 (computed from p1 + p2 alone). At most two solutions.

Jacobian. The block absorbs :math:`dx_1dx_2\,(2\pi)^4\delta^4(q_1+q_2-p_1-p_2-\ldots)\,d^3p_1/((2\pi)^3 2E_1)`
(the measure MoMEMta's ``MatrixElement`` module assumes: flux :math:`1/(2x_1x_2s)`, visible
phase space :math:`d^3p/((2\pi)^32E)` applied elsewhere). With :math:`dx_1dx_2 = (2/s)\,dE\,dP_z`,
the transverse δ² fixing :math:`\vec p_{1T}`, and :math:`\partial s_{12}/\partial p_{1z} = 2(E_2p_{1z} -
E_1p_{2z})/E_1`:

.. math::

    J = 2\pi\cdot\frac{2}{s}\cdot\frac{1}{2E_1}\cdot\frac{E_1}{2|p_{2z}E_1 - E_2p_{1z}|}
      = \frac{\pi}{s\,|p_{2z}E_1 - E_2p_{1z}|}\qquad(\text{``normalisation="phase_space"``}),

s = (√s)² the hadronic collision energy squared. MoMEMta's ``BlockB.cc`` returns
:math:`1/(4\pi^2 s\,|p_{2z}E_1 - E_2p_{1z}|)` (PHYSICS.md: "inverse Jacobian 4π²s|p2z E1 − E2 p1z|"):
the same kinematic dependence, a constant 4π³ smaller, and MoMEMta flags that block as not
validated. Decision: the default is the measure-consistent J above (the convention in which
MoMEMta's validated Block D Jacobian is written, so weights of different blocks compare);
``normalisation="momemta"`` returns MoMEMta's literal value. Both are tested.

Reference: MoMEMta (arXiv 1805.08555) ``modules/BlockB.cc``; PHYSICS.md §1.

Example:
    >>> import numpy as np
    >>> lep = np.array([[50.0, -30.0, 0.0, -40.0]])  # W(100 GeV) at rest -> l nu
    >>> sol = solve_block_b(lep, 100.0**2)
    >>> int(sol.n_solutions[0]), sorted(np.round(sol.p1[0, :, 3], 2).tolist())
    (2, [-404.44, 40.0])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError

from ._checks import as_four_vectors, as_per_event, as_two_vectors
from .constants import SQRT_S

__all__ = ["BlockBSolutions", "solve_block_b", "block_b_jacobian", "Normalisation"]

Normalisation = Literal["phase_space", "momemta"]


@dataclass(frozen=True)
class BlockBSolutions:
    """Solutions per event, padded to two (valid ones first, NaN after).

    Attributes:
        p1: (N, 2, 4) neutrino four-momenta (E, px, py, pz).
        jacobian: (N, 2) the Jacobian J (GeV⁻⁴) in the requested normalisation.
        mask: (N, 2) True where the slot holds a solution.
        n_solutions: (N,) number of solutions.
    """

    p1: np.ndarray
    jacobian: np.ndarray
    mask: np.ndarray
    n_solutions: np.ndarray


def block_b_jacobian(
    p1: np.ndarray, p2: np.ndarray, sqrt_s: float = SQRT_S, normalisation: Normalisation = "phase_space"
) -> np.ndarray:
    r""":math:`\pi/(s|p_{2z}E_1 - E_2p_{1z}|)`, or MoMEMta's :math:`1/(4\pi^2 s|\ldots|)`."""
    if normalisation not in ("phase_space", "momemta"):
        raise InvalidArgumentError(f"normalisation: expected 'phase_space' or 'momemta', found {normalisation!r}")
    d = np.abs(p2[..., 3] * p1[..., 0] - p2[..., 0] * p1[..., 3])
    const = np.pi if normalisation == "phase_space" else 1.0 / (4.0 * np.pi**2)
    with np.errstate(divide="ignore"):
        return const / (sqrt_s**2 * d)


def solve_block_b(
    p2: Any,
    s12: Any,
    visible_pt_sum: Any = None,
    sqrt_s: float = SQRT_S,
    normalisation: Normalisation = "phase_space",
) -> BlockBSolutions:
    r"""Neutrino solutions of Block B for N events (vectorised).

    Args:
        p2: (N, 4) visible lepton (E, px, py, pz), GeV.
        s12: (N,) or scalar, :math:`(p_1+p_2)^2` in GeV².
        visible_pt_sum: (N, 2) transverse momentum the neutrino balances,
            :math:`\vec p_{1T} = -\,` ``visible_pt_sum``; default p2's (px, py).
        sqrt_s: hadronic collision energy (GeV).
        normalisation: ``"phase_space"`` (default) or ``"momemta"``, see the module docstring.

    Raises:
        InvalidArgumentError: wrong shapes, non-finite values, √s ≤ 0 or an unknown normalisation.
    """
    p2 = as_four_vectors("p2", p2)
    n = p2.shape[0]
    s12 = as_per_event("s12", s12, n)
    pt_sum = p2[:, 1:3] if visible_pt_sum is None else as_two_vectors("visible_pt_sum", visible_pt_sum, n)
    if not (np.isfinite(sqrt_s) and sqrt_s > 0.0):
        raise InvalidArgumentError(f"sqrt_s: expected a collision energy > 0, found {sqrt_s!r}")
    if normalisation not in ("phase_space", "momemta"):
        raise InvalidArgumentError(f"normalisation: expected 'phase_space' or 'momemta', found {normalisation!r}")

    e2, p2z = p2[:, 0], p2[:, 3]
    p1x, p1y = -pt_sum[:, 0], -pt_sum[:, 1]
    p1t2 = p1x * p1x + p1y * p1y
    m2sq = e2 * e2 - np.sum(p2[:, 1:] ** 2, axis=1)
    mt2sq = e2 * e2 - p2z * p2z
    k = 0.5 * (s12 - m2sq) + p1x * p2[:, 1] + p1y * p2[:, 2]
    disc = k * k - mt2sq * p1t2
    with np.errstate(divide="ignore", invalid="ignore"):
        root = e2 * np.sqrt(np.maximum(disc, 0.0))
        q = k * p2z + np.where(k * p2z >= 0.0, root, -root)
        z_a = q / mt2sq
        z_b = np.where(q != 0.0, -(k * k - e2 * e2 * p1t2) / q, z_a)
        p1z = np.stack([z_a, z_b], axis=1)
        valid = np.isfinite(p1z) & (disc >= 0.0)[:, None] & (mt2sq > 0.0)[:, None]
        valid &= (k[:, None] + p1z * p2z[:, None]) > 0.0
        # a double root (disc = 0) is one solution
        valid[:, 1] &= ~(valid[:, 0] & (z_a == z_b))
        e1 = np.sqrt(p1t2[:, None] + p1z * p1z)
        p1 = np.stack(
            [e1, np.broadcast_to(p1x[:, None], e1.shape), np.broadcast_to(p1y[:, None], e1.shape), p1z], axis=-1
        )
        total = p1 + p2[:, None, :]
        valid &= np.abs(total[..., 3] + total[..., 0]) <= sqrt_s
        valid &= np.abs(total[..., 3] - total[..., 0]) <= sqrt_s
        jac = block_b_jacobian(p1, p2[:, None, :], sqrt_s, normalisation)
        valid &= np.isfinite(jac)

    order = np.argsort(~valid, axis=1, kind="stable")
    valid = np.take_along_axis(valid, order, axis=1)
    p1 = np.take_along_axis(p1, order[..., None], axis=1)
    jac = np.take_along_axis(jac, order, axis=1)
    return BlockBSolutions(
        p1=np.where(valid[..., None], p1, np.nan),
        jacobian=np.where(valid, jac, np.nan),
        mask=valid,
        n_solutions=valid.sum(axis=1),
    )
