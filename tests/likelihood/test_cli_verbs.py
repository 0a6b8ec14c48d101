"""The likelihood verbs' entry points: the workspace verb on run histograms, and argument errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("pyhf")

from hepsurrogates.exceptions import InvalidArgumentError, MissingInputFileError, SchemaError


def _run_file(path, counts, name="ds"):
    """A hists.pkl as 'hepsurrogates run' writes it (processors/outputs.py's layout of a processor's
    output): {dataset: {family: {"m_ml": channel x mass}}}."""
    import hist
    from coffea.util import save

    from hepsurrogates.processors.outputs import histogram_payload

    h = hist.Hist(hist.axis.IntCategory([0, 1], name="channel"), hist.axis.Regular(100, 0.0, 1000.0, name="mass"),
                  storage=hist.storage.Weight())
    centres = np.arange(5.0, 1000.0, 10.0)
    for ch in (0, 1):
        h.fill(channel=ch, mass=centres, weight=np.asarray(counts, dtype=float) / 2)
    output = {"entries": 1, "selected": 1, "families": {"ditau": {"selected": 1, "counts": {}, "hists": {"m_ml": h}}}}
    save(histogram_payload({name: output}), str(path))
    return path


def test_workspace_verb_builds_a_valid_workspace_from_run_histograms(tmp_path):
    from hepsurrogates.datasets.teachers.likelihood.workspace import WorkspaceLikelihood
    from hepsurrogates.training.likelihood.cli import workspace

    bkg = np.r_[np.zeros(4), np.linspace(200, 10, 20), np.zeros(76)]
    sig = np.r_[np.zeros(8), np.exp(-0.5 * ((np.arange(16) - 4) / 1.5) ** 2) * 50, np.zeros(76)]
    files = {k: _run_file(tmp_path / f"{k}.pkl", v) for k, v in {
        "s": sig, "b": bkg, "su": sig * 1.02, "sd": sig * 0.98, "bu": np.roll(bkg, 1), "bd": bkg * 0.99}.items()}
    summary = workspace(signal=str(files["s"]), background=str(files["b"]), out=str(tmp_path / "ws.json"),
                        signal_up=str(files["su"]), signal_down=str(files["sd"]), background_up=str(files["bu"]),
                        background_down=str(files["bd"]), mass_low=40.0, mass_high=240.0, rebin=2)
    assert summary["bins"] == 10 and summary["edges"][0] == 40.0
    assert summary["background_yield"] == pytest.approx(bkg[4:24].sum())
    w = WorkspaceLikelihood.from_file(tmp_path / "ws.json")
    assert {"mu", "lumi", "bkg_norm", "tes"} <= set(w.parameter_names) and w.sha256 == summary["sha256"]
    spec = json.loads((tmp_path / "ws.json").read_text())
    assert spec["observations"][0]["data"] == [float(v) for v in spec["observations"][0]["data"]]
    with pytest.raises(InvalidArgumentError, match="empty in bin"):
        workspace(signal=str(files["s"]), background=str(files["b"]), out=str(tmp_path / "x.json"), mass_low=0.0,
                  mass_high=240.0, rebin=2)
    with pytest.raises(InvalidArgumentError, match="all four shifted runs"):
        workspace(signal=str(files["s"]), background=str(files["b"]), out=str(tmp_path / "x.json"),
                  signal_up=str(files["su"]), mass_low=40.0, mass_high=240.0)
    with pytest.raises(InvalidArgumentError, match="not on bin edges"):
        workspace(signal=str(files["s"]), background=str(files["b"]), out=str(tmp_path / "x.json"), mass_low=45.0,
                  mass_high=240.0)
    with pytest.raises(SchemaError, match="no histogram 'm_vis'"):
        workspace(signal=str(files["s"]), background=str(files["b"]), out=str(tmp_path / "x.json"),
                  histogram="m_vis", mass_low=40.0, mass_high=240.0)
    from coffea.util import save

    old = tmp_path / "old_layout.pkl"  # {dataset: {"hists": ...}}: not what run writes
    save({"ds": {"hists": {}, "entries": 1}}, str(old))
    with pytest.raises(SchemaError, match="no histogram 'm_ml'"):
        workspace(signal=str(old), background=str(files["b"]), out=str(tmp_path / "x.json"))
    with pytest.raises(MissingInputFileError):
        workspace(signal=str(tmp_path / "none.pkl"), background=str(files["b"]), out=str(tmp_path / "x.json"))


def test_training_verbs_refuse_bad_arguments(tmp_path):
    pytest.importorskip("torch")
    from hepsurrogates.training.likelihood.cli import sample, train

    with pytest.raises(MissingInputFileError, match="neither 'toy' nor an existing pyhf workspace"):
        sample(teacher=str(tmp_path / "nope.json"), out=str(tmp_path / "s"))
    with pytest.raises(InvalidArgumentError, match="hidden must be comma-separated positive widths"):
        train(samples=str(tmp_path), out=str(tmp_path / "b"), hidden="0,8")
    with pytest.raises(MissingInputFileError, match="likelihood sample not found"):
        train(samples=str(tmp_path), out=str(tmp_path / "b"))
    with pytest.raises(InvalidArgumentError, match="burn-in"):
        sample(teacher="toy", out=str(tmp_path / "s"), steps=100, burn_in=200)
