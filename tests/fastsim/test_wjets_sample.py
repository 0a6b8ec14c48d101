"""The ``wjets_munu`` sample (W → μν + jet): hard process, W line shape and detector closure."""

from __future__ import annotations

import awkward as ak
import numpy as np
import pytest
from stat_tools import fit_gaussian_core

from hepsurrogates.datasets import generate, open_events
from hepsurrogates.datasets.detector import resolution as res
from hepsurrogates.datasets.samples import get_sample
from hepsurrogates.exceptions import InvalidArgumentError

N_EVENTS = 400
M_W, GAMMA_W = 80.385, 2.085  # Pythia 8's default W mass and width, GeV


@pytest.fixture(scope="module")
def wjets(tmp_path_factory):
    r = generate("wjets_munu", N_EVENTS, seed=21, out_dir=tmp_path_factory.mktemp("wjets"), workers=1,
                 chunk_size=N_EVENTS, progress=False)
    return open_events(r.files[0])


def test_hard_process_is_w_to_munu_plus_one_parton(wjets):
    lhe = wjets.LHEPart
    out = lhe[lhe.status == 1]
    n_mu = ak.sum(abs(out.pdgId) == 13, axis=1)
    n_nu = ak.sum(abs(out.pdgId) == 14, axis=1)
    n_parton = ak.sum((abs(out.pdgId) <= 5) | (out.pdgId == 21), axis=1)
    assert ak.all(n_mu == 1) and ak.all(n_nu == 1) and ak.all(n_parton == 1)
    # charge conservation in W decay: mu- with nu_mu-bar, mu+ with nu_mu
    mu_id = ak.to_numpy(ak.flatten(out.pdgId[abs(out.pdgId) == 13]))
    nu_id = ak.to_numpy(ak.flatten(out.pdgId[abs(out.pdgId) == 14]))
    assert np.all(np.sign(mu_id) == -np.sign(nu_id))
    # W+ outnumbers W- at the LHC (u-valence dominance): mu+ has pdgId -13
    assert 1.1 < np.sum(mu_id < 0) / np.sum(mu_id > 0) < 2.5
    parton_pt = ak.to_numpy(ak.flatten(out.pt[(abs(out.pdgId) <= 5) | (out.pdgId == 21)]))
    assert parton_pt.min() > 19.0  # PhaseSpace:pTHatMin = jet_pt_min = 20 GeV


def test_w_line_shape(wjets):
    """Teacher_mW follows the Breit–Wigner: median at M_W, interquartile range ≈ Γ_W."""
    m = ak.to_numpy(wjets.Teacher.mW).astype(np.float64)
    assert abs(np.median(m) - M_W) < 0.5
    q25, q75 = np.quantile(m, [0.25, 0.75])
    assert 0.6 * GAMMA_W < q75 - q25 < 1.6 * GAMMA_W


def test_genmet_is_the_neutrino_and_reco_closes(wjets):
    gen = wjets.GenPart
    hard_nu = gen[(abs(gen.pdgId) == 14) & gen.hasFlags(["fromHardProcess", "isLastCopy"])]
    assert ak.all(ak.num(hard_nu) == 1)
    nu = hard_nu[:, 0]
    # GenMET is the sum of all neutrinos: the W's alone in most events (others come from hadron decays)
    assert np.median(np.abs(ak.to_numpy(wjets.GenMET.pt - nu.pt))) < 0.5
    mu = wjets.Muon[wjets.Muon.genPartIdx >= 0]
    gen_pt, gen_eta = (ak.to_numpy(ak.flatten(x)).astype(np.float64) for x in (mu.matched_gen.pt, mu.matched_gen.eta))
    pull = (ak.to_numpy(ak.flatten(mu.pt)) / gen_pt - 1.0) / res.muon_pt_resolution(gen_pt, gen_eta)
    assert len(pull) > 150
    _, width, _, err = fit_gaussian_core(pull, -3.0, 3.0)
    assert abs(width - 1.0) < 3.0 * err
    # the reco MET follows the neutrino within the unclustered resolution (σ ≈ 13–28 GeV per component)
    dx = ak.to_numpy(wjets.MET.pt * np.cos(wjets.MET.phi) - nu.px)
    assert 5.0 < np.std(dx) < 40.0 and abs(np.median(dx)) < 5.0


def test_jet_threshold_option_is_checked():
    spec = get_sample("wjets_munu")
    with pytest.raises(InvalidArgumentError, match="jet_pt_min"):
        spec.pythia_settings(spec.resolve_options({"jet_pt_min": 1.0}))
    assert "PhaseSpace:pTHatMin = 50" in spec.pythia_settings(spec.resolve_options({"jet_pt_min": 50.0}))


def test_a_detector_replica_smears_the_same_events_again(tmp_path):
    """--detector-replica: the same Pythia events (gen level identical), an independent detector."""
    import json

    import uproot

    a = generate("wjets_munu", 80, seed=23, out_dir=tmp_path, workers=1, chunk_size=80, progress=False)
    b = generate("wjets_munu", 80, seed=23, out_dir=tmp_path, workers=1, chunk_size=80, progress=False,
                 detector_replica=1)
    assert b.files[0].name == "wjets_munu_23_r1_0000.root"
    assert sorted(json.loads(a.fileset.read_text())) == ["wjets_munu", "wjets_munu_r1"]
    ta, tb = uproot.open(a.files[0])["Events"], uproot.open(b.files[0])["Events"]
    for branch in ("event", "GenPart_pt", "GenPart_pdgId", "GenJet_pt", "GenMET_pt"):
        assert ak.all(ta[branch].array() == tb[branch].array()), branch
    met_a, met_b = ta["MET_pt"].array(library="np"), tb["MET_pt"].array(library="np")
    assert not np.allclose(met_a, met_b)  # another smearing
    assert abs(np.mean(met_a) - np.mean(met_b)) < 0.3 * np.std(met_a)  # of the same detector
    with pytest.raises(InvalidArgumentError, match="detector replica"):
        generate("wjets_munu", 10, seed=23, out_dir=tmp_path, detector_replica=-1, progress=False)
