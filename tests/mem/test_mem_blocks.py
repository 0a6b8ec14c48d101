"""MEM teacher building blocks (datasets/teachers/mem) against independent computations.

Every expectation here is computed by the test itself — parton-level tt̄ and W events built
with their own boosts and two-body decays, Jacobians from finite differences of the
δ-function constraints, integrals with scipy quadrature or closed forms, electroweak
couplings from the literal PHYSICS.md numbers — never by calling the code under test twice.
"""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest
from scipy import integrate, special

from hepsurrogates.datasets.teachers.mem import block_b, block_d, breit_wigner, dy_matrix_element, transfer
from hepsurrogates.datasets.teachers.mem import constants as mem_constants
from hepsurrogates.exceptions import InvalidArgumentError

SQRT_S = 13000.0
M_B, M_LEP = 4.7, 0.1056583755
# PHYSICS.md §1, typed in independently of the package constants
MZ, GZ, SW2, GF, ALPHA = 91.1876, 2.4952, 0.2312, 1.1663787e-5, 1.0 / 132.507
MW, GW, MT, GT = 80.419, 2.0476, 173.0, 1.4915


# --------------------------------------------------------------------------- kinematics (test-own)

def _minv2(*ps: np.ndarray) -> np.ndarray:
    t = sum(ps)
    return t[..., 0] ** 2 - np.sum(t[..., 1:] ** 2, axis=-1)


def _boost(p: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Boost four-vectors p (N, 4) by velocities beta (N, 3) (rest frame -> lab)."""
    b2 = np.sum(beta**2, axis=1)
    gamma = 1.0 / np.sqrt(1.0 - b2)
    bp = np.sum(beta * p[:, 1:], axis=1)
    coef = np.where(b2 > 0, (gamma - 1.0) / np.where(b2 > 0, b2, 1.0), 0.0)
    e = gamma * (p[:, 0] + bp)
    vec = p[:, 1:] + (coef * bp + gamma * p[:, 0])[:, None] * beta
    return np.column_stack([e, vec])


def _velocity(p: np.ndarray) -> np.ndarray:
    return p[:, 1:] / p[:, :1]


def _two_body(rng: np.random.Generator, big_m, m1, m2) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic decay M -> m1 m2 in the rest frame of M; returns (N, 4) each."""
    n = np.shape(big_m)[0]
    pstar = np.sqrt((big_m**2 - (m1 + m2) ** 2) * (big_m**2 - (m1 - m2) ** 2)) / (2.0 * big_m)
    cos_t = rng.uniform(-1.0, 1.0, n)
    sin_t = np.sqrt(1.0 - cos_t**2)
    phi = rng.uniform(0.0, 2.0 * np.pi, n)
    direction = np.column_stack([sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t])
    vec = pstar[:, None] * direction
    a = np.column_stack([np.sqrt(pstar**2 + m1**2), vec])
    b = np.column_stack([np.sqrt(pstar**2 + m2**2), -vec])
    return a, b


def _bw_masses(rng: np.random.Generator, n: int, m: float, g: float, lo: float, hi: float) -> np.ndarray:
    """Masses with m² Cauchy(m², mΓ) distributed, truncated to [lo, hi] (inverse CDF)."""
    c_lo, c_hi = (np.arctan((x**2 - m**2) / (m * g)) for x in (lo, hi))
    return np.sqrt(m**2 + m * g * np.tan(rng.uniform(c_lo, c_hi, n)))


def _ttbar_events(n: int, seed: int) -> dict[str, np.ndarray]:
    """Parton-level t tbar -> b l+ nu  bbar l- nubar with ISR recoil, in the lab frame."""
    rng = np.random.default_rng(seed)
    mt1 = _bw_masses(rng, n, MT, GT, MT - 15.0, MT + 15.0)
    mt2 = _bw_masses(rng, n, MT, GT, MT - 15.0, MT + 15.0)
    mw1 = _bw_masses(rng, n, MW, GW, 65.0, 95.0)
    mw2 = _bw_masses(rng, n, MW, GW, 65.0, 95.0)
    m_tt = mt1 + mt2 + rng.exponential(120.0, n)
    t1, t2 = _two_body(rng, m_tt, mt1, mt2)
    y, pt, phi = rng.uniform(-1.5, 1.5, n), rng.exponential(30.0, n), rng.uniform(0, 2 * np.pi, n)
    mt_tt = np.sqrt(m_tt**2 + pt**2)
    p_tt = np.column_stack([mt_tt * np.cosh(y), pt * np.cos(phi), pt * np.sin(phi), mt_tt * np.sinh(y)])
    t1, t2 = _boost(t1, _velocity(p_tt)), _boost(t2, _velocity(p_tt))
    w1, b1 = _two_body(rng, mt1, mw1, np.full(n, M_B))
    w2, b2 = _two_body(rng, mt2, mw2, np.full(n, M_B))
    w1, b1 = _boost(w1, _velocity(t1)), _boost(b1, _velocity(t1))
    w2, b2 = _boost(w2, _velocity(t2)), _boost(b2, _velocity(t2))
    l1, nu1 = _two_body(rng, mw1, np.full(n, M_LEP), np.zeros(n))
    l2, nu2 = _two_body(rng, mw2, np.full(n, M_LEP), np.zeros(n))
    l1, nu1 = _boost(l1, _velocity(w1)), _boost(nu1, _velocity(w1))
    l2, nu2 = _boost(l2, _velocity(w2)), _boost(nu2, _velocity(w2))
    return {"l1": l1, "l2": l2, "b1": b1, "b2": b2, "nu1": nu1, "nu2": nu2}


def _solve_ttbar(ev: dict[str, np.ndarray]) -> block_d.BlockDSolutions:
    l1, l2, b1, b2, nu1, nu2 = (ev[k] for k in ("l1", "l2", "b1", "b2", "nu1", "nu2"))
    met = (nu1 + nu2)[:, 1:3]
    return block_d.solve_block_d(l1, l2, b1, b2, met, _minv2(nu1, l1), _minv2(nu1, l1, b1),
                                 _minv2(nu2, l2), _minv2(nu2, l2, b2), sqrt_s=SQRT_S)


def _w_events(n: int, seed: int, recoil: bool) -> dict[str, np.ndarray]:
    """W -> l nu; with ``recoil`` the W carries transverse momentum (balanced by unseen ISR)."""
    rng = np.random.default_rng(seed)
    mw = _bw_masses(rng, n, MW, GW, 60.0, 100.0)
    y = rng.uniform(-2.0, 2.0, n)
    pt = rng.exponential(25.0, n) if recoil else np.zeros(n)
    phi = rng.uniform(0, 2 * np.pi, n)
    mtw = np.sqrt(mw**2 + pt**2)
    p_w = np.column_stack([mtw * np.cosh(y), pt * np.cos(phi), pt * np.sin(phi), mtw * np.sinh(y)])
    lep, nu = _two_body(rng, mw, np.full(n, M_LEP), np.zeros(n))
    return {"lep": _boost(lep, _velocity(p_w)), "nu": _boost(nu, _velocity(p_w))}


def _best_match(sol_p: np.ndarray, truth: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per event, the smallest max-component deviation / E_true over valid solutions."""
    dev = np.max(np.abs(sol_p - truth[:, None, :]), axis=-1) / truth[:, None, 0]
    return np.min(np.where(mask, dev, np.inf), axis=1)


def _fd_jacobian(func, v0: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Central finite-difference matrix d func / d v, batched: v0 (N, k) -> (N, m, k)."""
    cols = []
    for i in range(v0.shape[1]):
        dv = np.zeros_like(v0)
        dv[:, i] = steps[:, i]
        cols.append((func(v0 + dv) - func(v0 - dv)) / (2.0 * steps[:, i : i + 1]))
    return np.stack(cols, axis=-1)


# --------------------------------------------------------------------------- docstring examples

@pytest.mark.parametrize("name", ["breit_wigner", "dy_matrix_element", "transfer", "block_d", "block_b"])
def test_docstring_examples_run(name):
    module = importlib.import_module(f"hepsurrogates.datasets.teachers.mem.{name}")
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


def test_constants_are_the_physics_file_values():
    c = mem_constants
    assert (c.M_Z, c.GAMMA_Z, c.SIN2_THETA_W, c.G_FERMI) == (MZ, GZ, SW2, GF)
    assert c.ALPHA_EM == pytest.approx(ALPHA, rel=1e-15)
    assert (c.M_W, c.GAMMA_W, c.M_TOP, c.GAMMA_TOP) == (MW, GW, MT, GT)


# --------------------------------------------------------------------------- Breit–Wigner

@pytest.mark.parametrize("m, g", [(MW, GW), (MT, GT), (MZ, GZ)], ids=["W", "top", "Z"])
def test_breit_wigner_map_flattens_the_propagator(m, g):
    nodes, weights = np.polynomial.legendre.leggauss(64)
    u = 0.5 * (nodes + 1.0)
    s, jac = breit_wigner.breit_wigner_map(u, m, g)
    lhs = 0.5 * np.sum(weights * jac * breit_wigner.breit_wigner_density(s, m, g))
    bw = lambda x: 1.0 / ((x - m * m) ** 2 + (m * g) ** 2)  # noqa: E731
    rhs = (integrate.quad(bw, 0.0, m * m, epsabs=0, epsrel=1e-12, limit=200)[0]
           + integrate.quad(bw, m * m, np.inf, epsabs=0, epsrel=1e-12, limit=200)[0])
    assert lhs == pytest.approx(rhs, rel=1e-6)
    assert breit_wigner.breit_wigner_integral(m, g) == pytest.approx(rhs, rel=1e-6)
    # the product is flat in u (what VEGAS is given)
    flat = jac * breit_wigner.breit_wigner_density(s, m, g, normalised=True)
    np.testing.assert_allclose(flat, 1.0, rtol=1e-9)


@pytest.mark.parametrize("m, g", [(MW, GW), (MT, GT)], ids=["W", "top"])
def test_breit_wigner_map_change_of_variables_on_smooth_functions(m, g):
    a = 100.0**2  # f1 = s exp(-s/a): integral a²
    s0, w = 9000.0, 2000.0  # f2 = Gaussian in s: integral sqrt(2 pi) w Phi(s0/w)
    cases = [(lambda s: s * np.exp(-s / a), a * a),
             (lambda s: np.exp(-0.5 * ((s - s0) / w) ** 2), np.sqrt(2 * np.pi) * w * special.ndtr(s0 / w))]
    for f, exact in cases:
        def integrand(u, f=f):
            s, jac = breit_wigner.breit_wigner_map(np.array([u]), m, g)
            return float(f(s[0]) * jac[0]) if np.isfinite(s[0]) else 0.0
        value = integrate.quad(integrand, 0.0, 1.0, epsabs=0, epsrel=1e-11, limit=400)[0]
        assert value == pytest.approx(exact, rel=1e-6)


def test_breit_wigner_map_endpoints_and_bad_input():
    s, jac = breit_wigner.breit_wigner_map(np.array([0.0, 1.0]), MW, GW)
    assert s[0] == 0.0 and np.isinf(s[1]) and np.isfinite(jac[0])
    u = np.linspace(0.0, 0.999, 1000)
    assert np.all(np.diff(breit_wigner.breit_wigner_map(u, MW, GW)[0]) > 0)
    with pytest.raises(InvalidArgumentError, match="u"):
        breit_wigner.breit_wigner_map(np.array([1.5]), MW, GW)
    with pytest.raises(InvalidArgumentError, match="width"):
        breit_wigner.breit_wigner_map(np.array([0.5]), MW, 0.0)


# --------------------------------------------------------------------------- Drell–Yan |M|²

def _couplings(q, t3):
    return q, t3 - 2.0 * q * SW2, t3


QUARKS = {"u": _couplings(2 / 3, 0.5), "d": _couplings(-1 / 3, -0.5)}
LEPTON = _couplings(-1.0, -0.5)
SHAT = [30.0**2, 60.0**2, MZ**2, (MZ + 4.0) ** 2, 200.0**2, 1000.0**2]


@pytest.mark.parametrize("quark", ["u", "d"])
@pytest.mark.parametrize("shat", SHAT, ids=["30", "60", "pole", "pole+4", "200", "1000"])
def test_dy_solid_angle_integral_is_the_closed_form(quark, shat):
    def dsig(phi, theta):
        c = np.cos(theta)
        me2 = dy_matrix_element.matrix_element_squared(shat, np.array([c]), quark)[0]
        return me2 / (64.0 * np.pi**2 * shat) * np.sin(theta)
    numeric = integrate.dblquad(dsig, 0.0, np.pi, 0.0, 2.0 * np.pi, epsabs=0, epsrel=1e-10)[0]
    closed = float(dy_matrix_element.partonic_cross_section(np.array([shat]), quark)[0])
    assert numeric == pytest.approx(closed, rel=1e-6)
    via_module = dy_matrix_element.differential_cross_section(shat, np.array([0.3]), quark)[0]
    assert via_module == pytest.approx(dsig(0.0, np.arccos(0.3)) / np.sin(np.arccos(0.3)), rel=1e-12)


@pytest.mark.parametrize("quark", ["u", "d"])
def test_dy_forward_backward_asymmetry_at_the_pole(quark):
    q_q, v_q, a_q = QUARKS[quark]
    _, v_l, a_l = LEPTON
    asym = lambda v, a: 2 * v * a / (v * v + a * a)  # noqa: E731
    pole_limit = 0.75 * asym(v_l, a_l) * asym(v_q, a_q)
    # exactly at the pole Re chi = 0; the photon term Q² dilutes the pure-Z value slightly
    abs_chi = np.sqrt(2) * GF * MZ**2 / (4 * np.pi * ALPHA) * MZ / GZ
    dilution = 1.0 / (1.0 + q_q**2 / ((v_l**2 + a_l**2) * (v_q**2 + a_q**2) * abs_chi**2))
    afb = float(dy_matrix_element.forward_backward_asymmetry(np.array([MZ**2]), quark)[0])
    assert afb == pytest.approx(pole_limit * dilution, rel=1e-9)
    assert afb == pytest.approx(pole_limit, rel=5e-3)
    assert afb == pytest.approx({"u": 0.0750, "d": 0.1050}[quark], abs=1e-3)
    # the interference flips the sign across the pole (ℓ⁻ forward along the quark)
    below, above = dy_matrix_element.forward_backward_asymmetry(np.array([70.0**2, 120.0**2]), quark)
    assert below < 0.0 < above


@pytest.mark.parametrize("quark", ["u", "d"])
def test_dy_photon_only_limit(quark):
    q_q = QUARKS[quark][0]
    for sqrt_shat, tol in ((2.0, 1e-4), (0.5, 1e-5)):
        shat = sqrt_shat**2
        sigma = float(dy_matrix_element.partonic_cross_section(np.array([shat]), quark)[0])
        assert sigma == pytest.approx(4 * np.pi * ALPHA**2 * q_q**2 / (9 * shat), rel=tol)


def test_dy_bad_input():
    with pytest.raises(InvalidArgumentError, match="quark"):
        dy_matrix_element.partonic_cross_section(np.array([100.0]), "s")
    with pytest.raises(InvalidArgumentError, match="shat"):
        dy_matrix_element.partonic_cross_section(np.array([-1.0]), "u")
    with pytest.raises(InvalidArgumentError, match="cos_theta"):
        dy_matrix_element.matrix_element_squared(100.0, np.array([1.2]), "u")


# --------------------------------------------------------------------------- transfer function

@pytest.mark.parametrize("sigma_frac", [transfer.SIGMA_LEPTON, transfer.SIGMA_BJET])
def test_transfer_function_is_normalised_in_e_rec(sigma_frac):
    for e_gen in (20.0, 75.0, 400.0):
        f = lambda x, e_gen=e_gen: float(transfer.gaussian_energy_tf(x, e_gen, sigma_frac))  # noqa: E731
        sig = sigma_frac * e_gen
        full = integrate.quad(f, -np.inf, np.inf, epsabs=0, epsrel=1e-12)[0]
        assert full == pytest.approx(1.0, rel=1e-9)
        for n in (3.0, 5.0):
            window = integrate.quad(f, e_gen - n * sig, e_gen + n * sig, epsabs=0, epsrel=1e-12)[0]
            assert window == pytest.approx(special.erf(n / np.sqrt(2.0)), rel=1e-9)


def _smeared(g, e_rec: float, s: float, n_sigma: float) -> float:
    """∫ g(E_gen) W(E_rec|E_gen) dE_gen over the mapped window, Gauss–Legendre in u."""
    nodes, weights = np.polynomial.legendre.leggauss(600)
    u = 0.5 * (nodes + 1.0)
    e_gen, jac = transfer.map_generated_energy(u, np.array(e_rec), s, n_sigma)
    return float(0.5 * np.sum(weights * g(e_gen) * transfer.gaussian_energy_tf(e_rec, e_gen, s) * jac))


def test_transfer_function_delta_limit_and_its_rate():
    e_rec = 80.0
    g = lambda e: (e / 50.0) ** 2 * np.exp(-e / 100.0)  # noqa: E731
    g1 = lambda e: (2 * e / 2500.0 - e**2 / 250000.0) * np.exp(-e / 100.0)  # noqa: E731
    g2 = lambda e: (2 / 2500.0 - 4 * e / 250000.0 + e**2 / 25e6) * np.exp(-e / 100.0)  # noqa: E731
    # E[g(r/(1+sT))/(1+sT)] = g + s² (g + 2 r g' + r² g''/2) + O(s⁴)
    coefficient = g(e_rec) + 2 * e_rec * g1(e_rec) + 0.5 * e_rec**2 * g2(e_rec)
    widths = np.array([0.04, 0.02, 0.01, 0.005])
    errors = np.array([_smeared(g, e_rec, s, n_sigma=12.0) - g(e_rec) for s in widths])
    slope = np.polyfit(np.log(widths), np.log(np.abs(errors)), 1)[0]
    assert slope == pytest.approx(2.0, abs=0.05)
    assert errors[-1] / widths[-1] ** 2 == pytest.approx(coefficient, rel=1e-3)
    # with the default 3σ window the limit is the truncated Gaussian mass, erf(3/√2) g
    assert _smeared(g, e_rec, 1e-4, transfer.DEFAULT_N_SIGMA) == pytest.approx(
        special.erf(3 / np.sqrt(2)) * g(e_rec), rel=1e-6)


def test_transfer_window_weight_and_bad_input():
    lo, hi = transfer.integration_range(np.array([10.0, 100.0]), 0.4, 3.0)
    np.testing.assert_allclose(lo, [0.0, 0.0])
    np.testing.assert_allclose(hi, [22.0, 220.0])
    lo, _ = transfer.integration_range(np.array([10.0]), 0.3, 3.0, mass=M_B)
    assert lo[0] == M_B
    # the weight is W x window x dP/dE, with dP/dE = E/p from a finite difference of p(E)
    u = np.array([0.0, 0.3, 0.7])
    e_gen, w = transfer.transfer_weight(u, 30.0, transfer.SIGMA_BJET, mass=M_B)
    p_of_e = lambda e: np.sqrt(e * e - M_B**2)  # noqa: E731
    dpde = (p_of_e(e_gen[1:] + 1e-6) - p_of_e(e_gen[1:] - 1e-6)) / 2e-6
    density = np.exp(-0.5 * ((30.0 - e_gen[1:]) / (0.3 * e_gen[1:])) ** 2) / (np.sqrt(2 * np.pi) * 0.3 * e_gen[1:])
    np.testing.assert_allclose(w[1:], density * (57.0 - M_B) * dpde, rtol=1e-7)
    assert w[0] == 0.0
    with pytest.raises(InvalidArgumentError, match="sigma_frac"):
        transfer.integration_range(np.array([10.0]), -0.1)
    with pytest.raises(InvalidArgumentError, match="u"):
        transfer.map_generated_energy(np.array([-0.1]), np.array(10.0), 0.1)


# --------------------------------------------------------------------------- Block D

@pytest.fixture(scope="module")
def ttbar():
    ev = _ttbar_events(3000, seed=2008)
    return ev, _solve_ttbar(ev)


def test_block_d_closure_on_ttbar(ttbar):
    ev, sol = ttbar
    dev1 = np.max(np.abs(sol.p1 - ev["nu1"][:, None, :]), axis=-1) / ev["nu1"][:, None, 0]
    dev2 = np.max(np.abs(sol.p2 - ev["nu2"][:, None, :]), axis=-1) / ev["nu2"][:, None, 0]
    best = np.min(np.where(sol.mask, np.maximum(dev1, dev2), np.inf), axis=1)
    closure = np.mean(best < 1e-6)
    assert closure >= 0.99, f"closure {closure:.4f}"
    assert set(np.unique(sol.n_solutions)) <= {0, 1, 2, 3, 4}
    assert np.all(sol.n_solutions[best < 1e-6] >= 1)
    assert np.all(sol.mask == (np.arange(4)[None, :] < sol.n_solutions[:, None]))


def test_block_d_every_solution_satisfies_the_constraints(ttbar):
    ev, sol = ttbar
    l1, l2, b1, b2, nu1, nu2 = (ev[k][:, None, :] for k in ("l1", "l2", "b1", "b2", "nu1", "nu2"))
    m = sol.mask
    p1, p2 = sol.p1, sol.p2
    for got, want in ((_minv2(p1, l1), _minv2(nu1, l1)), (_minv2(p1, l1, b1), _minv2(nu1, l1, b1)),
                      (_minv2(p2, l2), _minv2(nu2, l2)), (_minv2(p2, l2, b2), _minv2(nu2, l2, b2))):
        np.testing.assert_allclose(got[m], np.broadcast_to(want, got.shape)[m], rtol=1e-7)
    met = (nu1 + nu2)[..., 1:3]
    np.testing.assert_allclose((p1 + p2)[..., 1:3][m], np.broadcast_to(met, p1[..., 1:3].shape)[m],
                               atol=1e-7 * float(np.max(nu1[..., 0])))
    for p in (p1, p2):
        assert np.all(np.abs(_minv2(p)[m]) <= 1e-7 * p[..., 0][m] ** 2)
        assert np.all(p[..., 0][m] > 0)
    assert np.mean(sol.n_solutions) > 1.0  # the extra solutions exist and are real


def test_block_d_jacobian_matches_finite_differences_of_the_delta_constraints(ttbar):
    ev, sol = ttbar
    idx = np.arange(25)
    l1, l2, b1, b2, nu1, nu2 = (ev[k][idx] for k in ("l1", "l2", "b1", "b2", "nu1", "nu2"))
    vis = l1 + l2 + b1 + b2
    met = (nu1 + nu2)[:, 1:3]
    half = SQRT_S / 2.0

    def constraints(v):  # v = (x1, x2, p1x, p1y, p1z, p2x, p2y, p2z)
        p1 = np.column_stack([np.linalg.norm(v[:, 2:5], axis=1), v[:, 2:5]])
        p2 = np.column_stack([np.linalg.norm(v[:, 5:8], axis=1), v[:, 5:8]])
        return np.column_stack([
            half * (v[:, 0] + v[:, 1]) - p1[:, 0] - p2[:, 0] - vis[:, 0],
            half * (v[:, 0] - v[:, 1]) - p1[:, 3] - p2[:, 3] - vis[:, 3],
            p1[:, 1] + p2[:, 1] - met[:, 0],
            p1[:, 2] + p2[:, 2] - met[:, 1],
            _minv2(p1, l1), _minv2(p1, l1, b1), _minv2(p2, l2), _minv2(p2, l2, b2),
        ])

    tot = nu1 + nu2 + vis
    v0 = np.column_stack([(tot[:, 0] + tot[:, 3]) / SQRT_S, (tot[:, 0] - tot[:, 3]) / SQRT_S,
                          nu1[:, 1:], nu2[:, 1:]])
    steps = np.column_stack([np.full((25, 2), 1e-8), np.full((25, 6), 1e-3)])
    det = np.linalg.det(_fd_jacobian(constraints, v0, steps))
    # ∫ dx1 dx2 (2π)⁴ δ⁴ Π d³p_i/((2π)³ 2E_i) -> ds13 ds134 ds25 ds256 × J
    expected = (2 * np.pi) ** 4 / (2 * np.pi) ** 6 / (4 * nu1[:, 0] * nu2[:, 0]) / np.abs(det)
    dev1 = np.max(np.abs(sol.p1[idx] - nu1[:, None, :]), axis=-1) / nu1[:, None, 0]
    pick = np.argmin(np.where(sol.mask[idx], dev1, np.inf), axis=1)
    got = sol.jacobian[idx, pick]
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_block_d_bad_input():
    good = np.ones((3, 4))
    with pytest.raises(InvalidArgumentError, match=r"p4: expected four-vectors of shape \(N, 4\)"):
        block_d.solve_block_d(good, np.ones((3, 3)), good, good, np.zeros((3, 2)), 1, 2, 3, 4)
    with pytest.raises(InvalidArgumentError, match="met"):
        block_d.solve_block_d(good, good, good, good, np.zeros((2, 2)), 1, 2, 3, 4)
    with pytest.raises(InvalidArgumentError, match="s25"):
        block_d.solve_block_d(good, good, good, good, np.zeros((3, 2)), 1, 2, np.ones(5), 4)
    with pytest.raises(InvalidArgumentError, match="NaN"):
        block_d.solve_block_d(good * np.nan, good, good, good, np.zeros((3, 2)), 1, 2, 3, 4)
    empty = block_d.solve_block_d(np.zeros((0, 4)), np.zeros((0, 4)), np.zeros((0, 4)),
                                  np.zeros((0, 4)), np.zeros((0, 2)), 1, 2, 3, 4)
    assert empty.p1.shape == (0, 4, 4) and empty.n_solutions.shape == (0,)


# --------------------------------------------------------------------------- Block B

@pytest.mark.parametrize("recoil", [False, True], ids=["no_recoil", "recoil_met"])
def test_block_b_closure_and_constraints(recoil):
    ev = _w_events(4000, seed=7 + recoil, recoil=recoil)
    lep, nu = ev["lep"], ev["nu"]
    s12 = _minv2(lep, nu)
    pt_sum = -nu[:, 1:3] if recoil else None  # MoMEMta pT_is_met: visible sum = -MET
    sol = block_b.solve_block_b(lep, s12, visible_pt_sum=pt_sum, sqrt_s=SQRT_S)
    best = _best_match(sol.p1, nu, sol.mask)
    closure = np.mean(best < 1e-6)
    assert closure >= 0.99, f"closure {closure:.4f}"
    m = sol.mask
    np.testing.assert_allclose(_minv2(sol.p1, lep[:, None, :])[m], np.broadcast_to(s12[:, None], m.shape)[m],
                               rtol=1e-9)
    assert np.all(np.abs(_minv2(sol.p1)[m]) <= 1e-9 * sol.p1[..., 0][m] ** 2)
    np.testing.assert_allclose(sol.p1[..., 1:3][m], np.broadcast_to(nu[:, None, 1:3], sol.p1[..., 1:3].shape)[m],
                               atol=1e-9)
    assert np.all(sol.p1[..., 0][m] > 0)


def test_block_b_jacobian_matches_finite_differences_and_momemta():
    ev = _w_events(30, seed=3, recoil=False)
    lep, nu = ev["lep"], ev["nu"]
    s12 = _minv2(lep, nu)
    half = SQRT_S / 2.0

    def constraints(v):  # v = (x1, x2, p1x, p1y, p1z)
        p1 = np.column_stack([np.linalg.norm(v[:, 2:5], axis=1), v[:, 2:5]])
        return np.column_stack([
            half * (v[:, 0] + v[:, 1]) - p1[:, 0] - lep[:, 0],
            half * (v[:, 0] - v[:, 1]) - p1[:, 3] - lep[:, 3],
            p1[:, 1] + lep[:, 1], p1[:, 2] + lep[:, 2], _minv2(p1, lep),
        ])

    tot = nu + lep
    v0 = np.column_stack([(tot[:, 0] + tot[:, 3]) / SQRT_S, (tot[:, 0] - tot[:, 3]) / SQRT_S, nu[:, 1:]])
    steps = np.column_stack([np.full((30, 2), 1e-8), np.full((30, 3), 1e-3)])
    det = np.linalg.det(_fd_jacobian(constraints, v0, steps))
    # ∫ dx1 dx2 (2π)⁴ δ⁴ d³p1/((2π)³ 2E1) -> ds12 × J
    expected = (2 * np.pi) / (2 * nu[:, 0]) / np.abs(det)
    for normalisation, factor in (("phase_space", 1.0), ("momemta", None)):
        sol = block_b.solve_block_b(lep, s12, sqrt_s=SQRT_S, normalisation=normalisation)
        pick = np.argmin(np.where(sol.mask, np.max(np.abs(sol.p1 - nu[:, None, :]), axis=-1), np.inf), axis=1)
        got = sol.jacobian[np.arange(30), pick]
        if factor is not None:
            np.testing.assert_allclose(got, expected, rtol=1e-5)
        else:  # PHYSICS.md: inverse Jacobian 4π² s |p2z E1 − E2 p1z|
            inv = 4 * np.pi**2 * SQRT_S**2 * np.abs(lep[:, 3] * nu[:, 0] - lep[:, 0] * nu[:, 3])
            np.testing.assert_allclose(got, 1.0 / inv, rtol=1e-9)


def test_block_b_no_solution_below_threshold_and_bad_input():
    lep = np.array([[40.0, 30.0, 0.0, 26.4575131106]])  # massless, pT 30
    # s12 below the minimum allowed by p1T = -p2T: (p1+p2)² >= 4 pT² for this configuration
    sol = block_b.solve_block_b(lep, 0.5 * 4 * 30.0**2)
    assert sol.n_solutions[0] == 0 and np.all(np.isnan(sol.p1))
    with pytest.raises(InvalidArgumentError, match="p2"):
        block_b.solve_block_b(np.ones((2, 5)), 1.0)
    with pytest.raises(InvalidArgumentError, match="visible_pt_sum"):
        block_b.solve_block_b(np.ones((2, 4)), 1.0, visible_pt_sum=np.ones((2, 3)))
    with pytest.raises(InvalidArgumentError, match="normalisation"):
        block_b.solve_block_b(np.ones((2, 4)), 1.0, normalisation="madweight")
    empty = block_b.solve_block_b(np.zeros((0, 4)), np.zeros(0))
    assert empty.p1.shape == (0, 2, 4) and empty.n_solutions.shape == (0,)
