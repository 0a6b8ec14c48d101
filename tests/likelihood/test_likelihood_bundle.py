"""A small likelihood surrogate end to end: sample S1/S3, train, export, and use the bundle (fits, spey, CLI)."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("pyhf")
pytest.importorskip("emcee")
pytest.importorskip("iminuit")
pytest.importorskip("torch")

from hepsurrogates.datasets.teachers.likelihood.histograms import Template, Variation, workspace_from_histograms
from hepsurrogates.datasets.teachers.likelihood.workspace import WorkspaceLikelihood, workspace_from_spec
from hepsurrogates.exceptions import CardMismatchError, CardSchemaError, InvalidArgumentError, NonFiniteFeatureError
from hepsurrogates.models.bundle import ModelBundle, validate_card
from hepsurrogates.models.likelihood.surrogate import LikelihoodSurrogate

B = np.array([100.0, 80, 60, 45, 30, 20, 12, 8])
S = np.array([2.0, 5, 9, 12, 9, 5, 2, 1])


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    from hepsurrogates.training.likelihood.sampling import SamplingConfig, sample_s1, sample_s3
    from hepsurrogates.training.likelihood.train import TrainConfig, train_likelihood

    obs = np.random.default_rng(3).poisson(B).astype(float)
    var = Variation(Template(S * 1.05), Template(S * 0.95), Template(B * np.linspace(1.04, 0.97, 8)),
                    Template(B * np.linspace(0.96, 1.03, 8)))
    spec = workspace_from_histograms(Template(S), Template(B, B / 5), obs, list(range(9)), variations={"tes": var},
                                     mu_bounds=(-2.0, 6.0))
    teacher = WorkspaceLikelihood(workspace_from_spec(spec), batch=12)
    root = tmp_path_factory.mktemp("likelihood")
    cfg = SamplingConfig(walkers=24, s1_runs=2, s1_steps=1500, burn_in=300, thin=5, keep_every=5,
                         s3_mu=(-0.5, 3.0), s3_windows=8, s3_steps=600, s3_burn_in=200, s3_thin=5,
                         s3_temperatures=(1.0,))
    s1 = sample_s1(teacher, root / "samples", cfg, progress=False)
    sample_s3(teacher, root / "samples", cfg, progress=False)
    result = train_likelihood(teacher, root / "samples", root / "bundle",
                              TrainConfig(hidden=(32, 32), n_points=20_000, max_epochs=80, patience=15, lr_patience=6,
                                          batch_size=128, threads=1, t_mu_points=6, name="likelihood_small",
                                          baseline="quadratic", profile_weight=1.0),
                              progress=False)
    return teacher, result, root, s1


def test_sampling_reports_convergence(trained):
    _, _, _, s1 = trained
    conv = s1["convergence"]
    assert conv["runs"] == 2 and conv["rhat_max"] < 1.1
    assert all(r > 10 for r in conv["length_over_tau"])


def test_bundle_card_describes_the_likelihood(trained):
    teacher, result, _, _ = trained
    bundle = ModelBundle.load(result["bundle"], family="likelihood")
    card = bundle.card
    assert card["schema_version"] == "1.2.0" and card["features"] == []
    assert [p["name"] for p in card["parameters"]] == teacher.parameter_names
    assert card["parameters"] == teacher.parameters()
    assert card["likelihood"]["poi"] == "mu"
    assert card["likelihood"]["workspace_sha256"] == teacher.sha256
    assert set(card["domain"]["ranges"]) == set(teacher.parameter_names)
    assert card["metrics"]["parity"]["logpdf_abs"] < 1e-3
    broken = dict(card)
    broken.pop("likelihood")
    with pytest.raises(CardSchemaError, match="likelihood"):
        validate_card(broken)


def test_surrogate_accuracy_on_held_out_points_and_t_mu(trained):
    """A 32×32 network (quadratic baseline) trained for ≤ 80 epochs on 14k points (this test's
    budget), measured on its test split and on t_μ against the exact pyhf likelihood: it reached
    MSE 3·10⁻⁴ and mean |Δt_μ| 0.03 in 100 epochs here; the thresholds leave a factor ~3."""
    _, result, _, _ = trained
    m = result["metrics"]
    assert m["test_mse_standardised"] < 1.5e-3
    assert m["t_mu"]["mean_abs_error"] < 0.1
    assert abs(m["t_mu"]["mu_hat_surrogate"] - m["t_mu"]["mu_hat_exact"]) < 0.1


def test_gradient_output_is_the_derivative_of_the_logpdf_output(trained):
    _, result, _, _ = trained
    s = LikelihoodSurrogate.load(result["bundle"])
    x = s.nominal()
    value, grad = s.evaluate(x[None])
    h = 1e-2
    fd = np.array([(s.logpdf((x + h * e)[None])[0] - s.logpdf((x - h * e)[None])[0]) / (2 * h)
                   for e in np.eye(len(x))])
    assert np.max(np.abs(fd - grad[0])) < 0.02 * max(1.0, np.max(np.abs(grad[0])))
    assert value[0] == pytest.approx(s.logpdf(x[None])[0], abs=1e-5)


def test_surrogate_refuses_bad_input(trained):
    _, result, _, _ = trained
    s = LikelihoodSurrogate.load(result["bundle"])
    x = s.nominal()[None].copy()
    x[0, 2] = np.nan
    with pytest.raises(NonFiniteFeatureError, match=s.parameter_names[2].replace("[", r"\[").replace("]", r"\]")):
        s.logpdf(x)
    with pytest.raises(InvalidArgumentError, match="expected rows of 12 parameters"):
        s.logpdf(np.zeros((2, 5)))
    from hepsurrogates.models.shipped import load_shipped

    with pytest.raises(CardMismatchError, match="expected family 'likelihood'"):
        LikelihoodSurrogate(load_shipped("ditau_mass"))
    assert s.log_posterior(np.r_[x[0, :s.poi_index], 99.0, x[0, s.poi_index + 1:]][None])[0] == -np.inf


def test_cli_profile_and_limit_on_the_bundle(trained, tmp_path):
    from hepsurrogates.models.likelihood.cli import limit, profile

    _, result, _, _ = trained
    out = tmp_path / "profile.json"
    summary = profile(bundle=result["bundle"], mu_low=0.0, mu_high=2.0, points=5, out=str(out))
    assert json.loads(out.read_text())["t_mu"] == summary["t_mu"]
    assert min(summary["t_mu"]) < 0.5 < max(summary["t_mu"])
    assert -2.0 <= summary["mu_hat"] <= 2.0
    lim = limit(bundle=result["bundle"], mu_high=4.0, points=20)
    assert 0.3 < lim["upper_limit"] < 4.0


def test_spey_backend_serves_the_bundle(trained):
    spey = pytest.importorskip("spey")
    from hepsurrogates.models.likelihood.profile import profile_scan

    _, result, _, _ = trained
    model = spey.get_backend("hepsurrogates.likelihood")(bundle=result["bundle"])
    s = LikelihoodSurrogate.load(result["bundle"])
    ours = profile_scan(s.logpdf, [1.0], s.nominal(), [tuple(b) for b in s.bounds], poi=s.poi_index,
                        gradient=s.gradient)
    assert model.chi2(poi_test=1.0) == pytest.approx(ours.t_mu[0], abs=0.02)
    with pytest.raises(InvalidArgumentError, match="no model of the counts"):
        model.backend.expected_data([1.0] * s.n_parameters)
