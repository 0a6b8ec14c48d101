r"""Dileptonic tt̄ MEM weight of an observed ℓ⁺ℓ⁻ b b + MET event, with VEGAS (MoMEMta style).

Hypothesis gg, q q̄ → tt̄ → b ℓ⁺ν b̄ ℓ⁻ν̄ at leading order (:mod:`.tt_matrix_element`; PHYSICS.md
§1; arXiv 2008.10949), integrated the way MoMEMta's ``TTbar_FullyLeptonic`` example does:

.. math::

    P(x) = \int_0^1 du_9\int \prod_{k=1}^{4} du_k\,
        \prod_{i\in\{\ell^+,\ell^-,b,\bar b\}} W(E_i^{rec}|E_i)\,\frac{d|\vec p_i|}{dE_i}\,dE_i\,
        \frac{|\vec p_i|^2\sin\theta_i}{2E_i(2\pi)^3}\;
        \frac{ds_{13}}{du_1}\frac{ds_{134}}{du_2}\frac{ds_{25}}{du_3}\frac{ds_{256}}{du_4}
        \sum_{\text{Block D sols of perm}(u_9)} J_D\,\frac{1}{2x_1x_2s}
        \sum_{ij} f_i(x_1,\mu) f_j(x_2,\mu)\,|M_{ij}|^2 .

* Nine dimensions: the Breit–Wigner maps (:mod:`.breit_wigner`) of the four propagator masses
  s13 = m²(ℓ⁺ν) and s25 = m²(ℓ⁻ν̄) (W: 80.419 / 2.0476 GeV), s134 = m²(bℓ⁺ν) and
  s256 = m²(b̄ℓ⁻ν̄) (top: 173 / 1.4915 GeV), and the generated energies of the two leptons
  (Gaussian transfer function, s = 0.10) and the two b-jets (s = 0.30), each over its ±3σ window
  (:mod:`.transfer`); directions and masses of the visible objects are held at their measured
  values, and the b-jet assignment. The Breit–Wigner Jacobians cancel the propagators of |M|²
  exactly, which is why they are the integration variables.
* "Block D" (:mod:`.block_d`; compiled per point in :mod:`.tt_kernel`, and with the whole
  integrand in :mod:`.tt_integrand`, the default backend) turns (s13, s134, s25, s256) and the measured MET into the two
  neutrino momenta (up to four solutions, all summed) and supplies the Jacobian J_D, which
  contains the neutrino phase space, (2π)⁴, the longitudinal δ's that fix x₁, x₂ and the
  transverse δ² that balances the neutrinos against the MET.
* b-jet permutations: u₉ < ½ takes b₁ from t (with ℓ⁺) and b₂ from t̄, u₉ ≥ ½ the swap, so the
  ninth integral averages the two assignments, as MoMEMta's ``Permutator`` module does. VEGAS
  adapts that axis too, giving most points to the assignment that dominates the weight (often by
  orders of magnitude); each point then solves once instead of twice, which costs less per event
  at 1 % than evaluating both assignments at every point. Agreement with precise reference
  weights: ``benchmarks/mem/vegas_bias.py``.
* Phase-space channels (the compiled backend's default, :mod:`.tt_channels`): Block D's Jacobian
  has integrable spikes on the folds of its map, which dominate the weight of events that cannot
  put all four resonances on shell. Five more parametrisations of the same neutrino phase space,
  each leaving one or two masses free (so without Block D's folds), are combined with Block D by
  the balance heuristic of multi-channel sampling; within each half of u₉ its fine digits pick
  channel c with probability α_c (:data:`.tt_channels.CHANNEL_WEIGHTS`, ``channel_weights``). The
  integral is the same for any weights; ``channel_weights=(1, 0, 0, 0, 0, 0)`` is Block D alone,
  equal point by point to the numpy reference. Measured on 30 tt̄ events at 1 % with up to 1.6M
  evaluations, in one run: 25 of 30 converge at 0.13 s/event against 22 of 30 at 0.28 s/event for
  Block D alone (``benchmarks/results/mem_budget_1600k.json``), and the weights agree with 0.2 %
  references without bias (``benchmarks/results/mem_vegas_bias.json``).
* Initial state: the sum of the six final-state momenta, boosted to zero transverse momentum
  (MoMEMta ``BuildInitialState`` with the transverse boost), gives x₁,₂ = (E' ± P_z)/√s;
  τ₁,₂ of :mod:`.tt_matrix_element` use the invariants q₁·p_t, q₁·p_t̄ of the boosted partons.
* Parton densities: the LHAPDF grid Pythia used (:mod:`.pdf`, NNPDF2.3 LO), g g and the five
  light q q̄ / q̄ q channels, at μ_F = μ_R = the transverse mass of the top pair,
  μ = √(m²_tt̄ + p²_T,tt̄) evaluated at each point (PHYSICS.md §1), with one-loop α_s(μ).

Normalisation: as for MoMEMta's tt̄ weight, the weight is the integrand's integral in these
variables, not divided by σ_vis; its (2π)⁴ and 2/s are inside J_D (Block D). −log10 of it is the
regression target of arXiv 2008.10949.

VEGAS per event: the protocol of :mod:`.vegas_driver` (adaptation, refinement by 4× until the
relative error reaches ``rel_accuracy`` or ``max_neval`` is spent, convergence flag). Measured
speed and accuracy are in ``benchmarks/mem/bench_mem.py`` and the README.

Example:
    >>> import numpy as np
    >>> lm = np.array([[60.0, 0.3, 0.4, 0.0]]); lp = np.array([[45.0, -0.5, 2.5, 0.0]])
    >>> bj = np.array([[[90.0, 0.1, -2.0, 10.0], [50.0, -0.8, 1.2, 7.0]]])
    >>> met = np.array([[70.0, -1.0]])
    >>> res = tt_weights(lm, lp, bj, met, rel_accuracy=0.05, seed=1)
    >>> bool(res.weight[0] > 0.0)
    True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError

from ._checks import as_float_array
from .breit_wigner import breit_wigner_map
from .constants import GAMMA_TOP, GAMMA_W, M_TOP, M_W, SQRT_S
from .pdf import DEFAULT_PDF, INTERPOLATIONS, Interpolation, LHAGrid, load_grid
from .pdf_kernel import pack_logcubic
from .transfer import DEFAULT_N_SIGMA, SIGMA_BJET, SIGMA_LEPTON, transfer_weight
from .tt_channels import CHANNEL_WEIGHTS, validate_channel_weights
from .tt_integrand import PDF_IDS, compiled_event_integrand
from .tt_kernel import tt_point_kinematics
from .tt_matrix_element import alpha_s, production_gg, production_qqbar
from .vegas_driver import DEFAULT_MAX_CHI2_DOF, MEMWeights, integrate_events, validate_vegas_options

__all__ = ["tt_weights", "TT_DIMENSIONS", "BACKENDS"]

#: Integration dimensions: s13, s134, s25, s256, E(ℓ⁺), E(ℓ⁻), E(b₁), E(b₂), b assignment.
TT_DIMENSIONS = 9
_QUARK_PIDS = (1, 2, 3, 4, 5)
_PIDS = (21,) + _QUARK_PIDS + tuple(-q for q in _QUARK_PIDS)
_TWO_PI_CUBED = (2.0 * np.pi) ** 3
_U_MAX = 1.0 - 1e-12  # the Breit–Wigner map sends u = 1 to s = ∞
Backend = Literal["numba", "numpy"]
#: Integrand implementations: the compiled loop of :mod:`.tt_integrand` (default; log-cubic PDF
#: interpolation only) and the numpy reference :func:`_event_integrand` of this module.
BACKENDS = ("numba", "numpy")


@dataclass(frozen=True)
class _Visible:
    """One event's measured objects in the order ℓ⁺, ℓ⁻, b₁, b₂: unit directions (4, 3), masses,
    reconstructed energies, sinθ; and the MET vector (2,)."""

    direction: np.ndarray
    mass: np.ndarray
    e_rec: np.ndarray
    sin_theta: np.ndarray
    met: np.ndarray


def _objects(lep_minus: Any, lep_plus: Any, bjets: Any, met: Any) -> list[_Visible]:
    lm = as_float_array("lep_minus", lep_minus)
    lp = as_float_array("lep_plus", lep_plus)
    bj = as_float_array("bjets", bjets)
    mt = as_float_array("met", met)
    n = lm.shape[0] if lm.ndim == 2 else -1
    for name, arr, shape in (("lep_minus", lm, (n, 4)), ("lep_plus", lp, (n, 4)), ("bjets", bj, (n, 2, 4)),
                             ("met", mt, (n, 2))):
        if arr.shape != shape:
            raise InvalidArgumentError(
                f"{name}: expected shape {shape} with columns (pt, eta, phi, mass)"
                f"{' per jet' if name == 'bjets' else ''}"
                f"{' as (pt, phi)' if name == 'met' else ''}, found {arr.shape}"
            )
    # canonical jet order (higher pT first), so the result does not depend on the input order
    swap = bj[:, 1, 0] > bj[:, 0, 0]
    bj = np.where(swap[:, None, None], bj[:, ::-1], bj)
    objs = np.stack([lp, lm, bj[:, 0], bj[:, 1]], axis=1)  # (N, 4, 4)
    pt, eta, phi, mass = np.moveaxis(objs, -1, 0)
    if np.any(pt <= 0.0):
        raise InvalidArgumentError(f"pt: expected > 0, found {int(np.sum(pt <= 0.0))} non-positive values")
    if np.any(mass < 0.0):
        raise InvalidArgumentError("mass: expected object masses >= 0")
    if np.any(mt[:, 0] < 0.0):
        raise InvalidArgumentError("met: expected pt >= 0")
    cosh = np.cosh(eta)
    p = pt * cosh
    direction = np.stack([np.cos(phi) / cosh, np.sin(phi) / cosh, np.tanh(eta)], axis=-1)
    e_rec = np.sqrt(p * p + mass * mass)
    met_xy = np.stack([mt[:, 0] * np.cos(mt[:, 1]), mt[:, 0] * np.sin(mt[:, 1])], axis=-1)
    return [_Visible(direction[i], mass[i], e_rec[i], 1.0 / cosh[i], met_xy[i]) for i in range(lm.shape[0])]


def _matrix_element_sum(
    vis: np.ndarray,
    s: np.ndarray,
    perm: np.ndarray,
    met: np.ndarray,
    grid: LHAGrid,
    interpolation: Interpolation,
    sqrt_s: float,
) -> np.ndarray:
    r"""Σ over the Block D solutions of J_D · flux · Σ f f |M|² for each point's b assignment
    ``perm`` (P,) (0: b₁ with ℓ⁺, 1: the swap), shape (P,).

    The kinematics per solution come from the compiled :func:`.tt_kernel.tt_point_kinematics`,
    which solves both assignments (this reference keeps the chosen one; the default compiled
    path solves only that one);
    parton densities and the production |M|² are evaluated here on the flat list of solutions.
    """
    kin = tt_point_kinematics(
        np.ascontiguousarray(vis), np.ascontiguousarray(s), np.ascontiguousarray(met), float(sqrt_s)
    )
    x1_all, x2_all = kin[..., 2], kin[..., 3]
    # a solution whose partons would need x outside (0, 1] is kinematically forbidden: it contributes 0
    chosen = np.arange(2)[None, :, None] == perm[:, None, None]
    valid = chosen & (kin[..., 0] > 0.0) & (x1_all > 0.0) & (x1_all <= 1.0) & (x2_all > 0.0) & (x2_all <= 1.0)
    out = np.zeros(vis.shape[0])
    if not np.any(valid):
        return out
    ip = np.nonzero(valid)[0]
    jac, x1, x2, mu, tau1, rho, decays = kin[valid][:, 1:].T
    tau2 = 1.0 - tau1
    xf = grid.xfxQ_flavours(
        _PIDS, np.concatenate([x1, x2]), np.concatenate([mu, mu]), interpolation, clip_negative=True
    )
    f1, f2 = xf[:, : x1.size] / x1, xf[:, x1.size :] / x2
    nq = len(_QUARK_PIDS)
    qq_lumi = np.sum(f1[1 : 1 + nq] * f2[1 + nq :] + f1[1 + nq :] * f2[1 : 1 + nq], axis=0)
    gs2 = 4.0 * np.pi * alpha_s(mu)
    production = (
        gs2 * gs2 * (f1[0] * f2[0] * production_gg(tau1, tau2, rho) + qq_lumi * production_qqbar(tau1, tau2, rho))
    )
    flux = 1.0 / (2.0 * x1 * x2 * sqrt_s * sqrt_s)
    np.add.at(out, ip, jac * flux * production * decays)
    return out


def _event_integrand(
    vis: _Visible,
    sigma_lepton: float,
    sigma_bjet: float,
    n_sigma: float,
    grid: LHAGrid,
    interpolation: Interpolation,
    sqrt_s: float,
) -> Callable[[np.ndarray], np.ndarray]:
    """Batch integrand over u ∈ [0, 1]⁹ for one event (variables of the module docstring)."""
    sigmas = (sigma_lepton, sigma_lepton, sigma_bjet, sigma_bjet)

    def integrand(u: np.ndarray) -> np.ndarray:
        u = np.minimum(u, _U_MAX)
        s13, j13 = breit_wigner_map(u[:, 0], M_W, GAMMA_W)
        s134, j134 = breit_wigner_map(u[:, 1], M_TOP, GAMMA_TOP)
        s25, j25 = breit_wigner_map(u[:, 2], M_W, GAMMA_W)
        s256, j256 = breit_wigner_map(u[:, 3], M_TOP, GAMMA_TOP)
        weight = j13 * j134 * j25 * j256
        vis4 = np.empty((u.shape[0], 4, 4))
        for k in range(4):
            energy, tf = transfer_weight(u[:, 4 + k], vis.e_rec[k], sigmas[k], n_sigma, vis.mass[k])
            p = np.sqrt(np.maximum((energy - vis.mass[k]) * (energy + vis.mass[k]), 0.0))
            with np.errstate(divide="ignore", invalid="ignore"):
                weight = (
                    weight * tf * np.where(energy > 0.0, p * p * vis.sin_theta[k] / (2.0 * energy * _TWO_PI_CUBED), 0.0)
                )
            vis4[:, k, 0] = energy
            vis4[:, k, 1:] = p[:, None] * vis.direction[k]
        out = np.zeros(u.shape[0])
        live = weight > 0.0
        if not np.any(live):
            return out
        s = np.stack([s13, s134, s25, s256], axis=1)[live]
        perm = (u[live, 8] >= 0.5).astype(np.int64)
        out[live] = weight[live] * _matrix_element_sum(vis4[live], s, perm, vis.met, grid, interpolation, sqrt_s)
        return out

    return integrand


def tt_weights(
    lep_minus: Any,
    lep_plus: Any,
    bjets: Any,
    met: Any,
    *,
    sigma_lepton: float = SIGMA_LEPTON,
    sigma_bjet: float = SIGMA_BJET,
    n_sigma: float = DEFAULT_N_SIGMA,
    rel_accuracy: float = 0.01,
    max_chi2_dof: float = DEFAULT_MAX_CHI2_DOF,
    neval: int = 4000,
    nitn: int = 5,
    n_adapt: int = 5,
    max_neval: int = 400_000,
    seed: int = 0,
    first_index: int = 0,
    pdf: str | Path = DEFAULT_PDF,
    interpolation: Interpolation = "logcubic",
    sqrt_s: float = SQRT_S,
    backend: Backend = "numba",
    weighting: str = "points",
    channel_weights: tuple[float, ...] = CHANNEL_WEIGHTS,
) -> MEMWeights:
    """tt̄ dilepton MEM weights of N observed ℓ⁺ℓ⁻bb+MET events (one VEGAS integration per event).

    Args:
        lep_minus, lep_plus: (N, 4) arrays of (pt [GeV], eta, phi, mass [GeV]) of ℓ⁻ and ℓ⁺.
        bjets: (N, 2, 4) the two b-jet candidates, (pt, eta, phi, mass); order does not matter
            (both assignments are averaged by the ninth dimension, and the jets are put in pT
            order internally).
        met: (N, 2) missing transverse momentum (pt [GeV], phi).
        sigma_lepton, sigma_bjet, n_sigma: transfer-function resolutions and window half-width.
        rel_accuracy, max_chi2_dof, neval, nitn, n_adapt, max_neval: VEGAS protocol
            (:mod:`.vegas_driver`).
        seed, first_index: event i uses ``numpy.random.default_rng([seed, first_index + i])``.
        pdf, interpolation: PDF grid and interpolation (:mod:`.pdf`).
        sqrt_s: collider energy (GeV).
        backend: ``"numba"`` (the compiled integrand of :mod:`.tt_integrand`, equal to the numpy
            one to rounding; used for ``interpolation="logcubic"``, the numpy integrand otherwise)
            or ``"numpy"`` (the reference :func:`_event_integrand`).
        weighting: how VEGAS iterations are combined (:data:`.vegas_driver.WEIGHTINGS`; the
            default ``"points"`` is the less biased one).
        channel_weights: α of the phase-space channels :data:`.tt_channels.CHANNELS` (the
            compiled backend; six non-negative numbers summing to 1; the numpy backend integrates
            with Block D alone). The weight does not depend on them, its cost and error do.

    Returns:
        :class:`~.vegas_driver.MEMWeights` (weight, error, n_eval, chi2_dof, converged).

    Raises:
        InvalidArgumentError: wrong shapes, NaN/inf, pt ≤ 0, negative masses or MET, or invalid
            options.
    """
    validate_vegas_options(rel_accuracy, max_chi2_dof, neval, nitn, n_adapt, max_neval)
    for name, value in (("sigma_lepton", sigma_lepton), ("sigma_bjet", sigma_bjet)):
        if not (
            np.isfinite(value) and value > 0.0 and np.isfinite(n_sigma) and n_sigma > 0.0 and n_sigma * value < 1.0
        ):
            raise InvalidArgumentError(
                f"{name}, n_sigma: expected > 0 with n_sigma * {name} < 1, found {value!r}, {n_sigma!r}"
            )
    if interpolation not in INTERPOLATIONS:
        raise InvalidArgumentError(f"interpolation: expected one of {INTERPOLATIONS}, found {interpolation!r}")
    if not (np.isfinite(sqrt_s) and sqrt_s > 0.0):
        raise InvalidArgumentError(f"sqrt_s: expected a collider energy > 0 GeV, found {sqrt_s!r}")
    if backend not in BACKENDS:
        raise InvalidArgumentError(f"backend: expected one of {BACKENDS}, found {backend!r}")
    alpha = validate_channel_weights(channel_weights)
    events = _objects(lep_minus, lep_plus, bjets, met)
    grid = load_grid(pdf)
    if backend == "numba" and interpolation == "logcubic":
        tables = pack_logcubic(grid, PDF_IDS)

        def make(i: int) -> Callable[[np.ndarray], np.ndarray]:
            return compiled_event_integrand(events[i], sigma_lepton, sigma_bjet, n_sigma, grid, sqrt_s, tables, alpha)
    else:

        def make(i: int) -> Callable[[np.ndarray], np.ndarray]:
            return _event_integrand(events[i], sigma_lepton, sigma_bjet, n_sigma, grid, interpolation, sqrt_s)

    return integrate_events(
        make,
        len(events),
        TT_DIMENSIONS,
        rel_accuracy=rel_accuracy,
        max_chi2_dof=max_chi2_dof,
        neval=neval,
        nitn=nitn,
        n_adapt=n_adapt,
        max_neval=max_neval,
        seed=seed,
        first_index=first_index,
        weighting=weighting,
    )
