"""The fastsim inputs: counter-based noise (reproducible per object) and the W + jet feature definition."""

from __future__ import annotations

from importlib import resources

import awkward as ak
import dask_awkward as dak
import numpy as np
import pytest
from scipy import stats

from hepsurrogates.models.fastsim.features import (
    GEN_NAMES,
    RECO_NAMES,
    derived_features,
    gen_inputs,
    missing_branches,
    passes_selection,
    reco_targets,
)
from hepsurrogates.models.fastsim.noise import NOISE_LIMIT, counter_normal, counter_uniform
from hepsurrogates.nanoio import open_events

pytestmark = pytest.mark.processing

DEMO = str(resources.files("hepsurrogates").joinpath("data", "demo", "wjets_munu_demo.root"))


def _ids(n: int, start: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.ones(n, np.uint32), np.full(n, 3, np.uint32), np.arange(start, start + n, dtype=np.uint64)


def test_noise_is_standard_normal_and_independent():
    e = counter_normal(*_ids(100_000), draw=0, width=9)
    assert np.all(np.abs(e.mean(axis=0)) < 5 * 1 / np.sqrt(1e5))
    assert np.all(np.abs(e.std(axis=0) - 1) < 0.01)
    assert stats.kstest(e[:, 4], "norm").pvalue > 1e-3
    corr = np.corrcoef(e.T)[np.triu_indices(9, 1)]
    assert np.max(np.abs(corr)) < 0.015  # components uncorrelated (5 sigma at n = 1e5 is 0.016)
    other = counter_normal(*_ids(100_000), draw=1, width=9)
    assert abs(np.corrcoef(e[:, 0], other[:, 0])[0, 1]) < 0.015  # draws uncorrelated
    assert np.max(np.abs(e)) <= NOISE_LIMIT


def test_noise_is_a_function_of_the_object_not_of_the_chunk():
    run, lumi, event = _ids(1000)
    whole = counter_normal(run, lumi, event, draw=2, width=9, seed=7)
    part = counter_normal(run[300:700], lumi[300:700], event[300:700], draw=2, width=9, seed=7)
    shuffled = np.random.default_rng(0).permutation(1000)
    assert np.array_equal(whole[300:700], part)
    assert np.array_equal(whole[shuffled], counter_normal(run[shuffled], lumi[shuffled], event[shuffled], 2, 9, 7))
    assert not np.allclose(whole, counter_normal(run, lumi, event, draw=2, width=9, seed=8))  # another seed
    assert not np.allclose(whole, counter_normal(run, lumi + 1, event, draw=2, width=9, seed=7))  # another lumi
    u = counter_uniform(run, lumi, event, draw=0, width=4)
    assert u.min() >= 0.0 and u.max() < 1.0


@pytest.fixture(scope="module")
def demo():
    return open_events(DEMO, mode="eager")


def test_gen_inputs_pick_the_w_muon_and_a_clean_jet(demo):
    gen = gen_inputs(demo)
    valid = ak.to_numpy(gen.valid)
    assert 0.3 < valid.mean() < 0.8
    x = np.stack([ak.to_numpy(gen.columns[n]) for n in GEN_NAMES], axis=1)[valid]
    d = derived_features(x)
    lhe = demo.LHEPart[valid]
    hard_mu = ak.firsts(lhe[(lhe.status == 1) & (abs(lhe.pdgId) == 13)])
    hard = {k: ak.to_numpy(ak.fill_none(hard_mu[k], np.nan)) for k in ("eta", "phi", "pdgId")}
    # the prompt last-copy muon is the hard-process muon after the shower (ISR recoil moves it by
    # ~0.1 in (eta, phi), QED radiation lowers its pT): same charge, close direction
    dr = np.hypot(d["muon_eta"] - hard["eta"],
                  (d["muon_phi"] - hard["phi"] + np.pi) % (2 * np.pi) - np.pi)
    assert np.mean(dr < 0.5) > 0.97 and np.median(dr) < 0.15
    assert np.array_equal(ak.to_numpy(gen.charge)[valid], -np.sign(hard["pdgId"]))
    assert np.all(d["dr_muon_jet"] > 0.4) and np.all(d["jet_pt"] > 20.0) and np.all(d["muon_pt"] > 15.0)
    # the gen-level M_T(mu, GenMET) has its Jacobian peak just below m_W
    assert 55.0 < np.median(d["mt"]) < 80.0 and np.quantile(d["mt"], 0.95) < 95.0
    charge = ak.to_numpy(gen.charge)[valid]
    assert set(np.unique(charge)) == {-1, 1} and 1.1 < np.mean(charge > 0) / np.mean(charge < 0) < 2.5  # W+ > W-
    assert not np.any(x[:, :6][~np.isfinite(x[:, :6])])


def test_reco_targets_are_the_reconstructed_partners(demo):
    gen = gen_inputs(demo)
    reco, found = reco_targets(demo, gen)
    found = ak.to_numpy(found)
    valid = ak.to_numpy(gen.valid)
    assert np.all(valid[found]) and 0.8 < found.sum() / valid.sum() < 0.98  # muon eff 0.95 x jet eff
    x = np.stack([ak.to_numpy(gen.columns[n]) for n in GEN_NAMES], axis=1)[found]
    y = np.stack([ak.to_numpy(reco[n]) for n in RECO_NAMES], axis=1)[found]
    dg, dr = derived_features(x), derived_features(y)
    response = dr["muon_pt"] / dg["muon_pt"]
    assert abs(np.median(response) - 1.0) < 0.005 and 0.005 < np.std(response[np.abs(response - 1) < 0.2]) < 0.05
    assert np.median(np.abs(dr["muon_eta"] - dg["muon_eta"])) < 0.002


def test_derived_features_and_selection():
    row = np.array([[30.0, 0.0, 0.0, -50.0, 0.0, 0.0, np.log(5.0), -30.0, 0.0]])
    d = derived_features(row)
    assert d["muon_pt"][0] == 30.0 and d["jet_pt"][0] == 50.0 and d["muon_eta"][0] == 0.0
    assert np.isclose(d["mt"][0], 60.0) and np.isclose(d["st"][0], 110.0) and np.isclose(d["jet_mass"][0], 5.0)
    assert np.isclose(d["dr_muon_jet"][0], np.pi) and passes_selection(d)[0]
    soft = row.copy()
    soft[0, 3] = -29.0  # jet pT below 30 GeV
    assert not passes_selection(derived_features(soft))[0]


def test_inputs_eager_equal_dask_and_read_only_gen_branches(demo):
    eager = gen_inputs(demo)
    lazy = gen_inputs(open_events(DEMO, mode="dask"))
    (read,) = dak.necessary_columns(lazy.columns["gen_met_x"] + lazy.columns["gen_jet_px"]).values()
    assert {b for b in read if not b.startswith("n")} <= set(GEN_BRANCHES_READ)
    for n in GEN_NAMES:
        assert np.array_equal(ak.to_numpy(eager.columns[n]), ak.to_numpy(lazy.columns[n].compute())), n
    assert missing_branches(demo) == [] and missing_branches(demo, reco=True) == []


GEN_BRANCHES_READ = ("GenPart_pt", "GenPart_eta", "GenPart_phi", "GenPart_pdgId", "GenPart_statusFlags",
                     "GenJet_pt", "GenJet_eta", "GenJet_phi", "GenJet_mass", "GenMET_pt", "GenMET_phi")
