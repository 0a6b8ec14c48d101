"""The main job (``hepsurrogates demo``) and ``hepsurrogates run``, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile

import awkward as ak
import numpy as np
import pytest

from hepsurrogates.nanoio import open_events

pytestmark = pytest.mark.processing


def _cli(*args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    # run from a neutral directory, as a user would: from the repository root, ``python -m`` would
    # put the source tree's hepsurrogates/ before the installed package
    return subprocess.run([sys.executable, "-m", "hepsurrogates", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=tempfile.gettempdir())


def test_demo_runs_every_family_in_one_pass(tmp_path):
    out = tmp_path / "demo"
    proc = _cli("demo", "--out", str(out), "--workers", "2", "--quiet")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Z->tautau" in proc.stdout and "AUC" in proc.stdout
    assert "Port 8787 is already in use" not in proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["families"] == ["ditau", "fastsim", "mem", "ratio"]
    assert set(summary["datasets"]) == {"htautau", "dy_ll", "wjets_munu", "ttbar_dilepton", "dy_jets", "dy_contact"}
    h = summary["datasets"]["htautau"]
    assert h["entries"] == 2000 and h["families"]["ditau"]["selected"] > 400
    ditau = summary["report"]["ditau"]
    res = ditau["htautau"]["resolution_100_800_percent"]
    assert res["m_ML"] < res["FastMTT"]
    assert 80 < ditau["dy_ll"]["z_tautau_median_gev"]["m_ML"] < 105
    assert ditau["htautau"]["in_domain_fraction"] > 0.9
    mem = summary["report"]["mem"]
    assert mem["ttbar_dilepton"]["llbb_events"] > 200 and mem["dy_jets"]["llbb_events"] > 50
    assert mem["auc_D"] > 0.8  # D separates the held-out tt from Drell-Yan + jets events
    assert mem["ttbar_dilepton"]["median_log10_D"] > mem["dy_jets"]["median_log10_D"]
    fast = summary["report"]["fastsim"]["wjets_munu"]
    eff = fast["selection_efficiency"]
    assert fast["events"] > 700 and fast["in_domain_fraction"] > 0.9
    assert abs(eff["FastSim"] - eff["full simulation"]) < 0.05  # the W + jet selection on held-out events
    assert abs(fast["median_mt_gev"]["FastSim"] - fast["median_mt_gev"]["full simulation"]) < 4.0
    ratio = summary["report"]["ratio"]["dy_contact"]
    assert ratio["events"] > 500 and ratio["in_domain_fraction"] > 0.9
    for name, r in ratio["mean_ratio"].items():  # E_SM[r̂(x|θ, SM)] = 1 on held-out SM events
        assert abs(r["value"] - 1.0) < 3 * r["error"] + 0.03, name
    skims = sorted((out / "skim").glob("*.root"))
    assert skims and all(len(open_events(f)) > 0 for f in skims)
    assert (out / "hists.pkl").stat().st_size > 0
    assert {p.name for p in (out / "plots").glob("*.png")} == {f"{d}_{f}.png" for d in summary["datasets"]
                                                               for f in ("ditau", "fastsim", "mem", "ratio")}


def test_run_command_on_a_fileset(tmp_path, dy_sample):
    out = tmp_path / "run"
    proc = _cli("run", "--fileset", str(dy_sample.fileset), "--surrogates", "ditau", "--workers", "1",
                "--executor", "iterative", "--skim", "parquet", "--with-fastmtt", "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    ds = summary["datasets"]["dy_ll"]
    fam = ds["families"]["ditau"]
    assert ds["entries"] == 1600 and fam["channels"]["ee"] > 100
    assert fam["histograms"] == ["m_fastmtt", "m_ml", "m_vis"]
    from coffea.nanoevents import NanoEventsFactory

    from hepsurrogates.nanoschema import PresentCollectionsNanoAODSchema

    (skim,) = sorted((out / "skim").glob("dy_ll-*.parquet"))  # the shared fileset may hold htautau too
    events = NanoEventsFactory.from_parquet(
        str(skim), schemaclass=PresentCollectionsNanoAODSchema, mode="eager"
    ).events()
    assert len(events) == ds["selected"]
    assert np.isfinite(ak.to_numpy(events.Surrogate.mTauTau)).all()


def test_run_errors_have_exit_codes(tmp_path, dy_sample):
    assert _cli("run", "--fileset", str(tmp_path / "none.json"), "--out", str(tmp_path)).returncode == 4
    bad = _cli("run", "--fileset", str(dy_sample.fileset), "--surrogates", "nosuch", "--out", str(tmp_path))
    assert bad.returncode == 2 and "unknown surrogate family 'nosuch'" in bad.stderr
    missing_bundle = _cli(
        "run", "--fileset", str(dy_sample.fileset), "--bundle", str(tmp_path / "x.onnx"), "--out", str(tmp_path)
    )
    assert missing_bundle.returncode == 4 and "model bundle not found" in missing_bundle.stderr
    fileset = tmp_path / "fs.json"
    fileset.write_text(json.dumps({"d": {"files": {str(tmp_path / "gone.root"): "Events"}}}))
    gone = _cli("run", "--fileset", str(fileset), "--out", str(tmp_path))
    assert gone.returncode == 4 and "input file not found" in gone.stderr


def test_analysis_facility_example_runs(tmp_path):
    """The notebook-style example (jupytext percent format) executes as a user would run it."""
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "examples" / "analysis_facility.py"
    env = {**__import__("os").environ, "HEPSURROGATES_EXAMPLE_OUT": str(tmp_path)}
    # as a Jupyter kernel runs it: a __main__ without a file, which Dask's spawned workers do not re-import
    code = f"exec(compile(open({str(example)!r}).read(), {str(example)!r}, 'exec'))"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "mTauTau " in proc.stdout and "resolution" in proc.stdout
    assert "tt:" in proc.stdout and "training domain" in proc.stdout and "median log10 D" in proc.stdout
