"""Columnar ancestry queries on flat event records by pointer jumping.

A record is a forest: ``parent[i]`` is the global index of particle i's (first) mother, or −1.
Walking up the tree one step at a time costs O(depth) numpy passes; pointer jumping (each
pass doubles the length of the chain segment every node summarises) costs O(log depth),
so the whole chunk's flags take a handful of vectorised passes instead of a Python loop over
particles.

Example:
    >>> import numpy as np
    >>> parent = np.array([-1, 0, 1, 2, 1])
    >>> or_along(parent, np.array([True, False, False, False, False])).tolist()
    [True, True, True, True, True]
    >>> first_along(parent, np.array([-1, 7, -1, -1, -1])).tolist()
    [-1, 7, 7, 7, 7]
"""

from __future__ import annotations

import numpy as np

__all__ = ["or_along", "first_along"]


def or_along(parent: np.ndarray, seed: np.ndarray) -> np.ndarray:
    """``out[i]`` = ``seed`` is true for i or for any of its ancestors."""
    val = seed.astype(bool).copy()
    ptr = parent.astype(np.int64).copy()
    while True:
        idx = np.nonzero(ptr >= 0)[0]
        if idx.size == 0:
            return val
        up = ptr[idx]
        val[idx] = val[idx] | val[up]
        ptr[idx] = ptr[up]


def first_along(parent: np.ndarray, own: np.ndarray) -> np.ndarray:
    """``out[i]`` = ``own`` of the nearest node on the chain i, parent(i), ... with ``own >= 0``
    (−1 where no node on the chain has one)."""
    val = own.astype(np.int64).copy()
    ptr = parent.astype(np.int64).copy()
    while True:
        idx = np.nonzero((ptr >= 0) & (val < 0))[0]
        if idx.size == 0:
            return val
        up = ptr[idx]
        val[idx] = val[up]
        ptr[idx] = ptr[up]
