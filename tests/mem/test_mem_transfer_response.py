"""The b-jet energy response r of the Gaussian transfer function (mean r·E_gen)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate

from hepsurrogates.datasets.teachers.mem import transfer
from hepsurrogates.exceptions import InvalidArgumentError


def test_response_moves_the_mean_and_keeps_the_normalisation():
    e_gen, s, r = 100.0, 0.3, 0.871
    norm = integrate.quad(lambda x: transfer.gaussian_energy_tf(x, e_gen, s, r), -500, 700)[0]
    mean = integrate.quad(lambda x: x * transfer.gaussian_energy_tf(x, e_gen, s, r), -500, 700)[0]
    assert norm == pytest.approx(1.0, abs=1e-9)
    assert mean == pytest.approx(r * e_gen, rel=1e-9)
    # r = 1 is MoMEMta's centred Gaussian
    assert transfer.gaussian_energy_tf(100.0, 100.0, s, 1.0) == transfer.gaussian_energy_tf(100.0, 100.0, s)


def test_window_is_centred_on_the_unbiased_energy():
    lo, hi = transfer.integration_range(87.1, 0.3, 3.0, response=0.871)
    assert (lo + hi) / 2 == pytest.approx(100.0) and (hi - lo) / 2 == pytest.approx(90.0)
    with pytest.raises(InvalidArgumentError, match="response"):
        transfer.integration_range(87.1, 0.3, 3.0, response=0.0)


def test_calibrated_response_is_the_documented_measurement():
    assert transfer.BJET_RESPONSE == pytest.approx(0.871)
    assert np.isfinite(transfer.gaussian_energy_tf(50.0, 60.0, 0.3, transfer.BJET_RESPONSE))
