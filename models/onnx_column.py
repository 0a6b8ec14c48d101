"""Attach a bundle's output to events as a column: onnxruntime behind coffea's numpy_call_wrapper.

:class:`OnnxColumn` follows coffea's ``ml_tools`` split (``coffea/ml_tools/helper.py``):

* ``prepare_awkward`` builds the feature columns from the events with the model's feature
  function (awkward, so it works on eager, virtual and dask-awkward arrays and reads only the
  branches it needs) and adds an event-validity column, or takes ``(valid, *columns)``
  computed by the caller;
* ``numpy_call`` is pure numpy: stack, check (width; NaN/inf in used rows raise
  :class:`~hepsurrogates.exceptions.NonFiniteFeatureError`), run onnxruntime;
* ``postprocess_awkward`` turns rows without a valid input (for example no di-τ pair) into
  None.

The onnxruntime session is created lazily on the worker that first evaluates (it cannot be
pickled) with one intra-op thread by default: under Dask, parallelism comes from the
partitions, and one thread per task avoids oversubscribing worker cores. The model bytes
travel with the object, so remote workers need no shared file system.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import awkward as ak
import numpy as np
from coffea.ml_tools.helper import nonserializable_attribute, numpy_call_wrapper

from hepsurrogates.exceptions import CardMismatchError, NonFiniteFeatureError

from .bundle import ModelBundle

__all__ = ["OnnxColumn", "InputsFunction"]

#: events -> (feature columns in the bundle's order, per-event validity)
InputsFunction = Callable[[Any], tuple[Sequence[Any], Any]]


class OnnxColumn(nonserializable_attribute, numpy_call_wrapper):
    """One bundle output as a per-event column.

    Args:
        bundle: the checked model bundle.
        inputs: the feature function (module-level, so the object pickles).
        feature_names: the names ``inputs`` produces, in order; must equal the card's.
        threads: onnxruntime intra-op threads.
        component: which component of the first output (n, k) is the column (default the first).
    """

    def __init__(
        self, bundle: ModelBundle, inputs: InputsFunction, feature_names: Sequence[str], threads: int = 1,
        component: int = 0,
    ) -> None:
        if list(feature_names) != bundle.feature_names:
            raise CardMismatchError(
                f"bundle {bundle.name!r} expects features {bundle.feature_names[:4]}… "
                f"({bundle.width}), the feature function gives {list(feature_names)[:4]}… ({len(feature_names)})"
            )
        self.bundle = bundle
        self.inputs = inputs
        self.threads = int(threads)
        self.component = int(component)
        nonserializable_attribute.__init__(self, ["session"])
        numpy_call_wrapper.__init__(self)

    def _create_session(self) -> Any:
        return self.bundle.session(self.threads)

    def prepare_awkward(self, *args: Any) -> tuple[list[Any], dict[str, Any]]:
        """Called with the events (features computed here) or with ``(valid, *columns)``
        already computed by the caller (a processor that needs the inputs for other things)."""
        if len(args) == 1:
            columns, valid = self.inputs(args[0])
            return [valid, *columns], {}
        if len(args) != self.bundle.width + 1:
            raise CardMismatchError(
                f"{self.bundle.name}: expected events or (valid, {self.bundle.width} columns), "
                f"got {len(args)} arguments"
            )
        return list(args), {}

    def validate_numpy_input(self, valid: np.ndarray, *columns: np.ndarray) -> None:
        """Width, and finiteness of every column in the rows that will be evaluated."""
        if len(columns) != self.bundle.width:
            raise CardMismatchError(
                f"{self.bundle.name}: {len(columns)} feature columns for a model of width {self.bundle.width}"
            )
        used = np.asarray(valid, dtype=bool)
        bad = [
            (name, int((~np.isfinite(np.asarray(c)[used])).sum()))
            for name, c in zip(self.bundle.feature_names, columns)
        ]
        bad = [(name, k) for name, k in bad if k]
        if bad:
            raise NonFiniteFeatureError(
                f"{self.bundle.name}: non-finite input features: " + ", ".join(f"{n} ({k} rows)" for n, k in bad)
            )

    def numpy_call(self, valid: np.ndarray, *columns: np.ndarray) -> np.ndarray:
        valid = np.asarray(valid, dtype=bool)
        out = np.full(len(valid), np.nan, dtype=np.float32)
        if valid.any():
            x = np.stack([np.asarray(c, dtype=np.float32)[valid] for c in columns], axis=1)
            pred = self.session.run(None, {self.bundle.card["inputs"]["name"]: np.ascontiguousarray(x)})[0]
            out[valid] = pred.reshape(len(x), -1)[:, self.component]
        return out

    def postprocess_awkward(self, result: Any, *args: Any) -> Any:
        return ak.mask(result, ~np.isnan(result))
