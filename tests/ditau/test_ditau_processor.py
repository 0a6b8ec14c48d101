"""DiTauMassProcessor and the runner: eager = dask, columns read, empty chunks, skims, every
execution path, real CMS NanoAOD, and bad input."""

from __future__ import annotations

from pathlib import Path

import awkward as ak
import dask
import dask_awkward as dak
import numpy as np
import pytest
import uproot

torch = pytest.importorskip("torch")

from hepsurrogates.models.bundle import ModelBundle  # noqa: E402
from hepsurrogates.models.ditau.features import (  # noqa: E402
    CHANNELS,
    FEATURE_BRANCHES,
    FEATURE_NAMES,
    FEATURES,
    REQUIRED_BRANCHES,
)
from hepsurrogates.processors.ditau import DiTauMassProcessor  # noqa: E402
from hepsurrogates.processors.runner import EXECUTORS, dask_client, run_processor  # noqa: E402
from hepsurrogates.training.ditau.train import DiTauTrainConfig, build_ditau_model  # noqa: E402
from hepsurrogates.training.export import export_bundle  # noqa: E402

from hepsurrogates.exceptions import (  # noqa: E402
    InvalidArgumentError,
    MissingBranchError,
    NonFiniteFeatureError,
)
from hepsurrogates.nanoio import open_events  # noqa: E402

COFFEA = Path(__file__).parents[1] / "data" / "coffea"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory, htautau_sample) -> ModelBundle:
    """A small network fitted for a few epochs on the session sample (its values only need to be
    deterministic for these tests; accuracy is tested on the shipped bundle)."""
    from hepsurrogates.training.ditau.data import load_ditau_dataset

    data = load_ditau_dataset(htautau_sample.files, progress=False)
    torch.manual_seed(0)
    model = build_ditau_model(DiTauTrainConfig(hidden=[32, 32]), data.x, data.target)
    card = {
        "schema_version": "1.0.0", "family": "ditau", "name": "ditau_test", "version": "0.1.0",
        "inputs": {"name": "features", "width": 27, "dtype": "float32"},
        "features": [{"name": f.name, "unit": f.unit} for f in FEATURES],
        "outputs": [{"name": "m_ml", "unit": "GeV", "description": "di-tau mass"}], "parameters": [],
        "network": {"hidden": [32, 32], "activation": "softplus", "preprocessing": "tau1 frame"},
        "training": {"sample": "htautau", "seed": 0, "n_events": len(data), "code_revision": "test"},
        "metrics": {}, "sha256": "0" * 64,
    }
    path = tmp_path_factory.mktemp("proc_bundle") / "ditau_test.onnx"
    return export_bundle(model, card, path, check_inputs=data.x[:256])


def _fileset(result, name):
    return {name: {"files": {str(f): "Events" for f in result.files}}}


def test_eager_and_dask_give_the_same_column_and_histograms(bundle, htautau_sample):
    path = htautau_sample.files[0]
    proc = DiTauMassProcessor(bundle, with_fastmtt=True)
    eager_events, _ = proc.attach(open_events(path, mode="eager"))
    lazy_events, _ = proc.attach(open_events(path, mode="dask"))
    a = ak.to_numpy(ak.fill_none(eager_events.Surrogate.mTauTau, -1.0))
    b = ak.to_numpy(ak.fill_none(lazy_events.Surrogate.mTauTau.compute(), -1.0))
    assert np.array_equal(a, b) and (a > 0).sum() > 200
    f_a = ak.to_numpy(ak.fill_none(eager_events.Surrogate.mTauTauFastMTT, -1.0))
    f_b = ak.to_numpy(ak.fill_none(lazy_events.Surrogate.mTauTauFastMTT.compute(), -1.0))
    assert np.array_equal(f_a, f_b)
    # None exactly where there is no di-tau pair
    assert np.array_equal(a < 0, f_a < 0)
    out_e = proc.process(open_events(path, mode="eager", metadata={"dataset": "h"}))["h"]
    (out_d,) = dask.compute(proc.process(open_events(path, mode="dask", metadata={"dataset": "h"}))["h"])
    for key in ("m_ml", "m_vis", "m_fastmtt"):
        assert np.allclose(out_e["hists"][key].values(), out_d["hists"][key].values())
    assert out_e["channels"] == out_d["channels"]


def test_attached_column_reads_exactly_the_input_branches(bundle, htautau_sample):
    proc = DiTauMassProcessor(bundle)
    events, _ = proc.attach(open_events(htautau_sample.files[0], mode="dask"))
    (columns,) = dak.necessary_columns(events.Surrogate.mTauTau).values()
    assert sorted(columns) == sorted(FEATURE_BRANCHES)
    proc = DiTauMassProcessor(bundle, with_fastmtt=True)
    events, _ = proc.attach(open_events(htautau_sample.files[0], mode="dask"))
    (columns,) = dak.necessary_columns(events.Surrogate.mTauTauFastMTT).values()
    assert sorted(columns) == sorted(REQUIRED_BRANCHES)


def test_zero_length_chunk(bundle, htautau_sample):
    proc = DiTauMassProcessor(bundle, with_fastmtt=True)
    events = open_events(htautau_sample.files[0], mode="eager", metadata={"dataset": "h"})[:0]
    out = proc.process(events)["h"]
    assert out["entries"] == 0 and out["with_pair"] == 0
    assert out["hists"]["m_ml"].sum().value == 0


@pytest.mark.parametrize("fmt", ["root", "parquet"])
def test_skim_reads_back_with_nanoaod_schema(bundle, htautau_sample, tmp_path, fmt):
    proc = DiTauMassProcessor(bundle, skim_dir=str(tmp_path / fmt), skim_format=fmt)
    source = open_events(htautau_sample.files[0], mode="eager", metadata={"dataset": "h"})
    out = proc.process(source)["h"]
    (path,) = out["skim"]
    if fmt == "root":
        skim = open_events(path, mode="eager")
    else:
        from coffea.nanoevents import NanoEventsFactory

        from hepsurrogates.nanoschema import PresentCollectionsNanoAODSchema
        skim = NanoEventsFactory.from_parquet(path, schemaclass=PresentCollectionsNanoAODSchema, mode="eager").events()
    assert len(skim) == out["with_pair"]
    assert {"Muon", "Electron", "Tau", "Jet", "MET", "PV", "Surrogate", "Teacher", "run", "event"} <= set(skim.fields)
    # the skim holds what is needed to recompute the column: same values again
    again, _ = DiTauMassProcessor(bundle).attach(skim)
    assert np.allclose(ak.to_numpy(again.Surrogate.mTauTau), ak.to_numpy(skim.Surrogate.mTauTau), rtol=1e-6)
    assert np.array_equal(ak.to_numpy(skim.event), ak.to_numpy(source.event[~ak.is_none(proc.attach(source)[0].Surrogate.mTauTau)]))


def test_dask_skim_with_uproot_dask_write(bundle, htautau_sample, tmp_path):
    proc = DiTauMassProcessor(bundle, skim_dir=str(tmp_path))
    out = proc.process(open_events(htautau_sample.files[0], mode="dask", metadata={"dataset": "h"}))["h"]
    (computed,) = dask.compute(out)
    files = sorted(tmp_path.glob("h-part*.root"))
    assert files and sum(len(open_events(f)) for f in files) == computed["with_pair"]


def test_every_runner_path_gives_the_same_result(bundle, htautau_sample):
    fileset = _fileset(htautau_sample, "htautau")
    reference = None
    with dask_client(workers=2) as client:
        for executor in EXECUTORS:
            proc = DiTauMassProcessor(bundle)
            out = run_processor(fileset, proc, executor=executor, workers=2, chunksize=600,
                                client=client if executor in ("dask", "dataset-tools", "dask-runner") else None)
            res = out["htautau"]
            assert res["entries"] == 2000
            values = res["hists"]["m_ml"].values()
            if reference is None:
                reference = (values, res["with_pair"], dict(res["channels"]))
            assert np.allclose(values, reference[0]), executor
            assert res["with_pair"] == reference[1] and dict(res["channels"]) == reference[2], executor


def test_any_scheduler_address(bundle, dy_sample):
    """A separately started cluster, reached by its address (as for dask-jobqueue/gateway)."""
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None, silence_logs=40) as cluster:
        out = run_processor(_fileset(dy_sample, "dy"), DiTauMassProcessor(bundle), executor="dask",
                            scheduler=cluster.scheduler_address)
    assert out["dy"]["entries"] == 1600 and out["dy"]["channels"]["ee"] > 100


def test_real_cms_nanoaod_v15_gives_physical_masses(bundle):
    path = COFFEA / "nano_tt_v15.root"
    proc = DiTauMassProcessor(bundle, selection="loose", with_fastmtt=True)
    events, inputs = proc.attach(open_events(path, mode="eager"))
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
    # and through the dask path too
    lazy, _ = proc.attach(open_events(path, mode="dask"))
    assert np.allclose(ak.to_numpy(ak.fill_none(lazy.Surrogate.mTauTau.compute(), np.nan))[pair], m[pair])


def test_nanoaod_without_tau_ids_is_refused(bundle):
    with pytest.raises(MissingBranchError, match="Tau_idDeepTau2018v2p5VSjet"):
        DiTauMassProcessor(bundle).process(open_events(COFFEA / "nano_tt_v12.root", mode="eager"))


def test_nan_inputs_raise(bundle, htautau_sample, tmp_path):
    """A file with NaN in a MET branch: the model refuses it, naming the feature."""
    src = htautau_sample.files[0]
    dst = tmp_path / "nan.root"
    with uproot.open(src) as f:
        arrays = f["Events"].arrays(library="ak")
    met = ak.to_numpy(arrays["MET_pt"]).copy()
    met[::7] = np.nan
    arrays = ak.with_field(arrays, met, "MET_pt")
    with uproot.recreate(dst) as f:
        branches = {}
        for coll in ("Muon", "Electron", "Tau", "Jet", "GenPart", "GenJet", "GenVisTau", "LHEPart"):
            branches[coll] = ak.zip({k[len(coll) + 1:]: arrays[k] for k in arrays.fields if k.startswith(coll + "_")})
        for k in arrays.fields:
            if "_" not in k or k.split("_")[0] not in branches:
                if not k.startswith("n"):
                    branches[k] = arrays[k]
        f.mktree("Events", branches)
    proc = DiTauMassProcessor(bundle)
    with pytest.raises(NonFiniteFeatureError, match="MET_pt"):
        proc.process(open_events(dst, mode="eager", metadata={"dataset": "x"}))
    with pytest.raises(NonFiniteFeatureError, match="MET_pt"):
        dask.compute(proc.process(open_events(dst, mode="dask", metadata={"dataset": "x"})))


def test_processor_configuration_errors(bundle):
    with pytest.raises(InvalidArgumentError, match="selection"):
        DiTauMassProcessor(bundle, selection="tight")
    with pytest.raises(InvalidArgumentError, match="skim format"):
        DiTauMassProcessor(bundle, skim_dir="x", skim_format="csv")
    with pytest.raises(InvalidArgumentError, match="executor"):
        run_processor({"d": ["x.root"]}, DiTauMassProcessor(bundle), executor="spark")


def test_processor_pickles(bundle):
    import cloudpickle

    proc = DiTauMassProcessor(bundle, with_fastmtt=True)
    clone = cloudpickle.loads(cloudpickle.dumps(proc))
    assert clone.column.bundle.card == bundle.card
    assert CHANNELS and FEATURE_NAMES  # module constants used by the worker
