"""The model bundle: round trip, torch/onnxruntime parity, and every way a bundle is refused."""

from __future__ import annotations

import copy
import json
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")

from hepsurrogates.exceptions import (  # noqa: E402
    CardMismatchError,
    CardMissingError,
    CardSchemaError,
    CorruptInputFileError,
    FeatureMismatchError,
    MissingInputFileError,
    NonFiniteFeatureError,
)
from hepsurrogates.models.bundle import CARD_KEY, ModelBundle, embed_card, validate_card  # noqa: E402
from hepsurrogates.models.ditau.features import FEATURE_NAMES, FEATURES  # noqa: E402
from hepsurrogates.training.ditau.train import DiTauTrainConfig, build_ditau_model  # noqa: E402
from hepsurrogates.training.export import export_bundle, torch_onnx_max_deviation  # noqa: E402


def _inputs(n: int, seed: int = 0) -> np.ndarray:
    """Plausible raw di-tau inputs (positive p_T, angles in range, a positive-definite covariance)."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, len(FEATURE_NAMES)), dtype=np.float32)
    idx = {k: i for i, k in enumerate(FEATURE_NAMES)}
    for name in FEATURE_NAMES:
        if name.endswith("_pt") or name.startswith("mT"):
            x[:, idx[name]] = rng.uniform(20, 300, n)
        elif name.endswith("_eta"):
            x[:, idx[name]] = rng.uniform(-2.5, 2.5, n)
        elif name.endswith("_phi"):
            x[:, idx[name]] = rng.uniform(-np.pi, np.pi, n)
    x[:, idx["MET_covXX"]] = rng.uniform(100, 600, n)
    x[:, idx["MET_covYY"]] = rng.uniform(100, 600, n)
    x[:, idx["MET_covXY"]] = rng.uniform(-50, 50, n)
    x[:, idx["PU_npvsGood"]] = rng.integers(10, 50, n)
    x[:, idx["N_neutrinos"]] = rng.choice([2, 3, 4], n)
    x[:, idx["remaining_jets_N"]] = rng.integers(0, 3, n)
    return x


def _card(**over):
    card = {
        "schema_version": "1.0.0", "family": "ditau", "name": "ditau_test", "version": "0.1.0",
        "inputs": {"name": "features", "width": len(FEATURE_NAMES), "dtype": "float32"},
        "features": [{"name": f.name, "unit": f.unit, "description": f.description} for f in FEATURES],
        "outputs": [{"name": "m_ml", "unit": "GeV", "description": "di-tau mass"}],
        "parameters": [],
        "network": {"hidden": [16, 16], "activation": "softplus", "preprocessing": "tau1 frame"},
        "training": {"sample": "synthetic", "seed": 0, "n_events": 100, "code_revision": "test"},
        "metrics": {}, "sha256": "0" * 64,
    }
    card.update(over)
    return card


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    torch.manual_seed(0)
    x = _inputs(512)
    y = np.random.default_rng(1).uniform(50, 1000, 512)
    model = build_ditau_model(DiTauTrainConfig(hidden=[16, 16]), x, y)
    path = tmp_path_factory.mktemp("bundle") / "ditau_test.onnx"
    bundle = export_bundle(model, _card(), path, check_inputs=x)
    return model, bundle, path, x


def test_round_trip_and_parity(exported):
    model, bundle, path, x = exported
    again = ModelBundle.load(path, family="ditau", features=FEATURE_NAMES)
    assert again.card == bundle.card and again.width == 27 and again.output_names == ["m_ml"]
    assert torch_onnx_max_deviation(model, again, _inputs(4096, seed=9)) < 1e-4
    # the card beside the file is the embedded one
    assert json.loads(path.with_name("ditau_test.card.json").read_text()) == again.card
    # zero rows
    assert again.predict(np.zeros((0, 27), np.float32)).shape == (0,)


def test_preprocessing_is_rotation_invariant(exported):
    """The tau1-frame preprocessing lives in the graph: rotating every azimuth (and the MET
    covariance) about the beam does not change m_ML."""
    _, bundle, _, x = exported
    idx = {k: i for i, k in enumerate(FEATURE_NAMES)}
    rot = x.copy()
    angle = 1.234
    for name in FEATURE_NAMES:
        if name.endswith("_phi"):
            rot[:, idx[name]] = (x[:, idx[name]] + angle + np.pi) % (2 * np.pi) - np.pi
    c, s = np.cos(angle), np.sin(angle)
    vxx, vxy, vyy = (x[:, idx[k]].astype(np.float64) for k in ("MET_covXX", "MET_covXY", "MET_covYY"))
    rot[:, idx["MET_covXX"]] = c * c * vxx - 2 * c * s * vxy + s * s * vyy
    rot[:, idx["MET_covYY"]] = s * s * vxx + 2 * c * s * vxy + c * c * vyy
    rot[:, idx["MET_covXY"]] = (c * c - s * s) * vxy + c * s * (vxx - vyy)
    assert np.allclose(bundle.predict(x), bundle.predict(rot), rtol=2e-4, atol=1e-3)


def test_bundle_pickles_without_its_session(exported):
    _, bundle, _, x = exported
    bundle.predict(x[:3])  # creates the session
    clone = pickle.loads(pickle.dumps(bundle))
    assert clone._session is None
    assert np.array_equal(clone.predict(x[:10]), bundle.predict(x[:10]))


def test_missing_and_corrupt_files(tmp_path):
    with pytest.raises(MissingInputFileError):
        ModelBundle.load(tmp_path / "absent.onnx")
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not an onnx file at all")
    with pytest.raises(CorruptInputFileError, match="not a readable ONNX model"):
        ModelBundle.load(bad)


def test_plain_onnx_without_card_is_refused(exported, tmp_path):
    _, bundle, _, _ = exported
    model = onnx.load_from_string(bundle.model_bytes)
    del model.metadata_props[:]
    p = tmp_path / "plain.onnx"
    p.write_bytes(model.SerializeToString())
    with pytest.raises(CardMissingError, match="not a model bundle"):
        ModelBundle.load(p)


def _with_card(bundle: ModelBundle, card: dict) -> bytes:
    model = onnx.load_from_string(bundle.model_bytes)
    for entry in model.metadata_props:
        if entry.key == CARD_KEY:
            entry.value = json.dumps(card)
    return model.SerializeToString()


def test_card_schema_errors_name_the_path(exported):
    _, bundle, _, _ = exported
    card = copy.deepcopy(bundle.card)
    del card["training"]["seed"]
    card["inputs"]["width"] = "27"
    with pytest.raises(CardSchemaError) as err:
        ModelBundle.from_bytes(_with_card(bundle, card))
    msg = str(err.value)
    assert "inputs/width" in msg and "'27' is not of type 'integer'" in msg
    assert "training" in msg and "'seed' is a required property" in msg
    with pytest.raises(CardSchemaError, match="family"):
        validate_card({**bundle.card, "family": "astro"})


@pytest.mark.parametrize("tamper,match", [
    (lambda c: c["inputs"].update(width=26), "width"),
    (lambda c: c["outputs"][0].update(name="mass"), "outputs"),
    (lambda c: c.update(sha256="a" * 64), "sha256"),
    (lambda c: c["inputs"].update(name="x"), "input"),
])
def test_card_that_does_not_match_the_graph(exported, tamper, match):
    _, bundle, _, _ = exported
    card = copy.deepcopy(bundle.card)
    tamper(card)
    with pytest.raises((CardMismatchError, CardSchemaError), match=match):
        ModelBundle.from_bytes(_with_card(bundle, card))


def test_changed_weights_break_the_sha256(exported):
    _, bundle, _, _ = exported
    model = onnx.load_from_string(bundle.model_bytes)
    init = model.graph.initializer[-1]
    arr = onnx.numpy_helper.to_array(init).copy()
    arr.flat[0] += 1.0
    init.CopyFrom(onnx.numpy_helper.from_array(arr, init.name))
    with pytest.raises(CardMismatchError, match="sha256"):
        ModelBundle.from_bytes(model.SerializeToString())


def test_card_beside_the_file_must_match(exported, tmp_path):
    _, bundle, path, _ = exported
    target = tmp_path / "ditau_test.onnx"
    target.write_bytes(path.read_bytes())
    other = dict(bundle.card, version="9.9.9")
    (tmp_path / "ditau_test.card.json").write_text(json.dumps(other))
    with pytest.raises(CardMismatchError, match="version"):
        ModelBundle.load(target)


def test_wrong_family_and_feature_list(exported):
    _, bundle, path, _ = exported
    with pytest.raises(CardMismatchError, match="expected family 'mem'"):
        ModelBundle.load(path, family="mem")
    with pytest.raises(CardMismatchError, match="features do not match"):
        ModelBundle.load(path, features=list(FEATURE_NAMES[::-1]))


def test_wrong_width_and_non_finite_inputs(exported):
    _, bundle, _, x = exported
    with pytest.raises(FeatureMismatchError, match=r"\(n, 27\)"):
        bundle.predict(x[:, :26])
    bad = x[:5].copy()
    bad[2, FEATURE_NAMES.index("MET_pt")] = np.nan
    bad[3, FEATURE_NAMES.index("tau1_eta")] = np.inf
    with pytest.raises(NonFiniteFeatureError, match=r"tau1_eta \(1 rows\).*MET_pt \(1 rows\)"):
        bundle.predict(bad)


def test_embed_card_fills_the_digest(exported):
    _, bundle, _, _ = exported
    model = onnx.load_from_string(bundle.model_bytes)
    data = embed_card(model, _card(name="renamed"))
    again = ModelBundle.from_bytes(data)
    assert again.name == "renamed" and again.card["sha256"] == bundle.card["sha256"]
