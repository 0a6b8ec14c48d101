"""The tempered profiled-maximum windows of S3 (training/likelihood/sampling.py): at inverse
temperature β the points sit at Δln L = (d − 1)/(2β) below the ridge of conditional maxima."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("emcee")
pytest.importorskip("iminuit")

from hepsurrogates.exceptions import InvalidArgumentError
from hepsurrogates.training.likelihood.sampling import SamplingConfig, load_sample, sample_s1, sample_s3

D = 8
MEAN = np.linspace(-0.3, 0.4, D)


class GaussianTeacher:
    """ln L = −|x − m|²/2 in D dimensions (μ = x₀): the conditional maximum at any μ is θ = m_θ, so
    the distance below the ridge of a point is |θ − m_θ|²/2 ~ χ²_{D−1}/(2β) at temperature β."""

    parameter_names = [f"p{i}" for i in range(D)]
    poi_index = 0

    def parameters(self) -> list[dict]:
        return [{"name": n, "range": [-6.0, 6.0]} for n in self.parameter_names]

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(x)
        return -0.5 * ((x - MEAN) ** 2).sum(axis=1)

    log_posterior = logpdf

    def nominal(self) -> np.ndarray:
        return np.zeros(D)


def test_tempered_windows_concentrate_on_the_ridge(tmp_path):
    teacher = GaussianTeacher()
    cfg = SamplingConfig(walkers=32, s1_runs=2, s1_steps=600, burn_in=200, thin=10, keep_every=10,
                         s3_mu=(-0.4, 0.4), s3_windows=3, s3_steps=1200, s3_burn_in=400, s3_thin=10,
                         s3_temperatures=(1.0, 16.0))
    sample_s1(teacher, tmp_path, cfg, progress=False)
    meta = sample_s3(teacher, tmp_path, cfg, progress=False)
    x, lp, _, _ = load_sample(tmp_path / "s3_profile.npz")
    per_block = meta["n_points"] // (cfg.s3_windows * len(cfg.s3_temperatures))
    assert per_block * cfg.s3_windows * len(cfg.s3_temperatures) == len(x)
    below = 0.5 * ((x[:, 1:] - MEAN[1:]) ** 2).sum(axis=1)
    np.testing.assert_allclose(lp, -0.5 * ((x - MEAN) ** 2).sum(axis=1), rtol=1e-5, atol=1e-5)
    blocks = below.reshape(cfg.s3_windows, len(cfg.s3_temperatures), per_block)
    for j, beta in enumerate(cfg.s3_temperatures):
        mean = blocks[:, j].mean()
        assert mean == pytest.approx((D - 1) / (2 * beta), rel=0.2), (beta, mean)
    # every window keeps its μ range at every temperature
    mu = x[:, 0].reshape(cfg.s3_windows, len(cfg.s3_temperatures), per_block)
    centres = np.linspace(-0.4, 0.4, 3)
    assert np.all(np.abs(mu - centres[:, None, None]) <= 0.2 + 1e-6)


def test_non_positive_temperature_is_refused(tmp_path):
    teacher = GaussianTeacher()
    cfg = SamplingConfig(walkers=16, s1_runs=1, s1_steps=100, burn_in=20, thin=10, keep_every=10,
                         s3_temperatures=(1.0, 0.0))
    sample_s1(teacher, tmp_path, cfg, progress=False)
    with pytest.raises(InvalidArgumentError, match="s3_temperatures"):
        sample_s3(teacher, tmp_path, cfg, progress=False)
