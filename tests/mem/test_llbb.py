"""The ℓℓbb interpretation (hepsurrogates.families.mem.llbb) and the MEM inputs (models.mem_features)."""

from __future__ import annotations

import warnings
from pathlib import Path

import awkward as ak
import numpy as np
import pytest
import uproot

from hepsurrogates.exceptions import MissingBranchError
from hepsurrogates.families.mem.llbb import (
    LLBB_BRANCHES,
    LLBB_FIELDS,
    LLBBSelection,
    llbb_numpy,
    missing_llbb_branches,
    select_llbb,
)
from hepsurrogates.models.mem.features import (
    FEATURE_BRANCHES,
    FEATURE_NAMES,
    FEATURE_UNITS,
    HZA_PARAMETERS,
    mem_feature_matrix,
    mem_features,
    wrap_phi,
)

DATA = Path(__file__).parents[1] / "data" / "coffea"
M_MU, M_E = 0.10566, 0.000511

#: Six hand-made events: 1 valid (mu- e+, jet cleaning, jet ID, eta and b-tag ranking), 2 same
#: sign, 3 leading lepton below 25 GeV, 4 one jet left after cleaning, 5 valid (mu+ leads,
#: electron fails ID), 6 empty.
MUONS = [
    [dict(pt=50.0, eta=0.5, phi=0.2, charge=-1, iso=0.05), dict(pt=22.0, eta=-1.0, phi=1.0, charge=-1, iso=0.3)],
    [dict(pt=40.0, eta=0.0, phi=0.0, charge=1, iso=0.01)],
    [dict(pt=24.0, eta=0.0, phi=0.0, charge=-1, iso=0.01), dict(pt=21.0, eta=1.0, phi=2.0, charge=1, iso=0.01)],
    [],
    [dict(pt=60.0, eta=0.1, phi=3.0, charge=1, iso=0.01), dict(pt=20.5, eta=-0.7, phi=-3.0, charge=-1, iso=0.1)],
    [],
]
ELECTRONS = [
    [dict(pt=30.0, eta=-0.3, phi=2.5, charge=1, id=4, iso=0.02)],
    [dict(pt=30.0, eta=1.0, phi=2.0, charge=1, id=4, iso=0.02)],
    [],
    [
        dict(pt=45.0, eta=0.0, phi=0.0, charge=-1, id=3, iso=0.02),
        dict(pt=35.0, eta=1.0, phi=3.0, charge=1, id=4, iso=0.0),
    ],
    [dict(pt=26.0, eta=0.0, phi=1.5, charge=-1, id=2, iso=0.0)],
    [],
]
JETS = [
    [
        dict(pt=60.0, eta=1.0, phi=-2.0, mass=8.0, btag=0.3, id=6),
        dict(pt=40.0, eta=0.0, phi=-0.5, mass=6.0, btag=0.9, id=6),
        dict(pt=35.0, eta=-0.2, phi=2.6, mass=5.0, btag=0.95, id=6),
        dict(pt=25.0, eta=2.0, phi=3.0, mass=4.0, btag=0.8, id=0),
        dict(pt=30.0, eta=3.0, phi=0.0, mass=4.0, btag=0.99, id=6),
        dict(pt=28.0, eta=-1.5, phi=1.5, mass=4.5, btag=0.5, id=2),
    ],
    [
        dict(pt=50.0, eta=-1.0, phi=-2.0, mass=5.0, btag=0.9, id=6),
        dict(pt=30.0, eta=1.5, phi=-1.0, mass=5.0, btag=0.9, id=6),
    ],
    [
        dict(pt=50.0, eta=-1.0, phi=-2.0, mass=5.0, btag=0.9, id=6),
        dict(pt=30.0, eta=1.5, phi=-1.0, mass=5.0, btag=0.9, id=6),
    ],
    [
        dict(pt=50.0, eta=0.1, phi=0.1, mass=5.0, btag=0.9, id=6),
        dict(pt=30.0, eta=-1.0, phi=-1.5, mass=5.0, btag=0.9, id=6),
    ],
    [
        dict(pt=45.0, eta=0.3, phi=-1.0, mass=5.0, btag=0.6, id=6),
        dict(pt=55.0, eta=-0.4, phi=1.0, mass=7.0, btag=0.2, id=6),
    ],
    [],
]
MET = [(45.0, -3.0), (20.0, 0.0), (20.0, 0.0), (20.0, 0.0), (20.0, 0.0), (10.0, 1.0)]


def write_tiny(path: Path, drop: tuple[str, ...] = ()) -> Path:
    """Write the six events above as a NanoAOD-style file (``drop``: collections to leave out)."""

    def coll(rows: list[list[dict]], fields: dict[str, tuple[str, type]]) -> ak.Array:
        return ak.zip(
            {
                name: ak.values_astype(ak.Array([[o[key] for o in ev] for ev in rows]), dtype)
                for name, (key, dtype) in fields.items()
            }
        )

    mu_rows = [[{**o, "mass": M_MU, "tight": True} for o in ev] for ev in MUONS]
    el_rows = [[{**o, "mass": M_E} for o in ev] for ev in ELECTRONS]
    branches = {
        "run": np.ones(6, np.uint32),
        "luminosityBlock": np.full(6, 7, np.uint32),
        "event": np.arange(1, 7, dtype=np.uint64),
        "Muon": coll(
            mu_rows,
            {
                "pt": ("pt", np.float32),
                "eta": ("eta", np.float32),
                "phi": ("phi", np.float32),
                "mass": ("mass", np.float32),
                "charge": ("charge", np.int32),
                "tightId": ("tight", bool),
                "pfRelIso04_all": ("iso", np.float32),
            },
        ),
        "Electron": coll(
            el_rows,
            {
                "pt": ("pt", np.float32),
                "eta": ("eta", np.float32),
                "phi": ("phi", np.float32),
                "mass": ("mass", np.float32),
                "charge": ("charge", np.int32),
                "cutBased": ("id", np.int32),
                "pfRelIso03_all": ("iso", np.float32),
            },
        ),
        "Jet": coll(
            JETS,
            {
                "pt": ("pt", np.float32),
                "eta": ("eta", np.float32),
                "phi": ("phi", np.float32),
                "mass": ("mass", np.float32),
                "btagDeepFlavB": ("btag", np.float32),
                "jetId": ("id", np.int32),
            },
        ),
        "MET_pt": np.array([m[0] for m in MET], np.float32),
        "MET_phi": np.array([m[1] for m in MET], np.float32),
    }
    branches = {k: v for k, v in branches.items() if k not in drop}
    with uproot.recreate(path) as f:
        f.mktree("Events", branches)
    return path


def open_events(path: Path, mode: str = "eager", **kwargs):
    from coffea.nanoevents import NanoEventsFactory

    from hepsurrogates.nanoschema import PresentCollectionsNanoAODSchema

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # cross-reference notes on real NanoAOD
        return NanoEventsFactory.from_root(
            {str(path): "Events"}, schemaclass=PresentCollectionsNanoAODSchema, mode=mode, **kwargs
        ).events()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny(tmp_path_factory.mktemp("llbb") / "tiny.root")


@pytest.fixture(scope="module")
def ttbar(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 generated dileptonic tt events (about 4 s)."""
    from hepsurrogates.datasets import generate

    return generate("ttbar_dilepton", 200, seed=5, out_dir=tmp_path_factory.mktemp("tt"), progress=False).files[0]


def test_selection_by_hand(tiny: Path) -> None:
    rec = select_llbb(open_events(tiny))
    assert tuple(ak.fields(rec)) == LLBB_FIELDS
    assert rec.valid.tolist() == [True, False, False, False, True, False]
    e = rec[0].to_list()
    assert e["lminus_pdgId"] == 13 and e["lplus_pdgId"] == -11
    assert (e["lminus_pt"], e["lplus_pt"]) == pytest.approx((50.0, 30.0))
    assert (e["b1_pt"], e["b1_phi"], e["b1_btag"]) == pytest.approx((40.0, -0.5, 0.9))
    assert (e["b2_pt"], e["b2_eta"], e["b2_mass"], e["b2_btag"]) == pytest.approx((28.0, -1.5, 4.5, 0.5))
    assert (e["met_pt"], e["met_phi"]) == pytest.approx((45.0, -3.0))
    five = rec[4].to_list()
    assert (five["lplus_pt"], five["lminus_pt"], five["lminus_pdgId"]) == pytest.approx((60.0, 20.5, 13))
    assert (five["b1_pt"], five["b2_pt"]) == pytest.approx((55.0, 45.0))
    for bad in (1, 2, 3, 5):  # zero-filled, ids kept
        row = rec[bad].to_list()
        assert row["event"] == bad + 1 and row["luminosityBlock"] == 7
        assert all(row[f] == 0 for f in LLBB_FIELDS[4:])
    arrays = llbb_numpy(rec)
    assert arrays.lep_minus.shape == (6, 4) and arrays.bjets.shape == (6, 2, 4) and arrays.met.shape == (6, 2)
    assert arrays.lep_minus.dtype == np.float64 and arrays.event.tolist() == [1, 2, 3, 4, 5, 6]
    assert arrays.bjets[0, 1].tolist() == pytest.approx([28.0, -1.5, 1.5, 4.5])
    assert len(arrays.take(arrays.valid)) == 2


def test_features_by_hand(tiny: Path) -> None:
    m = mem_feature_matrix(select_llbb(open_events(tiny)))
    assert m.shape == (6, len(FEATURE_NAMES)) == (6, len(FEATURE_UNITS)) and m.dtype == np.float32
    assert HZA_PARAMETERS == ("M_H", "M_A")
    two_pi = 2 * np.pi
    expect0 = [50.0, 0.5, 30.0, -0.3, 2.3, 40.0, 0.0, -0.7, 28.0, -1.5, 1.3, 45.0, -3.2 + two_pi, -1.0]
    expect4 = [60.0, 0.1, 20.5, -0.7, -6.0 + two_pi, 55.0, -0.4, -2.0, 45.0, 0.3, -4.0 + two_pi, 20.0, -3.0, 1.0]
    np.testing.assert_allclose(m[0], expect0, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(m[4], expect4, rtol=1e-6, atol=1e-6)
    assert not m[[1, 2, 3, 5]].any()
    np.testing.assert_allclose(wrap_phi(np.array([np.pi, -np.pi, 3 * np.pi, -0.5])), [np.pi, np.pi, np.pi, -0.5])


def test_eager_equals_dask_and_columns(ttbar: Path) -> None:
    import dask
    import dask_awkward as dak

    eager = select_llbb(open_events(ttbar))
    lazy = select_llbb(open_events(ttbar, mode="dask"))
    feats = mem_features(lazy)
    assert set().union(*dak.necessary_columns(lazy).values()) == set(LLBB_BRANCHES)
    assert set().union(*dak.necessary_columns(feats).values()) == set(FEATURE_BRANCHES)
    computed, computed_feats = dask.compute(lazy, feats, scheduler="sync")
    for f in LLBB_FIELDS:
        assert ak.all(computed[f] == eager[f]), f
    assert int(ak.sum(eager.valid)) > 50
    np.testing.assert_array_equal(
        np.stack([ak.to_numpy(computed_feats[n]) for n in FEATURE_NAMES], axis=1), mem_feature_matrix(eager)
    )
    # zero-length chunk
    empty = select_llbb(open_events(ttbar, entry_start=0, entry_stop=0))
    assert len(empty) == 0 and mem_feature_matrix(empty).shape == (0, len(FEATURE_NAMES))


def test_real_nanoaod() -> None:
    import dask_awkward as dak

    # the v12 tt file is semileptonic: with the nominal selection no event has the pair
    v12 = open_events(DATA / "nano_tt_v12.root", mode="virtual")
    assert not ak.any(select_llbb(v12).valid)
    loose = LLBBSelection(muon_iso=10.0, electron_iso=10.0, electron_id=0)
    rec = select_llbb(v12, loose)
    assert int(ak.sum(rec.valid)) > 0
    assert ak.all(rec.lminus_pdgId[rec.valid] > 0) and ak.all(rec.lplus_pdgId[rec.valid] < 0)
    # v15: PFMET, no jetId
    lazy = select_llbb(open_events(DATA / "nano_tt_v15.root", mode="dask"), loose)
    expected = (set(LLBB_BRANCHES) - {"Jet_jetId", "MET_pt", "MET_phi"}) | {"PFMET_pt", "PFMET_phi"}
    assert set().union(*dak.necessary_columns(lazy).values()) == expected
    assert len(lazy.compute(scheduler="sync")) == 200


def test_missing_branches(tmp_path: Path) -> None:
    path = write_tiny(tmp_path / "nojets.root", drop=("Jet", "MET_pt"))
    assert missing_llbb_branches(uproot.open(path)["Events"].keys()) == [
        "Jet_btagDeepFlavB",
        "Jet_eta",
        "Jet_mass",
        "Jet_phi",
        "Jet_pt",
        "MET_pt",
    ]
    with pytest.raises(MissingBranchError, match="Jet_pt"):
        select_llbb(open_events(path))
