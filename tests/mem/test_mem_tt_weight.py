"""The tt̄ dilepton MEM teacher: matrix-element closure against textbook cross sections and
widths, and the VEGAS weight's symmetry, reproducibility and input checks.

Expectations are computed here, independently of the code under test: closed-form LO partonic
cross sections (Ellis, Stirling, Webber eq. 10.12), the narrow-W partial width of the top from
G_F, and test-own parton-level tt̄ events (``test_mem_blocks``).
"""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest
from scipy import integrate
from test_mem_blocks import _boost, _ttbar_events, _two_body, _velocity

from hepsurrogates.datasets.teachers.mem import tt_matrix_element as tme
from hepsurrogates.datasets.teachers.mem.tt_weight import tt_weights
from hepsurrogates.exceptions import InvalidArgumentError

GF, MW, MT = 1.1663787e-5, 80.419, 173.0  # PHYSICS.md §1, typed in independently


def test_docstring_examples_run():
    for name in ("tt_weight", "tt_matrix_element"):
        module = importlib.import_module(f"hepsurrogates.datasets.teachers.mem.{name}")
        failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert failed == 0


@pytest.mark.parametrize("shat", [350.0**2, 400.0**2, 600.0**2, 2000.0**2])
def test_production_integrates_to_the_textbook_cross_sections(shat):
    """σ̂ = ∫ dcosθ β/(32π ŝ) |M|² against ESW eq. 10.12 (α_s = 1 units)."""
    rho = 4.0 * MT**2 / shat
    beta = np.sqrt(1.0 - rho)
    g4 = (4.0 * np.pi) ** 2

    def sigma(me) -> float:
        f = lambda c: beta / (32.0 * np.pi * shat) * g4 * me(0.5 * (1 - beta * c), 0.5 * (1 + beta * c), rho)  # noqa: E731
        return integrate.quad(f, -1.0, 1.0, epsabs=0.0, epsrel=1e-10)[0]

    qq = 8.0 * np.pi * beta / (27.0 * shat) * (1.0 + rho / 2.0)
    gg = (
        np.pi
        / (3.0 * shat)
        * ((1 + rho + rho**2 / 16) * np.log((1 + beta) / (1 - beta)) - beta * (7 / 4 + 31 * rho / 16))
    )
    assert sigma(tme.production_qqbar) == pytest.approx(qq, rel=1e-8)
    assert sigma(tme.production_gg) == pytest.approx(gg, rel=1e-8)


def test_gg_production_is_never_negative_off_shell():
    """On shell τ₁τ₂ ≥ ρ/4 and the ESW formula is positive; far off shell (τ₁τ₂ < ρ/4) the raw
    expression turns negative and the |M|² is clipped at 0, in the numpy and compiled paths."""
    tau1 = np.array([0.5, 0.2, 0.05, 0.02])
    rho = np.array([0.5, 0.5, 0.9, 0.5])  # tau1*tau2 = 0.25, 0.16, 0.0475, 0.0196 against rho/4 = 0.125, 0.225
    t12 = tau1 * (1 - tau1)
    raw = (1 / (6 * t12) - 3 / 8) * (tau1**2 + (1 - tau1) ** 2 + rho - rho**2 / (4 * t12))
    assert np.all(raw[:2] > 0) and np.all(raw[2:] < 0)
    np.testing.assert_allclose(tme.production_gg(tau1, 1 - tau1, rho), np.maximum(raw, 0.0), rtol=1e-14)


def test_top_decay_integrates_to_the_narrow_w_partial_width():
    """Γ = 1/(2m_t) ∫dΦ₃ ½Σ|M|² with a narrow W equals Γ(t→bW)Γ(W→ℓν)/Γ_W from G_F."""
    rng = np.random.default_rng(3)
    n, gamma_w = 200_000, 0.02
    # W virtuality from its Breit–Wigner (inverse CDF), weight = ∫BW ds / BW(s)
    lo, hi = np.arctan(-MW / gamma_w), np.arctan((MT**2 - MW**2) / (MW * gamma_w))
    s_w = MW**2 + MW * gamma_w * np.tan(rng.uniform(lo, hi, n))
    bw_weight = (hi - lo) / (MW * gamma_w) * ((s_w - MW**2) ** 2 + (MW * gamma_w) ** 2)
    top = np.tile([MT, 0.0, 0.0, 0.0], (n, 1))
    w, b = _two_body(rng, np.full(n, MT), np.sqrt(s_w), np.zeros(n))
    lep, nu = _two_body(rng, np.sqrt(s_w), np.zeros(n), np.zeros(n))
    lep, nu = _boost(lep, _velocity(w)), _boost(nu, _velocity(w))
    pstar = (MT**2 - s_w) / (2.0 * MT)
    dphi3 = pstar / (4.0 * np.pi * MT) / (8.0 * np.pi) / (2.0 * np.pi) * bw_weight
    me = tme.top_decay(top, b, lep, nu, gamma_w=gamma_w)
    width = np.mean(dphi3 * 0.5 * me) / (2.0 * MT)
    x = MW**2 / MT**2
    expected = (
        GF
        * MT**3
        / (8 * np.pi * np.sqrt(2))
        * (1 - x) ** 2
        * (1 + 2 * x)
        * GF
        * MW**3
        / (6 * np.pi * np.sqrt(2))
        / gamma_w
    )
    assert width == pytest.approx(expected, rel=4e-3)
    assert tme.top_width_to_lepton(MT, gamma_w=gamma_w) == pytest.approx(expected, rel=1e-12)


def test_alpha_s_runs_at_one_loop_from_the_pdf_value():
    assert tme.alpha_s(91.1876) == pytest.approx(0.130)
    assert tme.alpha_s(346.0) == pytest.approx(0.130 / (1 + 0.130 * 23 / (12 * np.pi) * np.log(346.0**2 / 91.1876**2)))


def _reco(ev: dict[str, np.ndarray], i: np.ndarray):
    def ptetaphim(p):
        pt = np.hypot(p[:, 1], p[:, 2])
        return np.column_stack(
            [
                pt,
                np.arcsinh(p[:, 3] / pt),
                np.arctan2(p[:, 2], p[:, 1]),
                np.sqrt(np.maximum(p[:, 0] ** 2 - np.sum(p[:, 1:] ** 2, axis=1), 0.0)),
            ]
        )

    met = (ev["nu1"] + ev["nu2"])[:, 1:3]
    return (
        ptetaphim(ev["l2"])[i],
        ptetaphim(ev["l1"])[i],
        np.stack([ptetaphim(ev["b1"]), ptetaphim(ev["b2"])], axis=1)[i],
        np.column_stack([np.hypot(met[:, 0], met[:, 1]), np.arctan2(met[:, 1], met[:, 0])])[i],
    )


@pytest.fixture(scope="module")
def parton_events():
    return _reco(_ttbar_events(8, seed=21), np.arange(2))


def test_weight_is_symmetric_in_the_b_jet_order_and_reproducible(parton_events):
    lm, lp, bj, met = parton_events
    kw = dict(rel_accuracy=0.05, seed=4, neval=2000, n_adapt=3)
    a = tt_weights(lm, lp, bj, met, **kw)
    b = tt_weights(lm, lp, bj[:, ::-1], met, **kw)
    np.testing.assert_array_equal(a.weight, b.weight)  # jets put in pT order; u₉ integrates both assignments
    assert np.all(a.converged) and np.all(a.weight > 0.0) and np.all(a.relative_error <= 0.05)
    c = tt_weights(lm, lp, bj, met, **{**kw, "seed": 5})
    pull = (a.weight - c.weight) / np.hypot(a.error, c.error)
    assert np.all(np.abs(pull) < 4.0), pull
    # chunking: the second event alone with first_index=1 gives the same number
    d = tt_weights(lm[1:], lp[1:], bj[1:], met[1:], first_index=1, **kw)
    assert d.weight[0] == a.weight[1]


def test_wrong_top_like_kinematics_get_a_much_smaller_weight(parton_events):
    """Moving the b-jets off the top mass shell (energies ×3) costs a factor ≥ 5 per event and
    ≥ 100 on the geometric mean (measured: 0.09 and 7e-7)."""
    lm, lp, bj, met = parton_events
    far = bj.copy()
    far[:, :, 0] *= 3.0
    kw = dict(rel_accuracy=0.1, seed=4, neval=2000, n_adapt=3)
    ratio = tt_weights(lm, lp, far, met, **kw).weight / tt_weights(lm, lp, bj, met, **kw).weight
    assert np.all(ratio < 0.2) and np.exp(np.mean(np.log(ratio))) < 1e-2, ratio


def test_bad_input(parton_events):
    lm, lp, bj, met = parton_events
    with pytest.raises(InvalidArgumentError, match="bjets: expected shape"):
        tt_weights(lm, lp, bj[:, 0], met)
    bad = lm.copy()
    bad[0, 0] = np.nan
    with pytest.raises(InvalidArgumentError, match="lep_minus"):
        tt_weights(bad, lp, bj, met)
    neg = lp.copy()
    neg[1, 0] = -3.0
    with pytest.raises(InvalidArgumentError, match="pt: expected > 0"):
        tt_weights(lm, neg, bj, met)
    with pytest.raises(InvalidArgumentError, match="rel_accuracy"):
        tt_weights(lm, lp, bj, met, rel_accuracy=0.0)
    with pytest.raises(InvalidArgumentError, match="sigma_bjet"):
        tt_weights(lm, lp, bj, met, sigma_bjet=0.5)


def test_compiled_kinematics_reproduce_the_numpy_block_d():
    """The numba kernel finds the same solutions with the same Jacobians as solve_block_d."""
    from test_mem_blocks import _minv2

    from hepsurrogates.datasets.teachers.mem import solve_block_d
    from hepsurrogates.datasets.teachers.mem.tt_kernel import tt_point_kinematics

    ev = _ttbar_events(300, seed=5)
    l1, l2, b1, b2, nu1, nu2 = (ev[k] for k in ("l1", "l2", "b1", "b2", "nu1", "nu2"))
    met = (nu1 + nu2)[:, 1:3]
    s = np.column_stack([_minv2(nu1, l1), _minv2(nu1, l1, b1), _minv2(nu2, l2), _minv2(nu2, l2, b2)])
    ref = solve_block_d(l1, l2, b1, b2, met, *s.T)
    vis = np.stack([l1, l2, b1, b2], axis=1)
    n_match = 0
    for i in range(300):
        kin = tt_point_kinematics(vis[i : i + 1], s[i : i + 1], met[i].copy(), 13000.0)[0, 0]  # b1 from t
        got = np.sort(kin[kin[:, 0] > 0, 1])
        want = np.sort(ref.jacobian[i, ref.mask[i]])
        assert got.size == want.size, i
        np.testing.assert_allclose(got, want, rtol=1e-7)
        n_match += got.size
        # the initial state closes: x1, x2 from the true partons' sum
        tot = l1[i] + l2[i] + b1[i] + b2[i] + nu1[i] + nu2[i]
        shat = tot[0] ** 2 - np.sum(tot[1:] ** 2)
        assert np.any(np.isclose(kin[kin[:, 0] > 0, 2] * kin[kin[:, 0] > 0, 3] * 13000.0**2, shat, rtol=1e-6))
    assert n_match >= 300
