"""The exact 1809.05548 toy: closure against its definition, and where its pyhf workspace agrees with it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from hepsurrogates.datasets.teachers.likelihood.toy import ToyLikelihood, parabola
from hepsurrogates.exceptions import InvalidArgumentError, MissingInputFileError, SchemaError

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "lhc_toy_1809.05548.json"


@pytest.fixture(scope="module")
def toy():
    return ToyLikelihood.load()


def test_shipped_data_is_the_shared_file(toy):
    if not SHARED.is_file():
        pytest.skip("shared/data is not beside this checkout")
    ref = ToyLikelihood.load(SHARED)
    np.testing.assert_array_equal(ref.observed, toy.observed)
    np.testing.assert_array_equal(ref.background, toy.background)


def test_nominal_is_the_plain_poisson_likelihood(toy):
    """δ = 0: λ = μ s + b (rounded to one decimal), and log L is the Poisson sum written out by hand."""
    x = toy.nominal()
    x[0] = 0.3
    lam = 0.3 * toy.signal + toy.background
    np.testing.assert_allclose(toy.expected(x)[0], lam, rtol=1e-12)
    ref = sum(n * math.log(m) - m - math.lgamma(n + 1) for n, m in zip(toy.observed, lam))
    assert toy.log_poisson(x)[0] == pytest.approx(ref, rel=1e-12)
    assert toy.logpdf(x)[0] == pytest.approx(ref - 47 * math.log(2 * math.pi), rel=1e-12)
    assert toy.background[31] == 20.8  # 20.81 in the file, rounded as the reference code does


def test_each_effect_as_defined(toy):
    rng = np.random.default_rng(3)
    # MC statistics of one bin: (1 + eps)^delta on that bin only
    x = toy.nominal()
    x[1 + 40] = -1.7
    lam0 = toy.expected(toy.nominal())[0]
    lam = toy.expected(x)[0]
    ratio = (lam - toy.signal) / (lam0 - toy.signal)
    expect = np.ones(90)
    expect[40] = (1 + toy.eps_mcstat[40]) ** -1.7
    np.testing.assert_allclose(ratio, expect, rtol=1e-12)
    # LV normalisation: the whole category scales by (1 + K)^|delta|, the other sign with Km
    for d, table in ((0.6, toy.norm_kp), (-0.6, toy.norm_km)):
        x = toy.nominal()
        x[93] = d
        bkg = toy.expected(x)[0] - toy.signal
        for c in range(3):
            np.testing.assert_allclose(bkg[30 * c:30 * c + 30] / toy.background[30 * c:30 * c + 30],
                                       (1 + table[2, c]) ** abs(d), rtol=1e-12)
    # ISR and JES: shape renormalised to the category, times the normalisation effect
    x = toy.nominal()
    x[91], x[92] = rng.uniform(-2.5, 2.5, size=2)
    bkg = toy.expected(x)[0] - toy.signal
    for c in range(3):
        cat = slice(30 * c, 30 * c + 30)
        norm = np.prod([(1 + (toy.norm_kp if x[91 + k] >= 0 else toy.norm_km)[k, c]) ** abs(x[91 + k]) for k in (0, 1)])
        assert bkg[cat].sum() == pytest.approx(toy.background[cat].sum() * norm, rel=1e-12)
        shape = toy.background[cat] * parabola(x[91], toy.shape_kp[0, cat], toy.shape_km[0, cat]) \
            * parabola(x[92], toy.shape_kp[1, cat], toy.shape_km[1, cat])
        np.testing.assert_allclose(bkg[cat] / bkg[cat].sum(), shape / shape.sum(), rtol=1e-12)


def test_parabola_is_continuous_and_smooth_at_the_joins():
    kp, km = np.array(1.13), np.array(0.91)
    for join in (-1.0, 1.0):
        lo, hi = parabola(np.array([join - 1e-7, join + 1e-7]), kp, km)
        assert abs(hi - lo) < 1e-6

        def p(d, join=join):
            return parabola(np.array(join * d), kp, km)

        slope_in = (p(1 - 1e-4) - p(1 - 2e-4)) / (join * 1e-4)
        slope_out = (p(1 + 2e-4) - p(1 + 1e-4)) / (join * 1e-4)
        assert slope_in == pytest.approx(slope_out, rel=1e-3)


def test_vectorised_equals_row_by_row(toy):
    rng = np.random.default_rng(5)
    x = np.tile(toy.nominal(), (64, 1))
    x[:, 0] = rng.uniform(-0.5, 2, 64)
    x[:, 1:] = rng.normal(size=(64, 94))
    batch = toy.logpdf(x)
    one = np.array([toy.logpdf(row)[0] for row in x])
    np.testing.assert_allclose(batch, one, rtol=1e-13)


def test_negative_expectation_is_minus_infinity_not_nan(toy):
    x = toy.nominal()
    x[0] = -1.0
    x[1 + 88] = -50.0  # bin 88 background shrinks far below mu*s
    value = toy.logpdf(x)[0]
    assert value == -np.inf
    assert toy.log_posterior(np.r_[5.5, np.zeros(94)])[0] == -np.inf


def test_bad_input_is_refused(toy, tmp_path):
    with pytest.raises(InvalidArgumentError, match="95 parameters"):
        toy.logpdf(np.zeros((3, 94)))
    with pytest.raises(MissingInputFileError, match="not found"):
        ToyLikelihood.load(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    shipped = Path(__file__).resolve().parents[2] / "datasets/teachers/likelihood/data/lhc_toy_1809.05548.json"
    d = json.loads(shipped.read_text())
    d["signal"] = d["signal"][:89]
    bad.write_text(json.dumps(d))
    with pytest.raises(SchemaError, match="'signal' should have 90 entries"):
        ToyLikelihood.load(bad)


# -- the pyhf workspace -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pyhf_toy(toy):
    pytest.importorskip("pyhf")
    from hepsurrogates.datasets.teachers.likelihood.toy_workspace import toy_pyhf_model

    ws, model, data = toy_pyhf_model(toy)
    order = [toy.parameter_names.index(n) for n in model.config.par_order]
    return model, data, order


def _points(toy, rng, n, isr, jes):
    x = np.tile(toy.nominal(), (n, 1))
    x[:, 0] = rng.uniform(0.0, 3.0, n)  # pyhf returns NaN where a negative mu makes some lambda < 0
    x[:, 1:91] = rng.normal(size=(n, 90)) * 1.5
    x[:, 93:] = rng.normal(size=(n, 2)) * 1.5
    x[:, 91] = isr(n)
    x[:, 92] = jes(n)
    return x


def test_pyhf_workspace_agrees_where_it_can(toy, pyhf_toy):
    """|δ_ISR|, |δ_JES| ≤ 1 with at most one of them non-zero: equal for any μ and other nuisances."""
    model, data, order = pyhf_toy
    rng = np.random.default_rng(11)
    zero = np.zeros
    for isr, jes in ((zero, zero), (lambda n: rng.uniform(-1, 1, n), zero), (zero, lambda n: rng.uniform(-1, 1, n))):
        x = _points(toy, rng, 20, isr, jes)
        exact = toy.logpdf(x)
        got = np.array([model.logpdf(row[order], data)[0] for row in x])
        np.testing.assert_allclose(got, exact, rtol=0, atol=2e-3)
        assert np.max(np.abs(got - exact)) < 1e-4 * np.max(np.abs(exact))


def test_pyhf_workspace_differs_where_it_cannot(toy, pyhf_toy):
    """Both shape nuisances non-zero (pyhf adds the deltas, the toy multiplies and renormalises),
    or one beyond ±1 (pyhf 0.7.6's code-2 extrapolation): the two are different functions."""
    model, data, order = pyhf_toy
    x = toy.nominal()
    x[91], x[92] = 0.9, -0.9
    cross = abs(model.logpdf(x[order], data)[0] - toy.logpdf(x)[0])
    x[91], x[92] = 1.7, 0.0
    extrapolation = abs(model.logpdf(x[order], data)[0] - toy.logpdf(x)[0])
    assert cross > 1e-2 and extrapolation > 1.0
