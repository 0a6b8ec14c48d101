r"""The tt̄ MEM integrand of :mod:`.tt_weight`, compiled (numba) as one loop over the points.

Per point u ∈ [0, 1)⁹ (u clamped below 1 − 10⁻¹², like the numpy path):

.. math::

    f(u) = \prod_{k} W_k\,\frac{|\vec p_k|^2\sin\theta_k}{2E_k(2\pi)^3}
        \sum_{\nu\,\in\,\text{sols of channel } c(u_9),\ \text{perm}(u_9)}
        \frac{F(\nu)}{\sum_{c'} \alpha_{c'}\,p_{c'}(\nu)},\qquad
    F(\nu) = \frac{1}{8\pi^2 s E_{\nu_1} E_{\nu_2}}\,\frac{1}{2x_1x_2s}\,
        g_s^4\bigl[f_g f_g\,\overline{|M|^2}_{gg} + \textstyle\sum_q (f_q\bar f_{\bar q} + f_{\bar q} f_q)
        \overline{|M|^2}_{q\bar q}\bigr]\,D_t D_{\bar t},

with the b-jet assignment perm(u₉) = [u₉ ≥ ½] (so that ∫du₉ averages the two) and the
phase-space channel c chosen with probability α_c by the fine digits of u₉,
w = frac(4096(2u₉ − perm)) (:mod:`.tt_channels`: Block D and five parametrisations without its
folds, densities p_c in d³ν₁dν₂z). The balance heuristic needs the actual probabilities of the
channels in its denominator; VEGAS adapts u₉ to the coarse b-assignment structure but cannot
resize the channels' shares at 1/4096 of the axis. (Letting it do so, with channels on plain
sub-intervals of u₉, converged more events at 1 % but with errors 1.4× too small: pull width 1.42
against 0.8–1.2 with this choice, on 30 tt̄ events against 0.25 % references; a scratch
measurement, not in the repository.) The Gaussian
transfer functions with their window Jacobian and dP/dE (:mod:`.transfer`), the decay factors
(:mod:`.tt_kernel`), the log-bicubic parton densities of the 11 flavours at (x₁, μ) and (x₂, μ)
(:mod:`.pdf_kernel`), one-loop α_s(μ) and the production |M|² (:mod:`.tt_matrix_element`).
With α = (1, 0, 0, 0, 0, 0), F/(α₀p_D) is Block D's J_D times the Breit–Wigner Jacobians, and f
is the numpy reference :func:`.tt_weight._event_integrand` term by term, except that Block D's
quartic is solved by Ferrari in real arithmetic (the reference iterates) and the PDF sums run in
another order; the tests hold the two to relative 1e-9 on random points of real events. Any other
α gives another integrand with the same integral (tested against Block D alone).

Example:
    >>> import numpy as np
    >>> from hepsurrogates.datasets.teachers.mem.pdf import load_grid
    >>> from hepsurrogates.datasets.teachers.mem.tt_weight import _objects
    >>> lm = np.array([[60.0, 0.3, 0.4, 0.0]]); lp = np.array([[45.0, -0.5, 2.5, 0.0]])
    >>> bj = np.array([[[90.0, 0.1, -2.0, 10.0], [50.0, -0.8, 1.2, 7.0]]])
    >>> f = compiled_event_integrand(_objects(lm, lp, bj, np.array([[70.0, -1.0]]))[0], 0.1, 0.3, 3.0,
    ...                              load_grid(), 13000.0)
    >>> f(np.full((1, 9), 0.5)).shape
    (1,)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numba
import numpy as np

from .constants import GAMMA_TOP, M_TOP, M_Z
from .pdf import LHAGrid
from .pdf_kernel import LogCubicTables, pack_logcubic, xf_logcubic_pair
from .transfer import integration_range
from .tt_channels import CHANNEL_WEIGHTS, channel_solutions, mixture_density, validate_channel_weights
from .tt_kernel import SOLUTION_COLUMNS, _decay
from .tt_matrix_element import ALPHA_S_MZ

if TYPE_CHECKING:
    from .tt_weight import _Visible

__all__ = ["compiled_event_integrand", "PDF_IDS"]

#: Flavour order of the parton densities: g, d, u, s, c, b, d̄, ū, s̄, c̄, b̄.
PDF_IDS = (21, 1, 2, 3, 4, 5, -1, -2, -3, -4, -5)
_N_QUARKS = 5
_TWO_PI = 2.0 * np.pi
_TWO_PI_CUBED = _TWO_PI ** 3
_U_MAX = 1.0 - 1e-12
#: u₉'s digits that pick the channel: v ↦ frac(4096 v) (exact in binary floating point)
_CHANNEL_SPREAD = 4096.0
_B0 = (33.0 - 2.0 * 5.0) / (12.0 * np.pi)
_SQRT_2PI = np.sqrt(2.0 * np.pi)


@numba.njit(cache=True, error_model="numpy", _nrt=False)
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


@numba.njit(cache=True, error_model="numpy", _nrt=False)
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


@numba.njit(cache=True, error_model="numpy", _nrt=False)
def _integrand_batch(u, e_rec, mass, direction, sin_theta, sigma_frac, n_sigma, met, sqrt_s, alpha, cum,
                     log_x, log_q, q_offset, lower_edges, values, dlogx, x_min, x_max, q_min, q_max, out,
                     vis, sol, xf1, xf2, roots):
    """Fill ``out`` (P,) with the integrand at the points ``u`` (P, 9).

    u[:, 8] picks the b-jet assignment and the channel: perm = [u₈ ≥ ½] (b₁ with the top, ℓ⁺
    side, or the swap), then w = frac(4096 (2u₈ − perm)) picks the first channel c with
    w < α₀ + … + α_c (:mod:`.tt_channels`); u[:, :4] are that channel's variables
    (:func:`.tt_channels.channel_solutions`), u[:, 4:8] the four energies. Each solution
    contributes F(ν) / Σ_c α_c p_c(ν).

    A solution whose incoming partons would need a momentum fraction outside (0, 1]
    (or a non-finite one) is kinematically forbidden and contributes 0, as in the numpy path."""
    # No reference counting (``_nrt=False``: the caller owns every array, including the scratch
    # vis (4, 4), sol (4, SOLUTION_COLUMNS), xf1, xf2 (flavours) and roots (4 complex)), and the
    # four-vectors and α are tuples: numba reference-counts array views and the array arguments
    # of inlined functions with atomic instructions, which took half of the integrand's time.
    at = (alpha[0], alpha[1], alpha[2], alpha[3], alpha[4], alpha[5])
    width2 = (M_TOP * GAMMA_TOP) ** 2
    for i in range(u.shape[0]):
        weight = 1.0
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
        perm = 0 if u[i, 8] < 0.5 else 1
        v = 2.0 * u[i, 8] - perm
        v = (v * _CHANNEL_SPREAD) % 1.0  # VEGAS cannot resize the channels' shares (docstring)
        channel = 0
        while channel < len(cum) - 1 and v >= cum[channel]:
            channel += 1
        p3 = (vis[0, 0], vis[0, 1], vis[0, 2], vis[0, 3])
        p4 = (vis[1, 0], vis[1, 1], vis[1, 2], vis[1, 3])
        p5 = (vis[2 + perm, 0], vis[2 + perm, 1], vis[2 + perm, 2], vis[2 + perm, 3])
        p6 = (vis[3 - perm, 0], vis[3 - perm, 1], vis[3 - perm, 2], vis[3 - perm, 3])
        p35 = (p3[0] + p5[0], p3[1] + p5[1], p3[2] + p5[2], p3[3] + p5[3])
        p46 = (p4[0] + p6[0], p4[1] + p6[1], p4[2] + p6[2], p4[3] + p6[3])
        n = channel_solutions(channel, min(u[i, 0], _U_MAX), min(u[i, 1], _U_MAX), min(u[i, 2], _U_MAX),
                              min(u[i, 3], _U_MAX), p3, p4, p5, p6, p35, p46, met[0], met[1], sqrt_s, sol, roots)
        total = 0.0
        first = True
        for k in range(n):
            n1 = (sol[k, 0], sol[k, 1], sol[k, 2], sol[k, 3])
            n2 = (sol[k, 4], sol[k, 5], sol[k, 6], sol[k, 7])
            sk = (sol[k, 8], sol[k, 9], sol[k, 10], sol[k, 11])
            top = (n1[0] + p35[0], n1[1] + p35[1], n1[2] + p35[2], n1[3] + p35[3])
            tbar = (n2[0] + p46[0], n2[1] + p46[1], n2[2] + p46[2], n2[3] + p46[3])
            tot = (top[0] + tbar[0], top[1] + tbar[1], top[2] + tbar[2], top[3] + tbar[3])
            pt2 = tot[1] * tot[1] + tot[2] * tot[2]
            shat = tot[0] * tot[0] - pt2 - tot[3] * tot[3]
            e_prime = np.sqrt(shat + tot[3] * tot[3])
            x1 = (e_prime + tot[3]) / sqrt_s
            x2 = (e_prime - tot[3]) / sqrt_s
            if not (0.0 < x1 <= 1.0 and 0.0 < x2 <= 1.0):
                continue
            phase_nu = 1.0 / (8.0 * np.pi**2 * sqrt_s * sqrt_s * n1[0] * n2[0])
            det_abs = phase_nu / sol[k, 12] if channel == 0 else 0.0  # Block D's |det ∂s/∂ν|
            density = mixture_density(p3, p4, p5, p6, p35, p46, met[0], met[1], n1, n2, sk, at,
                                      det_abs)
            if not density > 0.0:
                continue
            gamma = tot[0] / e_prime
            bx, by = tot[1] / tot[0], tot[2] / tot[0]
            q1_top = 0.5 * x1 * sqrt_s * (gamma * (top[0] - bx * top[1] - by * top[2]) - top[3])
            mu = np.sqrt(shat + pt2)
            tau1 = 2.0 * q1_top / shat
            st, sb = sk[1], sk[3]
            rho = 2.0 * (st + sb) / shat
            decay = (0.25 * _decay(top, p5, p3, n1) * _decay(tbar, p6, p4, n2)
                     / (((st - M_TOP**2) ** 2 + width2) * ((sb - M_TOP**2) ** 2 + width2)))
            production = _production(x1, x2, mu, tau1, rho, xf1, xf2, log_x, log_q, q_offset, lower_edges,
                                     values, dlogx, x_min, x_max, q_min, q_max)
            flux = 1.0 / (2.0 * x1 * x2 * sqrt_s * sqrt_s)
            term = phase_nu / density * flux * production * decay
            if not np.isfinite(term):
                continue
            total = term if first else total + term
            first = False
        out[i] = weight * total


def compiled_event_integrand(vis: _Visible, sigma_lepton: float, sigma_bjet: float, n_sigma: float,
                             grid: LHAGrid, sqrt_s: float,
                             tables: LogCubicTables | None = None,
                             alpha: tuple[float, ...] = CHANNEL_WEIGHTS) -> Callable[[np.ndarray], np.ndarray]:
    """Batch integrand over u ∈ [0, 1]⁹ for one event with the channel weights ``alpha``
    (:data:`.tt_channels.CHANNEL_WEIGHTS`); its integral is that of the numpy
    :func:`.tt_weight._event_integrand` with ``interpolation="logcubic"``, and with
    α = (1, 0, 0, 0, 0, 0) it is that integrand point by point.

    Raises:
        InvalidArgumentError: an object's E_rec ≤ 0 or mass ≥ E_rec (as the numpy transfer
            function does), or invalid ``alpha`` (:func:`.tt_channels.validate_channel_weights`).
    """
    weights = validate_channel_weights(alpha)
    sigma = np.array([sigma_lepton, sigma_lepton, sigma_bjet, sigma_bjet])
    integration_range(vis.e_rec, 0.1, n_sigma, vis.mass)  # the transfer function's input checks
    tab = pack_logcubic(grid, PDF_IDS) if tables is None else tables
    args = (np.ascontiguousarray(vis.e_rec, dtype=np.float64), np.ascontiguousarray(vis.mass, dtype=np.float64),
            np.ascontiguousarray(vis.direction, dtype=np.float64),
            np.ascontiguousarray(vis.sin_theta, dtype=np.float64), sigma, float(n_sigma),
            np.ascontiguousarray(vis.met, dtype=np.float64), float(sqrt_s), weights, np.cumsum(weights), tab.log_x,
            tab.log_q, tab.q_offset, tab.lower_edges, tab.values, tab.dlogx, tab.x_min, tab.x_max, tab.q_min,
            tab.q_max)

    n_flavours = tab.values.shape[2]

    def integrand(u: np.ndarray) -> np.ndarray:
        u = np.ascontiguousarray(u, dtype=np.float64)
        out = np.empty(u.shape[0])
        _integrand_batch(u, *args, out, np.empty((4, 4)), np.empty((4, SOLUTION_COLUMNS)), np.empty(n_flavours),
                         np.empty(n_flavours), np.empty(4, dtype=np.complex128))
        return out

    return integrand
