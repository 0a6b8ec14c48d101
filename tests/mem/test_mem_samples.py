"""Physics checks of the MEM-family samples: dileptonic tt̄ and the 2HDM H → Z A → ℓℓ b b̄.

Small samples (300 tt̄, 2 × 150 H → ZA events, one process each) keep the file fast; every
assertion is a physics number with a tolerance a wrong setting would break (a τ channel, a
wrong width, a mis-paired decay chain, a teacher column from the showered record).
"""

from __future__ import annotations

import doctest
import importlib

import awkward as ak
import numpy as np
import pytest
import uproot
from scipy import stats
from stat_tools import binomial_pull

from hepsurrogates.constants import GAMMA_TOP, GAMMA_W, M_TOP, M_W, M_Z, SQRT_S_13TEV
from hepsurrogates.datasets import generate, get_sample, load_fileset, open_events
from hepsurrogates.datasets.detector.resolution import BTAG_MEDIUM_WP
from hepsurrogates.datasets.samples.hza_llbb import BW_CUTOFF, PUBLISHED_POINTS
from hepsurrogates.exceptions import InvalidArgumentError

TTBAR_EVENTS = 300
HZA_EVENTS = 150


@pytest.fixture(scope="module")
def ttbar(tmp_path_factory: pytest.TempPathFactory):
    """300 tt̄ → bℓν b̄ℓν events in one file (with MPI)."""
    out = tmp_path_factory.mktemp("ttbar")
    result = generate("ttbar_dilepton", TTBAR_EVENTS, seed=21, out_dir=out, workers=1,
                      chunk_size=TTBAR_EVENTS, progress=False)
    return result, open_events(result.files[0])


@pytest.fixture(scope="module", params=PUBLISHED_POINTS, ids=lambda p: f"mH{p[0]:g}-mA{p[1]:g}")
def hza(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """150 H → ZA → ℓℓbb̄ events at one of the two published (M_H, M_A) points."""
    m_h, m_a = request.param
    out = tmp_path_factory.mktemp("hza")
    result = generate("hza_llbb", HZA_EVENTS, seed=31, out_dir=out, workers=1, chunk_size=HZA_EVENTS,
                      options={"mH": m_h, "mA": m_a}, progress=False)
    return m_h, m_a, result, open_events(result.files[0])


def _p4(teacher, *names: str) -> np.ndarray:
    """Summed four-momentum (E, px, py, pz) of Teacher particles, shape (4, n_events)."""
    return np.stack([
        sum(ak.to_numpy(teacher[f"{n}_{c}"]).astype(np.float64) for n in names) for c in ("e", "px", "py", "pz")
    ])


def _mass(teacher, *names: str) -> np.ndarray:
    e, px, py, pz = _p4(teacher, *names)
    return np.sqrt(np.maximum(e * e - px * px - py * py - pz * pz, 0.0))


def _iqr(x: np.ndarray) -> float:
    """Interquartile range: for a Breit–Wigner (Cauchy) line shape it equals the width Γ."""
    q1, q3 = np.quantile(x, [0.25, 0.75])
    return float(q3 - q1)


@pytest.mark.parametrize("name", ["hepsurrogates.datasets.samples.hard_process",
                                  "hepsurrogates.datasets.pythia_run"])
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0


# --- tt̄ dilepton ----------------------------------------------------------------------------

def test_ttbar_two_opposite_charge_light_leptons_from_w(ttbar):
    _, ev = ttbar
    gp = ev.GenPart
    hard = gp[gp.hasFlags(["isHardProcess"])]
    leptons = hard[(abs(hard.pdgId) == 11) | (abs(hard.pdgId) == 13)]
    assert ak.all(ak.num(leptons) == 2)
    assert ak.all(abs(leptons.parent.pdgId) == 24)
    assert ak.all(ak.sum(np.sign(leptons.pdgId), axis=1) == 0)
    assert not ak.any(abs(hard.pdgId) == 15)  # W -> tau nu is off
    # the teacher's leptons are these: l+ from the W+, l- from the W-
    lp, lm = ak.to_numpy(ev.Teacher.lplus_pdgId), ak.to_numpy(ev.Teacher.lminus_pdgId)
    assert set(lp) <= {-11, -13} and set(lm) <= {11, 13}
    # equal W -> e nu and mu nu: ee : mumu : emu = 1 : 1 : 2
    n = len(lp)
    assert abs(binomial_pull(int(np.sum(abs(lp) != abs(lm))), n, 0.5)) < 4.0
    assert abs(binomial_pull(int(np.sum((lp == -11) & (lm == 11))), n, 0.25)) < 4.0


def test_ttbar_truth_masses_peak_at_w_and_top(ttbar):
    _, ev = ttbar
    t = ev.Teacher
    m_w = np.concatenate([_mass(t, "lplus", "nu"), _mass(t, "lminus", "nubar")])
    m_t = np.concatenate([_mass(t, "b", "lplus", "nu"), _mass(t, "bbar", "lminus", "nubar")])
    assert abs(np.median(m_w) - M_W) < 1.0, np.median(m_w)
    assert abs(np.median(m_t) - M_TOP) < 1.5, np.median(m_t)
    # Breit-Wigner line shapes with the forced widths (IQR = Gamma; about 10 % statistical)
    assert 0.7 < _iqr(m_w) / GAMMA_W < 1.4, _iqr(m_w)
    assert 0.7 < _iqr(m_t) / GAMMA_TOP < 1.4, _iqr(m_t)


def test_ttbar_parton_level_closes(ttbar):
    """t = b + l+ + nu exactly; the six decay products carry the incoming partons' x1, x2."""
    _, ev = ttbar
    t = ev.Teacher
    for mother, children in (("top", ("b", "lplus", "nu")), ("antitop", ("bbar", "lminus", "nubar")),
                             ("Wplus", ("lplus", "nu")), ("Wminus", ("lminus", "nubar"))):
        assert np.allclose(_p4(t, mother), _p4(t, *children), rtol=0, atol=1e-6 * np.max(_p4(t, mother)[0]))
    e, px, py, pz = _p4(t, "b", "bbar", "lplus", "lminus", "nu", "nubar")
    x1, x2 = ak.to_numpy(t.x1), ak.to_numpy(t.x2)
    half = 0.5 * SQRT_S_13TEV
    assert np.allclose(e, (x1 + x2) * half, rtol=1e-6)
    assert np.allclose(pz, (x1 - x2) * half, rtol=1e-6, atol=1e-6 * e.max())
    assert np.max(np.hypot(px, py)) < 1e-6 * e.max()  # no ISR in the hard-process record
    # same numbers as the file's Generator_* and LHEPart (float32)
    assert np.allclose(x1, ak.to_numpy(ev.Generator.x1), rtol=1e-6)
    lhe_top = ak.firsts(ev.LHEPart[ev.LHEPart.pdgId == 6])
    assert np.allclose(ak.to_numpy(lhe_top.mass), _mass(t, "top"), rtol=1e-5)
    assert np.allclose(ak.to_numpy(lhe_top.pt), np.hypot(*_p4(t, "top")[1:3]), rtol=1e-5)


def test_ttbar_initial_state(ttbar):
    """gg or q qbar (q = d ... b) at LO; gg is about 87 % at 13 TeV with NNPDF2.3 LO."""
    result, ev = ttbar
    id1, id2 = ak.to_numpy(ev.Teacher.id1), ak.to_numpy(ev.Teacher.id2)
    gg = (id1 == 21) & (id2 == 21)
    qq = (id1 == -id2) & (np.abs(id1) >= 1) & (np.abs(id1) <= 5)
    assert np.all(gg | qq)
    assert 0.80 < gg.mean() < 0.94, gg.mean()
    # sigma(tt) x (2 x 10.8 %)^2 at LO: about 23 pb; a tau channel would make it 2.25 times larger
    assert 15.0 < result.sigma_gen_pb < 32.0, result.sigma_gen_pb
    assert load_fileset(result.fileset)["ttbar_dilepton"]["metadata"]["xsec_pb"] > 0


def test_ttbar_reco_jets_btag_and_met(ttbar):
    _, ev = ttbar
    assert np.mean(ak.num(ev.GenJet) >= 2) > 0.95 and np.mean(ak.num(ev.Jet) >= 2) > 0.95
    t, jets = ev.Teacher, ev.Jet

    def near(name: str):
        _, px, py, pz = _p4(t, name)
        pt = np.hypot(px, py)
        dphi = (jets.phi - np.arctan2(py, px) + np.pi) % (2 * np.pi) - np.pi
        return np.hypot(jets.eta - np.arcsinh(pz / pt), dphi) < 0.4

    b_matched = near("b") | near("bbar")
    score_b = ak.to_numpy(ak.flatten(jets.btagDeepFlavB[b_matched]))
    score_other = ak.to_numpy(ak.flatten(jets.btagDeepFlavB[~b_matched]))
    assert len(score_b) > 300 and len(score_other) > 300
    assert np.median(score_b) > BTAG_MEDIUM_WP > np.median(score_other)
    auc = stats.mannwhitneyu(score_b, score_other).statistic / (len(score_b) * len(score_other))
    assert auc > 0.7, auc
    # MET follows the two neutrinos of the W decays (r is 0.8-0.9 per component)
    _, nu_x, nu_y, _ = _p4(t, "nu", "nubar")
    met_pt, met_phi = ak.to_numpy(ev.MET.pt), ak.to_numpy(ev.MET.phi)
    assert np.corrcoef(nu_x, met_pt * np.cos(met_phi))[0, 1] > 0.7
    assert np.corrcoef(nu_y, met_pt * np.sin(met_phi))[0, 1] > 0.7
    assert 0.8 < np.median(met_pt / np.hypot(nu_x, nu_y)) < 1.5


# --- H -> Z A -> ll bb ---------------------------------------------------------------------------

def test_hza_truth_masses(hza):
    m_h, m_a, result, ev = hza
    t = ev.Teacher
    m_ll, m_bb = _mass(t, "lplus", "lminus"), _mass(t, "b", "bbar")
    m_llbb = _mass(t, "lplus", "lminus", "b", "bbar")
    assert abs(np.median(m_ll) / M_Z - 1.0) < 0.01, np.median(m_ll)
    assert abs(np.median(m_bb) / m_a - 1.0) < 0.01, np.median(m_bb)
    assert abs(np.median(m_llbb) / m_h - 1.0) < 0.01, np.median(m_llbb)
    # narrow A: the b bbar line shape has the forced width 1 % m_A and stays in m_A +- 15 Gamma
    width_a = 0.01 * m_a
    assert 0.6 < _iqr(m_bb) / width_a < 1.5, _iqr(m_bb)
    assert np.all(np.abs(m_bb - m_a) <= BW_CUTOFF * width_a * (1 + 1e-6))
    assert np.all(np.abs(m_llbb - m_h) <= BW_CUTOFF * 0.01 * m_h * (1 + 1e-6))
    # the generated-mass columns are those of the decay products
    assert np.allclose(ak.to_numpy(t.mA), m_bb, rtol=1e-7)
    assert np.allclose(ak.to_numpy(t.mH), m_llbb, rtol=1e-7)
    assert np.allclose(_p4(t, "H"), _p4(t, "Z", "A"), rtol=0, atol=1e-6 * np.max(_p4(t, "H")[0]))
    assert load_fileset(result.fileset)["hza_llbb"]["metadata"]["options"]["mA"] == m_a


def test_hza_decay_chain_in_the_file(hza):
    """Pythia produced gg -> H -> Z A, Z -> ee/mumu, A -> b bbar in every event."""
    _, _, result, ev = hza
    lhe = ev.LHEPart
    for pdg in (35, 23, 36, 5, -5):
        assert ak.all(ak.sum(lhe.pdgId == pdg, axis=1) == 1), pdg
    assert ak.all(ak.sum((lhe.status == -1) & (lhe.pdgId == 21), axis=1) == 2)  # gg -> H only
    gp = ev.GenPart
    assert ak.all(ak.sum((gp.pdgId == 35) & gp.hasFlags(["isHardProcess"]), axis=1) == 1)
    higgs = gp[(gp.pdgId == 35) & gp.hasFlags(["isLastCopy"])]  # after the ISR recoil copies
    assert ak.all(ak.num(higgs) == 1)
    kids = ak.sort(ak.flatten(higgs.children.pdgId, axis=2), axis=1)
    assert ak.all(ak.num(kids) == 2) and ak.all((kids[:, 0] == 23) & (kids[:, 1] == 36))
    lm = ak.to_numpy(ev.Teacher.lminus_pdgId)
    assert set(lm) <= {11, 13}
    assert abs(binomial_pull(int(np.sum(lm == 11)), len(lm), 0.5)) < 4.0
    assert np.all(ak.to_numpy(ev.Teacher.id1) == 21) and np.all(ak.to_numpy(ev.Teacher.id2) == 21)
    assert np.mean(ak.num(ev.Jet) >= 2) > 0.9
    assert load_fileset(result.fileset)["hza_llbb"]["metadata"]["xsec_pb"] is None


@pytest.mark.parametrize("options", [
    {"mH": 200.0, "mA": 120.0},  # mA >= mH - mZ
    {"mH": 261.40, "mA": 261.40 - M_Z},  # exactly at threshold
    {"mH": 150.0, "mA": 10.0},  # mA below the allowed range
    {"rel_width_A": 0.0},
    {"rel_width_H": 0.2},
])
def test_hza_invalid_options_raise(tmp_path, options):
    with pytest.raises(InvalidArgumentError, match="hza_llbb needs"):
        generate("hza_llbb", 10, seed=1, out_dir=tmp_path / "out", options=options, progress=False)
    assert not (tmp_path / "out").exists()
    spec = get_sample("hza_llbb")
    with pytest.raises(InvalidArgumentError):
        spec.pythia_settings(spec.resolve_options(options))


# --- determinism ----------------------------------------------------------------------------------

def test_fixed_seed_reproduces_the_sample(tmp_path):
    kw = {"workers": 1, "chunk_size": 40, "progress": False, "options": {"mpi": 0.0}}
    a = generate("ttbar_dilepton", 40, seed=5, out_dir=tmp_path / "a", **kw)
    b = generate("ttbar_dilepton", 40, seed=5, out_dir=tmp_path / "b", **kw)
    c = generate("ttbar_dilepton", 40, seed=6, out_dir=tmp_path / "c", **kw)
    with uproot.open(a.files[0]) as ua, uproot.open(b.files[0]) as ub, uproot.open(c.files[0]) as uc:
        ta, tb, tc = ua["Events"], ub["Events"], uc["Events"]
        assert ta.keys() == tb.keys() and "Teacher_top_px" in ta.keys()
        for key in ta.keys():
            assert ak.array_equal(ta[key].array(), tb[key].array()), key
        for key in ("Teacher_top_px", "Teacher_x1", "MET_pt"):
            assert not ak.array_equal(ta[key].array(), tc[key].array()), key
