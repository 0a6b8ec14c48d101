"""Closure of the detector model on high-statistics synthetic inputs.

Objects are injected at fixed (p_T, η) points, so the resolution model has one value per
bin and the fitted Gaussian core must reproduce it within the fit's statistical error.
Seeds are fixed: each check is deterministic. The file makes about 100 independent pull
checks, so the threshold is |pull| < 4 (Bonferroni: < 1 % chance of any false alarm); with
20 000 objects per point a resolution off by 10 % gives a pull near 17, a wrong η bin far
more.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, special
from stat_tools import binomial_pull, fit_gaussian_core

from hepsurrogates.datasets.detector import resolution as res
from hepsurrogates.datasets.detector.columnar import FlatCollection
from hepsurrogates.datasets.detector.crystalball import JET_RESPONSE_SHAPE
from hepsurrogates.datasets.detector.jets import RESPONSE_MEAN, reconstruct_jets
from hepsurrogates.datasets.detector.leptons import ELECTRON, MUON, reconstruct_leptons

N_PER_POINT = 20_000
MAX_PULL = 4.0


def _collection(columns: dict[str, np.ndarray]) -> FlatCollection:
    """One object per event."""
    n = len(next(iter(columns.values())))
    out = FlatCollection(columns)
    out["_event"] = np.arange(n)
    out["_counts"] = np.ones(n, dtype=np.int64)
    out["_offsets"] = np.arange(n)
    return out


def _leptons(pdg: int, pt: float, eta: float, n: int) -> FlatCollection:
    phi = np.linspace(-3.0, 3.0, n)
    ptv = np.full(n, pt)
    etav = np.full(n, eta)
    return _collection({
        "pdgId": np.full(n, pdg), "pt": ptv, "eta": etav, "phi": phi,
        "px": ptv * np.cos(phi), "py": ptv * np.sin(phi), "genpart": np.zeros(n, int),
        "origin": np.ones(n, int), "charge": np.full(n, -1.0),
    })


LEPTON_POINTS = [(pt, eta) for pt in (20.0, 50.0, 150.0, 500.0) for eta in (0.25, 1.0, 2.0)]


@pytest.mark.parametrize("spec", [MUON, ELECTRON], ids=["muon", "electron"])
@pytest.mark.parametrize("pt,eta", LEPTON_POINTS)
def test_lepton_resolution_and_efficiency(spec, pt, eta):
    rng = np.random.default_rng(int(pt * 10 + eta * 100) + spec.pdg)
    gen = _leptons(spec.pdg, pt, eta, N_PER_POINT)
    reco, idx = reconstruct_leptons(gen, spec, rng)
    sigma_model = float(spec.resolution(np.array([pt]), np.array([eta]))[0])
    x = reco["pt"].astype(np.float64) / pt - 1.0
    mu, sigma, mu_err, sigma_err = fit_gaussian_core(x, -2.5 * sigma_model, 2.5 * sigma_model)
    assert abs(sigma - sigma_model) < MAX_PULL * sigma_err, (sigma, sigma_model, sigma_err)
    assert abs(mu) < MAX_PULL * mu_err
    eff = float(spec.efficiency(np.array([pt]), np.array([eta]))[0])
    assert abs(binomial_pull(len(idx), N_PER_POINT, eff)) < MAX_PULL


@pytest.mark.parametrize("spec,pt,eta", [(MUON, 8.0, 0.5), (MUON, 30.0, 2.45), (ELECTRON, 30.0, 2.6)])
def test_leptons_outside_acceptance_are_lost(spec, pt, eta):
    reco, idx = reconstruct_leptons(_leptons(spec.pdg, pt, eta, 1000), spec, np.random.default_rng(3))
    assert len(idx) == 0


def test_electron_efficiency_in_the_endcap_is_lower():
    rng = np.random.default_rng(5)
    _, barrel = reconstruct_leptons(_leptons(11, 40.0, 0.7, N_PER_POINT), ELECTRON, rng)
    _, endcap = reconstruct_leptons(_leptons(11, 40.0, 2.0, N_PER_POINT), ELECTRON, rng)
    assert abs(binomial_pull(len(barrel), N_PER_POINT, 0.95)) < MAX_PULL
    assert abs(binomial_pull(len(endcap), N_PER_POINT, 0.85)) < MAX_PULL


def _genjets(pt: float, eta: float, n: int, flavour: int = 0) -> FlatCollection:
    return _collection({
        "pt": np.full(n, pt), "eta": np.full(n, eta), "phi": np.linspace(-3.0, 3.0, n),
        "mass": np.full(n, 0.1 * pt), "hadronFlavour": np.full(n, flavour),
        "index": np.zeros(n, dtype=np.int32),
    })


JET_POINTS = [(pt, eta) for pt in (30.0, 60.0, 120.0, 300.0) for eta in (0.3, 1.5, 2.7, 3.5)]


@pytest.mark.parametrize("pt,eta", JET_POINTS)
def test_jet_response_core_matches_resolution_model(pt, eta):
    rng = np.random.default_rng(int(pt) * 7 + int(eta * 10))
    gen = _genjets(pt, eta, N_PER_POINT)
    reco, idx = reconstruct_jets(gen, rng)
    sigma_model = float(res.jet_pt_resolution(np.array([pt]), np.array([eta]))[0])
    r = reco["pt"].astype(np.float64) / pt
    # the DSCB is exactly Gaussian for |z| <= 1.6 (left) / 2.0 (right): fit inside |z| < 1.5
    centre = 1.0 - sigma_model * RESPONSE_MEAN
    mu, sigma, mu_err, sigma_err = fit_gaussian_core(r, centre - 1.5 * sigma_model, centre + 1.5 * sigma_model)
    assert abs(sigma - sigma_model) < MAX_PULL * sigma_err, (sigma, sigma_model, sigma_err)
    assert abs(mu - centre) < MAX_PULL * mu_err, (mu, centre, mu_err)


def test_jet_response_has_tails_and_unit_mean():
    """Non-Gaussian tails hold the DSCB's fractions and the mean response is 1."""
    rng = np.random.default_rng(99)
    pt, eta, n = 1000.0, 0.5, 200_000
    reco, idx = reconstruct_jets(_genjets(pt, eta, n), rng)
    lost = n - len(idx)  # far low tail below the 15 GeV threshold: a handful at 1 TeV
    assert lost < 1e-4 * n
    sigma = float(res.jet_pt_resolution(np.array([pt]), np.array([eta]))[0])
    z = (reco["pt"].astype(np.float64) / pt - 1.0) / sigma + RESPONSE_MEAN
    left, right = JET_RESPONSE_SHAPE.tail_fractions
    n_left = int((z < -JET_RESPONSE_SHAPE.alpha_left).sum()) + lost
    assert abs(binomial_pull(n_left, n, left)) < MAX_PULL
    assert abs(binomial_pull(int((z > JET_RESPONSE_SHAPE.alpha_right).sum()), n, right)) < MAX_PULL
    r = reco["pt"].astype(np.float64) / pt
    assert abs(r.mean() - 1.0) < MAX_PULL * r.std() / np.sqrt(n)
    # beyond -3 core widths: the DSCB's own probability, ten times a Gaussian's 0.13 %
    p_far = integrate.quad(JET_RESPONSE_SHAPE.pdf, -np.inf, -3.0)[0]
    assert p_far > 10 * special.ndtr(-3.0)
    assert abs(binomial_pull(int((z < -3.0).sum()) + lost, n, p_far)) < MAX_PULL


@pytest.mark.parametrize("flavour", [5, 4, 0])
@pytest.mark.parametrize("pt", [30.0, 100.0, 300.0])
def test_btag_efficiency_at_working_point(flavour, pt):
    rng = np.random.default_rng(flavour * 1000 + int(pt))
    reco, _ = reconstruct_jets(_genjets(pt, 0.5, N_PER_POINT, flavour), rng)
    passed = reco["btagDeepFlavB"] > res.BTAG_MEDIUM_WP
    # efficiency is a function of the reconstructed p_T: average the model over the jets
    expected = res.btag_efficiency(reco["pt"].astype(np.float64), reco["eta"].astype(np.float64),
                                   reco["hadronFlavour"]).mean()
    assert abs(binomial_pull(int(passed.sum()), len(passed), expected)) < MAX_PULL
    assert np.all((reco["btagDeepFlavB"] >= 0.0) & (reco["btagDeepFlavB"] <= 1.0))


def test_btag_separates_flavours():
    rng = np.random.default_rng(7)
    b, _ = reconstruct_jets(_genjets(80.0, 0.5, 5000, 5), rng)
    light, _ = reconstruct_jets(_genjets(80.0, 0.5, 5000, 0), rng)
    assert np.median(b["btagDeepFlavB"]) > 0.5 > np.median(light["btagDeepFlavB"])
