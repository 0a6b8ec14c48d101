"""MadMiner's estimators on the ratio toy against its exact log r(x|θ, θ1) and t(x|θ): the losses'
minimisers and label convention, the training sample, every method trained tiny, SALLY, and the
ONNX export of one estimator."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hepsurrogates.exceptions import InvalidArgumentError  # noqa: E402
from hepsurrogates.models.bundle import validate_card  # noqa: E402
from hepsurrogates.models.ratio.toy import TOY  # noqa: E402
from hepsurrogates.training.export import export_bundle, torch_onnx_max_deviation  # noqa: E402
from hepsurrogates.training.ratio.estimators import (  # noqa: E402
    LocalScore,
    ParameterizedRatio,
    RatioConfig,
    make_local_sample,
    ratio_card,
    ratio_features,
    train_estimator,
)
from hepsurrogates.training.ratio.losses import METHODS, method_loss, sally_loss  # noqa: E402

THETA1 = 0.0
#: the numerator points of the held-out evaluation
GRID = np.linspace(-1.0, 1.0, 9)
N_TRAIN = 20_000
CONFIG = RatioConfig(hidden=(64, 64), epochs=40, batch_size=128, learning_rate=1e-3, final_learning_rate=1e-4, seed=1,
                     threads=1)
#: MSE of log r̂ against the exact log r(x|θ, θ1) on the held-out x and GRID: the thresholds, set
#: with margin above the values measured (in the comments) with CONFIG and N_TRAIN
#: (measured here: seed 1 on the sample below; in brackets the range over training seeds 2, 3 and a
#: second sample; the trivial predictor log r̂ = 0 has 0.645)
MSE_THRESHOLD = {
    "carl": 0.05,  # 0.0247 [0.020, 0.025]
    "rolr": 0.025,  # 0.0114 [0.0089, 0.0121]
    "rascal": 0.015,  # 0.0057 [0.0052, 0.0071]
    "alice": 0.025,  # 0.0110 [0.0086, 0.0115]
    "alices": 0.008,  # 0.0033 [0.0027, 0.0040]
    "cascal": 0.015,  # 0.0065 [0.0058, 0.0075]
}
#: the score-term methods and their base methods: the MSE ratio measured was 0.50–0.59 (RASCAL/ROLR),
#: 0.24–0.40 (ALICES/ALICE), 0.26–0.37 (CASCAL/CARL) over the six runs above
SCORE_TERM_BASE = {"rascal": "rolr", "alices": "alice", "cascal": "carl"}
#: the same for SALLY's t̂(x|θ1) against the exact t(x|θ1)
SALLY_THRESHOLD = 0.004  # 0.0014 [0.0013, 0.0015]; the variance of the exact t(x|θ1) is 2.38


pytestmark = pytest.mark.usefixtures("single_torch_thread")


@pytest.fixture(scope="module")
def sample(toy_ratio_sample):
    """The toy's training sample (conftest.py: θ0 ~ U(−1, 1), θ1 = THETA1, N_TRAIN events, seed 11)."""
    return toy_ratio_sample


@pytest.fixture(scope="module")
def held_out():
    x, _ = TOY.simulate(THETA1, 4000, np.random.default_rng(12))
    exact = np.stack([TOY.log_r_x(x, t, THETA1) for t in GRID])
    return x[:, None], exact


@pytest.fixture(scope="module")
def trained(sample):
    """Each method trained once on the same sample (lazily, so that a test selection trains what it uses)."""
    cache: dict[str, tuple] = {}

    def get(method: str):
        if method not in cache:
            cache[method] = train_estimator(method, *sample, config=CONFIG)
        return cache[method]

    return get


def _mse(model: ParameterizedRatio, held_out) -> float:
    x, exact = held_out
    pred = np.stack([model.log_r(x, t) for t in GRID])
    return float(np.mean((pred - exact) ** 2))


def test_training_sample_follows_madminer(sample):
    x, theta, y, r_xz, t_xz = sample
    assert x.shape == (N_TRAIN, 1) and theta.shape == (N_TRAIN, 1) and t_xz.shape == (N_TRAIN, 1)
    assert y.sum() == N_TRAIN // 2 and set(np.unique(y)) == {0.0, 1.0}
    assert theta.min() >= -1.0 and theta.max() <= 1.0 and np.all(r_xz > 0)
    # y = 1 events come from θ1: E_{θ1}[r(x,z|θ0,θ1)] = 1; y = 0 events from θ0: E_{θ0}[1/r] = 1, E_{θ0}[t_xz] = 0
    ones, zeros = y == 1, y == 0
    for values in (r_xz[ones], 1.0 / r_xz[zeros], 1.0 + t_xz[zeros, 0]):
        assert abs(values.mean() - 1.0) < 4 * values.std() / np.sqrt(len(values))
    # y = 1 events were not drawn at θ0: their joint score at θ0 points back to θ1 (measured: −0.35)
    assert np.corrcoef(theta[ones, 0] - THETA1, t_xz[ones, 0])[0, 1] < -0.2


def test_exact_log_ratio_minimises_the_losses(sample):
    """Shifting the exact log r(x|θ0, θ1) raises every loss: the label convention y = 0 ↔ θ0, r = p0/p1."""
    x, theta, y, r_xz, t_xz = (torch.as_tensor(a, dtype=torch.float64) for a in sample)
    exact = torch.as_tensor(TOY.log_r_x(sample.x[:, 0], sample.theta, THETA1))
    exact_t = torch.as_tensor(TOY.t_x(sample.x[:, 0], sample.theta))
    for method in ("carl", "rolr", "alice", "rascal", "cascal", "alices"):
        at = float(method_loss(method, exact, exact_t, y, r_xz, t_xz))
        for shift in (-0.3, 0.3):
            assert at < float(method_loss(method, exact + shift, exact_t, y, r_xz, t_xz)), (method, shift)
        if method in ("rascal", "cascal", "alices"):
            assert at < float(method_loss(method, exact, exact_t * 1.3, y, r_xz, t_xz)), method
    assert float(sally_loss(exact_t, t_xz)) < float(sally_loss(exact_t + 0.2, t_xz))


@pytest.mark.parametrize("method", [m for m in METHODS if m != "sally"])
def test_estimator_learns_the_exact_log_ratio(method, trained, held_out):
    model, history = trained(method)
    mse = _mse(model, held_out)
    trivial = float(np.mean(held_out[1] ** 2))  # the predictor log r̂ = 0
    assert mse < MSE_THRESHOLD[method], (method, mse)
    assert mse < 0.1 * trivial, (method, mse, trivial)
    assert history.seconds < 20.0 and len(history.val_loss) == CONFIG.epochs


@pytest.mark.parametrize("method", sorted(SCORE_TERM_BASE))
def test_score_term_improves_on_its_base_method(method, trained, held_out):
    """At equal budget (same sample, network, epochs), adding α·score term cuts the MSE of log r̂."""
    base = SCORE_TERM_BASE[method]
    assert _mse(trained(method)[0], held_out) < 0.8 * _mse(trained(base)[0], held_out)


def test_sally_learns_the_exact_score():
    x, t_xz = make_local_sample(TOY, THETA1, N_TRAIN, np.random.default_rng(13))
    model, _ = train_estimator("sally", x, t_xz=t_xz, config=CONFIG)
    assert isinstance(model, LocalScore)
    x_test, _ = TOY.simulate(THETA1, 4000, np.random.default_rng(14))
    exact = TOY.t_x(x_test, THETA1)
    mse = float(np.mean((model.score(x_test[:, None]) - exact) ** 2))
    assert mse < SALLY_THRESHOLD and mse < 0.05 * float(np.var(exact)), mse


def test_score_is_the_gradient_of_the_log_ratio(trained):
    model, _ = trained("alices")
    x = np.linspace(-0.2, 1.2, 50)
    h = 1e-2
    fd = (model.log_r(x, 0.3 + h) - model.log_r(x, 0.3 - h)) / (2 * h)
    assert np.allclose(model.score(x, 0.3)[:, 0], fd, atol=2e-3)


def test_export_to_a_bundle_with_parity(trained, sample, held_out, tmp_path):
    model, history = trained("alices")
    features = ratio_features(sample.x, sample.theta)
    card = ratio_card(model, name="ratio_toy_alices", method="alices", theta1=THETA1, x_names=["x"],
                      parameter_names=["theta"], parameter_ranges=[[-1.0, 1.0]], train_features=features,
                      sample=f"QuadraticToy() make_training_sample, {N_TRAIN} events, seed 11", seed=CONFIG.seed,
                      metrics={"mse_log_r": _mse(model, held_out)}, config=CONFIG, code_revision="test")
    validate_card(card)
    bundle = export_bundle(model, card, tmp_path / "ratio_toy_alices.onnx", check_inputs=features[:2048])
    assert bundle.family == "ratio" and bundle.feature_names == ["x", "theta"] and bundle.output_names == ["log_r"]
    grid_inputs = ratio_features(np.repeat(held_out[0][:200], 3, axis=0), np.tile([-1.0, 0.0, 1.0], 200)[:, None])
    assert torch_onnx_max_deviation(model, bundle, grid_inputs) < 1e-4
    assert np.allclose(bundle.predict(grid_inputs), model.log_r(grid_inputs[:, :1], grid_inputs[:, 1:]), atol=1e-4)


def test_bad_input_raises(sample):
    with pytest.raises(InvalidArgumentError, match="unknown method"):
        train_estimator("nde", *sample)
    with pytest.raises(InvalidArgumentError, match="r_xz"):
        train_estimator("rolr", sample.x, sample.theta, sample.y, None, sample.t_xz)
    with pytest.raises(InvalidArgumentError, match="t_xz"):
        train_estimator("cascal", sample.x, sample.theta, sample.y, sample.r_xz, None)
    with pytest.raises(InvalidArgumentError, match="rows"):
        train_estimator("carl", sample.x, sample.theta[:-1], sample.y)
    with pytest.raises(InvalidArgumentError, match="labels"):
        train_estimator("carl", sample.x, sample.theta, sample.y + 0.5)
    with pytest.raises(InvalidArgumentError, match="needs"):
        method_loss("alice", torch.zeros(3), None, torch.zeros(3), None, None)
