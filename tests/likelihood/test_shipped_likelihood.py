"""The shipped toy bundle: its card against the exact toy, and its accuracy where the posterior lives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("iminuit")

from hepsurrogates.datasets.teachers.likelihood.toy import ToyLikelihood
from hepsurrogates.models.likelihood.profile import maximise, profile_scan
from hepsurrogates.models.likelihood.surrogate import LikelihoodSurrogate

SHIPPED = Path(__file__).resolve().parents[2] / "models" / "shipped" / "likelihood_toy.onnx"


@pytest.fixture(scope="module")
def pair():
    return ToyLikelihood.load(), LikelihoodSurrogate.load(SHIPPED)


def test_card_is_the_toys(pair):
    pytest.importorskip("pyhf")
    from hepsurrogates.training.likelihood.teachers import teacher_description

    toy, s = pair
    assert s.parameter_names == toy.parameter_names and s.poi_index == 0
    assert s.parameters() == toy.parameters()
    assert s.workspace_sha256 == teacher_description(toy)["workspace_sha256"]
    card = s.card
    assert card["network"]["n_parameters"] <= 1_000_000
    assert card["metrics"]["test_mse_standardised"] < 7.2e-4  # the published figure
    assert card["domain"]["in_domain_fraction"]["test"] > 0.9


def test_logpdf_agrees_with_the_exact_toy_around_the_maximum(pair):
    """Draws from the Laplace approximation of the posterior (the region the bundle was trained on):
    N(x̂, (−∇∇ ln L)⁻¹) at the exact maximum."""
    pytest.importorskip("torch")
    from hepsurrogates.training.likelihood.baseline import quadratic_expansion

    toy, s = pair
    bounds = [tuple(p["range"]) for p in toy.parameters()]
    best = maximise(toy.logpdf, toy.nominal(), bounds)
    _, _, hessian = quadratic_expansion(toy.logpdf, best.x)
    x = np.random.default_rng(8).multivariate_normal(best.x, np.linalg.inv(-hessian), size=400)
    exact = toy.logpdf(x)
    keep = np.isfinite(exact)  # a draw with a negative expected count is outside the model
    assert keep.mean() > 0.9
    err = s.logpdf(x[keep]) - exact[keep]
    assert np.mean(np.abs(err)) < 0.05 * np.std(exact[keep])
    value, grad = s.evaluate(best.x[None])
    assert value[0] == pytest.approx(best.logpdf, abs=0.05)
    assert np.max(np.abs(grad[0])) < 0.5  # ∇ ln L ≈ 0 at the exact maximum


def test_t_mu_of_the_shipped_bundle(pair):
    """Pins the shipped bundle's t_μ accuracy: benchmarks/likelihood/bench_toy.py measured a mean
    |Δt_μ| of 0.012 and a maximum of 0.032 over 21 points of μ ∈ [0, 1] (issue 16 asks ≤ 0.02 on
    the mean); the tolerance leaves room for fits that stop at a slightly different point."""
    toy, s = pair
    bounds = [tuple(p["range"]) for p in toy.parameters()]
    mu = [0.0, 0.5, 1.0]
    exact = profile_scan(toy.logpdf, mu, toy.nominal(), bounds)
    dnn = profile_scan(s.logpdf, mu, toy.nominal(), bounds, gradient=s.gradient)
    np.testing.assert_allclose(dnn.t_mu, exact.t_mu, atol=0.06)


def test_logpdf_runs_the_graph_pruned_to_its_output(pair):
    """ln L alone comes from the graph pruned to ``logpdf`` (onnxruntime runs every node otherwise):
    the same values as the full graph's, from fewer nodes."""
    import pickle

    toy, s = pair
    x = np.random.default_rng(4).normal(scale=0.3, size=(64, s.n_parameters)) + s.nominal()
    value, _ = s.evaluate(x)
    np.testing.assert_array_equal(s.logpdf(x), value)
    session = s._logpdf_session()
    assert [o.name for o in session.get_outputs()] == ["logpdf"]
    assert [o.name for o in s.bundle.session(s.threads).get_outputs()] == ["logpdf", "grad_logpdf"]
    again = pickle.loads(pickle.dumps(s))
    np.testing.assert_array_equal(again.logpdf(x), value)
