r"""The tt̄ MEM integrand of :mod:`.tt_weight`, compiled (numba) as one loop over the points.

Per point u ∈ [0, 1)⁹ (u clamped below 1 − 10⁻¹², like the numpy path), the chain of
:func:`.tt_weight._event_integrand` without numpy temporaries:

.. math::

    f(u) = \prod_{a} J_{BW}(u_a)\prod_{k} W_k\,\frac{|\vec p_k|^2\sin\theta_k}{2E_k(2\pi)^3}
        \sum_{\text{sols of perm}(u_9)} J_D\,\frac{1}{2x_1x_2s}\,
        g_s^4\bigl[f_g f_g\,\overline{|M|^2}_{gg} + \textstyle\sum_q (f_q\bar f_{\bar q} + f_{\bar q} f_q)
        \overline{|M|^2}_{q\bar q}\bigr]\,D_t D_{\bar t},

with the b-jet assignment perm(u₉) = [u₉ ≥ ½] (so that ∫du₉ averages the two), the Breit–Wigner maps (:mod:`.breit_wigner`), the Gaussian transfer functions with their
window Jacobian and dP/dE (:mod:`.transfer`), Block D and the decay factors
(:mod:`.tt_kernel`), the log-bicubic parton densities of the 11 flavours at (x₁, μ) and (x₂, μ)
(:mod:`.pdf_kernel`), one-loop α_s(μ) and the production |M|² (:mod:`.tt_matrix_element`).
Each formula follows the numpy reference, except that Block D's quartic is solved by Ferrari
in real arithmetic (the reference iterates) and the PDF sums run in another order; the tests hold
the two to relative 1e-9 on random points of real events.

Example:
    >>> import numpy as np
    >>> from hepsurrogates.datasets.mem.pdf import load_grid
    >>> from hepsurrogates.datasets.mem.tt_weight import _objects
    >>> lm = np.array([[60.0, 0.3, 0.4, 0.0]]); lp = np.array([[45.0, -0.5, 2.5, 0.0]])
    >>> bj = np.array([[[90.0, 0.1, -2.0, 10.0], [50.0, -0.8, 1.2, 7.0]]])
    >>> f = compiled_event_integrand(_objects(lm, lp, bj, np.array([[70.0, -1.0]]))[0], 0.1, 0.3, 3.0,
    ...                              load_grid(), 13000.0)
    >>> f(np.full((1, 9), 0.5)).shape
    (1,)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import numba
import numpy as np


from .constants import GAMMA_TOP, GAMMA_W, M_TOP, M_W, M_Z
from .pdf import LHAGrid
from .pdf_kernel import LogCubicTables, pack_logcubic, xf_logcubic_pair
from .transfer import integration_range
from .tt_kernel import WORK_SIZE, _block_d, _decay
from .tt_matrix_element import ALPHA_S_MZ

if TYPE_CHECKING:
    from .tt_weight import _Visible

__all__ = ["compiled_event_integrand", "PDF_IDS"]

#: Flavour order of the parton densities: g, d, u, s, c, b, d̄, ū, s̄, c̄, b̄.
PDF_IDS = (21, 1, 2, 3, 4, 5, -1, -2, -3, -4, -5)
_N_QUARKS = 5
_TWO_PI_CUBED = (2.0 * np.pi) ** 3
_U_MAX = 1.0 - 1e-12
_B0 = (33.0 - 2.0 * 5.0) / (12.0 * np.pi)
_SQRT_2PI = np.sqrt(2.0 * np.pi)
#: status codes of :func:`_integrand_batch`


@numba.njit(cache=True, error_model="numpy")
def _bw(u, mass, width):
    """Breit–Wigner map (s, ds/du) of :func:`.breit_wigner.breit_wigner_map` for 0 ≤ u < 1."""
    atan = np.arctan(mass / width)
    span = 0.5 * np.pi + atan
    y = -atan + span * u
    t = np.tan(y)
    s = mass * width * t + mass * mass
    jac = span * mass * width * (1.0 + t * t)  # 1/cos²y, without a second transcendental call
    if u == 0.0:
        s = 0.0
    return s, jac


@numba.njit(cache=True, error_model="numpy")
def _transfer(u, e_rec, sigma_frac, n_sigma, mass):
    """(E_gen, W·(E_hi − E_lo)·dP/dE) of :func:`.transfer.transfer_weight` (response 1)."""
    centre = e_rec / 1.0
    half = n_sigma * sigma_frac * centre
    lo = max(centre - half, mass)
    width = centre + half - lo
    e_gen = lo + width * u
    if not e_gen > mass:
        return e_gen, 0.0
    sigma = sigma_frac * e_gen
    z = (e_rec - 1.0 * e_gen) / sigma
    density = np.exp(-0.5 * z * z) / (_SQRT_2PI * sigma)
    return e_gen, density * width * (e_gen / np.sqrt((e_gen - mass) * (e_gen + mass)))


@numba.njit(cache=True, error_model="numpy")
def _production(x1, x2, mu, tau1, rho, xf1, xf2, log_x, log_q, q_offset, lower_edges, values, dlogx,
                x_min, x_max, q_min, q_max):
    """g_s⁴ [f_g f_g |M|²_gg + Σ_q (f_q f_q̄ + f_q̄ f_q) |M|²_qq̄] at one Block D solution."""
    xf_logcubic_pair(x1, x2, mu, log_x, log_q, q_offset, lower_edges, values, dlogx, x_min, x_max, q_min, q_max,
                     xf1, xf2)
    for f in range(xf1.size):
        xf1[f] = xf1[f] / x1
        xf2[f] = xf2[f] / x2
    lumi = 0.0
    for q in range(1, 1 + _N_QUARKS):
        term = xf1[q] * xf2[q + _N_QUARKS] + xf1[q + _N_QUARKS] * xf2[q]
        lumi = term if q == 1 else lumi + term
    tau2 = 1.0 - tau1
    t12 = tau1 * tau2
    gg = (1.0 / (6.0 * t12) - 0.375) * (tau1 * tau1 + tau2 * tau2 + rho - rho * rho / (4.0 * t12))
    gg = max(gg, 0.0)  # off-shell continuation clipped at 0 (tt_matrix_element.production_gg)
    qq = 4.0 / 9.0 * (tau1 * tau1 + tau2 * tau2 + 0.5 * rho)
    alpha = ALPHA_S_MZ / (1.0 + ALPHA_S_MZ * _B0 * np.log(mu * mu / (M_Z * M_Z)))
    gs2 = 4.0 * np.pi * alpha
    return gs2 * gs2 * (xf1[0] * xf2[0] * gg + lumi * qq)


@numba.njit(cache=True, error_model="numpy")
def _integrand_batch(u, e_rec, mass, direction, sin_theta, sigma_frac, n_sigma, met, sqrt_s,
                     log_x, log_q, q_offset, lower_edges, values, dlogx, x_min, x_max, q_min, q_max, out):
    """Fill ``out`` (P,) with the integrand at the points ``u`` (P, 9); u[:, 8] < 1/2 assigns b₁ to
    the top (ℓ⁺ side) and b₂ to the antitop, u[:, 8] ≥ 1/2 the swap.

    A Block D solution whose incoming partons would need a momentum fraction outside (0, 1]
    (or a non-finite one) is kinematically forbidden and contributes 0, as in the numpy path."""
    vis = np.empty((4, 4))
    nu1, nu2, jac = np.empty((4, 4)), np.empty((4, 4)), np.empty(4)
    xf1, xf2 = np.empty(values.shape[2]), np.empty(values.shape[2])
    top, tbar, tot = np.empty(4), np.empty(4), np.empty(4)
    work, roots = np.empty(WORK_SIZE), np.empty(4, dtype=np.complex128)
    width2 = (M_TOP * GAMMA_TOP) ** 2
    for i in range(u.shape[0]):
        s13, j13 = _bw(min(u[i, 0], _U_MAX), M_W, GAMMA_W)
        s134, j134 = _bw(min(u[i, 1], _U_MAX), M_TOP, GAMMA_TOP)
        s25, j25 = _bw(min(u[i, 2], _U_MAX), M_W, GAMMA_W)
        s256, j256 = _bw(min(u[i, 3], _U_MAX), M_TOP, GAMMA_TOP)
        weight = j13 * j134 * j25 * j256
        for k in range(4):
            energy, tf = _transfer(min(u[i, 4 + k], _U_MAX), e_rec[k], sigma_frac[k], n_sigma, mass[k])
            p = np.sqrt(max((energy - mass[k]) * (energy + mass[k]), 0.0))
            phase = p * p * sin_theta[k] / (2.0 * energy * _TWO_PI_CUBED) if energy > 0.0 else 0.0
            weight = weight * tf * phase
            vis[k, 0] = energy
            for c in range(3):
                vis[k, 1 + c] = p * direction[k, c]
        out[i] = 0.0
        if not weight > 0.0:
            continue
        total = 0.0
        first = True
        perm = 0 if u[i, 8] < 0.5 else 1  # the b-jet assignment (ninth dimension)
        p3, p4, p5, p6 = vis[0], vis[1], vis[2 + perm], vis[3 - perm]
        n = _block_d(p3, p4, p5, p6, met[0], met[1], s13, s134, s25, s256, sqrt_s, nu1, nu2, jac, work, roots,
                     True)
        for k in range(n):
            for c in range(4):
                top[c] = nu1[k, c] + p3[c] + p5[c]
                tbar[c] = nu2[k, c] + p4[c] + p6[c]
                tot[c] = top[c] + tbar[c]
            pt2 = tot[1] * tot[1] + tot[2] * tot[2]
            shat = tot[0] * tot[0] - pt2 - tot[3] * tot[3]
            e_prime = np.sqrt(shat + tot[3] * tot[3])
            x1 = (e_prime + tot[3]) / sqrt_s
            x2 = (e_prime - tot[3]) / sqrt_s
            if not (0.0 < x1 <= 1.0 and 0.0 < x2 <= 1.0):
                continue
            gamma = tot[0] / e_prime
            bx, by = tot[1] / tot[0], tot[2] / tot[0]
            q1_top = 0.5 * x1 * sqrt_s * (gamma * (top[0] - bx * top[1] - by * top[2]) - top[3])
            mu = np.sqrt(shat + pt2)
            tau1 = 2.0 * q1_top / shat
            rho = 2.0 * (s134 + s256) / shat
            decay = (0.25 * _decay(top, p5, p3, nu1[k]) * _decay(tbar, p6, p4, nu2[k])
                     / (((s134 - M_TOP**2) ** 2 + width2) * ((s256 - M_TOP**2) ** 2 + width2)))
            production = _production(x1, x2, mu, tau1, rho, xf1, xf2, log_x, log_q, q_offset, lower_edges,
                                     values, dlogx, x_min, x_max, q_min, q_max)
            flux = 1.0 / (2.0 * x1 * x2 * sqrt_s * sqrt_s)
            term = jac[k] * flux * production * decay
            total = term if first else total + term
            first = False
        out[i] = weight * total


def compiled_event_integrand(vis: "_Visible", sigma_lepton: float, sigma_bjet: float, n_sigma: float,
                             grid: LHAGrid, sqrt_s: float,
                             tables: LogCubicTables | None = None) -> Callable[[np.ndarray], np.ndarray]:
    """Batch integrand over u ∈ [0, 1]⁹ for one event, equal to the numpy
    :func:`.tt_weight._event_integrand` with ``interpolation="logcubic"``.

    Raises:
        InvalidArgumentError: an object's E_rec ≤ 0 or mass ≥ E_rec (as the numpy transfer
            function does).
    """
    sigma = np.array([sigma_lepton, sigma_lepton, sigma_bjet, sigma_bjet])
    integration_range(vis.e_rec, 0.1, n_sigma, vis.mass)  # the transfer function's input checks
    tab = pack_logcubic(grid, PDF_IDS) if tables is None else tables
    args = (np.ascontiguousarray(vis.e_rec, dtype=np.float64), np.ascontiguousarray(vis.mass, dtype=np.float64),
            np.ascontiguousarray(vis.direction, dtype=np.float64),
            np.ascontiguousarray(vis.sin_theta, dtype=np.float64), sigma, float(n_sigma),
            np.ascontiguousarray(vis.met, dtype=np.float64), float(sqrt_s), tab.log_x, tab.log_q, tab.q_offset,
            tab.lower_edges, tab.values, tab.dlogx, tab.x_min, tab.x_max, tab.q_min, tab.q_max)

    def integrand(u: np.ndarray) -> np.ndarray:
        u = np.ascontiguousarray(u, dtype=np.float64)
        out = np.empty(u.shape[0])
        _integrand_batch(u, *args, out)
        return out

    return integrand
