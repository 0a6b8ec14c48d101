"""Flat-array helpers: jagged awkward ↔ flat numpy columns with an event index."""

from __future__ import annotations

from collections.abc import Mapping

import awkward as ak
import numpy as np

__all__ = ["FlatCollection", "flatten", "regroup", "group_sum", "event_pairs"]


class FlatCollection(dict):
    """Flat numpy columns of a jagged collection plus ``event`` (event index per element),
    ``counts`` and ``offsets`` (first element of each event)."""

    @property
    def event(self) -> np.ndarray:
        return self["_event"]

    @property
    def counts(self) -> np.ndarray:
        return self["_counts"]

    @property
    def offsets(self) -> np.ndarray:
        return self["_offsets"]

    def __len__(self) -> int:  # number of elements, not of columns
        return int(len(self["_event"]))

    def select(self, mask: np.ndarray) -> FlatCollection:
        """The elements where ``mask`` holds (event bookkeeping recomputed)."""
        n_events = len(self.counts)
        out = FlatCollection({k: v[mask] for k, v in self.items() if not k.startswith("_")})
        event = self.event[mask]
        counts = np.bincount(event, minlength=n_events)
        out["_event"] = event
        out["_counts"] = counts
        out["_offsets"] = np.concatenate([[0], np.cumsum(counts)])[:-1]
        return out


def flatten(array: ak.Array, fields: list[str] | None = None) -> FlatCollection:
    """Flat numpy copies of the fields of a jagged record array."""
    counts = ak.to_numpy(ak.num(array, axis=1)).astype(np.int64)
    flat = ak.flatten(array, axis=1)
    out = FlatCollection()
    for name in fields or ak.fields(array):
        out[name] = ak.to_numpy(flat[name])
    out["_event"] = np.repeat(np.arange(len(counts)), counts)
    out["_counts"] = counts
    out["_offsets"] = np.concatenate([[0], np.cumsum(counts)])[:-1]
    return out


def regroup(columns: Mapping[str, np.ndarray], event: np.ndarray, n_events: int,
            sort_key: np.ndarray | None = None) -> ak.Array:
    """Jagged record array from flat columns, ordered by event then by decreasing sort_key."""
    order = np.lexsort((-sort_key, event)) if sort_key is not None else np.argsort(event, kind="stable")
    counts = np.bincount(event, minlength=n_events)
    return ak.unflatten(ak.zip({k: np.asarray(v)[order] for k, v in columns.items()}), counts)


def group_sum(key: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Σ values per integer key in [0, n_groups)."""
    return np.bincount(key, weights=values, minlength=n_groups)


def event_pairs(event_a: np.ndarray, offsets_b: np.ndarray, counts_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All (i, j) with element i of collection A and element j of collection B in the same
    event; ``j`` is the flat index into B. Fully vectorised (no loop over events)."""
    n_b = counts_b[event_a]
    ia = np.repeat(np.arange(len(event_a)), n_b)
    starts = np.repeat(offsets_b[event_a], n_b)
    ramp = np.arange(len(ia)) - np.repeat(np.cumsum(n_b) - n_b, n_b)
    return ia, starts + ramp
