"""Drell–Yan MEM weight (datasets/teachers/mem/dy_weight.py): δ-limit, honest errors, physics, bad input.

The closed form is computed here independently of the module: lepton four-vectors, the
transverse and longitudinal boosts to the partonic frame done with explicit Lorentz boosts,
the LO |M|² typed in from PHYSICS.md §1, MoMEMta's flux and phase-space factors. Only the
parton densities come from datasets/teachers/mem/pdf.py (checked against Pythia in test_mem_pdf.py).
"""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest
from scipy import special

from hepsurrogates.datasets.teachers.mem import dy_weight, pdf
from hepsurrogates.exceptions import InvalidArgumentError

pytest.importorskip("vegas")
pytest.importorskip("pythia8mc")  # ships the PDF grids

SQRT_S = 13000.0
M_MU = 0.1056583755
# PHYSICS.md §1, typed in independently of the package constants
MZ, GZ, SW2, GF, ALPHA = 91.1876, 2.4952, 0.2312, 1.1663787e-5, 1.0 / 132.507
QUARKS = {1: (-1 / 3, -0.5), 2: (2 / 3, 0.5), 3: (-1 / 3, -0.5), 4: (2 / 3, 0.5), 5: (-1 / 3, -0.5)}


# --------------------------------------------------------------------------- kinematics (test-own)

def _boost(p: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Boost four-vectors p (N, 4) = (E, px, py, pz) by velocities beta (N, 3)."""
    b2 = np.sum(beta**2, axis=1)
    gamma = 1.0 / np.sqrt(1.0 - b2)
    bp = np.sum(beta * p[:, 1:], axis=1)
    coef = np.where(b2 > 0, (gamma - 1.0) / np.where(b2 > 0, b2, 1.0), 0.0)
    return np.column_stack([gamma * (p[:, 0] + bp), p[:, 1:] + (coef * bp + gamma * p[:, 0])[:, None] * beta])


def _four_vector(lep: np.ndarray) -> np.ndarray:
    pt, eta, phi, m = lep[:, 0], lep[:, 1], lep[:, 2], lep[:, 3]
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    return np.column_stack([np.sqrt(px**2 + py**2 + pz**2 + m**2), px, py, pz])


def _to_lepton(p: np.ndarray, charge: float) -> np.ndarray:
    pt = np.hypot(p[:, 1], p[:, 2])
    return np.column_stack([pt, np.arcsinh(p[:, 3] / pt), np.arctan2(p[:, 2], p[:, 1]),
                            np.full(len(p), M_MU), np.full(len(p), charge)])


def _pairs(m, y, cos_star, phi_star=0.4, pt=0.0, phi_t=1.0) -> tuple[np.ndarray, np.ndarray]:
    """(ℓ⁻, ℓ⁺) of pairs of mass m, rapidity y, ℓ⁻ polar angle cos_star in the pair frame."""
    m, y, cos_star, phi_star, pt, phi_t = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, float))
                                                               for v in (m, y, cos_star, phi_star, pt, phi_t)))
    p = np.sqrt(m**2 / 4 - M_MU**2)
    sin_star = np.sqrt(1 - cos_star**2)
    vec = p[:, None] * np.column_stack([sin_star * np.cos(phi_star), sin_star * np.sin(phi_star), cos_star])
    minus = np.column_stack([m / 2, vec])
    plus = np.column_stack([m / 2, -vec])
    mt = np.sqrt(m**2 + pt**2)
    total = np.column_stack([mt * np.cosh(y), pt * np.cos(phi_t), pt * np.sin(phi_t), mt * np.sinh(y)])
    beta = total[:, 1:] / total[:, :1]
    return _to_lepton(_boost(minus, beta), -1.0), _to_lepton(_boost(plus, beta), 1.0)


def _closed_form(l_minus: np.ndarray, l_plus: np.ndarray) -> np.ndarray:
    """PDFs × |M|² × flux × phase space (× dP/dE) at the measured point, MoMEMta conventions."""
    pm, pp = _four_vector(l_minus), _four_vector(l_plus)
    total = pm + pp
    beta_t = -np.column_stack([total[:, 1], total[:, 2], np.zeros(len(total))]) / total[:, :1]
    total_t, pm_t = _boost(total, beta_t), _boost(pm, beta_t)
    assert np.allclose(total_t[:, 1:3], 0.0, atol=1e-9)
    x1 = (total_t[:, 0] + total_t[:, 3]) / SQRT_S
    x2 = (total_t[:, 0] - total_t[:, 3]) / SQRT_S
    beta_z = -np.column_stack([np.zeros((len(total), 2)), total_t[:, 3] / total_t[:, 0]])
    pm_cm = _boost(pm_t, beta_z)
    cos_t = pm_cm[:, 3] / np.linalg.norm(pm_cm[:, 1:], axis=1)
    shat = x1 * x2 * SQRT_S**2
    chi = np.sqrt(2) * GF * MZ**2 / (4 * np.pi * ALPHA) * shat / (shat - MZ**2 + 1j * MZ * GZ)
    v_l, a_l = -0.5 + 2 * SW2, -0.5
    grid = pdf.load_grid()
    total_me = np.zeros(len(total))
    for pid, (q, t3) in QUARKS.items():
        v_q, a_q = t3 - 2 * q * SW2, t3
        a0 = q**2 - 2 * q * v_l * v_q * chi.real + (v_l**2 + a_l**2) * (v_q**2 + a_q**2) * abs(chi) ** 2
        a1 = -4 * q * a_l * a_q * chi.real + 8 * v_l * a_l * v_q * a_q * abs(chi) ** 2
        me = lambda c: (4 * np.pi * ALPHA) ** 2 / 3 * (a0 * (1 + c**2) + a1 * c)  # noqa: B023, E731
        f = lambda i, x: grid.xfxQ(i, x, MZ) / x  # noqa: E731
        total_me += f(pid, x1) * f(-pid, x2) * me(cos_t) + f(-pid, x1) * f(pid, x2) * me(-cos_t)
    flux = 1 / (2 * x1 * x2 * SQRT_S**2)
    space = 1.0
    for p4 in (pm, pp):
        mom = np.linalg.norm(p4[:, 1:], axis=1)
        sin_theta = np.hypot(p4[:, 1], p4[:, 2]) / mom
        space = space * mom**2 * sin_theta / (2 * p4[:, 0] * (2 * np.pi) ** 3) * (p4[:, 0] / mom)
    return flux * space * total_me


def _a1_sign(m: float) -> float:
    shat = m * m
    chi = np.sqrt(2) * GF * MZ**2 / (4 * np.pi * ALPHA) * shat / (shat - MZ**2 + 1j * MZ * GZ)
    v_l, a_l = -0.5 + 2 * SW2, -0.5
    signs = {np.sign(-4 * q * a_l * t3 * chi.real + 8 * v_l * a_l * (t3 - 2 * q * SW2) * t3 * abs(chi) ** 2)
             for q, t3 in QUARKS.values()}
    assert len(signs) == 1  # up- and down-type A_FB of one sign at this mass
    return float(signs.pop())


@pytest.fixture(scope="module")
def random_events() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(20)
    n = 24
    return _pairs(rng.uniform(55, 300, n), rng.uniform(-2.2, 2.2, n), rng.uniform(-0.95, 0.95, n),
                  rng.uniform(0, 2 * np.pi, n), rng.exponential(15.0, n), rng.uniform(0, 2 * np.pi, n))


# --------------------------------------------------------------------------- tests

def test_docstring_example_runs():
    module = importlib.import_module("hepsurrogates.datasets.teachers.mem.dy_weight")
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


def test_delta_weight_is_the_independent_closed_form(random_events):
    l_minus, l_plus = random_events
    expected = _closed_form(l_minus, l_plus)
    np.testing.assert_allclose(dy_weight.dy_delta_weight(l_minus, l_plus), expected, rtol=1e-9)
    # argument order does not matter: the ℓ⁻ is found from the charge
    np.testing.assert_allclose(dy_weight.dy_delta_weight(l_plus, l_minus), expected, rtol=1e-9)


def test_vegas_tends_to_the_delta_limit_as_the_resolution_shrinks():
    """Ratio to the closed form → 1 as s → 0, once the ±3σ window truncation erf(3/√2)² is included."""
    l_minus, l_plus = _pairs([MZ, 70.0, 150.0], [0.4, -1.2, 1.8], [0.3, -0.6, 0.8], pt=[5.0, 12.0, 30.0])
    closed = _closed_form(l_minus, l_plus) * special.erf(3 / np.sqrt(2)) ** 2
    deviation = {}
    for s in (0.01, 0.003, 0.001):
        res = dy_weight.dy_weights(l_minus, l_plus, sigma_frac=s, rel_accuracy=0.002, seed=4)
        assert np.all(res.converged)
        deviation[s] = res.weight / closed - 1.0
    assert np.all(np.abs(deviation[0.001]) < 0.01)
    peak = [abs(deviation[s][0]) for s in (0.01, 0.003, 0.001)]
    assert peak[0] > 0.05 and peak[0] > peak[1] > peak[2]  # the Z line is resolved only as s → 0
    # n_sigma = 5 makes the truncation negligible (5.7e-7): no correction needed
    res = dy_weight.dy_weights(l_minus[1:], l_plus[1:], sigma_frac=0.001, n_sigma=5.0, rel_accuracy=0.002, seed=5)
    np.testing.assert_allclose(res.weight, _closed_form(l_minus[1:], l_plus[1:]), rtol=0.01)


def test_reported_vegas_error_is_honest():
    """Independent seeds scatter around a precise reference by the reported error (pull width ~1)."""
    l_minus, l_plus = _pairs([MZ, 75.0, 130.0], [0.2, 1.5, -0.8], [0.5, -0.2, -0.7], pt=[3.0, 20.0, 8.0])
    reference = dy_weight.dy_weights(l_minus, l_plus, neval=20000, seed=999).weight
    pulls, rel = [], []
    for seed in range(32):
        res = dy_weight.dy_weights(l_minus, l_plus, seed=100 + seed)
        pulls.append((res.weight - reference) / res.error)
        rel.append(res.relative_error)
    pulls = np.array(pulls).ravel()
    robust_width = 1.4826 * np.median(np.abs(pulls - np.median(pulls)))  # σ of a Gaussian core
    assert 0.75 < robust_width < 1.3
    assert 0.75 < pulls.std() < 1.4  # VEGAS pulls have mild tails
    assert 0.5 < np.mean(np.abs(pulls) < 1.0) < 0.85  # 0.68 for a unit Gaussian
    assert abs(pulls.mean()) < 0.35
    assert np.all(np.array(rel) <= 0.01)


def test_weight_peaks_at_the_z_mass():
    """Same directions, energies scaled: the weight at m_ll = M_Z dominates 70 and 110 GeV."""
    l_minus, l_plus = _pairs(MZ, 0.5, 0.4, pt=6.0)
    weights = {}
    for m in (70.0, MZ, 110.0):
        lm, lp = l_minus.copy(), l_plus.copy()
        lm[:, 0] *= m / MZ
        lp[:, 0] *= m / MZ
        res = dy_weight.dy_weights(lm, lp, seed=7)
        assert res.converged[0]
        weights[m] = res.weight[0]
    assert weights[MZ] > 10 * weights[70.0] and weights[MZ] > 10 * weights[110.0]


@pytest.mark.parametrize("m", [70.0, MZ, 110.0])
def test_charge_swap_follows_the_forward_backward_asymmetry(m):
    """Swapping the charges flips cosθ; with the pair boosted along the beam-1 quark (y > 0) the
    weight rises when the ℓ⁻ goes forward iff A_FB(m) > 0, mirrored for y < 0, unchanged at y = 0."""
    afb = _a1_sign(m)
    for y in (1.0, 0.0, -1.0):
        l_minus, l_plus = _pairs(m, y, 0.6)
        swapped_minus, swapped_plus = l_plus.copy(), l_minus.copy()
        swapped_minus[:, 4], swapped_plus[:, 4] = -1.0, 1.0
        a = dy_weight.dy_weights(l_minus, l_plus, seed=1)
        b = dy_weight.dy_weights(swapped_minus, swapped_plus, seed=2)
        ratio = a.weight[0] / b.weight[0]
        sigma = ratio * np.hypot(a.relative_error[0], b.relative_error[0])
        if y == 0.0:
            assert abs(ratio - 1.0) < 4 * sigma
        else:
            assert np.sign(ratio - 1.0) == afb * np.sign(y) and abs(ratio - 1.0) > 3 * sigma


def test_results_are_reproducible_and_count_evaluations(random_events):
    l_minus, l_plus = (v[:4] for v in random_events)
    a = dy_weight.dy_weights(l_minus, l_plus, seed=3)
    b = dy_weight.dy_weights(l_plus, l_minus, seed=3)  # same events, arguments swapped
    c = dy_weight.dy_weights(l_minus, l_plus, seed=4)
    np.testing.assert_array_equal(a.weight, b.weight)
    assert not np.any(a.weight == c.weight)
    assert np.all(a.converged) and np.all(a.relative_error <= 0.01)
    assert np.all(a.n_eval >= 0.9 * 8 * 500) and np.all(a.n_eval <= 200_000)
    assert a.weight.shape == a.error.shape == a.chi2_dof.shape == a.converged.shape == (4,)


def test_unconverged_events_are_flagged_not_dropped(random_events):
    l_minus, l_plus = (v[:3] for v in random_events)
    normal = dy_weight.dy_weights(l_minus, l_plus, seed=5)
    strict = dy_weight.dy_weights(l_minus, l_plus, seed=5, rel_accuracy=1e-4, max_neval=20_000)
    assert not np.any(strict.converged)
    assert np.all(strict.n_eval <= 20_000) and np.all(strict.relative_error > 1e-4)
    np.testing.assert_allclose(strict.weight, normal.weight, rtol=0.03)
    chi2 = dy_weight.dy_weights(l_minus, l_plus, seed=5, max_chi2_dof=1e-9, max_neval=8_000)
    assert not np.any(chi2.converged) and np.all(chi2.relative_error <= 0.01) and np.all(chi2.weight > 0)
    # beyond the collider energy (x > 1) the weight is zero: kept, flagged
    far = dy_weight.dy_weights(*_pairs(20000.0, 0.0, 0.0), seed=5)
    assert far.weight[0] == 0.0 and not far.converged[0]


def test_bad_input_raises(random_events):
    l_minus, l_plus = (v[:2].copy() for v in random_events)
    bad = l_minus.copy()
    bad[0, 1] = np.nan
    with pytest.raises(InvalidArgumentError, match="NaN"):
        dy_weight.dy_weights(bad, l_plus)
    bad = l_minus.copy()
    bad[1, 0] = -30.0
    with pytest.raises(InvalidArgumentError, match="pt"):
        dy_weight.dy_weights(bad, l_plus)
    bad = l_minus.copy()
    bad[0, 3] = -0.1
    with pytest.raises(InvalidArgumentError, match="mass"):
        dy_weight.dy_delta_weight(bad, l_plus)
    for shape_bad in (l_minus[:, :4], l_minus[0], l_minus[:1]):
        with pytest.raises(InvalidArgumentError, match="shape|number of events"):
            dy_weight.dy_weights(shape_bad, l_plus)
    same_sign = l_plus.copy()
    same_sign[:, 4] = -1.0
    with pytest.raises(InvalidArgumentError, match="charge"):
        dy_weight.dy_weights(l_minus, same_sign)
    neutral = l_plus.copy()
    neutral[0, 4] = 0.0
    with pytest.raises(InvalidArgumentError, match="charge"):
        dy_weight.dy_weights(l_minus, neutral)
    collinear = l_minus.copy()
    collinear[:, 4] = 1.0
    with pytest.raises(InvalidArgumentError, match="collinear"):
        dy_weight.dy_weights(l_minus, collinear)
    with pytest.raises(InvalidArgumentError, match="interpolation"):
        dy_weight.dy_delta_weight(l_minus, l_plus, interpolation="cubic")
    for option in (dict(rel_accuracy=0.0), dict(max_chi2_dof=-1.0), dict(neval=10), dict(nitn=1),
                   dict(sigma_frac=0.4, n_sigma=3.0), dict(sigma_frac=0.0), dict(max_neval=1000),
                   dict(sqrt_s=-13000.0), dict(interpolation="linear")):
        with pytest.raises(InvalidArgumentError):
            dy_weight.dy_weights(l_minus, l_plus, **option)
