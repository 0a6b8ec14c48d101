r"""A spey backend serving a likelihood bundle, so that spey users call a DNN likelihood like any other.

spey (arXiv:2307.06996) finds backends through the ``spey.backend.plugins`` entry point; this
package registers ``hepsurrogates.likelihood`` there (pyproject.toml), so after installation

.. code-block:: python

    import spey
    model = spey.get_backend("hepsurrogates.likelihood")(bundle="likelihood_toy.onnx")
    model.maximize_likelihood()                # (mu_hat, -ln L_max)
    model.chi2(poi_test=1.0)                   # t_mu = -2 ln [L(1, θ̂̂) / L(μ̂, θ̂)]
    model.exclusion_confidence_level(calculator="chi_square")

What it offers, honestly: the observed likelihood and its gradient (the bundle's two outputs:
spey's optimiser receives the analytic gradient through :meth:`get_objective_function`), the
parameter names, bounds and POI from the card. What it refuses, with an error rather than a
wrong number: any other data set (``data=...``, ``ExpectationType.apriori``) and
``expected_data``, because a surrogate of :math:`\ln L` for fixed observed data has no model of
the counts; spey's ``asymptotic`` and ``toy`` calculators need them, its ``chi_square``
calculator does not. :mod:`hepsurrogates.models.likelihood.limits` gives asymptotic CLs limits
from the observed likelihood instead (Wald width).

spey is imported when this module is (the module is only imported by spey's plugin loader or
by a user who asks for it), never by the rest of the package.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import spey
from spey.base.model_config import ModelConfig

from hepsurrogates.exceptions import InvalidArgumentError

from .surrogate import LikelihoodSurrogate

__all__ = ["LikelihoodBundleBackend"]


class LikelihoodBundleBackend(spey.BackendBase):
    """spey backend of a ``likelihood`` bundle (the observed ln L and its gradient).

    Args:
        bundle: path of the bundle's ``.onnx`` file, or a loaded :class:`LikelihoodSurrogate`.
        threads: onnxruntime intra-op threads.
    """

    name = "hepsurrogates.likelihood"
    version = "1.0.0"
    author = "hepsurrogates developers"
    spey_requires = ">=0.1.0"
    doi: list[str] = []
    arXiv = ["1911.03305"]

    def __init__(self, bundle: str | Path | LikelihoodSurrogate, threads: int = 1) -> None:
        loaded = isinstance(bundle, LikelihoodSurrogate)
        self.surrogate = bundle if loaded else LikelihoodSurrogate.load(bundle, threads)

    @property
    def is_alive(self) -> bool:
        return True

    def config(self, allow_negative_signal: bool = True, poi_upper_bound: float | None = None) -> ModelConfig:
        s = self.surrogate
        bounds = [tuple(map(float, b)) for b in s.bounds]
        poi = s.poi_index
        lo, hi = bounds[poi]
        low = lo if allow_negative_signal else max(lo, 0.0)
        high = hi if poi_upper_bound is None else min(hi, float(poi_upper_bound))
        bounds[poi] = (low, high)
        init = np.clip(s.nominal(), [b[0] for b in bounds], [b[1] for b in bounds])
        return ModelConfig(poi_index=poi, minimum_poi=low, suggested_init=init.tolist(), suggested_bounds=bounds,
                           parameter_names=list(s.parameter_names))

    def _refuse_other_data(self, expected: Any, data: Any) -> None:
        if data is not None:
            raise InvalidArgumentError("a likelihood surrogate is ln L for its observed data only; "
                                       "it cannot be evaluated on other data")
        if expected == spey.ExpectationType.apriori:
            raise InvalidArgumentError("a likelihood surrogate has no background-only (apriori) data set; "
                                       "use ExpectationType.observed")

    def get_logpdf_func(self, expected: Any = spey.ExpectationType.observed,
                        data: Any = None) -> Callable[[np.ndarray], float]:
        self._refuse_other_data(expected, data)
        s = self.surrogate

        def logpdf(pars: np.ndarray) -> float:
            return float(s.logpdf(np.asarray(pars, dtype=np.float64)[None])[0])

        return logpdf

    def get_objective_function(self, expected: Any = spey.ExpectationType.observed, data: Any = None,
                               do_grad: bool = True) -> Callable[[np.ndarray], Any]:
        self._refuse_other_data(expected, data)
        s = self.surrogate

        def objective(pars: np.ndarray) -> Any:
            value, grad = s.evaluate(np.asarray(pars, dtype=np.float64)[None])
            return (-float(value[0]), -grad[0]) if do_grad else -float(value[0])

        return objective

    def expected_data(self, pars: list[float]) -> list[float]:
        raise InvalidArgumentError("a likelihood surrogate has no model of the counts, so no expected or Asimov "
                                   "data; use spey's chi_square calculator, or "
                                   "hepsurrogates.models.likelihood.limits for asymptotic CLs")
