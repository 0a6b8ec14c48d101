"""The fastsim models: losses, the samplers' ONNX export, the flow's inverse, and a tiny training end to end."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("zuko")

from hepsurrogates.models.bundle import ModelBundle  # noqa: E402
from hepsurrogates.training.fastsim.data import load_fastsim_dataset  # noqa: E402
from hepsurrogates.training.fastsim.models import (  # noqa: E402
    QUANTILE,
    FlowModel,
    FlowSampler,
    GaussianModel,
    GaussianSampler,
    ResidualFrame,
    gaussian_loss,
)
from hepsurrogates.training.fastsim.train import FastSimTrainConfig, _frame, train_sampler  # noqa: E402
from hepsurrogates.training.fit import split_indices  # noqa: E402

DEMO = str(resources.files("hepsurrogates").joinpath("data", "demo", "wjets_munu_demo.root"))


@pytest.fixture(scope="module")
def demo_data():
    return load_fastsim_dataset([DEMO], progress=False)


def test_dataset_pairs_gen_and_reco(demo_data):
    assert len(demo_data) > 500 and 0.8 < demo_data.efficiency < 0.98
    r = demo_data.y - demo_data.x
    assert abs(np.median(r[:, 0])) < 0.2 and np.std(r[:, 0]) < 3.0  # muon px: percent-level resolution
    assert np.std(r[:, 7]) > 5.0  # MET x: the unclustered and pile-up terms smear it by ~10-20 GeV


def test_quantile_head_learns_the_one_sigma_quantile():
    """On t ~ N(0, 1) the location head tends to 0 and the quantile head to q_0.841 = 1."""
    torch.manual_seed(0)
    t = torch.randn(4000, 9)
    pred = torch.zeros(1, 18, requires_grad=True)
    opt = torch.optim.Adam([pred], lr=0.05)
    for _ in range(400):
        opt.zero_grad()
        gaussian_loss(pred.expand(4000, 18), t, torch.ones(4000)).backward()
        opt.step()
    mu, q = pred.detach()[0, :9], pred.detach()[0, 9:]
    assert torch.all(mu.abs() < 0.06) and torch.all((q - 1.0).abs() < 0.08), (mu, q)
    assert QUANTILE == pytest.approx(0.841)


def _frame_of(n: int = 9) -> ResidualFrame:
    return ResidualFrame(torch.zeros(n), torch.ones(n) * 30, torch.zeros(n), torch.ones(n) * 2)


def test_gaussian_sampler_is_location_plus_width_times_noise():
    model = GaussianModel(_frame_of(), hidden=(16,))
    sampler = GaussianSampler(model).eval()
    x = torch.randn(50, 9) * 30
    with torch.no_grad():
        pred = model(x)
        mu, sigma = pred[:, :9], (pred[:, 9:] - pred[:, :9]).abs()
        for eps in (torch.zeros(50, 9), torch.ones(50, 9) * 1.5):
            y = sampler(torch.cat([x, eps], 1))
            assert torch.allclose(y, x + 2.0 * (mu + sigma * eps), atol=1e-5)


@pytest.mark.parametrize("passes", [None, 2])  # autoregressive, and the shipped coupling transforms
def test_flow_sampler_inverts_the_density_transform(passes):
    torch.manual_seed(1)
    model = FlowModel(_frame_of(), transforms=2, hidden=(16, 16), bins=4, passes=passes)
    sampler = FlowSampler(model).eval()
    x = torch.randn(64, 9) * 30
    eps = torch.randn(64, 9)
    with torch.no_grad():
        y = sampler(torch.cat([x, eps], 1))
        t = model.frame.residual(x, y)
        back = model.flow(model.frame.condition(x)).transform(t)
    assert torch.allclose(back, eps, atol=1e-4)


@pytest.mark.parametrize("kind", ["gaussian", "flow"])
def test_tiny_training_exports_a_sampler_onnxruntime_runs(kind, demo_data, tmp_path):
    from hepsurrogates.models.fastsim.features import GEN_NAMES, NOISE_NAMES
    from hepsurrogates.training.export import export_bundle

    i_tr, i_va, _ = split_indices(len(demo_data), (0.8 - 1e-9, 0.2, 1e-9), 3)
    cfg = FastSimTrainConfig(model=kind, hidden=[32, 32], transforms=2, bins=4, max_epochs=8, threads=1)
    sampler, history, n_params = train_sampler(cfg, demo_data.subset(i_tr), demo_data.subset(i_va), progress=False)
    assert history.val_loss[-1] < history.val_loss[0] and n_params > 1000  # it learned something
    names = [*GEN_NAMES, *NOISE_NAMES]
    card = {"schema_version": "1.1.0", "family": "fastsim", "name": f"tiny_{kind}", "version": "0.0.1",
            "inputs": {"name": "features", "width": 18, "dtype": "float32"},
            "features": [{"name": n, "unit": ""} for n in names],
            "outputs": [{"name": "reco", "unit": "GeV", "description": "reco 9-vector"}], "parameters": [],
            "network": {"hidden": [32, 32], "activation": "relu", "preprocessing": "residual frame"},
            "training": {"sample": "wjets_munu", "seed": 3, "n_events": len(i_tr), "code_revision": "x"},
            "metrics": {}, "domain": {"quantiles": [0, 1], "ranges": {n: [-1e9, 1e9] for n in names}, "source": "t"},
            "sha256": "0" * 64}
    rng = np.random.default_rng(0)
    check = np.concatenate([demo_data.x[:256], rng.normal(size=(256, 9)).astype(np.float32)], axis=1)
    bundle = export_bundle(sampler, card, tmp_path / f"tiny_{kind}.onnx", check_inputs=check)  # parity checked
    again = ModelBundle.load(tmp_path / f"tiny_{kind}.onnx", family="fastsim")
    out = again.predict(check)
    assert out.shape == (256, 9) and np.all(np.isfinite(out))
    with torch.no_grad():
        ref = sampler(torch.as_tensor(check)).numpy()
    assert np.max(np.abs(out - ref) / np.maximum(1.0, np.abs(ref))) < 1e-4
    assert bundle.feature_names == names


def test_residual_frame_round_trip(demo_data):
    frame = _frame(demo_data.x, demo_data.y)
    x, y = torch.as_tensor(demo_data.x[:100]), torch.as_tensor(demo_data.y[:100])
    t = frame.residual(x, y)
    assert torch.allclose(frame.reco(x, t), y, atol=1e-3)
    full = frame.residual(torch.as_tensor(demo_data.x), torch.as_tensor(demo_data.y))
    assert torch.all((full.mean(0)).abs() < 0.2) and torch.all((full.std(0) - 1).abs() < 0.2)


def test_config_refuses_an_unknown_model():
    from hepsurrogates.exceptions import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="model must be one of"):
        FastSimTrainConfig.from_dict({"model": "gan"})
    with pytest.raises(InvalidArgumentError, match="unknown config keys"):
        FastSimTrainConfig.from_dict({"epochs": 3})
