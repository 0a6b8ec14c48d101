"""The model bundle: one ONNX file holding the whole numeric path, plus a validated card.

The card (JSON, schema ``hepsurrogates/schemas/model_card/<version>.json``) is embedded in the
ONNX file as metadata under :data:`CARD_KEY`, and may also be written beside it as
``<name>.card.json`` for people to read. Loading a bundle checks, in order:

1. the file exists and is ONNX (:class:`~hepsurrogates.exceptions.MissingInputFileError`,
   :class:`~hepsurrogates.exceptions.CorruptInputFileError`);
2. it carries a card (:class:`~hepsurrogates.exceptions.CardMissingError`);
3. the card validates against its schema; the error names the path, the bad value and what
   was expected (:class:`~hepsurrogates.exceptions.CardSchemaError`);
4. the card matches the graph: input name and width, output names, and the sha256 of the
   graph without its metadata; a card beside the file equals the embedded one; family and
   feature names are what the caller expects (:class:`~hepsurrogates.exceptions.CardMismatchError`).

Nothing runs on a fallback: a bundle either passes every check or is refused.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from hepsurrogates.exceptions import (
    CardMismatchError,
    CardMissingError,
    CardSchemaError,
    CorruptInputFileError,
    FeatureMismatchError,
    MissingInputFileError,
    NonFiniteFeatureError,
)

__all__ = ["CARD_KEY", "CARD_SCHEMA_VERSION", "KNOWN_SCHEMA_VERSIONS", "ModelBundle", "validate_card", "graph_sha256",
           "embed_card"]

CARD_KEY = "hepsurrogates.card"
#: the schema of the cards written now (1.1.0 adds the training domain)
CARD_SCHEMA_VERSION = "1.1.0"
#: the schemas a card may follow when it is loaded (1.2.0: parameter-only inputs, priors and the
#: likelihood block, written by the likelihood family)
KNOWN_SCHEMA_VERSIONS = ("1.0.0", "1.1.0", "1.2.0")


@cache
def _schema(version: str) -> dict[str, Any]:
    try:
        text = resources.files("hepsurrogates").joinpath("schemas", "model_card", f"{version}.json").read_text()
    except FileNotFoundError:
        raise CardSchemaError(
            f"card schema_version {version!r} is not known (known: {', '.join(KNOWN_SCHEMA_VERSIONS)})"
        ) from None
    return json.loads(text)


def validate_card(card: Any) -> None:
    """Validate a card against the schema of its ``schema_version``.

    Raises:
        CardSchemaError: naming every violation as ``path: value -> expected``.
    """
    import jsonschema

    if not isinstance(card, dict):
        raise CardSchemaError(f"a card must be a JSON object, found {type(card).__name__}")
    version = card.get("schema_version", CARD_SCHEMA_VERSION)
    validator = jsonschema.Draft202012Validator(_schema(str(version)))
    problems = sorted(validator.iter_errors(card), key=lambda e: list(e.absolute_path))
    if problems:
        lines = []
        for err in problems[:10]:
            where = "/".join(str(p) for p in err.absolute_path) or "<card>"
            lines.append(f"{where}: {err.message}")
        raise CardSchemaError("model card does not match schema " + str(version) + ":\n  " + "\n  ".join(lines))


def graph_sha256(model: Any) -> str:
    """sha256 of the ONNX model serialised without its metadata (graph, weights, opsets)."""
    stripped = copy.deepcopy(model)
    del stripped.metadata_props[:]
    return hashlib.sha256(stripped.SerializeToString(deterministic=True)).hexdigest()


def embed_card(model: Any, card: dict[str, Any]) -> bytes:
    """Serialised ONNX bytes with ``card`` (its sha256 filled in) embedded as metadata."""
    card = dict(card)
    card["sha256"] = graph_sha256(model)
    validate_card(card)
    out = copy.deepcopy(model)
    del out.metadata_props[:]
    entry = out.metadata_props.add()
    entry.key = CARD_KEY
    entry.value = json.dumps(card, sort_keys=True)
    return out.SerializeToString()


def _dims(value_info: Any) -> list[int | str]:
    return [d.dim_value if d.HasField("dim_value") else d.dim_param for d in value_info.type.tensor_type.shape.dim]


@dataclass
class ModelBundle:
    """A loaded, checked bundle. Picklable (the inference session is created lazily)."""

    model_bytes: bytes
    card: dict[str, Any]
    path: str | None = None
    _session: Any = field(default=None, repr=False, compare=False)
    _threads: int = field(default=1, repr=False, compare=False)

    # -- loading -----------------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        family: str | None = None,
        features: Sequence[str] | None = None,
    ) -> ModelBundle:
        """Load and check a bundle; ``family`` / ``features`` are what the caller expects."""
        p = Path(path)
        if not p.is_file():
            raise MissingInputFileError(f"model bundle not found: {p}")
        data = p.read_bytes()
        bundle = cls.from_bytes(data, source=str(p), family=family, features=features)
        beside = p.with_name(p.name.removesuffix(".onnx") + ".card.json")
        if beside.is_file():
            try:
                other = json.loads(beside.read_text())
            except json.JSONDecodeError as err:
                raise CardSchemaError(f"{beside} is not valid JSON: {err}") from err
            if other != bundle.card:
                diff = sorted(k for k in set(other) | set(bundle.card) if other.get(k) != bundle.card.get(k))
                raise CardMismatchError(f"{beside} differs from the card embedded in {p} (fields: {', '.join(diff)})")
        bundle.path = str(p)
        return bundle

    @classmethod
    def from_bytes(
        cls,
        data: bytes,
        source: str = "<bytes>",
        family: str | None = None,
        features: Sequence[str] | None = None,
    ) -> ModelBundle:
        import onnx

        try:
            model = onnx.load_from_string(data)
            if not model.graph.node:
                raise ValueError("graph has no nodes")
        except Exception as err:
            raise CorruptInputFileError(f"{source} is not a readable ONNX model ({type(err).__name__}: {err})") from err
        meta = {e.key: e.value for e in model.metadata_props}
        if CARD_KEY not in meta:
            raise CardMissingError(
                f"{source} has no hepsurrogates card (metadata key {CARD_KEY!r}): not a model bundle"
            )
        try:
            card = json.loads(meta[CARD_KEY])
        except json.JSONDecodeError as err:
            raise CardSchemaError(f"{source}: the embedded card is not valid JSON: {err}") from err
        validate_card(card)
        cls._check_graph(model, card, source)
        if family is not None and card["family"] != family:
            raise CardMismatchError(f"{source} is a {card['family']!r} bundle, expected family {family!r}")
        if features is not None:
            have = [f["name"] for f in card["features"]]
            if list(features) != have:
                missing = [f for f in features if f not in have]
                extra = [f for f in have if f not in features]
                raise CardMismatchError(
                    f"{source}: the card's features do not match the feature definition "
                    f"(expected {len(features)} features, card has {len(have)}; "
                    f"missing {missing}, unexpected {extra}, or a different order)"
                )
        return cls(model_bytes=data, card=card, path=None)

    @staticmethod
    def _check_graph(model: Any, card: dict[str, Any], source: str) -> None:
        inputs = [i for i in model.graph.input if i.name not in {t.name for t in model.graph.initializer}]
        if len(inputs) != 1:
            raise CardMismatchError(f"{source}: expected one graph input, found {[i.name for i in inputs]}")
        spec = card["inputs"]
        if inputs[0].name != spec["name"]:
            raise CardMismatchError(
                f"{source}: card input {spec['name']!r} but the graph's input is {inputs[0].name!r}"
            )
        dims = _dims(inputs[0])
        if len(dims) != 2 or dims[1] != spec["width"]:
            raise CardMismatchError(f"{source}: card input width {spec['width']} but the graph takes shape {dims}")
        n_feat = len(card["features"]) + len(card["parameters"])
        if n_feat != spec["width"]:
            raise CardMismatchError(
                f"{source}: card lists {n_feat} features and parameters for an input of width {spec['width']}"
            )
        graph_outputs = [o.name for o in model.graph.output]
        card_outputs = [o["name"] for o in card["outputs"]]
        if graph_outputs != card_outputs:
            raise CardMismatchError(
                f"{source}: card outputs {card_outputs} but the graph's outputs are {graph_outputs}"
            )
        digest = graph_sha256(model)
        if digest != card["sha256"]:
            raise CardMismatchError(
                f"{source}: the graph's sha256 {digest[:12]}… does not match the card's {card['sha256'][:12]}…"
            )

    # -- description -------------------------------------------------------------------------
    @property
    def family(self) -> str:
        return str(self.card["family"])

    @property
    def name(self) -> str:
        return str(self.card["name"])

    @property
    def feature_names(self) -> list[str]:
        return [f["name"] for f in self.card["features"]] + [p["name"] for p in self.card["parameters"]]

    @property
    def width(self) -> int:
        return int(self.card["inputs"]["width"])

    @property
    def output_names(self) -> list[str]:
        return [o["name"] for o in self.card["outputs"]]

    @property
    def domain(self) -> dict[str, Any] | None:
        """The training domain of the card (schema ≥ 1.1.0), or None."""
        return self.card.get("domain")

    # -- inference ---------------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_session"] = None  # onnxruntime sessions cannot be pickled: rebuilt on the worker
        return state

    def session(self, threads: int = 1) -> Any:
        """The onnxruntime session, created on first use (``threads`` intra-op threads)."""
        if self._session is None or self._threads != threads:
            import onnxruntime as ort

            opts = ort.SessionOptions()
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
            opts.log_severity_level = 3
            self._session = ort.InferenceSession(
                self.model_bytes, sess_options=opts, providers=["CPUExecutionProvider"]
            )
            self._threads = threads
        return self._session

    def check_inputs(self, x: np.ndarray, rows: np.ndarray | None = None) -> None:
        """Width and finiteness checks (``rows``: the rows that will be used, default all).

        Raises:
            FeatureMismatchError: not a 2-D array of the card's width.
            NonFiniteFeatureError: NaN or inf in a used row; names the feature(s).
        """
        if x.ndim != 2 or x.shape[1] != self.width:
            raise FeatureMismatchError(
                f"{self.name} expects input of shape (n, {self.width}) "
                f"[{', '.join(self.feature_names[:3])}, …], got {x.shape}"
            )
        used = x if rows is None else x[rows]
        bad = ~np.isfinite(used)
        if bad.any():
            counts = bad.sum(axis=0)
            named = [f"{self.feature_names[i]} ({int(c)} rows)" for i, c in enumerate(counts) if c]
            raise NonFiniteFeatureError(f"{self.name}: non-finite input features: {', '.join(named)}")

    def run(self, x: np.ndarray, threads: int = 1) -> dict[str, np.ndarray]:
        """Run the graph on ``x`` (n × width); every output by its card name, as float32 arrays."""
        x = np.ascontiguousarray(x, dtype=np.float32)
        self.check_inputs(x)
        outputs = self.session(threads).run(None, {self.card["inputs"]["name"]: x}) if len(x) else None
        out = {}
        for i, name in enumerate(self.output_names):
            out[name] = outputs[i] if outputs is not None else np.zeros((0,), dtype=np.float32)
        return out

    def predict(self, x: np.ndarray, threads: int = 1) -> np.ndarray:
        """Run the graph on ``x`` (n × width); returns the first output as float32 (n,) or (n, k)."""
        x = np.ascontiguousarray(x, dtype=np.float32)
        self.check_inputs(x)
        if len(x) == 0:
            return np.zeros((0,), dtype=np.float32)
        out = self.session(threads).run(None, {self.card["inputs"]["name"]: x})[0]
        return out.reshape(len(x), -1)[:, 0] if out.ndim == 2 and out.shape[1] == 1 else out
