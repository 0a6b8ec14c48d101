r"""The training domain of a bundle: per-input quantile ranges of the training sample.

A network answers for any input, including inputs far from everything it was trained on. The
card of every bundle records, for each input :math:`x_i` (features, then parameters), the range
:math:`[q_{lo}(x_i), q_{hi}(x_i)]` of the training rows, by default the 0.05 % and 99.95 %
quantiles. An event is *in the domain* when every input lies in its range; processors attach
the flag as ``Surrogate_<name>_inDomain`` beside the value (:mod:`hepsurrogates.models.domain`).
The quantiles, not the extremes, so that one outlier in the training sample does not open the
domain; the price is that a few in-distribution rows per thousand and per input fall outside,
which the card states as the in-domain fraction of every split.

Example:
    >>> import numpy as np
    >>> x = np.random.default_rng(1).normal(size=(10_000, 2))
    >>> d = input_domain(x, ["a", "b"], source="example")
    >>> sorted(d["ranges"]), round(d["in_domain_fraction"]["train"], 3)
    (['a', 'b'], 0.998)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["DEFAULT_QUANTILES", "input_domain", "domain_fraction"]

#: the quantiles of the training rows that bound each input
DEFAULT_QUANTILES: tuple[float, float] = (0.0005, 0.9995)


def domain_fraction(x: np.ndarray, names: Sequence[str], ranges: Mapping[str, Sequence[float]]) -> float:
    """The fraction of rows of ``x`` (columns ``names``) with every input inside its range."""
    if len(x) == 0:
        return float("nan")
    inside = np.ones(len(x), dtype=bool)
    for i, name in enumerate(names):
        lo, hi = ranges[name]
        inside &= (x[:, i] >= lo) & (x[:, i] <= hi)
    return float(inside.mean())


def input_domain(
    x: np.ndarray,
    names: Sequence[str],
    source: str,
    quantiles: tuple[float, float] = DEFAULT_QUANTILES,
    others: Mapping[str, np.ndarray] | None = None,
) -> dict[str, Any]:
    """The card's ``domain`` entry from the training rows ``x`` (n × len(names)).

    Args:
        x: the training inputs, in the bundle's input order.
        names: the input names (features, then parameters).
        source: what the rows are, for the card (e.g. ``"training split, 9717 events"``).
        quantiles: (low, high) quantiles that bound each input.
        others: further splits (e.g. ``{"validation": xv, "test": xt}``) whose in-domain
            fractions the card records beside the training split's.

    Raises:
        ValueError: ``x`` is empty, not of width ``len(names)``, or not finite.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != len(names):
        raise ValueError(f"domain: expected rows of width {len(names)}, got shape {x.shape}")
    if len(x) == 0:
        raise ValueError("domain: no training rows")
    if not np.isfinite(x).all():
        raise ValueError("domain: non-finite training inputs")
    lo, hi = np.quantile(x, quantiles, axis=0)
    ranges = {str(n): [float(a), float(b)] for n, a, b in zip(names, lo, hi)}
    fractions = {"train": domain_fraction(x, names, ranges)}
    for split, rows in (others or {}).items():
        if len(rows):
            fractions[split] = domain_fraction(np.asarray(rows, dtype=np.float64), names, ranges)
    return {"quantiles": [float(q) for q in quantiles], "ranges": ranges, "source": source,
            "n_rows": int(len(x)), "in_domain_fraction": fractions}
