r"""A likelihood bundle as a callable likelihood: ln L, its gradient and the posterior, through onnxruntime.

The bundle's graph takes the parameters in the card's order (``parameters``, float32) and returns
``logpdf`` (ln L, constraint terms of the parameters marked ``constraint_in_logpdf`` included)
and, in the bundles the trainer ships, ``grad_logpdf`` (∂ ln L/∂x). :class:`LikelihoodSurrogate`
offers the same interface as the teachers (``parameter_names``, ``poi_index``, ``parameters()``,
``nominal()``, ``logpdf``, ``log_posterior``), so the fits, scans, MCMC and intervals of this
package run unchanged on the exact likelihood and on its surrogate, plus ``gradient`` for the
fits.

The posterior adds the card's priors of the parameters whose density is *not* in ln L (flat
priors of free parameters such as μ) and is −inf outside the bounds.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from hepsurrogates.exceptions import CardMismatchError, InvalidArgumentError

from ..bundle import ModelBundle

__all__ = ["LikelihoodSurrogate", "LOGPDF_OUTPUT", "GRADIENT_OUTPUT"]

LOGPDF_OUTPUT = "logpdf"
GRADIENT_OUTPUT = "grad_logpdf"


def _log_prior(rec: dict[str, Any], x: np.ndarray) -> np.ndarray:
    prior = rec["prior"]
    kind = prior["kind"]
    if kind == "uniform":
        return np.full(len(x), -math.log(prior["high"] - prior["low"]))
    if kind == "normal":
        z = (x - prior["mean"]) / prior["sigma"]
        return -0.5 * z * z - math.log(prior["sigma"] * math.sqrt(2 * math.pi))
    raise InvalidArgumentError(f"prior kind {kind!r} of {rec['name']!r} is not supported outside ln L")


class LikelihoodSurrogate:
    """ln L(μ, θ) from a ``likelihood`` bundle (onnxruntime, float32 graph, float64 results)."""

    def __init__(self, bundle: ModelBundle, threads: int = 1) -> None:
        if bundle.family != "likelihood":
            raise CardMismatchError(f"{bundle.name} is a {bundle.family!r} bundle, expected family 'likelihood'")
        if bundle.output_names not in ([LOGPDF_OUTPUT, GRADIENT_OUTPUT], [LOGPDF_OUTPUT]):
            raise CardMismatchError(f"{bundle.name}: expected outputs {[LOGPDF_OUTPUT, GRADIENT_OUTPUT]} or "
                                    f"{[LOGPDF_OUTPUT]}, the card has {bundle.output_names}")
        #: whether the graph returns ∇ ln L (else :meth:`gradient` takes central differences)
        self.has_gradient = GRADIENT_OUTPUT in bundle.output_names
        self.bundle = bundle
        self.threads = threads
        self.card = bundle.card
        self._records = [dict(p) for p in self.card["parameters"]]
        self.parameter_names: list[str] = [p["name"] for p in self._records]
        poi = self.card["likelihood"]["poi"]
        if poi not in self.parameter_names:
            raise CardMismatchError(f"{bundle.name}: the parameter of interest {poi!r} is not among the parameters")
        self.poi_index: int = self.parameter_names.index(poi)
        self.bounds = np.array([p["range"] for p in self._records], dtype=np.float64)
        self._outside = [i for i, p in enumerate(self._records) if not p.get("constraint_in_logpdf", False)]
        self._value_session: Any = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_value_session"] = None  # onnxruntime sessions cannot be pickled
        return state

    def _logpdf_session(self) -> Any:
        """A session on the graph pruned to the ``logpdf`` output. onnxruntime runs every node of a
        graph whichever outputs are fetched, so ln L alone from the full graph would pay for the
        gradient too (about 3× the cost on the shipped toy bundle); the pruned graph is the same
        nodes, hence the same values."""
        if not self.has_gradient:
            return self.bundle.session(self.threads)
        if self._value_session is None:
            import onnx
            import onnxruntime as ort
            from onnx.utils import Extractor

            model = onnx.load_from_string(self.bundle.model_bytes)
            pruned = Extractor(model).extract_model([i.name for i in model.graph.input], [LOGPDF_OUTPUT])
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = self.threads
            opts.inter_op_num_threads = 1
            opts.log_severity_level = 3
            self._value_session = ort.InferenceSession(pruned.SerializeToString(), sess_options=opts,
                                                       providers=["CPUExecutionProvider"])
        return self._value_session

    @classmethod
    def load(cls, path: str | Path, threads: int = 1) -> LikelihoodSurrogate:
        """Load and check a bundle (family ``likelihood``) from its ``.onnx`` file."""
        return cls(ModelBundle.load(path, family="likelihood"), threads=threads)

    @property
    def n_parameters(self) -> int:
        return len(self.parameter_names)

    @property
    def workspace_sha256(self) -> str:
        return str(self.card["likelihood"]["workspace_sha256"])

    def parameters(self) -> list[dict[str, Any]]:
        return [dict(p) for p in self._records]

    def nominal(self) -> np.ndarray:
        """The centre of each prior (μ: 1 if inside its bounds, else the bounds' midpoint)."""
        x = np.empty(self.n_parameters)
        for i, p in enumerate(self._records):
            prior = p["prior"]
            if prior["kind"] == "normal":
                x[i] = prior["mean"]
            elif p.get("poi") and p["range"][0] <= 1.0 <= p["range"][1]:
                x[i] = 1.0
            else:
                x[i] = 0.5 * (p["range"][0] + p["range"][1])
        return x

    def _rows(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1:
            x = x[None]
        if x.ndim != 2 or x.shape[1] != self.n_parameters:
            raise InvalidArgumentError(f"{self.bundle.name}: expected rows of {self.n_parameters} parameters "
                                       f"({', '.join(self.parameter_names[:3])}, …), got shape {x.shape}")
        return x

    def evaluate(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(ln L ``(n,)``, ∇ ln L ``(n, d)``) as float64 (computed in float32)."""
        x = self._rows(x)
        if not self.has_gradient:
            return self.logpdf(x), np.stack([self.gradient(row) for row in x]) if len(x) else np.zeros((0, x.shape[1]))
        out = self.bundle.run(x, threads=self.threads)
        return out[LOGPDF_OUTPUT].astype(np.float64).reshape(-1), out[GRADIENT_OUTPUT].astype(np.float64)

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        """ln L per row."""
        x = self._rows(x)
        feed = {self.card["inputs"]["name"]: self._checked(x)}
        value = self._logpdf_session().run([LOGPDF_OUTPUT], feed)[0]
        return value.astype(np.float64).reshape(-1) if len(x) else np.zeros(0)

    def _checked(self, x: np.ndarray) -> np.ndarray:
        x32 = np.ascontiguousarray(x, dtype=np.float32)
        self.bundle.check_inputs(x32)
        return x32

    def gradient(self, x: np.ndarray) -> np.ndarray:
        """∇ ln L at one point ``(d,)`` (the signature :func:`~.profile.maximise` takes): the graph's
        ``grad_logpdf``, or, for a graph without it, central differences with step 10⁻² in one
        batched call (the float32 output's resolution, ~3·10⁻⁵ on ln L ≈ −300, makes smaller
        steps noisier than the curvature error of this one)."""
        if not self.has_gradient:
            from .profile import finite_difference_gradient

            return finite_difference_gradient(self.logpdf, step=1e-2)(np.asarray(x, dtype=np.float64))
        return self.evaluate(np.asarray(x)[None])[1][0]

    def log_posterior(self, x: np.ndarray) -> np.ndarray:
        """ln L plus the priors not contained in it; −inf outside the bounds."""
        x = self._rows(x)
        inside = np.all((x >= self.bounds[:, 0]) & (x <= self.bounds[:, 1]), axis=1)
        out = np.full(len(x), -np.inf)
        if inside.any():
            xi = x[inside]
            value = self.logpdf(xi)
            for i in self._outside:
                value = value + _log_prior(self._records[i], xi[:, i])
            out[inside] = value
        return out
