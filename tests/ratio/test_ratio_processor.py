"""The ratio family's attacher with the shipped bundles on the held-out SM demo sample: the closure of the
estimated ratio and score (E_SM[r̂] = 1, E_SM[t̂] = 0), the columns' meaning, and refused input."""

from __future__ import annotations

from importlib import resources

import awkward as ak
import numpy as np
import pytest

from hepsurrogates.exceptions import CardMismatchError, InvalidArgumentError
from hepsurrogates.models.shipped import load_shipped
from hepsurrogates.nanoio import open_events
from hepsurrogates.processors.base import SurrogateProcessor
from hepsurrogates.processors.ratio import RatioAttacher, attacher_from_options, ratio_field

pytestmark = pytest.mark.processing

DEMO = str(resources.files("hepsurrogates").joinpath("data", "demo", "dy_contact_demo.root"))
GRID = ((-0.01, 0.0), (0.01, 0.0), (0.0, -0.01), (0.0, 0.01), (0.005, 0.005))
#: the finite-difference step of the slope test (TeV⁻²)
H = 0.002
SLOPES = ((-H, 0.0), (H, 0.0), (0.0, -H), (0.0, H))


@pytest.fixture(scope="module")
def attached() -> dict[str, np.ndarray]:
    proc = SurrogateProcessor([attacher_from_options(thetas=GRID + SLOPES)])
    events, _ = proc.attach(open_events(DEMO, mode="eager"))
    return {f: ak.to_numpy(ak.fill_none(events.Surrogate[f], np.nan)).astype(np.float64)
            for f in events.Surrogate.fields}


def test_the_estimated_ratio_averages_to_one_under_the_sm(attached):
    """E_SM[r̂(x|θ, SM)] = 1 for every θ on held-out SM events (the demo sample: no training used it)."""
    for theta in GRID:
        log_r = attached[ratio_field(theta)]
        r = np.exp(log_r[np.isfinite(log_r)])
        assert len(r) > 500
        err = r.std() / np.sqrt(len(r))
        assert abs(r.mean() - 1.0) < 3 * err + 0.03, (theta, r.mean(), err)


def test_the_sally_score_averages_to_zero_under_the_sm(attached):
    for name in ("score_cLL", "score_cLR"):
        t = attached[name][np.isfinite(attached[name])]
        assert abs(t.mean()) < 3 * t.std() / np.sqrt(len(t)) + 0.05 * t.std(), (name, t.mean(), t.std())


def test_the_score_is_the_slope_of_the_log_ratio(attached):
    """∇_θ log r̂(x|θ, SM) at the SM (a central difference of the parameterised bundle) and SALLY's t̂(x|SM),
    trained separately, agree event by event (correlation) and in size (the slope of one on the other)."""
    for k, score in enumerate(("score_cLL", "score_cLR")):
        lo, hi = SLOPES[2 * k], SLOPES[2 * k + 1]
        slope = (attached[ratio_field(hi)] - attached[ratio_field(lo)]) / (2 * H)
        t = attached[score]
        ok = np.isfinite(slope) & np.isfinite(t)
        assert np.corrcoef(slope[ok], t[ok])[0, 1] > 0.8, score
        fit = np.polyfit(t[ok], slope[ok], 1)[0]
        assert 0.6 < fit < 1.6, (score, fit)


def test_domain_flags_and_selection(attached):
    has = np.isfinite(attached["score_cLL"])
    assert np.array_equal(has, np.isfinite(attached[ratio_field(GRID[0])]))
    assert attached["score_cLL_inDomain"][has].mean() > 0.95


def test_refused_input():
    ratio, sally = load_shipped("ratio_dycontact_alices"), load_shipped("ratio_dycontact_sally")
    with pytest.raises(InvalidArgumentError, match="distinct finite"):
        RatioAttacher(ratio, sally, thetas=[(0.0, 0.01), (0.0, 0.01)])
    with pytest.raises(InvalidArgumentError, match="at least one --theta"):
        RatioAttacher(ratio, sally, thetas=[])
    with pytest.raises(CardMismatchError, match="a sally bundle given where the ratio bundle is needed"):
        RatioAttacher(sally, sally)
    with pytest.raises(InvalidArgumentError, match="two ratio sally bundles"):
        attacher_from_options(bundles=(sally, sally))
    with pytest.raises(CardMismatchError, match="the ratio family needs family 'ratio'"):
        attacher_from_options(bundles=(load_shipped("ditau_mass"),))
