r"""The combination of likelihoods that share parameters (by name), with each shared constraint counted once.

Parts :math:`k = 1 \dots K` with parameter sets :math:`P_k` (matched by name: a parameter
called ``lumi`` in two parts is one parameter) combine into

.. math::

    \ln L(\phi) = \sum_k \ln L_k(\phi_{P_k})
        - \sum_{p} (n_p - 1) \ln \pi_p(\phi_p),

where :math:`n_p` is the number of parts whose :math:`\ln L_k` contains the constraint term
:math:`\pi_p` of parameter :math:`p` (``constraint_in_logpdf`` in their parameter records): each
part's ln L carries the Gaussian constraint of a shared nuisance, and the product of the parts
must carry it once. Only Gaussian (``normal``) shared constraints can be removed this way;
parts whose records disagree on a shared parameter's prior or role are refused. Bounds of a
shared parameter are the intersection of the parts' bounds.

The parts can be exact likelihoods or surrogates (anything with ``parameter_names``,
``parameters()`` and ``logpdf``), so a combination of surrogates is checked against the
combination of the exact parts, which for the 1809.05548 toy split by category is the full toy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError

__all__ = ["CombinedLikelihood"]


class CombinedLikelihood:
    """ln L of the product of likelihoods sharing parameters by name."""

    def __init__(self, parts: Sequence[Any], poi: str | None = None) -> None:
        if len(parts) < 2:
            raise InvalidArgumentError(f"a combination needs at least two likelihoods, got {len(parts)}")
        self.parts = list(parts)
        names: list[str] = []
        records: dict[str, dict[str, Any]] = {}
        counts: dict[str, int] = {}
        for k, part in enumerate(self.parts):
            for rec in part.parameters():
                name = rec["name"]
                if name not in records:
                    names.append(name)
                    records[name] = dict(rec)
                else:
                    have = records[name]
                    if have["prior"] != rec["prior"] or bool(have.get("poi")) != bool(rec.get("poi")):
                        raise InvalidArgumentError(f"parameter {name!r} differs between the parts (prior/role: "
                                                   f"{have['prior']} vs {rec['prior']} in part {k})")
                    lo = max(have["range"][0], rec["range"][0])
                    hi = min(have["range"][1], rec["range"][1])
                    if lo >= hi:
                        raise InvalidArgumentError(f"parameter {name!r}: the parts' bounds do not overlap")
                    have["range"] = [lo, hi]
                if rec.get("constraint_in_logpdf"):
                    counts[name] = counts.get(name, 0) + 1
        self.parameter_names = names
        self._records = [records[n] for n in names]
        self._index = [np.array([names.index(n) for n in part.parameter_names]) for part in self.parts]
        self._dup: list[tuple[int, int, float, float]] = []
        for name, n in counts.items():
            if n > 1:
                prior = records[name]["prior"]
                if prior["kind"] != "normal":
                    raise InvalidArgumentError(f"shared constraint of {name!r} is {prior['kind']!r}; only normal "
                                               f"constraints can be counted once")
                self._dup.append((names.index(name), n - 1, float(prior["mean"]), float(prior["sigma"])))
        pois = [r["name"] for r in self._records if r.get("poi")]
        chosen = poi or (pois[0] if pois else None)
        if chosen is None or chosen not in names:
            raise InvalidArgumentError(f"no parameter of interest among the combined parameters (POIs: {pois})")
        self.poi_index = names.index(chosen)

    @property
    def n_parameters(self) -> int:
        return len(self.parameter_names)

    def parameters(self) -> list[dict[str, Any]]:
        out = [dict(r) for r in self._records]
        for i, _, _, _ in self._dup:
            out[i]["constraint_in_logpdf"] = True
        return out

    def nominal(self) -> np.ndarray:
        x = np.zeros(self.n_parameters)
        for part, idx in zip(self.parts, self._index):
            x[idx] = part.nominal()
        return x

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        """Σ_k ln L_k minus the repeated constraint terms, per row."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1:
            x = x[None]
        if x.shape[1] != self.n_parameters:
            raise InvalidArgumentError(f"combination: expected rows of {self.n_parameters} parameters, got {x.shape}")
        total = np.zeros(len(x))
        for part, idx in zip(self.parts, self._index):
            total += part.logpdf(x[:, idx])
        for i, extra, mean, sigma in self._dup:
            z = (x[:, i] - mean) / sigma
            total -= extra * (-0.5 * z * z - math.log(sigma * math.sqrt(2.0 * math.pi)))
        return total

    def gradient(self, x: np.ndarray) -> np.ndarray:
        """∇ ln L at one point, from the parts' ``gradient`` (surrogates) or their finite differences."""
        from .profile import finite_difference_gradient

        x = np.asarray(x, dtype=np.float64)
        g = np.zeros(self.n_parameters)
        for part, idx in zip(self.parts, self._index):
            grad = getattr(part, "gradient", None) or finite_difference_gradient(part.logpdf)
            g[idx] += grad(x[idx])
        for i, extra, mean, sigma in self._dup:
            g[i] += extra * (x[i] - mean) / sigma**2
        return g
