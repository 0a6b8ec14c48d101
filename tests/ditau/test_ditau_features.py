"""The di-tau inputs: eager = dask, the exact columns read, channel purity, real NanoAOD."""

from __future__ import annotations

from pathlib import Path

import awkward as ak
import dask_awkward as dak
import numpy as np
import pytest
from stat_tools import binomial_pull

from hepsurrogates.models.ditau.features import (
    CHANNELS,
    FEATURE_NAMES,
    LOOSE,
    REQUIRED_BRANCHES,
    ditau_inputs,
    missing_branches,
)
from hepsurrogates.nanoio import open_events

COFFEA_SAMPLES = Path(__file__).parents[1] / "data" / "coffea"


def _matrix(inputs) -> np.ndarray:
    return np.stack([ak.to_numpy(inputs.columns[n]) for n in FEATURE_NAMES], axis=1)


def test_eager_and_dask_inputs_are_equal(htautau_sample):
    path = htautau_sample.files[0]
    eager = ditau_inputs(open_events(path, mode="eager"))
    lazy = ditau_inputs(open_events(path, mode="dask"))
    assert np.array_equal(_matrix(eager), np.stack([ak.to_numpy(lazy.columns[n].compute()) for n in FEATURE_NAMES], 1))
    assert np.array_equal(ak.to_numpy(eager.channel), ak.to_numpy(lazy.channel.compute()))
    for leg in ("leg1", "leg2"):
        for f in ("pt", "eta", "phi", "mass", "hadronic"):
            assert np.array_equal(ak.to_numpy(eager.legs[leg][f]), ak.to_numpy(lazy.legs[leg][f].compute()))


def test_necessary_columns_are_exactly_the_declared_ones(htautau_sample):
    lazy = ditau_inputs(open_events(htautau_sample.files[0], mode="dask"))
    outputs = [lazy.columns[n] for n in FEATURE_NAMES] + [lazy.valid]
    outputs += [lazy.legs[leg][f] for leg in ("leg1", "leg2") for f in ("pt", "eta", "phi", "mass", "hadronic")]
    (columns,) = dak.necessary_columns(*outputs).values()
    assert sorted(columns) == sorted(REQUIRED_BRANCHES)


def test_zero_length_chunk(htautau_sample):
    events = open_events(htautau_sample.files[0], mode="eager")[:0]
    inputs = ditau_inputs(events)
    assert _matrix(inputs).shape == (0, 27)
    assert len(inputs.channel) == 0


def test_features_are_finite_and_physical(htautau_sample):
    inputs = ditau_inputs(open_events(htautau_sample.files[0], mode="eager"))
    valid = ak.to_numpy(inputs.valid)
    x = _matrix(inputs)[valid]
    assert valid.mean() > 0.2 and np.isfinite(x).all()  # about 30 %: tau ID and thresholds
    idx = {n: i for i, n in enumerate(FEATURE_NAMES)}
    assert (x[:, idx["tau1_pt"]] > 20).all() and (x[:, idx["tau2_pt"]] > 20).all()
    # mT_tot is the quadrature sum of the three transverse masses
    mt = x[:, [idx["mT1"], idx["mT2"], idx["mTtt"]]].astype(np.float64)
    assert np.allclose(x[:, idx["mTtot"]], np.sqrt((mt**2).sum(1)), rtol=1e-5)
    n_nu = x[:, idx["N_neutrinos"]]
    ch = ak.to_numpy(inputs.channel)[valid]
    assert np.array_equal(n_nu, np.select([ch == 0, ch <= 2], [2.0, 3.0], 4.0))
    assert (x[:, idx["remaining_jets_pt"]][x[:, idx["remaining_jets_N"]] == 0] == 0).all()


def test_channel_matches_the_generated_tau_decays(htautau_sample):
    """Reconstructed channel vs the generated decays of the two hard-process taus."""
    agree = total = 0
    for path in htautau_sample.files:
        ev = open_events(path, mode="eager")
        inputs = ditau_inputs(ev)
        gp = ev.GenPart
        taus = gp[(abs(gp.pdgId) == 15) & gp.hasFlags(["isLastCopy", "fromHardProcess"])]
        kids = abs(taus.children.pdgId)
        leg = ak.where(ak.any(kids == 11, axis=2), "e", ak.where(ak.any(kids == 13, axis=2), "m", "t"))
        gen = ["".join(sorted(a + b, key="emt".index)) for a, b in ak.to_list(leg)]
        ch = ak.to_numpy(inputs.channel)
        for code, truth in zip(ch, gen):
            if code >= 0:
                total += 1
                agree += "".join(sorted(CHANNELS[code], key="emt".index)) == truth
    assert total > 450
    assert agree / total > 0.93, agree / total


def test_dy_to_ee_is_the_ee_channel(dy_sample):
    ev = open_events(dy_sample.files[0], mode="eager")
    inputs = ditau_inputs(ev)
    lhe = ev.LHEPart
    ee = ak.to_numpy(ak.sum((abs(lhe.pdgId) == 11) & (lhe.status == 1), axis=1) == 2)
    ch = ak.to_numpy(inputs.channel)
    sel = ee & (ch >= 0)
    assert sel.sum() > 150
    assert abs(binomial_pull(int((ch[sel] == CHANNELS.index("ee")).sum()), int(sel.sum()), 0.99)) < 4


@pytest.mark.skipif(not (COFFEA_SAMPLES / "nano_tt_v15.root").exists(), reason="coffea test sample not present")
def test_real_cms_nanoaod_v15():
    """Run 3 NanoAOD v15: PFMET and no stored jetId; every input still computes."""
    ev = open_events(COFFEA_SAMPLES / "nano_tt_v15.root", mode="eager")
    assert missing_branches(ev) == []
    inputs = ditau_inputs(ev, LOOSE)
    valid = ak.to_numpy(inputs.valid)
    assert valid.sum() >= 3
    assert np.isfinite(_matrix(inputs)).all()


@pytest.mark.skipif(not (COFFEA_SAMPLES / "nano_tt_v12.root").exists(), reason="coffea test sample not present")
def test_nanoaod_without_the_tau_collection_names_what_is_missing():
    ev = open_events(COFFEA_SAMPLES / "nano_tt_v12.root", mode="eager")
    missing = missing_branches(ev)
    assert "Tau_idDeepTau2018v2p5VSjet" in missing and "Tau_pt" in missing
