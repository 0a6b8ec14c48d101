"""Input validation shared by the MEM building blocks (shapes, finiteness, domains)."""

from __future__ import annotations

from typing import Any

import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError

__all__ = ["as_float_array", "as_four_vectors", "as_per_event", "as_two_vectors"]


def as_float_array(name: str, value: Any) -> np.ndarray:
    """``value`` as a float64 array; raises if it holds NaN or infinity."""
    arr = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise InvalidArgumentError(
            f"{name}: expected finite numbers, found {int(np.sum(~np.isfinite(arr)))} NaN/inf"
        )
    return arr


def as_four_vectors(name: str, value: Any, n: int | None = None) -> np.ndarray:
    """``value`` as an (N, 4) float64 array of (E, px, py, pz); N must equal ``n`` if given."""
    arr = as_float_array(name, value)
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise InvalidArgumentError(
            f"{name}: expected four-vectors of shape (N, 4) as (E, px, py, pz), found shape {arr.shape}"
        )
    if n is not None and arr.shape[0] != n:
        raise InvalidArgumentError(f"{name}: expected {n} events, found {arr.shape[0]}")
    return arr


def as_two_vectors(name: str, value: Any, n: int) -> np.ndarray:
    """``value`` as an (N, 2) float64 array of transverse (x, y) components."""
    arr = as_float_array(name, value)
    if arr.shape != (n, 2):
        raise InvalidArgumentError(f"{name}: expected shape ({n}, 2) as (px, py), found shape {arr.shape}")
    return arr


def as_per_event(name: str, value: Any, n: int) -> np.ndarray:
    """``value`` as an (N,) float64 array; a scalar is broadcast to all N events."""
    arr = as_float_array(name, value)
    if arr.ndim == 0:
        return np.full(n, float(arr))
    if arr.shape != (n,):
        raise InvalidArgumentError(f"{name}: expected a scalar or shape ({n},), found shape {arr.shape}")
    return arr
