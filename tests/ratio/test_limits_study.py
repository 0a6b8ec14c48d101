"""Expected limits on dy_contact events with the shipped bundles: the information inequalities that hold
exactly on one weighted sample, the Asimov fit at the true point, and the verb's bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("pythia8mc")

from hepsurrogates.exceptions import InvalidArgumentError  # noqa: E402
from hepsurrogates.models.shipped import load_shipped  # noqa: E402
from hepsurrogates.training.ratio.data import load_contact_events  # noqa: E402
from hepsurrogates.training.ratio.limits_study import expected_limits, limits  # noqa: E402


@pytest.fixture(scope="module")
def study(dy_contact_filesets):
    events = load_contact_events(list(dy_contact_filesets.values()))
    return expected_limits(events, load_shipped("ratio_dycontact_alices"), load_shipped("ratio_dycontact_sally"),
                           lumi_fb=10.0, resolution=41, n_bins=4)


def test_no_histogram_holds_more_information_than_the_joint_score(study):
    """I_joint − I_hist is positive semi-definite on the same weighted events (Cauchy–Schwarz per bin)."""
    summary, _ = study
    joint = np.asarray(summary["fisher_information"]["joint_score"])
    for name in ("sally_histogram", "mll_cos_histogram"):
        gap = np.linalg.eigvalsh(joint - np.asarray(summary["fisher_information"][name]))
        assert gap.min() > -1e-6 * np.abs(joint).max(), name


def test_the_asimov_fit_finds_the_true_point(study):
    summary, scans = study
    for name, result in scans.items():
        assert np.allclose(result.theta_hat, 0.0, atol=0.00051), name  # one grid step
        m = summary["methods"][name]
        assert m["area_95"] > m["area_68"] > 0.0, name
        lo, hi = m["interval_cLL_68"]
        assert lo <= 0.0 <= hi and hi - lo >= 0.001, name


def test_the_verb_writes_json_and_plot_and_refuses_bad_input(dy_contact_filesets, tmp_path):
    out = limits(fileset=",".join(dy_contact_filesets.values()), lumi=5.0, resolution=11, bins=3, out=str(tmp_path))
    assert json.loads((tmp_path / "limits.json").read_text())["lumi_fb"] == 5.0 == out["lumi_fb"]
    assert (tmp_path / "limits.png").stat().st_size > 1000
    with pytest.raises(InvalidArgumentError, match="--theta-true must be two numbers"):
        limits(fileset=dy_contact_filesets["sm"], theta_true="0")
    with pytest.raises(InvalidArgumentError, match="--fileset needs"):
        limits()
