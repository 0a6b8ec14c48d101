"""Shared by the ratio tests: small dy_contact samples (the SM and one contact point on each axis), the
toy's MadMiner training sample, and one torch thread for the trainings."""

from __future__ import annotations

import numpy as np
import pytest

#: the toy training sample of test_estimators.py and test_ensemble_calibration.py
TOY_THETA1, TOY_N_TRAIN, TOY_SEED = 0.0, 20_000, 11

POINTS = {"sm": {}, "llm": {"eta_ll": -1.0}, "lrp": {"eta_lr": 1.0}}
N = 2000


@pytest.fixture(scope="session")
def dy_contact_filesets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    from hepsurrogates.datasets import generate  # the generation extra; not needed by the processing-only tests

    base = tmp_path_factory.mktemp("dy_contact")
    out = {}
    for k, (name, options) in enumerate(POINTS.items()):
        generate("dy_contact", N, seed=61 + k, out_dir=base / name, chunk_size=N, options={**options, "mpi": 0.0},
                 progress=False)
        out[name] = str(base / name / "fileset.json")
    return out




@pytest.fixture(scope="module")
def single_torch_thread():
    """One torch intra-op thread for a module's trainings (reproducible timings and results)."""
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def toy_ratio_sample():
    """MadMiner's ratio training sample on the toy: θ0 ~ U(−1, 1), θ1 = 0, 20 000 events, seed 11."""
    pytest.importorskip("torch")
    from hepsurrogates.models.ratio.toy import TOY
    from hepsurrogates.training.ratio.estimators import make_training_sample, uniform_prior

    return make_training_sample(TOY, uniform_prior(-1.0, 1.0), TOY_THETA1, TOY_N_TRAIN, np.random.default_rng(TOY_SEED))
