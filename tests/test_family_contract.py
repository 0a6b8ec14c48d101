"""The processor contract, one parametrised test per invariant over every registered family.

As zuko runs every flow through the same invariants, every family with an attacher runs here on
its shipped demo sample with its shipped bundles: eager = dask, ``dak.necessary_columns`` exactly
the declared branches, a zero-length chunk, the skim round trip (ROOT and parquet) with
NanoAODSchema, every runner path, pickling, a bundle of another family refused, a non-finite input
refused naming the feature, the training-domain flag on events shifted out of range, and all
families in one pass equal to each alone. Adding a family to the registry adds it here.
"""

from __future__ import annotations

import importlib
from importlib import resources
from pathlib import Path
from typing import Any

import awkward as ak
import dask
import dask_awkward as dak
import numpy as np
import pytest

from hepsurrogates.exceptions import CardMismatchError, NonFiniteFeatureError
from hepsurrogates.families import families_with, get_family
from hepsurrogates.nanoio import open_events
from hepsurrogates.processors.base import SurrogateProcessor
from hepsurrogates.processors.runner import EXECUTORS, run_processor

pytestmark = pytest.mark.processing

FAMILIES = [f for f in families_with("attacher") if get_family(f).demo]


def demo_file(family: str) -> str:
    sample = get_family(family).demo[0]
    return str(resources.files("hepsurrogates").joinpath("data", "demo", sample.file))


def attacher(family: str, demo: bool = True, **overrides: Any) -> Any:
    """The family's attacher with its run defaults (and, with ``demo``, its demo options: every
    column it can attach)."""
    spec = get_family(family)
    options = {**spec.defaults_for("run"), **(spec.demo_options if demo else {}), **overrides}
    return spec.load("attacher")(bundles=(), **options)


def processor(family: str, demo: bool = True, **kwargs: Any) -> SurrogateProcessor:
    return SurrogateProcessor([attacher(family, demo)], **kwargs)


def values(column: Any) -> np.ndarray:
    return ak.to_numpy(ak.fill_none(column, np.nan)).astype(np.float64)


def surrogate_table(events: Any) -> dict[str, np.ndarray]:
    return {f: values(events.Surrogate[f]) for f in events.Surrogate.fields}


@pytest.fixture(scope="module", params=FAMILIES)
def family(request: pytest.FixtureRequest) -> str:
    return request.param


def probe_branch(family: str) -> str:
    """A branch every network input of the family depends on (its features module's
    ``PROBE_BRANCH``; the reco-level families read ``MET_pt``)."""
    return getattr(importlib.import_module(get_family(family).features), "PROBE_BRANCH", "MET_pt")


def test_every_learned_column_has_a_domain_flag_and_its_teacher_name(family):
    proc = processor(family)
    spec = get_family(family)
    flagged = [f for f in proc.attachers[0].output_fields if spec.column(f).has_domain_flag]
    assert flagged, family
    events, _ = proc.attach(open_events(demo_file(family), mode="eager"))
    assert set(events.Surrogate.fields) == set(proc.output_fields)
    for name in flagged:
        assert f"{name}_inDomain" in events.Surrogate.fields
        if spec.column(name).learned:
            assert spec.column(name).teacher_for(name) == name  # one name, one quantity


def test_eager_equals_dask(family):
    proc = processor(family)
    eager, _ = proc.attach(open_events(demo_file(family), mode="eager"))
    lazy, _ = proc.attach(open_events(demo_file(family), mode="dask"))
    computed = lazy.Surrogate.compute()
    for f in eager.Surrogate.fields:
        a, b = values(eager.Surrogate[f]), values(computed[f])
        assert np.array_equal(a, b, equal_nan=True), f
    out_e = proc.process(open_events(demo_file(family), mode="eager", metadata={"dataset": "d"}))["d"]
    (out_d,) = dask.compute(proc.process(open_events(demo_file(family), mode="dask", metadata={"dataset": "d"}))["d"])
    assert out_e["entries"] == out_d["entries"] and out_e["selected"] == out_d["selected"] > 0
    fe, fd = out_e["families"][family], out_d["families"][family]
    assert fe["selected"] == fd["selected"] and fe["counts"] == fd["counts"]
    for key, h in fe["hists"].items():
        assert np.allclose(h.values(), fd["hists"][key].values()), key


def test_necessary_columns_are_exactly_the_declared_branches(family):
    features = importlib.import_module(get_family(family).features)
    proc = processor(family, demo=False)  # the learned columns alone: their features and nothing else
    events, _ = proc.attach(open_events(demo_file(family), mode="dask"))
    for f in proc.attachers[0].domain_fields:
        for column in (f, f"{f}_inDomain"):
            (read,) = dak.necessary_columns(events.Surrogate[column]).values()
            assert sorted(read) == sorted(features.FEATURE_BRANCHES), column
    events, _ = processor(family).attach(open_events(demo_file(family), mode="dask"))  # every column
    (read,) = dak.necessary_columns(events.Surrogate).values()
    assert sorted(read) == sorted(getattr(features, "REQUIRED_BRANCHES", features.FEATURE_BRANCHES))


def test_zero_length_chunk(family):
    out = processor(family).process(open_events(demo_file(family), mode="eager", metadata={"dataset": "d"})[:0])["d"]
    assert out["entries"] == 0 and out["selected"] == 0 and out["families"][family]["selected"] == 0
    assert all(h.sum().value == 0 for h in out["families"][family]["hists"].values())


@pytest.mark.parametrize("fmt", ["root", "parquet"])
def test_skim_round_trip(family, tmp_path, fmt):
    proc = processor(family, skim_dir=str(tmp_path), skim_format=fmt)
    source = open_events(demo_file(family), mode="eager", metadata={"dataset": "d"})
    out = proc.process(source)["d"]
    (path,) = out["skim"]
    if fmt == "root":
        skim = open_events(path, mode="eager")
    else:
        from coffea.nanoevents import NanoEventsFactory

        from hepsurrogates.nanoschema import PresentCollectionsNanoAODSchema

        skim = NanoEventsFactory.from_parquet(path, schemaclass=PresentCollectionsNanoAODSchema, mode="eager").events()
    assert len(skim) == out["selected"] > 0
    assert set(proc.output_fields) == set(skim.Surrogate.fields)
    assert {"run", "luminosityBlock", "event"} <= set(skim.fields)
    again, _ = processor(family).attach(skim)  # the skim holds every input: the same values again
    for f, v in surrogate_table(skim).items():
        assert np.allclose(values(again.Surrogate[f]), v, rtol=1e-6, equal_nan=True), f


def test_every_runner_path_gives_the_same_result(family):
    from hepsurrogates.cluster import dask_client

    fileset = {"d": {"files": {demo_file(family): "Events"}}}
    reference = None
    with dask_client(workers=1) as client:
        for executor in EXECUTORS:
            out = run_processor(fileset, processor(family), executor=executor, workers=1, chunksize=700,
                                client=client if executor in ("dask", "dataset-tools", "dask-runner") else None)["d"]
            fam = out["families"][family]
            got = ({k: h.values() for k, h in fam["hists"].items()}, int(out["selected"]), fam["counts"])
            if reference is None:
                reference = got
            assert got[1] == reference[1] and got[2] == reference[2], executor
            for k, v in got[0].items():
                assert np.allclose(v, reference[0][k]), (executor, k)


def test_processor_pickles(family):
    import cloudpickle

    proc = processor(family)
    clone = cloudpickle.loads(cloudpickle.dumps(proc))
    a, _ = proc.attach(open_events(demo_file(family), mode="eager"))
    b, _ = clone.attach(open_events(demo_file(family), mode="eager"))
    for f in a.Surrogate.fields:
        assert np.array_equal(values(a.Surrogate[f]), values(b.Surrogate[f]), equal_nan=True), f


def test_a_bundle_of_another_family_is_refused(family):
    from hepsurrogates.models.shipped import load_shipped

    others = [f for f in FAMILIES if f != family]
    if not others:
        pytest.skip("one family registered")
    wrong = load_shipped(get_family(others[0]).bundles[0])
    spec = get_family(family)
    with pytest.raises(CardMismatchError, match=f"'{wrong.family}' bundle"):
        spec.load("attacher")(bundles=[wrong], **spec.defaults_for("run"))


def test_a_non_finite_input_is_refused_naming_the_feature(family, tmp_path):
    from nanotools import rewrite, with_nan

    probe = probe_branch(family)
    bad = rewrite(demo_file(family), tmp_path / "nan.root", with_nan(probe, every=3))
    proc = processor(family)
    with pytest.raises(NonFiniteFeatureError, match=f"(?i){probe}"):
        proc.process(open_events(bad, mode="eager", metadata={"dataset": "d"}))
    with pytest.raises(NonFiniteFeatureError, match=f"(?i){probe}"):
        dask.compute(proc.process(open_events(bad, mode="dask", metadata={"dataset": "d"})))


def test_domain_flag_marks_events_outside_the_training_ranges(family, tmp_path):
    from nanotools import rewrite

    probe = probe_branch(family)

    def shift(b: dict[str, Any]) -> dict[str, Any]:
        value = b[probe]  # a per-event branch, or a collection's (every object moves)
        return {**b, probe: value * 40.0 + 5000.0 if value.ndim > 1 else ak.to_numpy(value) * 40.0 + 5000.0}

    shifted = rewrite(demo_file(family), tmp_path / "shifted.root", shift)
    proc = processor(family)
    nominal, _ = proc.attach(open_events(demo_file(family), mode="eager"))
    far, _ = proc.attach(open_events(shifted, mode="eager"))
    for f in proc.attachers[0].domain_fields:
        flag, selected = values(nominal.Surrogate[f"{f}_inDomain"]), np.isfinite(values(nominal.Surrogate[f]))
        assert flag[selected].mean() > 0.9, f  # held-out events of the training processes
        assert np.isnan(flag[~selected]).all(), f  # no output, no flag
        moved = values(far.Surrogate[f"{f}_inDomain"])
        moved_selected = np.isfinite(values(far.Surrogate[f]))
        assert moved_selected.any() and (moved[moved_selected] == 0).all(), f  # the value is still attached


def test_all_families_in_one_pass_equal_each_alone(tmp_path):
    if len(FAMILIES) < 2:
        pytest.skip("one family registered")
    fileset = {f: {"files": {demo_file(f): "Events"}} for f in FAMILIES}
    together = SurrogateProcessor([attacher(f) for f in FAMILIES], skim_dir=str(tmp_path / "all"))
    both = run_processor(fileset, together, executor="iterative")
    for fam in FAMILIES:
        alone = run_processor({fam: fileset[fam]}, processor(fam), executor="iterative")[fam]
        mine = both[fam]
        assert mine["entries"] == alone["entries"]
        assert mine["families"][fam]["selected"] == alone["families"][fam]["selected"]
        for k, h in alone["families"][fam]["hists"].items():
            assert np.allclose(mine["families"][fam]["hists"][k].values(), h.values()), (fam, k)
        # one skim per dataset with every family's columns, the union of the selections
        skim = [open_events(p, mode="eager") for p in mine["skim"]]
        assert sum(len(s) for s in skim) == mine["selected"] >= alone["selected"]
        assert set(skim[0].Surrogate.fields) == set(together.output_fields)
    assert Path(tmp_path / "all").is_dir()
