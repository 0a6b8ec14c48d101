"""FastMTT against its published reference values, plus closure of the simpler references."""

from __future__ import annotations

import numpy as np
import pytest

from hepsurrogates.constants import M_TAU
from hepsurrogates.exceptions import InvalidArgumentError
from hepsurrogates.models.ditau.fastmtt import collinear_mass, fastmtt_mass, fastmtt_scan, visible_mass

# bin/testClassicSVfit.cc: an electron and a tau_h (decay mode 0), MET and its covariance
ELECTRON = (33.7393, 0.9409, -0.541458, 0.51099895e-3)
TAU_H = (25.7322, 0.618228, 2.79362, 0.13957)
MET = (11.7491, -51.9172)
COV = (787.352, -178.63, 179.545)


def _run(variant, scale=True, swap=False):
    a = [np.array([v]) for v in ELECTRON] + [np.array([False])]
    b = [np.array([v]) for v in TAU_H] + [np.array([True])]
    legs = (b + a) if swap else (a + b)
    return float(fastmtt_mass(*legs, *(np.array([v]) for v in MET), *(np.array([v]) for v in COV),
                              variant=variant, scale=scale)[0])


@pytest.mark.parametrize("swap", [False, True], ids=["e_first", "tau_first"])
def test_reference_event_2018_with_px_py_terms(swap):
    assert abs(_run("2018", swap=swap) - 108.991) < 0.01


@pytest.mark.parametrize("swap", [False, True], ids=["e_first", "tau_first"])
def test_reference_event_2019_met_times_mass(swap):
    assert abs(_run("2019", swap=swap) - 108.750) < 0.01


def test_reference_event_unscaled_and_grid_points():
    assert abs(_run("2019", scale=False) - 105.582) < 0.01
    a = [np.array([v]) for v in ELECTRON]
    b = [np.array([v]) for v in TAU_H]
    rest = [*(np.array([v]) for v in MET), *(np.array([v]) for v in COV)]
    x1, x2, _ = fastmtt_scan(*a, np.array([False]), *b, np.array([True]), *rest, variant="2018")
    assert (x1[0], x2[0]) == (0.38, 0.83)
    x1, x2, _ = fastmtt_scan(*a, np.array([False]), *b, np.array([True]), *rest, variant="2019")
    assert (x1[0], x2[0]) == (0.32, 0.99)


def test_unknown_variant_is_refused():
    with pytest.raises(InvalidArgumentError, match="variant"):
        fastmtt_mass(*([np.zeros(1)] * 4), np.zeros(1, bool), *([np.zeros(1)] * 4), np.zeros(1, bool),
                     *([np.ones(1)] * 5), variant="2025")


def _collinear_toys(n: int, rng: np.random.Generator):
    """Exactly collinear di-tau decays: the visible fraction x_i of each tau; MET = the
    neutrinos' transverse sum. Masses drawn 80-400 GeV."""
    m = rng.uniform(80.0, 400.0, n)
    phi = rng.uniform(-np.pi, np.pi, n)
    pt_h = rng.uniform(0.0, 60.0, n)
    # two back-to-back taus in the rest frame, boosted transversely by pt_h (approximately)
    theta = np.arccos(rng.uniform(-0.8, 0.8, n))
    p = 0.5 * np.sqrt(m**2 - 4 * M_TAU**2)
    e = 0.5 * m
    vecs = []
    for sign in (1.0, -1.0):
        px = sign * p * np.sin(theta) * np.cos(phi)
        py = sign * p * np.sin(theta) * np.sin(phi)
        pz = sign * p * np.cos(theta)
        vecs.append(np.stack([px + 0.5 * pt_h, py, pz, e + 0.5 * pt_h * 0.0], axis=1))
    x = rng.uniform(0.2, 0.9, (2, n))
    legs = []
    for v, xi in zip(vecs, x):
        pt = np.hypot(v[:, 0], v[:, 1])
        legs.append((pt * xi, np.arcsinh(v[:, 2] / pt), np.arctan2(v[:, 1], v[:, 0]), np.zeros(n)))
    nu = [(v[:, 0] * (1 - xi), v[:, 1] * (1 - xi)) for v, xi in zip(vecs, x)]
    met_x = nu[0][0] + nu[1][0]
    met_y = nu[0][1] + nu[1][1]
    true = visible_mass(*legs[0], *legs[1]) / np.sqrt(x[0] * x[1])
    return legs, met_x, met_y, true


def test_collinear_mass_closes_on_collinear_decays():
    legs, mx, my, true = _collinear_toys(500, np.random.default_rng(1))
    m = collinear_mass(*legs[0], *legs[1], mx, my)
    ok = np.isfinite(m)
    assert ok.mean() > 0.95
    assert np.allclose(m[ok], true[ok], rtol=1e-6)


def test_fastmtt_scan_finds_collinear_truth_with_a_sharp_met():
    """With a tiny MET covariance the MET term dominates: the scan returns the grid point
    nearest the true (x1, x2), so the mass is within the 0.01 grid granularity."""
    legs, mx, my, true = _collinear_toys(200, np.random.default_rng(2))
    cov = np.full(200, 0.01)
    m = fastmtt_mass(*legs[0], np.zeros(200, bool), *legs[1], np.ones(200, bool), mx, my, cov, np.zeros(200), cov,
                     variant="2019", scale=False)
    assert np.median(np.abs(m / true - 1.0)) < 0.02


def test_vectorised_equals_one_at_a_time():
    legs, mx, my, _ = _collinear_toys(40, np.random.default_rng(3))
    cov = (np.full(40, 300.0), np.full(40, 20.0), np.full(40, 250.0))
    had1, had2 = np.zeros(40, bool), np.ones(40, bool)
    batch = fastmtt_mass(*legs[0], had1, *legs[1], had2, mx, my, *cov, variant="2018")
    single = [fastmtt_mass(*(a[i:i + 1] for a in legs[0]), had1[i:i + 1], *(a[i:i + 1] for a in legs[1]),
                           had2[i:i + 1], mx[i:i + 1], my[i:i + 1], *(c[i:i + 1] for c in cov), variant="2018")[0]
              for i in range(40)]
    assert np.allclose(batch, single)


def test_no_likelihood_anywhere_gives_fastmtt_starting_point():
    """A singular covariance zeroes the MET term everywhere: FastMTT keeps (0.75, 0.75)."""
    a = [np.array([v]) for v in ELECTRON]
    b = [np.array([v]) for v in TAU_H]
    x1, x2, mass = fastmtt_scan(*a, np.array([False]), *b, np.array([True]), np.array([10.0]), np.array([5.0]),
                                np.zeros(1), np.zeros(1), np.zeros(1))
    assert (x1[0], x2[0]) == (0.75, 0.75)
    assert abs(mass[0] - visible_mass(*a, *b)[0] / 0.75) < 1e-9
