"""The FastSim processor: oversampling, draws reproducible per event, and the shipped samplers' accuracy
on the held-out demo sample against the full simulation of the same events."""

from __future__ import annotations

from importlib import resources

import awkward as ak
import numpy as np
import pytest

from hepsurrogates.exceptions import InvalidArgumentError
from hepsurrogates.models.fastsim.features import RECO_NAMES, derived_features, gen_inputs, reco_targets
from hepsurrogates.models.shipped import load_shipped
from hepsurrogates.nanoio import open_events
from hepsurrogates.processors.fastsim import FastSimAttacher, FastSimProcessor

pytestmark = pytest.mark.processing

DEMO = str(resources.files("hepsurrogates").joinpath("data", "demo", "wjets_munu_demo.root"))


@pytest.fixture(scope="module")
def flow():
    return load_shipped("fastsim_wjets_flow", family="fastsim")


def _attach(bundle, events, **kw):
    out, _ = FastSimProcessor(bundle, **kw).attach(events)
    return out


def test_oversampling_gives_k_draws_and_draw_zero_is_the_single_draw(flow):
    events = open_events(DEMO, mode="eager")
    one = _attach(flow, events)
    three = _attach(flow, events, oversample=3)
    valid = ak.to_numpy(gen_inputs(events).valid)
    assert np.array_equal(ak.to_numpy(ak.num(three.FastSimMuon)), np.where(valid, 3, 0))
    assert ak.all(three.FastSimMuon.draw[valid] == ak.Array([[0, 1, 2]] * int(valid.sum())))
    first = three.FastSimMuon.pt[valid][:, 0]
    assert ak.all(first == one.FastSimMuon.pt[valid][:, 0])  # counter-based: draw 0 does not depend on K
    assert not ak.all(three.FastSimMuon.pt[valid][:, 1] == first)
    frac = ak.to_numpy(ak.fill_none(three.Surrogate.fastsimPass, np.nan))
    assert np.all(np.isnan(frac[~valid])) and set(np.unique(frac[valid])) <= {0.0, 1 / 3, 2 / 3, 1.0}
    other = _attach(flow, events, fastsim_seed=1)
    assert not ak.all(other.FastSimMuon.pt[valid][:, 0] == first)  # another seed, another sample


def test_draws_do_not_depend_on_the_chunking(flow):
    events = open_events(DEMO, mode="eager")
    whole = _attach(flow, events)
    parts = [_attach(flow, events[a:b]) for a, b in ((0, 777), (777, 2000))]  # two chunks of one file
    for field in ("pt", "eta", "phi"):
        joined = ak.to_numpy(ak.flatten(ak.concatenate([p.FastSimJet[field] for p in parts])))
        alone = ak.to_numpy(ak.flatten(whole.FastSimJet[field]))
        # the same noise, so the same values; onnxruntime's batched float32 kernels may round one
        # value in a thousand differently with another batch size (one unit in the last place)
        assert np.allclose(joined, alone, rtol=1e-6, atol=1e-6) and np.mean(joined == alone) > 0.99, field


def test_bad_options_are_refused(flow):
    with pytest.raises(InvalidArgumentError, match="oversample"):
        FastSimAttacher(flow, oversample=0)
    with pytest.raises(InvalidArgumentError, match="fastsim_seed"):
        FastSimAttacher(flow, fastsim_seed=-2)


@pytest.mark.parametrize("name", ["fastsim_wjets_flow", "fastsim_wjets_gauss"])
def test_shipped_sampler_reproduces_the_full_simulation_on_held_out_events(name):
    """The demo sample (seed 105) was used by no training: FastSim against the detector on the
    same gen events (both conditional on the muon and the jet being reconstructed)."""
    bundle = load_shipped(name, family="fastsim")
    events = open_events(DEMO, mode="eager")
    fast = _attach(bundle, events, oversample=4)
    gen = gen_inputs(events)
    reco, found = reco_targets(events, gen)
    found = ak.to_numpy(found)
    full = derived_features(np.stack([ak.to_numpy(reco[n]) for n in RECO_NAMES], axis=1)[found])
    g = derived_features(np.stack([ak.to_numpy(gen.columns[f"gen_{n}"]) for n in RECO_NAMES], axis=1)[found])
    mu = fast.FastSimMuon[found]
    jet = fast.FastSimJet[found]
    # muon: the percent-level response and resolution of the detector's muon model
    r_full = full["muon_pt"] / g["muon_pt"]
    r_fast = ak.to_numpy(ak.flatten(mu.pt / g["muon_pt"]))
    assert abs(np.median(r_fast) - np.median(r_full)) < 0.003
    iqr = lambda r: np.subtract(*np.quantile(r, [0.75, 0.25]))  # noqa: E731
    if name.endswith("flow"):
        assert abs(iqr(r_fast) / iqr(r_full) - 1) < 0.15
    else:
        # the published product of Gaussians draws p_x, p_y, p_z independently: only part of the noise
        # lies along the momentum, so its p_T resolution is narrower than the detector's (a radial
        # smearing) -- the correlation the flow captures (its conditional C2ST: the card's metrics)
        assert iqr(r_fast) / iqr(r_full) < 0.95
    # jet: response and resolution of the jet energy scale
    j_full, j_fast = full["jet_pt"] / g["jet_pt"], ak.to_numpy(ak.flatten(jet.pt / g["jet_pt"]))
    assert abs(np.median(j_fast) - np.median(j_full)) < 0.02
    if name.endswith("flow"):
        assert abs(iqr(j_fast) / iqr(j_full) - 1) < 0.15
    else:  # the same: the jet energy is smeared along the jet, the Gaussian model smears each component
        assert iqr(j_fast) / iqr(j_full) < 0.95
    # MET: its resolution (the unclustered and pile-up terms)
    met_full = full["met_pt"]
    met_fast = ak.to_numpy(ak.flatten(fast.FastSimMET.pt[found]))
    assert abs(np.median(met_fast) / np.median(met_full) - 1) < 0.06
    # the published selection: the fraction of events passing, within 3 sigma of the full simulation's
    frac = ak.to_numpy(fast.Surrogate.fastsimPass[found])
    from hepsurrogates.models.fastsim.features import passes_selection

    p_full = passes_selection(full).mean()
    assert abs(frac.mean() - p_full) < 3 * np.sqrt(p_full * (1 - p_full) / found.sum()) + 0.01
