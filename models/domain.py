r"""The training-domain flag: is every input of an event inside the bundle's training ranges?

The card of a bundle (schema 1.1.0) records, per input, the [low, high] quantile range of its
training sample (:mod:`hepsurrogates.training.domain` computes it). :func:`in_domain` evaluates

.. math:: \mathrm{inDomain} = \bigwedge_i \; lo_i \le x_i \le hi_i

on the same feature columns the network reads (numpy, awkward or dask-awkward: only
elementwise comparisons, so no extra branch is read). A NaN input is outside every range.

Example:
    >>> import numpy as np
    >>> dom = {"ranges": {"a": [0.0, 1.0], "b": [-1.0, 1.0]}}
    >>> in_domain([np.array([0.5, 2.0]), np.array([0.0, 0.0])], ["a", "b"], dom).tolist()
    [True, False]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hepsurrogates.exceptions import CardMismatchError

__all__ = ["in_domain", "domain_ranges"]


def domain_ranges(
    domain: Mapping[str, Any] | None, names: Sequence[str], source: str = "bundle"
) -> list[tuple[float, float]]:
    """The (low, high) range of each input in ``names`` order.

    Raises:
        CardMismatchError: the card has no domain, or no range for one of the inputs.
    """
    if not domain or "ranges" not in domain:
        raise CardMismatchError(
            f"{source}: the card records no training domain (card schema 1.0.0?); "
            f"retrain the bundle, or add the domain with its training sample"
        )
    ranges = domain["ranges"]
    missing = [n for n in names if n not in ranges]
    if missing:
        raise CardMismatchError(f"{source}: the card's training domain has no range for {missing}")
    return [(float(ranges[n][0]), float(ranges[n][1])) for n in names]


def in_domain(
    columns: Sequence[Any], names: Sequence[str], domain: Mapping[str, Any] | None, source: str = "bundle"
) -> Any:
    """True where every column lies inside its training range (same type as the columns)."""
    if len(columns) != len(names):
        raise CardMismatchError(f"{source}: {len(columns)} columns for {len(names)} domain inputs")
    flag = None
    for column, (lo, hi) in zip(columns, domain_ranges(domain, names, source)):
        inside = (column >= lo) & (column <= hi)
        flag = inside if flag is None else flag & inside
    return flag
