"""The ratio family's training path on small dy_contact samples (the ``dy_contact_filesets`` fixture of
conftest.py): the mixture of generated points, its cross sections against Pythia's, the joint quantities'
identities, and a tiny training to bundles."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("pythia8mc")

from hepsurrogates.exceptions import InvalidArgumentError, MissingBranchError  # noqa: E402
from hepsurrogates.models.bundle import ModelBundle  # noqa: E402
from hepsurrogates.training.ratio.data import grid_prior, load_contact_events  # noqa: E402
from hepsurrogates.training.ratio.train import RatioTrainConfig, train_from_options, train_ratio  # noqa: E402

N = 2000  # events per point of the dy_contact_filesets fixture


def test_the_mixture_reproduces_each_points_selected_cross_section(dy_contact_filesets):
    """σ_sel(θ_s) from the mixture of all points equals Pythia's σ_s times the selected fraction of
    sample s alone (independent estimates: the mixture uses every sample's events)."""
    filesets = dy_contact_filesets
    events = load_contact_events(list(filesets.values()))
    for d in events.datasets.values():
        direct = d["xsec_pb"] * d["selected"] / d["n_events"]
        err = direct / np.sqrt(d["selected"])
        assert events.cross_section(d["theta"])[0] == pytest.approx(direct, abs=4 * err), d
    # the contact points have measurably more events above 400 GeV than the SM
    sigma = {name: events.cross_section(d["theta"])[0] for name, d in zip(filesets, events.datasets.values())}
    assert sigma["llm"] > 2 * sigma["sm"] and sigma["lrp"] > 2 * sigma["sm"]


def test_the_joint_score_averages_to_zero_and_the_ratio_to_one(dy_contact_filesets):
    events = load_contact_events(list(dy_contact_filesets.values()))
    z = np.arange(len(events.x))
    for theta in ([0.0, 0.0], [-0.03, 0.01], [0.02, 0.04]):
        mean_t, _ = events.expectation(events.t_xz(z, theta), theta)
        np.testing.assert_allclose(mean_t, 0.0, atol=1e-8)
        mean_r, _ = events.expectation(np.exp(events.log_r_xz(z, [0.01, -0.02], theta)), theta)
        assert mean_r == pytest.approx(1.0, rel=1e-10)


def test_resampling_follows_the_morphed_density(dy_contact_filesets):
    """Events resampled at a contact point from the mixture have that point's m_ll spectrum: harder than
    the SM's (mean m_ll of the c_LL = -0.04 sample generated directly, within errors)."""
    filesets = dy_contact_filesets
    events = load_contact_events(list(filesets.values()))
    rng = np.random.default_rng(3)
    x_sm, _ = events.simulate([0.0, 0.0], 20_000, rng)
    x_llm, _ = events.simulate([-0.04, 0.0], 20_000, rng)
    alone = load_contact_events([filesets["llm"]])
    direct = alone.x[:, 0]
    assert x_llm[:, 0].mean() > x_sm[:, 0].mean() + 30.0
    assert x_llm[:, 0].mean() == pytest.approx(direct.mean(), abs=4 * direct.std() / np.sqrt(len(direct)) + 5.0)


def test_a_tiny_training_writes_both_bundles(dy_contact_filesets, tmp_path):
    specs = [{"sample": "dy_contact", "events": N, "seed": 0, "fileset": fs} for fs in dy_contact_filesets.values()]
    cfg = RatioTrainConfig.from_dict({"name": "ratio_tiny", "train_draws": 4000, "sally_draws": 3000, "epochs": 2,
                                      "theta0_points": 20, "hidden": [16], "threads": 1, "train_data": specs})
    summary = train_ratio(cfg, tmp_path, progress=False)
    ratio = ModelBundle.load(tmp_path / "ratio_tiny_alices.onnx")
    sally = ModelBundle.load(tmp_path / "ratio_tiny_sally.onnx")
    assert ratio.feature_names == ["mll", "cosThetaCS", "yll", "cLL", "cLR"]
    assert sally.feature_names == ["mll", "cosThetaCS", "yll"] and sally.card["outputs"][0]["unit"] == "1/(TeV^-2)"
    metrics = summary["metrics"]
    assert len(metrics["closure_r"]) == 6 and metrics["holdout_events"] > 100
    np.testing.assert_allclose(metrics["mean_score_joint"]["value"], 0.0, atol=1e-8)
    joint = np.array(metrics["fisher_per_pb_joint"])
    assert np.all(np.linalg.eigvalsh(joint) > 0.0)  # positive definite: both parameters are measurable
    assert json.loads((tmp_path / "ratio_tiny.train.json").read_text())["name"] == "ratio_tiny"
    assert Path(tmp_path / "reports" / "ratio_tiny" / "metrics.json").is_file()


def test_bad_input(dy_contact_filesets, tmp_path):
    with pytest.raises(InvalidArgumentError, match="ratio_method must be a parameterised method"):
        RatioTrainConfig.from_dict({"ratio_method": "sally"})
    with pytest.raises(InvalidArgumentError, match="--data is not used"):
        train_from_options(data=["x.json"])
    other = tmp_path / "fs.json"
    other.write_text(json.dumps({"dy_ll": {"files": {"a.root": "Events"}, "metadata": {"sample": "dy_ll"}}}))
    with pytest.raises(InvalidArgumentError, match="expected a 'hepsurrogates generate dy_contact' dataset"):
        load_contact_events([str(other)])
    plain = tmp_path / "plain.json"
    src = json.loads(Path(dy_contact_filesets["sm"]).read_text())
    (name,) = src
    src[name]["files"] = {str(Path(__file__).resolve().parents[2] / "hepsurrogates" / "data" / "demo"
                              / "wjets_munu_demo.root"): "Events"}
    plain.write_text(json.dumps(src))
    with pytest.raises(MissingBranchError, match="Teacher_msq_cLL0_cLR0"):
        load_contact_events([str(plain)])
    prior = grid_prior(-1.0, 1.0, 5, 1)
    assert len(np.unique(prior(1000, np.random.default_rng(1)), axis=0)) == 5
