r"""The LHC-like toy likelihood of arXiv:1809.05548, exactly as DNNLikelihood (arXiv:1911.03305) defines it.

Three categories of 30 bins (bin :math:`I` of category :math:`c` is index :math:`30c + I`), one
signal strength :math:`\mu` and 94 nuisance parameters, in the order
:math:`\mu, \delta_1 \dots \delta_{90}` (MC statistics, one per bin), :math:`\delta_{ISR},
\delta_{JES}, \delta_{LV}, \delta_{CR}`. The expected count of bin :math:`I` is

.. math::

    \lambda_I = \mu s_I + B_c\, N_c(\delta)\, f_I(\delta)\, (1 + \epsilon_I)^{\delta_I},

with :math:`B_c` the category's total nominal background, the shape

.. math:: f_I = \frac{F^0_I P(\delta_{ISR}; k^+_I, k^-_I) P(\delta_{JES}; k^+_I, k^-_I)}
                     {\sum_{J \in c} F^0_J P(\delta_{ISR}; \dots) P(\delta_{JES}; \dots)},

:math:`P` the parabola through :math:`(-1, k^-), (0, 1), (+1, k^+)` continued linearly outside
:math:`[-1, 1]`, and the normalisation :math:`N_c = \prod_k (1 + K^\pm_{k,c})^{\pm\delta_k}` over
ISR, JES, LV and CR. The background counts are used rounded to one decimal, as the reference
code does. The functions here are vectorised over rows of parameter points (``(n, 95)``) and
return, per row,

* :meth:`ToyLikelihood.log_poisson`: :math:`\sum_I [n_I \ln\lambda_I - \lambda_I - \ln n_I!]`;
* :meth:`ToyLikelihood.log_constraint`: :math:`\sum_k \ln \mathcal{N}(\delta_k; 0, 1)` (with the
  :math:`-\tfrac12\ln 2\pi` constants, as pyhf writes its constraint terms);
* :meth:`ToyLikelihood.logpdf`: their sum, the full HistFactory-style likelihood that pyhf's
  ``logpdf`` evaluates, which the surrogate learns; the posterior is this plus the flat prior
  of :math:`\mu` on :math:`(-1, 5)` (:meth:`ToyLikelihood.log_posterior`).

A point with a non-positive expected count is outside the model: its log-likelihood is
:math:`-\infty` (never NaN).

Example:
    >>> toy = ToyLikelihood.load()
    >>> toy.n_parameters, toy.parameter_names[:2], toy.parameter_names[-1]
    (95, ['mu', 'mcstat_00'], 'CR')
    >>> round(float(toy.logpdf(toy.nominal()[None])[0]), 3)
    -296.709
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import gammaln

from hepsurrogates.exceptions import InvalidArgumentError, MissingInputFileError, SchemaError

__all__ = ["ToyLikelihood", "ToyCategories", "TOY_DATA_FILE", "parabola", "TOY_MU_BOUNDS", "NUISANCE_BOUNDS"]

#: the data file shipped with the package (a copy of ``shared/data/lhc_toy_1809.05548.json``)
TOY_DATA_FILE = "lhc_toy_1809.05548.json"
#: the flat prior of the signal strength (PHYSICS.md §5)
TOY_MU_BOUNDS = (-1.0, 5.0)
#: the range a nuisance parameter may take in fits (pyhf's default for normsys/histosys)
NUISANCE_BOUNDS = (-5.0, 5.0)
_N_BINS, _N_CAT = 90, 3
_CORRELATED = ("ISR", "JES", "LV", "CR")
_REQUIRED = ("data", "exp_background", "signal", "epsI_MCstat", "kpI_ISR", "kmI_ISR", "kpI_JES", "kmI_JES",
             *(f"K{s}_{k}" for k in _CORRELATED for s in ("p", "m")))


def parabola(d: np.ndarray, kp: np.ndarray, km: np.ndarray) -> np.ndarray:
    r"""The shape factor :math:`P(d; k^+, k^-)`: the parabola through (−1, k⁻), (0, 1), (+1, k⁺)
    for :math:`|d| \le 1`, continued linearly with the slope at ±1 outside (pyhf's histosys
    interpolation code 2, written multiplicatively).

    Example:
        >>> parabola(np.array([-1.0, 0.0, 1.0, 2.0]), np.array(1.1), np.array(0.95)).round(4).tolist()
        [0.95, 1.0, 1.1, 1.225]
    """
    inner = 0.5 * d * (d - 1.0) * km - (d - 1.0) * (d + 1.0) + 0.5 * d * (d + 1.0) * kp
    above = (0.5 * (3.0 * kp + km) - 2.0) * d - 0.5 * (kp + km) + 2.0
    below = (2.0 - 0.5 * (3.0 * km + kp)) * d - 0.5 * (kp + km) + 2.0
    return np.where(d > 1.0, above, np.where(d < -1.0, below, inner))


def _log_norm_factor(d: np.ndarray, kp: np.ndarray, km: np.ndarray) -> np.ndarray:
    """ln of (1 + K⁺)^d for d ≥ 0, (1 + K⁻)^(−d) for d < 0 (d: (n, 1); K: (3,))."""
    return np.where(d >= 0.0, d * np.log1p(kp), -d * np.log1p(km))


@dataclass(frozen=True)
class ToyLikelihood:
    """The 1809.05548 toy: 90 bins, μ and 94 nuisances; every method takes rows ``(n, 95)``."""

    observed: np.ndarray
    background: np.ndarray
    signal: np.ndarray
    eps_mcstat: np.ndarray
    shape_kp: np.ndarray  # (2, 90): ISR, JES
    shape_km: np.ndarray
    norm_kp: np.ndarray  # (4, 3): ISR, JES, LV, CR per category
    norm_km: np.ndarray
    source: str

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path | None = None) -> ToyLikelihood:
        """Build the toy from its data file (default: the copy shipped with the package).

        Raises:
            MissingInputFileError: ``path`` does not exist.
            SchemaError: the file is not JSON or lacks a field / has a field of the wrong length.
        """
        if path is None:
            package = resources.files("hepsurrogates.datasets.teachers.likelihood")
            text = package.joinpath("data", TOY_DATA_FILE).read_text()
            source = f"package data {TOY_DATA_FILE}"
        else:
            p = Path(path)
            if not p.is_file():
                raise MissingInputFileError(f"toy likelihood data file not found: {p}")
            text, source = p.read_text(), str(p)
        try:
            d = json.loads(text)
        except json.JSONDecodeError as err:
            raise SchemaError(f"{source}: not valid JSON ({err})") from err
        missing = [k for k in _REQUIRED if k not in d]
        if missing:
            raise SchemaError(f"{source}: the toy data lacks the field(s) {missing}")
        per_bin = {k: np.asarray(d[k], dtype=np.float64) for k in _REQUIRED if not k.startswith("K")}
        per_cat = {k: np.asarray(d[k], dtype=np.float64) for k in _REQUIRED if k.startswith("K")}
        for k, v in per_bin.items():
            if v.shape != (_N_BINS,):
                raise SchemaError(f"{source}: field {k!r} should have {_N_BINS} entries, found shape {v.shape}")
        for k, v in per_cat.items():
            if v.shape != (_N_CAT,):
                raise SchemaError(f"{source}: field {k!r} should have {_N_CAT} entries, found shape {v.shape}")
        return cls(
            observed=per_bin["data"],
            background=np.round(per_bin["exp_background"], 1),
            signal=per_bin["signal"],
            eps_mcstat=per_bin["epsI_MCstat"],
            shape_kp=np.stack([per_bin["kpI_ISR"], per_bin["kpI_JES"]]),
            shape_km=np.stack([per_bin["kmI_ISR"], per_bin["kmI_JES"]]),
            norm_kp=np.stack([per_cat[f"Kp_{k}"] for k in _CORRELATED]),
            norm_km=np.stack([per_cat[f"Km_{k}"] for k in _CORRELATED]),
            source=source,
        )

    # -- description -------------------------------------------------------------------------
    @property
    def n_parameters(self) -> int:
        return 1 + _N_BINS + len(_CORRELATED)

    @property
    def parameter_names(self) -> list[str]:
        return ["mu", *(f"mcstat_{i:02d}" for i in range(_N_BINS)), *_CORRELATED]

    @property
    def poi_index(self) -> int:
        return 0

    def parameters(self) -> list[dict[str, Any]]:
        """The parameters as the card records them: name, unit, bounds, prior, role."""
        out: list[dict[str, Any]] = [{
            "name": "mu", "unit": "1", "range": list(TOY_MU_BOUNDS), "poi": True,
            "prior": {"kind": "uniform", "low": TOY_MU_BOUNDS[0], "high": TOY_MU_BOUNDS[1]},
            "constraint_in_logpdf": False, "description": "signal strength (parameter of interest)",
        }]
        for name in self.parameter_names[1:]:
            what = (f"MC statistics of bin {int(name[-2:])}" if name.startswith("mcstat") else
                    f"{name} {'shape and normalisation' if name in ('ISR', 'JES') else 'normalisation'}")
            out.append({"name": name, "unit": "1", "range": list(NUISANCE_BOUNDS), "poi": False,
                        "prior": {"kind": "normal", "mean": 0.0, "sigma": 1.0},
                        "constraint_in_logpdf": True, "description": what})
        return out

    def nominal(self) -> np.ndarray:
        """μ = 1, every δ = 0 (a ``(95,)`` row)."""
        x = np.zeros(self.n_parameters)
        x[0] = 1.0
        return x

    # -- the likelihood ----------------------------------------------------------------------
    def _rows(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1:
            x = x[None]
        if x.ndim != 2 or x.shape[1] != self.n_parameters:
            raise InvalidArgumentError(f"toy likelihood: expected rows of {self.n_parameters} parameters "
                                       f"(mu, 90 mcstat, ISR, JES, LV, CR), got shape {x.shape}")
        return x

    def expected(self, x: np.ndarray) -> np.ndarray:
        """λ_I per row: ``(n, 90)``."""
        x = self._rows(x)
        mu = x[:, :1]
        d_bin = x[:, 1:1 + _N_BINS]
        d_corr = x[:, 1 + _N_BINS:]
        shape = self.background * parabola(d_corr[:, :1], self.shape_kp[0], self.shape_km[0]) \
            * parabola(d_corr[:, 1:2], self.shape_kp[1], self.shape_km[1])
        b_cat = self.background.reshape(_N_CAT, -1).sum(axis=1)
        shape_cat = shape.reshape(len(x), _N_CAT, -1)
        f = shape_cat / shape_cat.sum(axis=2, keepdims=True)
        log_norm = np.zeros((len(x), _N_CAT))
        for k in range(len(_CORRELATED)):
            log_norm += _log_norm_factor(d_corr[:, k:k + 1], self.norm_kp[k], self.norm_km[k])
        bkg = (b_cat * np.exp(log_norm))[:, :, None] * f
        return mu * self.signal + bkg.reshape(len(x), _N_BINS) * np.exp(d_bin * np.log1p(self.eps_mcstat))

    def log_poisson(self, x: np.ndarray) -> np.ndarray:
        """Σ_I [n_I ln λ_I − λ_I − ln n_I!] per row (−inf where some λ_I ≤ 0)."""
        lam = self.expected(x)
        ok = np.all(lam > 0.0, axis=1)
        safe = np.where(lam > 0.0, lam, 1.0)
        value = np.log(safe) @ self.observed - safe.sum(axis=1) - float(np.sum(gammaln(self.observed + 1.0)))
        return np.where(ok, value, -np.inf)

    def log_constraint(self, x: np.ndarray) -> np.ndarray:
        """Σ over the 94 nuisances of ln N(δ; 0, 1) per row."""
        d = self._rows(x)[:, 1:]
        return -0.5 * np.sum(d * d, axis=1) - 0.5 * d.shape[1] * math.log(2.0 * math.pi)

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        """The full log-likelihood (Poisson terms + Gaussian constraints), as pyhf's ``logpdf``."""
        return self.log_poisson(x) + self.log_constraint(x)

    def log_posterior(self, x: np.ndarray) -> np.ndarray:
        """logpdf plus the flat prior of μ on (−1, 5) (−inf outside it)."""
        x = self._rows(x)
        inside = (x[:, 0] > TOY_MU_BOUNDS[0]) & (x[:, 0] < TOY_MU_BOUNDS[1])
        out = np.full(len(x), -np.inf)
        if inside.any():
            out[inside] = self.logpdf(x[inside]) - math.log(TOY_MU_BOUNDS[1] - TOY_MU_BOUNDS[0])
        return out


class ToyCategories:
    """The toy restricted to some of its three categories: a likelihood of its own.

    Parameters: μ, the MC-statistics nuisances of the kept bins, and the four correlated ones
    (ISR, JES, LV, CR), names as in the full toy. Because the toy's ln L is a sum over bins and a
    category's expected counts depend on its own bins' and the correlated nuisances only, the
    parts of a split combine exactly into the full toy once the shared nuisances' constraint
    terms are counted once (:class:`~hepsurrogates.models.likelihood.combine.CombinedLikelihood`).

    Example:
        >>> toy = ToyLikelihood.load()
        >>> a, b = ToyCategories(toy, (0, 1)), ToyCategories(toy, (2,))
        >>> a.n_parameters, b.n_parameters
        (65, 35)
    """

    def __init__(self, toy: ToyLikelihood, categories: tuple[int, ...]) -> None:
        if not categories or any(c not in range(_N_CAT) for c in categories) or len(set(categories)) != len(categories):
            raise InvalidArgumentError(f"categories must be distinct values of 0, 1, 2, got {categories}")
        self.toy = toy
        self.categories = tuple(sorted(categories))
        self.bins = np.concatenate([np.arange(30 * c, 30 * c + 30) for c in self.categories])
        full = toy.parameter_names
        self._columns = np.concatenate([[0], 1 + self.bins, np.arange(1 + _N_BINS, toy.n_parameters)])
        self.parameter_names = [full[i] for i in self._columns]
        self.poi_index = 0
        self.source = f"{toy.source}, categories {list(self.categories)}"
        self._gammaln = float(np.sum(gammaln(toy.observed[self.bins] + 1.0)))

    @property
    def n_parameters(self) -> int:
        return len(self.parameter_names)

    def parameters(self) -> list[dict[str, Any]]:
        records = self.toy.parameters()
        return [records[i] for i in self._columns]

    def nominal(self) -> np.ndarray:
        return self.toy.nominal()[self._columns]

    def _full(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1:
            x = x[None]
        if x.ndim != 2 or x.shape[1] != self.n_parameters:
            raise InvalidArgumentError(f"toy categories {list(self.categories)}: expected rows of "
                                       f"{self.n_parameters} parameters, got shape {x.shape}")
        full = np.zeros((len(x), self.toy.n_parameters))
        full[:, self._columns] = x
        return full

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        """Poisson terms of the kept bins plus the constraints of this part's nuisances."""
        full = self._full(x)
        lam = self.toy.expected(full)[:, self.bins]
        ok = np.all(lam > 0.0, axis=1)
        safe = np.where(lam > 0.0, lam, 1.0)
        poisson = np.log(safe) @ self.toy.observed[self.bins] - safe.sum(axis=1) - self._gammaln
        d = full[:, self._columns[1:]]
        constraint = -0.5 * np.sum(d * d, axis=1) - 0.5 * d.shape[1] * math.log(2.0 * math.pi)
        return np.where(ok, poisson, -np.inf) + constraint

    def log_posterior(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64).reshape(-1, self.n_parameters)
        inside = (x[:, 0] > TOY_MU_BOUNDS[0]) & (x[:, 0] < TOY_MU_BOUNDS[1])
        out = np.full(len(x), -np.inf)
        if inside.any():
            out[inside] = self.logpdf(x[inside]) - math.log(TOY_MU_BOUNDS[1] - TOY_MU_BOUNDS[0])
        return out
