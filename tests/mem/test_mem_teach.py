"""``hepsurrogates teach mem``: chunked MEM teacher over a fileset on Dask, resumable."""

from __future__ import annotations

import json
import os
from pathlib import Path

import awkward as ak
import numpy as np
import pytest

pytest.importorskip("vegas")

from hepsurrogates.cli import main  # noqa: E402
from hepsurrogates.datasets.teachers.mem import teach as teach_mod  # noqa: E402
from hepsurrogates.datasets.teachers.mem.dy_weight import dy_weights  # noqa: E402
from hepsurrogates.datasets.teachers.mem.teach import (  # noqa: E402
    SHIPPED_NEVAL,
    TeachChunkError,
    TeachOptionsMismatchError,
    chunk_seed,
    hza_column,
    load_teacher_targets,
    neg_log10,
    teach_mem,
)
from hepsurrogates.exceptions import (  # noqa: E402
    InvalidArgumentError,
    MissingBranchError,
    MissingInputFileError,
    SchemaError,
)
from hepsurrogates.families.mem.llbb import llbb_numpy, select_llbb  # noqa: E402

N_EVENTS, CHUNK, ACC = 60, 30, 0.05


@pytest.fixture(scope="module")
def tt_fileset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 generated dileptonic tt events (about 4 s); the fileset JSON written by generate."""
    from hepsurrogates.datasets import generate

    return generate("ttbar_dilepton", 200, seed=5, out_dir=tmp_path_factory.mktemp("tt"), progress=False).fileset


@pytest.fixture(scope="module")
def first_run(tt_fileset: Path, tmp_path_factory: pytest.TempPathFactory):
    """memDY on the first 60 events, two chunks, one local Dask worker."""
    out = tmp_path_factory.mktemp("teach")
    result = teach_mem(tt_fileset, out, ["memDY"], workers=1, chunksize=CHUNK, max_events=N_EVENTS,
                       rel_accuracy=ACC, seed=4, progress=False)
    return out, result


def _chunk_files(out: Path) -> list[Path]:
    return sorted((out / "ttbar_dilepton").glob("*.parquet"))


def test_outputs_match_direct_teacher(first_run, tt_fileset: Path) -> None:
    from coffea.nanoevents import NanoEventsFactory

    from hepsurrogates.nanoschema import PresentCollectionsNanoAODSchema

    out, result = first_run
    assert result.chunks_computed == 2 and result.chunks_skipped == 0 and result.events == N_EVENTS
    files = _chunk_files(out)
    assert [f.name for f in files] == ["ttbar_dilepton_5_0000_0_30.parquet", "ttbar_dilepton_5_0000_30_60.parquet"]
    targets = load_teacher_targets(out)
    assert len(targets) == result.valid > 0
    assert set(ak.fields(targets)) >= {"run", "luminosityBlock", "event", "entry", "Teacher_memDY",
                                       "Teacher_memDY_error", "Teacher_memDY_converged", "Teacher_memDY_neval"}
    assert np.all(np.diff(ak.to_numpy(targets.entry)) > 0)
    root = next(iter(json.loads(tt_fileset.read_text())["ttbar_dilepton"]["files"]))
    for start in (0, CHUNK):
        events = NanoEventsFactory.from_root({root: "Events"}, entry_start=start, entry_stop=start + CHUNK,
                                             schemaclass=PresentCollectionsNanoAODSchema, mode="eager").events()
        arrays = llbb_numpy(select_llbb(events))
        valid = arrays.take(arrays.valid)
        n = len(valid)
        direct = dy_weights(
            np.column_stack([valid.lep_minus, -np.ones(n)]),
            np.column_stack([valid.lep_plus, np.ones(n)]),
            seed=chunk_seed(4, "ttbar_dilepton", root, start, "memDY"),
            rel_accuracy=ACC,
            neval=SHIPPED_NEVAL["memDY"],
        )
        rows = targets[(targets.entry >= start) & (targets.entry < start + CHUNK)]
        np.testing.assert_array_equal(ak.to_numpy(rows.entry), start + np.flatnonzero(arrays.valid))
        np.testing.assert_array_equal(ak.to_numpy(rows.event), valid.event)
        # one name, one quantity: Teacher_memDY holds -log10 W, as Surrogate_memDY does
        y, err = neg_log10(direct.weight, direct.error)
        np.testing.assert_array_equal(ak.to_numpy(rows.Teacher_memDY), y)
        np.testing.assert_allclose(ak.to_numpy(rows.Teacher_memDY_error), err)
        np.testing.assert_allclose(10.0 ** -ak.to_numpy(rows.Teacher_memDY), direct.weight, rtol=1e-12)
        np.testing.assert_array_equal(ak.to_numpy(rows.Teacher_memDY_neval), direct.n_eval)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["family"] == "mem" and manifest["columns"] == ["memDY"]
    assert manifest["options"]["rel_accuracy"] == ACC and manifest["options"]["quantity"] == "neg_log10_weight"
    assert {c["status"] for c in manifest["chunks"].values()} == {"done"}
    assert sum(c["rows"] for c in manifest["chunks"].values()) == result.valid


def test_resume_recomputes_only_missing_chunk(first_run, tt_fileset: Path) -> None:
    out, _ = first_run
    before = load_teacher_targets(out, "ttbar_dilepton")
    kept, dropped = _chunk_files(out)
    mtime = kept.stat().st_mtime_ns
    dropped.unlink()
    result = teach_mem(
        tt_fileset,
        out,
        ["memDY"],
        workers=0,
        chunksize=CHUNK,
        max_events=N_EVENTS,
        rel_accuracy=ACC,
        seed=4,
        progress=False,
    )
    assert (result.chunks_computed, result.chunks_skipped) == (1, 1)
    assert kept.stat().st_mtime_ns == mtime and dropped.exists()
    after = load_teacher_targets(out, "ttbar_dilepton")
    assert ak.to_list(after) == ak.to_list(before)
    assert not [p for p in out.rglob("*") if ".part-" in p.name]


def test_mismatching_options_refused_unless_overwrite(tt_fileset: Path, tmp_path: Path) -> None:
    kwargs = dict(workers=0, chunksize=CHUNK, max_events=CHUNK, rel_accuracy=ACC, progress=False)
    teach_mem(tt_fileset, tmp_path, ["memDY"], seed=1, **kwargs)
    with pytest.raises(TeachOptionsMismatchError, match="seed"):
        teach_mem(tt_fileset, tmp_path, ["memDY"], seed=2, **kwargs)
    with pytest.raises(TeachOptionsMismatchError, match="not a chunk of this run"):
        teach_mem(tt_fileset, tmp_path, ["memDY"], seed=1, **{**kwargs, "chunksize": 20, "max_events": 20})
    r = teach_mem(
        tt_fileset, tmp_path, ["memDY"], seed=1, overwrite=True, **{**kwargs, "chunksize": 20, "max_events": 20}
    )
    assert r.chunks_computed == 1 and [p.name for p in _chunk_files(tmp_path)] == ["ttbar_dilepton_5_0000_0_20.parquet"]
    assert list(json.loads((tmp_path / "manifest.json").read_text())["chunks"]) == [
        "ttbar_dilepton/ttbar_dilepton_5_0000_0_20.parquet"
    ]


def test_interrupt_leaves_no_partial_file(tt_fileset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow.parquet as pq

    real = pq.write_table

    def interrupted(table, where, *args, **kwargs):
        Path(where).write_bytes(b"PAR1 partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(pq, "write_table", interrupted)
    kwargs = dict(workers=0, chunksize=CHUNK, max_events=CHUNK, rel_accuracy=ACC, progress=False)
    with pytest.raises(KeyboardInterrupt):
        teach_mem(tt_fileset, tmp_path, ["memDY"], **kwargs)
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["manifest.json"]
    assert {c["status"] for c in json.loads((tmp_path / "manifest.json").read_text())["chunks"].values()} == {"pending"}
    monkeypatch.setattr(pq, "write_table", real)
    assert teach_mem(tt_fileset, tmp_path, ["memDY"], **kwargs).chunks_computed == 1


def test_failed_chunk_is_recorded(tt_fileset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(arrays, seed, options):
        raise InvalidArgumentError("teacher broke")

    monkeypatch.setitem(teach_mod.HYPOTHESES, "memDY", broken)
    with pytest.raises(TeachChunkError, match="teacher broke") as info:
        teach_mem(tt_fileset, tmp_path, ["memDY"], workers=0, chunksize=CHUNK, max_events=CHUNK, progress=False)
    assert info.value.exit_code == 5
    chunks = json.loads((tmp_path / "manifest.json").read_text())["chunks"]
    assert [c["status"] for c in chunks.values()] == ["failed"] and not _chunk_files(tmp_path)


def test_bad_inputs(tt_fileset: Path, tmp_path: Path) -> None:
    from test_llbb import write_tiny

    with pytest.raises(MissingInputFileError):
        teach_mem(tmp_path / "nope.json", tmp_path / "o")
    bad = tmp_path / "bad.json"
    bad.write_text('{"ds": {"files": []}}')
    with pytest.raises(SchemaError, match="non-empty 'files'"):
        teach_mem(bad, tmp_path / "o")
    with pytest.raises(MissingInputFileError, match="missing.root"):
        teach_mem({"ds": {"files": {str(tmp_path / "missing.root"): "Events"}}}, tmp_path / "o")
    nojets = write_tiny(tmp_path / "nojets.root", drop=("Jet",))
    with pytest.raises(MissingBranchError, match="Jet_btagDeepFlavB"):
        teach_mem({"ds": {"files": {str(nojets): "Events"}}}, tmp_path / "o")
    for kwargs, match in (
        ({"hypotheses": ["memXX"]}, "unknown hypothesis"),
        ({"chunksize": 0}, "chunksize"),
        ({"hypotheses": ["memHZA"], "hza_points": []}, "mass point"),
        ({"hza_points": [(261.4, 150.5)]}, "ignored"),
        ({"neval": 10}, "neval"),
        ({"hypotheses": ["memHZA"], "hza_points": [(100.0, 200.0)]}, "M_A < M_H"),
    ):
        with pytest.raises(InvalidArgumentError, match=match):
            teach_mem(tt_fileset, tmp_path / "o", **kwargs)
    assert hza_column(261.4, 150.5) == "memHZA_261p40_150p50"


def test_cli(tt_fileset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    argv = [
        "teach",
        "mem",
        "--fileset",
        str(tt_fileset),
        "--hypotheses",
        "memDY",
        "--out",
        str(out),
        "--workers",
        "0",
        "--chunksize",
        "20",
        "--max-events",
        "20",
        "--rel-accuracy",
        "0.05",
        "-q",
    ]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["chunks_computed"] == 1 and summary["events"] == 20 and set(summary["n_not_converged"]) == {"memDY"}
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["chunks_skipped"] == 1
    assert main([*argv, "--seed", "9"]) == 2
    assert "other options" in capsys.readouterr().err
    assert main(["teach", "mem", "--fileset", str(tmp_path / "none.json"), "--out", str(out)]) == 4
    assert main([*argv, "--hza-point", "x"]) == 2
    assert os.path.isfile(out / "manifest.json")


def test_defaults_are_the_shipped_targets_settings() -> None:
    """teach mem without options computes what the shipped bundles learned (benchmarks/mem/rebuild.sh)."""
    from hepsurrogates.datasets.teachers.mem.teach import SHIPPED_BJET_RESPONSE, mem_teacher
    from hepsurrogates.families import get_family
    from hepsurrogates.families.mem import HZA_TRAINING_POINTS
    from hepsurrogates.models.shipped import load_shipped

    defaults = get_family("mem").defaults_for("teach")
    assert defaults["rel_accuracy"] == 0.05 and defaults["bjet_response"] == SHIPPED_BJET_RESPONSE == 0.871
    assert set(defaults["hypotheses"]) == {"memDY", "memTT"} and defaults["neval"] is None
    hza = load_shipped("mem_hza")
    assert [hza_column(*p) for p in HZA_TRAINING_POINTS] == hza.card["training"]["teacher_columns"]
    spec = mem_teacher(["memHZA"])
    assert list(spec.columns) == hza.card["training"]["teacher_columns"]
    assert {tuple(c[2].items()) for c in spec.options["columns"]} == {
        (("neval", 400), ("m_h", m_h), ("m_a", m_a), ("bjet_response", 0.871)) for m_h, m_a in HZA_TRAINING_POINTS
    }
    runs = hza.card["training"]["teacher_options"]["runs"]
    assert {(r["neval"], r["bjet_response"], r["rel_accuracy"]) for r in runs} == {(400, 0.871, 0.05)}
    for name, column in (("mem_dy", "memDY"), ("mem_tt", "memTT")):
        runs = load_shipped(name).card["training"]["teacher_options"]["runs"]
        assert {r["rel_accuracy"] for r in runs} == {0.05} and SHIPPED_NEVAL[column] in {r["neval"] for r in runs}


def test_chunks_of_the_earlier_format_are_refused(first_run, tmp_path: Path) -> None:
    """A teach output written before the teacher columns held -log10 W cannot be mistaken for W."""
    import shutil

    import pyarrow.parquet as pq

    out, _ = first_run
    old = tmp_path / "old"
    shutil.copytree(out, old)
    for p in (old / "ttbar_dilepton").glob("*.parquet"):
        table = pq.read_table(p)
        meta = json.loads(table.schema.metadata[b"hepsurrogates_teach"])
        meta["options"].pop("family")
        pq.write_table(table.replace_schema_metadata({b"hepsurrogates_teach": json.dumps(meta).encode()}), p)
    with pytest.raises(SchemaError, match="earlier teacher format"):
        load_teacher_targets(old)
