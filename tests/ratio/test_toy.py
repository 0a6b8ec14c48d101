"""The ratio toy's exact quantities against each other: normalisation, finite differences, the joint
quantities' expectations, the quadrature, and the sampler against the density."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hepsurrogates.exceptions import InvalidArgumentError
from hepsurrogates.models.ratio import toy as toy_module
from hepsurrogates.models.ratio.toy import THETA_RANGE, TOY, QuadraticToy

TOYS = {"p1": QuadraticToy(), "p2": QuadraticToy(n_params=2)}
#: parameter points inside THETA_RANGE for each toy
POINTS = {"p1": [[-1.0], [-0.4], [0.0], [0.7], [1.0]],
          "p2": [[-1.0, 0.5], [0.0, 0.0], [0.6, -0.8], [1.0, 1.0]]}


def _gauss_legendre(lo: float, hi: float, panels: int = 600, order: int = 12) -> tuple[np.ndarray, np.ndarray]:
    t, w = np.polynomial.legendre.leggauss(order)
    edges = np.linspace(lo, hi, panels + 1)
    half = 0.5 * np.diff(edges)
    return (edges[:-1, None] + half[:, None] * (t + 1.0)).ravel(), (half[:, None] * w).ravel()


@pytest.mark.parametrize("name", sorted(TOYS))
def test_densities_are_normalised(name):
    toy = TOYS[name]
    z, wz = _gauss_legendre(0.0, 1.0, panels=8)
    x, wx = _gauss_legendre(-1.0, 2.0)  # ±10 s beyond [0, 1]
    for theta in POINTS[name]:
        assert np.sum(wz * np.exp(toy.log_p_z(z, theta))) == pytest.approx(1.0, abs=1e-12)
        assert np.sum(wx * np.exp(toy.log_p_x(x, theta))) == pytest.approx(1.0, abs=1e-9)


def test_cross_section_in_closed_form():
    # sigma(theta) = b + int_0^1 (1 - z/2 + theta (3z - 3/2))^2 dz = 0.2 + 7/12 - theta/4 + 3 theta^2 / 4
    theta = np.array([-1.0, -0.3, 0.0, 0.5, 1.0])
    assert np.allclose(TOY.cross_section(theta), 0.2 + 7 / 12 - theta / 4 + 0.75 * theta**2, rtol=0, atol=1e-14)
    assert np.all(TOYS["p2"].cross_section(np.array(POINTS["p2"])) > 0.2)


def test_amplitude_bounds_hold():
    """The rejection sampler's envelope uses max |A_k| on [0, 1]."""
    z = np.linspace(0.0, 1.0, 100_001)
    amps = toy_module._amplitudes(z, 3)
    assert np.all(np.abs(amps).max(axis=0) <= toy_module._AMPLITUDE_BOUNDS + 1e-15)
    assert np.allclose(np.abs(amps).max(axis=0), toy_module._AMPLITUDE_BOUNDS)


@pytest.mark.parametrize("name", sorted(TOYS))
def test_ratio_at_equal_points_is_zero(name):
    toy = TOYS[name]
    x, z = toy.simulate(POINTS[name][1], 500, np.random.default_rng(3))
    for theta in POINTS[name]:
        assert np.array_equal(toy.log_r_x(x, theta, theta), np.zeros(500))
        assert np.array_equal(toy.log_r_xz(z, theta, theta), np.zeros(500))


def test_module_functions_are_the_default_toy():
    x, z = toy_module.simulate(0.3, 50, np.random.default_rng(4))
    assert np.array_equal(toy_module.log_r_x(x, 0.3, 0.0), TOY.log_r_x(x, 0.3, 0.0))
    assert np.array_equal(toy_module.log_r_xz(z, 0.3, 0.0), TOY.log_r_xz(z, 0.3, 0.0))
    assert np.array_equal(toy_module.t_x(x, 0.3), TOY.t_x(x, 0.3))
    assert np.array_equal(toy_module.t_xz(z, 0.3), TOY.t_xz(z, 0.3))
    assert THETA_RANGE == (-1.0, 1.0)


@pytest.mark.parametrize("name", sorted(TOYS))
def test_scores_are_the_finite_differences_of_the_log_densities(name):
    toy = TOYS[name]
    h = 1e-5
    x, z = toy.simulate(POINTS[name][0], 400, np.random.default_rng(5))
    for theta in POINTS[name]:
        theta = np.asarray(theta)
        t_xz, t_x = toy.t_xz(z, theta), toy.t_x(x, theta)
        assert t_xz.shape == t_x.shape == (400, toy.n_params)
        for i in range(toy.n_params):
            step = h * np.eye(toy.n_params)[i]
            fd_z = (toy.log_p_z(z, theta + step) - toy.log_p_z(z, theta - step)) / (2 * h)
            fd_x = (toy.log_p_x(x, theta + step) - toy.log_p_x(x, theta - step)) / (2 * h)
            assert np.max(np.abs(fd_z - t_xz[:, i])) < 1e-6
            assert np.max(np.abs(fd_x - t_x[:, i])) < 1e-6


def test_per_event_parameters_equal_one_point_each():
    x, z = TOY.simulate(0.0, 6, np.random.default_rng(6))
    theta = np.linspace(-1, 1, 6)
    one_each = np.array([TOY.log_r_x(x[i : i + 1], theta[i], -0.2)[0] for i in range(6)])
    assert np.allclose(TOY.log_r_x(x, theta, -0.2), one_each, rtol=0, atol=1e-14)
    assert np.allclose(TOY.t_xz(z, theta[:, None])[:, 0], [TOY.t_xz(z[i : i + 1], theta[i])[0, 0] for i in range(6)])


@pytest.mark.parametrize(("name", "theta0", "theta1"), [("p1", [0.8], [0.0]), ("p1", [-1.0], [0.3]),
                                                        ("p2", [0.5, -0.5], [0.0, 0.0])])
def test_marginal_quantities_are_posterior_expectations_of_the_joint_ones(name, theta0, theta1):
    """r(x|θ0, θ1) = E_{z~p(z|x,θ1)}[r(x, z|θ0, θ1)] and t(x|θ1) = E_{z~p(z|x,θ1)}[t(x, z|θ1)], by Monte
    Carlo: z ~ p(z|θ1) re-weighted with the smearing kernel φ(x − z) is a sample of the posterior p(z|x, θ1);
    the self-normalised means agree with the exact values within 4 standard errors (delta method)."""
    toy = TOYS[name]
    _, z = toy.simulate(theta1, 400_000, np.random.default_rng(7))
    r_xz = np.exp(toy.log_r_xz(z, theta0, theta1))
    t_xz = toy.t_xz(z, theta1)
    xs = np.array([-0.1, 0.2, 0.5, 0.8, 1.1])
    exact_r = np.exp(toy.log_r_x(xs, theta0, theta1))
    exact_t = toy.t_x(xs, theta1)
    for x, r_exact, t_exact in zip(xs, exact_r, exact_t):
        w = np.exp(-0.5 * ((x - z) / toy.sigma) ** 2)
        w /= w.sum()
        for values, exact in [(r_xz, r_exact), *((t_xz[:, i], t_exact[i]) for i in range(toy.n_params))]:
            mean = np.sum(w * values)
            error = math.sqrt(np.sum(w**2 * (values - mean) ** 2))
            assert abs(mean - exact) < 4 * error + 1e-12, (x, mean, exact, error)
            assert error < 0.02 * max(1.0, abs(exact))  # the check has power


def test_marginal_ratio_has_unit_mean_under_the_reference():
    x, _ = TOY.simulate(0.0, 200_000, np.random.default_rng(8))
    r = np.exp(TOY.log_r_x(x, 0.9, 0.0))
    assert abs(r.mean() - 1.0) < 4 * r.std() / math.sqrt(len(r))


def test_quadrature_is_converged_and_matches_closed_forms():
    x = np.linspace(-0.5, 1.5, 401)
    fine = QuadraticToy(n_params=2, panels=128, order=24)
    for a, b in zip(TOYS["p2"].components(x), fine.components(x)):
        assert np.max(np.abs(a - b)) < 1e-12
    far = np.linspace(-3.0, 4.0, 701)  # up to 30 s from the support: the scaled kernel keeps log p finite
    for theta in POINTS["p2"]:
        assert np.max(np.abs(TOYS["p2"].log_p_x(far, theta) - fine.log_p_x(far, theta))) < 1e-9
        assert np.max(np.abs(TOYS["p2"].t_x(far, theta) - fine.t_x(far, theta))) < 1e-9
    # the background component in closed form: b (Φ(x/s) − Φ((x − 1)/s))
    b_tilde, _ = TOY.components(x)
    phi = np.vectorize(lambda u: 0.5 * (1.0 + math.erf(u / math.sqrt(2.0))))
    assert np.max(np.abs(b_tilde - 0.2 * (phi(x / 0.1) - phi((x - 1.0) / 0.1)))) < 1e-13
    integrate = pytest.importorskip("scipy.integrate")
    for xi in (-0.3, 0.05, 0.5, 0.97, 1.2):
        for theta in (-1.0, 0.4):
            val, _ = integrate.quad(lambda z, xi=xi, theta=theta: np.exp(TOY.log_p_z(np.array([z]), theta))[0]
                                    * math.exp(-0.5 * ((xi - z) / 0.1) ** 2) / (math.sqrt(2 * math.pi) * 0.1),
                                    0.0, 1.0, epsabs=1e-14, epsrel=1e-12)
            assert math.log(val) == pytest.approx(TOY.log_p_x(np.array([xi]), theta)[0], abs=1e-9)


@pytest.mark.parametrize("theta", [-1.0, 0.0, 0.6])
def test_sampler_follows_the_density(theta):
    """Binned z against p(z|θ) (pulls) and the smearing's width; 100 000 events, 20 bins."""
    x, z = TOY.simulate(theta, 100_000, np.random.default_rng(9))
    assert np.all((z >= 0) & (z <= 1))
    counts, edges = np.histogram(z, bins=20, range=(0.0, 1.0))
    nodes, weights = _gauss_legendre(0.0, 1.0, panels=20, order=8)
    density = weights * np.exp(TOY.log_p_z(nodes, theta))
    expected = len(z) * np.array([density[(nodes >= lo) & (nodes < hi)].sum() for lo, hi in zip(edges[:-1], edges[1:])])
    pulls = (counts - expected) / np.sqrt(expected)
    assert np.max(np.abs(pulls)) < 4.0 and np.sum(pulls**2) < 45.0  # chi2(20): p ≈ 1e-3
    residual = x - z
    assert abs(residual.mean()) < 4 * 0.1 / math.sqrt(len(z)) and residual.std() == pytest.approx(0.1, rel=0.01)


def test_simulate_per_event_parameters():
    theta = np.repeat([[-1.0], [1.0]], 50_000, axis=0)
    _, z = TOY.simulate(theta, len(theta), np.random.default_rng(10))
    # E[z|θ] in closed form: (b/2 + ∫ z M² dz) / σ(θ); M² = (1 - z/2 ± (3z - 3/2))²
    zz, ww = _gauss_legendre(0.0, 1.0, panels=4)
    for i, t in enumerate((-1.0, 1.0)):
        mean = np.sum(ww * zz * np.exp(TOY.log_p_z(zz, t)))
        part = z[i * 50_000 : (i + 1) * 50_000]
        assert abs(part.mean() - mean) < 4 * part.std() / math.sqrt(len(part))


def test_bad_input_raises():
    with pytest.raises(InvalidArgumentError, match="n_params"):
        QuadraticToy(n_params=3)
    with pytest.raises(InvalidArgumentError, match="sigma"):
        QuadraticToy(sigma=0.0)
    with pytest.raises(InvalidArgumentError, match="theta"):
        TOY.log_r_x(np.zeros(5), np.zeros(3), 0.0)
    with pytest.raises(InvalidArgumentError, match="theta"):
        TOYS["p2"].t_xz(np.zeros(5), 0.0)
    with pytest.raises(InvalidArgumentError, match="non-finite"):
        TOY.t_x(np.array([0.1, np.nan]), 0.0)
    with pytest.raises(InvalidArgumentError, match="non-negative integer"):
        TOY.simulate(0.0, -1, np.random.default_rng(0))
