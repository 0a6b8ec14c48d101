r"""Any pyhf workspace as a likelihood teacher: validated JSON in, a vectorised ln L out.

:func:`load_workspace` reads a workspace JSON file and validates it against pyhf's schema; every
failure names the file and, for a schema violation, the path inside the document and what was
expected. :class:`WorkspaceLikelihood` wraps the pyhf model of one measurement with the interface
the family's sampling, training and inference use (the same as
:class:`~hepsurrogates.datasets.teachers.likelihood.toy.ToyLikelihood`):

* ``parameter_names``: pyhf's own order and names (``model.config.par_names``: one entry per
  component, e.g. ``staterror_SR[3]``), ``poi_index``, ``nominal()`` (pyhf's suggested inits);
* ``parameters()``: bounds (pyhf's suggested bounds), prior (``normal`` with pyhf's width for
  Gaussian-constrained parameters, ``poisson`` with its τ for shapesys, ``uniform`` over the
  bounds for free ones) and whether the constraint term is part of ln L;
* ``logpdf(x)``: pyhf's ``logpdf`` (main + constraint terms) on rows ``(n, npars)``, evaluated
  in fixed batches by a model built with ``batch_size`` (pyhf's vectorised path); NaN (some
  expected count negative) becomes −inf;
* ``log_posterior(x)``: ln L plus a flat prior of the free parameters, −inf outside the bounds.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError, SchemaError
from hepsurrogates.jsonout import load_json

__all__ = ["load_workspace", "WorkspaceLikelihood", "workspace_sha256"]


def workspace_sha256(spec: dict[str, Any]) -> str:
    """sha256 of the workspace serialised canonically (sorted keys, no whitespace)."""
    return hashlib.sha256(json.dumps(spec, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def load_workspace(path: str | Path) -> Any:
    """A validated :class:`pyhf.Workspace` from a JSON file.

    Raises:
        MissingInputFileError: the file does not exist.
        SchemaError: not JSON, or not a pyhf workspace (the message names the file, the path in
            the document and pyhf's reason).
    """

    spec = load_json(path, "pyhf workspace")
    return workspace_from_spec(spec, source=str(path))


def workspace_from_spec(spec: Any, source: str = "<workspace>") -> Any:
    """A validated :class:`pyhf.Workspace` from a dict (see :func:`load_workspace`)."""
    import jsonschema
    import pyhf

    if not isinstance(spec, dict):
        raise SchemaError(f"{source}: a pyhf workspace is a JSON object, found {type(spec).__name__}")
    try:
        return pyhf.Workspace(spec)
    except pyhf.exceptions.InvalidSpecification as err:
        cause = err.exc_info[1] if hasattr(err, "exc_info") else None
        if isinstance(cause, jsonschema.ValidationError):
            where = "/".join(str(k) for k in cause.absolute_path) or "<document>"
            raise SchemaError(f"{source}: not a valid pyhf workspace at {where}: {cause.message}") from err
        raise SchemaError(f"{source}: not a valid pyhf workspace: {err}") from err
    except pyhf.exceptions.InvalidWorkspaceOperation as err:
        raise SchemaError(f"{source}: inconsistent pyhf workspace: {err}") from err


class WorkspaceLikelihood:
    """One measurement of a pyhf workspace as a vectorised likelihood (numpy backend)."""

    def __init__(self, workspace: Any, measurement: str | None = None,
                 modifier_settings: dict[str, dict[str, str]] | None = None, batch: int = 256,
                 source: str = "<workspace>") -> None:
        import pyhf

        pyhf.set_backend("numpy")
        self.workspace = workspace
        self.source = source
        self.modifier_settings = modifier_settings
        self.batch = int(batch)
        kwargs: dict[str, Any] = {"measurement_name": measurement} if measurement else {}
        if modifier_settings:
            kwargs["modifier_settings"] = modifier_settings
        try:
            self.model = workspace.model(**kwargs)
            self._batched = workspace.model(batch_size=self.batch, **kwargs)
        except pyhf.exceptions.InvalidMeasurement as err:
            raise InvalidArgumentError(f"{source}: {err}") from err
        self.data = np.asarray(workspace.data(self.model), dtype=np.float64)
        self.sha256 = workspace_sha256(dict(workspace))
        cfg = self.model.config
        self.parameter_names: list[str] = list(cfg.par_names)
        self.poi_index: int = int(cfg.poi_index)
        self._bounds = np.asarray(cfg.suggested_bounds(), dtype=np.float64)
        self._free = np.zeros(len(self.parameter_names), dtype=bool)
        self._records: list[dict[str, Any]] = []
        for name in cfg.par_order:
            ps = cfg.param_set(name)
            sl = cfg.par_slice(name)
            for k, i in enumerate(range(sl.start, sl.stop)):
                rec: dict[str, Any] = {"name": self.parameter_names[i], "unit": "1",
                                       "range": self._bounds[i].tolist(), "poi": i == self.poi_index}
                if getattr(ps, "constrained", False) and ps.pdf_type == "normal":
                    rec["prior"] = {"kind": "normal", "mean": float(ps.auxdata[k]), "sigma": float(ps.width()[k])}
                    rec["constraint_in_logpdf"] = True
                elif getattr(ps, "constrained", False) and ps.pdf_type == "poisson":
                    rec["prior"] = {"kind": "poisson", "tau": float(ps.factors[k])}
                    rec["constraint_in_logpdf"] = True
                else:
                    lo, hi = self._bounds[i]
                    rec["prior"] = {"kind": "uniform", "low": float(lo), "high": float(hi)}
                    rec["constraint_in_logpdf"] = False
                    self._free[i] = True
                self._records.append(rec)
        self._records.sort(key=lambda r: self.parameter_names.index(r["name"]))
        self._log_flat = -float(np.sum(np.log(self._bounds[self._free, 1] - self._bounds[self._free, 0])))

    @classmethod
    def from_file(cls, path: str | Path, **kwargs: Any) -> WorkspaceLikelihood:
        """Load, validate and wrap a workspace JSON file."""
        return cls(load_workspace(path), source=str(path), **kwargs)

    @property
    def n_parameters(self) -> int:
        return len(self.parameter_names)

    def parameters(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._records]

    def nominal(self) -> np.ndarray:
        return np.asarray(self.model.config.suggested_init(), dtype=np.float64)

    def _rows(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1:
            x = x[None]
        if x.ndim != 2 or x.shape[1] != self.n_parameters:
            raise InvalidArgumentError(f"{self.source}: expected rows of {self.n_parameters} parameters "
                                       f"({', '.join(self.parameter_names[:3])}, …), got shape {x.shape}")
        return x

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        """pyhf's ln L (main + constraint terms) per row; −inf where pyhf returns NaN."""
        x = self._rows(x)
        out = np.empty(len(x))
        if len(x) == 1:
            out[:] = self.model.logpdf(x[0], self.data)
        else:
            for i in range(0, len(x), self.batch):
                block = x[i:i + self.batch]
                pad = np.concatenate([block, np.repeat(block[-1:], self.batch - len(block), axis=0)])
                out[i:i + len(block)] = np.asarray(self._batched.logpdf(pad, self.data))[:len(block)]
        return np.where(np.isnan(out), -np.inf, out)

    def log_posterior(self, x: np.ndarray) -> np.ndarray:
        """ln L plus the flat prior of the free parameters; −inf outside the bounds."""
        x = self._rows(x)
        inside = np.all((x >= self._bounds[:, 0]) & (x <= self._bounds[:, 1]), axis=1)
        out = np.full(len(x), -np.inf)
        if inside.any():
            out[inside] = self.logpdf(x[inside]) + self._log_flat
        return out if math.isfinite(self._log_flat) else np.where(inside, out, -np.inf)
