"""H → ZA MEM weight (datasets/teachers/mem/hza_weight.py, hza_matrix_element.py): change of variables,
δ-limit, hypothesis separation, honest errors, bad input.

Events are built here at parton level exactly on the mass shells (m_ℓℓ = M_Z, m_bb = M_A,
m_ℓℓbb = M_H) with explicit Lorentz boosts; the δ-limit closed form is typed in independently
of the module (boosts, |M|² of PHYSICS.md §1 / the brief, MoMEMta flux and phase space). Only
the gluon density comes from datasets/teachers/mem/pdf.py (checked against Pythia in test_mem_pdf.py).
"""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest
from scipy import special

from hepsurrogates.datasets.teachers.mem import hza_matrix_element, hza_weight, pdf
from hepsurrogates.exceptions import InvalidArgumentError

pytest.importorskip("vegas")
pytest.importorskip("pythia8mc")  # ships the PDF grids

SQRT_S = 13000.0
M_MU = 0.1056583755
MZ, GZ, GF = 91.1876, 2.4952, 1.1663787e-5  # PHYSICS.md §1, typed in
TRUE = (261.40, 150.50)  # arXiv 2008.10949 ROC point
WINDOW = special.erf(3 / np.sqrt(2)) ** 4  # share of four Gaussians inside ±3σ


# --------------------------------------------------------------------------- kinematics (test-own)

def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a[..., 0] * b[..., 0] - np.sum(a[..., 1:] * b[..., 1:], axis=-1)


def _boost(p: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Boost four-vectors p (N, 4) = (E, px, py, pz) by velocities beta (N, 3)."""
    b2 = np.sum(beta**2, axis=1)
    gamma = 1.0 / np.sqrt(1.0 - b2)
    bp = np.sum(beta * p[:, 1:], axis=1)
    coef = np.where(b2 > 0, (gamma - 1.0) / np.where(b2 > 0, b2, 1.0), 0.0)
    return np.column_stack([gamma * (p[:, 0] + bp), p[:, 1:] + (coef * bp + gamma * p[:, 0])[:, None] * beta])


def _isotropic(rng: np.random.Generator, n: int) -> np.ndarray:
    c, phi = rng.uniform(-1, 1, n), rng.uniform(0, 2 * np.pi, n)
    s = np.sqrt(1 - c * c)
    return np.column_stack([s * np.cos(phi), s * np.sin(phi), c])


def _two_body(m: np.ndarray, m1: float, m2: float, n_hat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = np.sqrt((m**2 - (m1 + m2) ** 2) * (m**2 - (m1 - m2) ** 2)) / (2 * m)
    return (np.column_stack([np.sqrt(p**2 + m1**2), p[:, None] * n_hat]),
            np.column_stack([np.sqrt(p**2 + m2**2), -p[:, None] * n_hat]))


def _on_shell(rng: np.random.Generator, n: int, m_h: float, m_a: float) -> list[np.ndarray]:
    """(ℓ⁻, ℓ⁺, b, b̄) four-vectors (N, 4) of H → Z A → ℓℓ bb exactly on the three mass shells,
    H with p_T ~ exp(30 GeV) and |y| < 1.5; every decay isotropic in its rest frame."""
    mh = np.full(n, m_h)
    z, a = _two_body(mh, MZ, m_a, _isotropic(rng, n))
    lm, lp = _two_body(np.full(n, MZ), M_MU, M_MU, _isotropic(rng, n))
    b1, b2 = _two_body(np.full(n, m_a), 0.0, 0.0, _isotropic(rng, n))
    lm, lp = (_boost(v, z[:, 1:] / z[:, :1]) for v in (lm, lp))
    b1, b2 = (_boost(v, a[:, 1:] / a[:, :1]) for v in (b1, b2))
    pt, phi, y = rng.exponential(30.0, n), rng.uniform(0, 2 * np.pi, n), rng.uniform(-1.5, 1.5, n)
    mt = np.sqrt(mh**2 + pt**2)
    total = np.column_stack([mt * np.cosh(y), pt * np.cos(phi), pt * np.sin(phi), mt * np.sinh(y)])
    return [_boost(v, total[:, 1:] / total[:, :1]) for v in (lm, lp, b1, b2)]


def _ptetaphim(p: np.ndarray, m: float) -> np.ndarray:
    pt = np.hypot(p[:, 1], p[:, 2])
    return np.column_stack([pt, np.arcsinh(p[:, 3] / pt), np.arctan2(p[:, 2], p[:, 1]), np.full(len(p), m)])


def _objects(vectors: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lm, lp, b1, b2 = vectors
    return _ptetaphim(lm, M_MU), _ptetaphim(lp, M_MU), np.stack([_ptetaphim(b1, 0.0), _ptetaphim(b2, 0.0)], axis=1)


def _smear(rng: np.random.Generator, objects, s_lep: float = 0.10, s_b: float = 0.30):
    """Energies (hence p_T) scaled by 1 + s·N(0, 1), the transfer functions of the teacher."""
    lm, lp, bj = (o.copy() for o in objects)
    for arr, s in ((lm, s_lep), (lp, s_lep), (bj[:, 0], s_b), (bj[:, 1], s_b)):
        arr[:, 0] *= np.maximum(1 + s * rng.standard_normal(len(arr)), 0.05)
    return lm, lp, bj


def _four(obj: np.ndarray) -> np.ndarray:
    pt, eta, phi, m = obj.T
    p = np.column_stack([pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)])
    return np.column_stack([np.sqrt(np.sum(p**2, axis=1) + m**2), p])


def _closed_form(lm, lp, bj, m_h, m_a, r_h=0.01, r_a=0.01) -> np.ndarray:
    """Gluon PDFs × |M|² × flux × phase space (× dP/dE) at the measured point; b's massless with
    the jet energy."""
    p1, p2 = _four(lm), _four(lp)
    jets = [_four(bj[:, i]) for i in range(2)]
    b = [np.column_stack([j[:, 0], j[:, 1:] * (j[:, :1] / np.linalg.norm(j[:, 1:], axis=1)[:, None])]) for j in jets]
    total = p1 + p2 + b[0] + b[1]
    beta_t = -np.column_stack([total[:, 1], total[:, 2], np.zeros(len(total))]) / total[:, :1]
    total_t = _boost(total, beta_t)
    assert np.allclose(total_t[:, 1:3], 0.0, atol=1e-8)
    x1, x2 = (total_t[:, 0] + total_t[:, 3]) / SQRT_S, (total_t[:, 0] - total_t[:, 3]) / SQRT_S
    shat = x1 * x2 * SQRT_S**2
    q = p1 + p2 + 2 * (b[0] + b[1])
    s_ll, s_bb = _dot(p1 + p2, p1 + p2), _dot(b[0] + b[1], b[0] + b[1])
    gh, ga = r_h * m_h, r_a * m_a
    me = (np.sqrt(2) * GF * shat**2 / ((shat - m_h**2) ** 2 + (m_h * gh) ** 2)
          * (2 * _dot(p1, q) * _dot(p2, q) - _dot(p1, p2) * _dot(q, q)) / ((s_ll - MZ**2) ** 2 + (MZ * GZ) ** 2)
          * s_bb / ((s_bb - m_a**2) ** 2 + (m_a * ga) ** 2))
    grid = pdf.load_grid()
    f = grid.xfxQ(21, x1, m_h) / x1 * grid.xfxQ(21, x2, m_h) / x2
    space = 1.0
    for p4 in (p1, p2, b[0], b[1]):
        mom = np.linalg.norm(p4[:, 1:], axis=1)
        space = space * mom**2 * (np.hypot(p4[:, 1], p4[:, 2]) / mom) / (2 * p4[:, 0] * (2 * np.pi) ** 3) \
            * (p4[:, 0] / mom)
    return f * me * space / (2 * x1 * x2 * SQRT_S**2)


@pytest.fixture(scope="module")
def on_shell_events():
    rng = np.random.default_rng(261)
    return _objects(_on_shell(rng, 20, *TRUE))


# --------------------------------------------------------------------------- tests

@pytest.mark.parametrize("name", ["hza_weight", "hza_matrix_element"])
def test_docstring_examples_run(name):
    module = importlib.import_module(f"hepsurrogates.datasets.teachers.mem.{name}")
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


def test_change_of_variables_roots_reproduce_masses_and_jacobian():
    rng = np.random.default_rng(11)
    lm, lp, b1, b2 = _on_shell(rng, 50, 442.63, 193.26)
    p_ll = lm + lp
    d1 = b1[:, 1:] / b1[:, :1]
    d2 = b2[:, 1:] / b2[:, :1]

    def masses(e1, e2):
        bb = np.column_stack([e1, e1[:, None] * d1]) + np.column_stack([e2, e2[:, None] * d2])
        return _dot(bb, bb), _dot(p_ll + bb, p_ll + bb)

    s_a, s_h = masses(b1[:, 0], b2[:, 0])
    np.testing.assert_allclose(np.sqrt(s_a), 193.26, rtol=1e-9)
    np.testing.assert_allclose(np.sqrt(s_h), 442.63, rtol=1e-9)
    e1, e2, det, real = hza_weight.bjet_energies_from_masses(s_a, s_h, p_ll, d1, d2)
    assert np.all(real)  # the on-shell point is a real root, so both roots are real here
    # the generated energies are one of the two roots
    dist = np.abs(e1 / b1[:, 0] - 1) + np.abs(e2 / b2[:, 0] - 1)
    assert np.all(np.min(dist, axis=0) < 1e-8)
    for root in range(2):  # both roots map back onto (s_A, s_H)
        back_a, back_h = masses(e1[root], e2[root])
        np.testing.assert_allclose(back_a, s_a, rtol=1e-9)
        np.testing.assert_allclose(back_h, s_h, rtol=1e-9)
        # |∂(s_A, s_H)/∂(E1, E2)| by central finite differences
        h = 1e-5 * e1[root]
        da1, dh1 = (np.subtract(*pair) / (2 * h) for pair in zip(masses(e1[root] + h, e2[root]),
                                                                  masses(e1[root] - h, e2[root])))
        h2 = 1e-5 * e2[root]
        da2, dh2 = (np.subtract(*pair) / (2 * h2) for pair in zip(masses(e1[root], e2[root] + h2),
                                                                   masses(e1[root], e2[root] - h2)))
        np.testing.assert_allclose(det[root], np.abs(da1 * dh2 - da2 * dh1), rtol=1e-5)


def test_z_from_h_to_za_is_longitudinal():
    """In the Z rest frame |M|² ∝ sin²θ* (θ* between ℓ⁻ and the A): the tensor contraction."""
    theta = np.linspace(0.1, 3.0, 7)
    n = len(theta)
    p_star = MZ / 2
    lm = np.column_stack([np.full(n, p_star), p_star * np.sin(theta), np.zeros(n), p_star * np.cos(theta)])
    lp = lm * np.array([1, -1, -1, -1])
    pa = 60.0  # A along +z; b's back to back in its rest frame, boosted
    ea = np.sqrt(pa**2 + TRUE[1] ** 2)
    b1, b2 = _two_body(np.full(n, TRUE[1]), 0.0, 0.0, np.tile([0.0, 1.0, 0.0], (n, 1)))
    b1, b2 = (_boost(v, np.tile([0.0, 0.0, pa / ea], (n, 1))) for v in (b1, b2))
    me = hza_matrix_element.hza_matrix_element_squared(lm, lp, b1, b2, *TRUE, 2.614, 1.505)
    np.testing.assert_allclose(me / me[0], np.sin(theta) ** 2 / np.sin(theta[0]) ** 2, rtol=1e-9)


def test_delta_weight_is_the_independent_closed_form(on_shell_events):
    lm, lp, bj = on_shell_events
    expected = _closed_form(lm, lp, bj, *TRUE)
    np.testing.assert_allclose(hza_weight.hza_delta_weight(lm, lp, bj, *TRUE), expected, rtol=1e-9)
    # massive jets: the partons stay massless with the jet energy; b-jet order does not matter
    heavy = bj[:, ::-1].copy()
    heavy[:, :, 3] = [8.0, 5.0]
    np.testing.assert_allclose(hza_weight.hza_delta_weight(lm, lp, heavy, *TRUE),
                               _closed_form(lm, lp, heavy, *TRUE), rtol=1e-9)
    # a per-event hypothesis equals the scalar one event by event
    m_h = np.where(np.arange(len(lm)) % 2, 300.0, TRUE[0])
    per_event = hza_weight.hza_delta_weight(lm, lp, bj, m_h, 150.5, rel_width_h=0.03)
    scalar = hza_weight.hza_delta_weight(lm[1::2], lp[1::2], bj[1::2], 300.0, 150.5, rel_width_h=0.03)
    np.testing.assert_array_equal(per_event[1::2], scalar)
    np.testing.assert_allclose(per_event[1::2], _closed_form(lm[1::2], lp[1::2], bj[1::2], 300.0, 150.5, r_h=0.03),
                               rtol=1e-9)


def test_vegas_tends_to_the_delta_limit_as_the_resolution_shrinks(on_shell_events):
    """Ratio to the closed form × erf(3/√2)⁴ → 1 as s → 0; the approach needs s ≪ Γ/M of the
    narrowest line, measured here with 5 % widths (s = 0.01, 0.003, 0.001) and with the default
    1 % widths at s = 0.0003."""
    lm, lp, bj = (v[:3] for v in on_shell_events)
    closed = _closed_form(lm, lp, bj, *TRUE, 0.05, 0.05) * WINDOW
    deviation = []
    for s in (0.01, 0.003, 0.001):
        res = hza_weight.hza_weights(lm, lp, bj, *TRUE, rel_width_h=0.05, rel_width_a=0.05, sigma_lepton=s,
                                     sigma_bjet=s, rel_accuracy=0.003, seed=4)
        assert np.all(res.converged)
        deviation.append(res.weight / closed - 1.0)
    deviation = np.abs(deviation)
    assert np.all(deviation[0] > 0.1)  # lines smeared by the resolution: weight well below the limit
    assert np.all(deviation[0] > deviation[1]) and np.all(deviation[1] > deviation[2])
    assert np.all(deviation[2] < 0.015)
    res = hza_weight.hza_weights(lm, lp, bj, *TRUE, sigma_lepton=3e-4, sigma_bjet=3e-4, rel_accuracy=0.003, seed=5)
    np.testing.assert_allclose(res.weight, _closed_form(lm, lp, bj, *TRUE) * WINDOW, rtol=0.015)


def test_true_hypothesis_is_preferred(on_shell_events):
    """20 on-shell events at (261.40, 150.50) smeared with the transfer functions: the weight at
    the true hypothesis beats wrong ones (median ln-ratio measured 7.8, 3.7 and 4.3; 95–100 % of
    events prefer the truth)."""
    lm, lp, bj = _smear(np.random.default_rng(7), on_shell_events)
    true = hza_weight.hza_weights(lm, lp, bj, *TRUE, rel_accuracy=0.03, seed=1)
    assert np.all(true.converged)
    for wrong, floor in (((442.63, 193.26), 5.0), ((300.0, 150.5), 2.0), ((261.4, 120.0), 1.5)):
        res = hza_weight.hza_weights(lm, lp, bj, *wrong, rel_accuracy=0.03, seed=1)
        log_ratio = np.log(true.weight / res.weight)
        assert np.median(log_ratio) > floor and np.mean(log_ratio > 0) >= 0.75, wrong


def test_reported_vegas_error_is_honest_and_default_converges(on_shell_events):
    lm, lp, bj = (v[:5] for v in _smear(np.random.default_rng(8), on_shell_events))
    a = hza_weight.hza_weights(lm, lp, bj, *TRUE, seed=1)
    b = hza_weight.hza_weights(lm, lp, bj, *TRUE, seed=2)
    assert np.all(a.converged) and np.all(b.converged) and np.all(a.relative_error <= 0.01)
    assert np.all(a.n_eval <= 400_000) and not np.any(a.weight == b.weight)
    assert np.all(np.abs(a.weight - b.weight) < 3 * np.hypot(a.error, b.error))
    # pulls of independent seeds around a precise reference: width ~1
    reference = hza_weight.hza_weights(lm, lp, bj, *TRUE, neval=20_000, rel_accuracy=0.002, seed=999).weight
    pulls = np.ravel([(r.weight - reference) / r.error
                      for r in (hza_weight.hza_weights(lm, lp, bj, *TRUE, seed=10 + s) for s in range(8))])
    assert 0.6 < 1.4826 * np.median(np.abs(pulls - np.median(pulls))) < 1.4
    assert abs(pulls.mean()) < 0.5
    # same seed, same result; b-jet order is irrelevant up to the VEGAS error
    np.testing.assert_array_equal(hza_weight.hza_weights(lm, lp, bj, *TRUE, seed=1).weight, a.weight)
    swapped = hza_weight.hza_weights(lm, lp, bj[:, ::-1], *TRUE, seed=3)
    assert np.all(np.abs(swapped.weight - a.weight) < 3 * np.hypot(a.error, swapped.error))


def test_unconverged_events_are_flagged_not_dropped(on_shell_events):
    lm, lp, bj = (v[:2] for v in on_shell_events)
    normal = hza_weight.hza_weights(lm, lp, bj, *TRUE, seed=5)
    strict = hza_weight.hza_weights(lm, lp, bj, *TRUE, seed=5, rel_accuracy=1e-4, max_neval=20_000)
    assert not np.any(strict.converged)
    assert np.all(strict.n_eval <= 20_000) and np.all(strict.relative_error > 1e-4)
    np.testing.assert_allclose(strict.weight, normal.weight, rtol=0.03)


def test_bad_input_raises(on_shell_events):
    lm, lp, bj = (v[:2].copy() for v in on_shell_events)
    call = hza_weight.hza_weights
    bad = lm.copy()
    bad[0, 1] = np.nan
    with pytest.raises(InvalidArgumentError, match="NaN"):
        call(bad, lp, bj, *TRUE)
    bad = bj.copy()
    bad[1, 0, 0] = -30.0
    with pytest.raises(InvalidArgumentError, match="pt"):
        call(lm, lp, bad, *TRUE)
    bad = lp.copy()
    bad[0, 3] = -0.1
    with pytest.raises(InvalidArgumentError, match="mass"):
        hza_weight.hza_delta_weight(lm, bad, bj, *TRUE)
    for args in ((lm[:, :3], lp, bj), (lm, lp[0], bj), (lm, lp, bj[:, 0]), (lm[:1], lp, bj)):
        with pytest.raises(InvalidArgumentError, match="shape|number of events"):
            call(*args, *TRUE)
    with pytest.raises(InvalidArgumentError, match="collinear"):
        call(lm, lm, bj, *TRUE)
    with pytest.raises(InvalidArgumentError, match="collinear"):
        call(lm, lp, bj[:, [0, 0]], *TRUE)
    with pytest.raises(InvalidArgumentError, match="m_a < m_h - m_Z"):
        call(lm, lp, bj, 200.0, 110.0)
    with pytest.raises(InvalidArgumentError, match="m_a < m_h - m_Z"):
        hza_weight.hza_delta_weight(lm, lp, bj, [261.4, 200.0], 150.5)
    with pytest.raises(InvalidArgumentError, match="m_h"):
        call(lm, lp, bj, [261.4, 261.4, 261.4], 150.5)
    with pytest.raises(InvalidArgumentError, match="m_h, m_a"):
        call(lm, lp, bj, 261.4, -150.5)
    for option in (dict(rel_accuracy=0.0), dict(max_chi2_dof=-1.0), dict(neval=10), dict(nitn=1),
                   dict(sigma_bjet=0.4), dict(sigma_lepton=0.0), dict(max_neval=1000), dict(rel_width_h=0.0),
                   dict(rel_width_a=np.nan), dict(sqrt_s=-13000.0), dict(interpolation="linear")):
        with pytest.raises(InvalidArgumentError):
            call(lm, lp, bj, *TRUE, **option)
    with pytest.raises(InvalidArgumentError, match="four-vectors"):
        hza_matrix_element.hza_matrix_element_squared(np.zeros(3), np.zeros(4), np.zeros(4), np.zeros(4),
                                                      *TRUE, 1.0, 1.0)
