"""The ditau attacher beyond the family contract (tests/test_family_contract.py): FastMTT's columns,
real CMS NanoAOD, the loose selection, a scheduler address, configuration errors, the CLI run."""

from __future__ import annotations

import json
from pathlib import Path

import awkward as ak
import dask_awkward as dak
import numpy as np
import pytest

from hepsurrogates.exceptions import CardMismatchError, InvalidArgumentError, MissingBranchError
from hepsurrogates.models.ditau.features import CHANNELS, REQUIRED_BRANCHES
from hepsurrogates.models.shipped import load_shipped
from hepsurrogates.nanoio import open_events
from hepsurrogates.processors.demo import demo_fileset
from hepsurrogates.processors.ditau import DiTauMassProcessor
from hepsurrogates.processors.runner import run_processor

pytestmark = pytest.mark.processing

COFFEA = Path(__file__).parents[1] / "data" / "coffea"
HTAUTAU = next(iter(demo_fileset()["htautau"]["files"]))


@pytest.fixture(scope="module")
def bundle():
    return load_shipped("ditau_mass", family="ditau")


def test_fastmtt_reads_the_leg_masses_too_and_is_none_without_a_pair(bundle):
    proc = DiTauMassProcessor(bundle, with_fastmtt=True)
    events, atts = proc.attach(open_events(HTAUTAU, mode="dask"))
    (columns,) = dak.necessary_columns(events.Surrogate.mTauTauFastMTT).values()
    assert sorted(columns) == sorted(REQUIRED_BRANCHES)
    eager, atts = proc.attach(open_events(HTAUTAU, mode="eager"))
    m = ak.to_numpy(ak.fill_none(eager.Surrogate.mTauTau, -1.0))
    f = ak.to_numpy(ak.fill_none(eager.Surrogate.mTauTauFastMTT, -1.0))
    assert np.array_equal(m < 0, f < 0) and (m > 0).sum() > 400
    assert "mTauTauFastMTT_inDomain" not in eager.Surrogate.fields  # an algorithm: no training domain


def test_counts_per_channel_add_up(bundle):
    out = DiTauMassProcessor(bundle).process(open_events(HTAUTAU, mode="eager", metadata={"dataset": "h"}))["h"]
    fam = out["families"]["ditau"]
    assert sum(fam["counts"]["channels"].values()) == fam["selected"] == out["selected"]
    assert set(fam["counts"]["channels"]) == set(CHANNELS)
    assert fam["hists"]["m_ml"].sum().value == fam["selected"]


def test_any_scheduler_address(bundle):
    """A separately started cluster, reached by its address (as for dask-jobqueue/gateway)."""
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=":0", silence_logs=40) as cluster:
        out = run_processor({"h": [HTAUTAU]}, DiTauMassProcessor(bundle), executor="dask",
                            scheduler=cluster.scheduler_address)
    assert out["h"]["entries"] == 2000 and out["h"]["families"]["ditau"]["counts"]["channels"]["tt"] > 100


def test_real_cms_nanoaod_v15_gives_physical_masses(bundle):
    path = COFFEA / "nano_tt_v15.root"
    proc = DiTauMassProcessor(bundle, selection="loose", with_fastmtt=True)
    events, atts = proc.attach(open_events(path, mode="eager"))
    inputs = atts["ditau"].extras["inputs"]
    m = ak.to_numpy(ak.fill_none(events.Surrogate.mTauTau, np.nan))
    f = ak.to_numpy(ak.fill_none(events.Surrogate.mTauTauFastMTT, np.nan))
    pair = ak.to_numpy(inputs.valid)
    assert pair.sum() >= 3
    assert np.isnan(m[~pair]).all() and np.isfinite(m[pair]).all() and np.isfinite(f[pair]).all()
    l1, l2 = inputs.legs["leg1"], inputs.legs["leg2"]
    from hepsurrogates.models.ditau.fastmtt import visible_mass

    m_vis = visible_mass(*(ak.to_numpy(l1[k]) for k in ("pt", "eta", "phi", "mass")),
                         *(ak.to_numpy(l2[k]) for k in ("pt", "eta", "phi", "mass")))[pair]
    assert (m[pair] > 0).all() and (f[pair] >= m_vis * 0.99).all()
    lazy, _ = proc.attach(open_events(path, mode="dask"))
    assert np.allclose(ak.to_numpy(ak.fill_none(lazy.Surrogate.mTauTau.compute(), np.nan))[pair], m[pair])


def test_nanoaod_without_tau_ids_is_refused_naming_the_file(bundle):
    path = COFFEA / "nano_tt_v12.root"
    with pytest.raises(MissingBranchError, match="Tau_idDeepTau2018v2p5VSjet") as info:
        DiTauMassProcessor(bundle).process(open_events(path, mode="eager", metadata={"dataset": "tt",
                                                                                     "filename": str(path)}))
    assert "tt: " in str(info.value) and "nano_tt_v12.root" in str(info.value)


def test_configuration_errors(bundle):
    with pytest.raises(InvalidArgumentError, match="selection"):
        DiTauMassProcessor(bundle, selection="tight")
    with pytest.raises(InvalidArgumentError, match="fastmtt_variant"):
        DiTauMassProcessor(bundle, fastmtt_variant="2020")
    with pytest.raises(InvalidArgumentError, match="skim format"):
        DiTauMassProcessor(bundle, skim_dir="x", skim_format="csv")
    with pytest.raises(CardMismatchError, match="'mem' bundle"):
        DiTauMassProcessor(load_shipped("mem_dy"))
    with pytest.raises(InvalidArgumentError, match="executor"):
        run_processor({"d": [HTAUTAU]}, DiTauMassProcessor(bundle), executor="spark")


def test_cli_run_ditau_with_fastmtt(tmp_path, capsys):
    from hepsurrogates.cli import main

    fileset = tmp_path / "fileset.json"
    fileset.write_text(json.dumps({"htautau": {"files": {HTAUTAU: "Events"}}}))
    out = tmp_path / "run"
    assert main(["run", "--fileset", str(fileset), "--surrogates", "ditau", "--with-fastmtt", "--executor",
                 "iterative", "--skim", "parquet", "--out", str(out), "-q"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["columns"] == ["mTauTau", "mTauTauFastMTT", "mTauTau_inDomain"]
    summary = json.loads((out / "summary.json").read_text())
    fam = summary["datasets"]["htautau"]["families"]["ditau"]
    assert fam["histograms"] == ["m_fastmtt", "m_ml", "m_vis"] and fam["selected"] > 400
    assert summary["bundles"]["ditau"]["mTauTau"]["bundle"].endswith("ditau_mass.onnx")
    assert summary["options"]["ditau"]["with_fastmtt"] is True
    assert (out / "plots" / "htautau_ditau.png").stat().st_size > 1000
