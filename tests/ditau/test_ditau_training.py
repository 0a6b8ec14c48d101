"""Training pieces: losses, weights, split, configuration, and a small end-to-end training."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hepsurrogates.exceptions import InvalidArgumentError, MissingInputFileError  # noqa: E402
from hepsurrogates.models.bundle import ModelBundle  # noqa: E402
from hepsurrogates.training.ditau.losses import boundary_weights, mape, mape_sqrt  # noqa: E402
from hepsurrogates.training.ditau.train import DiTauTrainConfig, flattening_weights, train_ditau  # noqa: E402
from hepsurrogates.training.fit import split_indices  # noqa: E402


def test_mirrored_boundary_weights():
    target = torch.tensor([100.0, 900.0, 990.0, 60.0, 400.0])
    pred = torch.tensor([100.0, 960.0, 995.0, 55.0, 400.0])
    # 900 -> 960: prediction - truth (60) >= M_max - prediction (40): weight 0
    # 990 -> 995: 5 < 5? no (5 >= 5 is true): weight 0
    # 60 -> 55: truth - prediction (5) >= prediction - M_min (5): weight 0.1
    w = boundary_weights(pred, target, 50.0, 1000.0)
    assert w.tolist() == [1.0, 0.0, 0.0, pytest.approx(0.1), 1.0]


def test_loss_values():
    target = torch.tensor([100.0, 400.0])
    pred = torch.tensor([110.0, 380.0])
    assert float(mape(pred, target, mirrored=False)) == pytest.approx(0.5 * (0.1 + 0.05))
    assert float(mape_sqrt(pred, target, mirrored=False)) == pytest.approx(0.5 * (10 / 10 + 20 / 20))
    w = torch.tensor([3.0, 1.0])
    assert float(mape(pred, target, w, mirrored=False)) == pytest.approx((3 * 0.1 + 0.05) / 4)


def test_flattening_weights_make_the_spectrum_flat():
    rng = np.random.default_rng(0)
    mass = np.concatenate([rng.uniform(50, 1000, 20000), rng.uniform(50, 200, 20000)])
    w = flattening_weights(mass, 50.0, 1000.0, 10.0)
    counts, _ = np.histogram(mass, bins=np.arange(50, 1001, 10), weights=w)
    assert counts.std() / counts.mean() < 1e-9
    assert w.mean() == pytest.approx(1.0)


def test_split_is_70_20_10_and_reproducible():
    a = split_indices(1000, (0.7, 0.2, 0.1), seed=3)
    b = split_indices(1000, (0.7, 0.2, 0.1), seed=3)
    assert [len(x) for x in a] == [700, 200, 100]
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert len(np.unique(np.concatenate(a))) == 1000
    with pytest.raises(ValueError):
        split_indices(10, (0.5, 0.2, 0.1), seed=1)


def test_config_errors(tmp_path):
    with pytest.raises(InvalidArgumentError, match="unknown config keys"):
        DiTauTrainConfig.from_dict({"hiden": [3]})
    with pytest.raises(InvalidArgumentError, match="loss"):
        DiTauTrainConfig.from_dict({"loss": "mse"})
    with pytest.raises(InvalidArgumentError, match="split"):
        DiTauTrainConfig.from_dict({"split": [0.8, 0.3, 0.1]})
    with pytest.raises(MissingInputFileError):
        DiTauTrainConfig.from_json(tmp_path / "missing.json")
    good = tmp_path / "c.json"
    good.write_text(json.dumps({"hidden": [8], "train_data": {"sample": "htautau", "events": 10, "seed": 1}}))
    assert DiTauTrainConfig.from_json(good).hidden == [8]


@pytest.fixture(scope="module")
def small_training(tmp_path_factory, htautau_sample, dy_sample):
    cfg = DiTauTrainConfig.from_dict({
        "name": "ditau_small", "hidden": [32, 32], "batch_size": 128, "max_epochs": 60, "patience": 15,
        "threads": 1, "seed": 5,
        "train_data": {"sample": "htautau", "events": 2000, "seed": 11, "fileset": str(htautau_sample.fileset)},
        "eval_data": None,
        "z_data": {"sample": "dy_ll", "events": 1600, "seed": 12, "fileset": str(dy_sample.fileset)},
    })
    out = tmp_path_factory.mktemp("train")
    result = train_ditau(cfg, out, samples_dir=out / "samples", progress=False, command="pytest")
    return cfg, out, result


def test_small_training_learns(small_training):
    cfg, out, result = small_training
    h = result.history
    assert h.val_loss[h.best_epoch] < 0.6 * h.val_loss[0]
    m = result.metrics["test_split"]
    # a useful estimator: median response near 1 and resolution far better than "no information"
    assert abs(m["m_ML"]["median_response_overall"] - 1.0) < 0.15
    assert m["m_ML"]["resolution_overall_100_800_percent"] < 45.0
    assert "z_tautau_peak" in result.metrics
    # ~100 validation events: too few for a median-response calibration, which is skipped and recorded
    card = ModelBundle.load(result.bundle_path).card
    assert card["network"]["calibration"]["applied"] is False
    assert "calibration_min_events" in card["network"]["calibration"]["reason"]


def test_training_writes_bundle_card_and_report(small_training):
    cfg, out, result = small_training
    bundle = ModelBundle.load(out / "ditau_small.onnx", family="ditau")
    card = bundle.card
    assert card["network"]["hidden"] == [32, 32] and card["training"]["seed"] == 5
    assert card["training"]["command"] == "pytest" and card["training"]["n_events"] > 300
    assert card["metrics"]["test_split"]["m_ML"]["resolution_overall_100_800_percent"] == pytest.approx(
        result.metrics["test_split"]["m_ML"]["resolution_overall_100_800_percent"])
    report = out / "reports" / "ditau_small"
    for name in (
        "response_vs_mass.png",
        "resolution_vs_mass.png",
        "mass_2d_m_ML.png",
        "z_peak.png",
        "loss.png",
        "metrics.json",
    ):
        assert (report / name).stat().st_size > 1000, name
    metrics = json.loads((report / "metrics.json").read_text())
    assert metrics["history"]["best_epoch"] == result.history.best_epoch


def test_training_is_reproducible(small_training, tmp_path, htautau_sample):
    cfg, out, result = small_training
    again = train_ditau(cfg, tmp_path, samples_dir=tmp_path / "samples", progress=False, command="pytest")
    a = ModelBundle.load(out / "ditau_small.onnx")
    b = ModelBundle.load(again.bundle_path)
    assert a.card["sha256"] == b.card["sha256"]


def test_piecewise_linear_is_interpolation_with_linear_ends():
    from hepsurrogates.training.ditau.calibration import PiecewiseLinear

    xk = np.array([10.0, 20.0, 40.0, 80.0])
    yk = np.array([12.0, 21.0, 45.0, 70.0])
    module = PiecewiseLinear(xk, yk)
    x = np.array([0.0, 10.0, 15.0, 30.0, 79.0, 100.0])
    got = module(torch.tensor(x, dtype=torch.float32)[:, None]).squeeze(-1).numpy()
    expected = np.interp(x, xk, yk)
    expected[0] = 12.0 + (0.0 - 10.0) * (21.0 - 12.0) / 10.0
    expected[-1] = 70.0 + (100.0 - 80.0) * (70.0 - 45.0) / 40.0
    assert np.allclose(got, expected, rtol=1e-6)


def test_response_calibration_restores_unit_median_response():
    """A regression pulled towards the middle of its range (median response 1.08 at the low edge,
    0.92 at the high edge) is calibrated on one sample and checked on an independent one."""
    from hepsurrogates.training.ditau.calibration import fit_response_calibration

    def biased(seed):
        rng = np.random.default_rng(seed)
        y = rng.uniform(50, 1000, 60000)
        response = 1.08 - 0.16 * (y - 50) / 950
        return y, y * response * np.exp(0.2 * rng.standard_normal(len(y)))

    y_fit, p_fit = biased(1)
    calibration = fit_response_calibration(p_fit, y_fit, 50.0, 1000.0)
    y, p = biased(2)
    cal = calibration.apply(p)
    for lo in range(70, 800, 73):
        b = (y >= lo) & (y < lo + 73)
        assert abs(np.median(p[b] / y[b]) - 1.0) > 0.02 or lo > 300  # the bias is real at the edges
        assert abs(np.median(cal[b] / y[b]) - 1.0) < 0.015, lo
    # the exported module applies the same map
    from hepsurrogates.training.ditau.calibration import PiecewiseLinear

    module = PiecewiseLinear(calibration.x_knots, calibration.y_knots)
    got = module(torch.tensor(p[:1000], dtype=torch.float32)[:, None]).squeeze(-1).numpy()
    assert np.allclose(got, cal[:1000], rtol=1e-4)
