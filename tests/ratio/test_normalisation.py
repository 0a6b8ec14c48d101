"""The normalisation calibration of a ratio estimator: E_θ1[r̂_cal] = 1 on independent events, the shape in x
unchanged, and the calibrated graph exported with torch = onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hepsurrogates.exceptions import InvalidArgumentError  # noqa: E402
from hepsurrogates.models.ratio.toy import QuadraticToy  # noqa: E402
from hepsurrogates.training.export import export_bundle  # noqa: E402
from hepsurrogates.training.ratio.estimators import ParameterizedRatio, ratio_card, ratio_features  # noqa: E402
from hepsurrogates.training.ratio.normalisation import NormalisedRatio, fit_normalisation  # noqa: E402

TOY = QuadraticToy(n_params=2)
GRID = np.stack(np.meshgrid(np.linspace(-0.5, 0.5, 5), np.linspace(-0.5, 0.5, 5), indexing="ij"), -1).reshape(-1, 2)


@pytest.fixture(scope="module")
def model() -> ParameterizedRatio:
    """An untrained estimator: its E_θ1[r̂] is far from one, which the calibration must repair."""
    torch.manual_seed(3)
    return ParameterizedRatio(1, 2, (8,), "tanh", torch.zeros(3), torch.ones(3))


def test_the_calibrated_ratio_averages_to_one_on_independent_events(model):
    x_cal, _ = TOY.simulate([0.0, 0.0], 40_000, np.random.default_rng(1))
    x_new, _ = TOY.simulate([0.0, 0.0], 40_000, np.random.default_rng(2))
    p = np.full(len(x_cal), 1.0 / len(x_cal))
    a, c = fit_normalisation(lambda th: model.log_r(x_cal[:, None], th), p, GRID)
    assert np.abs(c).max() > 0.05  # the untrained network is visibly off
    cal = NormalisedRatio(model, a)
    for theta in ([0.3, -0.2], [-0.45, 0.1], [0.05, 0.4]):
        r = np.exp(cal.log_r(x_new[:, None], theta))
        raw = np.exp(model.log_r(x_new[:, None], theta))
        assert abs(r.mean() - 1.0) < 3 * r.std() / np.sqrt(len(r)) + 0.005, theta
        # the shape in x is the network's: the ratio of two events at one θ is unchanged
        np.testing.assert_allclose(r[:100] / r[100:200], raw[:100] / raw[100:200], rtol=1e-5)


def test_the_calibrated_graph_exports_with_parity(model, tmp_path):
    cal = NormalisedRatio(model, np.arange(6) * 0.01)
    x, _ = TOY.simulate([0.0, 0.0], 500, np.random.default_rng(4))
    feats = ratio_features(x, np.random.default_rng(5).uniform(-0.5, 0.5, (500, 2)), 2)
    card = ratio_card(cal, name="toy_normalised", method="alices", theta1=[0.0, 0.0], x_names=["x"],
                      parameter_names=["t1", "t2"], parameter_ranges=[[-1, 1], [-1, 1]], train_features=feats,
                      sample="toy", seed=1, metrics={})
    bundle = export_bundle(cal, card, tmp_path / "toy_normalised.onnx", feats)
    np.testing.assert_allclose(bundle.predict(feats), cal.log_r(x, feats[:, 1:]), atol=1e-5)
    np.testing.assert_allclose(cal.score(x[:3], [0.2, 0.1]), model.score(x[:3], [0.2, 0.1])
                               - np.array([0.01 + 2 * 0.03 * 0.2 + 0.04 * 0.1, 0.02 + 0.04 * 0.2 + 2 * 0.05 * 0.1]),
                               rtol=1e-4, atol=1e-6)


def test_bad_input(model):
    with pytest.raises(InvalidArgumentError, match="sum to one"):
        fit_normalisation(lambda th: np.zeros(3), np.ones(3), GRID)
    with pytest.raises(InvalidArgumentError, match="do not determine a quadratic"):
        fit_normalisation(lambda th: np.zeros(3), np.full(3, 1 / 3), GRID[:4])
    with pytest.raises(InvalidArgumentError, match="two-parameter"):
        NormalisedRatio(ParameterizedRatio(1, 1, (4,), "tanh", torch.zeros(2), torch.ones(2)), np.zeros(6))
