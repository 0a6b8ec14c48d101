"""The shipped di-tau bundle: a valid card, targets recorded, accuracy on held-out events.

The held-out events are the shipped demo samples (seeds 101 and 102), which no training used.
The thresholds hold with a margin for the shipped model; a broken feature, a wrong
preprocessing or a mismatched bundle moves them far off.
"""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest

from hepsurrogates.models.ditau.fastmtt import fastmtt_mass
from hepsurrogates.models.ditau.features import FEATURE_NAMES, ditau_inputs
from hepsurrogates.models.shipped import SHIPPED, load_shipped
from hepsurrogates.nanoio import open_events
from hepsurrogates.processors.demo import demo_fileset


@pytest.fixture(scope="module")
def shipped():
    return load_shipped("ditau_mass", family="ditau")


def _held_out(name: str):
    (path,) = demo_fileset()[name]["files"]
    events = open_events(path, mode="eager")
    inputs = ditau_inputs(events)
    valid = ak.to_numpy(inputs.valid)
    x = np.stack([ak.to_numpy(inputs.columns[n]) for n in FEATURE_NAMES], axis=1)[valid]
    legs = {f"{leg}_{k}": ak.to_numpy(inputs.legs[leg][k])[valid] for leg in ("leg1", "leg2")
            for k in ("pt", "eta", "phi", "mass", "hadronic")}
    met = events.MET
    fmtt = fastmtt_mass(
        *(legs[f"leg1_{k}"] for k in ("pt", "eta", "phi", "mass", "hadronic")),
        *(legs[f"leg2_{k}"] for k in ("pt", "eta", "phi", "mass", "hadronic")),
        ak.to_numpy(met.pt * np.cos(met.phi))[valid], ak.to_numpy(met.pt * np.sin(met.phi))[valid],
        ak.to_numpy(met.covXX)[valid], ak.to_numpy(met.covXY)[valid], ak.to_numpy(met.covYY)[valid])
    return events[valid], x, fmtt


def _res(pred, true):
    q16, q50, q84 = np.quantile(pred / true, [0.16, 0.5, 0.84])
    return 100 * 0.5 * (q84 - q16) / q50, q50


def test_every_shipped_bundle_loads_with_its_card():
    for name in SHIPPED:
        bundle = load_shipped(name)
        family = bundle.card["family"]
        # a per-event family trains with ``hepsurrogates train <family>``, a family with its own verbs
        # (likelihood) with ``hepsurrogates <family> train``
        expected = (f"hepsurrogates train {family} ", f"hepsurrogates {family} train ")
        assert bundle.card["training"]["command"].startswith(expected), (name, bundle.card["training"]["command"])
        assert bundle.card["training"]["code_revision"] != "unknown"


def test_card_records_the_targets(shipped):
    assert shipped.card["network"]["calibration"]["applied"] is True
    assert shipped.card["network"]["calibration"]["n_events"] > 4000
    m = shipped.card["metrics"]["independent_sample"]
    assert m["n_events"] > 20000
    assert m["m_ML"]["resolution_mean_100_800_percent"] < m["FastMTT"]["resolution_mean_100_800_percent"]
    assert m["m_ML"]["max_abs_median_response_deviation_70_800"] <= 0.03


def test_better_than_fastmtt_on_held_out_higgs_events(shipped):
    events, x, fmtt = _held_out("htautau")
    true = ak.to_numpy(events.Teacher.mTauTau)
    pred = shipped.predict(x)
    sel = (true >= 100) & (true <= 800)
    r_ml, med_ml = _res(pred[sel], true[sel])
    r_fm, _ = _res(fmtt[sel], true[sel])
    assert sel.sum() > 300
    assert r_ml < r_fm, (r_ml, r_fm)
    assert abs(med_ml - 1.0) < 0.03
    # no mass range is left behind: median response within 8 % in 175 GeV wide bins
    for lo in (100, 275, 450, 625):
        b = (true >= lo) & (true < lo + 175)
        assert abs(np.median(pred[b] / true[b]) - 1.0) < 0.08, lo


def test_z_tautau_peak_on_held_out_drell_yan(shipped):
    events, x, _ = _held_out("dy_ll")
    lhe = events.LHEPart
    tautau = ak.to_numpy(ak.sum((abs(lhe.pdgId) == 15) & (lhe.status == 1), axis=1) == 2)
    pred = shipped.predict(x)[tautau]
    assert tautau.sum() > 50
    assert 80.0 < np.median(pred) < 105.0
