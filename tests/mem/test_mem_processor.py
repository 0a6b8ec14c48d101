"""The mem attacher beyond the family contract (tests/test_family_contract.py): the discriminant,
the parametric H -> ZA inputs, absent hypotheses, real CMS NanoAOD with the loose selection,
``hepsurrogates run --surrogates mem`` and bad bundles and options."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import awkward as ak
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hepsurrogates.cli import main  # noqa: E402
from hepsurrogates.datasets import generate  # noqa: E402
from hepsurrogates.exceptions import (  # noqa: E402
    CardMismatchError,
    InvalidArgumentError,
    MissingBranchError,
    MissingInputFileError,
    NonFiniteFeatureError,
)
from hepsurrogates.families.mem.llbb import LLBBSelection, select_llbb  # noqa: E402
from hepsurrogates.models.bundle import ModelBundle  # noqa: E402
from hepsurrogates.models.mem.features import mem_feature_matrix  # noqa: E402
from hepsurrogates.models.shipped import load_shipped  # noqa: E402
from hepsurrogates.nanoio import open_events  # noqa: E402
from hepsurrogates.processors.mem import MEMProcessor, discriminant, load_mem_bundles  # noqa: E402
from hepsurrogates.processors.runner import run_processor  # noqa: E402
from hepsurrogates.training.mem.data import MEMDesign  # noqa: E402
from hepsurrogates.training.mem.train import MEMTrainConfig, train_mem_arrays  # noqa: E402

torch.set_num_threads(1)
COFFEA = Path(__file__).parents[1] / "data" / "coffea"
POINTS = ((261.40, 150.50), (400.0, 250.0))
#: a loose ℓℓbb selection (no isolation, no electron ID): coffea's tt̄ NanoAOD sample has no event
#: with two tight isolated leptons, so the default selection finds none there
LOOSE = LLBBSelection(lepton_pt=10.0, leading_lepton_pt=20.0, muon_iso=1e9, electron_iso=1e9, electron_id=0)


def mem_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's 300 tt̄ events (shared on disk with test_mem_training.py)."""
    base = tmp_path_factory.getbasetemp() / "mem_ttbar"
    fileset = base / "fileset.json"
    if not fileset.is_file():
        generate("ttbar_dilepton", 300, seed=41, out_dir=base, workers=1, chunk_size=300, progress=False)
    return fileset


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, str]:
    fileset = mem_sample(tmp_path_factory)
    (path,) = json.loads(fileset.read_text())["ttbar_dilepton"]["files"]
    return fileset, path


@pytest.fixture(scope="module")
def bundle_dir(sample, tmp_path_factory) -> Path:
    """Tiny DY, tt̄ and H → ZA bundles fitted for 2 epochs to synthetic targets of the sample's
    features (the processor only needs deterministic bundles with the right cards)."""
    _, path = sample
    record = select_llbb(open_events(path))
    x = mem_feature_matrix(record)[ak.to_numpy(record.valid)]
    out = tmp_path_factory.mktemp("mem_bundles")
    targets = {"DY": 3.0 + np.log10(x[:, 0] / 50.0), "TT": 21.0 + 0.5 * np.log10(x[:, 5] / 50.0)}
    for h, y in targets.items():
        cfg = MEMTrainConfig(hypothesis=h, hidden_layers=2, width=16, max_epochs=2, batch_size=32)
        train_mem_arrays(cfg, MEMDesign.from_arrays(x, y), out)
    rows = [np.column_stack([x, np.full((len(x), 2), p, np.float32)]) for p in ((261.4, 150.5), (500.0, 300.0))]
    xh = np.concatenate(rows).astype(np.float32)
    yh = 10.0 + 0.01 * xh[:, 14] - 0.01 * xh[:, 15] + np.log10(xh[:, 0] / 50.0)
    design = MEMDesign(xh, yh, np.tile(np.arange(len(x)), 2), np.repeat(["a", "b"], len(x)), np.full(len(xh), "t"),
                       np.zeros(len(xh)))
    train_mem_arrays(
        MEMTrainConfig(hypothesis="HZA", hidden_layers=2, width=16, max_epochs=2, batch_size=32), design, out
    )
    return out


@pytest.fixture(scope="module")
def bundles(bundle_dir):
    return load_mem_bundles(bundle_dir)


def _values(column) -> np.ndarray:
    return ak.to_numpy(ak.fill_none(column, np.nan)).astype(np.float64)


def test_eager_and_dask_agree_and_d_is_the_formula(bundles, sample):
    _, path = sample
    proc = MEMProcessor(bundles, hza_points=POINTS, gamma=2.5)
    assert proc.attacher.output_fields == ["memDY", "memTT", "memHZA_261p40_150p50", "memHZA_400p00_250p00", "memD"]
    eager, atts = proc.attach(open_events(path))
    record = atts["mem"].extras["record"]
    lazy, _ = proc.attach(open_events(path, mode="dask"))
    computed = lazy.Surrogate.compute()
    valid = ak.to_numpy(record.valid)
    assert valid.sum() > 50
    for f in proc.attacher.output_fields:
        a, b = _values(eager.Surrogate[f]), _values(computed[f])
        assert np.array_equal(a, b, equal_nan=True), f
        assert np.isfinite(a[valid]).all() and np.isnan(a[~valid]).all(), f  # None exactly without ll+bb
    s_dy, s_tt, d = (_values(eager.Surrogate[f])[valid] for f in ("memDY", "memTT", "memD"))
    w_dy, w_tt = 10.0**-s_dy, 10.0**-s_tt
    assert np.allclose(d, w_tt / (w_tt + 2.5 * w_dy), rtol=1e-6, atol=1e-12)
    assert ((d >= 0) & (d <= 1)).all()
    # the mass points differ, and the parametric inputs really are the constants
    assert not np.allclose(
        _values(eager.Surrogate.memHZA_261p40_150p50)[valid], _values(eager.Surrogate.memHZA_400p00_250p00)[valid]
    )
    hza = bundles["HZA"]
    x = mem_feature_matrix(record)[valid]
    expect = hza.predict(np.column_stack([x, np.full((len(x), 2), POINTS[1], np.float32)]))
    assert np.allclose(_values(eager.Surrogate.memHZA_400p00_250p00)[valid], expect, rtol=1e-6)
    out = proc.process(open_events(path, metadata={"dataset": "t"}))["t"]
    assert out["entries"] == 300 and out["selected"] == valid.sum()
    hists = out["families"]["mem"]["hists"]
    assert sorted(hists) == sorted(["memDY", "memTT", "memHZA_261p40_150p50", "memHZA_400p00_250p00", "log10_memD"])
    for key, h in hists.items():
        assert h.sum().value == valid.sum(), key
    # D is histogrammed as log10 D (it spans many decades): the same events, in range
    assert np.allclose(hists["log10_memD"].values().sum(), valid.sum())


def test_discriminant_is_stable_in_the_tails():
    s_dy = np.array([0.0, 300.0, 3.0, 30.0])
    s_tt = np.array([300.0, 0.0, 3.0, 30.0 + np.log10(3.0)])
    d = discriminant(s_dy, s_tt, gamma=1.0)
    assert np.all(np.isfinite(d))
    assert d[0] == pytest.approx(1e-300, rel=1e-6) and d[1] == 1.0 and d[2] == pytest.approx(0.5)
    assert d[3] == pytest.approx(0.25)  # W_tt = W_DY / 3
    assert discriminant(s_dy[2:3], s_tt[2:3], gamma=3.0)[0] == pytest.approx(0.25)


def test_absent_bundles_are_skipped(bundles, sample):
    proc = MEMProcessor({"DY": bundles["DY"], "TT": None})
    assert proc.output_fields == ["memDY", "memDY_inDomain"]
    events, _ = proc.attach(open_events(sample[1]))
    assert events.Surrogate.fields == ["memDY", "memDY_inDomain"]
    assert MEMProcessor({"HZA": bundles["HZA"]}).attacher.output_fields == ["memHZA_261p40_150p50"]


def test_real_cms_nanoaod(bundles):
    """coffea's tt̄ NanoAOD v12 sample (200 events): no event has two tight isolated leptons, so the
    default selection finds no ℓℓbb event; a loose selection finds some, with finite outputs."""
    path = COFFEA / "nano_tt_v12.root"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # coffea: cross-references of real NanoAOD
        events = open_events(path)
        lazy_events = open_events(path, mode="dask")
    mu, el = events.Muon, events.Electron
    n_tight = ak.num(mu[(mu.pt > 20) & mu.tightId & (mu.pfRelIso04_all < 0.15)]) + ak.num(
        el[(el.pt > 20) & (el.cutBased >= 3) & (el.pfRelIso03_all < 0.15)]
    )
    assert ak.sum(n_tight >= 2) == 0 and ak.sum(n_tight == 1) > 50
    default = MEMProcessor(bundles).process(events)
    assert default["events"]["selected"] == 0
    proc = MEMProcessor(bundles, hza_points=POINTS, selection="loose")
    attached, atts = proc.attach(events)
    record = atts["mem"].extras["record"]
    valid = ak.to_numpy(record.valid)
    assert 0.15 < valid.mean() < 0.6  # measured 57 of 200
    for f in proc.attacher.output_fields:
        v = _values(attached.Surrogate[f])
        assert np.isfinite(v[valid]).all() and np.isnan(v[~valid]).all(), f
    # real CMS events through a loose selection: some lie outside the training domain, and say so
    assert _values(attached.Surrogate.memTT_inDomain)[valid].mean() < 1.0
    d = _values(attached.Surrogate.memD)[valid]
    assert ((d >= 0) & (d <= 1)).all()
    lazy, _ = proc.attach(lazy_events)
    assert np.array_equal(_values(lazy.Surrogate.memDY.compute()), _values(attached.Surrogate.memDY), equal_nan=True)


def test_cli_run_mem(bundle_dir, sample, tmp_path, capsys):
    fileset, _ = sample
    out = tmp_path / "run"
    code = main(
        [
            "run",
            "--fileset",
            str(fileset),
            "--surrogates",
            "mem",
            "--bundle-dir",
            str(bundle_dir),
            "--hza-point",
            "300,200",
            "--gamma",
            "2",
            "--executor",
            "iterative",
            "--skim",
            "none",
            "--out",
            str(out),
            "-q",
        ]
    )
    assert code == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed["columns"] == [
        "memDY",
        "memTT",
        "memHZA_300p00_200p00",
        "memD",
        "memDY_inDomain",
        "memTT_inDomain",
        "memHZA_300p00_200p00_inDomain",
    ]
    summary = json.loads((out / "summary.json").read_text())
    ds = summary["datasets"]["ttbar_dilepton"]
    assert ds["entries"] == 300 and ds["families"]["mem"]["selected"] > 50
    assert summary["options"]["mem"]["gamma"] == 2.0 and summary["options"]["mem"]["hza_points"] == [[300.0, 200.0]]
    assert summary["bundles"]["mem"]["memDY"]["bundle"] == str(bundle_dir / "mem_dy.onnx")
    assert (out / "hists.pkl").is_file() and (out / "plots" / "ttbar_dilepton_mem.png").stat().st_size > 1000
    # bad input: exit codes a script can rely on, nothing ignored
    assert (
        main(["run", "--fileset", str(fileset), "--surrogates", "mem", "--with-fastmtt", "--out", str(out), "-q"]) == 2
    )
    assert "--with-fastmtt applies to ditau only" in capsys.readouterr().err
    assert (
        main(["run", "--fileset", str(fileset), "--surrogates", "ditau", "--gamma", "2", "--out", str(out), "-q"]) == 2
    )
    assert (
        main(
            [
                "run",
                "--fileset",
                str(fileset),
                "--surrogates",
                "ditau",
                "--bundle-dir",
                str(bundle_dir),
                "--out",
                str(out),
                "-q",
            ]
        )
        == 2
    )
    assert "'mem' bundle" in capsys.readouterr().err
    assert (
        main(
            [
                "run",
                "--fileset",
                str(fileset),
                "--surrogates",
                "mem",
                "--bundle-dir",
                str(tmp_path / "none"),
                "--out",
                str(out),
                "-q",
            ]
        )
        == 4
    )
    assert (
        main(
            [
                "run",
                "--fileset",
                str(fileset),
                "--surrogates",
                "mem",
                "--bundle-dir",
                str(bundle_dir),
                "--hza-point",
                "900,100",
                "--out",
                str(out),
                "-q",
            ]
        )
        == 2
    )
    assert "outside the bundle's training range" in capsys.readouterr().err


def test_bad_bundles_and_options(bundles):
    ditau = load_shipped("ditau_mass")
    with pytest.raises(CardMismatchError, match="'ditau' bundle"):
        MEMProcessor({"DY": ditau})
    with pytest.raises(CardMismatchError, match="trained for hypothesis 'DY'"):
        MEMProcessor({"TT": bundles["DY"]})
    with pytest.raises(CardMismatchError, match="inputs"):
        MEMProcessor({"DY": _retagged(bundles["HZA"], "DY")})
    with pytest.raises(InvalidArgumentError, match="unknown hypothesis"):
        MEMProcessor({"WW": bundles["DY"]})
    with pytest.raises(InvalidArgumentError, match="no MEM bundle"):
        MEMProcessor({"DY": None, "TT": None})
    with pytest.raises(InvalidArgumentError, match="gamma"):
        MEMProcessor(bundles, gamma=0.0)
    with pytest.raises(InvalidArgumentError, match="M_A < M_H"):
        MEMProcessor(bundles, hza_points=[(100.0, 200.0)])
    with pytest.raises(InvalidArgumentError, match="training range"):
        MEMProcessor(bundles, hza_points=[(700.0, 200.0)])
    assert MEMProcessor(bundles, hza_points=[(700.0, 200.0)], allow_extrapolation=True).attacher.hza_points == (
        (700.0, 200.0),
    )
    with pytest.raises(InvalidArgumentError, match="selection"):
        MEMProcessor(bundles, selection="tight")
    with pytest.raises(InvalidArgumentError, match="skim format"):
        MEMProcessor(bundles, skim_dir="x", skim_format="csv")


def _retagged(bundle: ModelBundle, hypothesis: str) -> ModelBundle:
    """The same bundle with its card claiming another hypothesis (to reach the feature check)."""
    card = json.loads(json.dumps(bundle.card))
    card["training"]["hypothesis"] = hypothesis
    return ModelBundle(model_bytes=bundle.model_bytes, card=card, path=bundle.path)


def test_bad_events(bundles, sample, tmp_path):
    proc = MEMProcessor(bundles)
    events = open_events(sample[1], metadata={"dataset": "t"})
    with pytest.raises(MissingBranchError, match="Jet_pt"):
        proc.process(ak.without_field(events, "Jet"))
    met = events.MET
    bad = ak.with_field(
        events, ak.with_field(met, ak.where(np.arange(len(events)) % 5 == 0, np.nan, met.pt), "pt"), "MET"
    )
    with pytest.raises(NonFiniteFeatureError, match="(?i)met_pt"):
        proc.process(bad)
    with pytest.raises(MissingInputFileError):
        run_processor({"t": [str(tmp_path / "missing.root")]}, proc, executor="iterative")
